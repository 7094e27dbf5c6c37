/*
 * The tunnel server's side of one tunnel (patent Fig. 12): Accept Wait
 * 217 -> Receive Relay 219 -> Connect Wait 221 -> authorisation at step
 * 223 -> Authorized 225, or Close 228 (CLOSE 229) -> Dying 230 -> Dead
 * 232. Also the responder half of an in-band rekey, and key expiry when
 * the initiator does not rekey in time.
 */
#include <string.h>

#include "ncgt_conn_int.h"
#include "ncgt_cursor.h"

/* Server preference: its order (ncgt_server_set_transform_order), then
 * lowest bit first (AES-256-GCM, then ChaCha20). */
static unsigned resp_choose_transform(const ncgt_srv_cfg *cfg,
                                      uint16_t offered) {
  unsigned both = (unsigned)(cfg->transforms & offered);
  for (size_t i = 0; i < cfg->norder; i++)
    if (both & cfg->order[i])
      return cfg->order[i];
  for (unsigned b = 1; b <= both && b != 0; b <<= 1)
    if (both & b)
      return b;
  return 0;
}

/* Default lifetime: twice the server's rekey interval, so an initiator
 * rekeying on its own schedule is never cut off. */
static uint32_t resp_default_lifetime(const ncgt_conn *c) {
  return (uint32_t)((2 * c->t.rekey_after) / NCGT_SECONDS);
}

/* Refuses at step 223 with the host's (or our) status; wipes the answer,
 * which may hold the user's PSK. */
static int resp_refuse(ncgt_conn *c, ncgt_authz *az, uint16_t status, int err,
                       uint32_t retry_after, ncgt_tstamp ts) {
  char redirect[NCGT_CLOSE_INFO_MAX + 1];
  memcpy(redirect, az->redirect, sizeof(redirect));
  redirect[sizeof(redirect) - 1] = '\0';
  ncgt_wipe(az, sizeof(*az));
  return ncgt_conn_fail_ex(c, status, err, 1, retry_after,
                           status == NCGT_CLOSE_REDIRECT ? redirect : NULL, ts);
}

/* Step 223 for a first REQUEST: the host decides first, the session
 * limit second, so SERVER_FULL never tells a prober that holds no key
 * which users are online (they all get AUTH_FAILED). */
static int resp_authorize(ncgt_conn *c, const char *dest,
                          const ncgt_request_info *info, ncgt_tstamp ts) {
  const ncgt_srv_cfg *cfg = ncgt_server_cfg(c->srv);
  memcpy(c->user, info->user, sizeof(c->user));
  memcpy(c->client_pub, info->client_pub, NCGT_KEY_BYTES);
  ncgt_authz az;
  memset(&az, 0, sizeof(az));
  az.close_status = NCGT_CLOSE_AUTH_FAILED;
  int rv = ncgt_server_authorize(c->srv, c, dest, c->user, c->client_pub, &az);
  if (rv < 0)
    return resp_refuse(c, &az, NCGT_CLOSE_AUTH_FAILED, rv, 0, ts);
  if (!az.accept)
    return resp_refuse(c, &az, az.close_status, NCGT_ERR_AUTH, az.retry_after,
                       ts);
  /* Replays are checked for an accepted (user, key) only: a prober learns
   * nothing from timing, and two keys of one user do not interfere. */
  if (ncgt_server_check_replay(c->srv, c->user, c->client_pub,
                               info->tai64n) < 0)
    return resp_refuse(c, &az, NCGT_CLOSE_AUTH_FAILED, NCGT_ERR_REPLAY, 0, ts);
  if (cfg->max_sessions &&
      ncgt_server_busy(c->srv, c->user) >= cfg->max_sessions)
    return resp_refuse(c, &az, NCGT_CLOSE_SERVER_FULL, NCGT_ERR_FULL,
                       cfg->retry_after, ts);
  /* Authorised (user, key): its ss may be reused by its next handshake */
  ncgt_server_ss_remember(c->srv, c->id_key, c->client_pub, c->hs.ss_dh);
  c->has_psk = az.has_psk != 0;
  if (c->has_psk)
    memcpy(c->psk, az.psk, NCGT_KEY_BYTES);
  c->key_lifetime_s =
      az.key_lifetime ? az.key_lifetime : resp_default_lifetime(c);
  size_t cdl = az.client_data_len;
  if (cdl > sizeof(az.client_data) || cdl > NCGT_CLIENT_DATA_MAX ||
      cdl > c->rbuf_cap)
    cdl = 0;
  memcpy(c->rbuf, az.client_data, cdl); /* RESPONSE is built next */
  ncgt_wipe(&az, sizeof(az));
  return (int)cdl;
}

/* Builds and sends RESPONSE (Fig. 8, step 224) and installs the keys. */
static int resp_send_response(ncgt_conn *c, const ncgt_request_info *info,
                              size_t cdl, int rekey, ncgt_tstamp ts) {
  const ncgt_srv_cfg *cfg = ncgt_server_cfg(c->srv);
  unsigned tf = resp_choose_transform(cfg, info->transforms);
  if (!tf)
    return ncgt_conn_fail(c, NCGT_CLOSE_AUTH_FAILED, NCGT_ERR_NO_TRANSFORM, 1,
                          ts);
  uint8_t e[NCGT_KEY_BYTES];
  if (c->cb.rand(e, sizeof(e), c->user_data) != 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_SHUTTING_DOWN,
                          NCGT_ERR_CALLBACK_FAILURE, 1, ts);
  ncgt_response_params p;
  memset(&p, 0, sizeof(p));
  p.transform = (uint16_t)tf;
  /* Accept what was offered and allowed; a rekey keeps what was agreed */
  uint32_t feat = rekey ? c->features
                        : ncgt_feat_from_kx(info->flags) & cfg->features;
  p.flags = (uint16_t)((rekey ? NCGT_KX_FLAG_REKEY : 0) | ncgt_feat_to_kx(feat));
  p.key_lifetime = c->key_lifetime_s;
  p.client_data = cdl ? c->rbuf : NULL;
  p.client_data_len = cdl;
  p.psk = c->has_psk ? c->psk : NULL;
  p.e_priv = e;
  ssize_t n = ncgt_response_build(&c->hs, &p, c->sbuf, c->sbuf_cap);
  ncgt_wipe(e, sizeof(e));
  if (n < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_AUTH_FAILED, (int)n, 1, ts);
  /* The timestamp counts once the initiator proves the keys (first DATA
   * under them): an unproven REQUEST cannot lock the user out with a
   * timestamp from the future. */
  memcpy(c->pending_tai, info->tai64n, NCGT_TAI64N_LEN);
  c->has_pending_tai = 1;
  int rv = ncgt_conn_send_frame(c, (size_t)n, ts);
  if (rv < 0)
    return ncgt_conn_net_error(c, rv, ts);
  rv = ncgt_conn_install_keys(c, tf, c->key_lifetime_s, rekey, ts);
  if (rv < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, rv, 0, ts);
  c->features = feat;
  return 0;
}

/* REQUEST (Fig. 7): Connect Wait 221 -> 222 -> step 223, or a rekey
 * REQUEST (FLAG_REKEY) in Authorized from the same user and key. */
static int resp_on_request(ncgt_conn *c, const uint8_t *f, size_t len,
                           int rekey, ncgt_tstamp ts) {
  ncgt_frame_request req;
  int rv = ncgt_request_decode(&req, f, len);
  if (rv < 0)
    return ncgt_conn_fail(c, ncgt_conn_decode_status(rv), rv, 1, ts);
  if (((req.flags & NCGT_KX_FLAG_REKEY) != 0) != (rekey != 0))
    return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, NCGT_ERR_PROTO, 1, ts);
  if (!c->srv)
    return ncgt_conn_fail(c, NCGT_CLOSE_SHUTTING_DOWN, NCGT_ERR_CLOSED, 1, ts);
  /* The destination name (field 128) picks the server identity. Any
   * failure says AUTH_FAILED on the wire, never which part failed. */
  const ncgt_x25519_key *id =
      rekey ? c->id_key : ncgt_server_identity(c->srv, req.dest);
  if (!id)
    return ncgt_conn_fail(c, NCGT_CLOSE_AUTH_FAILED, NCGT_ERR_AUTH, 1, ts);
  ncgt_request_info info;
  ncgt_srv_ss_arg ssa = {.srv = c->srv, .id = id};
  ncgt_ss_cache cache = {.lookup = ncgt_server_ss_lookup, .arg = &ssa};
  rv = ncgt_request_open_key(&c->hs, &req, id, &cache, &info);
  if (rv < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_AUTH_FAILED, rv, 1, ts);
  if (rekey &&
      (strcmp(info.user, c->user) != 0 ||
       ncgt_memcmp_ct(info.client_pub, c->client_pub, NCGT_KEY_BYTES) != 0))
    return ncgt_conn_fail(c, NCGT_CLOSE_AUTH_FAILED, NCGT_ERR_AUTH, 1, ts);
  if (rekey && ncgt_server_check_replay(c->srv, c->user, c->client_pub,
                                        info.tai64n) < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_AUTH_FAILED, NCGT_ERR_REPLAY, 1, ts);
  size_t cdl = 0;
  if (!rekey) {
    c->id_key = id;
    rv = resp_authorize(c, req.dest, &info, ts);
    if (rv < 0 || ncgt_conn_is_over(c))
      return rv < 0 ? rv : NCGT_ERR_AUTH;
    cdl = (size_t)rv;
  }
  rv = resp_send_response(c, &info, cdl, rekey, ts);
  if (rv < 0)
    return rv;
  if (rekey) {
    c->stats.rekeys++;
    ncgt_conn_log(c, NCGT_LOG_INFO, "rekeyed transform=%s",
                  ncgt_transform_name(c->transform));
  } else {
    /* Full-size buffers now (the decoder is empty: REQUEST was a whole
     * frame and nothing after it has been fed yet). */
    rv = ncgt_conn_grow(c);
    if (rv < 0)
      return ncgt_conn_fail(c, NCGT_CLOSE_SHUTTING_DOWN, rv, 1, ts);
    /* 224 -> Confirm Wait: the older session of this user is replaced,
     * and the host told, once this one is confirmed (resp_on_proven in
     * ncgt_conn.c): someone holding the user's static key but not the
     * PSK cannot push the user out. */
    ncgt_conn_set_state(c, NCGT_ST_CONFIRM_WAIT, ts);
    c->last_recv = ts;
    ncgt_conn_log(c, NCGT_LOG_DEBUG, "authorized transform=%s",
                  ncgt_transform_name(c->transform));
    return 0;
  }
  if (c->cb.authorized)
    c->cb.authorized(c, NULL, 0, rekey, c->user_data);
  return 0;
}

/* Frames of Fig. 12 other than DATA and CLOSE (ncgt_conn.c). */
static int resp_on_frame(ncgt_conn *c, uint8_t type, const uint8_t *f,
                         size_t len, ncgt_tstamp ts) {
  switch (c->state) {
  case NCGT_ST_RECEIVE_RELAY:
    /* A direct connection may start with REQUEST: the RELAY frame of a
     * path with no relays says nothing the server needs (doc/protocol.md
     * "Direct connections"). */
    if (type == NCGT_FRAME_REQUEST) {
      ncgt_conn_set_state(c, NCGT_ST_CONNECT_WAIT, ts);
      return resp_on_request(c, f, len, 0, ts);
    }
    if (type == NCGT_FRAME_RELAY) { /* 220 */
      ncgt_frame_relay fr;
      int rv = ncgt_relay_decode(&fr, f, len);
      if (rv < 0)
        return ncgt_conn_fail(c, ncgt_conn_decode_status(rv), rv, 1, ts);
      rv = ncgt_conn_set_relay_names(c, &fr);
      if (rv < 0)
        return ncgt_conn_fail(c, NCGT_CLOSE_SHUTTING_DOWN, rv, 1, ts);
      ncgt_conn_set_state(c, NCGT_ST_CONNECT_WAIT, ts);
      return 0;
    }
    break;
  case NCGT_ST_CONNECT_WAIT:
    if (type == NCGT_FRAME_REQUEST)
      return resp_on_request(c, f, len, 0, ts);
    break;
  case NCGT_ST_AUTHORIZED:
    if (type == NCGT_FRAME_REQUEST)
      return resp_on_request(c, f, len, 1, ts);
    break;
  default:
    break;
  }
  return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, NCGT_ERR_PROTO, 1, ts);
}

/* Keys past their lifetime plus a grace of one handshake timeout, with no
 * rekey from the initiator: CLOSE KEY_EXPIRED. */
static ncgt_tstamp resp_expire_at(const ncgt_conn *c) {
  return c->keys_at + ncgt_conn_key_lifetime(c) + c->t.handshake_timeout;
}

static ncgt_tstamp resp_get_expiry(const ncgt_conn *c) {
  if (c->state != NCGT_ST_AUTHORIZED || !c->key_lifetime_s)
    return NCGT_TSTAMP_MAX;
  return resp_expire_at(c);
}

static int resp_expiry(ncgt_conn *c, ncgt_tstamp ts) {
  if (c->state == NCGT_ST_AUTHORIZED && c->key_lifetime_s &&
      ts >= resp_expire_at(c))
    return ncgt_conn_fail(c, NCGT_CLOSE_KEY_EXPIRED, NCGT_ERR_TIMEOUT, 1, ts);
  return 0;
}

/* A DATA frame opened under the newest keys proves the initiator
 * completed the handshake, PSK included. Only now does its timestamp
 * count against replays, and (Confirm Wait -> Authorized, Fig. 12 225)
 * does it replace the user's older session and count as authorised. */
static void resp_on_proven(ncgt_conn *c, ncgt_tstamp ts) {
  if (!c->srv || c->rx_next.aead) /* opened with the previous generation */
    return;
  if (c->has_pending_tai) {
    c->has_pending_tai = 0;
    if (ncgt_server_note_accepted(c->srv, c->user, c->client_pub,
                                  c->pending_tai) < 0)
      ncgt_conn_log(c, NCGT_LOG_WARN, "replay table full");
  }
  if (c->state == NCGT_ST_CONFIRM_WAIT) {
    ncgt_conn_set_state(c, NCGT_ST_AUTHORIZED, ts);
    c->last_recv = ts;
    ncgt_server_session_up(c->srv, c, ts);
    if (c->cb.authorized && !ncgt_conn_is_over(c))
      c->cb.authorized(c, NULL, 0, 0, c->user_data);
  }
}

const ncgt_role_ops ncgt_resp_ops = {
    .name = "server",
    .first_state = NCGT_ST_ACCEPT_WAIT,
    .preauth_buffers = 1,
    .on_frame = resp_on_frame,
    .on_proven = resp_on_proven,
    .get_expiry = resp_get_expiry,
    .expiry = resp_expiry,
};
