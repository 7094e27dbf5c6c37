/* A hosted tunnel endpoint: conn + stream + timer (tunnel.h). */
#include "tunnel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "sys.h"

/* Largest DATA frame overhead: header, digest, maximum padding. */
enum { TUNNEL_DATA_OVERHEAD = NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN + 255 };

static void tunnel_on_timer(void *obj, ncgt_tstamp now) {
  ncg_tunnel *t = obj;
  ncgt_conn_handle_expiry(t->conn, now);
  ncg_tunnel_after(t);
}

void ncg_tunnel_init(ncg_tunnel *t, ncg_loop *l, size_t qlimit,
                     void (*after)(ncg_tunnel *t)) {
  memset(t, 0, sizeof(*t));
  t->loop = l;
  t->qlimit = qlimit;
  t->after = after;
  t->s.fd = -1;
  ncg_timer_init(&t->timer, tunnel_on_timer, t);
}

void ncg_tunnel_after(ncg_tunnel *t) {
  if (t->conn)
    ncg_timer_set(t->loop, &t->timer, ncgt_conn_get_expiry(t->conn));
  if (t->after)
    t->after(t);
}

void ncg_tunnel_set_ctx(ncg_tunnel *t) {
  const char *user = t->conn ? ncgt_conn_user(t->conn) : "";
  char esc[NCG_LOG_ESC_MAX];
  snprintf(t->ctx, sizeof(t->ctx), "user=%s peer=%s",
           *user ? ncg_log_esc(user, esc, sizeof(esc)) : "-",
           t->s.peer_str[0] ? t->s.peer_str : "-");
}

static void tunnel_connected(ncg_stream *s, void *obj) {
  ncg_tunnel *t = obj;
  (void)s;
  ncg_debug("%s event=tcp-connected", t->ctx);
  int rc = ncgt_conn_transport_connected(t->conn, ncg_now());
  if (rc != 0)
    ncg_debug("%s event=start-failed error=\"%s\"", t->ctx,
              ncgt_strerror(rc));
  ncg_tunnel_after(t);
}

static void tunnel_data(ncg_stream *s, uint8_t *d, size_t n, void *obj) {
  ncg_tunnel *t = obj;
  (void)s;
  /* Frames are opened where they were read; datagrams go to the TAP with
   * their Ethernet header in the room the frame header leaves. */
  ncgt_conn_recv_inplace(t->conn, d, n, ncg_now());
  ncg_tunnel_after(t);
}

static void tunnel_error(ncg_stream *s, int err, void *obj) {
  ncg_tunnel *t = obj;
  /* A refused or unreachable connect (the client reconnecting to a
   * server that is down) is worth a warning; a peer closing is not. */
  ncg_log(err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
                  err == ETIMEDOUT
              ? NCGT_LOG_WARN
              : NCGT_LOG_INFO,
          "%s event=transport-error error=\"%s\"", t->ctx,
          err ? strerror(err) : "connection closed by peer");
  ncg_stream_close(s);
  ncgt_conn_transport_error(t->conn, ncg_now());
  ncg_tunnel_after(t);
}

static const ncg_stream_ops tunnel_ops = { tunnel_connected, tunnel_data,
                                           tunnel_error, NULL };

int ncg_tunnel_connect(ncg_tunnel *t, const ncg_addr *to) {
  ncg_stream_close(&t->s);
  if (ncg_stream_connect(&t->s, t->loop, to, t->qlimit, &tunnel_ops, t) != 0)
    return -1;
  ncg_tunnel_set_ctx(t);
  return 0;
}

/* The DNS answer for open_transport, from the loop. */
static void tunnel_resolved(void *obj, int rc, const ncg_addr *to,
                            const char *why) {
  ncg_tunnel *t = obj;
  t->dns = NULL;
  if (rc == 0 && ncg_tunnel_connect(t, to) == 0) {
    ncg_info("%s event=connecting hop=%s", t->ctx, t->hop);
    return;
  }
  ncg_warn("%s hop=%s event=connect-failed error=\"%s\"", t->ctx, t->hop,
           rc != 0 ? why : strerror(errno));
  ncgt_conn_transport_error(t->conn, ncg_now());
  ncg_tunnel_after(t);
}

int ncg_tunnel_open(ncg_tunnel *t, const ncg_hosts *h, const char *hop,
                    const char **why) {
  ncg_addr to;
  ncg_resolve_cancel(&t->dns);
  snprintf(t->hop, sizeof(t->hop), "%s", hop);
  int rc = ncg_hosts_lookup(h, t->loop, hop, &to, tunnel_resolved, t, &t->dns,
                            why);
  if (rc < 0)
    return -1;
  if (rc == 1) {
    ncg_info("%s event=resolving hop=%s", t->ctx, hop);
    return 0;
  }
  if (ncg_tunnel_connect(t, &to) != 0)
    return -1;
  ncg_info("%s event=connecting hop=%s", t->ctx, hop);
  return 0;
}

int ncg_tunnel_adopt(ncg_tunnel *t, int fd, const ncg_addr *peer) {
  if (ncg_stream_adopt(&t->s, t->loop, fd, peer, t->qlimit, &tunnel_ops, t) !=
      0)
    return -1;
  ncg_tunnel_set_ctx(t);
  return 0;
}

void ncg_tunnel_fini(ncg_tunnel *t) {
  ncg_timer_stop(t->loop, &t->timer);
  ncg_resolve_cancel(&t->dns);
  ncg_stream_close(&t->s);
}

/* Counts drops and says so at powers of two, so a flood does not flood
 * the log too. */
static void tunnel_drop(ncg_tunnel *t, uint64_t *counter, const char *why) {
  uint64_t n = ++*counter;
  if ((n & (n - 1)) == 0)
    ncg_debug("%s event=drop reason=%s count=%llu", t->ctx, why,
              (unsigned long long)n);
}

/* Tunnel up and room in the queue? Else counts the drop. */
static int tunnel_may_send(ncg_tunnel *t, size_t len) {
  if (!t->conn || ncgt_conn_state(t->conn) != NCGT_ST_AUTHORIZED) {
    tunnel_drop(t, &t->dropped_down, "tunnel-down");
    return 0;
  }
  if (!ncg_stream_room(&t->s, len + TUNNEL_DATA_OVERHEAD)) {
    tunnel_drop(t, &t->dropped_backpressure, "queue-full");
    return 0;
  }
  return 1;
}

int ncg_tunnel_send_dgram(ncg_tunnel *t, const ncgt_datagram *d) {
  if (!tunnel_may_send(t, d->dglen))
    return 1;
  int rc = ncgt_conn_send_dgram(t->conn, d, ncg_now());
  if (rc == NCGT_ERR_NOBUF) /* no room around it (a fragment): copy */
    rc = ncgt_conn_send_datagram(t->conn, d->proto, d->dg, d->dglen,
                                 ncg_now());
  if (rc != 0)
    ncg_debug("%s event=send-failed error=\"%s\"", t->ctx, ncgt_strerror(rc));
  ncg_tunnel_after(t);
  return rc != 0;
}

int ncg_tunnel_send_datagram(ncg_tunnel *t, uint8_t proto, const uint8_t *dg,
                             size_t len) {
  if (!tunnel_may_send(t, len))
    return 1;
  int rc = ncgt_conn_send_datagram(t->conn, proto, dg, len, ncg_now());
  if (rc != 0)
    ncg_debug("%s event=send-failed error=\"%s\"", t->ctx, ncgt_strerror(rc));
  ncg_tunnel_after(t);
  return rc != 0;
}

int ncg_tunnel_cb_send(ncgt_conn *c, const uint8_t *data, size_t len,
                       void *ud) {
  ncg_tunnel *t = ud;
  (void)c;
  return ncg_stream_write(&t->s, data, len) == 0 ? 0 : -1;
}

void ncg_tunnel_cb_close_transport(ncgt_conn *c, void *ud) {
  ncg_tunnel *t = ud;
  (void)c;
  ncg_resolve_cancel(&t->dns); /* e.g. the handshake timed out first */
  ncg_stream_close(&t->s);
}

void ncg_tunnel_cb_state(ncgt_conn *c, ncgt_state from, ncgt_state to,
                         void *ud) {
  ncg_tunnel *t = ud;
  (void)c;
  if (to == NCGT_ST_AUTHORIZED)
    ncg_tunnel_set_ctx(t); /* the server knows the user name now */
  ncg_debug("%s state %s -> %s", t->ctx, ncgt_state_name(from),
            ncgt_state_name(to));
}

void ncg_tunnel_cb_log(ncgt_log_level lvl, const char *msg, void *ud) {
  ncg_tunnel *t = ud;
  ncg_log_lib(lvl, msg, t ? t->ctx : NULL);
}

uint64_t ncg_tunnel_closes[NCGT_STATS_CLOSE_SLOTS];

void ncg_tunnel_log_closed(ncg_tunnel *t, const ncgt_close_info *ci) {
  ncgt_conn_stats st;
  ncg_tunnel_closes[ci->status < NCGT_STATS_CLOSE_SLOTS
                        ? ci->status
                        : NCGT_STATS_CLOSE_SLOTS - 1]++;
  ncgt_conn_get_stats(t->conn, &st);
  ncg_log(ci->status == NCGT_CLOSE_AUTH_FAILED ? NCGT_LOG_WARN : NCGT_LOG_INFO,
          "%s event=closed status=%s by=%s%s%s datagrams_sent=%llu "
          "datagrams_recv=%llu dropped_queue_full=%llu",
          t->ctx, ncgt_close_status_name(ci->status),
          ci->remote ? "peer" : "local", ci->error ? " error=" : "",
          ci->error ? ncgt_strerror(ci->error) : "",
          (unsigned long long)st.datagrams_sent,
          (unsigned long long)st.datagrams_recv,
          (unsigned long long)t->dropped_backpressure);
}

void ncg_tunnel_callbacks(ncgt_conn_callbacks *cb) {
  memset(cb, 0, sizeof(*cb));
  cb->version = NCGT_CONN_CALLBACKS_V2;
  cb->send = ncg_tunnel_cb_send;
  cb->close_transport = ncg_tunnel_cb_close_transport;
  cb->rand = ncg_rand;
  cb->wallclock = ncg_wallclock;
  cb->state_changed = ncg_tunnel_cb_state;
  cb->log = ncg_tunnel_cb_log;
}
