/* simnet: see simnet.h. Test code: clarity over speed, but no quadratic
 * copying, so 100 MiB runs through it in well under a second. */
#include "simnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncgt_crypto.h"

unsigned long sim_visits[SIM_ROLES][NCGT_ST_COUNT_];
unsigned long sim_trans[SIM_ROLES][NCGT_ST_COUNT_][NCGT_ST_COUNT_];

enum { OWN_NONE, OWN_EP, OWN_RS, OWN_RAW };
enum { LK_CONNECTING, LK_UP, LK_CLOSED };
enum { MAX_FAULTS = 16, MAX_CORRUPT = 8, MAX_LISTEN = 64 };

typedef struct sim_link sim_link;

typedef struct sim_end {
  int kind;
  void *p;
} sim_end;

typedef struct sim_dir {
  uint8_t *buf;
  size_t head, len, cap; /* undelivered: buf[head..len) */
  uint64_t enq, deq;     /* absolute stream offsets */
  /* frame tracker (what the sender wrote, before corruption) */
  uint8_t hdr[NCGT_FRAME_HDR_LEN];
  size_t hdr_have;
  uint64_t frame_start, frame_end;
  unsigned count[8]; /* frames seen per type; [0] all */
  const sim_fault *fault[MAX_FAULTS];
  size_t nfault;
  struct {
    uint64_t at;
    uint8_t x;
    int done;
  } cor[MAX_CORRUPT];
  size_t ncor;
  uint64_t stall_at, reset_at;
  int fin;      /* sender closed: receiver learns after the queue drains */
  int fin_told;
  int slow;
} sim_dir;

struct sim_link {
  sim *net;
  char to[NCGT_CLOSE_INFO_MAX + 1];
  int state;
  sim_end end[2]; /* 0 connector, 1 acceptor */
  sim_dir d[2];   /* d[i]: bytes written by end i */
};

struct sim_ep {
  sim *net;
  int role;
  ncgt_conn *c;
  sim_link *link;
  int end;
  sim_server *ss; /* server side */
  sim_ep *next;   /* in its server's list or the sim's client list */
  sim_ep_info info;
  uint64_t tx_off, rx_off; /* deterministic stream positions */
  int rx_sync;             /* rx_off is known (this tunnel) */
  int rec;
  uint8_t *recbuf;
  size_t reclen;
};

typedef struct sim_rs {
  sim_relay *sr;
  ncgt_rsess *rs;
  sim_link *in, *out;
  struct sim_rs *next;
} sim_rs;

struct sim_server {
  sim *net;
  char name[NCGT_CLOSE_INFO_MAX + 1];
  int up;
  ncgt_server_settings st;
  ncgt_server *srv;
  struct {
    char name[NCGT_NAME_MAX + 1];
    uint8_t priv[32];
  } ids[8];
  size_t nids;
  struct {
    char name[NCGT_NAME_MAX + 1];
    uint8_t pub[32], psk[32];
    int has_psk;
  } users[16];
  size_t nusers;
  sim_authz_hook hook;
  void *hook_arg;
  sim_ep *eps;
  size_t authorized;
  ncgt_close_info last_ci;
  int has_last;
  ncgt_state last_end;
};

struct sim_relay {
  sim *net;
  char name[NCGT_NAME_MAX + 1];
  int up;
  ncgt_relay *r;
  sim_rs *sess;
  ncgt_close_info last_ci;
  int has_last;
  struct {
    char hop[NCGT_NAME_MAX + 1];
    unsigned long n;
  } fwd[16];
};

struct sim_raw {
  sim *net;
  sim_link *link;
  int end;
  int connected, closed;
  uint8_t *rx;
  size_t rxlen, rxcap;
};

typedef struct listener {
  char name[NCGT_CLOSE_INFO_MAX + 1];
  int kind; /* 1 server, 2 relay, 3 raw */
  int up;   /* raw listeners */
  sim_raw *acc[8];
  void *p;
  unsigned conns;
  int blackhole;
} listener;

struct sim {
  uint64_t rng;
  sim_opts o;
  ncgt_tstamp now;
  sim_link **links;
  size_t nlinks, caplinks;
  listener lis[MAX_LISTEN];
  size_t nlis;
  sim_fault faults[MAX_FAULTS];
  size_t nfaults;
  sim_ep *clients;
  sim_server *servers[16];
  size_t nservers;
  sim_relay *relays[16];
  size_t nrelays;
  sim_raw *raws[64];
  size_t nraws;
  void (*hook)(sim *, void *);
  void *hook_arg;
};

/* ---------------------------------------------------------------- misc */

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t sim_rand(sim *s) { return splitmix(&s->rng); }

static uint64_t rnd(sim *s, uint64_t n) { return n ? sim_rand(s) % n : 0; }

ncgt_tstamp sim_now(const sim *s) { return s->now; }

/* Bytes [off, off + n) of the deterministic datagram stream: byte i is
 * byte (i & 7) of splitmix(i >> 3), so one hash makes eight bytes. */
static void stream_fill(uint8_t *p, uint64_t off, size_t n) {
  uint64_t w = 0, wi = UINT64_MAX;
  for (size_t i = 0; i < n; i++) {
    uint64_t k = off + i;
    if (k >> 3 != wi) {
      wi = k >> 3;
      uint64_t x = wi;
      w = splitmix(&x);
    }
    p[i] = (uint8_t)(w >> ((k & 7) * 8));
  }
}

/* Number of bytes of p[0..n) that differ from the stream at `off`. */
static uint64_t stream_diff(const uint8_t *p, uint64_t off, size_t n) {
  uint8_t tmp[512];
  uint64_t bad = 0;
  for (size_t i = 0; i < n; i += sizeof(tmp)) {
    size_t m = n - i < sizeof(tmp) ? n - i : sizeof(tmp);
    stream_fill(tmp, off + i, m);
    if (memcmp(tmp, p + i, m) != 0)
      for (size_t j = 0; j < m; j++)
        bad += tmp[j] != p[i + j];
  }
  return bad;
}

void sim_keypair(uint64_t tag, uint8_t priv[32], uint8_t pub[32]) {
  uint64_t x = tag * 7919 + 1;
  for (int i = 0; i < 32; i += 8) {
    uint64_t v = splitmix(&x);
    memcpy(priv + i, &v, 8);
  }
  if (ncgt_x25519_pub(pub, priv) < 0)
    abort();
}

static void record_state(int role, ncgt_state from, ncgt_state to) {
  sim_visits[role][to]++;
  sim_trans[role][from][to]++;
}

/* -------------------------------------------------------------- queues */

static void dir_push(sim_dir *d, const uint8_t *p, size_t n) {
  if (n == 0)
    return;
  if (d->head == d->len)
    d->head = d->len = 0;
  if (d->cap - d->len < n) {
    if (d->head) {
      memmove(d->buf, d->buf + d->head, d->len - d->head);
      d->len -= d->head;
      d->head = 0;
    }
    if (d->cap - d->len < n) {
      size_t nc = d->cap ? d->cap : 4096;
      while (nc - d->len < n)
        nc *= 2;
      d->buf = realloc(d->buf, nc);
      if (!d->buf)
        abort();
      d->cap = nc;
    }
  }
  memcpy(d->buf + d->len, p, n);
  d->len += n;
  d->enq += n;
}

static int fault_matches_frame(sim_dir *d, const sim_fault *f, uint8_t type) {
  if (f->frame_type && f->frame_type != type)
    return 0;
  unsigned seen = d->count[f->frame_type && f->frame_type < 8 ? f->frame_type
                                                              : 0];
  return (int)seen == f->frame_nth + 1;
}

static void dir_fire(sim *s, sim_dir *d, const sim_fault *f, uint32_t flen) {
  uint64_t off = f->offset >= 0             ? (uint64_t)f->offset % flen
                 : f->offset == SIM_OFF_LAST ? flen - 1
                                             : rnd(s, flen);
  uint64_t at = d->frame_start + off;
  if (f->kind == SIM_F_CORRUPT && d->ncor < MAX_CORRUPT) {
    uint8_t x = f->xor_mask ? f->xor_mask : (uint8_t)(1 + rnd(s, 255));
    d->cor[d->ncor].at = at;
    d->cor[d->ncor].x = x;
    d->cor[d->ncor].done = 0;
    d->ncor++;
  } else if (f->kind == SIM_F_STALL) {
    if (d->frame_start < d->stall_at)
      d->stall_at = d->frame_start;
  } else if (f->kind == SIM_F_RESET) {
    if (at < d->reset_at)
      d->reset_at = at;
  }
}

static void dir_on_header(sim *s, sim_dir *d) {
  uint32_t len = (uint32_t)d->hdr[0] << 24 | (uint32_t)d->hdr[1] << 16 |
                 (uint32_t)d->hdr[2] << 8 | d->hdr[3];
  uint8_t type = d->hdr[4];
  if (len < NCGT_FRAME_HDR_LEN)
    len = NCGT_FRAME_HDR_LEN;
  d->frame_end = d->frame_start + len;
  d->count[0]++;
  if (type < 8 && type)
    d->count[type]++;
  for (size_t i = 0; i < d->nfault; i++)
    if (d->fault[i] && fault_matches_frame(d, d->fault[i], type)) {
      dir_fire(s, d, d->fault[i], len);
      d->fault[i] = NULL;
    }
}

static void dir_track(sim *s, sim_dir *d, const uint8_t *p, size_t n,
                      uint64_t base) {
  size_t i = 0;
  while (i < n) {
    uint64_t abs = base + i;
    if (abs < d->frame_end) {
      uint64_t skip = d->frame_end - abs;
      i += skip < n - i ? (size_t)skip : n - i;
      continue;
    }
    if (d->hdr_have == 0)
      d->frame_start = abs;
    d->hdr[d->hdr_have++] = p[i++];
    if (d->hdr_have == NCGT_FRAME_HDR_LEN) {
      d->hdr_have = 0;
      dir_on_header(s, d);
    }
  }
}

static void dir_apply_corruption(sim_dir *d) {
  for (size_t i = 0; i < d->ncor; i++) {
    if (d->cor[i].done)
      continue;
    if (d->cor[i].at < d->deq) {
      d->cor[i].done = 1;
    } else if (d->cor[i].at < d->enq) {
      d->buf[d->head + (size_t)(d->cor[i].at - d->deq)] ^= d->cor[i].x;
      d->cor[i].done = 1;
    }
  }
}

static void link_write(sim_link *l, int from, const uint8_t *p, size_t n) {
  if (l->state == LK_CLOSED || l->d[from].fin)
    return;
  sim_dir *d = &l->d[from];
  uint64_t base = d->enq;
  dir_push(d, p, n);
  dir_track(l->net, d, p, n, base);
  dir_apply_corruption(d);
}

/* --------------------------------------------------------------- links */

static sim_link *link_new(sim *s, const char *to, int kind0, void *p0) {
  sim_link *l = calloc(1, sizeof(*l));
  if (!l)
    abort();
  l->net = s;
  snprintf(l->to, sizeof(l->to), "%s", to);
  l->state = LK_CONNECTING;
  l->end[0].kind = kind0;
  l->end[0].p = p0;
  for (int i = 0; i < 2; i++)
    l->d[i].stall_at = l->d[i].reset_at = UINT64_MAX;
  if (s->nlinks == s->caplinks) {
    s->caplinks = s->caplinks ? s->caplinks * 2 : 16;
    s->links = realloc(s->links, s->caplinks * sizeof(*s->links));
    if (!s->links)
      abort();
  }
  s->links[s->nlinks++] = l;
  return l;
}

/* Faults aimed at this link, and random ones from the seed. */
static void link_arm(sim *s, sim_link *l, int nth) {
  for (size_t i = 0; i < s->nfaults; i++) {
    const sim_fault *f = &s->faults[i];
    if (f->to && strcmp(f->to, l->to) != 0)
      continue;
    if (f->nth >= 0 && f->nth != nth)
      continue;
    sim_dir *d = &l->d[f->dir == SIM_DOWN ? 1 : 0];
    if (d->nfault < MAX_FAULTS)
      d->fault[d->nfault++] = f;
  }
  for (int i = 0; i < 2; i++) {
    sim_dir *d = &l->d[i];
    d->slow = rnd(s, 1000) < s->o.slow_permille;
    if (rnd(s, 1000) >= s->o.fault_permille)
      continue;
    uint64_t at = rnd(s, 1500);
    switch (rnd(s, 3)) {
    case 0:
      d->cor[0].at = at;
      d->cor[0].x = (uint8_t)(1 + rnd(s, 255));
      d->ncor = 1;
      break;
    case 1:
      d->stall_at = at;
      break;
    default:
      d->reset_at = at;
      break;
    }
  }
}

static void ep_transport_error(sim_ep *ep) {
  ep->link = NULL;
  (void)ncgt_conn_transport_error(ep->c, ep->net->now);
}

/* Tells the owner of end `i` that the connection is gone (or, when
 * `connecting`, that it never came up). */
static void link_tell_error(sim_link *l, int i, int connecting) {
  sim_end e = l->end[i];
  l->end[i].kind = OWN_NONE;
  sim *s = l->net;
  switch (e.kind) {
  case OWN_EP: {
    sim_ep *ep = e.p;
    if (ep->link == l)
      ep_transport_error(ep);
    break;
  }
  case OWN_RS: {
    sim_rs *r = e.p;
    ncgt_side side = r->in == l ? NCGT_SIDE_IN : NCGT_SIDE_OUT;
    if (side == NCGT_SIDE_IN)
      r->in = NULL;
    else
      r->out = NULL;
    if (connecting)
      (void)ncgt_rsess_connect_failed(r->rs, s->now);
    else
      (void)ncgt_rsess_transport_error(r->rs, side, s->now);
    break;
  }
  case OWN_RAW: {
    sim_raw *r = e.p;
    r->closed = 1;
    r->link = NULL;
    break;
  }
  default:
    break;
  }
}

static void link_reset(sim_link *l) {
  int connecting = l->state == LK_CONNECTING;
  l->state = LK_CLOSED;
  link_tell_error(l, 0, connecting);
  link_tell_error(l, 1, 0);
}

/* The owner of end i closed it: FIN after the queued bytes. */
static void link_close_end(sim_link *l, int i) {
  l->end[i].kind = OWN_NONE;
  l->d[i].fin = 1;
  if (l->state == LK_CONNECTING)
    l->state = LK_CLOSED;
}

static void deliver(sim_link *l, int to, const uint8_t *p, size_t n) {
  sim *s = l->net;
  sim_end e = l->end[to];
  switch (e.kind) {
  case OWN_EP:
    (void)ncgt_conn_recv(((sim_ep *)e.p)->c, p, n, s->now);
    break;
  case OWN_RS: {
    sim_rs *r = e.p;
    (void)ncgt_rsess_recv(r->rs, r->in == l ? NCGT_SIDE_IN : NCGT_SIDE_OUT, p,
                          n, s->now);
    break;
  }
  case OWN_RAW: {
    sim_raw *r = e.p;
    if (r->rxcap - r->rxlen < n) {
      r->rxcap = (r->rxlen + n) * 2;
      r->rx = realloc(r->rx, r->rxcap);
      if (!r->rx)
        abort();
    }
    memcpy(r->rx + r->rxlen, p, n);
    r->rxlen += n;
    break;
  }
  default:
    break;
  }
}

/* Moves one piece of direction `from` to the other end. Returns 1 if
 * anything happened. */
static int link_pump(sim_link *l, int from) {
  sim *s = l->net;
  sim_dir *d = &l->d[from];
  int to = 1 - from;
  size_t avail = d->len - d->head;
  if (avail == 0) {
    if (d->fin && !d->fin_told && l->state == LK_UP) {
      d->fin_told = 1;
      link_tell_error(l, to, 0);
      if (l->d[to].fin || l->end[to].kind == OWN_NONE)
        l->state = LK_CLOSED;
      return 1;
    }
    return 0;
  }
  uint64_t lim = d->stall_at < d->reset_at ? d->stall_at : d->reset_at;
  if (d->deq >= lim) {
    if (d->deq >= d->reset_at) {
      link_reset(l);
      return 1;
    }
    return 0; /* stalled */
  }
  size_t n = avail;
  if (lim - d->deq < n)
    n = (size_t)(lim - d->deq);
  size_t mc = d->slow ? 7 : s->o.max_chunk;
  if (n > mc)
    n = mc;
  n = 1 + (size_t)rnd(s, n);
  /* Deliver from a copy: the receiver may write into this link. */
  uint8_t stackbuf[4096];
  uint8_t *tmp = n <= sizeof(stackbuf) ? stackbuf : malloc(n);
  if (!tmp)
    abort();
  memcpy(tmp, d->buf + d->head, n);
  d->head += n;
  d->deq += n;
  if (l->end[to].kind != OWN_NONE)
    deliver(l, to, tmp, n);
  if (tmp != stackbuf)
    free(tmp);
  return 1;
}

/* ------------------------------------------------------ conn callbacks */

static int cb_send(ncgt_conn *c, const uint8_t *data, size_t len, void *ud) {
  sim_ep *ep = ud;
  (void)c;
  if (ep->rec) {
    ep->recbuf = realloc(ep->recbuf, ep->reclen + len);
    if (!ep->recbuf)
      abort();
    memcpy(ep->recbuf + ep->reclen, data, len);
    ep->reclen += len;
  }
  if (ep->link)
    link_write(ep->link, ep->end, data, len);
  return 0;
}

static int cb_open(ncgt_conn *c, const char *next_hop, void *ud) {
  sim_ep *ep = ud;
  (void)c;
  ep->info.opens++;
  snprintf(ep->info.last_hop, sizeof(ep->info.last_hop), "%s", next_hop);
  ep->link = link_new(ep->net, next_hop, OWN_EP, ep);
  ep->end = 0;
  return 0;
}

static void cb_close(ncgt_conn *c, void *ud) {
  sim_ep *ep = ud;
  (void)c;
  ep->rec = 0;
  if (ep->link)
    link_close_end(ep->link, ep->end);
  ep->link = NULL;
}

/* Datagrams of the deterministic stream carry their stream offset in the
 * first 8 bytes: within one tunnel they must arrive whole and in order;
 * after a new tunnel the first one sets the position (loss across a
 * broken tunnel is expected, reordering or damage never). */
static int cb_dgram(ncgt_conn *c, uint8_t proto, const uint8_t *dg, size_t len,
                    void *ud) {
  sim_ep *ep = ud;
  (void)c;
  (void)proto;
  ep->info.rx_bytes += len;
  ep->info.rx_dgrams++;
  if (len < 8) {
    ep->info.rx_bad += len;
    return 0;
  }
  uint64_t off = 0;
  for (int i = 7; i >= 0; i--)
    off = off << 8 | dg[i];
  if (ep->rx_sync && off != ep->rx_off)
    ep->info.rx_bad += len;
  ep->info.rx_bad += stream_diff(dg + 8, off + 8, len - 8);
  ep->rx_sync = 1;
  ep->rx_off = off + len;
  return 0;
}

static int cb_rand(uint8_t *buf, size_t len, void *ud) {
  sim_ep *ep = ud;
  for (size_t i = 0; i < len; i++)
    buf[i] = (uint8_t)sim_rand(ep->net);
  return 0;
}

static uint64_t cb_wall(void *ud) {
  sim_ep *ep = ud;
  return 1700000000ULL * NCGT_SECONDS + ep->net->now;
}

static void cb_state(ncgt_conn *c, ncgt_state from, ncgt_state to, void *ud) {
  sim_ep *ep = ud;
  (void)c;
  record_state(ep->role, from, to);
}

static void cb_authorized(ncgt_conn *c, const uint8_t *cd, size_t len,
                          int rekey, void *ud) {
  sim_ep *ep = ud;
  (void)c;
  if (rekey) {
    ep->info.rekeys++;
    return;
  }
  ep->info.authorized++;
  ep->rx_sync = 0;
  if (len > sizeof(ep->info.client_data))
    len = sizeof(ep->info.client_data);
  if (len)
    memcpy(ep->info.client_data, cd, len);
  ep->info.client_data_len = len;
}

static void cb_closed(ncgt_conn *c, const ncgt_close_info *ci, void *ud) {
  sim_ep *ep = ud;
  (void)c;
  ep->info.closes++;
  ep->info.last_ci = *ci;
  if (ep->ss) {
    ep->ss->last_ci = *ci;
    ep->ss->has_last = 1;
  }
}

static void cb_log(ncgt_log_level lvl, const char *msg, void *ud) {
  sim_ep *ep = ud;
  if (ep->net->o.verbose)
    fprintf(stderr, "[%8.3f] %d %s\n", (double)ep->net->now / 1e9, (int)lvl,
            msg);
}

static const ncgt_conn_callbacks conn_cbs = {
    .version = NCGT_CONN_CALLBACKS_V1,
    .send = cb_send,
    .open_transport = cb_open,
    .close_transport = cb_close,
    .recv_datagram = cb_dgram,
    .rand = cb_rand,
    .wallclock = cb_wall,
    .state_changed = cb_state,
    .authorized = cb_authorized,
    .closed = cb_closed,
    .log = cb_log,
};

/* ----------------------------------------------------------------- sim */

sim *sim_new(uint64_t seed, const sim_opts *o) {
  sim *s = calloc(1, sizeof(*s));
  if (!s)
    abort();
  s->rng = seed * 0x2545f4914f6cdd1dULL + 12345;
  if (o)
    s->o = *o;
  if (!s->o.max_chunk)
    s->o.max_chunk = 1 << 20;
  if (!s->o.tick)
    s->o.tick = NCGT_MILLISECONDS;
  if (getenv("SIM_VERBOSE"))
    s->o.verbose = 1;
  s->now = 1000 * NCGT_SECONDS;
  return s;
}

static void ep_free(sim_ep *ep) {
  ncgt_conn_del(ep->c);
  free(ep->recbuf);
  free(ep);
}

static void server_drop_conns(sim_server *ss) {
  while (ss->eps) {
    sim_ep *n = ss->eps->next;
    ep_free(ss->eps);
    ss->eps = n;
  }
}

static void relay_drop_sessions(sim_relay *sr) {
  while (sr->sess) {
    sim_rs *n = sr->sess->next;
    ncgt_rsess_del(sr->sess->rs);
    free(sr->sess);
    sr->sess = n;
  }
}

void sim_del(sim *s) {
  if (!s)
    return;
  while (s->clients) {
    sim_ep *n = s->clients->next;
    ep_free(s->clients);
    s->clients = n;
  }
  for (size_t i = 0; i < s->nservers; i++) {
    server_drop_conns(s->servers[i]);
    ncgt_server_del(s->servers[i]->srv);
    free(s->servers[i]);
  }
  for (size_t i = 0; i < s->nrelays; i++) {
    relay_drop_sessions(s->relays[i]);
    ncgt_relay_del(s->relays[i]->r);
    free(s->relays[i]);
  }
  for (size_t i = 0; i < s->nraws; i++) {
    free(s->raws[i]->rx);
    free(s->raws[i]);
  }
  for (size_t i = 0; i < s->nlinks; i++) {
    free(s->links[i]->d[0].buf);
    free(s->links[i]->d[1].buf);
    free(s->links[i]);
  }
  free(s->links);
  free(s);
}

void sim_add_fault(sim *s, const sim_fault *f) {
  if (s->nfaults < MAX_FAULTS)
    s->faults[s->nfaults++] = *f;
}

static listener *find_listener(sim *s, const char *name) {
  for (size_t i = 0; i < s->nlis; i++)
    if (strcmp(s->lis[i].name, name) == 0)
      return &s->lis[i];
  return NULL;
}

static listener *add_listener(sim *s, const char *name) {
  listener *l = find_listener(s, name);
  if (!l && s->nlis < MAX_LISTEN) {
    l = &s->lis[s->nlis++];
    memset(l, 0, sizeof(*l));
    snprintf(l->name, sizeof(l->name), "%s", name);
  }
  return l;
}

void sim_set_faults(sim *s, unsigned fault_permille, unsigned slow_permille) {
  s->o.fault_permille = fault_permille;
  s->o.slow_permille = slow_permille;
}

void sim_blackhole(sim *s, const char *name, int on) {
  listener *l = add_listener(s, name);
  if (l)
    l->blackhole = on;
}

void sim_set_hook(sim *s, void (*hook)(sim *, void *), void *arg) {
  s->hook = hook;
  s->hook_arg = arg;
}

/* ------------------------------------------------------------- servers */

static int srv_authorize(ncgt_server *srv, ncgt_conn *c, const char *dest,
                         const char *user, const uint8_t pub[32],
                         ncgt_authz *out, void *ud) {
  sim_server *ss = ud;
  (void)srv;
  (void)c;
  (void)dest;
  for (size_t i = 0; i < ss->nusers; i++) {
    if (strcmp(ss->users[i].name, user) != 0 ||
        memcmp(ss->users[i].pub, pub, 32) != 0)
      continue;
    out->accept = 1;
    out->has_psk = ss->users[i].has_psk;
    memcpy(out->psk, ss->users[i].psk, 32);
    /* DHCP option 50: the user's tunnel address, fixed per user. */
    const uint8_t cd[] = {50, 4, 10, 77, 0, (uint8_t)(10 + i)};
    memcpy(out->client_data, cd, sizeof(cd));
    out->client_data_len = sizeof(cd);
  }
  if (ss->hook)
    ss->hook(ss, user, out, ss->hook_arg);
  if (out->accept)
    ss->authorized++;
  return 0;
}

static void srv_log(ncgt_log_level lvl, const char *msg, void *ud) {
  sim_server *ss = ud;
  if (ss->net->o.verbose)
    fprintf(stderr, "[%8.3f] %d %s\n", (double)ss->net->now / 1e9, (int)lvl,
            msg);
}

void sim_server_start(sim_server *ss) {
  static const ncgt_server_callbacks cbs = {
      .version = NCGT_SERVER_CALLBACKS_V1,
      .authorize = srv_authorize,
      .log = srv_log,
  };
  if (ncgt_server_new(&ss->srv, &ss->st, &cbs, ss) < 0)
    abort();
  for (size_t i = 0; i < ss->nids; i++)
    if (ncgt_server_add_identity(ss->srv, ss->ids[i].name, ss->ids[i].priv) <
        0)
      abort();
  ss->up = 1;
}

sim_server *sim_add_server(sim *s, const char *name,
                           const ncgt_server_settings *st) {
  sim_server *ss = calloc(1, sizeof(*ss));
  if (!ss || s->nservers == 16)
    abort();
  ss->net = s;
  snprintf(ss->name, sizeof(ss->name), "%s", name);
  if (st) {
    ss->st = *st;
  } else {
    ss->st.version = NCGT_SERVER_SETTINGS_V1;
  }
  ss->last_end = NCGT_ST_COUNT_;
  s->servers[s->nservers++] = ss;
  listener *l = add_listener(s, name);
  l->kind = 1;
  l->p = ss;
  sim_server_start(ss);
  return ss;
}

ncgt_server *sim_server_get(sim_server *ss) { return ss->srv; }

int sim_server_add_identity(sim_server *ss, const char *id_name,
                            const uint8_t priv[32]) {
  if (ss->nids == 8)
    return -1;
  snprintf(ss->ids[ss->nids].name, sizeof(ss->ids[0].name), "%s", id_name);
  memcpy(ss->ids[ss->nids].priv, priv, 32);
  ss->nids++;
  return ncgt_server_add_identity(ss->srv, id_name, priv);
}

void sim_server_add_user(sim_server *ss, const char *user,
                         const uint8_t pub[32], const uint8_t *psk) {
  if (ss->nusers == 16)
    abort();
  snprintf(ss->users[ss->nusers].name, sizeof(ss->users[0].name), "%s", user);
  memcpy(ss->users[ss->nusers].pub, pub, 32);
  ss->users[ss->nusers].has_psk = psk != NULL;
  if (psk)
    memcpy(ss->users[ss->nusers].psk, psk, 32);
  ss->nusers++;
}

void sim_server_set_authz_hook(sim_server *ss, sim_authz_hook h, void *arg) {
  ss->hook = h;
  ss->hook_arg = arg;
}

void sim_server_crash(sim_server *ss) {
  sim *s = ss->net;
  for (size_t i = 0; i < s->nlinks; i++) {
    sim_link *l = s->links[i];
    if (l->state == LK_CLOSED || l->end[1].kind != OWN_EP)
      continue;
    sim_ep *ep = l->end[1].p;
    if (ep->ss != ss)
      continue;
    l->end[1].kind = OWN_NONE; /* the process is gone: no callbacks */
    l->state = LK_CLOSED;
    link_tell_error(l, 0, 0);
  }
  server_drop_conns(ss);
  ncgt_server_del(ss->srv);
  ss->srv = NULL;
  ss->up = 0;
}

size_t sim_server_authorized(const sim_server *ss) { return ss->authorized; }

size_t sim_server_conns(const sim_server *ss) {
  size_t n = 0;
  for (sim_ep *e = ss->eps; e; e = e->next)
    n++;
  return n;
}

const ncgt_close_info *sim_server_last_close(const sim_server *ss) {
  return ss->has_last ? &ss->last_ci : NULL;
}

ncgt_state sim_server_last_end_state(const sim_server *ss) {
  return ss->last_end;
}

sim_ep *sim_server_find_ep(sim_server *ss, const char *user) {
  ncgt_conn *c = ss->srv ? ncgt_server_find_user(ss->srv, user) : NULL;
  for (sim_ep *e = ss->eps; e; e = e->next)
    if (e->c == c)
      return e;
  return NULL;
}

/* Accept 218: a server-side conn in Receive Relay. */
static int server_accept(sim_server *ss, sim_link *l) {
  sim_ep *ep = calloc(1, sizeof(*ep));
  if (!ep)
    abort();
  ep->net = ss->net;
  ep->role = SIM_SERVER;
  ep->ss = ss;
  ep->link = l;
  ep->end = 1;
  record_state(SIM_SERVER, NCGT_ST_ACCEPT_WAIT, NCGT_ST_ACCEPT_WAIT);
  if (ncgt_server_accept(ss->srv, &ep->c, &conn_cbs, ep, ss->net->now) < 0)
    abort();
  ep->next = ss->eps;
  ss->eps = ep;
  l->end[1].kind = OWN_EP;
  l->end[1].p = ep;
  return 0;
}

/* -------------------------------------------------------------- relays */

static int rly_connect(ncgt_rsess *rs, const char *hop, void *ud) {
  sim_rs *r = ud;
  (void)rs;
  sim_relay *sr = r->sr;
  for (size_t i = 0; i < 16; i++) {
    if (sr->fwd[i].hop[0] == '\0')
      snprintf(sr->fwd[i].hop, sizeof(sr->fwd[i].hop), "%s", hop);
    if (strcmp(sr->fwd[i].hop, hop) == 0) {
      sr->fwd[i].n++;
      break;
    }
  }
  r->out = link_new(sr->net, hop, OWN_RS, r);
  return 0;
}

static int rly_send(ncgt_rsess *rs, ncgt_side side, const uint8_t *data,
                    size_t len, void *ud) {
  sim_rs *r = ud;
  (void)rs;
  sim_link *l = side == NCGT_SIDE_IN ? r->in : r->out;
  if (l)
    link_write(l, side == NCGT_SIDE_IN ? 1 : 0, data, len);
  return 0;
}

static void rly_close(ncgt_rsess *rs, ncgt_side side, void *ud) {
  sim_rs *r = ud;
  (void)rs;
  if (side == NCGT_SIDE_IN && r->in) {
    link_close_end(r->in, 1);
    r->in = NULL;
  } else if (side == NCGT_SIDE_OUT && r->out) {
    link_close_end(r->out, 0);
    r->out = NULL;
  }
}

static void rly_state(ncgt_rsess *rs, ncgt_state from, ncgt_state to,
                      void *ud) {
  sim_rs *r = ud;
  record_state(SIM_RELAY, from, to);
  if (to == NCGT_ST_DEAD) {
    const ncgt_close_info *ci = ncgt_rsess_close_info(rs);
    if (ci) {
      r->sr->last_ci = *ci;
      r->sr->has_last = 1;
    }
  }
}

static void rly_log(ncgt_log_level lvl, const char *msg, void *ud) {
  sim_relay *sr = ud;
  if (sr->net->o.verbose)
    fprintf(stderr, "[%8.3f] %d %s\n", (double)sr->net->now / 1e9, (int)lvl,
            msg);
}

static void relay_start(sim_relay *sr, const ncgt_relay_settings *st) {
  static const ncgt_relay_callbacks cbs = {
      .version = NCGT_RELAY_CALLBACKS_V1,
      .connect = rly_connect,
      .send = rly_send,
      .close = rly_close,
      .state_changed = rly_state,
      .log = rly_log,
  };
  ncgt_relay_settings d;
  if (!st) {
    memset(&d, 0, sizeof(d));
    d.version = NCGT_RELAY_SETTINGS_V1;
    d.name = sr->name;
    st = &d;
  }
  if (ncgt_relay_new(&sr->r, st, &cbs, sr) < 0)
    abort();
  sr->up = 1;
}

sim_relay *sim_add_relay(sim *s, const char *name,
                         const ncgt_relay_settings *st) {
  sim_relay *sr = calloc(1, sizeof(*sr));
  if (!sr || s->nrelays == 16)
    abort();
  sr->net = s;
  snprintf(sr->name, sizeof(sr->name), "%s", name);
  relay_start(sr, st);
  s->relays[s->nrelays++] = sr;
  listener *l = add_listener(s, name);
  l->kind = 2;
  l->p = sr;
  return sr;
}

ncgt_relay *sim_relay_get(sim_relay *sr) { return sr->r; }

void sim_relay_crash(sim_relay *sr) {
  for (sim_rs *r = sr->sess; r; r = r->next) {
    sim_link *ls[2] = {r->in, r->out};
    for (int i = 0; i < 2; i++) {
      sim_link *l = ls[i];
      if (!l || l->state == LK_CLOSED)
        continue;
      int mine = l == r->in ? 1 : 0;
      l->end[mine].kind = OWN_NONE;
      l->state = LK_CLOSED;
      link_tell_error(l, 1 - mine, 0);
    }
  }
  relay_drop_sessions(sr);
  sr->up = 0;
}

size_t sim_relay_sessions(const sim_relay *sr) {
  size_t n = 0;
  for (sim_rs *r = sr->sess; r; r = r->next)
    n++;
  return n;
}

const ncgt_close_info *sim_relay_last_close(const sim_relay *sr) {
  return sr->has_last ? &sr->last_ci : NULL;
}

unsigned long sim_relay_forwarded(const sim_relay *sr, const char *hop) {
  for (size_t i = 0; i < 16; i++)
    if (strcmp(sr->fwd[i].hop, hop) == 0)
      return sr->fwd[i].n;
  return 0;
}

static int relay_accept(sim_relay *sr, sim_link *l) {
  sim_rs *r = calloc(1, sizeof(*r));
  if (!r)
    abort();
  r->sr = sr;
  r->in = l;
  l->end[1].kind = OWN_RS;
  l->end[1].p = r;
  record_state(SIM_RELAY, NCGT_ST_ACCEPT_WAIT, NCGT_ST_ACCEPT_WAIT);
  if (ncgt_relay_accept(sr->r, &r->rs, r, sr->net->now) < 0)
    abort();
  r->next = sr->sess;
  sr->sess = r;
  return 0;
}

/* ------------------------------------------------------------- clients */

sim_ep *sim_add_client(sim *s, const ncgt_client_settings *st) {
  sim_ep *ep = calloc(1, sizeof(*ep));
  if (!ep)
    abort();
  ep->net = s;
  ep->role = SIM_INITIATOR;
  if (ncgt_conn_client_new(&ep->c, st, &conn_cbs, ep) < 0)
    abort();
  record_state(SIM_INITIATOR, NCGT_ST_IDLE, NCGT_ST_IDLE);
  ep->next = s->clients;
  s->clients = ep;
  return ep;
}

ncgt_conn *sim_ep_conn(sim_ep *ep) { return ep->c; }

const sim_ep_info *sim_ep_get_info(const sim_ep *ep) { return &ep->info; }

int sim_ep_send_stream(sim_ep *ep, size_t len) {
  static uint8_t buf[NCGT_DATAGRAM_MAX];
  if (len > sizeof(buf))
    len = sizeof(buf);
  if (len < 8)
    len = 8;
  for (int i = 0; i < 8; i++)
    buf[i] = (uint8_t)(ep->tx_off >> (8 * i));
  stream_fill(buf + 8, ep->tx_off + 8, len - 8);
  int rv = ncgt_conn_send_datagram(ep->c, NCGT_DATA_PROTO_IPV4, buf, len,
                                   ep->net->now);
  if (rv == 0) {
    ep->tx_off += len;
    ep->info.tx_bytes += len;
  }
  return rv;
}

size_t sim_ep_backlog(const sim_ep *ep) {
  if (!ep->link)
    return 0;
  const sim_dir *d = &ep->link->d[ep->end];
  return d->len - d->head;
}

void sim_ep_record(sim_ep *ep, int on) { ep->rec = on; }

const uint8_t *sim_ep_recorded(const sim_ep *ep, size_t *len) {
  *len = ep->reclen;
  return ep->recbuf;
}

/* ----------------------------------------------------------------- raw */

sim_raw *sim_raw_connect(sim *s, const char *to) {
  sim_raw *r = calloc(1, sizeof(*r));
  if (!r || s->nraws == 64)
    abort();
  r->net = s;
  r->link = link_new(s, to, OWN_RAW, r);
  s->raws[s->nraws++] = r;
  return r;
}

void sim_raw_listen(sim *s, const char *name, int up) {
  listener *l = add_listener(s, name);
  l->kind = 3;
  l->up = up;
}

sim_raw *sim_raw_accepted(sim *s, const char *name, unsigned nth) {
  listener *l = find_listener(s, name);
  return l && l->kind == 3 && nth < l->conns && nth < 8 ? l->acc[nth] : NULL;
}

static void raw_accept(sim *s, listener *li, sim_link *l) {
  sim_raw *r = calloc(1, sizeof(*r));
  if (!r || s->nraws == 64)
    abort();
  r->net = s;
  r->link = l;
  r->end = 1;
  r->connected = 1;
  s->raws[s->nraws++] = r;
  l->end[1].kind = OWN_RAW;
  l->end[1].p = r;
  if (li->conns - 1 < 8)
    li->acc[li->conns - 1] = r;
}

void sim_raw_send(sim_raw *r, const uint8_t *p, size_t n) {
  if (r->link)
    link_write(r->link, r->end, p, n);
}

void sim_raw_close(sim_raw *r) {
  if (r->link)
    link_close_end(r->link, r->end);
  r->link = NULL;
}

int sim_raw_connected(const sim_raw *r) { return r->connected; }
int sim_raw_closed(const sim_raw *r) { return r->closed; }

const uint8_t *sim_raw_rx(const sim_raw *r, size_t *len) {
  *len = r->rxlen;
  return r->rx;
}

/* ---------------------------------------------------------------- loop */

static void tell_connected(sim_link *l) {
  sim *s = l->net;
  sim_end e = l->end[0];
  switch (e.kind) {
  case OWN_EP:
    if (ncgt_conn_transport_connected(((sim_ep *)e.p)->c, s->now) < 0)
      break; /* the conn already went to Dying: nothing to do */
    break;
  case OWN_RS:
    (void)ncgt_rsess_connected(((sim_rs *)e.p)->rs, s->now);
    break;
  case OWN_RAW:
    ((sim_raw *)e.p)->connected = 1;
    break;
  default:
    break;
  }
}

/* Connect 218/236/241: refused, black-holed or accepted. */
static int link_connect(sim_link *l) {
  sim *s = l->net;
  if (l->end[0].kind == OWN_NONE) {
    l->state = LK_CLOSED;
    return 1;
  }
  listener *li = find_listener(s, l->to);
  if (li && li->blackhole)
    return 0;
  int up = li && ((li->kind == 1 && ((sim_server *)li->p)->up) ||
                  (li->kind == 2 && ((sim_relay *)li->p)->up) ||
                  (li->kind == 3 && li->up));
  if (!up) {
    link_reset(l);
    return 1;
  }
  link_arm(s, l, (int)li->conns++);
  l->state = LK_UP;
  if (li->kind == 1)
    server_accept(li->p, l);
  else if (li->kind == 2)
    relay_accept(li->p, l);
  else
    raw_accept(s, li, l);
  tell_connected(l);
  return 1;
}

/* No link end may point at a freed owner. */
static void detach_owner(sim *s, void *p) {
  for (size_t i = 0; i < s->nlinks; i++)
    for (int e = 0; e < 2; e++)
      if (s->links[i]->end[e].p == p && s->links[i]->end[e].kind != OWN_NONE)
        link_close_end(s->links[i], e);
}

/* Host behaviour: conn objects that reached Dead are deleted. */
static void collect(sim *s) {
  for (size_t i = 0; i < s->nservers; i++) {
    sim_server *ss = s->servers[i];
    sim_ep **pp = &ss->eps;
    while (*pp) {
      sim_ep *e = *pp;
      if (ncgt_conn_state(e->c) == NCGT_ST_DEAD) {
        ss->last_end = NCGT_ST_DEAD;
        *pp = e->next;
        detach_owner(s, e);
        ep_free(e);
      } else {
        pp = &e->next;
      }
    }
  }
  for (size_t i = 0; i < s->nrelays; i++) {
    sim_rs **pp = &s->relays[i]->sess;
    while (*pp) {
      sim_rs *r = *pp;
      if (ncgt_rsess_state(r->rs) == NCGT_ST_DEAD) {
        *pp = r->next;
        detach_owner(s, r);
        ncgt_rsess_del(r->rs);
        free(r);
      } else {
        pp = &r->next;
      }
    }
  }
}

static ncgt_tstamp next_expiry(sim *s) {
  ncgt_tstamp e = NCGT_TSTAMP_MAX, x;
  for (sim_ep *c = s->clients; c; c = c->next)
    if ((x = ncgt_conn_get_expiry(c->c)) < e)
      e = x;
  for (size_t i = 0; i < s->nservers; i++)
    for (sim_ep *c = s->servers[i]->eps; c; c = c->next)
      if ((x = ncgt_conn_get_expiry(c->c)) < e)
        e = x;
  for (size_t i = 0; i < s->nrelays; i++)
    for (sim_rs *r = s->relays[i]->sess; r; r = r->next)
      if ((x = ncgt_rsess_get_expiry(r->rs)) < e)
        e = x;
  return e;
}

static void run_timers(sim *s) {
  for (sim_ep *c = s->clients; c; c = c->next)
    if (ncgt_conn_get_expiry(c->c) <= s->now)
      (void)ncgt_conn_handle_expiry(c->c, s->now);
  for (size_t i = 0; i < s->nservers; i++)
    for (sim_ep *c = s->servers[i]->eps; c; c = c->next)
      if (ncgt_conn_get_expiry(c->c) <= s->now)
        (void)ncgt_conn_handle_expiry(c->c, s->now);
  for (size_t i = 0; i < s->nrelays; i++)
    for (sim_rs *r = s->relays[i]->sess; r; r = r->next)
      if (ncgt_rsess_get_expiry(r->rs) <= s->now)
        (void)ncgt_rsess_handle_expiry(r->rs, s->now);
}

static int sim_step_until(sim *s, ncgt_tstamp end);

int sim_step(sim *s) { return sim_step_until(s, NCGT_TSTAMP_MAX); }

/* One step; an idle clock never jumps past `end`. */
static int sim_step_until(sim *s, ncgt_tstamp end) {
  int busy = 0;
  if (s->hook)
    s->hook(s, s->hook_arg);
  size_t n = s->nlinks; /* links made during this step wait for the next */
  for (size_t i = 0; i < n; i++) {
    sim_link *l = s->links[i];
    if (l->state == LK_CONNECTING)
      busy |= link_connect(l);
    else if (l->state == LK_UP) {
      busy |= link_pump(l, 0);
      if (l->state == LK_UP)
        busy |= link_pump(l, 1);
    }
  }
  collect(s);
  if (busy) {
    s->now += s->o.tick;
    run_timers(s);
    collect(s);
    return 1;
  }
  ncgt_tstamp e = next_expiry(s);
  if (e == NCGT_TSTAMP_MAX)
    return 0;
  if (e > end) {
    s->now = end;
    return 1;
  }
  if (e > s->now)
    s->now = e;
  run_timers(s);
  collect(s);
  return 1;
}

int sim_run(sim *s, sim_pred pred, void *arg, ncgt_tstamp limit) {
  ncgt_tstamp end = s->now + limit;
  while (s->now < end) {
    if (pred && pred(s, arg))
      return 1;
    if (!sim_step_until(s, end)) {
      if (!pred)
        s->now = end; /* quiet: time passes anyway */
      return pred ? pred(s, arg) : 1;
    }
  }
  return pred ? pred(s, arg) : 0;
}

void sim_run_for(sim *s, ncgt_tstamp d) { (void)sim_run(s, NULL, NULL, d); }
