/* The callback contract (include/ncgtun/conn.h, doc/api.md "Callback
 * failures"): a failing callback ends the object with a named status or
 * is an explicit transport failure, never silent data loss; an object
 * may be deleted from inside its own callbacks where the header says so.
 * Built on the public API alone: a client conn and a server conn joined
 * back to back in memory, every byte passed by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ncgtun/conn.h>
#include <ncgtun/keys.h>

#define MS NCGT_MILLISECONDS

typedef struct end {
  ncgt_conn *c;
  uint8_t out[1 << 17]; /* bytes sent, not yet delivered */
  size_t outlen;
  int fail_recv_dg;   /* recv_datagram returns non-zero from this count */
  int fail_open;      /* open_transport returns non-zero */
  int del_in_closed;  /* ncgt_conn_del inside `closed` */
  int opens, closes_transport, closed_calls;
  uint16_t closed_status;
  int closed_error;
  int dgrams;
  int deleted;
} end;

static uint64_t rng = 88172645463325252ull;
static int cb_rand(uint8_t *b, size_t n, void *ud) {
  (void)ud;
  for (size_t i = 0; i < n; i++) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    b[i] = (uint8_t)rng;
  }
  return 0;
}
static uint64_t wall = 1700000000ull * 1000000000ull;
static uint64_t cb_wall(void *ud) {
  (void)ud;
  return wall += 1000;
}
static int cb_send(ncgt_conn *c, const uint8_t *d, size_t n, void *ud) {
  end *e = ud;
  (void)c;
  assert_true(e->outlen + n <= sizeof(e->out));
  memcpy(e->out + e->outlen, d, n);
  e->outlen += n;
  return 0;
}
static int cb_open(ncgt_conn *c, const char *hop, void *ud) {
  end *e = ud;
  (void)c;
  (void)hop;
  e->opens++;
  return e->fail_open ? -1 : 0;
}
static void cb_close_transport(ncgt_conn *c, void *ud) {
  (void)c;
  ((end *)ud)->closes_transport++;
}
static int cb_recv_dg(ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                      size_t len, void *ud) {
  end *e = ud;
  (void)c;
  (void)proto;
  (void)dg;
  (void)len;
  e->dgrams++;
  return e->fail_recv_dg && e->dgrams >= e->fail_recv_dg ? -1 : 0;
}
static void cb_closed(ncgt_conn *c, const ncgt_close_info *ci, void *ud) {
  end *e = ud;
  e->closed_calls++;
  e->closed_status = ci->status;
  e->closed_error = ci->error;
  if (e->del_in_closed) {
    ncgt_conn_del(c);
    e->deleted = 1;
    e->c = NULL;
  }
}

static int authorize(ncgt_server *s, ncgt_conn *c, const char *dest,
                     const char *user, const uint8_t pub[32], ncgt_authz *out,
                     void *ud) {
  (void)s;
  (void)c;
  (void)dest;
  (void)user;
  (void)pub;
  (void)ud;
  out->accept = 1;
  return 0;
}

typedef struct pair {
  end cl, sv;
  ncgt_server *srv;
  uint8_t cpriv[32], spriv[32], spub[32];
  ncgt_tstamp now;
} pair;

static ncgt_conn_callbacks callbacks(void) {
  ncgt_conn_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.version = NCGT_CONN_CALLBACKS_V1;
  cb.send = cb_send;
  cb.open_transport = cb_open;
  cb.close_transport = cb_close_transport;
  cb.recv_datagram = cb_recv_dg;
  cb.rand = cb_rand;
  cb.wallclock = cb_wall;
  cb.closed = cb_closed;
  return cb;
}

/* Delivers what each side sent until both are quiet. */
static int deliver(end *from, end *to, ncgt_tstamp ts) {
  if (!from->outlen || !to->c)
    return 0;
  static uint8_t tmp[sizeof(from->out)];
  size_t n = from->outlen;
  memcpy(tmp, from->out, n);
  from->outlen = 0;
  return ncgt_conn_recv(to->c, tmp, n, ts);
}

static void pair_init(pair *p, int direct_request) {
  memset(p, 0, sizeof(*p));
  p->now = 1000 * MS;
  uint8_t rnd[32];
  assert_int_equal(cb_rand(rnd, 32, NULL), 0);
  assert_int_equal(ncgt_privkey_from_random(p->cpriv, rnd), 0);
  assert_int_equal(cb_rand(rnd, 32, NULL), 0);
  assert_int_equal(ncgt_privkey_from_random(p->spriv, rnd), 0);
  assert_int_equal(ncgt_pubkey(p->spub, p->spriv), 0);
  ncgt_server_settings ss;
  ncgt_server_settings_default(&ss);
  ncgt_server_callbacks scb;
  memset(&scb, 0, sizeof(scb));
  scb.version = NCGT_SERVER_CALLBACKS_V1;
  scb.authorize = authorize;
  assert_int_equal(ncgt_server_new(&p->srv, &ss, &scb, NULL), 0);
  assert_int_equal(ncgt_server_add_identity(p->srv, "S", p->spriv), 0);
  ncgt_conn_callbacks cb = callbacks();
  ncgt_client_settings cs;
  ncgt_client_settings_default(&cs);
  static const char *const path[] = {"S"};
  cs.origin = "C";
  cs.path = path;
  cs.npath = 1;
  cs.user = "alice";
  cs.direct_request = direct_request;
  cs.auto_reconnect = 1;
  memcpy(cs.private_key, p->cpriv, 32);
  memcpy(cs.server_public_key, p->spub, 32);
  assert_int_equal(ncgt_conn_client_new(&p->cl.c, &cs, &cb, &p->cl), 0);
}

static void pair_connect(pair *p) {
  ncgt_conn_callbacks cb = callbacks();
  assert_int_equal(ncgt_conn_start(p->cl.c, p->now), 0);
  assert_int_equal(ncgt_server_accept(p->srv, &p->sv.c, &cb, &p->sv, p->now),
                   0);
  assert_int_equal(ncgt_conn_transport_connected(p->cl.c, p->now), 0);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(deliver(&p->cl, &p->sv, p->now), 0);
    assert_int_equal(deliver(&p->sv, &p->cl, p->now), 0);
  }
  assert_int_equal(ncgt_conn_state(p->cl.c), NCGT_ST_AUTHORIZED);
  assert_int_equal(ncgt_conn_state(p->sv.c), NCGT_ST_AUTHORIZED);
}

static void pair_free(pair *p) {
  ncgt_conn_del(p->cl.c);
  ncgt_conn_del(p->sv.c);
  ncgt_server_del(p->srv);
}

static const uint8_t ip4[20] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17,
                                0,    0, 10, 0, 0, 2, 10, 0, 0, 1};

/* recv_datagram fails on the second of three datagrams that arrive in one
 * chunk: the conn ends at once with SHUTTING_DOWN (sent to the peer,
 * authenticated) and the call says CALLBACK_FAILURE; before the fix the
 * third datagram was dropped silently and the conn stayed AUTHORIZED. */
static void recv_datagram_failure_ends_conn(void **st) {
  (void)st;
  pair p;
  pair_init(&p, 0);
  pair_connect(&p);
  for (int i = 0; i < 3; i++)
    assert_int_equal(ncgt_conn_send_datagram(p.cl.c, NCGT_DATA_PROTO_IPV4,
                                             ip4, sizeof(ip4), p.now),
                     0);
  p.sv.fail_recv_dg = 2;
  int rv = deliver(&p.cl, &p.sv, p.now);
  assert_int_equal(rv, NCGT_ERR_CALLBACK_FAILURE);
  assert_true(ncgt_err_is_fatal(rv));
  assert_int_equal(p.sv.dgrams, 2);
  assert_int_equal(ncgt_conn_state(p.sv.c), NCGT_ST_DEAD);
  assert_int_equal(p.sv.closed_status, NCGT_CLOSE_SHUTTING_DOWN);
  assert_int_equal(p.sv.closed_error, NCGT_ERR_CALLBACK_FAILURE);
  /* the peer learns why, authenticated */
  assert_int_equal(deliver(&p.sv, &p.cl, p.now), 0);
  const ncgt_close_info *ci = ncgt_conn_close_info(p.cl.c);
  assert_non_null(ci);
  assert_int_equal(ci->status, NCGT_CLOSE_SHUTTING_DOWN);
  assert_true(ci->remote);
  assert_true(ci->authenticated);
  pair_free(&p);
}

/* open_transport returning non-zero is a transport failure: start
 * returns 0, the conn is DEAD with TRANSPORT / CALLBACK_FAILURE,
 * close_transport is not called (nothing was opened), and with
 * auto_reconnect the conn tries again by itself. */
static void open_transport_failure_is_transport_failure(void **st) {
  (void)st;
  pair p;
  pair_init(&p, 0);
  p.cl.fail_open = 1;
  assert_int_equal(ncgt_conn_start(p.cl.c, p.now), 0);
  assert_int_equal(ncgt_conn_state(p.cl.c), NCGT_ST_DEAD);
  assert_int_equal(p.cl.closed_calls, 1);
  assert_int_equal(p.cl.closed_status, NCGT_CLOSE_TRANSPORT);
  assert_int_equal(p.cl.closed_error, NCGT_ERR_CALLBACK_FAILURE);
  assert_int_equal(p.cl.closes_transport, 0);
  ncgt_tstamp at = ncgt_conn_get_expiry(p.cl.c);
  assert_true(at != NCGT_TSTAMP_MAX);
  p.cl.fail_open = 0;
  assert_int_equal(ncgt_conn_handle_expiry(p.cl.c, at), 0);
  assert_int_equal(p.cl.opens, 2);
  assert_int_equal(ncgt_conn_state(p.cl.c), NCGT_ST_TCP_OPEN);
  pair_free(&p);
}

/* A conn may be deleted from inside its own `closed` callback: the free
 * waits until the library's call returns, and no callback runs after. */
static void delete_inside_closed_callback(void **st) {
  (void)st;
  pair p;
  pair_init(&p, 0);
  pair_connect(&p);
  p.sv.del_in_closed = 1;
  p.cl.del_in_closed = 1;
  int sv_closes = p.sv.closes_transport;
  assert_int_equal(ncgt_conn_close(p.sv.c, NCGT_CLOSE_END_SESSION, p.now), 0);
  assert_true(p.sv.deleted);
  assert_int_equal(p.sv.closes_transport, sv_closes); /* after del: none */
  assert_int_equal(ncgt_server_session_count(p.srv), 0);
  /* the client deletes itself inside recv's callback too */
  assert_int_equal(deliver(&p.sv, &p.cl, p.now), 0);
  assert_true(p.cl.deleted);
  pair_free(&p);
}

/* doc/protocol.md "Direct connections": a client that sends REQUEST as
 * its first frame (no RELAY) is accepted by the server. */
static void direct_request_without_relay(void **st) {
  (void)st;
  pair p;
  pair_init(&p, 1);
  ncgt_conn_callbacks cb = callbacks();
  assert_int_equal(ncgt_conn_start(p.cl.c, p.now), 0);
  assert_int_equal(ncgt_server_accept(p.srv, &p.sv.c, &cb, &p.sv, p.now), 0);
  assert_int_equal(ncgt_conn_transport_connected(p.cl.c, p.now), 0);
  assert_true(p.cl.outlen > 5);
  assert_int_equal(p.cl.out[4], NCGT_FRAME_REQUEST); /* no RELAY first */
  for (int i = 0; i < 4; i++) {
    assert_int_equal(deliver(&p.cl, &p.sv, p.now), 0);
    assert_int_equal(deliver(&p.sv, &p.cl, p.now), 0);
  }
  assert_int_equal(ncgt_conn_state(p.cl.c), NCGT_ST_AUTHORIZED);
  assert_int_equal(ncgt_conn_state(p.sv.c), NCGT_ST_AUTHORIZED);
  assert_int_equal(ncgt_conn_send_datagram(p.cl.c, NCGT_DATA_PROTO_IPV4, ip4,
                                           sizeof(ip4), p.now),
                   0);
  assert_int_equal(deliver(&p.cl, &p.sv, p.now), 0);
  assert_int_equal(p.sv.dgrams, 1);
  pair_free(&p);
}

/* doc/api.md "Versioned structs": a caller built against V1 passes a
 * struct that ends before the fields appended later; the library reads
 * exactly that much (ASan would flag one byte more in these exact-size
 * heap blocks) and takes the rest as defaults. Version 0 is refused. */
static void versioned_structs_read_by_declared_size(void **st) {
  (void)st;
  ncgt_server_settings full_ss;
  memset(&full_ss, 0, sizeof(full_ss));
  full_ss.version = NCGT_SERVER_SETTINGS_V1;
  size_t n1 = offsetof(ncgt_server_settings, features);
  uint8_t *blk = malloc(n1);
  assert_non_null(blk);
  memcpy(blk, &full_ss, n1);
  ncgt_server_callbacks scb;
  memset(&scb, 0, sizeof(scb));
  scb.version = NCGT_SERVER_CALLBACKS_V1;
  scb.authorize = authorize;
  ncgt_server *srv = NULL;
  assert_int_equal(
      ncgt_server_new(&srv, (const ncgt_server_settings *)(void *)blk, &scb,
                      NULL),
      0);
  ncgt_server_del(srv);
  memset(blk, 0, sizeof(uint32_t)); /* version 0 */
  assert_int_equal(
      ncgt_server_new(&srv, (const ncgt_server_settings *)(void *)blk, &scb,
                      NULL),
      NCGT_ERR_INVALID_ARGUMENT);
  free(blk);

  ncgt_relay_settings full_rs;
  memset(&full_rs, 0, sizeof(full_rs));
  full_rs.version = NCGT_RELAY_SETTINGS_V1;
  full_rs.name = "R";
  n1 = offsetof(ncgt_relay_settings, idle_timeout);
  blk = malloc(n1);
  assert_non_null(blk);
  memcpy(blk, &full_rs, n1);
  ncgt_relay_callbacks rcb;
  memset(&rcb, 0, sizeof(rcb));
  ncgt_relay *r = NULL;
  assert_int_equal(ncgt_relay_new(&r, (const ncgt_relay_settings *)(void *)blk,
                                  &rcb, NULL),
                   NCGT_ERR_INVALID_ARGUMENT); /* callbacks version 0 */
  free(blk);

  pair p;
  pair_init(&p, 0);
  pair_connect(&p);
  /* stats: an older, shorter struct gets only its own bytes */
  uint8_t buf[sizeof(ncgt_conn_stats) + 8];
  memset(buf, 0xa5, sizeof(buf));
  ncgt_conn_get_stats_sized(p.cl.c, (ncgt_conn_stats *)(void *)buf,
                            2 * sizeof(uint64_t));
  assert_int_equal(buf[2 * sizeof(uint64_t)], 0xa5);
  ncgt_conn_stats full;
  ncgt_conn_get_stats(p.cl.c, &full);
  assert_true(full.frames_sent > 0);
  assert_memory_equal(buf, &full, 2 * sizeof(uint64_t));
  pair_free(&p);
}

static int g_log_warns;
static void count_warns(ncgt_log_level lvl, const char *msg, void *ud) {
  (void)msg;
  (void)ud;
  g_log_warns += lvl == NCGT_LOG_WARN;
}

/* max_pending (issue 17 item 4): unauthenticated conns are bounded
 * server-wide and per source address; a refusal makes no conn, is
 * counted, and is logged at most once a second; a slot comes back when
 * its conn goes. */
static void max_pending_bounds_unauthenticated(void **st) {
  (void)st;
  ncgt_server_settings ss;
  ncgt_server_settings_default(&ss);
  ss.max_pending = 3;
  ss.max_pending_per_addr = 2;
  ncgt_server_callbacks scb;
  memset(&scb, 0, sizeof(scb));
  scb.version = NCGT_SERVER_CALLBACKS_VERSION;
  scb.authorize = authorize;
  scb.log = count_warns;
  scb.rand = cb_rand;
  ncgt_server *srv = NULL;
  assert_int_equal(ncgt_server_new(&srv, &ss, &scb, NULL), 0);
  ncgt_conn_callbacks cb = callbacks();
  static end e[6];
  memset(e, 0, sizeof(e));
  const uint8_t a[4] = {192, 0, 2, 1}, b[4] = {192, 0, 2, 2},
                c[4] = {192, 0, 2, 3};
  ncgt_tstamp now = 5000 * MS;
  g_log_warns = 0;
  assert_int_equal(ncgt_server_accept_from(srv, &e[0].c, &cb, &e[0], a, 4, now), 0);
  assert_int_equal(ncgt_server_accept_from(srv, &e[1].c, &cb, &e[1], a, 4, now), 0);
  assert_int_equal(ncgt_server_accept_from(srv, &e[2].c, &cb, &e[2], a, 4, now),
                   NCGT_ERR_FULL); /* third from a */
  assert_null(e[2].c);
  assert_int_equal(ncgt_server_accept_from(srv, &e[3].c, &cb, &e[3], b, 4, now), 0);
  assert_int_equal(ncgt_server_pending_count(srv), 3);
  for (int i = 0; i < 5; i++) /* server-wide limit; one log line */
    assert_int_equal(
        ncgt_server_accept_from(srv, &e[4].c, &cb, &e[4], c, 4, now),
        NCGT_ERR_FULL);
  assert_int_equal(ncgt_server_refused_count(srv), 6);
  assert_int_equal(g_log_warns, 1);
  assert_int_equal(ncgt_server_accept_from(srv, &e[4].c, &cb, &e[4], c, 4,
                                           now + 1000 * MS),
                   NCGT_ERR_FULL);
  assert_int_equal(g_log_warns, 2);
  /* a's first conn goes: a and the server have room for one again */
  ncgt_conn_del(e[0].c);
  assert_int_equal(ncgt_server_pending_count(srv), 2);
  assert_int_equal(ncgt_server_accept_from(srv, &e[0].c, &cb, &e[0], a, 4, now), 0);
  ncgt_conn_del(e[0].c);
  ncgt_conn_del(e[1].c);
  ncgt_conn_del(e[3].c);
  assert_int_equal(ncgt_server_pending_count(srv), 0);
  ncgt_server_del(srv);
}

static int rand_fails(uint8_t *b, size_t n, void *ud) {
  (void)b;
  (void)n;
  (void)ud;
  return -1;
}

/* doc/api.md: a failing server rand makes no server. */
static void server_rand_failure_makes_no_server(void **st) {
  (void)st;
  ncgt_server_settings ss;
  ncgt_server_settings_default(&ss);
  ncgt_server_callbacks scb;
  memset(&scb, 0, sizeof(scb));
  scb.version = NCGT_SERVER_CALLBACKS_VERSION;
  scb.authorize = authorize;
  scb.rand = rand_fails;
  ncgt_server *srv = (ncgt_server *)&scb; /* must come back NULL */
  assert_int_equal(ncgt_server_new(&srv, &ss, &scb, NULL),
                   NCGT_ERR_CALLBACK_FAILURE);
  assert_null(srv);
}

/* A conn that authorises stops being pending and is found by user in
 * O(1) (the live map); when it goes, it is not found. */
static void authorised_conn_leaves_pending_and_is_found(void **st) {
  (void)st;
  pair p;
  pair_init(&p, 0);
  pair_connect(&p);
  assert_int_equal(ncgt_server_pending_count(p.srv), 0);
  assert_int_equal(ncgt_server_session_count(p.srv), 1);
  assert_ptr_equal(ncgt_server_find_user(p.srv, "alice"), p.sv.c);
  assert_null(ncgt_server_find_user(p.srv, "bob"));
  ncgt_conn_del(p.sv.c);
  p.sv.c = NULL;
  assert_null(ncgt_server_find_user(p.srv, "alice"));
  assert_int_equal(ncgt_server_session_count(p.srv), 0);
  pair_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(recv_datagram_failure_ends_conn),
      cmocka_unit_test(open_transport_failure_is_transport_failure),
      cmocka_unit_test(delete_inside_closed_callback),
      cmocka_unit_test(direct_request_without_relay),
      cmocka_unit_test(versioned_structs_read_by_declared_size),
      cmocka_unit_test(max_pending_bounds_unauthenticated),
      cmocka_unit_test(authorised_conn_leaves_pending_and_is_found),
      cmocka_unit_test(server_rand_failure_makes_no_server),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
