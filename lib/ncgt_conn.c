/*
 * One tunnel endpoint, both roles: the object, the one function that
 * changes state (and logs it), frame dispatch from the stream decoder,
 * DATA and CLOSE in the Authorized state (patent Figs. 9, 10, 11 203/216,
 * 12 225/233), keepalive, dead-peer detection and the key switch of an
 * in-band rekey. Role-specific steps live in ncgt_initiator.c (Fig. 11)
 * and ncgt_responder.c (Fig. 12).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncgt_conn_int.h"
#include "ncgt_cursor.h"
#include "ncgt_struct.h"

const char *ncgt_state_name(ncgt_state st) {
  static const char *const names[NCGT_ST_COUNT_] = {
      [NCGT_ST_IDLE] = "IDLE",
      [NCGT_ST_TCP_OPEN] = "TCP_OPEN",
      [NCGT_ST_SEND_RELAY] = "SEND_RELAY",
      [NCGT_ST_CONNECT] = "CONNECT",
      [NCGT_ST_RESPONSE_WAIT] = "RESPONSE_WAIT",
      [NCGT_ST_AUTHORIZED] = "AUTHORIZED",
      [NCGT_ST_RECONNECT] = "RECONNECT",
      [NCGT_ST_CLOSE] = "CLOSE",
      [NCGT_ST_DYING] = "DYING",
      [NCGT_ST_DEAD] = "DEAD",
      [NCGT_ST_ACCEPT_WAIT] = "ACCEPT_WAIT",
      [NCGT_ST_RECEIVE_RELAY] = "RECEIVE_RELAY",
      [NCGT_ST_CONNECT_WAIT] = "CONNECT_WAIT",
      [NCGT_ST_FORWARD_CONNECT] = "FORWARD_CONNECT",
      [NCGT_ST_FORWARD] = "FORWARD",
      [NCGT_ST_CONFIRM_WAIT] = "CONFIRM_WAIT",
  };
  if ((unsigned)st < NCGT_ST_COUNT_ && names[st])
    return names[st];
  return "UNKNOWN";
}

static ncgt_tstamp dflt(ncgt_tstamp v, ncgt_tstamp d) { return v ? v : d; }

static ncgt_tstamp tadd(ncgt_tstamp a, ncgt_tstamp b) {
  return a > NCGT_TSTAMP_MAX - b ? NCGT_TSTAMP_MAX : a + b;
}

static void fill_timers(ncgt_timers *o, const ncgt_timers *in) {
  ncgt_timers z;
  memset(&z, 0, sizeof(z));
  if (!in)
    in = &z;
  o->handshake_timeout =
      dflt(in->handshake_timeout, NCGT_DEF_HANDSHAKE_TIMEOUT);
  o->keepalive_interval = dflt(in->keepalive_interval, NCGT_DEF_KEEPALIVE);
  o->dead_peer_timeout = dflt(in->dead_peer_timeout, NCGT_DEF_DEAD_PEER);
  o->rekey_after = dflt(in->rekey_after, NCGT_DEF_REKEY_AFTER);
  o->rekey_after_frames =
      in->rekey_after_frames ? in->rekey_after_frames : NCGT_DEF_REKEY_FRAMES;
  o->reconnect_min = dflt(in->reconnect_min, NCGT_DEF_RECONNECT_MIN);
  o->reconnect_max = dflt(in->reconnect_max, NCGT_DEF_RECONNECT_MAX);
  if (o->reconnect_max < o->reconnect_min)
    o->reconnect_max = o->reconnect_min;
}

void ncgt_timers_default(ncgt_timers *t) { fill_timers(t, NULL); }

static const size_t conn_callbacks_sizes[] = {
    offsetof(ncgt_conn_callbacks, recv_dgram), /* V1 */
    sizeof(ncgt_conn_callbacks),               /* V2 */
};

int ncgt_conn_alloc(ncgt_conn **pc, const ncgt_role_ops *ops, size_t max_frame,
                    const ncgt_timers *t, const ncgt_conn_callbacks *cb,
                    void *user_data) {
  NCGT_ENSURE_COND(pc != NULL, NCGT_ERR_INVALID_ARGUMENT);
  *pc = NULL;
  NCGT_ENSURE_COND(cb && cb->version >= NCGT_CONN_CALLBACKS_V1 && cb->send &&
                       cb->close_transport && cb->rand &&
                       (cb->recv_datagram ||
                        (cb->version >= NCGT_CONN_CALLBACKS_V2 &&
                         cb->recv_dgram)),
                   NCGT_ERR_INVALID_ARGUMENT);
  if (max_frame == 0)
    max_frame = NCGT_FRAME_MAX_DEFAULT;
  NCGT_ENSURE_COND(max_frame <= NCGT_FRAME_MAX_LIMIT,
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_conn *c = calloc(1, sizeof(*c));
  NCGT_ENSURE_COND(c != NULL, NCGT_ERR_NOMEM);
  c->ops = ops;
  c->state = ops->first_state;
  (void)NCGT_STRUCT_COPY(&c->cb, cb, conn_callbacks_sizes);
  c->user_data = user_data;
  fill_timers(&c->t, t);
  c->max_frame = max_frame;
  /* A server conn is anyone's until authorised: small buffers first. */
  size_t cap = ops->preauth_buffers && max_frame > NCGT_PREAUTH_FRAME_MAX
                   ? NCGT_PREAUTH_FRAME_MAX
                   : max_frame;
  c->sbuf_cap = c->rbuf_cap = cap;
  c->sbuf = malloc(cap);
  c->rbuf = malloc(cap);
  int rv = ncgt_fdec_new(&c->dec, cap);
  if (!c->sbuf || !c->rbuf || rv < 0) {
    ncgt_conn_del(c);
    return rv < 0 ? rv : NCGT_ERR_NOMEM;
  }
  c->state_deadline = c->last_recv = c->last_send = NCGT_TSTAMP_MAX;
  c->reconnect_at = NCGT_TSTAMP_MAX;
  c->authorized_at = NCGT_TSTAMP_MAX;
  *pc = c;
  return 0;
}

void ncgt_conn_drop_keys(ncgt_conn *c) {
  ncgt_dirkey_clear(&c->tx);
  ncgt_dirkey_clear(&c->rx);
  ncgt_dirkey_clear(&c->rx_next);
  ncgt_hs_wipe(&c->hs);
  c->has_keys = 0;
  c->rekey_pending = 0;
  c->tx_phase = c->rx_phase = 0;
}

/* Callbacks of a conn the host deleted inside one of its callbacks: the
 * host's user_data may be gone, so nothing reaches it any more; the conn
 * winds down quietly until the library's call returns and frees it. */
static int quiet_send(ncgt_conn *c, const uint8_t *d, size_t n, void *ud) {
  (void)c, (void)d, (void)n, (void)ud;
  return -1;
}
static int quiet_open(ncgt_conn *c, const char *hop, void *ud) {
  (void)c, (void)hop, (void)ud;
  return -1;
}
static void quiet_close(ncgt_conn *c, void *ud) { (void)c, (void)ud; }
static int quiet_dg(ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                    size_t len, void *ud) {
  (void)c, (void)proto, (void)dg, (void)len, (void)ud;
  return -1;
}
static int quiet_rand(uint8_t *b, size_t n, void *ud) {
  (void)b, (void)n, (void)ud;
  return -1;
}
static uint64_t quiet_wall(void *ud) {
  (void)ud;
  return 0;
}

static void conn_free(ncgt_conn *c) {
  ncgt_conn_drop_keys(c);
  if (c->ini) {
    ncgt_wipe(c->ini, sizeof(*c->ini));
    free(c->ini);
  }
  ncgt_wipe(c->psk, sizeof(c->psk));
  ncgt_fdec_del(c->dec);
  free(c->sbuf);
  free(c->rbuf);
  free(c->relay_names);
  free(c);
}

void ncgt_conn_del(ncgt_conn *c) {
  if (!c)
    return;
  if (c->srv) /* at once: the server never sees it again */
    ncgt_server_unlink(c->srv, c);
  if (c->busy == 0) {
    conn_free(c);
    return;
  }
  /* Inside one of its callbacks (conn.h): freed when the call returns. */
  c->del_pending = 1;
  if (c->ini)
    c->ini->no_reconnect = 1;
  memset(&c->cb, 0, sizeof(c->cb));
  c->cb.send = quiet_send;
  c->cb.open_transport = quiet_open;
  c->cb.close_transport = quiet_close;
  c->cb.recv_datagram = quiet_dg;
  c->cb.rand = quiet_rand;
  c->cb.wallclock = quiet_wall;
  c->user_data = NULL;
}

void ncgt_conn_enter(ncgt_conn *c) { c->busy++; }

int ncgt_conn_leave(ncgt_conn *c, int rv) {
  if (--c->busy == 0 && c->del_pending)
    conn_free(c);
  return rv;
}

int ncgt_conn_reset_decoder(ncgt_conn *c) {
  ncgt_fdec *d = NULL;
  NCGT_ENSURE(ncgt_fdec_new(&d, c->max_frame));
  ncgt_fdec_del(c->dec);
  c->dec = d;
  return 0;
}

int ncgt_conn_grow(ncgt_conn *c) {
  if (c->sbuf_cap == c->max_frame)
    return 0;
  NCGT_ENSURE_COND(ncgt_fdec_pending(c->dec) == 0, NCGT_ERR_INTERNAL);
  uint8_t *sb = realloc(c->sbuf, c->max_frame);
  if (sb)
    c->sbuf = sb;
  uint8_t *rb = sb ? realloc(c->rbuf, c->max_frame) : NULL;
  if (rb)
    c->rbuf = rb;
  NCGT_ENSURE_COND(sb && rb, NCGT_ERR_NOMEM);
  NCGT_ENSURE(ncgt_conn_reset_decoder(c));
  c->sbuf_cap = c->rbuf_cap = c->max_frame;
  return 0;
}

void ncgt_conn_log(const ncgt_conn *c, ncgt_log_level lvl, const char *fmt,
                   ...) {
  if (!c->cb.log)
    return;
  char msg[384], user[NCGT_NAME_MAX + 1];
  /* The user name may be a claim from an unauthenticated REQUEST. */
  ncgt_log_name(user, sizeof(user), c->user[0] ? c->user : "-");
  int n = snprintf(msg, sizeof(msg), "%s user=%s ",
                   c->ops->name,
                   user);
  if (n < 0 || (size_t)n >= sizeof(msg))
    n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
  va_end(ap);
  c->cb.log(lvl, msg, c->user_data);
}

/* States that wait for the peer or the host; each has a timeout so a peer
 * that opens TCP and says nothing is dropped (HANDSHAKE_TIMEOUT). */
static int waiting_state(ncgt_state s) {
  switch (s) {
  case NCGT_ST_TCP_OPEN:
  case NCGT_ST_SEND_RELAY:
  case NCGT_ST_CONNECT:
  case NCGT_ST_RESPONSE_WAIT:
  case NCGT_ST_RECEIVE_RELAY:
  case NCGT_ST_CONNECT_WAIT:
  case NCGT_ST_CONFIRM_WAIT:
    return 1;
  default:
    return 0;
  }
}

void ncgt_conn_set_state(ncgt_conn *c, ncgt_state to, ncgt_tstamp ts) {
  ncgt_state from = c->state;
  if (from == to)
    return;
  c->state = to;
  /* Connected since the handshake completed: for a server conn that is
   * entering Confirm Wait, kept when the confirmation makes it
   * AUTHORIZED. */
  if (to == NCGT_ST_CONFIRM_WAIT ||
      (to == NCGT_ST_AUTHORIZED && from != NCGT_ST_CONFIRM_WAIT))
    c->authorized_at = ts;
  if (c->ops == &ncgt_resp_ops && c->srv)
    ncgt_server_note_state(c->srv, c, from, to);
  c->state_deadline =
      waiting_state(to) ? tadd(ts, c->t.handshake_timeout) : NCGT_TSTAMP_MAX;
  ncgt_conn_log(c, NCGT_LOG_DEBUG, "state %s -> %s", ncgt_state_name(from),
                ncgt_state_name(to));
  if (c->cb.state_changed)
    c->cb.state_changed(c, from, to, c->user_data);
}

int ncgt_conn_is_over(const ncgt_conn *c) {
  return c->state == NCGT_ST_DYING || c->state == NCGT_ST_DEAD;
}

int ncgt_conn_send_frame(ncgt_conn *c, size_t len, ncgt_tstamp ts) {
  return ncgt_conn_send_bytes(c, c->sbuf, len, ts);
}

int ncgt_conn_send_bytes(ncgt_conn *c, const uint8_t *frame, size_t len,
                         ncgt_tstamp ts) {
  if (c->cb.send(c, frame, len, c->user_data) != 0)
    return NCGT_ERR_CALLBACK_FAILURE;
  c->stats.frames_sent++;
  c->stats.bytes_sent += len;
  c->last_send = ts;
  return 0;
}

void ncgt_conn_send_close(ncgt_conn *c, uint16_t status, uint32_t retry_after,
                          const char *info, ncgt_tstamp ts) {
  size_t infolen = info ? strnlen(info, NCGT_CLOSE_INFO_MAX) : 0;
  ssize_t n;
  if (c->has_keys) {
    /* Fig. 10 CLOSE, authenticated once keys exist (no forged endings) */
    uint8_t fl =
        NCGT_CLOSE_FLAG_AUTH | (c->tx_phase ? NCGT_CLOSE_FLAG_KEY_PHASE : 0);
    n = ncgt_close_seal(&c->tx, fl, status, retry_after, (const uint8_t *)info,
                        infolen, c->sbuf, c->sbuf_cap);
  } else {
    ncgt_frame_close fc;
    memset(&fc, 0, sizeof(fc));
    fc.status = status;
    fc.retry_after = retry_after;
    fc.info = (const uint8_t *)info;
    fc.infolen = infolen;
    n = ncgt_close_encode(c->sbuf, c->sbuf_cap, &fc);
  }
  /* Best effort: the tunnel ends whether or not the host takes it. */
  if (n > 0 && ncgt_conn_send_frame(c, (size_t)n, ts) < 0)
    ncgt_conn_log(c, NCGT_LOG_DEBUG, "CLOSE not sent");
}

void ncgt_conn_die(ncgt_conn *c, ncgt_tstamp ts) {
  if (ncgt_conn_is_over(c))
    return;
  if (!c->has_ci) { /* Network Error (Fig. 11 215, Fig. 12 234) */
    ncgt_conn_net_error(c, NCGT_ERR_CLOSED, ts);
    return;
  }
  ncgt_conn_set_state(c, NCGT_ST_DYING, ts);
  c->last_ci = c->ci;
  c->has_last_ci = 1;
  if (c->cb.closed)
    c->cb.closed(c, &c->ci, c->user_data);
  /* Dying (208, 230): disconnect the transport, then Dead (210, 232). */
  if (c->transport) {
    c->transport = 0;
    c->cb.close_transport(c, c->user_data);
  }
  ncgt_conn_drop_keys(c);
  ncgt_conn_set_state(c, NCGT_ST_DEAD, ts);
  if (c->ops->after_dead)
    c->ops->after_dead(c, ts);
}

int ncgt_conn_net_error(ncgt_conn *c, int err, ncgt_tstamp ts) {
  if (ncgt_conn_is_over(c))
    return err;
  memset(&c->ci, 0, sizeof(c->ci));
  c->ci.status = NCGT_CLOSE_TRANSPORT;
  c->ci.error = err;
  c->has_ci = 1;
  ncgt_conn_log(c, NCGT_LOG_DEBUG, "closed status=%s remote=0%s%s",
                ncgt_close_status_name(c->ci.status), err ? " error=" : "",
                err ? ncgt_strerror(err) : "");
  ncgt_conn_die(c, ts);
  return err;
}

int ncgt_conn_fail_ex(ncgt_conn *c, uint16_t status, int err, int send_close,
                      uint32_t retry_after, const char *info, ncgt_tstamp ts) {
  if (ncgt_conn_is_over(c))
    return err;
  memset(&c->ci, 0, sizeof(c->ci));
  c->ci.status = status;
  c->ci.retry_after = retry_after;
  c->ci.error = err;
  if (info)
    snprintf(c->ci.info, sizeof(c->ci.info), "%s", info);
  c->has_ci = 1;
  /* Debug: the host logs each close once (no duplicate lines); no
   * "error=success" when nothing went wrong. */
  ncgt_conn_log(c, NCGT_LOG_DEBUG, "closed status=%s remote=0%s%s",
                ncgt_close_status_name(status), err ? " error=" : "",
                err ? ncgt_strerror(err) : "");
  /* Close (206, 228): send CLOSE when there is a transport to send on. */
  if (send_close && c->transport && c->state != NCGT_ST_TCP_OPEN) {
    ncgt_conn_set_state(c, NCGT_ST_CLOSE, ts);
    c->ci.authenticated = c->has_keys;
    ncgt_conn_send_close(c, status, retry_after, info, ts);
  }
  ncgt_conn_die(c, ts);
  return err;
}

int ncgt_conn_fail(ncgt_conn *c, uint16_t status, int err, int send_close,
                   ncgt_tstamp ts) {
  return ncgt_conn_fail_ex(c, status, err, send_close, 0, NULL, ts);
}

ncgt_tstamp ncgt_conn_key_lifetime(const ncgt_conn *c) {
  return (ncgt_tstamp)c->key_lifetime_s * NCGT_SECONDS;
}

/* The peer's first frame under the new key generation: the old receive
 * key is never used again (frames arrive in order). */
static void conn_promote_rx(ncgt_conn *c) {
  ncgt_dirkey_clear(&c->rx);
  c->rx = c->rx_next;
  memset(&c->rx_next, 0, sizeof(c->rx_next));
  c->rx_phase ^= 1;
}

/* New keys from the finished handshake in c->hs (Noise Split). First
 * handshake: both directions at phase 0. Rekey: this side seals with the
 * new key at once (the peer has, or will have before our next frame, the
 * same keys: RESPONSE precedes it in the stream); the new receive key
 * waits in rx_next for the peer's first frame with the flipped phase. */
int ncgt_conn_install_keys(ncgt_conn *c, unsigned transform,
                           uint32_t lifetime_s, int rekey, ncgt_tstamp ts) {
  uint8_t sk[NCGT_KEY_BYTES], rk[NCGT_KEY_BYTES];
  int rv = ncgt_hs_split(&c->hs, sk, rk);
  if (rv < 0)
    goto out;
  if (rekey && c->rx_next.aead) /* the peer finished the previous rekey: */
    conn_promote_rx(c);          /* it only seals with that key now */
  ncgt_dirkey_clear(&c->tx);
  rv = ncgt_dirkey_set(&c->tx, transform, sk);
  if (rv < 0)
    goto out;
  if (rekey) {
    c->tx_phase ^= 1;
    rv = ncgt_dirkey_set(&c->rx_next, transform, rk);
  } else {
    ncgt_dirkey_clear(&c->rx);
    rv = ncgt_dirkey_set(&c->rx, transform, rk);
    c->tx_phase = c->rx_phase = 0;
  }
  if (rv < 0)
    goto out;
  c->has_keys = 1;
  c->transform = transform;
  c->key_lifetime_s = lifetime_s;
  c->keys_at = ts;
out:
  ncgt_wipe(sk, sizeof(sk));
  ncgt_wipe(rk, sizeof(rk));
  ncgt_hs_wipe(&c->hs);
  return rv;
}

/* After a DATA frame went out (or failed to). */
static int conn_data_sent(ncgt_conn *c, ssize_t n, const uint8_t *frame,
                          ncgt_tstamp ts) {
  if (n == NCGT_ERR_KEY_EXHAUSTED)
    return ncgt_conn_fail(c, NCGT_CLOSE_KEY_EXPIRED, (int)n, 1, ts);
  if (n < 0)
    return (int)n;
  int rv = ncgt_conn_send_bytes(c, frame, (size_t)n, ts);
  if (rv < 0)
    return ncgt_conn_net_error(c, rv, ts);
  if (c->ops->after_frames)
    c->ops->after_frames(c, ts);
  return 0;
}

/* Seals one DATA frame into sbuf and sends it; keepalive when proto is
 * NONE and there is no datagram. */
static int conn_seal_send(ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                          size_t len, ncgt_tstamp ts) {
  uint8_t fl = c->tx_phase ? NCGT_DATA_FLAG_KEY_PHASE : 0;
  ssize_t n =
      ncgt_data_seal(&c->tx, fl, proto, dg, len, 0, c->sbuf, c->sbuf_cap);
  return conn_data_sent(c, n, c->sbuf, ts);
}

int ncgt_conn_send_keepalive(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_ENSURE(conn_seal_send(c, NCGT_DATA_PROTO_NONE, NULL, 0, ts));
  c->stats.keepalives_sent++;
  return 0;
}

static int conn_send_datagram(ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                              size_t len, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(c && (dg || !len), NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(c->state == NCGT_ST_AUTHORIZED, NCGT_ERR_INVALID_STATE);
  NCGT_ENSURE_COND(
      proto != NCGT_DATA_PROTO_NONE && len > 0 && len <= NCGT_DATAGRAM_MAX &&
          len <= c->sbuf_cap - NCGT_DATA_HDR_LEN - NCGT_DIGEST_LEN,
      NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(ncgt_feat_check_dg(c, proto, dg, len));
  NCGT_ENSURE(conn_seal_send(c, proto, dg, len, ts));
  c->stats.datagrams_sent++;
  return 0;
}

/* Zero-copy send (conn.h): the frame is built around d->dg in the
 * caller's buffer. */
static int conn_send_dgram(ncgt_conn *c, const ncgt_datagram *d,
                           ncgt_tstamp ts) {
  NCGT_ENSURE_COND(c && d && d->dg, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(c->state == NCGT_ST_AUTHORIZED, NCGT_ERR_INVALID_STATE);
  NCGT_ENSURE_COND(d->proto != NCGT_DATA_PROTO_NONE && d->dglen > 0 &&
                       d->dglen <= NCGT_DATAGRAM_MAX &&
                       d->dglen <= c->sbuf_cap - NCGT_DATAGRAM_TX_HEADROOM,
                   NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(d->headroom >= NCGT_DATAGRAM_TX_HEADROOM, NCGT_ERR_NOBUF);
  if (d->proto == NCGT_DATA_PROTO_GSO && d->gso)
    NCGT_ENSURE_COND(c->features & NCGT_FEATURE_GSO, NCGT_ERR_NOT_NEGOTIATED);
  else
    NCGT_ENSURE(ncgt_feat_check_dg(c, d->proto, d->dg, d->dglen));
  uint8_t *frame = d->dg - NCGT_DATAGRAM_TX_HEADROOM;
  uint8_t fl = c->tx_phase ? NCGT_DATA_FLAG_KEY_PHASE : 0;
  ssize_t n = ncgt_data_seal(&c->tx, fl, d->proto, d->dg, d->dglen, 0, frame,
                             NCGT_DATAGRAM_TX_HEADROOM + d->dglen);
  NCGT_ENSURE(conn_data_sent(c, n, frame, ts));
  c->stats.datagrams_sent++;
  return 0;
}

/* Picks the receive key named by a frame's key phase bit, or NULL. */
static ncgt_dirkey *conn_rx_key(ncgt_conn *c, unsigned phase) {
  if (phase == c->rx_phase)
    return &c->rx;
  if (c->rx_next.aead) {
    conn_promote_rx(c);
    return &c->rx;
  }
  return NULL;
}

/* Hands an opened datagram to the host. The GSO descriptor is decoded
 * here once (GSO only when negotiated, and well-formed: doc/protocol.md)
 * and passed on decoded to recv_dgram. */
static int conn_deliver(ncgt_conn *c, uint8_t proto, uint8_t *dg, size_t len,
                        int inplace, ncgt_tstamp ts) {
  ncgt_gso g;
  size_t off;
  int rv = ncgt_feat_decode_dg(c, proto, dg, len, &g, &off);
  if (rv < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, rv, 1, ts);
  c->stats.datagrams_recv++;
  int fail;
  if (c->cb.recv_dgram) {
    ncgt_datagram d = {
        .proto = proto,
        .dg = dg,
        .dglen = len,
        .headroom = inplace ? NCGT_DATAGRAM_RX_HEADROOM : 0,
        .gso = proto == NCGT_DATA_PROTO_GSO ? &g : NULL,
        .pkt = dg + off,
        .pktlen = len - off,
    };
    fail = c->cb.recv_dgram(c, &d, c->user_data);
  } else {
    fail = c->cb.recv_datagram(c, proto, dg, len, c->user_data);
  }
  /* The host could not take it: end the tunnel rather than lose the
   * datagram silently and go on (conn.h, recv_datagram). */
  if (fail)
    return ncgt_conn_fail(c, NCGT_CLOSE_SHUTTING_DOWN,
                          NCGT_ERR_CALLBACK_FAILURE, 1, ts);
  return 0;
}
/* DATA in Authorized (Fig. 9): a bad digest is an integrity failure that
 * closes the tunnel (Fig. 11 205, Fig. 12 integrity failure). */
static int conn_on_data(ncgt_conn *c, const uint8_t *f, size_t len,
                        ncgt_tstamp ts) {
  ncgt_frame_data fd;
  int rv = ncgt_data_decode(&fd, f, len);
  if (rv < 0)
    return ncgt_conn_fail(c, ncgt_conn_decode_status(rv), rv, 1, ts);
  ncgt_dirkey *k = conn_rx_key(c, fd.flags & NCGT_DATA_FLAG_KEY_PHASE);
  if (!k)
    return ncgt_conn_fail(c, NCGT_CLOSE_INTEGRITY, NCGT_ERR_DECRYPT, 1, ts);
  /* In place when the bytes may be changed (ncgt_conn_recv_inplace, or
   * the decoder's own buffer): the plaintext replaces the ciphertext. */
  int inplace = c->rx_inplace || ncgt_fdec_owns(c->dec, f);
  uint8_t *pt = inplace ? (uint8_t *)(uintptr_t)fd.body : c->rbuf;
  rv = ncgt_data_open(k, f, &fd, pt, inplace ? fd.dglen + (size_t)fd.padlen
                                             : c->rbuf_cap);
  if (rv == NCGT_ERR_KEY_EXHAUSTED)
    return ncgt_conn_fail(c, NCGT_CLOSE_KEY_EXPIRED, rv, 1, ts);
  if (rv < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_INTEGRITY, rv, 1, ts);
  if (c->ops->on_proven)
    c->ops->on_proven(c, ts);
  if (ncgt_conn_is_over(c)) /* the host ended it in `authorized` */
    return 0;
  if (fd.proto == NCGT_DATA_PROTO_NONE) {
    if (fd.dglen != 0)
      return ncgt_conn_fail(c, NCGT_CLOSE_PROTOCOL, NCGT_ERR_BAD_VALUE, 1, ts);
    c->stats.keepalives_recv++;
  } else {
    rv = conn_deliver(c, fd.proto, pt, fd.dglen, inplace, ts);
    if (rv < 0)
      return rv;
  }
  if (c->ops->after_frames)
    c->ops->after_frames(c, ts);
  return 0;
}

/* Checks a CLOSE's digest. Before keys exist a CLOSE cannot be
 * authenticated (AUTH_FAILED, SERVER_FULL...) and is taken as it is. A
 * responder whose keys the initiator has not yet confirmed also takes an
 * unauthenticated one: the initiator may have failed RESPONSE (wrong PSK)
 * and has no keys to sign with. Returns 1 authenticated, 0 not, <0 bad. */
static int conn_close_auth(ncgt_conn *c, const uint8_t *f,
                           const ncgt_frame_close *fc) {
  if (!c->has_keys)
    return 0;
  if (!(fc->flags & NCGT_CLOSE_FLAG_AUTH)) {
    if (c->state == NCGT_ST_CONFIRM_WAIT)
      return 0;
    return NCGT_ERR_DECRYPT;
  }
  ncgt_dirkey *k =
      conn_rx_key(c, (fc->flags & NCGT_CLOSE_FLAG_KEY_PHASE) ? 1 : 0);
  if (!k)
    return NCGT_ERR_DECRYPT;
  NCGT_ENSURE(ncgt_close_open(k, f, fc));
  return 1;
}

/* CLOSE received (Fig. 11 216, Fig. 12 233): Dying. */
static int conn_on_close(ncgt_conn *c, const uint8_t *f, size_t len,
                         ncgt_tstamp ts) {
  ncgt_frame_close fc;
  int rv = ncgt_close_decode(&fc, f, len);
  if (rv < 0)
    return ncgt_conn_fail(c, ncgt_conn_decode_status(rv), rv, 1, ts);
  int auth = conn_close_auth(c, f, &fc);
  if (auth < 0)
    return ncgt_conn_fail(c, NCGT_CLOSE_INTEGRITY, auth, 1, ts);
  memset(&c->ci, 0, sizeof(c->ci));
  c->ci.status = fc.status;
  c->ci.remote = 1;
  c->ci.authenticated = auth;
  c->ci.retry_after = fc.retry_after;
  if (fc.infolen)
    memcpy(c->ci.info, fc.info, fc.infolen); /* decoder bounds it */
  c->has_ci = 1;
  ncgt_conn_log(c, NCGT_LOG_DEBUG, "closed status=%s remote=1 auth=%d",
                ncgt_close_status_name(fc.status), auth);
  ncgt_conn_die(c, ts);
  return 0;
}

/* One whole frame from the decoder. CLOSE is handled the same way in
 * every state, DATA the same way in both roles once keys are in use; the
 * rest (RELAY, REQUEST, RESPONSE) depends on the role's figure. */
static int conn_on_frame(ncgt_conn *c, const uint8_t *f, size_t len,
                         ncgt_tstamp ts) {
  uint8_t type = ncgt_frame_type_of(f, len);
  c->stats.frames_recv++;
  c->last_recv = ts;
  if (type == NCGT_FRAME_CLOSE)
    return conn_on_close(c, f, len, ts);
  if (type == NCGT_FRAME_DATA && (c->state == NCGT_ST_AUTHORIZED ||
                                  c->state == NCGT_ST_CONFIRM_WAIT))
    return conn_on_data(c, f, len, ts);
  return c->ops->on_frame(c, type, f, len, ts);
}

/* Both receive entry points; `inplace`: data may be changed. */
static int conn_recv(ncgt_conn *c, const uint8_t *data, size_t len,
                     int inplace, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(c && (data || !len), NCGT_ERR_INVALID_ARGUMENT);
  c->rx_inplace = inplace;
  if (ncgt_conn_is_over(c) || !c->transport)
    return NCGT_ERR_CLOSED;
  NCGT_ENSURE_COND(c->state != NCGT_ST_IDLE && c->state != NCGT_ST_TCP_OPEN,
                   NCGT_ERR_INVALID_STATE);
  c->stats.bytes_recv += len;
  unsigned gen = c->tgen; /* a Reconnect inside the loop ends this stream */
  while (len > 0 && !ncgt_conn_is_over(c) && c->tgen == gen) {
    const uint8_t *f = NULL;
    size_t flen = 0;
    ssize_t n = ncgt_fdec_feed(c->dec, data, len, &f, &flen);
    if (n < 0)
      return ncgt_conn_fail(c, ncgt_conn_decode_status((int)n), (int)n, 1, ts);
    data += n;
    len -= (size_t)n;
    if (f) {
      int rv = conn_on_frame(c, f, flen, ts);
      if (rv < 0)
        return rv;
    } else if (n == 0) {
      break;
    }
  }
  return 0;
}

static int conn_transport_error(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(c != NULL, NCGT_ERR_INVALID_ARGUMENT);
  if (ncgt_conn_is_over(c) || !c->transport)
    return 0;
  ncgt_conn_die(c, ts);
  return 0;
}

static int conn_close(ncgt_conn *c, uint16_t status, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(c != NULL, NCGT_ERR_INVALID_ARGUMENT);
  if (c->ini) /* the user's End Session: do not come back by itself */
    c->ini->no_reconnect = 1;
  if (c->state == NCGT_ST_DEAD) {
    c->reconnect_at = NCGT_TSTAMP_MAX;
    return 0;
  }
  if (c->state == NCGT_ST_IDLE || ncgt_conn_is_over(c))
    return NCGT_ERR_INVALID_STATE;
  /* TRANSPORT is local only (ncgtun.h): end without telling the peer. */
  ncgt_conn_fail(c, status, 0, status != NCGT_CLOSE_TRANSPORT, ts);
  return 0;
}

ncgt_tstamp ncgt_conn_get_expiry(const ncgt_conn *c) {
  if (!c)
    return NCGT_TSTAMP_MAX;
  ncgt_tstamp e = c->state_deadline;
  if (c->state == NCGT_ST_AUTHORIZED) {
    ncgt_tstamp k = tadd(c->last_send, c->t.keepalive_interval);
    ncgt_tstamp d = tadd(c->last_recv, c->t.dead_peer_timeout);
    e = k < e ? k : e;
    e = d < e ? d : e;
  }
  ncgt_tstamp r = c->ops->get_expiry(c);
  return r < e ? r : e;
}

static int conn_handle_expiry(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(c != NULL, NCGT_ERR_INVALID_ARGUMENT);
  if (waiting_state(c->state) && ts >= c->state_deadline)
    return ncgt_conn_fail(c, NCGT_CLOSE_HANDSHAKE_TIMEOUT, NCGT_ERR_TIMEOUT, 1,
                          ts);
  if (c->state == NCGT_ST_AUTHORIZED &&
      ts >= tadd(c->last_recv, c->t.dead_peer_timeout))
    return ncgt_conn_fail(c, NCGT_CLOSE_IDLE_TIMEOUT, NCGT_ERR_TIMEOUT, 1, ts);
  int rv = c->ops->expiry(c, ts);
  if (rv < 0)
    return rv;
  if (c->state == NCGT_ST_AUTHORIZED &&
      ts >= tadd(c->last_send, c->t.keepalive_interval))
    return ncgt_conn_send_keepalive(c, ts);
  return 0;
}

ncgt_state ncgt_conn_state(const ncgt_conn *c) {
  return c ? c->state : NCGT_ST_DEAD;
}

const char *ncgt_conn_user(const ncgt_conn *c) { return c ? c->user : ""; }

unsigned ncgt_conn_transform(const ncgt_conn *c) {
  return c && c->state == NCGT_ST_AUTHORIZED ? c->transform : 0;
}

uint32_t ncgt_conn_features(const ncgt_conn *c) {
  return c && c->state == NCGT_ST_AUTHORIZED ? c->features : 0;
}

void ncgt_conn_get_stats_sized(const ncgt_conn *c, ncgt_conn_stats *st,
                               size_t size) {
  if (c && st)
    memcpy(st, &c->stats, size < sizeof(c->stats) ? size : sizeof(c->stats));
}

/* The first ncgt_conn_stats, before the size was passed. */
void(ncgt_conn_get_stats)(const ncgt_conn *c, ncgt_conn_stats *st) {
  ncgt_conn_get_stats_sized(c, st, offsetof(ncgt_conn_stats, reconnects) +
                                       sizeof(st->reconnects));
}

const ncgt_close_info *ncgt_conn_close_info(const ncgt_conn *c) {
  if (!c || !c->has_ci || !ncgt_conn_is_over(c))
    return NULL;
  return &c->ci;
}

ncgt_tstamp ncgt_conn_authorized_at(const ncgt_conn *c) {
  return c && c->state == NCGT_ST_AUTHORIZED ? c->authorized_at
                                             : NCGT_TSTAMP_MAX;
}

ncgt_tstamp ncgt_conn_keys_at(const ncgt_conn *c) {
  return c && c->state == NCGT_ST_AUTHORIZED ? c->keys_at : NCGT_TSTAMP_MAX;
}

const ncgt_close_info *ncgt_conn_last_close(const ncgt_conn *c) {
  return c && c->has_last_ci ? &c->last_ci : NULL;
}

/* Initiator: from its settings; responder: from the RELAY frame it got
 * (relay_names holds the origin, then each path name). */
const char *ncgt_conn_origin(const ncgt_conn *c) {
  if (!c)
    return "";
  if (c->ini)
    return c->ini->origin;
  return c->relay_names ? c->relay_names : "";
}

const char *ncgt_conn_path_hop(const ncgt_conn *c, size_t i) {
  if (!c)
    return NULL;
  if (c->ini)
    return i < c->ini->npath ? c->ini->path[i] : NULL;
  if (!c->relay_names || i >= c->relay_npath)
    return NULL;
  const char *p = c->relay_names;
  for (size_t k = 0; k <= i; k++)
    p += strlen(p) + 1;
  return p;
}

int ncgt_conn_set_relay_names(ncgt_conn *c, const ncgt_frame_relay *fr) {
  size_t total = strlen(fr->origin) + 1;
  for (size_t i = 0; i < fr->npath; i++)
    total += strlen(fr->path[i]) + 1;
  char *buf = malloc(total);
  NCGT_ENSURE_COND(buf != NULL, NCGT_ERR_NOMEM);
  size_t off = 0;
  for (size_t i = 0; i <= fr->npath; i++) {
    const char *name = i == 0 ? fr->origin : fr->path[i - 1];
    size_t l = strlen(name) + 1;
    memcpy(buf + off, name, l);
    off += l;
  }
  free(c->relay_names);
  c->relay_names = buf;
  c->relay_npath = fr->npath;
  return 0;
}

void *ncgt_conn_get_user_data(const ncgt_conn *c) {
  return c ? c->user_data : NULL;
}

/* Public entry points that can run callbacks: the conn stays allocated
 * until they return even if the host deletes it inside a callback. */
#define NCGT_CONN_GUARDED(c, call)                                             \
  do {                                                                         \
    NCGT_ENSURE_COND((c) != NULL, NCGT_ERR_INVALID_ARGUMENT);                  \
    ncgt_conn_enter(c);                                                        \
    return ncgt_conn_leave((c), (call));                                       \
  } while (0)

int ncgt_conn_send_datagram(ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                            size_t len, ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, conn_send_datagram(c, proto, dg, len, ts));
}

int ncgt_conn_recv(ncgt_conn *c, const uint8_t *data, size_t len,
                   ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, conn_recv(c, data, len, 0, ts));
}

int ncgt_conn_recv_inplace(ncgt_conn *c, uint8_t *data, size_t len,
                           ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, conn_recv(c, data, len, 1, ts));
}

int ncgt_conn_send_dgram(ncgt_conn *c, const ncgt_datagram *d,
                         ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, conn_send_dgram(c, d, ts));
}

int ncgt_conn_transport_error(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, conn_transport_error(c, ts));
}

int ncgt_conn_close(ncgt_conn *c, uint16_t status, ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, conn_close(c, status, ts));
}

int ncgt_conn_handle_expiry(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, conn_handle_expiry(c, ts));
}

int ncgt_conn_start(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, ncgt_ini_start(c, ts));
}

int ncgt_conn_transport_connected(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, ncgt_ini_transport_connected(c, ts));
}

int ncgt_conn_network_changed(ncgt_conn *c, ncgt_tstamp ts) {
  NCGT_CONN_GUARDED(c, ncgt_ini_network_changed(c, ts));
}
