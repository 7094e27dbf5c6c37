/*
 * The tunnel server (patent Fig. 12 run once per accepted connection):
 * server identities chosen by the REQUEST's destination name (Fig. 7
 * field 128; several make virtual servers), the session table (one live
 * tunnel per user name: users are authorised by name and key, never by
 * address, so a second tunnel means the user moved), and the per-user
 * anti-replay timestamps of the handshake.
 */
#include <stdlib.h>
#include <string.h>

#include "ncgt_conn_int.h"
#include "ncgt_cursor.h"
#include "ncgt_struct.h"

typedef struct srv_ident {
  struct srv_ident *next;
  char name[NCGT_NAME_MAX + 1];
  uint8_t priv[NCGT_KEY_BYTES];
} srv_ident;

/* Greatest proven TAI64N of one (user, static key), as WireGuard keeps
 * one per peer. Entries exist only for keys the host authorised and
 * that completed a handshake, so the table is bounded by the user
 * database. */
typedef struct srv_seen {
  struct srv_seen *next;
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
};

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
    offsetof(ncgt_server_settings, features), /* V1 */
    sizeof(ncgt_server_settings),             /* V2 */
};
static const size_t server_callbacks_sizes[] = {
    sizeof(ncgt_server_callbacks), /* V1 */
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
    ncgt_wipe(s->ids, sizeof(*s->ids));
    free(s->ids);
    s->ids = n;
  }
  while (s->seen) {
    srv_seen *n = s->seen->next;
    free(s->seen);
    s->seen = n;
  }
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
  memcpy(id->priv, priv, NCGT_KEY_BYTES);
  id->next = s->ids;
  s->ids = id;
  return 0;
}

const uint8_t *ncgt_server_identity(const ncgt_server *s, const char *dest) {
  const srv_ident *wild = NULL;
  for (const srv_ident *id = s->ids; id; id = id->next) {
    if (strcmp(id->name, dest) == 0)
      return id->priv;
    if (strcmp(id->name, "*") == 0)
      wild = id;
  }
  return wild ? wild->priv : NULL;
}

const ncgt_srv_cfg *ncgt_server_cfg(const ncgt_server *s) { return &s->cfg; }

static srv_seen *srv_find_seen(const ncgt_server *s, const char *user,
                               const uint8_t pub[NCGT_KEY_BYTES]) {
  for (srv_seen *e = s->seen; e; e = e->next)
    if (strcmp(e->user, user) == 0 && memcmp(e->pub, pub, NCGT_KEY_BYTES) == 0)
      return e;
  return NULL;
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

size_t ncgt_server_busy(const ncgt_server *s, const char *user) {
  size_t n = 0;
  for (const ncgt_conn *c = s->conns; c; c = c->srv_next)
    if (srv_live(c) && strcmp(c->user, user) != 0)
      n++;
  return n;
}

void ncgt_server_session_up(ncgt_server *s, ncgt_conn *c, ncgt_tstamp ts) {
  ncgt_conn *o = s->conns;
  while (o) {
    ncgt_conn *next = o->srv_next;
    if (o != c && srv_live(o) && strcmp(o->user, c->user) == 0) {
      srv_log(s, "replaced", o->user, NCGT_CLOSE_REPLACED);
      (void)ncgt_conn_close(o, NCGT_CLOSE_REPLACED, ts);
    }
    o = next;
  }
}

void ncgt_server_unlink(ncgt_server *s, ncgt_conn *c) {
  if (c->srv_prev)
    c->srv_prev->srv_next = c->srv_next;
  else if (s->conns == c)
    s->conns = c->srv_next;
  if (c->srv_next)
    c->srv_next->srv_prev = c->srv_prev;
  c->srv_prev = c->srv_next = NULL;
  c->srv = NULL;
}

int ncgt_server_accept(ncgt_server *s, ncgt_conn **pc,
                       const ncgt_conn_callbacks *cb, void *user_data,
                       ncgt_tstamp ts) {
  NCGT_ENSURE_COND(s && pc, NCGT_ERR_INVALID_ARGUMENT);
  ncgt_conn *c = NULL;
  NCGT_ENSURE(ncgt_conn_alloc(&c, &ncgt_resp_ops, s->max_frame, &s->timers,
                              cb, user_data));
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

ncgt_conn *ncgt_server_find_user(ncgt_server *s, const char *user) {
  if (!s || !user)
    return NULL;
  for (ncgt_conn *c = s->conns; c; c = c->srv_next)
    if (srv_live(c) && strcmp(c->user, user) == 0)
      return c;
  return NULL;
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

size_t ncgt_server_session_count(const ncgt_server *s) {
  size_t n = 0;
  if (s)
    for (const ncgt_conn *c = s->conns; c; c = c->srv_next)
      n += srv_live(c) != 0;
  return n;
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
