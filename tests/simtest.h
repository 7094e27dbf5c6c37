/* Shared set-up for the simnet tests: keys, one server "S", clients. */
#ifndef NCGT_SIMTEST_H
#define NCGT_SIMTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h> /* after the headers it needs */

#include "simnet.h"

enum { W_USERS = 8 };

typedef struct world {
  sim *s;
  sim_server *srv;
  uint8_t spriv[32], spub[32];
  uint8_t upriv[W_USERS][32], upub[W_USERS][32];
  const char *path[NCGT_PATH_MAX];
  size_t npath;
  ncgt_timers t;
} world;

static const char *const w_users[W_USERS] = {
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};

/* A server "S" whose identity "S" knows every user of w_users. */
static inline void w_init_srv(world *w, uint64_t seed, const sim_opts *o,
                              const ncgt_server_settings *ss) {
  memset(w, 0, sizeof(*w));
  w->s = sim_new(seed, o);
  sim_keypair(1, w->spriv, w->spub);
  for (int i = 0; i < W_USERS; i++)
    sim_keypair(100 + (uint64_t)i, w->upriv[i], w->upub[i]);
  w->srv = sim_add_server(w->s, "S", ss);
  assert_int_equal(sim_server_add_identity(w->srv, "S", w->spriv), 0);
  for (int i = 0; i < W_USERS; i++)
    sim_server_add_user(w->srv, w_users[i], w->upub[i], NULL);
  w->path[0] = "S";
  w->npath = 1;
}

static inline void w_init(world *w, uint64_t seed, const sim_opts *o) {
  w_init_srv(w, seed, o, NULL);
}

static inline ncgt_client_settings w_settings(world *w, int user) {
  ncgt_client_settings cs;
  memset(&cs, 0, sizeof(cs));
  cs.version = NCGT_CLIENT_SETTINGS_V1;
  cs.origin = "client";
  cs.path = w->path;
  cs.npath = w->npath;
  cs.dest = "S";
  cs.user = w_users[user];
  memcpy(cs.private_key, w->upriv[user], 32);
  memcpy(cs.server_public_key, w->spub, 32);
  cs.auto_reconnect = 1;
  cs.timers = w->t;
  return cs;
}

static inline sim_ep *w_client(world *w, int user) {
  ncgt_client_settings cs = w_settings(w, user);
  sim_ep *ep = sim_add_client(w->s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(ep), sim_now(w->s)), 0);
  return ep;
}

static inline void w_done(world *w) { sim_del(w->s); }

static inline int st_is(sim *s, void *arg, ncgt_state st) {
  (void)s;
  return ncgt_conn_state(sim_ep_conn(arg)) == st;
}
static inline int is_authorized(sim *s, void *arg) {
  return st_is(s, arg, NCGT_ST_AUTHORIZED);
}
static inline int is_dead(sim *s, void *arg) {
  return st_is(s, arg, NCGT_ST_DEAD);
}

#define T_S(x) ((ncgt_tstamp)(x)*NCGT_SECONDS)

/* Runs until the ep is authorised; asserts it got there. */
static inline void w_until_auth(world *w, sim_ep *ep) {
  assert_true(sim_run(w->s, is_authorized, ep, T_S(120)));
}

static inline const ncgt_close_info *ep_ci(sim_ep *ep) {
  return &sim_ep_get_info(ep)->last_ci;
}

#endif /* NCGT_SIMTEST_H */
