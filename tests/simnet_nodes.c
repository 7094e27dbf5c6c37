/* simnet: servers, relays, clients and raw peers on top of the links
 * of simnet.c (the host behaviour the library's callbacks see). */
#include "simnet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ conn callbacks */

/* Library log lines, with the virtual time, when verbose. */
static void sim_log_line(sim *s, ncgt_log_level lvl, const char *msg) {
  if (s->o.verbose)
    fprintf(stderr, "[%8.3f] %d %s\n", (double)s->now / 1e9, (int)lvl, msg);
}

/* A host callback that fails now and then (sim_opts.cbfail_permille). */
int cb_fails(sim *s) {
  return s->o.cbfail_permille && rnd(s, 1000) < s->o.cbfail_permille;
}

static int cb_send(ncgt_conn *c, const uint8_t *data, size_t len, void *ud) {
  sim_ep *ep = ud;
  (void)c;
  if (cb_fails(ep->net))
    return -1;
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
  if (cb_fails(ep->net))
    return -1;
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
  return cb_fails(ep->net) ? -1 : 0;
}

static int cb_rand(uint8_t *buf, size_t len, void *ud) {
  sim_ep *ep = ud;
  if (cb_fails(ep->net))
    return -1;
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
  sim_log_line(ep->net, lvl, msg);
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
  sim_log_line(ss->net, lvl, msg);
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
    if (ncgt_server_add_identity(ss->srv, ss->ids[i].name, ss->ids[i].priv) < 0)
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
int server_accept(sim_server *ss, sim_link *l) {
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
  if (cb_fails(sr->net))
    return -1;
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
  if (cb_fails(r->sr->net))
    return -1;
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
  sim_log_line(sr->net, lvl, msg);
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

ncgt_rsess *sim_relay_newest(const sim_relay *sr) {
  return sr->sess ? sr->sess->rs : NULL;
}

int relay_accept(sim_relay *sr, sim_link *l) {
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

void raw_accept(sim *s, listener *li, sim_link *l) {
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
