/*
 * The tunnel initiator (patent Fig. 11): Idle 194 -> TCP Open 195 -> Send
 * Relay 197 -> Connect 199 -> Response Wait 201 -> Authorized 203; key
 * expiry 211 -> in-band rekey, or Reconnect 212 (CLOSE 213, disconnect
 * 214, TCP Open) when the rekey fails; Dead 210 -> Idle after a delay
 * with exponential backoff and jitter.
 */
#include <stdlib.h>
#include <string.h>

#include "ncgt_conn_int.h"
#include "ncgt_cursor.h"
#include "ncgt_struct.h"

enum { NCGT_REDIRECTS_AT_ONCE = 3 };
/* Longest wait an authenticated SERVER_FULL can impose. */
#define NCGT_RETRY_AFTER_CAP (3600 * NCGT_SECONDS)

static int name_ok(const char *s) {
  if (!s)
    return 0;
  size_t n = strnlen(s, NCGT_NAME_MAX + 1);
  return n >= 1 && n <= NCGT_NAME_MAX;
}

static int ini_copy(ncgt_ini *ini, const ncgt_client_settings *s) {
  NCGT_ENSURE_COND(name_ok(s->origin) && name_ok(s->user) && s->path &&
                       s->npath >= 1 && s->npath <= NCGT_PATH_MAX,
                   NCGT_ERR_INVALID_ARGUMENT);
  memcpy(ini->origin, s->origin, strlen(s->origin) + 1);
  for (size_t i = 0; i < s->npath; i++) {
    NCGT_ENSURE_COND(name_ok(s->path[i]), NCGT_ERR_INVALID_ARGUMENT);
    memcpy(ini->path[i], s->path[i], strlen(s->path[i]) + 1);
  }
  ini->npath = s->npath;
  const char *dest = s->dest ? s->dest : s->path[s->npath - 1];
  NCGT_ENSURE_COND(name_ok(dest), NCGT_ERR_INVALID_ARGUMENT);
  memcpy(ini->dest, dest, strlen(dest) + 1);
  memcpy(ini->priv, s->private_key, NCGT_KEY_BYTES);
  memcpy(ini->server_pub, s->server_public_key, NCGT_KEY_BYTES);
  ini->has_psk = s->has_psk != 0;
  if (ini->has_psk)
    memcpy(ini->psk, s->psk, NCGT_KEY_BYTES);
  ini->transforms =
      s->transforms ? s->transforms & NCGT_TRANSFORMS_ALL : NCGT_TRANSFORMS_ALL;
  NCGT_ENSURE_COND(ini->transforms != 0, NCGT_ERR_INVALID_ARGUMENT);
  ini->auto_reconnect = s->auto_reconnect != 0;
  ini->offer = s->features & NCGT_FEATURE_GSO; /* zero before V2 */
  ini->direct = s->direct_request && s->npath == 1;
  return 0;
}

void ncgt_client_settings_default(ncgt_client_settings *s) {
  if (!s)
    return;
  memset(s, 0, sizeof(*s));
  s->version = NCGT_CLIENT_SETTINGS_VERSION;
  s->transforms = NCGT_TRANSFORMS_ALL;
  s->max_frame = NCGT_FRAME_MAX_DEFAULT;
  ncgt_timers_default(&s->timers);
}

static const size_t client_settings_sizes[] = {
    offsetof(ncgt_client_settings, features),       /* V1 */
    offsetof(ncgt_client_settings, direct_request), /* V2 */
    sizeof(ncgt_client_settings),                   /* V3 */
};

int ncgt_conn_client_new(ncgt_conn **pc, const ncgt_client_settings *in,
                         const ncgt_conn_callbacks *cb, void *user_data) {
  ncgt_client_settings sc, *s = &sc;
  NCGT_ENSURE_COND(pc && in && cb && cb->version >= NCGT_CONN_CALLBACKS_V1 &&
                       cb->open_transport && cb->wallclock,
                   NCGT_ERR_INVALID_ARGUMENT);
  *pc = NULL;
  NCGT_ENSURE_COND(NCGT_STRUCT_COPY(&sc, in, client_settings_sizes) == 0,
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_conn *c = NULL;
  int rv = ncgt_conn_alloc(&c, &ncgt_ini_ops, s->max_frame, &s->timers,
                           cb, user_data);
  if (rv == 0) {
    c->ini = calloc(1, sizeof(*c->ini));
    rv = c->ini ? ini_copy(c->ini, s) : NCGT_ERR_NOMEM;
  }
  if (rv == 0) {
    memcpy(c->user, s->user, strlen(s->user) + 1);
    *pc = c;
  } else {
    ncgt_conn_del(c);
  }
  ncgt_wipe(&sc, sizeof(sc)); /* the keys */
  return rv;
}

/* Idle 194 -> TCP Open 195: ask the host for a transport to the first
 * node of the path (or to the target of the last REDIRECT). */
static int ini_open(ncgt_conn *c, ncgt_tstamp ts) {
  ncgt_ini *ini = c->ini;
  char next[NCGT_CLOSE_INFO_MAX + 1];
  const char *hop = ini->redirect[0] ? ini->redirect : ini->path[0];
  memcpy(next, hop, strlen(hop) + 1);
  ini->redirect[0] = '\0';
  c->has_ci = 0;
  memset(&c->ci, 0, sizeof(c->ci));
  ncgt_conn_drop_keys(c);
  int rv = ncgt_conn_reset_decoder(c);
  if (rv < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_TRANSPORT, rv, 0, ts);
  ncgt_conn_set_state(c, NCGT_ST_TCP_OPEN, ts);
  c->transport = 1;
  c->tgen++;
  /* A transport that cannot be opened is a transport failure like any
   * later one (conn.h, open_transport): Dead, closed() with TRANSPORT,
   * a reconnect when configured. The attempt was made: not an error of
   * the call that asked for it. */
  if (c->cb.open_transport(c, next, c->user_data) != 0) {
    c->transport = 0; /* nothing was opened: nothing to close */
    (void)ncgt_conn_net_error(c, NCGT_ERR_CALLBACK_FAILURE, ts);
  }
  return 0;
}

int ncgt_ini_start(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(c != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(c->ini != NULL, NCGT_ERR_INVALID_STATE);
  if (c->state == NCGT_ST_DEAD) {
    c->reconnect_at = NCGT_TSTAMP_MAX;
    ncgt_conn_set_state(c, NCGT_ST_IDLE, ts);
  }
  NCGT_ENSURE_COND(c->state == NCGT_ST_IDLE, NCGT_ERR_INVALID_STATE);
  c->ini->no_reconnect = 0;
  return ini_open(c, ts);
}

/* Dead 210 with an automatic reconnect pending, and the host's network
 * just changed (an address, route or link appeared): the failures that
 * grew the backoff happened on a network that is gone, so start again
 * from reconnect_min and try now. A SERVER_FULL retry_after still holds:
 * the server's answer does not depend on our network. */
int ncgt_ini_network_changed(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(c->ops == &ncgt_ini_ops, NCGT_ERR_INVALID_STATE);
  if (c->state != NCGT_ST_DEAD || c->reconnect_at == NCGT_TSTAMP_MAX ||
      c->ini->retry_after != 0)
    return 0;
  c->ini->attempts = 0;
  c->reconnect_at = NCGT_TSTAMP_MAX;
  ncgt_conn_set_state(c, NCGT_ST_IDLE, ts); /* Dead 210 -> Idle 194 */
  c->stats.reconnects++;
  int rv = ini_open(c, ts);
  return rv < 0 ? rv : 1;
}

/* Builds and sends REQUEST (Fig. 7; Fig. 5 step 90), first or rekey. */
static int ini_send_request(ncgt_conn *c, int rekey, ncgt_tstamp ts) {
  ncgt_ini *ini = c->ini;
  uint8_t e[NCGT_KEY_BYTES];
  if (c->cb.rand(e, sizeof(e), c->user_data) != 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_SHUTTING_DOWN,
                          NCGT_ERR_CALLBACK_FAILURE, 1, ts);
  /* TAI64N must rise strictly or the server refuses it as a replay. */
  uint64_t now = c->cb.wallclock(c->user_data);
  if (now <= ini->last_unix_ns)
    now = ini->last_unix_ns + 1;
  ini->last_unix_ns = now;
  ncgt_request_params p;
  memset(&p, 0, sizeof(p));
  p.s_priv = ini->priv;
  p.server_pub = ini->server_pub;
  p.user = c->user;
  p.dest = ini->dest;
  p.transforms = ini->transforms;
  /* A rekey repeats what was agreed; a first REQUEST offers. */
  p.flags = (uint16_t)((rekey ? NCGT_KX_FLAG_REKEY : 0) |
                       ncgt_feat_to_kx(rekey ? c->features : ini->offer));
  ncgt_tai64n(p.tai64n, now);
  p.e_priv = e;
  ssize_t n = ncgt_request_build(&c->hs, &p, c->sbuf, c->sbuf_cap);
  ncgt_wipe(e, sizeof(e));
  if (n < 0)
    return (int)n;
  return ncgt_conn_send_frame(c, (size_t)n, ts);
}

/* TCP Open -> Send Relay (RELAY 198) -> Connect (REQUEST 200) -> Response
 * Wait. A failed send is the Network Error 215. */
int ncgt_ini_transport_connected(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(c != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(c->ini != NULL &&
                       c->state == NCGT_ST_TCP_OPEN,
                   NCGT_ERR_INVALID_STATE);
  ncgt_ini *ini = c->ini;
  int rv;
  if (ini->direct) /* doc/protocol.md "Direct connections" */
    goto request;
  ncgt_conn_set_state(c, NCGT_ST_SEND_RELAY, ts);
  ncgt_frame_relay fr;
  memset(&fr, 0, sizeof(fr));
  fr.origin = ini->origin;
  fr.npath = ini->npath;
  for (size_t i = 0; i < ini->npath; i++)
    fr.path[i] = ini->path[i];
  ssize_t n = ncgt_relay_encode(c->sbuf, c->sbuf_cap, &fr);
  if (n < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, (int)n, 0, ts);
  rv = ncgt_conn_send_frame(c, (size_t)n, ts);
  if (rv < 0)
    return ncgt_conn_net_error(c, rv, ts);
request:
  ncgt_conn_set_state(c, NCGT_ST_CONNECT, ts);
  rv = ini_send_request(c, 0, ts);
  if (rv == NCGT_ERR_CALLBACK_FAILURE)
    return ncgt_conn_net_error(c, rv, ts);
  if (rv < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, rv, 0, ts);
  ncgt_conn_set_state(c, NCGT_ST_RESPONSE_WAIT, ts);
  return 0;
}

/* Key expiry 211 with no working rekey: Reconnect 212 sends CLOSE
 * KEY_EXPIRED (213), disconnects (214) and goes back to TCP Open 195. */
static int ini_reconnect(ncgt_conn *c, ncgt_tstamp ts) {
  ncgt_conn_set_state(c, NCGT_ST_RECONNECT, ts);
  ncgt_conn_log(c, NCGT_LOG_INFO, "reconnect status=%s",
                ncgt_close_status_name(NCGT_CLOSE_KEY_EXPIRED));
  ncgt_conn_send_close(c, NCGT_CLOSE_KEY_EXPIRED, 0, NULL, ts);
  if (c->transport) {
    c->transport = 0;
    c->cb.close_transport(c, c->user_data);
  }
  c->stats.reconnects++;
  return ini_open(c, ts);
}

static int ini_start_rekey(ncgt_conn *c, ncgt_tstamp ts) {
  int rv = ini_send_request(c, 1, ts);
  if (rv == NCGT_ERR_CALLBACK_FAILURE)
    return ncgt_conn_net_error(c, rv, ts);
  if (rv < 0)
    return ini_reconnect(c, ts);
  ncgt_conn_log(c, NCGT_LOG_DEBUG, "rekey started");
  c->rekey_pending = 1;
  c->ini->rekey_sent = ts;
  return 0;
}

/* RESPONSE (Fig. 8; Fig. 5 step 92): the first one authorises the
 * tunnel (202 -> 203), a later one with FLAG_REKEY completes a rekey. */
static int ini_on_response(ncgt_conn *c, const uint8_t *f, size_t len,
                           int rekey, ncgt_tstamp ts) {
  ncgt_ini *ini = c->ini;
  ncgt_frame_response r;
  int rv = ncgt_response_decode(&r, f, len);
  if (rv < 0)
    return ncgt_conn_fail(c, ncgt_conn_decode_status(rv), rv, 1, ts);
  if (((r.flags & NCGT_KX_FLAG_REKEY) != 0) != (rekey != 0))
    return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, NCGT_ERR_PROTO, 1, ts);
  /* Features: a subset of the offer; a rekey changes none. */
  uint32_t feat = ncgt_feat_from_kx(r.flags);
  if ((feat & ~(rekey ? c->features : ini->offer)) ||
      (rekey && feat != c->features))
    return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, NCGT_ERR_NOT_NEGOTIATED, 1,
                          ts);
  ncgt_response_info info;
  rv = ncgt_response_open(&c->hs, &r, ini->has_psk ? ini->psk : NULL,
                          ini->transforms, &info);
  if (rv < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_AUTH_FAILED, rv, 1, ts);
  rv = ncgt_conn_install_keys(c, info.transform, info.key_lifetime, rekey, ts);
  if (rv < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_AUTH_FAILED, rv, 1, ts);
  if (rekey) {
    c->rekey_pending = 0;
    c->stats.rekeys++;
    ncgt_conn_log(c, NCGT_LOG_INFO, "rekeyed transform=%s",
                  ncgt_transform_name(c->transform));
  } else {
    c->features = feat;
    ncgt_conn_set_state(c, NCGT_ST_AUTHORIZED, ts);
    ini->attempts = 0;
    ini->retry_after = 0;
    c->last_recv = ts;
    ncgt_conn_log(c, NCGT_LOG_DEBUG, "authorized transform=%s",
                  ncgt_transform_name(c->transform));
  }
  if (c->cb.authorized)
    c->cb.authorized(c, info.client_data, info.client_data_len, rekey,
                     c->user_data);
  ncgt_wipe(&info, sizeof(info));
  /* An immediate keepalive confirms the new keys to the responder. */
  if (c->state == NCGT_ST_AUTHORIZED)
    return ncgt_conn_send_keepalive(c, ts);
  return 0;
}

/* Frames of Fig. 11 other than DATA and CLOSE (ncgt_conn.c). */
static int ini_on_frame(ncgt_conn *c, uint8_t type, const uint8_t *f,
                        size_t len, ncgt_tstamp ts) {
  if (c->state == NCGT_ST_RESPONSE_WAIT && type == NCGT_FRAME_RESPONSE)
    return ini_on_response(c, f, len, 0, ts);
  if (c->state == NCGT_ST_AUTHORIZED && type == NCGT_FRAME_RESPONSE &&
      c->rekey_pending)
    return ini_on_response(c, f, len, 1, ts);
  /* RELAY, REQUEST, or anything before its time (Fig. 11 has no edge) */
  return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, NCGT_ERR_PROTO, 1, ts);
}

/* When to rekey: the configured interval, but no later than three
 * quarters of the lifetime the server granted. */
static ncgt_tstamp ini_rekey_at(const ncgt_conn *c) {
  ncgt_tstamp life = ncgt_conn_key_lifetime(c);
  ncgt_tstamp after = c->t.rekey_after;
  if (life && life - life / 4 < after)
    after = life - life / 4;
  return c->keys_at + after;
}

static ncgt_tstamp ini_expire_at(const ncgt_conn *c) {
  ncgt_tstamp life = ncgt_conn_key_lifetime(c);
  return life ? c->keys_at + life : NCGT_TSTAMP_MAX;
}

static ncgt_tstamp ini_get_expiry(const ncgt_conn *c) {
  if (c->state == NCGT_ST_DEAD)
    return c->reconnect_at;
  if (c->state != NCGT_ST_AUTHORIZED)
    return NCGT_TSTAMP_MAX;
  ncgt_tstamp x = ini_expire_at(c);
  ncgt_tstamp r = c->rekey_pending ? c->ini->rekey_sent + c->t.handshake_timeout
                                   : ini_rekey_at(c);
  return r < x ? r : x;
}

static int ini_expiry(ncgt_conn *c, ncgt_tstamp ts) {
  if (c->state == NCGT_ST_DEAD && ts >= c->reconnect_at) {
    /* Dead 210 -> Idle 194 -> TCP Open 195 */
    c->reconnect_at = NCGT_TSTAMP_MAX;
    ncgt_conn_set_state(c, NCGT_ST_IDLE, ts);
    c->stats.reconnects++;
    return ini_open(c, ts);
  }
  if (c->state != NCGT_ST_AUTHORIZED)
    return 0;
  if (c->rekey_pending && ts >= c->ini->rekey_sent + c->t.handshake_timeout)
    return ini_reconnect(c, ts);
  if (ts >= ini_expire_at(c))
    return ini_reconnect(c, ts);
  if (!c->rekey_pending && ts >= ini_rekey_at(c))
    return ini_start_rekey(c, ts);
  return 0;
}

/* Frame counters: rekey before a key has sealed or opened too much. */
static void ini_after_frames(ncgt_conn *c, ncgt_tstamp ts) {
  if (c->state != NCGT_ST_AUTHORIZED || c->rekey_pending)
    return;
  uint64_t lim = c->t.rekey_after_frames;
  if (c->tx.counter >= lim || c->rx.counter >= lim)
    (void)ini_start_rekey(c, ts);
}

/* Exponential backoff with "equal jitter" (half fixed, half random, so
 * clients spread out), at least the server's retry_after. */
static ncgt_tstamp ini_backoff(ncgt_conn *c) {
  ncgt_ini *ini = c->ini;
  unsigned sh = ini->attempts < 30 ? ini->attempts : 30;
  ncgt_tstamp d = c->t.reconnect_min;
  for (unsigned i = 0; i < sh && d < c->t.reconnect_max; i++)
    d *= 2;
  if (d > c->t.reconnect_max)
    d = c->t.reconnect_max;
  uint8_t rb[4];
  if (d >= 2 && c->cb.rand(rb, sizeof(rb), c->user_data) == 0) {
    ncgt_tstamp half = d / 2;
    d = half + (ncgt_tstamp)ncgt_get_u32(rb) % (d - half + 1);
  }
  ncgt_tstamp ra = (ncgt_tstamp)ini->retry_after * NCGT_SECONDS;
  if (d < ra)
    d = ra;
  ini->attempts++;
  return d;
}

/* Dead 210: whether and when to go back to Idle (Fig. 11: "at a point in
 * time predetermined by system security configuration parameters"). */
static void ini_after_dead(ncgt_conn *c, ncgt_tstamp ts) {
  ncgt_ini *ini = c->ini;
  const ncgt_close_info *ci = &c->ci;
  c->reconnect_at = NCGT_TSTAMP_MAX;
  /* Before keys exist a CLOSE is anyone's word (any relay's too): it
   * may redirect a few times and delay, but not silence the client. */
  int redirect =
      ci->remote && ci->status == NCGT_CLOSE_REDIRECT && ci->info[0];
  if (redirect)
    memcpy(ini->redirect, ci->info, sizeof(ini->redirect));
  if (ci->remote && ci->status == NCGT_CLOSE_SERVER_FULL) {
    ncgt_tstamp cap = ci->authenticated ? NCGT_RETRY_AFTER_CAP
                                        : c->t.reconnect_max;
    ini->retry_after = (ncgt_tstamp)ci->retry_after * NCGT_SECONDS < cap
                           ? ci->retry_after
                           : (uint32_t)(cap / NCGT_SECONDS);
  }
  if (!ini->auto_reconnect || ini->no_reconnect)
    return;
  /* The user or operator ended it, or the user connected elsewhere:
   * coming back by itself would fight that decision, if it is proven. */
  if (ci->remote && ci->authenticated &&
      (ci->status == NCGT_CLOSE_END_SESSION ||
       ci->status == NCGT_CLOSE_REPLACED))
    return;
  /* Follow a redirect at once, but not forever: servers redirecting to
   * each other (or a forger) get the normal backoff after a few. */
  if (redirect && ini->attempts < NCGT_REDIRECTS_AT_ONCE) {
    ini->attempts++;
    c->reconnect_at = ts;
    return;
  }
  /* Past the cap, back to the configured first hop: the target came in
   * an unauthenticated frame (review H-2). */
  ini->redirect[0] = '\0';
  c->reconnect_at = ts + ini_backoff(c);
}

const ncgt_role_ops ncgt_ini_ops = {
    .name = "initiator",
    .first_state = NCGT_ST_IDLE,
    .on_frame = ini_on_frame,
    .after_frames = ini_after_frames,
    .after_dead = ini_after_dead,
    .get_expiry = ini_get_expiry,
    .expiry = ini_expiry,
};
