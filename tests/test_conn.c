/*
 * One tunnel endpoint pair (Figs. 11 and 12) over simnet, client straight
 * to server: handshake and data, keepalive and dead peer, every failure
 * with its asserted end state and CLOSE status (wrong server key, unknown
 * user, wrong PSK, replayed REQUEST, server full, redirect, replaced user,
 * corrupted byte in each frame type, stalls in each waiting state), rekey
 * by time and by frame count, the Reconnect fallback, key expiry on the
 * server, reconnect backoff.
 */
#include "simtest.h"

#include <stdio.h>

#define SEEDS 200

static const ncgt_close_info *srv_ci(world *w) {
  const ncgt_close_info *ci = sim_server_last_close(w->srv);
  assert_non_null(ci);
  return ci;
}

/* Sends n datagrams of up to `size` bytes from a to b and checks them. */
static void exchange(world *w, sim_ep *a, sim_ep *b, int n, size_t size) {
  uint64_t before = sim_ep_get_info(b)->rx_bytes;
  uint64_t sent = 0;
  for (int i = 0; i < n; i++) {
    size_t len = 8 + (size_t)(sim_rand(w->s) % size); /* >= 8: offset */
    assert_int_equal(sim_ep_send_stream(a, len), 0);
    sent += len;
    sim_step(w->s);
  }
  for (int i = 0; i < 100000 && sim_ep_get_info(b)->rx_bytes < before + sent;
       i++)
    sim_step(w->s);
  assert_int_equal(sim_ep_get_info(b)->rx_bytes, before + sent);
  assert_int_equal(sim_ep_get_info(b)->rx_bad, 0);
}

static void direct_handshake_and_data(void **st) {
  (void)st;
  for (uint64_t seed = 0; seed < SEEDS; seed++) {
    world w;
    sim_opts o;
    memset(&o, 0, sizeof(o));
    o.max_chunk = 1 + seed * 37 % 3000;
    w_init(&w, seed, &o);
    sim_ep *c = w_client(&w, (int)(seed % W_USERS));
    w_until_auth(&w, c);
    ncgt_conn *cc = sim_ep_conn(c);
    assert_int_equal(ncgt_conn_transform(cc), NCGT_TRANSFORM_AES256GCM);
    const sim_ep_info *ci = sim_ep_get_info(c);
    assert_int_equal(ci->client_data_len, 6);
    assert_int_equal(ci->client_data[5], 10 + seed % W_USERS);
    sim_run_for(w.s, 50 * NCGT_MILLISECONDS);
    sim_ep *se = sim_server_find_ep(w.srv, w_users[seed % W_USERS]);
    assert_non_null(se);
    assert_int_equal(ncgt_server_session_count(sim_server_get(w.srv)), 1);
    exchange(&w, c, se, 5, 1500);
    exchange(&w, se, c, 5, 1500);
    /* End Session 204: CLOSE 207 (authenticated) -> Dying -> Dead. */
    assert_int_equal(ncgt_conn_close(cc, NCGT_CLOSE_END_SESSION, sim_now(w.s)),
                     0);
    assert_int_equal(ncgt_conn_state(cc), NCGT_ST_DEAD);
    sim_run_for(w.s, T_S(5));
    assert_int_equal(ncgt_conn_state(cc), NCGT_ST_DEAD); /* no reconnect */
    assert_int_equal(sim_server_conns(w.srv), 0);
    assert_int_equal(srv_ci(&w)->status, NCGT_CLOSE_END_SESSION);
    assert_int_equal(srv_ci(&w)->remote, 1);
    assert_int_equal(srv_ci(&w)->authenticated, 1);
    w_done(&w);
  }
}

static void chacha_when_offered_alone(void **st) {
  (void)st;
  world w;
  w_init(&w, 1, NULL);
  ncgt_client_settings cs = w_settings(&w, 0);
  cs.transforms = NCGT_TRANSFORM_CHACHA20POLY1305;
  sim_ep *c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  w_until_auth(&w, c);
  assert_int_equal(ncgt_conn_transform(sim_ep_conn(c)),
                   NCGT_TRANSFORM_CHACHA20POLY1305);
  sim_run_for(w.s, T_S(1));
  exchange(&w, c, sim_server_find_ep(w.srv, "alice"), 20, 9000);
  w_done(&w);
}

/* Issue 13: the server's configured order decides among what both
 * accept (ChaCha first for a machine without AES instructions); an order
 * naming a transform the server does not accept, or two bits at once,
 * is refused. */
static void server_transform_order(void **st) {
  (void)st;
  world w;
  w_init(&w, 1, NULL);
  ncgt_server *srv = sim_server_get(w.srv);
  static const uint16_t chacha_first[] = {NCGT_TRANSFORM_CHACHA20POLY1305,
                                          NCGT_TRANSFORM_AES256GCM};
  static const uint16_t both = NCGT_TRANSFORMS_ALL, bogus = 1u << 7;
  assert_int_equal(ncgt_server_set_transform_order(srv, &both, 1),
                   NCGT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ncgt_server_set_transform_order(srv, &bogus, 1),
                   NCGT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ncgt_server_set_transform_order(srv, chacha_first, 9),
                   NCGT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ncgt_server_set_transform_order(srv, chacha_first, 2), 0);
  sim_ep *c = w_client(&w, 0); /* offers both */
  w_until_auth(&w, c);
  assert_int_equal(ncgt_conn_transform(sim_ep_conn(c)),
                   NCGT_TRANSFORM_CHACHA20POLY1305);
  sim_run_for(w.s, T_S(1));
  exchange(&w, c, sim_server_find_ep(w.srv, "alice"), 5, 1000);
  w_done(&w);
}

/* Idle tunnel: keepalives both ways, nobody closes. Then the server's
 * frames stop arriving: the client's dead-peer timer closes. */
static void keepalive_and_dead_peer(void **st) {
  (void)st;
  world w;
  w_init(&w, 2, NULL);
  sim_fault f = {SIM_F_STALL, "S", 0, SIM_DOWN, NCGT_FRAME_DATA, 20, 0, 0};
  sim_add_fault(w.s, &f);
  sim_ep *c = w_client(&w, 0);
  w_until_auth(&w, c);
  sim_run_for(w.s, T_S(100));
  ncgt_conn_stats cs;
  ncgt_conn_get_stats(sim_ep_conn(c), &cs);
  assert_true(cs.keepalives_sent >= 5);
  assert_true(cs.keepalives_recv >= 5);
  assert_int_equal(sim_ep_get_info(c)->closes, 0);
  /* Server DATA #20 onwards is stalled. */
  sim_run_for(w.s, T_S(400));
  assert_true(sim_ep_get_info(c)->closes >= 1);
  assert_int_equal(ep_ci(c)->status, NCGT_CLOSE_IDLE_TIMEOUT);
  assert_int_equal(ep_ci(c)->remote, 0);
  /* It came back by itself on a fresh transport. */
  assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_AUTHORIZED);
  assert_int_equal(sim_ep_get_info(c)->authorized, 2);
  w_done(&w);
}

/* Runs a client that must fail; returns its close info. */
static const ncgt_close_info *fail_once(world *w, sim_ep *c) {
  assert_true(sim_run(w->s, is_dead, c, T_S(60)));
  return ep_ci(c);
}

static void wrong_server_key(void **st) {
  (void)st;
  world w;
  w_init(&w, 3, NULL);
  ncgt_client_settings cs = w_settings(&w, 0);
  cs.server_public_key[3] ^= 1;
  cs.auto_reconnect = 0;
  sim_ep *c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  const ncgt_close_info *ci = fail_once(&w, c);
  assert_int_equal(ci->status, NCGT_CLOSE_AUTH_FAILED);
  assert_int_equal(ci->remote, 1);
  sim_run_for(w.s, T_S(1));
  assert_int_equal(srv_ci(&w)->status, NCGT_CLOSE_AUTH_FAILED);
  assert_int_equal(srv_ci(&w)->error, NCGT_ERR_AUTH);
  assert_int_equal(sim_server_authorized(w.srv), 0);
  /* Unknown destination identity: the same answer. */
  cs.server_public_key[3] ^= 1;
  cs.dest = "nobody";
  c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  assert_int_equal(fail_once(&w, c)->status, NCGT_CLOSE_AUTH_FAILED);
  w_done(&w);
}

static void unknown_user(void **st) {
  (void)st;
  world w;
  w_init(&w, 4, NULL);
  ncgt_client_settings cs = w_settings(&w, 0);
  cs.user = "mallory";
  cs.auto_reconnect = 0;
  sim_ep *c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  assert_int_equal(fail_once(&w, c)->status, NCGT_CLOSE_AUTH_FAILED);
  sim_run_for(w.s, T_S(1));
  assert_int_equal(srv_ci(&w)->status, NCGT_CLOSE_AUTH_FAILED);
  /* A known user with another user's key: refused the same way. */
  cs = w_settings(&w, 1);
  memcpy(cs.private_key, w.upriv[2], 32);
  cs.auto_reconnect = 0;
  c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  assert_int_equal(fail_once(&w, c)->status, NCGT_CLOSE_AUTH_FAILED);
  w_done(&w);
}

/* psk2: the server accepts, the initiator cannot open RESPONSE, says
 * AUTH_FAILED without a digest; the unconfirmed server takes it. */
static void wrong_psk(void **st) {
  (void)st;
  world w;
  w_init(&w, 5, NULL);
  uint8_t psk[32];
  memset(psk, 0x42, sizeof(psk));
  sim_server_add_user(w.srv, "psky", w.upub[6], psk);
  ncgt_client_settings cs = w_settings(&w, 6);
  cs.user = "psky";
  cs.has_psk = 1;
  memset(cs.psk, 0x43, 32);
  cs.auto_reconnect = 0;
  sim_ep *c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  const ncgt_close_info *ci = fail_once(&w, c);
  assert_int_equal(ci->status, NCGT_CLOSE_AUTH_FAILED);
  assert_int_equal(ci->remote, 0);
  sim_run_for(w.s, T_S(1));
  assert_int_equal(srv_ci(&w)->status, NCGT_CLOSE_AUTH_FAILED);
  assert_int_equal(srv_ci(&w)->remote, 1);
  assert_int_equal(sim_server_conns(w.srv), 0);
  /* The right PSK works. */
  memset(cs.psk, 0x42, 32);
  c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  w_until_auth(&w, c);
  sim_run_for(w.s, T_S(1));
  /* The user's static key without the PSK cannot push the user out: the
   * server replaces a session only when the new one is confirmed. */
  memset(cs.psk, 0x44, 32);
  sim_ep *thief = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(thief), sim_now(w.s)), 0);
  assert_int_equal(fail_once(&w, thief)->status, NCGT_CLOSE_AUTH_FAILED);
  sim_run_for(w.s, T_S(30));
  assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_AUTHORIZED);
  assert_int_equal(sim_ep_get_info(c)->closes, 0);
  assert_int_equal(ncgt_server_session_count(sim_server_get(w.srv)), 1);
  w_done(&w);
}

/* The first transport's bytes (RELAY + REQUEST) sent again by someone
 * else: the timestamp is not newer, AUTH_FAILED, REPLAY locally. */
static void replayed_request(void **st) {
  (void)st;
  world w;
  w_init(&w, 6, NULL);
  ncgt_client_settings cs = w_settings(&w, 0);
  sim_ep *c = sim_add_client(w.s, &cs);
  sim_ep_record(c, 1);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  w_until_auth(&w, c);
  sim_ep_record(c, 0);
  size_t n = 0;
  const uint8_t *rec = sim_ep_recorded(c, &n);
  uint8_t copy[4096];
  assert_true(n > 0 && n <= sizeof(copy));
  memcpy(copy, rec, n);
  sim_raw *r = sim_raw_connect(w.s, "S");
  sim_raw_send(r, copy, n);
  sim_run_for(w.s, T_S(2));
  assert_true(sim_raw_closed(r));
  size_t rn = 0;
  const uint8_t *rx = sim_raw_rx(r, &rn);
  ncgt_frame_close fc;
  assert_int_equal(ncgt_close_decode(&fc, rx, rn), 0);
  assert_int_equal(fc.status, NCGT_CLOSE_AUTH_FAILED);
  assert_int_equal(srv_ci(&w)->error, NCGT_ERR_REPLAY);
  /* The real tunnel is untouched. */
  assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_AUTHORIZED);
  assert_non_null(sim_server_find_ep(w.srv, "alice"));
  w_done(&w);
}

static int opened_twice(sim *s, void *arg) {
  (void)s;
  return sim_ep_get_info(arg)->opens >= 2;
}

static void server_full_retry_after(void **st) {
  (void)st;
  world w;
  ncgt_server_settings ss;
  memset(&ss, 0, sizeof(ss));
  ss.version = NCGT_SERVER_SETTINGS_V1;
  ss.max_sessions = 1;
  ss.retry_after = 7;
  sim_opts o;
  memset(&o, 0, sizeof(o));
  w_init(&w, 7, &o);
  /* a second server node with the limit */
  sim_server *full = sim_add_server(w.s, "F", &ss);
  assert_int_equal(sim_server_add_identity(full, "S", w.spriv), 0);
  for (int i = 0; i < 2; i++)
    sim_server_add_user(full, w_users[i], w.upub[i], NULL);
  w.path[0] = "F";
  sim_ep *a = w_client(&w, 0);
  w_until_auth(&w, a);
  sim_ep *b = w_client(&w, 1);
  assert_true(sim_run(w.s, is_dead, b, T_S(10)));
  ncgt_tstamp t_dead = sim_now(w.s);
  assert_int_equal(ep_ci(b)->status, NCGT_CLOSE_SERVER_FULL);
  assert_int_equal(ep_ci(b)->retry_after, 7);
  assert_true(sim_run(w.s, opened_twice, b, T_S(60)));
  assert_true(sim_now(w.s) - t_dead + 10 * NCGT_MILLISECONDS >= T_S(7));
  /* Room again: the retry gets in. */
  assert_int_equal(
      ncgt_conn_close(sim_ep_conn(a), NCGT_CLOSE_END_SESSION, sim_now(w.s)), 0);
  w_until_auth(&w, b);
  /* The same user replacing its own session is not "full". */
  sim_ep *b2 = w_client(&w, 1);
  w_until_auth(&w, b2);
  sim_run_for(w.s, T_S(1));
  assert_int_equal(ep_ci(b)->status, NCGT_CLOSE_REPLACED);
  w_done(&w);
}

/* ncgt_server_update (an ncg-server reload): a lower max_sessions and a
 * new retry_after refuse the next handshake; the tunnel that is up stays;
 * a transform set of none is refused and changes nothing. */
static void server_update_limits(void **st) {
  (void)st;
  world w;
  ncgt_server_settings ss;
  ncgt_server_settings_default(&ss);
  sim_opts o;
  memset(&o, 0, sizeof(o));
  w_init(&w, 8, &o);
  sim_server *f = sim_add_server(w.s, "F", &ss);
  assert_int_equal(sim_server_add_identity(f, "S", w.spriv), 0);
  for (int i = 0; i < 2; i++)
    sim_server_add_user(f, w_users[i], w.upub[i], NULL);
  w.path[0] = "F";
  sim_ep *a = w_client(&w, 0);
  w_until_auth(&w, a);
  ss.max_sessions = 1;
  ss.retry_after = 9;
  assert_int_equal(ncgt_server_update(NULL, &ss), NCGT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ncgt_server_update(sim_server_get(f), &ss), 0);
  ncgt_server_settings bad = ss;
  bad.transforms = 0x8000; /* no transform this library knows */
  assert_int_equal(ncgt_server_update(sim_server_get(f), &bad),
                   NCGT_ERR_INVALID_ARGUMENT);
  sim_ep *b = w_client(&w, 1);
  assert_true(sim_run(w.s, is_dead, b, T_S(10)));
  assert_int_equal(ep_ci(b)->status, NCGT_CLOSE_SERVER_FULL);
  assert_int_equal(ep_ci(b)->retry_after, 9);
  assert_int_equal(ncgt_conn_state(sim_ep_conn(a)), NCGT_ST_AUTHORIZED);
  /* Raised again: the retry gets in. */
  ss.max_sessions = 0;
  assert_int_equal(ncgt_server_update(sim_server_get(f), &ss), 0);
  w_until_auth(&w, b);
  w_done(&w);
}

static void redirect_hook(sim_server *ss, const char *user, ncgt_authz *out,
                          void *arg) {
  (void)ss;
  (void)user;
  (void)arg;
  out->accept = 0;
  out->close_status = NCGT_CLOSE_REDIRECT;
  snprintf(out->redirect, sizeof(out->redirect), "%s", "S2:4433");
}

static void redirect_back_hook(sim_server *ss, const char *user,
                               ncgt_authz *out, void *arg) {
  (void)ss;
  (void)user;
  (void)arg;
  out->accept = 0;
  out->close_status = NCGT_CLOSE_REDIRECT;
  snprintf(out->redirect, sizeof(out->redirect), "%s", "S");
}

static void redirect_followed(void **st) {
  (void)st;
  world w;
  w_init(&w, 8, NULL);
  sim_server_set_authz_hook(w.srv, redirect_hook, NULL);
  sim_server *s2 = sim_add_server(w.s, "S2:4433", NULL);
  assert_int_equal(sim_server_add_identity(s2, "*", w.spriv), 0);
  sim_server_add_user(s2, "alice", w.upub[0], NULL);
  sim_ep *c = w_client(&w, 0);
  w_until_auth(&w, c);
  const sim_ep_info *in = sim_ep_get_info(c);
  assert_int_equal(in->opens, 2);
  assert_string_equal(in->last_hop, "S2:4433");
  assert_int_equal(in->last_ci.status, NCGT_CLOSE_REDIRECT);
  assert_string_equal(in->last_ci.info, "S2:4433");
  assert_int_equal(sim_server_authorized(s2), 1);
  w_done(&w);
  /* Two servers redirecting to each other: followed at once three
   * times, then with backoff. */
  w_init(&w, 18, NULL);
  sim_server_set_authz_hook(w.srv, redirect_hook, NULL);
  s2 = sim_add_server(w.s, "S2:4433", NULL);
  assert_int_equal(sim_server_add_identity(s2, "*", w.spriv), 0);
  sim_server_set_authz_hook(s2, redirect_back_hook, NULL);
  c = w_client(&w, 0);
  sim_run_for(w.s, T_S(10));
  in = sim_ep_get_info(c);
  assert_true(in->opens >= 5);
  assert_true(in->opens <= 8);
  assert_int_equal(in->authorized, 0);
  w_done(&w);
}

static void user_replaced(void **st) {
  (void)st;
  world w;
  w_init(&w, 9, NULL);
  sim_ep *a = w_client(&w, 3);
  w_until_auth(&w, a);
  sim_ep *b = w_client(&w, 3);
  w_until_auth(&w, b);
  sim_run_for(w.s, T_S(30));
  assert_int_equal(ncgt_conn_state(sim_ep_conn(a)), NCGT_ST_DEAD);
  assert_int_equal(ep_ci(a)->status, NCGT_CLOSE_REPLACED);
  assert_int_equal(ep_ci(a)->remote, 1);
  assert_int_equal(ep_ci(a)->authenticated, 1);
  assert_int_equal(ncgt_conn_state(sim_ep_conn(b)), NCGT_ST_AUTHORIZED);
  assert_int_equal(ncgt_server_session_count(sim_server_get(w.srv)), 1);
  /* Same user, same tunnel address. */
  assert_memory_equal(sim_ep_get_info(a)->client_data,
                      sim_ep_get_info(b)->client_data, 6);
  w_done(&w);
}

/* Traffic generator: keeps datagrams flowing both ways. */
typedef struct pump {
  sim_ep *a, *b;
  size_t size;
  uint64_t limit; /* bytes a -> b */
} pump;

static void pump_hook(sim *s, void *arg) {
  pump *p = arg;
  (void)s;
  if (ncgt_conn_state(sim_ep_conn(p->a)) == NCGT_ST_AUTHORIZED &&
      sim_ep_get_info(p->a)->tx_bytes < p->limit &&
      sim_ep_backlog(p->a) < 4 * p->size)
    assert_int_equal(sim_ep_send_stream(p->a, p->size), 0);
  if (p->b && ncgt_conn_state(sim_ep_conn(p->b)) == NCGT_ST_AUTHORIZED &&
      sim_ep_backlog(p->b) < 2 * p->size)
    assert_int_equal(sim_ep_send_stream(p->b, p->size / 3), 0);
}

static void rekey_by_time_and_frames(void **st) {
  (void)st;
  for (int by_frames = 0; by_frames < 2; by_frames++) {
    world w;
    w_init(&w, 10, NULL);
    if (by_frames)
      w.t.rekey_after_frames = 100;
    else
      w.t.rekey_after = T_S(5);
    sim_ep *c = w_client(&w, 0);
    w_until_auth(&w, c);
    sim_run_for(w.s, 10 * NCGT_MILLISECONDS);
    sim_ep *se = sim_server_find_ep(w.srv, "alice");
    pump p = {c, se, 1200, UINT64_MAX};
    sim_set_hook(w.s, pump_hook, &p);
    sim_run_for(w.s, T_S(30));
    sim_set_hook(w.s, NULL, NULL);
    sim_run_for(w.s, T_S(1));
    ncgt_conn_stats cs, ss;
    ncgt_conn_get_stats(sim_ep_conn(c), &cs);
    ncgt_conn_get_stats(sim_ep_conn(se), &ss);
    assert_true(cs.rekeys >= 4);
    assert_int_equal(cs.rekeys, ss.rekeys);
    assert_int_equal(sim_ep_get_info(c)->closes, 0);
    assert_int_equal(sim_ep_get_info(c)->authorized, 1);
    assert_int_equal(sim_ep_get_info(c)->rekeys, cs.rekeys);
    assert_int_equal(sim_ep_get_info(se)->rx_bytes,
                     sim_ep_get_info(c)->tx_bytes);
    assert_int_equal(sim_ep_get_info(c)->rx_bytes,
                     sim_ep_get_info(se)->tx_bytes);
    assert_int_equal(sim_ep_get_info(se)->rx_bad, 0);
    assert_int_equal(sim_ep_get_info(c)->rx_bad, 0);
    w_done(&w);
  }
}

/* The rekey RESPONSE never arrives: Reconnect 212 (CLOSE KEY_EXPIRED,
 * disconnect, TCP Open) and a fresh tunnel. */
static void rekey_timeout_reconnects(void **st) {
  (void)st;
  world w;
  w_init(&w, 11, NULL);
  w.t.rekey_after = T_S(5);
  sim_fault f = {SIM_F_STALL, "S", 0, SIM_DOWN, NCGT_FRAME_RESPONSE, 1, 0, 0};
  sim_add_fault(w.s, &f);
  sim_ep *c = w_client(&w, 0);
  w_until_auth(&w, c);
  sim_run_for(w.s, T_S(20));
  ncgt_conn_stats cs;
  ncgt_conn_get_stats(sim_ep_conn(c), &cs);
  assert_int_equal(cs.reconnects, 1);
  assert_int_equal(sim_ep_get_info(c)->authorized, 2);
  assert_int_equal(sim_ep_get_info(c)->closes, 0); /* never Dying */
  assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_AUTHORIZED);
  assert_int_equal(srv_ci(&w)->status, NCGT_CLOSE_KEY_EXPIRED);
  assert_int_equal(srv_ci(&w)->remote, 1);
  assert_int_equal(srv_ci(&w)->authenticated, 1);
  w_done(&w);
}

static void short_lifetime(sim_server *ss, const char *user, ncgt_authz *out,
                           void *arg) {
  (void)ss;
  (void)user;
  (void)arg;
  out->key_lifetime = 8;
}

/* The initiator's rekey REQUEST never reaches the server: past lifetime
 * plus grace the server closes KEY_EXPIRED; the client had reconnected. */
static void server_expires_keys(void **st) {
  (void)st;
  world w;
  w_init(&w, 12, NULL);
  sim_server_set_authz_hook(w.srv, short_lifetime, NULL);
  w.t.dead_peer_timeout = T_S(600);
  w.t.keepalive_interval = T_S(300);
  sim_fault f = {SIM_F_STALL, "S", 0, SIM_UP, NCGT_FRAME_REQUEST, 1, 0, 0};
  sim_add_fault(w.s, &f);
  sim_ep *c = w_client(&w, 0);
  w_until_auth(&w, c);
  /* The client's Reconnect must not reach the server and replace it. */
  sim_blackhole(w.s, "S", 1);
  sim_run_for(w.s, T_S(17));
  assert_null(sim_server_last_close(w.srv));
  sim_run_for(w.s, T_S(2));
  const ncgt_close_info *ci = srv_ci(&w);
  assert_int_equal(ci->status, NCGT_CLOSE_KEY_EXPIRED);
  assert_int_equal(ci->remote, 0);
  ncgt_conn_stats cs;
  ncgt_conn_get_stats(sim_ep_conn(c), &cs);
  assert_true(cs.reconnects >= 1);
  /* Reachable again: later tunnels rekey normally. */
  sim_blackhole(w.s, "S", 0);
  sim_run_for(w.s, T_S(60));
  ncgt_conn_get_stats(sim_ep_conn(c), &cs);
  assert_true(cs.rekeys >= 1);
  assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_AUTHORIZED);
  w_done(&w);
}

/* Waiting states: TCP Open (black hole), Receive Relay and Connect Wait
 * (a raw peer that stops talking), Response Wait (RESPONSE stalled). */
static void stall_in_each_waiting_state(void **st) {
  (void)st;
  world w;
  w_init(&w, 13, NULL);
  sim_blackhole(w.s, "S", 1);
  ncgt_client_settings cs = w_settings(&w, 0);
  cs.auto_reconnect = 0;
  sim_ep *c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  ncgt_tstamp t0 = sim_now(w.s);
  assert_int_equal(fail_once(&w, c)->status, NCGT_CLOSE_HANDSHAKE_TIMEOUT);
  assert_true(sim_now(w.s) - t0 >= T_S(10));
  sim_blackhole(w.s, "S", 0);
  /* Receive Relay: says nothing. */
  sim_raw *r = sim_raw_connect(w.s, "S");
  sim_run_for(w.s, T_S(11));
  assert_true(sim_raw_closed(r));
  assert_int_equal(srv_ci(&w)->status, NCGT_CLOSE_HANDSHAKE_TIMEOUT);
  assert_int_equal(sim_server_conns(w.srv), 0);
  /* Connect Wait: RELAY, then nothing. */
  uint8_t b[512];
  ncgt_frame_relay fr;
  memset(&fr, 0, sizeof(fr));
  fr.origin = "x";
  fr.npath = 1;
  fr.path[0] = "S";
  ssize_t n = ncgt_relay_encode(b, sizeof(b), &fr);
  assert_true(n > 0);
  r = sim_raw_connect(w.s, "S");
  sim_raw_send(r, b, (size_t)n);
  sim_run_for(w.s, T_S(5));
  assert_false(sim_raw_closed(r));
  sim_run_for(w.s, T_S(6));
  assert_true(sim_raw_closed(r));
  assert_int_equal(srv_ci(&w)->status, NCGT_CLOSE_HANDSHAKE_TIMEOUT);
  /* Response Wait: the RESPONSE is held back. */
  sim_fault f = {SIM_F_STALL, "S", -1, SIM_DOWN, NCGT_FRAME_RESPONSE, 0, 0, 0};
  sim_add_fault(w.s, &f);
  c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  const ncgt_close_info *ci = fail_once(&w, c);
  assert_int_equal(ci->status, NCGT_CLOSE_HANDSHAKE_TIMEOUT);
  sim_run_for(w.s, T_S(1));
  /* The server had answered (Authorized, unconfirmed) and takes the
   * initiator's unauthenticated CLOSE. */
  assert_int_equal(srv_ci(&w)->status, NCGT_CLOSE_HANDSHAKE_TIMEOUT);
  assert_int_equal(srv_ci(&w)->remote, 1);
  w_done(&w);
  /* Authorized but unconfirmed (server): the initiator's first DATA is
   * held back, so the server gives up after the handshake timeout and
   * says so, signed; it never counted as a session. */
  w_init(&w, 15, NULL);
  sim_fault g = {SIM_F_STALL, "S", 0, SIM_UP, NCGT_FRAME_DATA, 0, 0, 0};
  sim_add_fault(w.s, &g);
  c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  w_until_auth(&w, c);
  assert_int_equal(ncgt_server_session_count(sim_server_get(w.srv)), 0);
  ci = fail_once(&w, c);
  assert_int_equal(ci->status, NCGT_CLOSE_HANDSHAKE_TIMEOUT);
  assert_int_equal(ci->remote, 1);
  assert_int_equal(ci->authenticated, 1);
  assert_int_equal(srv_ci(&w)->status, NCGT_CLOSE_HANDSHAKE_TIMEOUT);
  assert_int_equal(srv_ci(&w)->remote, 0);
  w_done(&w);
}

/* Dead -> Idle delays: exponential, jittered, capped. */
typedef struct opens_log {
  sim_ep *c;
  unsigned seen;
  ncgt_tstamp at[16];
} opens_log;

static void opens_hook(sim *s, void *arg) {
  opens_log *l = arg;
  unsigned n = sim_ep_get_info(l->c)->opens;
  while (l->seen < n && l->seen < 16)
    l->at[l->seen++] = sim_now(s);
}

static void reconnect_backoff(void **st) {
  (void)st;
  world w;
  w_init(&w, 14, NULL);
  w.t.reconnect_min = T_S(1);
  w.t.reconnect_max = T_S(20);
  sim_server_crash(w.srv);
  sim_ep *c = w_client(&w, 0);
  opens_log l = {c, 0, {0}};
  sim_set_hook(w.s, opens_hook, &l);
  sim_run_for(w.s, T_S(200));
  assert_true(l.seen >= 10);
  for (unsigned i = 1; i < 10; i++) {
    ncgt_tstamp d = l.at[i] - l.at[i - 1];
    ncgt_tstamp full = T_S(1) << (i - 1);
    if (full > T_S(20))
      full = T_S(20);
    assert_true(d >= full / 2);
    assert_true(d <= full + 10 * NCGT_MILLISECONDS);
  }
  /* Server back: the client gets in and the backoff resets. */
  sim_server_start(w.srv);
  w_until_auth(&w, c);
  sim_set_hook(w.s, NULL, NULL);
  w_done(&w);
}

/* Issue 18 item 5: the network came back while the client was backing
 * off: ncgt_conn_network_changed tries at once and restarts the backoff
 * from reconnect_min; it does nothing without a pending reconnect. */
static void network_changed_resets_backoff(void **st) {
  (void)st;
  world w;
  w_init(&w, 15, NULL);
  w.t.reconnect_min = T_S(1);
  w.t.reconnect_max = T_S(20);
  sim_server_crash(w.srv);
  sim_ep *c = w_client(&w, 0);
  ncgt_conn *cc = sim_ep_conn(c);
  sim_run_for(w.s, T_S(40)); /* about five failures: waits of 8-20 s */
  assert_int_equal(ncgt_conn_state(cc), NCGT_ST_DEAD);
  assert_true(ncgt_conn_get_expiry(cc) > sim_now(w.s) + T_S(4));
  unsigned opens = sim_ep_get_info(c)->opens;
  assert_int_equal(ncgt_conn_network_changed(cc, sim_now(w.s)), 1);
  assert_int_equal(sim_ep_get_info(c)->opens, opens + 1);
  assert_int_equal(ncgt_conn_state(cc), NCGT_ST_TCP_OPEN);
  /* Refused again (server still down): the next wait is the first one. */
  ncgt_tstamp t0 = sim_now(w.s);
  for (int i = 0; i < 100000 && sim_ep_get_info(c)->opens < opens + 2; i++)
    sim_step(w.s);
  assert_int_equal(sim_ep_get_info(c)->opens, opens + 2);
  assert_true(sim_now(w.s) - t0 <= T_S(1) + 10 * NCGT_MILLISECONDS);
  /* In a handshake or authorised: nothing to do. */
  sim_server_start(w.srv);
  w_until_auth(&w, c);
  opens = sim_ep_get_info(c)->opens;
  assert_int_equal(ncgt_conn_network_changed(cc, sim_now(w.s)), 0);
  assert_int_equal(ncgt_conn_state(cc), NCGT_ST_AUTHORIZED);
  /* The user ended it: no reconnect pending, none started. */
  assert_int_equal(ncgt_conn_close(cc, NCGT_CLOSE_END_SESSION, sim_now(w.s)),
                   0);
  sim_run_for(w.s, T_S(1));
  assert_int_equal(ncgt_conn_state(cc), NCGT_ST_DEAD);
  assert_int_equal(ncgt_conn_network_changed(cc, sim_now(w.s)), 0);
  assert_int_equal(sim_ep_get_info(c)->opens, opens);
  w_done(&w);
}

/* A corrupted byte in one frame type, aimed at a fixed offset: the
 * specific CLOSE status on each side. offset -1 = last byte. */
typedef struct corrupt_case {
  const char *what;
  int dir;
  uint8_t type;
  int nth;
  int offset;
  uint16_t client_status;
  int client_remote;
  uint16_t server_status;
  int server_remote;
} corrupt_case;

static void run_corrupt(const corrupt_case *k, uint64_t seed) {
  world w;
  w_init(&w, seed, NULL);
  ncgt_client_settings cs = w_settings(&w, 0);
  cs.auto_reconnect = 0;
  sim_ep *c = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  /* Offsets are frame-relative; SIM_OFF_LAST is the frame's last byte. */
  sim_fault f = {SIM_F_CORRUPT, "S",    0,         k->dir,
                 k->type,       k->nth, k->offset, 0x01};
  sim_add_fault(w.s, &f);
  if (k->type == NCGT_FRAME_CLOSE) {
    w_until_auth(&w, c);
    sim_run_for(w.s, T_S(1));
    assert_int_equal(
        ncgt_conn_close(sim_ep_conn(c), NCGT_CLOSE_END_SESSION, sim_now(w.s)),
        0);
  } else if (k->type == NCGT_FRAME_DATA) {
    w_until_auth(&w, c);
    sim_run_for(w.s, T_S(1));
    sim_ep *se = sim_server_find_ep(w.srv, "alice");
    for (int i = 0; i < 4; i++) { /* se is gone if DATA #0 was hit */
      (void)sim_ep_send_stream(c, 100);
      if (se)
        (void)sim_ep_send_stream(se, 100);
    }
  }
  sim_run_for(w.s, T_S(30));
  assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_DEAD);
  if (k->client_status != 0xffff) {
    assert_int_equal(ep_ci(c)->status, k->client_status);
    assert_int_equal(ep_ci(c)->remote, k->client_remote);
  }
  assert_int_equal(sim_server_conns(w.srv), 0);
  assert_int_equal(srv_ci(&w)->status, k->server_status);
  assert_int_equal(srv_ci(&w)->remote, k->server_remote);
  assert_int_equal(sim_ep_get_info(c)->rx_bad, 0);
  w_done(&w);
}

static void corrupt_byte_in_each_frame(void **st) {
  (void)st;
  /* Offsets: 4 = type, 5 = version, 6.. first fields (doc/protocol.md) */
  static const corrupt_case cases[] = {
      {"RELAY version", SIM_UP, NCGT_FRAME_RELAY, 0, 5, NCGT_CLOSE_VERSION, 1,
       NCGT_CLOSE_VERSION, 0},
      {"RELAY type", SIM_UP, NCGT_FRAME_RELAY, 0, 4, NCGT_CLOSE_PROTOCOL, 1,
       NCGT_CLOSE_PROTOCOL, 0},
      {"REQUEST version", SIM_UP, NCGT_FRAME_REQUEST, 0, 5, NCGT_CLOSE_VERSION,
       1, NCGT_CLOSE_VERSION, 0},
      {"RESPONSE version", SIM_DOWN, NCGT_FRAME_RESPONSE, 0, 5,
       NCGT_CLOSE_VERSION, 0, NCGT_CLOSE_VERSION, 1},
      {"DATA up version", SIM_UP, NCGT_FRAME_DATA, 0, 5, NCGT_CLOSE_VERSION, 1,
       NCGT_CLOSE_VERSION, 0},
      {"DATA down proto", SIM_DOWN, NCGT_FRAME_DATA, 1, 6, NCGT_CLOSE_PROTOCOL,
       0, NCGT_CLOSE_PROTOCOL, 1},
      {"DATA down key phase", SIM_DOWN, NCGT_FRAME_DATA, 2, 7,
       NCGT_CLOSE_INTEGRITY, 0, NCGT_CLOSE_INTEGRITY, 1},
      {"DATA up flags", SIM_UP, NCGT_FRAME_DATA, 2, 7, NCGT_CLOSE_INTEGRITY, 1,
       NCGT_CLOSE_INTEGRITY, 0},
      {"CLOSE status", SIM_UP, NCGT_FRAME_CLOSE, 0, 7, NCGT_CLOSE_END_SESSION,
       0, NCGT_CLOSE_INTEGRITY, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    print_message("case %s\n", cases[i].what);
    run_corrupt(&cases[i], 20 + i);
  }
}

/* The key exchange data and digests: a flipped bit anywhere in them ends
 * in AUTH_FAILED / INTEGRITY; checked for the last byte (the tag). */
static void corrupt_tags(void **st) {
  (void)st;
  /* The last byte: the kx tag (REQUEST/RESPONSE), the ciphertext end
   * (DATA), the digest (CLOSE). */
  static const corrupt_case cases[] = {
      {"REQUEST tag", SIM_UP, NCGT_FRAME_REQUEST, 0, SIM_OFF_LAST,
       NCGT_CLOSE_AUTH_FAILED, 1, NCGT_CLOSE_AUTH_FAILED, 0},
      {"RESPONSE tag", SIM_DOWN, NCGT_FRAME_RESPONSE, 0, -1,
       NCGT_CLOSE_AUTH_FAILED, 0, NCGT_CLOSE_AUTH_FAILED, 1},
      {"DATA body", SIM_UP, NCGT_FRAME_DATA, 1, SIM_OFF_LAST,
       NCGT_CLOSE_INTEGRITY, 1, NCGT_CLOSE_INTEGRITY, 0},
      {"CLOSE digest", SIM_UP, NCGT_FRAME_CLOSE, 0, SIM_OFF_LAST,
       NCGT_CLOSE_END_SESSION, 0, NCGT_CLOSE_INTEGRITY, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    print_message("case %s\n", cases[i].what);
    run_corrupt(&cases[i], 40 + i);
  }
}

/* A random byte of one frame type, flipped with a random mask, for many
 * seeds: the tunnel never carries on with damaged data and each side
 * ends with one of the statuses that damage can explain. */
typedef struct rnd_case {
  const char *what;
  int dir;
  uint8_t type;
  int nth;
  uint16_t ok[5]; /* server's acceptable ending statuses; 0xffff ends */
  int may_succeed;
} rnd_case;

static int in_set(const uint16_t *set, uint16_t v) {
  for (int i = 0; i < 5 && set[i] != 0xffff; i++)
    if (set[i] == v)
      return 1;
  return 0;
}

static void run_random_corrupt(const rnd_case *k, uint64_t seed) {
  world w;
  sim_opts o;
  memset(&o, 0, sizeof(o));
  o.max_chunk = 1 + seed % 700;
  w_init(&w, seed, &o);
  ncgt_client_settings cs = w_settings(&w, 0);
  cs.auto_reconnect = 0;
  sim_ep *c = sim_add_client(w.s, &cs);
  sim_fault f = {SIM_F_CORRUPT, "S", 0, k->dir, k->type, k->nth, -1, 0};
  sim_add_fault(w.s, &f);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
  sim_run_for(w.s, T_S(2));
  sim_ep *se = sim_server_find_ep(w.srv, "alice");
  if (ncgt_conn_state(sim_ep_conn(c)) == NCGT_ST_AUTHORIZED && se) {
    for (int i = 0; i < 4; i++) {
      (void)sim_ep_send_stream(c, 100);
      (void)sim_ep_send_stream(se, 100);
    }
    sim_run_for(w.s, T_S(1));
    if (k->type == NCGT_FRAME_CLOSE)
      assert_int_equal(
          ncgt_conn_close(sim_ep_conn(c), NCGT_CLOSE_END_SESSION, sim_now(w.s)),
          0);
  }
  sim_run_for(w.s, T_S(200));
  assert_int_equal(sim_ep_get_info(c)->rx_bad, 0);
  const ncgt_close_info *sci = sim_server_last_close(w.srv);
  if (k->may_succeed && !sci &&
      ncgt_conn_state(sim_ep_conn(c)) == NCGT_ST_AUTHORIZED) {
    w_done(&w);
    return; /* e.g. a RELAY name byte: not the server's business */
  }
  assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_DEAD);
  assert_non_null(sci);
  if (!in_set(k->ok, sci->status))
    print_error("%s seed %llu: server status %s\n", k->what,
                (unsigned long long)seed, ncgt_close_status_name(sci->status));
  assert_true(in_set(k->ok, sci->status));
  /* Damage is never mistaken for the peer's own word. */
  assert_false(sci->remote && sci->authenticated &&
               sci->status != NCGT_CLOSE_INTEGRITY &&
               sci->status != NCGT_CLOSE_PROTOCOL &&
               sci->status != NCGT_CLOSE_VERSION &&
               sci->status != NCGT_CLOSE_IDLE_TIMEOUT);
  w_done(&w);
}

static void corrupt_random_byte_each_frame(void **st) {
  (void)st;
  enum { X = 0xffff };
  static const rnd_case cases[] = {
      {"RELAY",
       SIM_UP,
       NCGT_FRAME_RELAY,
       0,
       {NCGT_CLOSE_PROTOCOL, NCGT_CLOSE_VERSION, NCGT_CLOSE_HANDSHAKE_TIMEOUT,
        NCGT_CLOSE_TRANSPORT, X},
       1},
      {"REQUEST",
       SIM_UP,
       NCGT_FRAME_REQUEST,
       0,
       {NCGT_CLOSE_AUTH_FAILED, NCGT_CLOSE_PROTOCOL, NCGT_CLOSE_VERSION,
        NCGT_CLOSE_HANDSHAKE_TIMEOUT, NCGT_CLOSE_TRANSPORT},
       0},
      {"RESPONSE",
       SIM_DOWN,
       NCGT_FRAME_RESPONSE,
       0,
       {NCGT_CLOSE_AUTH_FAILED, NCGT_CLOSE_PROTOCOL, NCGT_CLOSE_VERSION,
        NCGT_CLOSE_HANDSHAKE_TIMEOUT, NCGT_CLOSE_TRANSPORT},
       0},
      {"DATA up",
       SIM_UP,
       NCGT_FRAME_DATA,
       2,
       {NCGT_CLOSE_INTEGRITY, NCGT_CLOSE_PROTOCOL, NCGT_CLOSE_VERSION,
        NCGT_CLOSE_IDLE_TIMEOUT, NCGT_CLOSE_TRANSPORT},
       0},
      {"DATA down",
       SIM_DOWN,
       NCGT_FRAME_DATA,
       2,
       {NCGT_CLOSE_INTEGRITY, NCGT_CLOSE_PROTOCOL, NCGT_CLOSE_VERSION,
        NCGT_CLOSE_IDLE_TIMEOUT, NCGT_CLOSE_TRANSPORT},
       0},
      {"CLOSE",
       SIM_UP,
       NCGT_FRAME_CLOSE,
       0,
       {NCGT_CLOSE_INTEGRITY, NCGT_CLOSE_PROTOCOL, NCGT_CLOSE_VERSION,
        NCGT_CLOSE_TRANSPORT, X},
       0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    for (uint64_t seed = 0; seed < 60; seed++)
      run_random_corrupt(&cases[i], 100 * i + seed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(direct_handshake_and_data),
      cmocka_unit_test(chacha_when_offered_alone),
    cmocka_unit_test(server_transform_order),
      cmocka_unit_test(keepalive_and_dead_peer),
      cmocka_unit_test(wrong_server_key),
      cmocka_unit_test(unknown_user),
      cmocka_unit_test(wrong_psk),
      cmocka_unit_test(replayed_request),
      cmocka_unit_test(server_full_retry_after),
      cmocka_unit_test(server_update_limits),
      cmocka_unit_test(redirect_followed),
      cmocka_unit_test(user_replaced),
      cmocka_unit_test(rekey_by_time_and_frames),
      cmocka_unit_test(rekey_timeout_reconnects),
      cmocka_unit_test(server_expires_keys),
      cmocka_unit_test(stall_in_each_waiting_state),
      cmocka_unit_test(reconnect_backoff),
      cmocka_unit_test(network_changed_resets_backoff),
      cmocka_unit_test(corrupt_byte_in_each_frame),
      cmocka_unit_test(corrupt_tags),
      cmocka_unit_test(corrupt_random_byte_each_frame),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
