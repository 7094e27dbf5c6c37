/*
 * Shared by fuzz_conn_client.c, fuzz_conn_server.c and the seed generator
 * fuzz/gen_seeds.c: one tunnel endpoint (patent Fig. 11 initiator or
 * Fig. 12 server) driven by a script, under the fixed keys of
 * fuzz_fixed.h.
 *
 * Script: records [u8 op][u16 delay ms][u8 fail][u16 len][bytes].
 *   delay: time advances by it before the op; every expiry that falls due
 *          on the way is handled at its time (as an epoll host would).
 *   fail:  bit 0 send, 1 rand, 2 recv_datagram, 3 authorize,
 *          4 open_transport: that callback fails during this record.
 *   op:    FC_RECV bytes from the transport (only while it is up),
 *          FC_CONNECTED / FC_TERROR transport events (only when they can
 *          happen), FC_SEND_DG a datagram (version from its first byte),
 *          FC_CLOSE with the status in the first byte (server: second
 *          byte 1 = ncgt_server_close_user, 2 = ncgt_server_shutdown),
 *          FC_START (initiator), FC_WAIT (time only).
 * The endpoint's random bytes come from a fixed generator and its wall
 * clock from the script's time, so a recorded session replays exactly.
 *
 * Checks: every state is one of the role's states and every transition
 * starts where the last one ended; nothing is sent while the harness's
 * transport is not up (so nothing after DEAD) and what is sent is a
 * sequence of well-formed frames; datagrams delivered are IPv4/IPv6 of a
 * sane size; after handle_expiry the next expiry is in the future (no
 * busy loop); close info is NUL-terminated; the server's session table
 * holds at most this conn, and not once it is DEAD; ASan reports leaks.
 */
#ifndef NCGT_FUZZ_CONN_H
#define NCGT_FUZZ_CONN_H

#include <ncgtun/conn.h>

#include "fuzz_fixed.h"
#include "fuzz_input.h"

enum { FC_RECV, FC_CONNECTED, FC_TERROR, FC_SEND_DG, FC_CLOSE, FC_START,
       FC_WAIT, FC_OP_COUNT_ };
enum { FC_FAIL_SEND = 1, FC_FAIL_RAND = 2, FC_FAIL_RECV_DG = 4,
       FC_FAIL_AUTHORIZE = 8, FC_FAIL_OPEN = 16 };
enum { FC_DOWN, FC_OPENING, FC_UP };

typedef struct fc_ep fc_ep;
struct fc_ep {
  ncgt_conn *c;
  ncgt_server *srv;
  int server;
  int transport;    /* FC_DOWN / FC_OPENING / FC_UP, as the host sees it */
  uint8_t fail;     /* FC_FAIL_* of the current record */
  uint64_t rng;
  ncgt_tstamp now;
  ncgt_state last;
  ncgt_fdec *sent;  /* re-frames what the endpoint sends */
  /* the generator records what is sent */
  void (*sink)(fc_ep *e, const uint8_t *p, size_t n);
};

static inline int fc_legal(int server, ncgt_state st) {
  switch (st) {
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

static inline int fc_send(ncgt_conn *c, const uint8_t *p, size_t n, void *ud) {
  fc_ep *e = ud;
  (void)c;
  FUZZ_CHECK(e->transport == FC_UP);
  FUZZ_CHECK(ncgt_conn_state(e->c) != NCGT_ST_DEAD);
  for (size_t off = 0; off < n;) {
    const uint8_t *f = NULL;
    size_t flen = 0;
    ssize_t used = ncgt_fdec_feed(e->sent, p + off, n - off, &f, &flen);
    FUZZ_CHECK(used >= 0); /* a malformed frame was sent */
    off += (size_t)used;
  }
  if (e->sink)
    e->sink(e, p, n);
  return (e->fail & FC_FAIL_SEND) ? -1 : 0;
}

static inline int fc_open(ncgt_conn *c, const char *hop, void *ud) {
  fc_ep *e = ud;
  (void)c;
  FUZZ_CHECK(!e->server && hop != NULL && e->transport == FC_DOWN);
  if (e->fail & FC_FAIL_OPEN)
    return -1;
  e->transport = FC_OPENING;
  return 0;
}

static inline void fc_close(ncgt_conn *c, void *ud) {
  fc_ep *e = ud;
  (void)c;
  e->transport = FC_DOWN;
}

static inline int fc_recv_dg(ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                             size_t n, void *ud) {
  fc_ep *e = ud;
  (void)c;
  (void)dg;
  FUZZ_CHECK(proto == NCGT_DATA_PROTO_IPV4 || proto == NCGT_DATA_PROTO_IPV6);
  FUZZ_CHECK(n >= 1 && n <= NCGT_DATAGRAM_MAX);
  FUZZ_CHECK(ncgt_conn_state(e->c) == NCGT_ST_AUTHORIZED);
  return (e->fail & FC_FAIL_RECV_DG) ? -1 : 0;
}

static inline int fc_rand(uint8_t *buf, size_t n, void *ud) {
  fc_ep *e = ud;
  if (e->fail & FC_FAIL_RAND)
    return -1;
  for (size_t i = 0; i < n; i++) { /* splitmix64, one byte per step */
    uint64_t z = (e->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    buf[i] = (uint8_t)(z ^ (z >> 31));
  }
  return 0;
}

static inline uint64_t fc_wallclock(void *ud) {
  fc_ep *e = ud;
  return 1700000000ull * NCGT_SECONDS + e->now;
}

static inline void fc_state(ncgt_conn *c, ncgt_state from, ncgt_state to,
                            void *ud) {
  fc_ep *e = ud;
  (void)c;
  FUZZ_CHECK(from == e->last);
  FUZZ_CHECK(fc_legal(e->server, to));
  e->last = to;
}

static inline void fc_closed(ncgt_conn *c, const ncgt_close_info *ci,
                             void *ud) {
  (void)c;
  (void)ud;
  FUZZ_CHECK(memchr(ci->info, 0, sizeof ci->info) != NULL);
}

static const ncgt_conn_callbacks fc_cbs = {
    .version = NCGT_CONN_CALLBACKS_V1,
    .send = fc_send,
    .open_transport = fc_open,
    .close_transport = fc_close,
    .recv_datagram = fc_recv_dg,
    .rand = fc_rand,
    .wallclock = fc_wallclock,
    .state_changed = fc_state,
    .closed = fc_closed,
};

static const uint8_t fc_client_data[] = {50, 4, 10, 77, 0, 2, 1, 4, 255,
                                         255, 255, 0, 54, 4, 10, 77, 0, 1,
                                         255};

static inline int fc_authorize(ncgt_server *srv, ncgt_conn *c,
                               const char *dest, const char *user,
                               const uint8_t pub[32], ncgt_authz *out,
                               void *ud) {
  fc_ep *e = ud;
  uint8_t cpub[32];
  (void)srv;
  (void)c;
  FUZZ_CHECK(dest && user && strlen(user) <= NCGT_NAME_MAX);
  if (e->fail & FC_FAIL_AUTHORIZE)
    return -1;
  fz_pub(cpub, FZ_CLIENT_STATIC);
  out->accept = strcmp(user, FZ_USER) == 0 && memcmp(pub, cpub, 32) == 0;
  memcpy(out->client_data, fc_client_data, sizeof fc_client_data);
  out->client_data_len = sizeof fc_client_data;
  return 0;
}

/* Server endpoints get the harness through the server's user_data. */
static inline void fc_init(fc_ep *e, int server,
                           void (*sink)(fc_ep *, const uint8_t *, size_t)) {
  memset(e, 0, sizeof *e);
  e->server = server;
  e->sink = sink;
  e->rng = server ? 0x5E5E : 0xC1C1;
  FUZZ_CHECK(ncgt_fdec_new(&e->sent, NCGT_FRAME_MAX_DEFAULT) == 0);
  if (server) {
    static const ncgt_server_callbacks scb = {
        .version = NCGT_SERVER_CALLBACKS_V1, .authorize = fc_authorize};
    ncgt_server_settings ss = {.version = NCGT_SERVER_SETTINGS_V1};
    uint8_t spriv[32];
    fz_key(spriv, FZ_SERVER_STATIC);
    FUZZ_CHECK(ncgt_server_new(&e->srv, &ss, &scb, e) == 0);
    FUZZ_CHECK(ncgt_server_add_identity(e->srv, FZ_DEST, spriv) == 0);
    e->last = NCGT_ST_ACCEPT_WAIT;
    e->transport = FC_UP; /* accepted */
    FUZZ_CHECK(ncgt_server_accept(e->srv, &e->c, &fc_cbs, e, 0) == 0);
    return;
  }
  static const char *const path[] = {FZ_DEST};
  ncgt_client_settings cs = {.version = NCGT_CLIENT_SETTINGS_V1,
                             .origin = "client",
                             .path = path,
                             .npath = 1,
                             .dest = FZ_DEST,
                             .user = FZ_USER,
                             .auto_reconnect = 1};
  fz_key(cs.private_key, FZ_CLIENT_STATIC);
  fz_pub(cs.server_public_key, FZ_SERVER_STATIC);
  e->last = NCGT_ST_IDLE;
  FUZZ_CHECK(ncgt_conn_client_new(&e->c, &cs, &fc_cbs, e) == 0);
  FUZZ_CHECK(ncgt_conn_start(e->c, 0) == 0);
  FUZZ_CHECK(e->transport == FC_OPENING);
  e->transport = FC_UP;
  FUZZ_CHECK(ncgt_conn_transport_connected(e->c, 0) == 0);
}

static inline void fc_fini(fc_ep *e) {
  ncgt_conn_del(e->c);
  ncgt_server_del(e->srv);
  ncgt_fdec_del(e->sent);
}

/* Handles every expiry due up to `until`, each at its own time. */
static inline void fc_advance(fc_ep *e, ncgt_tstamp until) {
  for (int i = 0; i < 64; i++) {
    ncgt_tstamp x = ncgt_conn_get_expiry(e->c);
    if (x > until)
      break;
    if (x > e->now)
      e->now = x;
    (void)ncgt_conn_handle_expiry(e->c, e->now);
    FUZZ_CHECK(ncgt_conn_get_expiry(e->c) > e->now); /* no busy loop */
  }
  e->now = until;
}

static inline void fc_step(fc_ep *e, uint8_t op, uint16_t delay_ms,
                           uint8_t fail, const uint8_t *p, size_t n) {
  e->fail = 0; /* failures apply to the op, not to the timers before it */
  fc_advance(e, e->now + (ncgt_tstamp)delay_ms * NCGT_MILLISECONDS);
  e->fail = fail;
  uint8_t *b = fuzz_dup(p, n); /* exact size: ASan sees overreads */
  switch (op % FC_OP_COUNT_) {
  case FC_RECV:
    if (e->transport == FC_UP)
      (void)ncgt_conn_recv(e->c, b, n, e->now);
    break;
  case FC_CONNECTED:
    if (e->transport == FC_OPENING) {
      e->transport = FC_UP; /* before: it may send at once */
      if (ncgt_conn_transport_connected(e->c, e->now) != 0 &&
          ncgt_conn_state(e->c) == NCGT_ST_DEAD)
        e->transport = FC_DOWN;
    }
    break;
  case FC_TERROR:
    if (e->transport != FC_DOWN) {
      e->transport = FC_DOWN; /* the host's socket is gone */
      (void)ncgt_conn_transport_error(e->c, e->now);
    }
    break;
  case FC_SEND_DG:
    if (n > 0 && ncgt_conn_state(e->c) == NCGT_ST_AUTHORIZED)
      (void)ncgt_conn_send_datagram(e->c,
                                    (b[0] >> 4) == 6 ? NCGT_DATA_PROTO_IPV6
                                                     : NCGT_DATA_PROTO_IPV4,
                                    b, n, e->now);
    break;
  case FC_CLOSE: /* server: the second byte may pick a server-wide close */
    if (e->server && n >= 2 && b[1] == 1)
      (void)ncgt_server_close_user(e->srv, FZ_USER, b[0], e->now);
    else if (e->server && n >= 2 && b[1] == 2)
      (void)ncgt_server_shutdown(e->srv, e->now);
    else
      (void)ncgt_conn_close(e->c, n ? b[0] : NCGT_CLOSE_END_SESSION, e->now);
    break;
  case FC_START:
    if (!e->server && ncgt_conn_state(e->c) == NCGT_ST_IDLE)
      (void)ncgt_conn_start(e->c, e->now);
    break;
  default:
    break;
  }
  free(b);
  e->fail = 0;
  FUZZ_CHECK(fc_legal(e->server, ncgt_conn_state(e->c)));
  FUZZ_CHECK(ncgt_conn_state(e->c) == e->last);
  if (e->server) { /* the session table holds at most this conn */
    ncgt_conn *u = ncgt_server_find_user(e->srv, FZ_USER);
    FUZZ_CHECK(u == NULL || u == e->c);
    FUZZ_CHECK(ncgt_server_session_count(e->srv) <= 1);
    if (ncgt_conn_state(e->c) == NCGT_ST_DEAD)
      FUZZ_CHECK(u == NULL);
  }
  const ncgt_close_info *ci = ncgt_conn_close_info(e->c);
  FUZZ_CHECK(!ci || memchr(ci->info, 0, sizeof ci->info) != NULL);
}

/* Runs a whole script against a fresh endpoint. */
static inline void fc_run(const uint8_t *data, size_t size, int server) {
  fuzz_in in;
  fc_ep e;
  fuzz_in_init(&in, data, size);
  fc_init(&e, server, NULL);
  while (fuzz_in_left(&in) > 0) {
    uint8_t op = fuzz_in_u8(&in);
    uint16_t delay = fuzz_in_u16(&in);
    uint8_t fail = fuzz_in_u8(&in);
    size_t n = 0;
    const uint8_t *p = fuzz_in_bytes(&in, fuzz_in_u16(&in), &n);
    fc_step(&e, op, delay, fail, p, n);
  }
  if (getenv("FUZZ_DEBUG")) { /* seed check: how far the script got */
    ncgt_conn_stats st;
    ncgt_conn_get_stats(e.c, &st);
    fprintf(stderr, "state %s frames recv %llu dgrams recv %llu rekeys %llu\n",
            ncgt_state_name(ncgt_conn_state(e.c)),
            (unsigned long long)st.frames_recv,
            (unsigned long long)st.datagrams_recv,
            (unsigned long long)st.rekeys);
  }
  fc_fini(&e);
}

#endif /* NCGT_FUZZ_CONN_H */
