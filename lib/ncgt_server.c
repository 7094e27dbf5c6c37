/*
 * The tunnel server (patent Fig. 12 run once per accepted connection):
 * server identities chosen by the REQUEST's destination name (Fig. 7
 * field 128; several make virtual servers), the session table (one live
 * tunnel per user name: users are authorised by name and key, never by
 * address, so a second tunnel means the user moved), and the per-user
 * anti-replay timestamps of the handshake.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncgt_conn_int.h"
#include "ncgt_cursor.h"
#include "ncgt_map.h"
#include "ncgt_struct.h"

typedef struct srv_ident {
  struct srv_ident *next;
  char name[NCGT_NAME_MAX + 1];
  /* Made once: each handshake then costs no scalar multiplication to
   * rebuild the static public key (doc/performance.md "Handshake rate"). */
  ncgt_x25519_key *key;
} srv_ident;

/* Greatest proven TAI64N of one (user, static key), as WireGuard keeps
 * one per peer. Entries exist only for keys the host authorised and
 * that completed a handshake, so the table is bounded by the user
 * database. */
typedef struct srv_seen {
  struct srv_seen *next;
  uint64_t h; /* hash of user and pub, in seen_map */
  char user[NCGT_NAME_MAX + 1];
  uint8_t pub[NCGT_KEY_BYTES];
  uint8_t tai[NCGT_TAI64N_LEN];
} srv_seen;

struct ncgt_server {
  ncgt_srv_cfg cfg;
  size_t max_frame;
  ncgt_timers timers;
  ncgt_server_callbacks cb;
  void *user_data;
  srv_ident *ids;
  srv_seen *seen;
  ncgt_conn *conns; /* every conn accepted and not yet deleted */
  ncgt_server_stats stats;
  /* O(1) lookups (issue 17): identity by name, replay record by (user,
   * key), live conn by user name. All keyed per server at random. */
  ncgt_map ids_map, seen_map, live_map;
  ncgt_map ss_map; /* srv_ss by (identity, client key) */
  size_t nlive;    /* conns in AUTHORIZED */
  size_t npending; /* accepted, not yet AUTHORIZED nor over */
  size_t max_pending, max_pending_per_addr;
  ncgt_map src_map; /* srv_src by source address, while it has pending */
  ncgt_tstamp refuse_log_at; /* refusals are logged once a second */
  uint64_t refused_pending;  /* accepts refused by max_pending* */
};

/* DH(identity, client static key), the Noise "ss", remembered for keys
 * the host authorised (as the replay records, bounded by the user
 * database): WireGuard's precomputed static-static. Saves one of the
 * five scalar multiplications of every later handshake of that client. */
typedef struct srv_ss {
  uint64_t h;
  const ncgt_x25519_key *id;
  uint8_t pub[NCGT_KEY_BYTES];
  uint8_t ss[NCGT_KEY_BYTES];
} srv_ss;

/* Unauthenticated conns from one source address (max_pending_per_addr). */
typedef struct srv_src {
  uint64_t h;
  size_t pending;
  size_t len;
  uint8_t addr[NCGT_SRC_ADDR_MAX];
} srv_src;

static void srv_log(const ncgt_server *s, const char *what, const char *user,
                    uint16_t status) {
  if (!s->cb.log)
    return;
  char msg[NCGT_NAME_MAX + 96];
  size_t n = 0;
  const char *parts[] = {
      "server user=", user,       " ",
      what,           " status=", ncgt_close_status_name(status)};
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
    size_t l = strnlen(parts[i], sizeof(msg) - 1 - n);
    memcpy(msg + n, parts[i], l);
    n += l;
  }
  msg[n] = '\0';
  s->cb.log(NCGT_LOG_INFO, msg, s->user_data);
}

static const size_t server_settings_sizes[] = {
    offsetof(ncgt_server_settings, features),    /* V1 */
    offsetof(ncgt_server_settings, max_pending), /* V2 */
    sizeof(ncgt_server_settings),                /* V3 */
};
static const size_t server_callbacks_sizes[] = {
    offsetof(ncgt_server_callbacks, rand), /* V1 */
    sizeof(ncgt_server_callbacks),         /* V2 */
};

void ncgt_server_settings_default(ncgt_server_settings *s) {
  if (!s)
    return;
  memset(s, 0, sizeof(*s));
  s->version = NCGT_SERVER_SETTINGS_VERSION;
  s->transforms = NCGT_TRANSFORMS_ALL;
  s->max_frame = NCGT_FRAME_MAX_DEFAULT;
  s->retry_after = 30;
  ncgt_timers_default(&s->timers);
}

int ncgt_server_new(ncgt_server **ps, const ncgt_server_settings *st,
                    const ncgt_server_callbacks *cb, void *user_data) {
  NCGT_ENSURE_COND(ps != NULL, NCGT_ERR_INVALID_ARGUMENT);
  *ps = NULL;
  ncgt_server_settings sc;
  ncgt_server_callbacks cc;
  NCGT_ENSURE_COND(st && cb &&
                       NCGT_STRUCT_COPY(&sc, st, server_settings_sizes) == 0 &&
                       NCGT_STRUCT_COPY(&cc, cb, server_callbacks_sizes) == 0 &&
                       cc.authorize,
                   NCGT_ERR_INVALID_ARGUMENT);
  st = &sc;
  NCGT_ENSURE_COND(st->max_frame <= NCGT_FRAME_MAX_LIMIT,
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_server *s = calloc(1, sizeof(*s));
  NCGT_ENSURE_COND(s != NULL, NCGT_ERR_NOMEM);
  s->cfg.transforms = st->transforms ? st->transforms & NCGT_TRANSFORMS_ALL
                                     : NCGT_TRANSFORMS_ALL;
  s->cfg.max_sessions = st->max_sessions;
  s->cfg.features = st->features & NCGT_FEATURE_GSO; /* zero before V2 */
  s->cfg.retry_after = st->retry_after ? st->retry_after : 30;
  s->max_frame = st->max_frame;
  s->timers = st->timers;
  s->cb = cc;
  s->user_data = user_data;
  s->max_pending = st->max_pending;
  s->max_pending_per_addr = st->max_pending_per_addr;
  /* The tables' hash key: random from the host (V2 callbacks); without
   * one, the object's address keeps it from being a constant. */
  uint8_t key[16];
  memset(key, 0, sizeof(key));
  uintptr_t self = (uintptr_t)s;
  memcpy(key, &self, sizeof(self) < 16 ? sizeof(self) : 16);
  if (cc.rand && cc.rand(key, sizeof(key), user_data) != 0) {
    free(s);
    return NCGT_ERR_CALLBACK_FAILURE;
  }
  ncgt_map_init(&s->ids_map, key);
  ncgt_map_init(&s->seen_map, key);
  ncgt_map_init(&s->live_map, key);
  ncgt_map_init(&s->src_map, key);
  ncgt_map_init(&s->ss_map, key);
  ncgt_wipe(key, sizeof(key));
  if (!s->cfg.transforms) {
    free(s);
    return NCGT_ERR_INVALID_ARGUMENT;
  }
  *ps = s;
  return 0;
}

void ncgt_server_del(ncgt_server *s) {
  if (!s)
    return;
  for (ncgt_conn *c = s->conns; c; c = c->srv_next)
    c->srv = NULL; /* contract says they are gone; never dangle anyway */
  while (s->ids) {
    srv_ident *n = s->ids->next;
    ncgt_x25519_key_del(s->ids->key);
    ncgt_wipe(s->ids, sizeof(*s->ids));
    free(s->ids);
    s->ids = n;
  }
  while (s->seen) {
    srv_seen *n = s->seen->next;
    ncgt_wipe(s->seen, sizeof(*s->seen));
    free(s->seen);
    s->seen = n;
  }
  for (size_t i = 0; i < s->src_map.cap; i++)
    free(s->src_map.slots[i].v);
  ncgt_map_free(&s->ids_map);
  ncgt_map_free(&s->seen_map);
  ncgt_map_free(&s->live_map);
  ncgt_map_free(&s->src_map);
  for (size_t i = 0; i < s->ss_map.cap; i++)
    if (s->ss_map.slots[i].v) {
      ncgt_wipe(s->ss_map.slots[i].v, sizeof(srv_ss));
      free(s->ss_map.slots[i].v);
    }
  ncgt_map_free(&s->ss_map);
  free(s);
}

int ncgt_server_set_transform_order(ncgt_server *s, const uint16_t *order,
                                    size_t n) {
  NCGT_ENSURE_COND(s && (order || n == 0) && n <= 8,
                   NCGT_ERR_INVALID_ARGUMENT);
  for (size_t i = 0; i < n; i++) /* one known, acceptable bit each */
    NCGT_ENSURE_COND(order[i] && (order[i] & (order[i] - 1)) == 0 &&
                         (order[i] & s->cfg.transforms) == order[i],
                     NCGT_ERR_INVALID_ARGUMENT);
  memcpy(s->cfg.order, order, n * sizeof(*order));
  s->cfg.norder = n;
  return 0;
}

int ncgt_server_add_identity(ncgt_server *s, const char *name,
                             const uint8_t priv[NCGT_KEY_BYTES]) {
  NCGT_ENSURE_COND(s && name && priv, NCGT_ERR_INVALID_ARGUMENT);
  size_t n = strnlen(name, NCGT_NAME_MAX + 1);
  NCGT_ENSURE_COND(n >= 1 && n <= NCGT_NAME_MAX, NCGT_ERR_BAD_NAME);
  srv_ident *id = calloc(1, sizeof(*id));
  NCGT_ENSURE_COND(id != NULL, NCGT_ERR_NOMEM);
  memcpy(id->name, name, n);
  int rv = ncgt_x25519_key_new(&id->key, priv);
  if (rv == 0)
    rv = ncgt_map_add(&s->ids_map, ncgt_map_hash_str(&s->ids_map, id->name),
                      id);
  if (rv < 0) {
    ncgt_x25519_key_del(id->key);
    free(id);
    return rv;
  }
  id->next = s->ids;
  s->ids = id;
  return 0;
}

static const srv_ident *srv_find_ident(const ncgt_server *s,
                                       const char *name) {
  uint64_t h = ncgt_map_hash_str(&s->ids_map, name);
  const srv_ident *id, *found = NULL;
  /* Newest wins, as the list order did: keep the last match added. */
  for (size_t it = 0; (id = ncgt_map_next(&s->ids_map, h, &it));)
    if (strcmp(id->name, name) == 0)
      found = id;
  return found;
}

const ncgt_x25519_key *ncgt_server_identity(const ncgt_server *s,
                                            const char *dest) {
  const srv_ident *id = srv_find_ident(s, dest);
  if (!id)
    id = srv_find_ident(s, "*");
  return id ? id->key : NULL;
}

const ncgt_srv_cfg *ncgt_server_cfg(const ncgt_server *s) { return &s->cfg; }

/* Hash of (user, key): the name's length first, so no two pairs share
 * an input. */
static uint64_t srv_seen_hash(const ncgt_server *s, const char *user,
                              const uint8_t pub[NCGT_KEY_BYTES]) {
  uint8_t in[1 + NCGT_NAME_MAX + NCGT_KEY_BYTES];
  size_t n = strnlen(user, NCGT_NAME_MAX);
  in[0] = (uint8_t)n;
  memcpy(in + 1, user, n);
  memcpy(in + 1 + n, pub, NCGT_KEY_BYTES);
  return ncgt_map_hash(&s->seen_map, in, 1 + n + NCGT_KEY_BYTES);
}

static srv_seen *srv_find_seen(const ncgt_server *s, const char *user,
                               const uint8_t pub[NCGT_KEY_BYTES]) {
  uint64_t h = srv_seen_hash(s, user, pub);
  srv_seen *e;
  for (size_t it = 0; (e = ncgt_map_next(&s->seen_map, h, &it));)
    if (strcmp(e->user, user) == 0 && memcmp(e->pub, pub, NCGT_KEY_BYTES) == 0)
      return e;
  return NULL;
}

static uint64_t srv_ss_hash(const ncgt_server *s, const ncgt_x25519_key *id,
                            const uint8_t pub[NCGT_KEY_BYTES]) {
  uint8_t in[sizeof(id) + NCGT_KEY_BYTES];
  memcpy(in, &id, sizeof(id));
  memcpy(in + sizeof(id), pub, NCGT_KEY_BYTES);
  return ncgt_map_hash(&s->ss_map, in, sizeof(in));
}

static srv_ss *srv_find_ss(const ncgt_server *s, const ncgt_x25519_key *id,
                           const uint8_t pub[NCGT_KEY_BYTES]) {
  uint64_t h = srv_ss_hash(s, id, pub);
  srv_ss *e;
  for (size_t it = 0; (e = ncgt_map_next(&s->ss_map, h, &it));)
    if (e->id == id && memcmp(e->pub, pub, NCGT_KEY_BYTES) == 0)
      return e;
  return NULL;
}

int ncgt_server_ss_lookup(void *arg, const uint8_t rs[NCGT_KEY_BYTES],
                          uint8_t out[NCGT_KEY_BYTES]) {
  const ncgt_srv_ss_arg *a = arg;
  const srv_ss *e = srv_find_ss(a->srv, a->id, rs);
  if (!e)
    return -1;
  memcpy(out, e->ss, NCGT_KEY_BYTES);
  return 0;
}

void ncgt_server_ss_remember(ncgt_server *s, const ncgt_x25519_key *id,
                             const uint8_t pub[NCGT_KEY_BYTES],
                             const uint8_t ss[NCGT_KEY_BYTES]) {
  if (srv_find_ss(s, id, pub))
    return;
  srv_ss *e = calloc(1, sizeof(*e));
  if (!e)
    return; /* only a cache */
  e->id = id;
  memcpy(e->pub, pub, NCGT_KEY_BYTES);
  memcpy(e->ss, ss, NCGT_KEY_BYTES);
  e->h = srv_ss_hash(s, id, pub);
  if (ncgt_map_add(&s->ss_map, e->h, e) < 0) {
    ncgt_wipe(e, sizeof(*e));
    free(e);
  }
}

int ncgt_server_check_replay(const ncgt_server *s, const char *user,
                             const uint8_t pub[NCGT_KEY_BYTES],
                             const uint8_t tai[NCGT_TAI64N_LEN]) {
  const srv_seen *e = srv_find_seen(s, user, pub);
  /* TAI64N is big-endian: byte order is time order. */
  if (e && memcmp(tai, e->tai, NCGT_TAI64N_LEN) <= 0)
    return NCGT_ERR_REPLAY;
  return 0;
}

int ncgt_server_note_accepted(ncgt_server *s, const char *user,
                              const uint8_t pub[NCGT_KEY_BYTES],
                              const uint8_t tai[NCGT_TAI64N_LEN]) {
  srv_seen *e = srv_find_seen(s, user, pub);
  if (!e) {
    e = calloc(1, sizeof(*e));
    NCGT_ENSURE_COND(e != NULL, NCGT_ERR_NOMEM);
    memcpy(e->user, user, strnlen(user, NCGT_NAME_MAX));
    memcpy(e->pub, pub, NCGT_KEY_BYTES);
    e->h = srv_seen_hash(s, user, pub);
    if (ncgt_map_add(&s->seen_map, e->h, e) < 0) {
      free(e);
      return NCGT_ERR_NOMEM;
    }
    e->next = s->seen;
    s->seen = e;
  }
  /* Only forward: a proven older handshake (a rekey's) never lowers it */
  if (memcmp(tai, e->tai, NCGT_TAI64N_LEN) > 0)
    memcpy(e->tai, tai, NCGT_TAI64N_LEN);
  return 0;
}

int ncgt_server_authorize(ncgt_server *s, ncgt_conn *c, const char *dest,
                          const char *user, const uint8_t pub[NCGT_KEY_BYTES],
                          ncgt_authz *out) {
  if (s->cb.authorize(s, c, dest, user, pub, out, s->user_data) != 0)
    return NCGT_ERR_CALLBACK_FAILURE;
  return 0;
}

/* A session counts once its initiator proved the keys (confirmed). */
static int srv_live(const ncgt_conn *c) {
  return c->state == NCGT_ST_AUTHORIZED;
}

/* The live (AUTHORIZED) conn of `user`, through live_map. */
static ncgt_conn *srv_find_live(const ncgt_server *s, const char *user) {
  uint64_t h = ncgt_map_hash_str(&s->live_map, user);
  ncgt_conn *c;
  for (size_t it = 0; (c = ncgt_map_next(&s->live_map, h, &it));)
    if (srv_live(c) && strcmp(c->user, user) == 0)
      return c;
  return NULL;
}

size_t ncgt_server_busy(const ncgt_server *s, const char *user) {
  return s->nlive - (srv_find_live(s, user) != NULL);
}

void ncgt_server_session_up(ncgt_server *s, ncgt_conn *c, ncgt_tstamp ts) {
  /* One live session per user: any other is the user's older one. The
   * close may run host callbacks that delete `o` (and so change the
   * map), so look again each time. */
  for (;;) {
    uint64_t h = ncgt_map_hash_str(&s->live_map, c->user);
    ncgt_conn *o = NULL, *x;
    for (size_t it = 0; (x = ncgt_map_next(&s->live_map, h, &it));)
      if (x != c && srv_live(x) && strcmp(x->user, c->user) == 0) {
        o = x;
        break;
      }
    if (!o)
      return;
    srv_log(s, "replaced", o->user, NCGT_CLOSE_REPLACED);
    (void)ncgt_conn_close(o, NCGT_CLOSE_REPLACED, ts);
  }
}

static int srv_pending_state(ncgt_state st) {
  return st == NCGT_ST_ACCEPT_WAIT || st == NCGT_ST_RECEIVE_RELAY ||
         st == NCGT_ST_CONNECT_WAIT || st == NCGT_ST_CONFIRM_WAIT;
}

static srv_src *srv_find_src(const ncgt_server *s, const uint8_t *addr,
                             size_t len, uint64_t h) {
  srv_src *e;
  for (size_t it = 0; (e = ncgt_map_next(&s->src_map, h, &it));)
    if (e->len == len && memcmp(e->addr, addr, len) == 0)
      return e;
  return NULL;
}

/* c stops counting as pending (authorised, closing, or gone). */
static void srv_pending_done(ncgt_server *s, ncgt_conn *c) {
  if (!c->srv_pending)
    return;
  c->srv_pending = 0;
  s->npending--;
  if (!c->srv_src_len)
    return;
  uint64_t h = ncgt_map_hash(&s->src_map, c->srv_src, c->srv_src_len);
  srv_src *e = srv_find_src(s, c->srv_src, c->srv_src_len, h);
  if (e && --e->pending == 0) {
    (void)ncgt_map_remove(&s->src_map, h, e);
    free(e);
  }
}

void ncgt_server_note_state(ncgt_server *s, ncgt_conn *c, ncgt_state from,
                            ncgt_state to) {
  /* A REQUEST stage ends when Connect Wait / Confirm Wait is left for
   * AUTHORIZED or an end (counted once, not at Confirm Wait). */
  if (to != NCGT_ST_CONFIRM_WAIT &&
      (from == NCGT_ST_CONNECT_WAIT || from == NCGT_ST_CONFIRM_WAIT))
    ncgt_server_note_handshake(s, c, to);
  if (!srv_pending_state(to))
    srv_pending_done(s, c);
  if (to == NCGT_ST_AUTHORIZED && !c->srv_mapped) {
    c->srv_uhash = ncgt_map_hash_str(&s->live_map, c->user);
    /* No memory: the conn still works, find_user just misses it. */
    c->srv_mapped = ncgt_map_add(&s->live_map, c->srv_uhash, c) == 0;
  }
  if (to == NCGT_ST_AUTHORIZED)
    s->nlive++;
  if (from == NCGT_ST_AUTHORIZED)
    s->nlive--;
}

void ncgt_server_unlink(ncgt_server *s, ncgt_conn *c) {
  srv_pending_done(s, c);
  if (c->state == NCGT_ST_AUTHORIZED)
    s->nlive--;
  if (c->srv_mapped)
    (void)ncgt_map_remove(&s->live_map, c->srv_uhash, c);
  c->srv_mapped = 0;
  if (c->srv_prev)
    c->srv_prev->srv_next = c->srv_next;
  else if (s->conns == c)
    s->conns = c->srv_next;
  if (c->srv_next)
    c->srv_next->srv_prev = c->srv_prev;
  c->srv_prev = c->srv_next = NULL;
  c->srv = NULL;
}

/* Refuses (NCGT_ERR_FULL) a connection beyond max_pending, server-wide
 * or from its source address; else counts it. */
static int srv_admit(ncgt_server *s, ncgt_conn *c, const uint8_t *addr,
                     size_t len) {
  srv_src *e = NULL;
  uint64_t h = 0;
  if (s->max_pending && s->npending >= s->max_pending)
    return NCGT_ERR_FULL;
  if (len) {
    h = ncgt_map_hash(&s->src_map, addr, len);
    e = srv_find_src(s, addr, len, h);
    if (e && s->max_pending_per_addr &&
        e->pending >= s->max_pending_per_addr)
      return NCGT_ERR_FULL;
    if (!e) {
      e = calloc(1, sizeof(*e));
      if (!e)
        return NCGT_ERR_NOMEM;
      e->len = len;
      memcpy(e->addr, addr, len);
      if (ncgt_map_add(&s->src_map, h, e) < 0) {
        free(e);
        return NCGT_ERR_NOMEM;
      }
    }
    e->pending++;
    memcpy(c->srv_src, addr, len);
    c->srv_src_len = (uint8_t)len;
  }
  c->srv_pending = 1;
  s->npending++;
  return 0;
}

static void srv_note_refused(ncgt_server *s, ncgt_tstamp ts) {
  s->refused_pending++;
  /* One line per second at most, however hard the flood. */
  if (s->cb.log && ts >= s->refuse_log_at) {
    char msg[96];
    snprintf(msg, sizeof(msg),
             "server refused connections: max_pending (%llu so far)",
             (unsigned long long)s->refused_pending);
    s->cb.log(NCGT_LOG_WARN, msg, s->user_data);
    s->refuse_log_at = ts + NCGT_SECONDS;
  }
}

int ncgt_server_accept_from(ncgt_server *s, ncgt_conn **pc,
                            const ncgt_conn_callbacks *cb, void *user_data,
                            const uint8_t *addr, size_t addrlen,
                            ncgt_tstamp ts) {
  NCGT_ENSURE_COND(s && pc && addrlen <= NCGT_SRC_ADDR_MAX &&
                       (addr || !addrlen),
                   NCGT_ERR_INVALID_ARGUMENT);
  *pc = NULL;
  if ((s->max_pending && s->npending >= s->max_pending)) {
    srv_note_refused(s, ts);
    return NCGT_ERR_FULL;
  }
  ncgt_conn *c = NULL;
  NCGT_ENSURE(ncgt_conn_alloc(&c, &ncgt_resp_ops, s->max_frame, &s->timers,
                              cb, user_data));
  int rv = srv_admit(s, c, addr, addrlen);
  if (rv < 0) {
    if (rv == NCGT_ERR_FULL)
      srv_note_refused(s, ts);
    ncgt_conn_del(c);
    return rv;
  }
  c->srv = s;
  c->srv_next = s->conns;
  if (s->conns)
    s->conns->srv_prev = c;
  s->conns = c;
  c->transport = 1;
  /* Accept Wait 217 is the host's listen(); TCP connect 218 -> 219. */
  ncgt_conn_set_state(c, NCGT_ST_RECEIVE_RELAY, ts);
  *pc = c;
  return 0;
}

int ncgt_server_accept(ncgt_server *s, ncgt_conn **pc,
                       const ncgt_conn_callbacks *cb, void *user_data,
                       ncgt_tstamp ts) {
  return ncgt_server_accept_from(s, pc, cb, user_data, NULL, 0, ts);
}

ncgt_conn *ncgt_server_find_user(ncgt_server *s, const char *user) {
  if (!s || !user)
    return NULL;
  return srv_find_live(s, user);
}

int ncgt_server_close_user(ncgt_server *s, const char *user, uint16_t status,
                           ncgt_tstamp ts) {
  NCGT_ENSURE_COND(s && user, NCGT_ERR_INVALID_ARGUMENT);
  /* next first: the host may delete `c` inside its callbacks */
  for (ncgt_conn *c = s->conns, *next; c; c = next) {
    next = c->srv_next;
    if (!ncgt_conn_is_over(c) && strcmp(c->user, user) == 0)
      (void)ncgt_conn_close(c, status, ts);
  }
  return 0;
}

int ncgt_server_shutdown(ncgt_server *s, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(s != NULL, NCGT_ERR_INVALID_ARGUMENT);
  for (ncgt_conn *c = s->conns, *next; c; c = next) {
    next = c->srv_next;
    if (!ncgt_conn_is_over(c))
      (void)ncgt_conn_close(c, NCGT_CLOSE_SHUTTING_DOWN, ts);
  }
  return 0;
}

int ncgt_server_update(ncgt_server *s, const ncgt_server_settings *st) {
  ncgt_server_settings sc;
  NCGT_ENSURE_COND(s && st &&
                       NCGT_STRUCT_COPY(&sc, st, server_settings_sizes) == 0,
                   NCGT_ERR_INVALID_ARGUMENT);
  uint16_t tf = sc.transforms ? sc.transforms & NCGT_TRANSFORMS_ALL
                              : s->cfg.transforms;
  NCGT_ENSURE_COND(tf != 0, NCGT_ERR_INVALID_ARGUMENT);
  s->cfg.transforms = tf;
  s->cfg.max_sessions = sc.max_sessions;
  if (sc.retry_after)
    s->cfg.retry_after = sc.retry_after;
  s->timers = sc.timers;
  return 0;
}

size_t ncgt_server_session_count(const ncgt_server *s) {
  return s ? s->nlive : 0;
}

size_t ncgt_server_pending_count(const ncgt_server *s) {
  return s ? s->npending : 0;
}

uint64_t ncgt_server_refused_count(const ncgt_server *s) {
  return s ? s->refused_pending : 0;
}

void ncgt_server_note_handshake(ncgt_server *s, const ncgt_conn *c,
                                ncgt_state to) {
  if (to == NCGT_ST_AUTHORIZED) {
    s->stats.handshakes_ok++;
    return;
  }
  unsigned st = c->has_ci ? c->ci.status : NCGT_CLOSE_TRANSPORT;
  s->stats.handshakes_failed[st < NCGT_STATS_CLOSE_SLOTS
                                 ? st
                                 : NCGT_STATS_CLOSE_SLOTS - 1]++;
}

void ncgt_server_get_stats(const ncgt_server *s, ncgt_server_stats *st) {
  if (s && st)
    *st = s->stats;
}
