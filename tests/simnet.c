/* simnet: see simnet.h. Test code: clarity over speed, but no quadratic
 * copying, so 100 MiB runs through it in well under a second. */
#include "simnet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncgt_crypto.h"

unsigned long sim_visits[SIM_ROLES][NCGT_ST_COUNT_];
unsigned long sim_trans[SIM_ROLES][NCGT_ST_COUNT_][NCGT_ST_COUNT_];

/* ---------------------------------------------------------------- misc */

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t sim_rand(sim *s) { return splitmix(&s->rng); }

uint64_t rnd(sim *s, uint64_t n) { return n ? sim_rand(s) % n : 0; }

ncgt_tstamp sim_now(const sim *s) { return s->now; }

/* Bytes [off, off + n) of the deterministic datagram stream: byte i is
 * byte (i & 7) of splitmix(i >> 3), so one hash makes eight bytes. */
void stream_fill(uint8_t *p, uint64_t off, size_t n) {
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
uint64_t stream_diff(const uint8_t *p, uint64_t off, size_t n) {
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
  /* Every world derives the same few keys: remember them. */
  static struct {
    uint64_t tag;
    uint8_t pub[32];
    int set;
  } cache[32];
  uint64_t x = tag * 7919 + 1;
  for (int i = 0; i < 32; i += 8) {
    uint64_t v = splitmix(&x);
    memcpy(priv + i, &v, 8);
  }
  size_t slot = (size_t)(tag % 32);
  if (cache[slot].set && cache[slot].tag == tag) {
    memcpy(pub, cache[slot].pub, 32);
    return;
  }
  if (ncgt_x25519_pub(pub, priv) < 0)
    abort();
  cache[slot].tag = tag;
  memcpy(cache[slot].pub, pub, 32);
  cache[slot].set = 1;
}

void record_state(int role, ncgt_state from, ncgt_state to) {
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
  unsigned seen =
      d->count[f->frame_type && f->frame_type < 8 ? f->frame_type : 0];
  return (int)seen == f->frame_nth + 1;
}

static void dir_fire(sim *s, sim_dir *d, const sim_fault *f, uint32_t flen) {
  uint64_t off = f->offset >= 0              ? (uint64_t)f->offset % flen
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

void link_write(sim_link *l, int from, const uint8_t *p, size_t n) {
  if (l->state == LK_CLOSED || l->d[from].fin)
    return;
  sim_dir *d = &l->d[from];
  uint64_t base = d->enq;
  dir_push(d, p, n);
  dir_track(l->net, d, p, n, base);
  dir_apply_corruption(d);
}

/* --------------------------------------------------------------- links */

sim_link *link_new(sim *s, const char *to, int kind0, void *p0) {
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
void link_tell_error(sim_link *l, int i, int connecting) {
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
void link_close_end(sim_link *l, int i) {
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

void ep_free(sim_ep *ep) {
  ncgt_conn_del(ep->c);
  free(ep->recbuf);
  free(ep);
}

void server_drop_conns(sim_server *ss) {
  while (ss->eps) {
    sim_ep *n = ss->eps->next;
    ep_free(ss->eps);
    ss->eps = n;
  }
}

void relay_drop_sessions(sim_relay *sr) {
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

listener *find_listener(sim *s, const char *name) {
  for (size_t i = 0; i < s->nlis; i++)
    if (strcmp(s->lis[i].name, name) == 0)
      return &s->lis[i];
  return NULL;
}

listener *add_listener(sim *s, const char *name) {
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

void sim_set_cbfail(sim *s, unsigned permille) {
  s->o.cbfail_permille = permille;
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
