/*
 * libFuzzer target: one tunnel endpoint (include/ncgtun/conn.h), server
 * role (Fig. 12) or initiator role (Fig. 11) chosen by the first input
 * byte, driven by a script of records [u8 op][u16 delay ms][u8 len][bytes]
 * (harness_template.c): bytes from the peer in any split, transport
 * events, timers, datagrams and End Session from the host. Host callbacks
 * fail at random. Invariants: every send is exactly one well-formed
 * frame, the state is one of the role's figure, nothing is sent after
 * Dead, and a Dead conn explains itself (close info).
 */
#include <ncgtun/conn.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct harness {
  fuzz_in *in;
  ncgt_conn *c;
  int server;
  ncgt_tstamp now;
  int transport; /* the object asked for a transport and did not close */
} harness;

static const uint8_t server_priv[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const uint8_t user_priv[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

static int cb_send(ncgt_conn *c, const uint8_t *d, size_t len, void *ud) {
  harness *h = ud;
  ncgt_frame_hdr hdr;
  FUZZ_CHECK(ncgt_conn_state(c) != NCGT_ST_DEAD);
  FUZZ_CHECK(ncgt_frame_check_hdr(d, len, NCGT_FRAME_MAX_LIMIT, &hdr) == 0);
  FUZZ_CHECK(hdr.length == len);
  return fuzz_in_fail(h->in) ? -1 : 0;
}

static int cb_open(ncgt_conn *c, const char *hop, void *ud) {
  harness *h = ud;
  (void)c;
  FUZZ_CHECK(hop && hop[0]);
  h->transport = 1;
  return fuzz_in_fail(h->in) ? -1 : 0;
}

static void cb_close(ncgt_conn *c, void *ud) {
  harness *h = ud;
  (void)c;
  h->transport = 0;
}

static int cb_dgram(ncgt_conn *c, uint8_t proto, const uint8_t *dg, size_t len,
                    void *ud) {
  harness *h = ud;
  (void)c;
  (void)proto;
  if (len) { /* touch both ends: ASan checks the bounds */
    volatile uint8_t x = dg[0];
    x = (uint8_t)(x ^ dg[len - 1]);
    (void)x;
  }
  return fuzz_in_fail(h->in) ? -1 : 0;
}

static int cb_rand(uint8_t *buf, size_t len, void *ud) {
  harness *h = ud;
  for (size_t i = 0; i < len; i++)
    buf[i] = (uint8_t)(i * 31 + 7);
  return fuzz_in_fail(h->in) ? -1 : 0;
}

static uint64_t cb_wall(void *ud) {
  harness *h = ud;
  return 1700000000ULL * NCGT_SECONDS + h->now;
}

static int legal(int server, ncgt_state s) {
  switch (s) {
  case NCGT_ST_AUTHORIZED:
  case NCGT_ST_CLOSE:
  case NCGT_ST_DYING:
  case NCGT_ST_DEAD:
    return 1;
  case NCGT_ST_ACCEPT_WAIT:
  case NCGT_ST_RECEIVE_RELAY:
  case NCGT_ST_CONNECT_WAIT:
  case NCGT_ST_CONFIRM_WAIT:
    return server;
  case NCGT_ST_IDLE:
  case NCGT_ST_TCP_OPEN:
  case NCGT_ST_SEND_RELAY:
  case NCGT_ST_CONNECT:
  case NCGT_ST_RESPONSE_WAIT:
  case NCGT_ST_RECONNECT:
    return !server;
  default:
    return 0;
  }
}

static void cb_state(ncgt_conn *c, ncgt_state from, ncgt_state to, void *ud) {
  harness *h = ud;
  (void)c;
  FUZZ_CHECK(from != to && legal(h->server, to));
}

static int authorize(ncgt_server *s, ncgt_conn *c, const char *dest,
                     const char *user, const uint8_t pub[32], ncgt_authz *out,
                     void *ud) {
  harness *h = ud;
  (void)s;
  (void)c;
  (void)pub;
  FUZZ_CHECK(dest && user && user[0]);
  out->accept = (fuzz_in_u8(h->in) & 3) != 0;
  out->close_status = fuzz_in_u8(h->in) % 16;
  out->retry_after = fuzz_in_u8(h->in);
  out->client_data_len = fuzz_in_u8(h->in);
  out->key_lifetime = fuzz_in_u8(h->in);
  return fuzz_in_fail(h->in) ? -1 : 0;
}

static const ncgt_conn_callbacks cbs = {
    .version = NCGT_CONN_CALLBACKS_V1,
    .send = cb_send,
    .open_transport = cb_open,
    .close_transport = cb_close,
    .recv_datagram = cb_dgram,
    .rand = cb_rand,
    .wallclock = cb_wall,
    .state_changed = cb_state,
};

enum {
  OP_BYTES,
  OP_TIMER,
  OP_CONNECTED,
  OP_ERROR,
  OP_SEND,
  OP_CLOSE,
  OP_START,
  OP_COUNT_
};

static void step(harness *h, uint8_t op, const uint8_t *p, size_t n) {
  ncgt_conn *c = h->c;
  switch (op) {
  case OP_BYTES: {
    uint8_t *chunk = fuzz_dup(p, n);
    (void)ncgt_conn_recv(c, chunk, n, h->now);
    free(chunk);
    break;
  }
  case OP_TIMER:
    if (ncgt_conn_get_expiry(c) <= h->now)
      (void)ncgt_conn_handle_expiry(c, h->now);
    break;
  case OP_CONNECTED:
    if (!h->server && ncgt_conn_transport_connected(c, h->now) < 0)
      break;
    break;
  case OP_ERROR:
    (void)ncgt_conn_transport_error(c, h->now);
    break;
  case OP_SEND:
    if (ncgt_conn_send_datagram(c, NCGT_DATA_PROTO_IPV4, p, n, h->now) < 0)
      break;
    break;
  case OP_CLOSE:
    (void)ncgt_conn_close(c, n ? p[0] : 0, h->now);
    break;
  case OP_START:
    if (!h->server && ncgt_conn_start(c, h->now) < 0)
      break;
    break;
  }
  ncgt_state st = ncgt_conn_state(c);
  FUZZ_CHECK(legal(h->server, st));
  if (st == NCGT_ST_DEAD && !h->server)
    FUZZ_CHECK(!h->transport);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in;
  harness h = {&in, NULL, 0, 1000 * NCGT_SECONDS, 0};
  fuzz_in_init(&in, data, size);
  h.server = fuzz_in_u8(&in) & 1;
  ncgt_server *srv = NULL;
  if (h.server) {
    ncgt_server_settings ss = {.version = NCGT_SERVER_SETTINGS_V1};
    ss.max_sessions = fuzz_in_u8(&in) & 1;
    ncgt_server_callbacks scb = {.version = NCGT_SERVER_CALLBACKS_V1,
                                 .authorize = authorize};
    FUZZ_CHECK(ncgt_server_new(&srv, &ss, &scb, &h) == 0);
    FUZZ_CHECK(ncgt_server_add_identity(srv, "*", server_priv) == 0);
    FUZZ_CHECK(ncgt_server_accept(srv, &h.c, &cbs, &h, h.now) == 0);
    h.transport = 1;
  } else {
    static const char *const path[] = {"relay", "server"};
    ncgt_client_settings cs = {.version = NCGT_CLIENT_SETTINGS_V1};
    cs.origin = "client";
    cs.path = path;
    cs.npath = 2;
    cs.user = "alice";
    memcpy(cs.private_key, user_priv, 32);
    memcpy(cs.server_public_key, server_priv, 32); /* any 32 bytes */
    cs.auto_reconnect = fuzz_in_u8(&in) & 1;
    FUZZ_CHECK(ncgt_conn_client_new(&h.c, &cs, &cbs, &h) == 0);
  }
  while (fuzz_in_left(&in) > 0) {
    uint8_t op = fuzz_in_u8(&in) % OP_COUNT_;
    h.now += (ncgt_tstamp)fuzz_in_u16(&in) * NCGT_MILLISECONDS;
    size_t n = 0;
    const uint8_t *p = fuzz_in_bytes(&in, fuzz_in_u8(&in), &n);
    step(&h, op, p, n);
  }
  if (ncgt_conn_state(h.c) == NCGT_ST_DEAD)
    FUZZ_CHECK(ncgt_conn_close_info(h.c) != NULL);
  ncgt_conn_del(h.c);
  ncgt_server_del(srv);
  return 0;
}
