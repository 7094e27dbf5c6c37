/*
 * The zero-copy data path (doc/api.md "Zero-copy data path"): a
 * datagram sealed in the host's buffer (ncgt_conn_send_dgram), frames
 * opened where they were received (ncgt_conn_recv_inplace, recv_dgram),
 * the adapter writing Ethernet into the room in front of a datagram
 * (ncgt_adapter_from_tunnel_dgram) and telling the host what it parsed
 * (to_tunnel_dgram). Each test checks pointers, not only bytes: "no copy"
 * means the callback sees the caller's own buffer.
 */
#include "adapter_harness.h"

#include <stdlib.h>

#include <ncgtun/conn.h>
#include <ncgtun/keys.h>

#include "ncgt_crypto.h"

enum { PIPE_CAP = 1 << 18 };

typedef struct pipe_ {
  uint8_t buf[PIPE_CAP];
  size_t len;
} pipe_;

typedef struct pair {
  ncgt_server *srv;
  ncgt_conn *cli, *sc;
  pipe_ c2s, s2c;
  int want_connect;
  /* what the last send callback saw */
  const uint8_t *sent_ptr;
  size_t sent_len, sends;
  /* what recv_dgram saw on the server */
  size_t dgrams;
  ncgt_datagram last;
  uint8_t last_pkt[256];
  int last_had_gso;
  ncgt_gso last_gso;
  int fail_dgram; /* recv_dgram refuses */
} pair;

static const ncgt_tstamp T0 = 1000 * NCGT_SECONDS;

static int queue(pair *p, pipe_ *q, const uint8_t *d, size_t n) {
  p->sent_ptr = d;
  p->sent_len = n;
  p->sends++;
  if (n > PIPE_CAP - q->len)
    return -1;
  memcpy(q->buf + q->len, d, n);
  q->len += n;
  return 0;
}
static int cli_send(ncgt_conn *c, const uint8_t *d, size_t n, void *ud) {
  pair *p = ud;
  return queue(p, &p->c2s, d, n);
}
static int srv_send(ncgt_conn *c, const uint8_t *d, size_t n, void *ud) {
  pair *p = ud;
  return queue(p, &p->s2c, d, n);
}
static int open_tr(ncgt_conn *c, const char *hop, void *ud) {
  ((pair *)ud)->want_connect = 1;
  return 0;
}
static void close_tr(ncgt_conn *c, void *ud) {}
static int old_recv(ncgt_conn *c, uint8_t proto, const uint8_t *dg, size_t len,
                    void *ud) {
  return 0;
}
static int srv_recv_dgram(ncgt_conn *c, const ncgt_datagram *d, void *ud) {
  pair *p = ud;
  p->dgrams++;
  p->last = *d;
  if (d->pktlen <= sizeof p->last_pkt)
    memcpy(p->last_pkt, d->pkt, d->pktlen);
  p->last_had_gso = d->gso != NULL;
  if (d->gso)
    p->last_gso = *d->gso;
  /* The room in front is the host's to write: touch all of it (ASan). */
  memset(d->dg - d->headroom, 0xEE, d->headroom);
  return p->fail_dgram;
}
static int t_rand(uint8_t *buf, size_t len, void *ud) {
  static uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < len; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    buf[i] = (uint8_t)x;
  }
  return 0;
}
static uint64_t t_wall(void *ud) { return 1700000000ull * NCGT_SECONDS; }
static int t_authorize(ncgt_server *srv, ncgt_conn *c, const char *dest,
                       const char *user, const uint8_t pub[32],
                       ncgt_authz *out, void *ud) {
  out->accept = 1;
  return 0;
}

static const ncgt_conn_callbacks cli_cb = {
    .version = NCGT_CONN_CALLBACKS_V1,
    .send = cli_send,
    .open_transport = open_tr,
    .close_transport = close_tr,
    .recv_datagram = old_recv,
    .rand = t_rand,
    .wallclock = t_wall,
};
static const ncgt_conn_callbacks srv_cb = {
    .version = NCGT_CONN_CALLBACKS_V2,
    .send = srv_send,
    .close_transport = close_tr,
    .rand = t_rand,
    .wallclock = t_wall,
    .recv_dgram = srv_recv_dgram,
};

/* Delivers whatever is queued both ways, in place. */
static void pump(pair *p) {
  static uint8_t tmp[PIPE_CAP];
  if (p->want_connect) {
    p->want_connect = 0;
    assert_int_equal(ncgt_server_accept(p->srv, &p->sc, &srv_cb, p, T0), 0);
    assert_int_equal(ncgt_conn_transport_connected(p->cli, T0), 0);
  }
  size_t n = p->c2s.len;
  if (n) {
    memcpy(tmp, p->c2s.buf, n);
    p->c2s.len = 0;
    assert_int_equal(ncgt_conn_recv_inplace(p->sc, tmp, n, T0), 0);
  }
  n = p->s2c.len;
  if (n) {
    memcpy(tmp, p->s2c.buf, n);
    p->s2c.len = 0;
    assert_int_equal(ncgt_conn_recv(p->cli, tmp, n, T0), 0);
  }
}

static void pair_up(pair *p, uint32_t features) {
  uint8_t spriv[32], spub[32], cpriv[32];
  static const char *const path[] = {"server"};
  memset(p, 0, sizeof *p);
  for (int i = 0; i < 32; i++) {
    spriv[i] = (uint8_t)(0x40 + i);
    cpriv[i] = (uint8_t)(0x10 + i);
  }
  assert_int_equal(ncgt_x25519_pub(spub, spriv), 0);
  ncgt_server_settings ss = {.version = NCGT_SERVER_SETTINGS_V2,
                             .features = features};
  ncgt_server_callbacks scb = {.version = NCGT_SERVER_CALLBACKS_V1,
                               .authorize = t_authorize};
  assert_int_equal(ncgt_server_new(&p->srv, &ss, &scb, NULL), 0);
  assert_int_equal(ncgt_server_add_identity(p->srv, "*", spriv), 0);
  ncgt_client_settings cs = {.version = NCGT_CLIENT_SETTINGS_V2,
                             .origin = "c",
                             .path = path,
                             .npath = 1,
                             .user = "alice",
                             .features = features};
  memcpy(cs.private_key, cpriv, 32);
  memcpy(cs.server_public_key, spub, 32);
  assert_int_equal(ncgt_conn_client_new(&p->cli, &cs, &cli_cb, p), 0);
  assert_int_equal(ncgt_conn_start(p->cli, T0), 0);
  for (int i = 0; i < 10; i++)
    pump(p);
  assert_int_equal(ncgt_conn_state(p->cli), NCGT_ST_AUTHORIZED);
  assert_int_equal(ncgt_conn_state(p->sc), NCGT_ST_AUTHORIZED);
}

static void pair_down(pair *p) {
  ncgt_conn_del(p->sc);
  ncgt_conn_del(p->cli);
  ncgt_server_del(p->srv);
}

/* A 60-byte IPv4 packet from 10.77.0.2 with a recognisable payload. */
static size_t packet(uint8_t *ip, uint8_t tag) {
  h_ip4(ip, IP4(10, 77, 0, 2), IP4(10, 88, 0, 9), 17, 60, 0);
  memset(ip + 20, tag, 40);
  return 60;
}

/* Sealed in the caller's buffer (the send callback gets that buffer,
 * header and digest in the headroom), opened in the receiver's buffer
 * (recv_dgram points into it, with the frame's header room in front). */
static void inplace_round_trip(void **st) {
  (void)st;
  static pair p;
  pair_up(&p, 0);
  uint8_t buf[NCGT_DATAGRAM_TX_HEADROOM + 60], ref[60];
  size_t n = packet(buf + NCGT_DATAGRAM_TX_HEADROOM, 0xA5);
  memcpy(ref, buf + NCGT_DATAGRAM_TX_HEADROOM, n);
  ncgt_datagram d = {.proto = NCGT_DATA_PROTO_IPV4,
                     .dg = buf + NCGT_DATAGRAM_TX_HEADROOM,
                     .dglen = n,
                     .headroom = NCGT_DATAGRAM_TX_HEADROOM};
  assert_int_equal(ncgt_conn_send_dgram(p.cli, &d, T0), 0);
  assert_ptr_equal(p.sent_ptr, buf);
  assert_int_equal(p.sent_len, NCGT_DATAGRAM_TX_HEADROOM + n);
  assert_memory_not_equal(buf + NCGT_DATAGRAM_TX_HEADROOM, ref, n);

  /* Receive side: open where the bytes are. */
  static uint8_t rx[4096];
  size_t fl = p.c2s.len;
  memcpy(rx, p.c2s.buf, fl);
  p.c2s.len = 0;
  assert_int_equal(ncgt_conn_recv_inplace(p.sc, rx, fl, T0), 0);
  assert_int_equal(p.dgrams, 1);
  assert_ptr_equal(p.last.dg, rx + NCGT_DATAGRAM_RX_HEADROOM);
  assert_ptr_equal(p.last.pkt, p.last.dg);
  assert_true(p.last.headroom >= NCGT_DATAGRAM_RX_HEADROOM);
  assert_int_equal(p.last.pktlen, n);
  assert_int_equal(p.last.proto, NCGT_DATA_PROTO_IPV4);
  assert_false(p.last_had_gso);
  assert_memory_equal(p.last_pkt, ref, n);
  assert_memory_equal(rx + NCGT_DATAGRAM_RX_HEADROOM, ref, n);
  pair_down(&p);
}

/* Too little room in front: a clear error, nothing sent, no counter
 * used (the next datagram still opens at the peer). */
static void headroom_too_small(void **st) {
  (void)st;
  static pair p;
  pair_up(&p, 0);
  uint8_t buf[NCGT_DATAGRAM_TX_HEADROOM + 60];
  size_t n = packet(buf + NCGT_DATAGRAM_TX_HEADROOM, 1);
  size_t sends = p.sends;
  ncgt_datagram d = {.proto = NCGT_DATA_PROTO_IPV4,
                     .dg = buf + NCGT_DATAGRAM_TX_HEADROOM,
                     .dglen = n,
                     .headroom = NCGT_DATAGRAM_TX_HEADROOM - 1};
  assert_int_equal(ncgt_conn_send_dgram(p.cli, &d, T0), NCGT_ERR_NOBUF);
  assert_int_equal(p.sends, sends);
  assert_int_equal(ncgt_conn_state(p.cli), NCGT_ST_AUTHORIZED);
  d.headroom = NCGT_DATAGRAM_TX_HEADROOM;
  assert_int_equal(ncgt_conn_send_dgram(p.cli, &d, T0), 0);
  pump(&p);
  assert_int_equal(p.dgrams, 1);
  assert_int_equal(ncgt_conn_state(p.sc), NCGT_ST_AUTHORIZED);
  /* Not AUTHORIZED-related misuse is refused as before. */
  d.dglen = 0;
  assert_int_equal(ncgt_conn_send_dgram(p.cli, &d, T0),
                   NCGT_ERR_INVALID_ARGUMENT);
  pair_down(&p);
}

/* recv_dgram keeps recv_datagram's failure contract (doc/api.md
 * "Callback failures"): the tunnel ends with CLOSE SHUTTING_DOWN, the
 * call returns CALLBACK_FAILURE, and the datagram after it in the same
 * bytes is not handed out. A V1 callbacks struct (no recv_dgram field)
 * is read only up to its size. */
static void recv_dgram_failure_ends_tunnel(void **st) {
  (void)st;
  static pair p;
  pair_up(&p, 0);
  uint8_t ip[60];
  size_t n = packet(ip, 7);
  assert_int_equal(ncgt_conn_send_datagram(p.cli, 4, ip, n, T0), 0);
  assert_int_equal(ncgt_conn_send_datagram(p.cli, 4, ip, n, T0), 0);
  static uint8_t rx[4096];
  size_t fl = p.c2s.len;
  memcpy(rx, p.c2s.buf, fl);
  p.c2s.len = 0;
  p.fail_dgram = 1;
  assert_int_equal(ncgt_conn_recv_inplace(p.sc, rx, fl, T0),
                   NCGT_ERR_CALLBACK_FAILURE);
  assert_int_equal(p.dgrams, 1);
  const ncgt_close_info *ci = ncgt_conn_close_info(p.sc);
  assert_non_null(ci);
  assert_int_equal(ci->status, NCGT_CLOSE_SHUTTING_DOWN);
  assert_int_equal(ci->error, NCGT_ERR_CALLBACK_FAILURE);
  /* The peer is told, authenticated. */
  assert_true(p.s2c.len > 0);
  assert_int_equal(ncgt_conn_recv(p.cli, p.s2c.buf, p.s2c.len, T0), 0);
  ci = ncgt_conn_close_info(p.cli);
  assert_non_null(ci);
  assert_int_equal(ci->status, NCGT_CLOSE_SHUTTING_DOWN);
  assert_true(ci->remote && ci->authenticated);
  pair_down(&p);

  /* A V1 struct exactly as long as V1 (ASan: never read past it). */
  const size_t v1len = offsetof(ncgt_conn_callbacks, recv_dgram);
  void *v1 = malloc(v1len);
  assert_non_null(v1);
  memcpy(v1, &cli_cb, v1len);
  ncgt_client_settings cs;
  static const char *const path[] = {"server"};
  ncgt_client_settings_default(&cs);
  cs.origin = "c";
  cs.path = path;
  cs.npath = 1;
  cs.user = "alice";
  ncgt_conn *c = NULL;
  assert_int_equal(ncgt_conn_client_new(&c, &cs, v1, NULL), 0);
  ncgt_conn_del(c);
  /* V1 without recv_datagram: refused (recv_dgram is V2's). */
  ncgt_conn_callbacks nodg = cli_cb;
  nodg.recv_datagram = NULL;
  memcpy(v1, &nodg, v1len);
  assert_int_equal(ncgt_conn_client_new(&c, &cs, v1, NULL),
                   NCGT_ERR_INVALID_ARGUMENT);
  free(v1);
}

/* Frames split anywhere across ncgt_conn_recv_inplace calls: the
 * decoder reassembles them and they are opened in its buffer, with the
 * same room in front; whole frames after a split open in place. */
static void split_frames(void **st) {
  (void)st;
  static pair p;
  pair_up(&p, 0);
  enum { FRAMES = 3 };
  static uint8_t rx[8192];
  uint8_t ref[60];
  for (size_t cut = 1; cut < (NCGT_DATAGRAM_TX_HEADROOM + 60) * 2; cut += 7) {
    for (int i = 0; i < FRAMES; i++) {
      uint8_t buf[NCGT_DATAGRAM_TX_HEADROOM + 60];
      size_t n = packet(buf + NCGT_DATAGRAM_TX_HEADROOM, (uint8_t)(cut + i));
      ncgt_datagram d = {.proto = NCGT_DATA_PROTO_IPV4,
                         .dg = buf + NCGT_DATAGRAM_TX_HEADROOM,
                         .dglen = n,
                         .headroom = NCGT_DATAGRAM_TX_HEADROOM};
      assert_int_equal(ncgt_conn_send_dgram(p.cli, &d, T0), 0);
    }
    size_t len = p.c2s.len;
    memcpy(rx, p.c2s.buf, len);
    p.c2s.len = 0;
    size_t before = p.dgrams;
    assert_int_equal(ncgt_conn_recv_inplace(p.sc, rx, cut, T0), 0);
    assert_int_equal(ncgt_conn_recv_inplace(p.sc, rx + cut, len - cut, T0),
                     0);
    assert_int_equal(p.dgrams, before + FRAMES);
    assert_true(p.last.headroom >= NCGT_DATAGRAM_RX_HEADROOM);
    packet(ref, (uint8_t)(cut + FRAMES - 1));
    assert_memory_equal(p.last_pkt, ref, 60);
    assert_int_equal(ncgt_conn_state(p.sc), NCGT_ST_AUTHORIZED);
  }
  pair_down(&p);
}

/* A GSO datagram: the descriptor is decoded by the conn and handed over
 * decoded, the packet after it. */
static void gso_decoded_once(void **st) {
  (void)st;
  static pair p;
  pair_up(&p, NCGT_FEATURE_GSO);
  enum { H = NCGT_DATAGRAM_TX_HEADROOM };
  uint8_t buf[H + NCGT_GSO_DESC_LEN + 60];
  ncgt_gso g = {.ipver = 4, .type = NCGT_GSO_TCPV4,
                .flags = NCGT_GSO_F_NEEDS_CSUM, .hdr_len = 40,
                .gso_size = 1360, .csum_start = 20, .csum_offset = 16};
  assert_int_equal(ncgt_gso_encode(buf + H, NCGT_GSO_DESC_LEN, &g),
                   NCGT_GSO_DESC_LEN);
  packet(buf + H + NCGT_GSO_DESC_LEN, 7);
  ncgt_datagram d = {.proto = NCGT_DATA_PROTO_GSO,
                     .dg = buf + H,
                     .dglen = NCGT_GSO_DESC_LEN + 60,
                     .headroom = H,
                     .gso = &g};
  assert_int_equal(ncgt_conn_send_dgram(p.cli, &d, T0), 0);
  pump(&p);
  assert_int_equal(p.dgrams, 1);
  assert_true(p.last_had_gso);
  assert_int_equal(p.last_gso.gso_size, 1360);
  assert_int_equal(p.last_gso.type, NCGT_GSO_TCPV4);
  assert_ptr_equal(p.last.pkt, p.last.dg + NCGT_GSO_DESC_LEN);
  assert_int_equal(p.last.pktlen, 60);
  pair_down(&p);
}

/* ---- adapter ---- */

static const uint8_t *stack_ptr;
static size_t stack_len;
static ncgt_datagram tun_d;
static size_t tun_calls;

static int a_to_stack(const uint8_t *f, size_t len, void *ud) {
  stack_ptr = f;
  stack_len = len;
  return 0;
}
static int a_to_tunnel(const ncgt_datagram *d, void *ud) {
  tun_d = *d;
  tun_calls++;
  return 0;
}

static ncgt_adapter *server_adapter(void) {
  ncgt_adapter_settings s;
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_SERVER);
  s.server_addr = IP4(10, 77, 0, 1);
  s.server_prefix_len = 24;
  memcpy(s.stack_mac, H_STACK_MAC, 6);
  ncgt_adapter_callbacks cb = {.version = NCGT_ADAPTER_CALLBACKS_V3,
                               .to_stack = a_to_stack,
                               .to_tunnel_dgram = a_to_tunnel};
  ncgt_adapter *ad = NULL;
  assert_int_equal(ncgt_adapter_new(&ad, &s, &cb, NULL), 0);
  return ad;
}

/* From the tunnel: the Ethernet header goes into the room in front of
 * the packet; the stack gets the caller's buffer. Too little room: a
 * clear error and nothing reaches the stack. */
static void adapter_from_tunnel_in_place(void **st) {
  (void)st;
  ncgt_adapter *ad = server_adapter();
  uint8_t buf[NCGT_DATAGRAM_RX_HEADROOM + 60];
  uint8_t *pkt = buf + NCGT_DATAGRAM_RX_HEADROOM;
  packet(pkt, 3);
  ncgt_datagram d = {.proto = NCGT_DATA_PROTO_IPV4, .dg = pkt, .dglen = 60,
                     .headroom = NCGT_DATAGRAM_RX_HEADROOM, .pkt = pkt,
                     .pktlen = 60};
  stack_ptr = NULL;
  assert_int_equal(ncgt_adapter_from_tunnel_dgram(ad, &d, IP4(10, 77, 0, 2)),
                   0);
  assert_ptr_equal(stack_ptr, pkt - 14);
  assert_int_equal(stack_len, 14 + 60);
  assert_memory_equal(pkt - 14, H_STACK_MAC, 6);
  assert_int_equal(h_be16(pkt - 2), 0x0800);

  stack_ptr = NULL;
  d.headroom = 13;
  assert_int_equal(ncgt_adapter_from_tunnel_dgram(ad, &d, IP4(10, 77, 0, 2)),
                   NCGT_ERR_NOBUF);
  assert_null(stack_ptr);
  /* Anti-spoofing still applies in place. */
  d.headroom = NCGT_DATAGRAM_RX_HEADROOM;
  assert_int_equal(ncgt_adapter_from_tunnel_dgram(ad, &d, IP4(10, 77, 0, 3)),
                   0);
  assert_null(stack_ptr);
  assert_int_equal(h_stats(&(harness){.ad = ad}).drop_spoofed, 1);
  ncgt_adapter_del(ad);
}

/* From the stack: to_tunnel_dgram gets the parsed IPv4 destination and
 * the room around the datagram in the host's buffer (its declared
 * headroom plus the Ethernet header it no longer needs). */
static void adapter_to_tunnel_parsed(void **st) {
  (void)st;
  ncgt_adapter *ad = server_adapter();
  enum { H = 16 };
  uint8_t buf[H + 14 + 60 + 8];
  uint8_t *f = buf + H;
  h_eth(f, H_CLIENT_MAC, H_STACK_MAC, 0x0800);
  h_ip4(f + 14, IP4(10, 77, 0, 1), IP4(10, 77, 0, 9), 17, 60, 0);
  tun_calls = 0;
  assert_int_equal(ncgt_adapter_from_stack_ex(ad, NULL, f, 14 + 60, H, 8), 0);
  assert_int_equal(tun_calls, 1);
  assert_int_equal(tun_d.proto, NCGT_DATA_PROTO_IPV4);
  assert_int_equal(tun_d.ip4_dst, IP4(10, 77, 0, 9));
  assert_ptr_equal(tun_d.dg, f + 14);
  assert_int_equal(tun_d.headroom, H + 14);
  assert_int_equal(tun_d.tailroom, 8);
  assert_null(tun_d.gso);
  ncgt_adapter_del(ad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(inplace_round_trip),
      cmocka_unit_test(headroom_too_small),
      cmocka_unit_test(split_frames),
      cmocka_unit_test(recv_dgram_failure_ends_tunnel),
      cmocka_unit_test(gso_decoded_once),
      cmocka_unit_test(adapter_from_tunnel_in_place),
      cmocka_unit_test(adapter_to_tunnel_parsed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
