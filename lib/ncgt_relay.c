/*
 * The tunnel relay (patent Fig. 13): Accept Wait 235 -> Receive Relay 237
 * -> RELAY 238 -> choose the forwarding address 239 -> Forward Connect 240
 * -> connected 241 -> Forward 242 -> network error or CLOSE 243 -> Dying
 * 244 -> Dead 246. A relay only connects where configuration allows
 * (never an open proxy). It cannot read DATA: it finds frame boundaries
 * with the streaming decoder so CLOSE and malformed frames are seen.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ncgtun/conn.h>

#include "ncgt_frame_int.h"
#include "ncgt_cursor.h"
#include "ncgt_struct.h"

enum { RELAY_POOL_MAX = 32 }; /* members per pool: a bit mask of tries */

#define RELAY_DEF_TIMEOUT (10 * NCGT_SECONDS)
/* Forward Connect: well below the initiator's handshake timeout (10 s by
 * default), so a member that drops SYNs is abandoned and the next member
 * tried while the client still waits: 4 s is the first SYN and its
 * retransmissions at 1 s and 3 s (Linux RTO), then 2 x 4 s < 10 s for a
 * pool with one silent member. doc/configuration.md, "How the timeouts
 * relate". */
#define RELAY_DEF_CONNECT_TIMEOUT (4 * NCGT_SECONDS)
/* A session that ends while its connect is still pending (the client gave
 * up first) marks the member failed only after this much silence, at most
 * half the connect timeout: a healthy member answers a SYN within a round
 * trip, and a client that hangs up at once must not be able to mark live
 * members failed (RELAY is not authenticated). */
#define RELAY_FAIL_EVIDENCE (2 * NCGT_SECONDS)
#define RELAY_DEF_HOLDOFF (30 * NCGT_SECONDS)
#define RELAY_DEF_IDLE (180 * NCGT_SECONDS)

/* A forwarding address: a plain allowed name or a pool member. */
typedef struct relay_hop {
  struct relay_hop *next;
  char name[NCGT_NAME_MAX + 1];
  size_t load; /* sessions in Forward Connect / Forward */
  int allowed;  /* 0 once ncgt_relay_clear_allowed() forgot it */
  int failed;
  ncgt_tstamp failed_at;
} relay_hop;

typedef struct relay_pool {
  struct relay_pool *next;
  char name[NCGT_NAME_MAX + 1];
  relay_hop *member[RELAY_POOL_MAX];
  size_t n;
} relay_pool;

struct ncgt_relay {
  char name[NCGT_NAME_MAX + 1];
  size_t max_frame;
  ncgt_tstamp relay_timeout, connect_timeout, fail_holdoff, idle_timeout;
  ncgt_relay_callbacks cb;
  void *user_data;
  relay_hop *hops;
  relay_pool *pools;
};

struct ncgt_rsess {
  ncgt_relay *r;
  void *ud;
  ncgt_state state;
  ncgt_fdec *dec[2]; /* frame boundaries, per direction */
  uint8_t *relay;    /* the RELAY frame, re-emitted on the out side */
  size_t relay_len;
  uint8_t *pend; /* in-side bytes that arrive during Forward Connect */
  size_t pend_len;
  size_t cap; /* of relay and pend */
  relay_hop *hop;
  char next_hop[NCGT_NAME_MAX + 1]; /* chosen forwarding address */
  relay_pool *pool;
  uint32_t tried; /* pool members tried by this session */
  ncgt_tstamp connect_at; /* the current Forward Connect began */
  ncgt_tstamp deadline;
  int open[2];
  ncgt_close_info ci;
  int has_ci;
  char origin[NCGT_NAME_MAX + 1]; /* from RELAY, as received */
  ncgt_rsess_stats stats;
};

static int name_len_ok(const char *s, size_t *len) {
  if (!s)
    return 0;
  *len = strnlen(s, NCGT_NAME_MAX + 1);
  return *len >= 1 && *len <= NCGT_NAME_MAX;
}

static relay_hop *relay_find_hop(const ncgt_relay *r, const char *name) {
  for (relay_hop *h = r->hops; h; h = h->next)
    if (strcmp(h->name, name) == 0)
      return h;
  return NULL;
}

static relay_pool *relay_find_pool(const ncgt_relay *r, const char *name) {
  for (relay_pool *p = r->pools; p; p = p->next)
    if (strcmp(p->name, name) == 0)
      return p;
  return NULL;
}

static const size_t relay_settings_sizes[] = {
    offsetof(ncgt_relay_settings, idle_timeout), /* V1 */
    sizeof(ncgt_relay_settings),                 /* V2 */
};
static const size_t relay_callbacks_sizes[] = {
    sizeof(ncgt_relay_callbacks), /* V1 */
};

void ncgt_relay_settings_default(ncgt_relay_settings *s) {
  if (!s)
    return;
  memset(s, 0, sizeof(*s));
  s->version = NCGT_RELAY_SETTINGS_VERSION;
  s->max_frame = NCGT_FRAME_MAX_DEFAULT;
  s->relay_timeout = RELAY_DEF_TIMEOUT;
  s->connect_timeout = RELAY_DEF_CONNECT_TIMEOUT;
  s->fail_holdoff = RELAY_DEF_HOLDOFF;
  s->idle_timeout = RELAY_DEF_IDLE;
}

int ncgt_relay_new(ncgt_relay **pr, const ncgt_relay_settings *s,
                   const ncgt_relay_callbacks *cb, void *user_data) {
  size_t n = 0;
  NCGT_ENSURE_COND(pr != NULL, NCGT_ERR_INVALID_ARGUMENT);
  *pr = NULL;
  ncgt_relay_settings sc;
  ncgt_relay_callbacks cc;
  NCGT_ENSURE_COND(s && cb &&
                       NCGT_STRUCT_COPY(&sc, s, relay_settings_sizes) == 0 &&
                       NCGT_STRUCT_COPY(&cc, cb, relay_callbacks_sizes) == 0,
                   NCGT_ERR_INVALID_ARGUMENT);
  s = &sc;
  NCGT_ENSURE_COND(cc.connect && cc.send && cc.close &&
                       name_len_ok(s->name, &n) &&
                       s->max_frame <= NCGT_FRAME_MAX_LIMIT,
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_relay *r = calloc(1, sizeof(*r));
  NCGT_ENSURE_COND(r != NULL, NCGT_ERR_NOMEM);
  memcpy(r->name, s->name, n);
  r->max_frame = s->max_frame ? s->max_frame : NCGT_FRAME_MAX_DEFAULT;
  r->relay_timeout = s->relay_timeout ? s->relay_timeout : RELAY_DEF_TIMEOUT;
  r->connect_timeout =
      s->connect_timeout ? s->connect_timeout : RELAY_DEF_CONNECT_TIMEOUT;
  r->fail_holdoff = s->fail_holdoff ? s->fail_holdoff : RELAY_DEF_HOLDOFF;
  r->idle_timeout = s->idle_timeout ? s->idle_timeout : RELAY_DEF_IDLE;
  r->cb = cc;
  r->user_data = user_data;
  *pr = r;
  return 0;
}

void ncgt_relay_del(ncgt_relay *r) {
  if (!r)
    return;
  while (r->hops) {
    relay_hop *n = r->hops->next;
    free(r->hops);
    r->hops = n;
  }
  while (r->pools) {
    relay_pool *n = r->pools->next;
    free(r->pools);
    r->pools = n;
  }
  free(r);
}

static relay_hop *relay_add_hop(ncgt_relay *r, const char *name, size_t n) {
  relay_hop *h = relay_find_hop(r, name);
  if (h)
    return h;
  h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  memcpy(h->name, name, n);
  h->next = r->hops;
  r->hops = h;
  return h;
}

/* A reload (ncg-relay SIGHUP): hops and pools stay allocated because
 * sessions point at them, but none is allowed until added again; a hop
 * that comes back keeps its load and failure mark, so the pool choice
 * (step 239) still sees the tunnels that are already forwarding. */
void ncgt_relay_clear_allowed(ncgt_relay *r) {
  if (!r)
    return;
  for (relay_hop *h = r->hops; h; h = h->next)
    h->allowed = 0;
  for (relay_pool *p = r->pools; p; p = p->next)
    p->n = 0;
}

int ncgt_rsess_hop_allowed(const ncgt_rsess *rs) {
  return rs && (!rs->hop || rs->hop->allowed);
}

int ncgt_relay_update(ncgt_relay *r, const ncgt_relay_settings *s) {
  ncgt_relay_settings sc;
  NCGT_ENSURE_COND(r && s && NCGT_STRUCT_COPY(&sc, s, relay_settings_sizes) == 0,
                   NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(!sc.name || strncmp(sc.name, r->name, sizeof(r->name)) == 0,
                   NCGT_ERR_INVALID_ARGUMENT);
  r->relay_timeout = sc.relay_timeout ? sc.relay_timeout : RELAY_DEF_TIMEOUT;
  r->connect_timeout =
      sc.connect_timeout ? sc.connect_timeout : RELAY_DEF_CONNECT_TIMEOUT;
  r->fail_holdoff = sc.fail_holdoff ? sc.fail_holdoff : RELAY_DEF_HOLDOFF;
  r->idle_timeout = sc.idle_timeout ? sc.idle_timeout : RELAY_DEF_IDLE;
  return 0;
}

int ncgt_relay_allow(ncgt_relay *r, const char *next_hop) {
  size_t n = 0;
  NCGT_ENSURE_COND(r && name_len_ok(next_hop, &n), NCGT_ERR_INVALID_ARGUMENT);
  relay_hop *h = relay_add_hop(r, next_hop, n);
  NCGT_ENSURE_COND(h != NULL, NCGT_ERR_NOMEM);
  h->allowed = 1;
  return 0;
}

int ncgt_relay_add_pool_member(ncgt_relay *r, const char *pool,
                               const char *member) {
  size_t pn = 0, mn = 0;
  NCGT_ENSURE_COND(r && name_len_ok(pool, &pn) && name_len_ok(member, &mn),
                   NCGT_ERR_INVALID_ARGUMENT);
  relay_pool *p = relay_find_pool(r, pool);
  if (!p) {
    p = calloc(1, sizeof(*p));
    NCGT_ENSURE_COND(p != NULL, NCGT_ERR_NOMEM);
    memcpy(p->name, pool, pn);
    p->next = r->pools;
    r->pools = p;
  }
  NCGT_ENSURE_COND(p->n < RELAY_POOL_MAX, NCGT_ERR_FULL);
  relay_hop *h = relay_add_hop(r, member, mn);
  NCGT_ENSURE_COND(h != NULL, NCGT_ERR_NOMEM);
  h->allowed = 1;
  for (size_t i = 0; i < p->n; i++)
    if (p->member[i] == h)
      return 0;
  p->member[p->n++] = h;
  return 0;
}

size_t ncgt_relay_member_load(const ncgt_relay *r, const char *member) {
  const relay_hop *h = r && member ? relay_find_hop(r, member) : NULL;
  return h ? h->load : 0;
}

static void rs_logl(const ncgt_rsess *rs, ncgt_log_level lvl,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void rs_logl(const ncgt_rsess *rs, ncgt_log_level lvl,
                    const char *fmt, ...) {
  const ncgt_relay *r = rs->r;
  if (!r->cb.log)
    return;
  char msg[640];
  int n = snprintf(msg, sizeof(msg), "relay %s: ", r->name);
  if (n < 0 || (size_t)n >= sizeof(msg))
    n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
  va_end(ap);
  r->cb.log(lvl, msg, r->user_data);
}
#define rs_log(rs, ...) rs_logl(rs, NCGT_LOG_INFO, __VA_ARGS__)

static void rs_set_state(ncgt_rsess *rs, ncgt_state to, ncgt_tstamp ts) {
  ncgt_state from = rs->state;
  if (from == to)
    return;
  rs->state = to;
  if (to == NCGT_ST_RECEIVE_RELAY)
    rs->deadline = ts + rs->r->relay_timeout;
  else if (to == NCGT_ST_FORWARD_CONNECT)
    rs->deadline = ts + rs->r->connect_timeout;
  else if (to == NCGT_ST_FORWARD)
    rs->deadline = ts + rs->r->idle_timeout;
  else
    rs->deadline = NCGT_TSTAMP_MAX;
  if (rs->r->cb.state_changed)
    rs->r->cb.state_changed(rs, from, to, rs->ud);
}

static int rs_over(const ncgt_rsess *rs) {
  return rs->state == NCGT_ST_DYING || rs->state == NCGT_ST_DEAD;
}

static void rs_release_hop(ncgt_rsess *rs) {
  if (rs->hop) {
    rs->hop->load--;
    rs->hop = NULL;
  }
}

static void relay_mark_failed(relay_hop *h, ncgt_tstamp ts) {
  h->failed = 1;
  h->failed_at = ts;
}

/* The session ends in Forward Connect (the client gave up, or sent more
 * than it may): a connect pending this long counts as a failure of the
 * member, exactly as connect_timeout would, so the next session does not
 * pick the same silent member again. */
static void rs_abandon_connect(ncgt_rsess *rs, ncgt_tstamp ts) {
  ncgt_tstamp ev = rs->r->connect_timeout / 2;
  if (ev > RELAY_FAIL_EVIDENCE)
    ev = RELAY_FAIL_EVIDENCE;
  if (rs->state != NCGT_ST_FORWARD_CONNECT || !rs->hop ||
      ts < rs->connect_at + ev)
    return;
  relay_mark_failed(rs->hop, ts);
  rs_log(rs, "connect to %s abandoned after %llu ms: member marked failed",
         rs->hop->name,
         (unsigned long long)((ts - rs->connect_at) / NCGT_MILLISECONDS));
}

/* Dying 244: disconnect both sides, then Dead 246. */
static void rs_die(ncgt_rsess *rs, uint16_t status, int err, int remote,
                   ncgt_tstamp ts) {
  if (rs_over(rs))
    return;
  if (!rs->has_ci) {
    memset(&rs->ci, 0, sizeof(rs->ci));
    rs->ci.status = status;
    rs->ci.error = err;
    rs->ci.remote = remote;
    rs->has_ci = 1;
  }
  rs_abandon_connect(rs, ts);
  rs_log(rs, "closed next=%s status=%s remote=%d error=%s",
         rs->next_hop[0] ? rs->next_hop : "-",
         ncgt_close_status_name(rs->ci.status), rs->ci.remote,
         ncgt_strerror(rs->ci.error));
  rs_set_state(rs, NCGT_ST_DYING, ts);
  for (int s = NCGT_SIDE_IN; s <= NCGT_SIDE_OUT; s++)
    if (rs->open[s]) {
      rs->open[s] = 0;
      rs->r->cb.close(rs, (ncgt_side)s, rs->ud);
    }
  rs_release_hop(rs);
  rs_set_state(rs, NCGT_ST_DEAD, ts);
}

/* Refusal before forwarding: an unauthenticated CLOSE to the initiator
 * side (the relay holds no tunnel keys), then Dying. */
static int rs_refuse(ncgt_rsess *rs, uint16_t status, int err, ncgt_tstamp ts) {
  if (rs_over(rs))
    return err;
  uint8_t buf[NCGT_CLOSE_HDR_LEN];
  ncgt_frame_close fc;
  memset(&fc, 0, sizeof(fc));
  fc.status = status;
  rs_set_state(rs, NCGT_ST_CLOSE, ts);
  ssize_t n = ncgt_close_encode(buf, sizeof(buf), &fc);
  if (n > 0 && rs->open[NCGT_SIDE_IN])
    (void)rs->r->cb.send(rs, NCGT_SIDE_IN, buf, (size_t)n, rs->ud);
  rs_die(rs, status, err, 0, ts);
  return err;
}

int ncgt_relay_accept(ncgt_relay *r, ncgt_rsess **prs, void *sess_user_data,
                      ncgt_tstamp ts) {
  NCGT_ENSURE_COND(r && prs, NCGT_ERR_INVALID_ARGUMENT);
  *prs = NULL;
  ncgt_rsess *rs = calloc(1, sizeof(*rs));
  NCGT_ENSURE_COND(rs != NULL, NCGT_ERR_NOMEM);
  rs->r = r;
  rs->ud = sess_user_data;
  rs->state = NCGT_ST_ACCEPT_WAIT;
  /* Until Forward only RELAY and REQUEST can legitimately arrive: small
   * buffers for a connection nobody has authenticated; the decoders get
   * max_frame at Forward (ncgt_rsess_connected). */
  rs->cap = r->max_frame < NCGT_PREAUTH_FRAME_MAX ? r->max_frame
                                                   : NCGT_PREAUTH_FRAME_MAX;
  rs->relay = malloc(rs->cap);
  rs->pend = malloc(rs->cap);
  int rv = rs->relay && rs->pend ? 0 : NCGT_ERR_NOMEM;
  if (rv == 0)
    rv = ncgt_fdec_new(&rs->dec[NCGT_SIDE_IN], rs->cap);
  if (rv < 0) {
    ncgt_rsess_del(rs);
    return rv;
  }
  rs->open[NCGT_SIDE_IN] = 1;
  *prs = rs;
  rs_set_state(rs, NCGT_ST_RECEIVE_RELAY, ts); /* TCP connect 236 */
  return 0;
}

void ncgt_rsess_del(ncgt_rsess *rs) {
  if (!rs)
    return;
  rs_release_hop(rs);
  if (rs->r && rs->state != NCGT_ST_ACCEPT_WAIT)
  ncgt_fdec_del(rs->dec[0]);
  ncgt_fdec_del(rs->dec[1]);
  free(rs->relay);
  free(rs->pend);
  free(rs);
}

/* Step 239 for a pool: the live member with the fewest active tunnels
 * ("an underutilized tunnel server ... or an operational server"),
 * skipping members tried by this session or failed within fail_holdoff. */
static relay_hop *relay_pick_member(ncgt_rsess *rs, ncgt_tstamp ts) {
  relay_pool *p = rs->pool;
  relay_hop *best = NULL;
  size_t bi = 0;
  for (size_t i = 0; i < p->n; i++) {
    relay_hop *h = p->member[i];
    if (rs->tried & (1u << i))
      continue;
    if (h->failed && ts < h->failed_at + rs->r->fail_holdoff)
      continue;
    if (!best || h->load < best->load) {
      best = h;
      bi = i;
    }
  }
  if (best)
    rs->tried |= 1u << bi;
  return best;
}

/* Forward Connect 240: take the hop and ask the host to connect. */
static int rs_connect(ncgt_rsess *rs, relay_hop *h, ncgt_tstamp ts) {
  rs->hop = h;
  memcpy(rs->next_hop, h->name, sizeof(rs->next_hop));
  h->load++;
  rs->open[NCGT_SIDE_OUT] = 1;
  rs_set_state(rs, NCGT_ST_FORWARD_CONNECT, ts);
  rs->connect_at = ts;
  rs->deadline = ts + rs->r->connect_timeout;
  rs_log(rs, "forward to %s", h->name);
  if (rs->r->cb.connect(rs, h->name, rs->ud) != 0) {
    rs->open[NCGT_SIDE_OUT] = 0;
    return ncgt_rsess_connect_failed(rs, ts);
  }
  return 0;
}

static int relay_path_repeats(const ncgt_frame_relay *fr) {
  for (size_t i = 0; i < fr->npath; i++)
    for (size_t j = i + 1; j < fr->npath; j++)
      if (strcmp(fr->path[i], fr->path[j]) == 0)
        return 1;
  return 0;
}

/* RELAY 238: find our own name in the path; the next name must be an
 * allowed forwarding address or one of our pools (step 239). */
static int rs_on_relay(ncgt_rsess *rs, const uint8_t *f, size_t len,
                       ncgt_tstamp ts) {
  ncgt_frame_relay fr;
  int rv = ncgt_relay_decode(&fr, f, len);
  if (rv < 0)
    return rs_refuse(rs, ncgt_frame_err_close_status(rv), rv, ts);
  size_t i = 0;
  while (i < fr.npath && strcmp(fr.path[i], rs->r->name) != 0)
    i++;
  if (i + 1 >= fr.npath) { /* absent, or we are the last name */
    rs_logl(rs, NCGT_LOG_WARN, "refused: %s",
            i < fr.npath ? "we are the last name in the path (no next hop)"
                         : "our name is not in the path");
    return rs_refuse(rs, NCGT_CLOSE_RELAY_REFUSED, NCGT_ERR_RELAY_REFUSED, ts);
  }
  /* Every name once: then each hop forwards to a strictly later index
   * and a frame crosses at most NCGT_PATH_MAX hops. A repeated name
   * would bounce relays off each other for ever (a loop anyone could
   * start: RELAY is not authenticated). */
  if (relay_path_repeats(&fr)) {
    rs_logl(rs, NCGT_LOG_WARN, "refused: a name repeats in the path");
    return rs_refuse(rs, NCGT_CLOSE_RELAY_REFUSED, NCGT_ERR_BAD_VALUE, ts);
  }
  const char *next = fr.path[i + 1];
  snprintf(rs->origin, sizeof(rs->origin), "%s", fr.origin);
  memcpy(rs->relay, f, len);
  rs->relay_len = len;
  rs->pool = relay_find_pool(rs->r, next);
  if (rs->pool && rs->pool->n == 0) /* emptied by a reload */
    rs->pool = NULL;
  relay_hop *h =
      rs->pool ? relay_pick_member(rs, ts) : relay_find_hop(rs->r, next);
  if (h && !h->allowed)
    h = NULL;
  if (!h && rs->pool)
    return rs_refuse(rs, NCGT_CLOSE_UNREACHABLE, NCGT_ERR_NO_ROUTE, ts);
  if (!h) { /* unauthenticated name: no control bytes into the log */
    char hop[NCGT_NAME_MAX + 1];
    ncgt_log_name(hop, sizeof(hop), next);
    rs_logl(rs, NCGT_LOG_WARN,
            "refused next hop %s: not an allowed forwarding address or "
            "pool",
            hop);
    return rs_refuse(rs, NCGT_CLOSE_RELAY_REFUSED, NCGT_ERR_RELAY_REFUSED, ts);
  }
  char origin[NCGT_NAME_MAX + 1]; /* unauthenticated: no control bytes */
  ncgt_log_name(origin, sizeof(origin), fr.origin);
  rs_log(rs, "path from %s accepted", origin);
  return rs_connect(rs, h, ts);
}

/* Forward 242: pass whole frames from `from` to the other side. A CLOSE
 * passing through ends the tunnel (243); a malformed stream is dropped
 * on both sides without a CLOSE, which the relay could not sign. */
static int rs_forward(ncgt_rsess *rs, ncgt_side from, const uint8_t *data,
                      size_t len, ncgt_tstamp ts) {
  ncgt_side to = from == NCGT_SIDE_IN ? NCGT_SIDE_OUT : NCGT_SIDE_IN;
  while (len > 0 && rs->state == NCGT_ST_FORWARD) {
    const uint8_t *f = NULL;
    size_t flen = 0;
    ssize_t n = ncgt_fdec_feed(rs->dec[from], data, len, &f, &flen);
    if (n < 0) {
      rs_die(rs, ncgt_frame_err_close_status((int)n), (int)n, 0, ts);
      return (int)n;
    }
    data += n;
    len -= (size_t)n;
    if (!f) {
      if (n == 0)
        break;
      continue;
    }
    rs->deadline = ts + rs->r->idle_timeout;
    rs->stats.bytes_from[from] += flen;
    rs->stats.frames_from[from]++;
    if (rs->r->cb.send(rs, to, f, flen, rs->ud) != 0) {
      rs_die(rs, NCGT_CLOSE_TRANSPORT, NCGT_ERR_CALLBACK_FAILURE, 0, ts);
      return NCGT_ERR_CALLBACK_FAILURE;
    }
    ncgt_frame_close fc;
    if (ncgt_frame_type_of(f, flen) == NCGT_FRAME_CLOSE) {
      /* Unverifiable here: the status is recorded only for the log. */
      uint16_t st = ncgt_close_decode(&fc, f, flen) == 0
                        ? fc.status
                        : (uint16_t)NCGT_CLOSE_PROTOCOL;
      rs_die(rs, st, 0, 1, ts);
    }
  }
  return 0;
}

/* In-side bytes during Forward Connect. The initiator sends RELAY and
 * REQUEST and then waits, so one frame's worth is all that can
 * legitimately queue here. */
static int rs_queue(ncgt_rsess *rs, const uint8_t *data, size_t len,
                    ncgt_tstamp ts) {
  if (len > rs->cap - rs->pend_len)
    return rs_refuse(rs, NCGT_CLOSE_PROTOCOL, NCGT_ERR_FULL, ts);
  memcpy(rs->pend + rs->pend_len, data, len);
  rs->pend_len += len;
  return 0;
}

static int rs_receive_relay(ncgt_rsess *rs, const uint8_t *data, size_t len,
                            ncgt_tstamp ts) {
  while (len > 0 && rs->state == NCGT_ST_RECEIVE_RELAY) {
    const uint8_t *f = NULL;
    size_t flen = 0;
    ssize_t n = ncgt_fdec_feed(rs->dec[NCGT_SIDE_IN], data, len, &f, &flen);
    if (n < 0)
      return rs_refuse(rs, ncgt_frame_err_close_status((int)n), (int)n, ts);
    data += n;
    len -= (size_t)n;
    if (f) {
      if (ncgt_frame_type_of(f, flen) != NCGT_FRAME_RELAY)
        return rs_refuse(rs, NCGT_CLOSE_PROTOCOL, NCGT_ERR_PROTO, ts);
      int rv = rs_on_relay(rs, f, flen, ts);
      if (rv < 0)
        return rv;
    } else if (n == 0) {
      break;
    }
  }
  if (len > 0 && rs->state == NCGT_ST_FORWARD_CONNECT)
    return rs_queue(rs, data, len, ts);
  return 0;
}

int ncgt_rsess_recv(ncgt_rsess *rs, ncgt_side side, const uint8_t *data,
                    size_t len, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(rs && (data || !len) &&
                       (side == NCGT_SIDE_IN || side == NCGT_SIDE_OUT),
                   NCGT_ERR_INVALID_ARGUMENT);
  if (rs_over(rs))
    return NCGT_ERR_CLOSED;
  switch (rs->state) {
  case NCGT_ST_RECEIVE_RELAY:
    NCGT_ENSURE_COND(side == NCGT_SIDE_IN, NCGT_ERR_INVALID_STATE);
    return rs_receive_relay(rs, data, len, ts);
  case NCGT_ST_FORWARD_CONNECT:
    NCGT_ENSURE_COND(side == NCGT_SIDE_IN, NCGT_ERR_INVALID_STATE);
    return rs_queue(rs, data, len, ts);
  case NCGT_ST_FORWARD:
    return rs_forward(rs, side, data, len, ts);
  default:
    return NCGT_ERR_INVALID_STATE;
  }
}

/* 241: connected; re-emit RELAY (step 76/80), then what queued meanwhile */
int ncgt_rsess_connected(ncgt_rsess *rs, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(rs != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(rs->state == NCGT_ST_FORWARD_CONNECT,
                   NCGT_ERR_INVALID_STATE);
  rs->hop->failed = 0;
  /* Full-size decoders for Forward; the in-side one holds no bytes (what
   * followed RELAY waits in pend). */
  ncgt_fdec *in = NULL, *out = NULL;
  int rv = ncgt_fdec_new(&in, rs->r->max_frame);
  if (rv == 0)
    rv = ncgt_fdec_new(&out, rs->r->max_frame);
  if (rv < 0) {
    ncgt_fdec_del(in);
    return rs_refuse(rs, NCGT_CLOSE_SHUTTING_DOWN, rv, ts);
  }
  ncgt_fdec_del(rs->dec[NCGT_SIDE_IN]);
  rs->dec[NCGT_SIDE_IN] = in;
  rs->dec[NCGT_SIDE_OUT] = out;
  rs_set_state(rs, NCGT_ST_FORWARD, ts);
  if (rs->r->cb.send(rs, NCGT_SIDE_OUT, rs->relay, rs->relay_len, rs->ud)) {
    rs_die(rs, NCGT_CLOSE_TRANSPORT, NCGT_ERR_CALLBACK_FAILURE, 0, ts);
    return NCGT_ERR_CALLBACK_FAILURE;
  }
  size_t n = rs->pend_len;
  rs->pend_len = 0;
  return rs_forward(rs, NCGT_SIDE_IN, rs->pend, n, ts);
}

int ncgt_rsess_connect_failed(ncgt_rsess *rs, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(rs != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(rs->state == NCGT_ST_FORWARD_CONNECT,
                   NCGT_ERR_INVALID_STATE);
  relay_hop *h = rs->hop;
  relay_mark_failed(h, ts);
  rs_log(rs, "connect to %s failed", h->name);
  rs_release_hop(rs);
  rs->open[NCGT_SIDE_OUT] = 0;
  relay_hop *next = rs->pool ? relay_pick_member(rs, ts) : NULL;
  if (next)
    return rs_connect(rs, next, ts);
  return rs_refuse(rs, NCGT_CLOSE_UNREACHABLE, NCGT_ERR_NO_ROUTE, ts);
}

int ncgt_rsess_transport_error(ncgt_rsess *rs, ncgt_side side, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(rs != NULL, NCGT_ERR_INVALID_ARGUMENT);
  if (rs_over(rs))
    return 0;
  if (rs->state == NCGT_ST_FORWARD_CONNECT && side == NCGT_SIDE_OUT)
    return ncgt_rsess_connect_failed(rs, ts);
  rs->open[side] = 0; /* already gone: nothing to close on that side */
  rs_die(rs, NCGT_CLOSE_TRANSPORT, NCGT_ERR_CLOSED, 0, ts);
  return 0;
}

ncgt_tstamp ncgt_rsess_get_expiry(const ncgt_rsess *rs) {
  return rs ? rs->deadline : NCGT_TSTAMP_MAX;
}

int ncgt_rsess_handle_expiry(ncgt_rsess *rs, ncgt_tstamp ts) {
  NCGT_ENSURE_COND(rs != NULL, NCGT_ERR_INVALID_ARGUMENT);
  if (ts < rs->deadline)
    return 0;
  if (rs->state == NCGT_ST_RECEIVE_RELAY)
    return rs_refuse(rs, NCGT_CLOSE_HANDSHAKE_TIMEOUT, NCGT_ERR_TIMEOUT, ts);
  if (rs->state == NCGT_ST_FORWARD_CONNECT) {
    /* Abort the attempt, then as a refused connect: maybe another member */
    rs->open[NCGT_SIDE_OUT] = 0;
    rs->r->cb.close(rs, NCGT_SIDE_OUT, rs->ud);
    return ncgt_rsess_connect_failed(rs, ts);
  }
  if (rs->state == NCGT_ST_FORWARD) /* a hop died without telling */
    rs_die(rs, NCGT_CLOSE_IDLE_TIMEOUT, NCGT_ERR_TIMEOUT, 0, ts);
  return 0;
}

ncgt_state ncgt_rsess_state(const ncgt_rsess *rs) {
  return rs ? rs->state : NCGT_ST_DEAD;
}

const char *ncgt_rsess_next_hop(const ncgt_rsess *rs) {
  return rs && rs->next_hop[0] ? rs->next_hop : NULL;
}

const ncgt_close_info *ncgt_rsess_close_info(const ncgt_rsess *rs) {
  return rs && rs->has_ci && rs_over(rs) ? &rs->ci : NULL;
}

const char *ncgt_rsess_origin(const ncgt_rsess *rs) {
  return rs ? rs->origin : "";
}

void ncgt_rsess_get_stats(const ncgt_rsess *rs, ncgt_rsess_stats *st) {
  if (rs && st)
    *st = rs->stats;
}
