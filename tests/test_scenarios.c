/*
 * Whole tunnels over simnet, each for many seeds: direct, one relay, a
 * chain of three relays, a pool of three servers behind a relay with one
 * down, a server restart, a client whose transport breaks (loudly or
 * silently) and comes back with the same tunnel address, shutdown, random
 * faults (corruption, stalls, resets, slow links) with eventual recovery,
 * 100 MiB across several rekeys with every byte checked in order; last, a
 * test that fails unless every state and transition of Figs. 11-13 was
 * reached.
 */
#include "simtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CPU time of each test, printed after it (the suite must stay fast). */
static int lap(void **st) {
  static clock_t last;
  (void)st;
  clock_t now = clock();
  if (last)
    print_message("  %.2f s CPU\n", (double)(now - last) / CLOCKS_PER_SEC);
  last = now;
  return 0;
}

static unsigned seeds(unsigned n) {
  const char *e = getenv("NCGT_SIM_SEEDS");
  return e ? (unsigned)strtoul(e, NULL, 10) : n;
}

static sim_relay *w_relay(world *w, const char *name, const char *allow) {
  ncgt_relay_settings st;
  memset(&st, 0, sizeof(st));
  st.version = NCGT_RELAY_SETTINGS_V1;
  st.name = name;
  sim_relay *r = sim_add_relay(w->s, name, &st);
  if (allow)
    assert_int_equal(ncgt_relay_allow(sim_relay_get(r), allow), 0);
  return r;
}

static sim_ep *srv_ep(world *w, int user) {
  sim_ep *se = NULL;
  for (int i = 0; i < 1000 && !se; i++) {
    se = sim_server_find_ep(w->srv, w_users[user]);
    if (!se)
      sim_step(w->s);
  }
  assert_non_null(se);
  return se;
}

typedef struct pump {
  sim_ep *a, *b;
  size_t size;
  uint64_t limit_a, limit_b; /* bytes to send each way */
} pump;

static void pump_one(sim_ep *e, size_t size, uint64_t limit) {
  uint64_t sent = sim_ep_get_info(e)->tx_bytes;
  if (ncgt_conn_state(sim_ep_conn(e)) != NCGT_ST_AUTHORIZED || sent >= limit ||
      sim_ep_backlog(e) >= 8 * size)
    return;
  if (limit - sent < size)
    size = (size_t)(limit - sent);
  if (size < 8) /* the stream's datagrams carry an 8-byte offset */
    size = 8;
  assert_int_equal(sim_ep_send_stream(e, size), 0);
}

static void pump_hook(sim *s, void *arg) {
  pump *p = arg;
  (void)s;
  if (p->a)
    pump_one(p->a, p->size, p->limit_a);
  if (p->b)
    pump_one(p->b, p->size, p->limit_b);
}

/* Like pump_hook, but a send may fail: the host callback failed. */
static void pump_hook_lenient(sim *s, void *arg) {
  pump *p = arg;
  (void)s;
  if (ncgt_conn_state(sim_ep_conn(p->a)) == NCGT_ST_AUTHORIZED &&
      sim_ep_get_info(p->a)->tx_bytes < p->limit_a &&
      sim_ep_backlog(p->a) < 8 * p->size)
    (void)sim_ep_send_stream(p->a, p->size);
}

static int pump_done(sim *s, void *arg) {
  pump *p = arg;
  (void)s;
  return sim_ep_get_info(p->b)->rx_bytes >= p->limit_a &&
         sim_ep_get_info(p->a)->rx_bytes >= p->limit_b;
}

/* Tunnel up through `path`, data both ways, End Session; asserts the end
 * states and statuses of every node. */
static void run_path(uint64_t seed, int nrelays) {
  static const char *names[] = {"R1", "R2", "R3"};
  world w;
  sim_opts o;
  memset(&o, 0, sizeof(o));
  o.max_chunk = 1 + seed * 131 % 4000;
  o.slow_permille = seed % 3 == 0 ? 200 : 0;
  w_init(&w, seed, &o);
  sim_relay *r[3] = {NULL, NULL, NULL};
  for (int i = 0; i < nrelays; i++) {
    r[i] = w_relay(&w, names[i], i + 1 < nrelays ? names[i + 1] : "S");
    w.path[i] = names[i];
  }
  w.path[nrelays] = "S";
  w.npath = (size_t)nrelays + 1;
  int u = (int)(seed % W_USERS);
  sim_ep *c = w_client(&w, u);
  w_until_auth(&w, c);
  sim_ep *se = srv_ep(&w, u);
  pump p = {c, se, 64 + seed % 1400, 20000, 20000};
  sim_set_hook(w.s, pump_hook, &p);
  assert_true(sim_run(w.s, pump_done, &p, T_S(600)));
  sim_set_hook(w.s, NULL, NULL);
  assert_int_equal(sim_ep_get_info(c)->rx_bad, 0);
  assert_int_equal(sim_ep_get_info(se)->rx_bad, 0);
  for (int i = 0; i < nrelays; i++)
    assert_int_equal(sim_relay_sessions(r[i]), 1);
  assert_int_equal(
      ncgt_conn_close(sim_ep_conn(c), NCGT_CLOSE_END_SESSION, sim_now(w.s)), 0);
  sim_run_for(w.s, T_S(10));
  assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_DEAD);
  assert_int_equal(sim_server_conns(w.srv), 0);
  const ncgt_close_info *ci = sim_server_last_close(w.srv);
  assert_int_equal(ci->status, NCGT_CLOSE_END_SESSION);
  assert_int_equal(ci->remote, 1);
  assert_int_equal(ci->authenticated, 1);
  for (int i = 0; i < nrelays; i++) {
    assert_int_equal(sim_relay_sessions(r[i]), 0);
    assert_int_equal(sim_relay_last_close(r[i])->status,
                     NCGT_CLOSE_END_SESSION);
  }
  w_done(&w);
}

static void scen_direct(void **st) {
  (void)st;
  for (unsigned s = 0; s < seeds(300); s++)
    run_path(s, 0);
}

static void scen_one_relay(void **st) {
  (void)st;
  for (unsigned s = 0; s < seeds(300); s++)
    run_path(1000 + s, 1);
}

static void scen_chain_of_three(void **st) {
  (void)st;
  for (unsigned s = 0; s < seeds(200); s++)
    run_path(2000 + s, 3);
}

/* Step 239: pool "P" of S1..S3 behind R1, S2 down. Every user gets in;
 * S1 and S3 share the load; S2 got one attempt only. */
static void scen_pool_one_down(void **st) {
  (void)st;
  for (unsigned seed = 0; seed < seeds(50); seed++) {
    world w;
    w_init(&w, 3000 + seed, NULL);
    sim_relay *r = w_relay(&w, "R1", NULL);
    sim_server *sv[3];
    static const char *sn[] = {"S1", "S2", "S3"};
    for (int i = 0; i < 3; i++) {
      sv[i] = sim_add_server(w.s, sn[i], NULL);
      assert_int_equal(sim_server_add_identity(sv[i], "S", w.spriv), 0);
      for (int u = 0; u < W_USERS; u++)
        sim_server_add_user(sv[i], w_users[u], w.upub[u], NULL);
      assert_int_equal(ncgt_relay_add_pool_member(sim_relay_get(r), "P", sn[i]),
                       0);
    }
    sim_server_crash(sv[1]);
    w.path[0] = "R1";
    w.path[1] = "P";
    w.npath = 2;
    sim_ep *c[6];
    for (int u = 0; u < 6; u++) {
      c[u] = w_client(&w, u);
      w_until_auth(&w, c[u]);
    }
    assert_int_equal(sim_server_authorized(sv[1]), 0);
    assert_int_equal(sim_server_authorized(sv[0]), 3);
    assert_int_equal(sim_server_authorized(sv[2]), 3);
    assert_int_equal(ncgt_relay_member_load(sim_relay_get(r), "S1"), 3);
    assert_int_equal(ncgt_relay_member_load(sim_relay_get(r), "S3"), 3);
    assert_int_equal(sim_relay_forwarded(r, "S2"), 1);
    for (int u = 0; u < 6; u++)
      assert_int_equal(sim_ep_get_info(c[u])->closes, 0);
    w_done(&w);
  }
}

static int authorized_n(sim *s, void *arg) {
  (void)s;
  return ncgt_conn_state(sim_ep_conn(arg)) == NCGT_ST_AUTHORIZED &&
         sim_ep_get_info(arg)->authorized >= 2;
}

/* The server process dies behind a relay and comes back: the client goes
 * Dead, retries with backoff (the relay answers UNREACHABLE meanwhile),
 * and gets the same tunnel address from the restarted server. */
static void scen_server_restart(void **st) {
  (void)st;
  for (unsigned seed = 0; seed < seeds(50); seed++) {
    world w;
    w_init(&w, 4000 + seed, NULL);
    w_relay(&w, "R1", "S");
    w.path[0] = "R1";
    w.path[1] = "S";
    w.npath = 2;
    w.t.reconnect_max = T_S(8);
    sim_ep *c = w_client(&w, 1);
    w_until_auth(&w, c);
    uint8_t cd[512];
    size_t cdl = sim_ep_get_info(c)->client_data_len;
    memcpy(cd, sim_ep_get_info(c)->client_data, cdl);
    sim_run_for(w.s, T_S(1 + seed % 20));
    sim_server_crash(w.srv);
    sim_run_for(w.s, T_S(20));
    assert_int_equal(sim_ep_get_info(c)->authorized, 1);
    assert_true(sim_ep_get_info(c)->closes >= 2);
    assert_int_equal(ep_ci(c)->status, NCGT_CLOSE_UNREACHABLE);
    sim_server_start(w.srv);
    assert_true(sim_run(w.s, authorized_n, c, T_S(60)));
    assert_int_equal(sim_ep_get_info(c)->client_data_len, cdl);
    assert_memory_equal(sim_ep_get_info(c)->client_data, cd, cdl);
    w_done(&w);
  }
}

/* The transport breaks: reset (both sides notice) or silence (only the
 * dead-peer timer notices; the server's stale session is REPLACED). The
 * client comes back by itself with the same tunnel address. */
static void scen_transport_breaks(void **st) {
  (void)st;
  for (unsigned seed = 0; seed < seeds(100); seed++) {
    int silent = seed & 1;
    world w;
    /* The server notices a silent peer later than the client does. */
    ncgt_server_settings ss;
    memset(&ss, 0, sizeof(ss));
    ss.version = NCGT_SERVER_SETTINGS_V1;
    ss.timers.dead_peer_timeout = T_S(120);
    w_init_srv(&w, 5000 + seed, NULL, &ss);
    w.t.dead_peer_timeout = T_S(20);
    sim_fault f = {silent ? SIM_F_STALL : SIM_F_RESET,
                   "S",
                   0,
                   SIM_DOWN,
                   NCGT_FRAME_DATA,
                   1 + (int)(seed % 5), /* after the confirming keepalive */
                   -1,
                   0};
    sim_add_fault(w.s, &f);
    if (silent) {
      f.dir = SIM_UP;
      sim_add_fault(w.s, &f);
    }
    sim_ep *c = w_client(&w, 2);
    w_until_auth(&w, c);
    uint8_t cd[512];
    size_t cdl = sim_ep_get_info(c)->client_data_len;
    memcpy(cd, sim_ep_get_info(c)->client_data, cdl);
    pump p = {c, NULL, 500, 1 << 20, 0};
    sim_set_hook(w.s, pump_hook, &p);
    assert_true(sim_run(w.s, authorized_n, c, T_S(120)));
    sim_set_hook(w.s, NULL, NULL);
    assert_int_equal(sim_ep_get_info(c)->client_data_len, cdl);
    assert_memory_equal(sim_ep_get_info(c)->client_data, cd, cdl);
    assert_int_equal(ep_ci(c)->status,
                     silent ? NCGT_CLOSE_IDLE_TIMEOUT : NCGT_CLOSE_TRANSPORT);
    sim_run_for(w.s, T_S(1));
    assert_int_equal(ncgt_server_session_count(sim_server_get(w.srv)), 1);
    if (silent) /* the old session was still up: the user moved */
      assert_int_equal(sim_server_last_close(w.srv)->status,
                       NCGT_CLOSE_REPLACED);
    w_done(&w);
  }
}

/* ncgt_server_shutdown: SHUTTING_DOWN to everyone (authenticated); the
 * clients retry and come back while the server still runs. */
static void scen_shutdown(void **st) {
  (void)st;
  world w;
  w_init(&w, 6000, NULL);
  sim_ep *c[3];
  for (int u = 0; u < 3; u++) {
    c[u] = w_client(&w, u);
    w_until_auth(&w, c[u]);
  }
  assert_int_equal(ncgt_server_shutdown(sim_server_get(w.srv), sim_now(w.s)),
                   0);
  sim_run_for(w.s, 100 * NCGT_MILLISECONDS);
  for (int u = 0; u < 3; u++) {
    assert_int_equal(ep_ci(c[u])->status, NCGT_CLOSE_SHUTTING_DOWN);
    assert_int_equal(ep_ci(c[u])->authenticated, 1);
  }
  for (int u = 0; u < 3; u++)
    assert_true(sim_run(w.s, authorized_n, c[u], T_S(30)));
  /* The operator removes one user: END_SESSION, and it stays away. */
  assert_int_equal(ncgt_server_close_user(sim_server_get(w.srv), "bob",
                                          NCGT_CLOSE_END_SESSION, sim_now(w.s)),
                   0);
  sim_run_for(w.s, T_S(60));
  assert_int_equal(ncgt_conn_state(sim_ep_conn(c[1])), NCGT_ST_DEAD);
  assert_int_equal(ncgt_server_session_count(sim_server_get(w.srv)), 2);
  w_done(&w);
}

/* Random corruption, stalls, resets and slow links on every link from the
 * seed: nothing damaged or out of order ever reaches a host, and once the
 * faults stop the client is back with exactly one session on the
 * server. */
static void scen_random_faults(void **st) {
  (void)st;
  for (unsigned seed = 0; seed < seeds(200); seed++) {
    world w;
    sim_opts o;
    memset(&o, 0, sizeof(o));
    o.fault_permille = 250;
    o.slow_permille = 100;
    o.max_chunk = 1 + seed % 1500;
    w_init(&w, 7000 + seed, &o);
    w.t.dead_peer_timeout = T_S(20);
    w.t.keepalive_interval = T_S(5);
    w.t.reconnect_max = T_S(5);
    w.t.rekey_after = T_S(30);
    int relayed = seed & 1;
    if (relayed) {
      w_relay(&w, "R1", "S");
      w.path[0] = "R1";
      w.path[1] = "S";
      w.npath = 2;
    }
    sim_ep *c = w_client(&w, 0);
    pump p = {c, NULL, 300, 64 << 10, 0};
    sim_set_hook(w.s, pump_hook, &p);
    sim_run_for(w.s, T_S(400));
    sim_set_hook(w.s, NULL, NULL);
    assert_int_equal(sim_ep_get_info(c)->rx_bad, 0);
    /* Faults stop for new links; old ones either die or pass the point
     * (1500 bytes) where theirs would have struck. */
    sim_set_faults(w.s, 0, 0);
    sim_run_for(w.s, T_S(400));
    assert_true(sim_run(w.s, is_authorized, c, T_S(300)));
    sim_run_for(w.s, T_S(60));
    assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_AUTHORIZED);
    assert_int_equal(ncgt_server_session_count(sim_server_get(w.srv)), 1);
    sim_ep *se = sim_server_find_ep(w.srv, "alice");
    assert_non_null(se);
    assert_int_equal(sim_ep_get_info(se)->rx_bad, 0);
    w_done(&w);
  }
}

/* 100 MiB client -> server (and a third of it back) across several
 * rekeys, by frame count and by time; every byte checked in order. */
static void scen_rekey_under_load(void **st) {
  (void)st;
  static const struct {
    uint16_t tf;
    uint64_t bytes;
    uint64_t frames;
  } runs[] = {
      {NCGT_TRANSFORM_AES256GCM, (uint64_t)100 << 20, 300},
      {NCGT_TRANSFORM_CHACHA20POLY1305, (uint64_t)16 << 20, 40},
  };
  for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
    world w;
    sim_opts o;
    memset(&o, 0, sizeof(o));
    o.max_chunk = 200000;
    w_init(&w, 8000 + i, &o);
    w.t.rekey_after_frames = runs[i].frames;
    w.t.rekey_after = 700 * NCGT_MILLISECONDS;
    ncgt_client_settings cs = w_settings(&w, 0);
    cs.transforms = runs[i].tf;
    sim_ep *c = sim_add_client(w.s, &cs);
    assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w.s)), 0);
    w_until_auth(&w, c);
    sim_ep *se = srv_ep(&w, 0);
    pump p = {c, se, NCGT_DATAGRAM_MAX, runs[i].bytes, runs[i].bytes / 3};
    sim_set_hook(w.s, pump_hook, &p);
    assert_true(sim_run(w.s, pump_done, &p, T_S(3600)));
    sim_set_hook(w.s, NULL, NULL);
    ncgt_conn_stats a, b;
    ncgt_conn_get_stats(sim_ep_conn(c), &a);
    ncgt_conn_get_stats(sim_ep_conn(se), &b);
    print_message("%s: %llu MiB, %llu rekeys, %.1f s virtual\n",
                  ncgt_transform_name(runs[i].tf),
                  (unsigned long long)(sim_ep_get_info(se)->rx_bytes >> 20),
                  (unsigned long long)a.rekeys,
                  (double)(sim_now(w.s) - 1000 * NCGT_SECONDS) / 1e9);
    assert_true(a.rekeys >= 3);
    assert_int_equal(a.rekeys, b.rekeys);
    assert_int_equal(sim_ep_get_info(se)->rx_bytes, runs[i].bytes);
    assert_int_equal(sim_ep_get_info(se)->rx_bad, 0);
    assert_int_equal(sim_ep_get_info(c)->rx_bad, 0);
    assert_int_equal(sim_ep_get_info(c)->closes, 0);
    assert_int_equal(sim_ep_get_info(c)->authorized, 1);
    assert_int_equal(ncgt_conn_transform(sim_ep_conn(c)), runs[i].tf);
    w_done(&w);
  }
}

/* A short tour of the failure edges so this binary alone reaches every
 * state and transition: refused relay path, unreachable hop, silent and
 * vanishing peers, auth failure, rekey falling back to Reconnect. */
static sim_ep *tour_client(world *w, const char *p0, const char *p1) {
  w->path[0] = p0;
  w->path[1] = p1;
  w->npath = p1 ? 2 : 1;
  ncgt_client_settings cs = w_settings(w, 0);
  cs.auto_reconnect = 0;
  sim_ep *c = sim_add_client(w->s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w->s)), 0);
  return c;
}

static uint16_t tour_fail(world *w, sim_ep *c) {
  assert_true(sim_run(w->s, is_dead, c, T_S(60)));
  return ep_ci(c)->status;
}

/* A short tour of the failure edges so this binary alone reaches every
 * state and transition: refused relay path, unreachable hop, peers that
 * vanish or stay silent, wrong key, stalled RESPONSE, refused connect,
 * a rekey that falls back to Reconnect. */
/* Host callbacks that fail at random (send, open/connect, rand,
 * recv_datagram): every failure path runs under the sanitizers; nothing
 * damaged is delivered; once the host behaves the tunnel comes back. */
static void scen_callbacks_fail(void **st) {
  (void)st;
  for (unsigned seed = 0; seed < seeds(100); seed++) {
    world w;
    sim_opts o;
    memset(&o, 0, sizeof(o));
    o.cbfail_permille = 5 + seed % 40;
    w_init(&w, 9500 + seed, &o);
    w.t.reconnect_max = T_S(4);
    if (seed & 1) {
      w_relay(&w, "R1", "S");
      w.path[0] = "R1";
      w.path[1] = "S";
      w.npath = 2;
    }
    ncgt_client_settings cs = w_settings(&w, 0);
    sim_ep *c = sim_add_client(w.s, &cs);
    /* open_transport may fail right here: Dead, then retried; start
     * still returns 0 (conn.h, open_transport) */
    int rv = ncgt_conn_start(sim_ep_conn(c), sim_now(w.s));
    assert_int_equal(rv, 0);
    pump p = {c, NULL, 200, 32 << 10, 0};
    sim_set_hook(w.s, pump_hook_lenient, &p);
    sim_run_for(w.s, T_S(120));
    sim_set_hook(w.s, NULL, NULL);
    assert_int_equal(sim_ep_get_info(c)->rx_bad, 0);
    sim_set_cbfail(w.s, 0);
    assert_true(sim_run(w.s, is_authorized, c, T_S(120)));
    sim_run_for(w.s, T_S(70));
    assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_AUTHORIZED);
    assert_int_equal(ncgt_server_session_count(sim_server_get(w.srv)), 1);
    w_done(&w);
  }
}

static void scen_failure_tour(void **st) {
  (void)st;
  world w;
  w_init(&w, 9000, NULL);
  sim_relay *r = w_relay(&w, "R1", "S");
  /* Relay: Receive Relay -> Close (refused), Forward Connect -> Close */
  assert_int_equal(tour_fail(&w, tour_client(&w, "R1", "nowhere")),
                   NCGT_CLOSE_RELAY_REFUSED);
  assert_int_equal(ncgt_relay_allow(sim_relay_get(r), "nowhere"), 0);
  assert_int_equal(tour_fail(&w, tour_client(&w, "R1", "nowhere")),
                   NCGT_CLOSE_UNREACHABLE);
  /* Receive Relay -> Dying: the peer connects and goes away. */
  static const char *const lis[] = {"S", "R1"};
  for (int i = 0; i < 2; i++) {
    sim_raw *x = sim_raw_connect(w.s, lis[i]);
    sim_run_for(w.s, 10 * NCGT_MILLISECONDS);
    sim_raw_close(x);
    sim_run_for(w.s, T_S(1));
  }
  assert_int_equal(sim_server_last_close(w.srv)->status, NCGT_CLOSE_TRANSPORT);
  assert_int_equal(sim_relay_last_close(r)->status, NCGT_CLOSE_TRANSPORT);
  /* Server Receive Relay -> Close: silent peer. */
  sim_raw *x = sim_raw_connect(w.s, "S");
  sim_run_for(w.s, T_S(11));
  assert_true(sim_raw_closed(x));
  /* Connect Wait -> Close; initiator Response Wait -> Dying. */
  w.spub[0] ^= 1;
  assert_int_equal(tour_fail(&w, tour_client(&w, "S", NULL)),
                   NCGT_CLOSE_AUTH_FAILED);
  w.spub[0] ^= 1;
  /* TCP Open -> Dying: nobody listens. */
  assert_int_equal(tour_fail(&w, tour_client(&w, "ghost", NULL)),
                   NCGT_CLOSE_TRANSPORT);
  /* Response Wait -> Close: RESPONSE held back. */
  sim_fault f = {SIM_F_STALL, "S", -1, SIM_DOWN, NCGT_FRAME_RESPONSE, 0, 0, 0};
  sim_add_fault(w.s, &f);
  assert_int_equal(tour_fail(&w, tour_client(&w, "S", NULL)),
                   NCGT_CLOSE_HANDSHAKE_TIMEOUT);
  w_done(&w);
  /* Authorized -> Reconnect -> TCP Open: the rekey RESPONSE stalls. */
  w_init(&w, 9001, NULL);
  w.t.rekey_after = T_S(5);
  sim_fault g = {SIM_F_STALL, "S", 0, SIM_DOWN, NCGT_FRAME_RESPONSE, 1, 0, 0};
  sim_add_fault(w.s, &g);
  sim_ep *c = w_client(&w, 0);
  w_until_auth(&w, c);
  sim_run_for(w.s, T_S(20));
  ncgt_conn_stats cs;
  ncgt_conn_get_stats(sim_ep_conn(c), &cs);
  assert_int_equal(cs.reconnects, 1);
  assert_int_equal(sim_ep_get_info(c)->authorized, 2);
  w_done(&w);
}

static void coverage_every_state_and_transition(void **st) {
  (void)st;
  static const ncgt_state ini[] = {NCGT_ST_IDLE,          NCGT_ST_TCP_OPEN,
                                   NCGT_ST_SEND_RELAY,    NCGT_ST_CONNECT,
                                   NCGT_ST_RESPONSE_WAIT, NCGT_ST_AUTHORIZED,
                                   NCGT_ST_RECONNECT,     NCGT_ST_CLOSE,
                                   NCGT_ST_DYING,         NCGT_ST_DEAD};
  static const ncgt_state srv[] = {NCGT_ST_ACCEPT_WAIT,  NCGT_ST_RECEIVE_RELAY,
                                   NCGT_ST_CONNECT_WAIT, NCGT_ST_CONFIRM_WAIT, NCGT_ST_AUTHORIZED,
                                   NCGT_ST_CLOSE,        NCGT_ST_DYING,
                                   NCGT_ST_DEAD};
  static const ncgt_state rly[] = {
      NCGT_ST_ACCEPT_WAIT, NCGT_ST_RECEIVE_RELAY, NCGT_ST_FORWARD_CONNECT,
      NCGT_ST_FORWARD,     NCGT_ST_CLOSE,         NCGT_ST_DYING,
      NCGT_ST_DEAD};
  struct {
    const ncgt_state *s;
    size_t n;
  } roles[SIM_ROLES] = {{ini, sizeof(ini) / sizeof(ini[0])},
                        {srv, sizeof(srv) / sizeof(srv[0])},
                        {rly, sizeof(rly) / sizeof(rly[0])}};
  int missing = 0;
  for (int r = 0; r < SIM_ROLES; r++)
    for (size_t i = 0; i < roles[r].n; i++)
      if (!sim_visits[r][roles[r].s[i]]) {
        print_error("role %d never reached %s\n", r,
                    ncgt_state_name(roles[r].s[i]));
        missing++;
      }
  /* The transitions of doc/state-machines.md. */
  static const struct {
    int role;
    ncgt_state from, to;
  } tr[] = {
      {SIM_INITIATOR, NCGT_ST_IDLE, NCGT_ST_TCP_OPEN},
      {SIM_INITIATOR, NCGT_ST_TCP_OPEN, NCGT_ST_SEND_RELAY},
      {SIM_INITIATOR, NCGT_ST_TCP_OPEN, NCGT_ST_DYING},
      {SIM_INITIATOR, NCGT_ST_SEND_RELAY, NCGT_ST_CONNECT},
      {SIM_INITIATOR, NCGT_ST_CONNECT, NCGT_ST_RESPONSE_WAIT},
      {SIM_INITIATOR, NCGT_ST_RESPONSE_WAIT, NCGT_ST_AUTHORIZED},
      {SIM_INITIATOR, NCGT_ST_RESPONSE_WAIT, NCGT_ST_DYING},
      {SIM_INITIATOR, NCGT_ST_RESPONSE_WAIT, NCGT_ST_CLOSE},
      {SIM_INITIATOR, NCGT_ST_AUTHORIZED, NCGT_ST_RECONNECT},
      {SIM_INITIATOR, NCGT_ST_RECONNECT, NCGT_ST_TCP_OPEN},
      {SIM_INITIATOR, NCGT_ST_AUTHORIZED, NCGT_ST_CLOSE},
      {SIM_INITIATOR, NCGT_ST_AUTHORIZED, NCGT_ST_DYING},
      {SIM_INITIATOR, NCGT_ST_CLOSE, NCGT_ST_DYING},
      {SIM_INITIATOR, NCGT_ST_DYING, NCGT_ST_DEAD},
      {SIM_INITIATOR, NCGT_ST_DEAD, NCGT_ST_IDLE},
      {SIM_SERVER, NCGT_ST_ACCEPT_WAIT, NCGT_ST_RECEIVE_RELAY},
      {SIM_SERVER, NCGT_ST_RECEIVE_RELAY, NCGT_ST_CONNECT_WAIT},
      {SIM_SERVER, NCGT_ST_RECEIVE_RELAY, NCGT_ST_CLOSE},
      {SIM_SERVER, NCGT_ST_RECEIVE_RELAY, NCGT_ST_DYING},
      {SIM_SERVER, NCGT_ST_CONNECT_WAIT, NCGT_ST_CONFIRM_WAIT},
      {SIM_SERVER, NCGT_ST_CONFIRM_WAIT, NCGT_ST_AUTHORIZED},
      {SIM_SERVER, NCGT_ST_CONFIRM_WAIT, NCGT_ST_DYING},
      {SIM_SERVER, NCGT_ST_CONNECT_WAIT, NCGT_ST_CLOSE},
      {SIM_SERVER, NCGT_ST_AUTHORIZED, NCGT_ST_CLOSE},
      {SIM_SERVER, NCGT_ST_AUTHORIZED, NCGT_ST_DYING},
      {SIM_SERVER, NCGT_ST_CLOSE, NCGT_ST_DYING},
      {SIM_SERVER, NCGT_ST_DYING, NCGT_ST_DEAD},
      {SIM_RELAY, NCGT_ST_ACCEPT_WAIT, NCGT_ST_RECEIVE_RELAY},
      {SIM_RELAY, NCGT_ST_RECEIVE_RELAY, NCGT_ST_FORWARD_CONNECT},
      {SIM_RELAY, NCGT_ST_RECEIVE_RELAY, NCGT_ST_CLOSE},
      {SIM_RELAY, NCGT_ST_RECEIVE_RELAY, NCGT_ST_DYING},
      {SIM_RELAY, NCGT_ST_FORWARD_CONNECT, NCGT_ST_FORWARD},
      {SIM_RELAY, NCGT_ST_FORWARD_CONNECT, NCGT_ST_CLOSE},
      {SIM_RELAY, NCGT_ST_FORWARD, NCGT_ST_DYING},
      {SIM_RELAY, NCGT_ST_CLOSE, NCGT_ST_DYING},
      {SIM_RELAY, NCGT_ST_DYING, NCGT_ST_DEAD},
  };
  for (size_t i = 0; i < sizeof(tr) / sizeof(tr[0]); i++)
    if (!sim_trans[tr[i].role][tr[i].from][tr[i].to]) {
      print_error("role %d never went %s -> %s\n", tr[i].role,
                  ncgt_state_name(tr[i].from), ncgt_state_name(tr[i].to));
      missing++;
    }
  assert_int_equal(missing, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(scen_direct, lap),
      cmocka_unit_test_teardown(scen_one_relay, lap),
      cmocka_unit_test_teardown(scen_chain_of_three, lap),
      cmocka_unit_test_teardown(scen_pool_one_down, lap),
      cmocka_unit_test_teardown(scen_server_restart, lap),
      cmocka_unit_test_teardown(scen_transport_breaks, lap),
      cmocka_unit_test_teardown(scen_shutdown, lap),
      cmocka_unit_test_teardown(scen_random_faults, lap),
      cmocka_unit_test_teardown(scen_rekey_under_load, lap),
      cmocka_unit_test_teardown(scen_callbacks_fail, lap),
      cmocka_unit_test_teardown(scen_failure_tour, lap),
      /* must stay last: it reads what the others visited */
      cmocka_unit_test_teardown(coverage_every_state_and_transition, lap),
  };
  return cmocka_run_group_tests(tests, lap, NULL);
}
