/* Status rendering: table, JSON, Prometheus (status.h, doc/status.md). */
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conf.h"

void ncg_buf_put(ncg_buf *b, const void *p, size_t n) {
  if (b->oom)
    return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *q = realloc(b->p, cap);
    if (!q) {
      b->oom = 1;
      return;
    }
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->n, p, n);
  b->n += n;
  b->p[b->n] = '\0';
}

void ncg_buf_printf(ncg_buf *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof(tmp)) {
    ncg_buf_put(b, tmp, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    b->oom = 1;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  ncg_buf_put(b, big, (size_t)n);
  free(big);
}

void ncg_buf_free(ncg_buf *b) {
  free(b->p);
  memset(b, 0, sizeof(*b));
}

void ncg_status_count_close(uint64_t closes[NCGT_STATS_CLOSE_SLOTS],
                            unsigned status) {
  closes[status < NCGT_STATS_CLOSE_SLOTS ? status
                                         : NCGT_STATS_CLOSE_SLOTS - 1]++;
}

static const char *slot_name(size_t i) {
  return i == NCGT_STATS_CLOSE_SLOTS - 1 ? "other"
                                         : ncgt_close_status_name((unsigned)i);
}

/* ---- escaping: names from the wire must not forge output ---- */

enum { ESC_TEXT, ESC_JSON, ESC_PROM };

static void put_esc(ncg_buf *b, const char *s, int how) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char ch = *p;
    if (how == ESC_TEXT) {
      char c = ch >= 0x21 && ch <= 0x7e ? (char)ch : '?';
      ncg_buf_put(b, &c, 1);
    } else if (ch == '"' || ch == '\\') {
      char e[2] = {'\\', (char)ch};
      ncg_buf_put(b, e, 2);
    } else if (how == ESC_PROM && ch == '\n') {
      ncg_buf_put(b, "\\n", 2);
    } else if (ch < 0x20 || ch >= 0x7f) {
      /* JSON: \u00XX keeps the output valid UTF-8 whatever the bytes;
       * Prometheus label values must be UTF-8 too, so the same form. */
      ncg_buf_printf(b, "\\u%04x", ch);
    } else {
      ncg_buf_put(b, p, 1);
    }
  }
}

static void json_str(ncg_buf *b, const char *s) {
  ncg_buf_put(b, "\"", 1);
  put_esc(b, s, ESC_JSON);
  ncg_buf_put(b, "\"", 1);
}

/* ---- per-tunnel facts, from the library's getters ---- */

typedef struct tun_view {
  const char *user, *origin, *state, *transform;
  char addr[16];
  const char *endpoint;
  double since_s, key_age_s; /* -1: not authorised */
  ncgt_conn_stats st;
  size_t queued;
  uint64_t drops_full, drops_down;
  const ncgt_close_info *last;
} tun_view;

static double age_s(ncgt_tstamp now, ncgt_tstamp at) {
  if (at == NCGT_TSTAMP_MAX)
    return -1;
  return at >= now ? 0 : (double)(now - at) / NCGT_SECONDS;
}

static void tun_view_of(tun_view *v, const ncg_status *st,
                        const ncg_st_tunnel *x) {
  const ncgt_conn *c = x->t->conn;
  memset(v, 0, sizeof(*v));
  v->user = ncgt_conn_user(c);
  v->origin = ncgt_conn_origin(c);
  v->state = ncgt_state_name(ncgt_conn_state(c));
  unsigned tf = ncgt_conn_transform(c);
  v->transform = tf ? ncgt_transform_name(tf) : "";
  if (x->addr)
    ncg_ip4_str(x->addr, v->addr);
  v->endpoint = x->t->s.fd >= 0 ? x->t->s.peer_str : "";
  v->since_s = age_s(st->now, ncgt_conn_authorized_at(c));
  v->key_age_s = age_s(st->now, ncgt_conn_keys_at(c));
  ncgt_conn_get_stats(c, &v->st);
  v->queued = x->t->s.fd >= 0 ? ncg_stream_queued(&x->t->s) : 0;
  v->drops_full = x->t->dropped_backpressure;
  v->drops_down = x->t->dropped_down;
  v->last = ncgt_conn_last_close(c);
}

/* ---- text ---- */

static void put_age(ncg_buf *b, double s) {
  if (s < 0) {
    ncg_buf_printf(b, "never");
    return;
  }
  unsigned long t = (unsigned long)s;
  if (t >= 86400)
    ncg_buf_printf(b, "%lud ", t / 86400);
  if (t >= 3600)
    ncg_buf_printf(b, "%luh ", t / 3600 % 24);
  if (t >= 60)
    ncg_buf_printf(b, "%lum ", t / 60 % 60);
  ncg_buf_printf(b, "%lus ago", t % 60);
}

static void put_path(ncg_buf *b, const ncgt_conn *c, const char *sep, int how) {
  const char *hop;
  for (size_t i = 0; (hop = ncgt_conn_path_hop(c, i)) != NULL; i++) {
    if (i)
      ncg_buf_printf(b, "%s", sep);
    if (how == ESC_JSON)
      json_str(b, hop);
    else
      put_esc(b, hop, how);
  }
}

static void render_text(ncg_buf *b, const ncg_status *st) {
  ncg_buf_printf(b, "%s: ", st->program);
  put_esc(b, st->name, ESC_TEXT);
  ncg_buf_printf(b, "\n  uptime: ");
  put_age(b, age_s(st->now, st->started));
  ncg_buf_printf(b, "\n  tunnels: %zu\n", st->ntunnels);
  if (st->srv) {
    ncg_buf_printf(b, "  handshakes: %llu ok",
                   (unsigned long long)st->srv->handshakes_ok);
    for (size_t i = 0; i < NCGT_STATS_CLOSE_SLOTS; i++)
      if (st->srv->handshakes_failed[i])
        ncg_buf_printf(b, ", %llu %s",
                       (unsigned long long)st->srv->handshakes_failed[i],
                       slot_name(i));
    ncg_buf_printf(b, "\n");
  }
  for (size_t i = 0; i < st->ntunnels; i++) {
    tun_view v;
    const ncgt_conn *c = st->tunnels[i].t->conn;
    tun_view_of(&v, st, &st->tunnels[i]);
    ncg_buf_printf(b, "\ntunnel: ");
    put_esc(b, *v.user ? v.user : "-", ESC_TEXT);
    ncg_buf_printf(b, "\n  state: %s\n", v.state);
    if (v.addr[0])
      ncg_buf_printf(b, "  tunnel address: %s\n", v.addr);
    if (v.endpoint[0])
      ncg_buf_printf(b, "  endpoint: %s\n", v.endpoint);
    if (*v.origin) {
      ncg_buf_printf(b, "  path: ");
      put_esc(b, v.origin, ESC_TEXT);
      ncg_buf_printf(b, " -> ");
      put_path(b, c, " -> ", ESC_TEXT);
      ncg_buf_printf(b, "\n");
    }
    if (v.transform[0])
      ncg_buf_printf(b, "  transform: %s\n", v.transform);
    ncg_buf_printf(b, "  connected: ");
    put_age(b, v.since_s);
    ncg_buf_printf(b, "\n  latest handshake: ");
    put_age(b, v.key_age_s);
    ncg_buf_printf(b,
                   " (rekeys %llu)\n"
                   "  transfer: %llu B received, %llu B sent\n"
                   "  datagrams: %llu received, %llu sent\n"
                   "  keepalives: %llu received, %llu sent\n"
                   "  reconnects: %llu\n"
                   "  queue: %zu B, drops %llu full, %llu down\n",
                   (unsigned long long)v.st.rekeys,
                   (unsigned long long)v.st.bytes_recv,
                   (unsigned long long)v.st.bytes_sent,
                   (unsigned long long)v.st.datagrams_recv,
                   (unsigned long long)v.st.datagrams_sent,
                   (unsigned long long)v.st.keepalives_recv,
                   (unsigned long long)v.st.keepalives_sent,
                   (unsigned long long)v.st.reconnects, v.queued,
                   (unsigned long long)v.drops_full,
                   (unsigned long long)v.drops_down);
    if (v.last)
      ncg_buf_printf(b, "  last close: %s by %s\n",
                     ncgt_close_status_name(v.last->status),
                     v.last->remote ? "peer" : "local");
  }
  for (size_t i = 0; i < st->nsessions; i++) {
    const ncgt_rsess *rs = st->sessions[i].rs;
    ncgt_rsess_stats rst;
    ncgt_rsess_get_stats(rs, &rst);
    ncg_buf_printf(b, "\nrelay session: %s\n  origin: ", st->sessions[i].peer);
    put_esc(b, *ncgt_rsess_origin(rs) ? ncgt_rsess_origin(rs) : "-",
            ESC_TEXT);
    const char *hop = ncgt_rsess_next_hop(rs);
    ncg_buf_printf(b, "\n  next hop: ");
    put_esc(b, hop && *hop ? hop : "-", ESC_TEXT);
    ncg_buf_printf(b,
                   "\n  state: %s\n"
                   "  transfer: %llu B towards server, %llu B towards "
                   "client\n",
                   ncgt_state_name(ncgt_rsess_state(rs)),
                   (unsigned long long)rst.bytes_from[NCGT_SIDE_IN],
                   (unsigned long long)rst.bytes_from[NCGT_SIDE_OUT]);
  }
}

/* ---- JSON (schema: doc/status.md) ---- */

static void json_close(ncg_buf *b, const ncgt_close_info *ci) {
  if (!ci) {
    ncg_buf_printf(b, "null");
    return;
  }
  ncg_buf_printf(b, "{\"status\":\"%s\",\"code\":%u,\"by\":\"%s\"}",
                 ncgt_close_status_name(ci->status), ci->status,
                 ci->remote ? "peer" : "local");
}

static void json_num_or_null(ncg_buf *b, const char *key, double v) {
  if (v < 0)
    ncg_buf_printf(b, ",\"%s\":null", key);
  else
    ncg_buf_printf(b, ",\"%s\":%.3f", key, v);
}

static void json_counts(ncg_buf *b, const uint64_t *v) {
  int first = 1;
  ncg_buf_printf(b, "{");
  for (size_t i = 0; i < NCGT_STATS_CLOSE_SLOTS; i++) {
    if (!v[i])
      continue;
    ncg_buf_printf(b, "%s\"%s\":%llu", first ? "" : ",", slot_name(i),
                   (unsigned long long)v[i]);
    first = 0;
  }
  ncg_buf_printf(b, "}");
}

static void render_json(ncg_buf *b, const ncg_status *st) {
  ncg_buf_printf(b, "{\"schema\":1,\"program\":\"%s\",\"name\":",
                 st->program);
  json_str(b, st->name);
  ncg_buf_printf(b, ",\"version\":\"%s\",\"uptime_s\":%.3f,\"tunnels\":[",
                 ncgt_version_str(), age_s(st->now, st->started));
  for (size_t i = 0; i < st->ntunnels; i++) {
    tun_view v;
    const ncgt_conn *c = st->tunnels[i].t->conn;
    tun_view_of(&v, st, &st->tunnels[i]);
    ncg_buf_printf(b, "%s{\"user\":", i ? "," : "");
    json_str(b, v.user);
    ncg_buf_printf(b, ",\"state\":\"%s\",\"address\":", v.state);
    if (v.addr[0])
      json_str(b, v.addr);
    else
      ncg_buf_printf(b, "null");
    ncg_buf_printf(b, ",\"endpoint\":");
    json_str(b, v.endpoint);
    ncg_buf_printf(b, ",\"origin\":");
    json_str(b, v.origin);
    ncg_buf_printf(b, ",\"path\":[");
    put_path(b, c, ",", ESC_JSON);
    ncg_buf_printf(b, "],\"transform\":");
    json_str(b, v.transform);
    json_num_or_null(b, "connected_s", v.since_s);
    json_num_or_null(b, "key_age_s", v.key_age_s);
    ncg_buf_printf(
        b,
        ",\"bytes_sent\":%llu,\"bytes_recv\":%llu,\"frames_sent\":%llu,"
        "\"frames_recv\":%llu,\"datagrams_sent\":%llu,"
        "\"datagrams_recv\":%llu,\"keepalives_sent\":%llu,"
        "\"keepalives_recv\":%llu,\"rekeys\":%llu,\"reconnects\":%llu,"
        "\"queue_bytes\":%zu,\"drops_queue_full\":%llu,"
        "\"drops_down\":%llu,\"last_close\":",
        (unsigned long long)v.st.bytes_sent,
        (unsigned long long)v.st.bytes_recv,
        (unsigned long long)v.st.frames_sent,
        (unsigned long long)v.st.frames_recv,
        (unsigned long long)v.st.datagrams_sent,
        (unsigned long long)v.st.datagrams_recv,
        (unsigned long long)v.st.keepalives_sent,
        (unsigned long long)v.st.keepalives_recv,
        (unsigned long long)v.st.rekeys, (unsigned long long)v.st.reconnects,
        v.queued, (unsigned long long)v.drops_full,
        (unsigned long long)v.drops_down);
    json_close(b, v.last);
    ncg_buf_printf(b, "}");
  }
  ncg_buf_printf(b, "],\"relay_sessions\":[");
  for (size_t i = 0; i < st->nsessions; i++) {
    const ncgt_rsess *rs = st->sessions[i].rs;
    ncgt_rsess_stats rst;
    ncgt_rsess_get_stats(rs, &rst);
    const char *hop = ncgt_rsess_next_hop(rs);
    ncg_buf_printf(b, "%s{\"peer\":", i ? "," : "");
    json_str(b, st->sessions[i].peer);
    ncg_buf_printf(b, ",\"origin\":");
    json_str(b, ncgt_rsess_origin(rs));
    ncg_buf_printf(b, ",\"next_hop\":");
    json_str(b, hop ? hop : "");
    ncg_buf_printf(b,
                   ",\"state\":\"%s\",\"bytes_to_server\":%llu,"
                   "\"bytes_to_client\":%llu,\"frames_to_server\":%llu,"
                   "\"frames_to_client\":%llu}",
                   ncgt_state_name(ncgt_rsess_state(rs)),
                   (unsigned long long)rst.bytes_from[NCGT_SIDE_IN],
                   (unsigned long long)rst.bytes_from[NCGT_SIDE_OUT],
                   (unsigned long long)rst.frames_from[NCGT_SIDE_IN],
                   (unsigned long long)rst.frames_from[NCGT_SIDE_OUT]);
  }
  ncg_buf_printf(b, "],\"closes\":");
  json_counts(b, st->closes);
  if (st->srv) {
    ncg_buf_printf(b, ",\"handshakes\":{\"ok\":%llu,\"failed\":",
                   (unsigned long long)st->srv->handshakes_ok);
    json_counts(b, st->srv->handshakes_failed);
    ncg_buf_printf(b, "},\"drops_no_tunnel\":%llu",
                   (unsigned long long)st->drops_no_tunnel);
  }
  if (st->is_relay)
    ncg_buf_printf(b, ",\"relay_refused\":%llu",
                   (unsigned long long)st->relay_refused);
  ncg_buf_printf(b, "}\n");
}

/* ---- Prometheus text exposition 0.0.4 ---- */

static void prom_head(ncg_buf *b, const char *name, const char *type,
                      const char *help) {
  ncg_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_user(ncg_buf *b, const char *name, const char *user,
                      const char *extra, unsigned long long v) {
  ncg_buf_printf(b, "%s{user=\"", name);
  put_esc(b, user, ESC_PROM);
  ncg_buf_printf(b, "\"%s} %llu\n", extra, v);
}

/* One per-tunnel metric over every named tunnel. */
typedef unsigned long long (*tun_get)(const tun_view *v, int which);

static unsigned long long g_bytes(const tun_view *v, int w) {
  return w ? v->st.bytes_recv : v->st.bytes_sent;
}
static unsigned long long g_dgrams(const tun_view *v, int w) {
  return w ? v->st.datagrams_recv : v->st.datagrams_sent;
}
static unsigned long long g_keep(const tun_view *v, int w) {
  return w ? v->st.keepalives_recv : v->st.keepalives_sent;
}
static unsigned long long g_drops(const tun_view *v, int w) {
  return w ? v->drops_down : v->drops_full;
}
static unsigned long long g_rekeys(const tun_view *v, int w) {
  (void)w;
  return v->st.rekeys;
}
static unsigned long long g_reconn(const tun_view *v, int w) {
  (void)w;
  return v->st.reconnects;
}
static unsigned long long g_queue(const tun_view *v, int w) {
  (void)w;
  return v->queued;
}

static void prom_tunnels(ncg_buf *b, const ncg_status *st, const char *name,
                         const char *type, const char *help, tun_get get,
                         const char *label, const char *v0, const char *v1) {
  prom_head(b, name, type, help);
  for (size_t i = 0; i < st->ntunnels; i++) {
    tun_view v;
    tun_view_of(&v, st, &st->tunnels[i]);
    if (!*v.user)
      continue; /* not yet named: not a series */
    for (int w = 0; w < (label ? 2 : 1); w++) {
      char extra[64] = "";
      if (label)
        snprintf(extra, sizeof(extra), ",%s=\"%s\"", label, w ? v1 : v0);
      prom_user(b, name, v.user, extra, get(&v, w));
    }
  }
}

static void prom_slots(ncg_buf *b, const char *name, const char *label,
                       const uint64_t *v) {
  for (size_t i = 0; i < NCGT_STATS_CLOSE_SLOTS; i++)
    if (v[i])
      ncg_buf_printf(b, "%s{%s=\"%s\"} %llu\n", name, label, slot_name(i),
                     (unsigned long long)v[i]);
}

static void render_prom(ncg_buf *b, const ncg_status *st) {
  size_t up = 0;
  for (size_t i = 0; i < st->ntunnels; i++)
    up += ncgt_conn_state(st->tunnels[i].t->conn) == NCGT_ST_AUTHORIZED;
  prom_head(b, "ncg_info", "gauge", "Program and library version.");
  ncg_buf_printf(b, "ncg_info{program=\"%s\",version=\"%s\"} 1\n",
                 st->program, ncgt_version_str());
  prom_head(b, "ncg_uptime_seconds", "gauge", "Seconds since the start.");
  ncg_buf_printf(b, "ncg_uptime_seconds %.3f\n", age_s(st->now, st->started));
  if (!st->is_relay) {
    prom_head(b, "ncg_tunnels", "gauge", "Tunnels in state AUTHORIZED.");
    ncg_buf_printf(b, "ncg_tunnels %zu\n", up);
    prom_tunnels(b, st, "ncg_tunnel_bytes_total", "counter",
                 "Transport bytes of a tunnel.", g_bytes, "direction", "tx",
                 "rx");
    prom_tunnels(b, st, "ncg_tunnel_datagrams_total", "counter",
                 "Datagrams carried by a tunnel.", g_dgrams, "direction",
                 "tx", "rx");
    prom_tunnels(b, st, "ncg_tunnel_keepalives_total", "counter",
                 "Keepalives of a tunnel.", g_keep, "direction", "tx", "rx");
    prom_tunnels(b, st, "ncg_tunnel_rekeys_total", "counter",
                 "Completed in-band rekeys.", g_rekeys, NULL, NULL, NULL);
    prom_tunnels(b, st, "ncg_tunnel_reconnects_total", "counter",
                 "Reconnects of a tunnel.", g_reconn, NULL, NULL, NULL);
    prom_tunnels(b, st, "ncg_tunnel_queue_bytes", "gauge",
                 "Bytes waiting in the tunnel's output queue.", g_queue, NULL,
                 NULL, NULL);
    prom_tunnels(b, st, "ncg_tunnel_drops_total", "counter",
                 "Datagrams dropped before the tunnel.", g_drops, "reason",
                 "queue_full", "down");
  }
  if (st->srv) {
    prom_head(b, "ncg_handshakes_total", "counter",
              "Handshakes (REQUEST stages) by result.");
    ncg_buf_printf(b, "ncg_handshakes_total{result=\"ok\"} %llu\n",
                   (unsigned long long)st->srv->handshakes_ok);
    prom_slots(b, "ncg_handshakes_total", "result",
               st->srv->handshakes_failed);
    prom_head(b, "ncg_drops_no_tunnel_total", "counter",
              "Datagrams from the LAN for an address without a tunnel.");
    ncg_buf_printf(b, "ncg_drops_no_tunnel_total %llu\n",
                   (unsigned long long)st->drops_no_tunnel);
  }
  prom_head(b, "ncg_close_total", "counter",
            "Tunnels or relay sessions ended, by CLOSE status.");
  prom_slots(b, "ncg_close_total", "status", st->closes);
  if (st->is_relay) {
    uint64_t bytes[2] = {st->relay_bytes_done[0], st->relay_bytes_done[1]};
    for (size_t i = 0; i < st->nsessions; i++) {
      ncgt_rsess_stats rst;
      ncgt_rsess_get_stats(st->sessions[i].rs, &rst);
      bytes[0] += rst.bytes_from[NCGT_SIDE_IN];
      bytes[1] += rst.bytes_from[NCGT_SIDE_OUT];
    }
    prom_head(b, "ncg_relay_sessions", "gauge", "Relay sessions open.");
    ncg_buf_printf(b, "ncg_relay_sessions %zu\n", st->nsessions);
    prom_head(b, "ncg_relay_refused_total", "counter",
              "Connections the relay turned away (limit, stopping).");
    ncg_buf_printf(b, "ncg_relay_refused_total %llu\n",
                   (unsigned long long)st->relay_refused);
    prom_head(b, "ncg_relay_bytes_total", "counter",
              "Bytes forwarded by the relay.");
    ncg_buf_printf(b,
                   "ncg_relay_bytes_total{direction=\"to_server\"} %llu\n"
                   "ncg_relay_bytes_total{direction=\"to_client\"} %llu\n",
                   (unsigned long long)bytes[0], (unsigned long long)bytes[1]);
  }
}

void ncg_status_render(ncg_buf *out, const ncg_status *st, ncg_ctl_format f) {
  switch (f) {
  case NCG_FMT_JSON:
    render_json(out, st);
    break;
  case NCG_FMT_PROMETHEUS:
    render_prom(out, st);
    break;
  default:
    render_text(out, st);
    break;
  }
}
