/*
 * ncg-server: tunnels, authorisation (Fig. 12 step 223), the users file
 * and its reload, shutdown (server.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "server.h"
#include "sys.h"

static void srv_tunnel_destroy(void *obj) {
  srv_tunnel *st = obj;
  srv_prog *p = st->p;
  *st->pprev = st->next;
  if (st->next)
    st->next->pprev = st->pprev;
  p->ntunnels--;
  ncg_tunnel_fini(&st->t);
  ncgt_conn_del(st->t.conn);
  free(st);
  if (!p->stopping)
    ncg_notify("STATUS=%zu tunnels", p->ntunnels);
  if (p->stopping && p->ntunnels == 0)
    ncg_loop_stop(&p->loop);
}

static void srv_tunnel_after(ncg_tunnel *t) {
  srv_tunnel *st = (srv_tunnel *)t;
  if (st->dying || ncgt_conn_state(t->conn) != NCGT_ST_DEAD)
    return;
  st->dying = 1;
  srv_dp_unbind(st->p, st);
  ncg_timer_stop(t->loop, &t->timer);
  ncg_loop_defer(t->loop, srv_tunnel_destroy, st);
}

static int cb_recv_dgram(ncgt_conn *c, const ncgt_datagram *d, void *ud) {
  srv_tunnel *st = ud;
  (void)c;
  srv_dp_from_tunnel(st->p, st, d);
  return 0;
}

static void cb_authorized(ncgt_conn *c, const uint8_t *cd, size_t len,
                          int rekey, void *ud) {
  srv_tunnel *st = ud;
  char as[16];
  (void)cd;
  (void)len;
  ncg_tunnel_set_ctx(&st->t);
  if (rekey) {
    ncg_debug("%s event=rekeyed", st->t.ctx);
    return;
  }
  char a6[46] = "none";
  srv_dp_bind(st->p, st);
  if (st->has_addr6)
    ncg_ip6_str(st->addr6, a6);
  ncg_info("%s event=authorized address=%s address6=%s transform=%s gso=%s",
           st->t.ctx, ncg_ip4_str(st->addr, as), a6,
           ncgt_transform_name(ncgt_conn_transform(c)),
           st->nogso ? "off" : "on");
  ncg_notify("STATUS=%zu tunnels", st->p->ntunnels);
}

static void cb_closed(ncgt_conn *c, const ncgt_close_info *ci, void *ud) {
  srv_tunnel *st = ud;
  (void)c;
  srv_dp_unbind(st->p, st);
  ncg_tunnel_log_closed(&st->t, ci);
}

static ncgt_conn_callbacks srv_conn_cb; /* filled by srv_setup */

static void on_accept(int fd, const ncg_addr *peer, void *obj) {
  srv_prog *p = obj;
  srv_tunnel *st = calloc(1, sizeof(*st));
  if (!st || p->stopping) {
    free(st);
    close(fd);
    return;
  }
  st->p = p;
  ncg_tunnel_init(&st->t, &p->loop, p->conf.queue_limit, srv_tunnel_after);
  if (ncg_tunnel_adopt(&st->t, fd, peer) != 0) {
    free(st);
    return;
  }
  /* The source IP (not the port) is what max_pending_per_address counts */
  const uint8_t *ip = NULL;
  size_t iplen = 0;
  if (peer && peer->ss.ss_family == AF_INET) {
    ip = (const uint8_t *)&((const struct sockaddr_in *)&peer->ss)->sin_addr;
    iplen = 4;
  } else if (peer && peer->ss.ss_family == AF_INET6) {
    ip = (const uint8_t *)&((const struct sockaddr_in6 *)&peer->ss)->sin6_addr;
    iplen = 16;
  }
  int rc = ncgt_server_accept_from(p->server, &st->t.conn, &srv_conn_cb, st,
                                   ip, iplen, ncg_now());
  if (rc == NCGT_ERR_FULL) { /* the library logs refusals, rate-limited */
    ncg_tunnel_fini(&st->t);
    free(st);
    return;
  }
  if (rc != 0) {
    ncg_warn("%s event=accept-failed error=\"%s\"", st->t.ctx,
             ncgt_strerror(rc));
    ncg_tunnel_fini(&st->t);
    free(st);
    return;
  }
  st->next = p->tunnels;
  if (st->next)
    st->next->pprev = &st->next;
  st->pprev = &p->tunnels;
  p->tunnels = st;
  p->ntunnels++;
  ncg_debug("%s event=accepted", st->t.ctx);
  ncg_tunnel_after(&st->t);
}

static int key_equal(const uint8_t *a, const uint8_t *b) {
  uint8_t d = 0;
  for (size_t i = 0; i < NCGT_KEY_BYTES; i++)
    d |= a[i] ^ b[i];
  return d == 0;
}

/* The IPv6 part (options 224-226): the user's stable address in the
 * server's prefix, the server-wide then the user's IPv6 routes, DNS. */
static int srv_client_data6(srv_prog *p, const ncg_user *u,
                            srv_tunnel *st, ncgt_client_config6 *c6) {
  const ncg_server_conf *c = &p->conf;
  memset(c6, 0, sizeof(*c6));
  st->has_addr6 = 0;
  if (c->plen6 == 0)
    return 0;
  if (ncg_pool_address6(c->address6, c->plen6, c->address6, &p->users, u,
                        st->addr6) != 0)
    return -1;
  st->has_addr6 = 1;
  memcpy(c6->client_addr, st->addr6, 16);
  c6->prefix_len = (uint8_t)c->plen6;
  memcpy(c6->server_addr, c->address6, 16);
  c6->flags = (uint8_t)((c->autonomous ? NCGT_CC6_F_AUTONOMOUS : 0) |
                        (c->default_route ? NCGT_CC6_F_DEFAULT : 0));
  for (size_t i = 0; i < c->nroutes6 + u->nroutes6; i++) {
    const ncg_route6 *r = i < c->nroutes6 ? &c->routes6[i]
                                          : &u->routes6[i - c->nroutes6];
    if (c6->nroutes >= NCGT_CC6_ROUTES_MAX)
      break;
    memcpy(c6->routes[c6->nroutes].dest, r->dst, 16);
    c6->routes[c6->nroutes++].prefix_len = (uint8_t)r->plen;
  }
  c6->ndns = c->ndns6;
  memcpy(c6->dns, c->dns6, c->ndns6 * 16);
  return 0;
}

/* The client data for a user (Fig. 23): its address in the tunnel
 * subnet, the server as router for the configured and per-user routes,
 * MTU, DNS, lease. */
static int srv_client_data(srv_prog *p, const ncg_user *u, srv_tunnel *st,
                           ncgt_authz *out) {
  uint32_t addr = st->addr;
  const ncg_server_conf *c = &p->conf;
  ncgt_client_config cc;
  memset(&cc, 0, sizeof(cc));
  cc.client_addr = addr;
  cc.prefix_len = (uint8_t)c->plen;
  cc.server_addr = c->address;
  cc.default_route = c->default_route;
  cc.mtu = (uint16_t)c->mtu;
  cc.lease_s = c->lease_time;
  for (size_t i = 0; i < c->nroutes + u->nroutes; i++) {
    const ncg_route4 *r = i < c->nroutes ? &c->routes[i]
                                         : &u->routes[i - c->nroutes];
    if (cc.nroutes >= NCGT_CC_ROUTES_MAX)
      break;
    cc.routes[cc.nroutes++] = (ncgt_route4){ r->dst, (uint8_t)r->plen,
                                             c->address };
  }
  if (c->default_route && cc.nroutes < NCGT_CC_ROUTES_MAX)
    cc.routes[cc.nroutes++] = (ncgt_route4){ 0, 0, c->address };
  cc.ndns = c->ndns;
  memcpy(cc.dns, c->dns, c->ndns * sizeof(cc.dns[0]));
  cc.domain_len = strlen(c->domain);
  memcpy(cc.domain, c->domain, cc.domain_len + 1);
  ncgt_client_config6 c6;
  if (srv_client_data6(p, u, st, &c6) != 0)
    return -1;
  ssize_t n = ncgt_client_config_encode6(out->client_data,
                                         sizeof(out->client_data), &cc, &c6);
  if (n < 0)
    return (int)n;
  out->client_data_len = (size_t)n;
  return 0;
}

/* Fig. 12 step 223: is this user, with this key, allowed? */
static int cb_authorize(ncgt_server *srv, ncgt_conn *c, const char *dest,
                        const char *user, const uint8_t pub[32],
                        ncgt_authz *out, void *ud) {
  srv_prog *p = ud;
  srv_tunnel *st = ncgt_conn_get_user_data(c);
  const ncg_user *u = ncg_users_find(&p->users, user);
  const char *reason = NULL;
  (void)srv;
  out->accept = 0;
  out->close_status = NCGT_CLOSE_AUTH_FAILED;
  if (!u)
    reason = "unknown-user";
  else if (!key_equal(u->public_key, pub))
    reason = "wrong-key";
  else if (!(st->addr = ncg_pool_address(&p->pool, &p->users, u))) {
    reason = "pool-exhausted";
    out->close_status = NCGT_CLOSE_SERVER_FULL;
    out->retry_after = 60;
  } else if (srv_client_data(p, u, st, out) != 0) {
    reason = "bad-client-data";
  }
  if (p->pool.save_errno) {
    ncg_warn("event=pool-save state_file=%s error=\"%s\"", p->pool.state_path,
             strerror(p->pool.save_errno));
    p->pool.save_errno = 0;
  }
  /* The claimed name goes on every later line of this tunnel, refused
   * or not (the library names the user only once authorised). */
  char esc[NCG_LOG_ESC_MAX];
  snprintf(st->t.ctx, sizeof(st->t.ctx), "user=%s peer=%s",
           ncg_log_esc(user, esc, sizeof(esc)), st->t.s.peer_str);
  if (reason) {
    ncg_warn("%s event=refused reason=%s status=%s dest=%s", st->t.ctx,
             reason, ncgt_close_status_name(out->close_status),
             ncg_log_esc(dest, esc, sizeof(esc)));
    return 0;
  }
  out->accept = 1;
  if (u->has_psk) {
    memcpy(out->psk, u->psk, sizeof(out->psk));
    out->has_psk = 1;
  }
  return 0;
}

static int srv_listen(srv_prog *p) {
  for (size_t i = 0; i < p->conf.listen.n; i++) {
    char as[NCG_ADDR_STRLEN];
    ncg_addr_str(&p->conf.listen.v[i], as, sizeof(as));
    if (ncg_listener_open(&p->ls[i], &p->loop, &p->conf.listen.v[i],
                          on_accept, p) != 0) {
      ncg_err("event=listen addr=%s error=\"%s\"", as, strerror(errno));
      return -1;
    }
    p->nls++;
    ncg_info("event=listening addr=%s name=%s", as, p->conf.name);
  }
  return 0;
}

/* The last steps, once everything that can fail has succeeded. */
void srv_start(srv_prog *p) {
  srv_dp_forwarding(p);
  /* Every listener is bound: systemd may start what comes After= us. */
  ncg_notify("READY=1\nSTATUS=listening on %zu addresses as %s, 0 tunnels",
             p->nls, p->conf.name);
}

static void on_stop_timer(void *obj, ncgt_tstamp now) {
  (void)now;
  ncg_loop_stop(obj);
}

int srv_setup(srv_prog *p) {
  static const ncgt_server_callbacks cb = {
    .version = NCGT_SERVER_CALLBACKS_V2,
    .authorize = cb_authorize,
    .log = ncg_log_lib_plain,
    .rand = ncg_rand,
  };
  const ncg_server_conf *c = &p->conf;
  size_t skipped;
  ncg_tunnel_callbacks(&srv_conn_cb);
  srv_conn_cb.recv_dgram = cb_recv_dgram;
  srv_conn_cb.authorized = cb_authorized;
  srv_conn_cb.closed = cb_closed;
  p->tap.fd = p->nl.fd = -1;
  ncg_timer_init(&p->stop_timer, on_stop_timer, &p->loop);
  if (ncg_pool_init(&p->pool, c->pool_first, c->pool_last, c->address,
                    c->state_path, &skipped) != 0) {
    ncg_err("event=pool error=\"bad pool range\"");
    return -1;
  }
  if (skipped)
    ncg_warn("event=pool state_file=%s skipped_lines=%zu", c->state_path,
             skipped);
  ncgt_server_settings s = {
    .version = NCGT_SERVER_SETTINGS_V3,
    .max_sessions = c->max_sessions,
    .max_pending = c->max_pending,
    .max_pending_per_addr = c->max_pending_per_addr,
    .timers = c->timers,
    .features = c->offload ? NCGT_FEATURE_GSO : 0,
    .transforms = c->transforms.mask, /* 0: all */
  };
  int rc = ncgt_server_new(&p->server, &s, &cb, p);
  if (rc == 0) /* the configured order is the server's preference */
    rc = ncgt_server_set_transform_order(p->server, c->transforms.order,
                                         c->transforms.n);
  if (rc == 0)
    rc = ncgt_server_add_identity(p->server, c->name, c->private_key);
  if (rc != 0) {
    ncg_err("event=server-setup error=\"%s\"", ncgt_strerror(rc));
    return -1;
  }
  ncg_server_conf_wipe(&p->conf);
  ncg_info("event=users file=%s count=%zu", c->users_path, p->users.n);
  /* Start-up order (issue 13): bind first, so a port in use fails before
   * anything touches the system; then the TAP; forwarding last
   * (srv_start). srv_teardown undoes what was done. */
  if (srv_listen(p) != 0)
    return -1;
  return srv_dp_setup(p);
}

void srv_teardown(srv_prog *p) {
  while (p->tunnels)
    srv_tunnel_destroy(p->tunnels);
  for (size_t i = 0; i < p->nls; i++)
    ncg_listener_close(&p->ls[i], &p->loop);
  srv_dp_teardown(p);
  ncgt_server_del(p->server);
  ncg_pool_free(&p->pool);
  ncg_users_free(&p->users);
  ncg_ctl_close(&p->ctl);
  ncg_loop_fini(&p->loop);
}

void srv_shutdown(srv_prog *p) {
  if (p->stopping)
    return;
  p->stopping = 1;
  ncg_notify("STOPPING=1\nSTATUS=closing %zu tunnels", p->ntunnels);
  for (size_t i = 0; i < p->nls; i++)
    ncg_listener_close(&p->ls[i], &p->loop);
  ncgt_server_shutdown(p->server, ncg_now());
  for (srv_tunnel *st = p->tunnels; st; st = st->next)
    ncg_tunnel_after(&st->t);
  if (p->ntunnels == 0)
    ncg_loop_stop(&p->loop);
  ncg_timer_set(&p->loop, &p->stop_timer, ncg_now() + 2 * NCGT_SECONDS);
}
