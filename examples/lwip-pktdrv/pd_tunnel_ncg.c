/*
 * The lwIP example's tunnel: a libncgtun initiator (patent Fig. 11) over
 * the programs' stream and loop (host/tunnel.h, the ncghost library), configured from an
 * ncg-client configuration file. See pd_tunnel.h.
 */
#include "pd_tunnel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ncgtun/conn.h>

#include "client_conf.h"
#include "log.h"
#include "loop.h"
#include "sys.h"
#include "tunnel.h"

struct pd_tunnel {
  ncg_tunnel t; /* first: the library's user_data */
  ncg_loop loop;
  ncg_client_conf conf;
  pdrv_shim *shim;
  pdrv_adlink *adl;
  int up;
};

/* Fig. 11 195 TCP Open: connect to the first hop. Non-zero is a
 * transport failure: the library retries after its backoff (conn.h). */
static int cb_open_transport(ncgt_conn *c, const char *next_hop, void *ud) {
  pd_tunnel *p = ud;
  ncg_addr to;
  const char *why = NULL;
  (void)c;
  if (ncg_hosts_resolve(&p->conf.hosts, next_hop, &to, &why) == 0 &&
      ncg_tunnel_connect(&p->t, &to) == 0)
    return 0;
  ncg_warn("hop=%s event=connect-failed error=\"%s\"", next_hop,
           why ? why : strerror(errno));
  return -1;
}

/* A datagram out of the tunnel: to the shim (input policy, adapter). */
static int cb_recv_datagram(ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                            size_t len, void *ud) {
  pd_tunnel *p = ud;
  (void)c;
  if (proto == NCGT_DATA_PROTO_IPV4)
    (void)pdrv_shim_from_tunnel(p->shim, dg, len);
  return 0;
}

/* Fig. 23: the client data: the adapter answers from it and the shim
 * sends protected datagrams from its address. */
static void cb_authorized(ncgt_conn *c, const uint8_t *cd, size_t len,
                          int rekey, void *ud) {
  pd_tunnel *p = ud;
  (void)c;
  if (rekey)
    return;
  int rc = pdrv_adlink_set_client_data(p->adl, cd, len);
  if (rc != 0) {
    ncg_err("event=bad-client-data error=\"%s\"", ncgt_strerror(rc));
    return;
  }
  p->up = 1;
  ncg_info("event=authorized");
}

static void cb_closed(ncgt_conn *c, const ncgt_close_info *ci, void *ud) {
  pd_tunnel *p = ud;
  (void)c;
  p->up = 0;
  ncg_tunnel_log_closed(&p->t, ci);
}

/* The shim's tunnel interface. */
static int tunnel_send(const uint8_t *dg, size_t len, void *ctx) {
  pd_tunnel *p = ctx;
  return ncg_tunnel_send_datagram(&p->t, NCGT_DATA_PROTO_IPV4, dg, len) == 0
             ? 0
             : -1;
}

static int conn_start(pd_tunnel *p) {
  static ncgt_conn_callbacks cb;
  ncg_tunnel_callbacks(&cb);
  cb.open_transport = cb_open_transport;
  cb.recv_datagram = cb_recv_datagram;
  cb.authorized = cb_authorized;
  cb.closed = cb_closed;
  /* No GSO: the packet-driver interface carries one frame at a time. */
  int rc = ncg_client_conf_conn_new(&p->conf, 0, &cb, p, &p->t.conn);
  if (rc == 0)
    rc = ncgt_conn_start(p->t.conn, ncg_now());
  ncg_tunnel_after(&p->t);
  return rc;
}

int pd_tunnel_open(pd_tunnel **out, const char *client_conf,
                   pdrv_shim *shim, pdrv_adlink *adl, char *err,
                   size_t errlen) {
  pd_tunnel *p = calloc(1, sizeof(*p));
  ncg_ini ini;
  memset(&ini, 0, sizeof(ini));
  if (!p)
    return -1;
  if (ncg_client_conf_load(&p->conf, client_conf, &ini) != 0) {
    snprintf(err, errlen, "%s", ini.msg);
    free(p);
    return -1;
  }
  ncg_log_init("lwip-pktdrv", (ncgt_log_level)p->conf.log_level);
  if (ncg_loop_init(&p->loop) != 0) {
    snprintf(err, errlen, "event loop: %s", strerror(errno));
    ncg_client_conf_free(&p->conf);
    free(p);
    return -1;
  }
  ncg_tunnel_init(&p->t, &p->loop, p->conf.queue_limit, NULL);
  snprintf(p->t.ctx, sizeof(p->t.ctx), "user=%s peer=-", p->conf.user);
  p->shim = shim;
  p->adl = adl;
  pdrv_tunnel tun = {tunnel_send, p};
  pdrv_shim_set_tunnel(shim, &tun);
  int rc = conn_start(p);
  if (rc != 0) {
    snprintf(err, errlen, "tunnel start: %s", ncgt_strerror(rc));
    pd_tunnel_close(p);
    return -1;
  }
  *out = p;
  return 0;
}

void pd_tunnel_close(pd_tunnel *p) {
  if (!p)
    return;
  pdrv_shim_set_tunnel(p->shim, NULL);
  ncg_tunnel_fini(&p->t);
  ncgt_conn_del(p->t.conn);
  ncg_loop_fini(&p->loop);
  ncg_client_conf_free(&p->conf);
  free(p);
}

int pd_tunnel_fd(const pd_tunnel *p) { return p->loop.epfd; }

int pd_tunnel_timeout_ms(const pd_tunnel *p) {
  if (p->loop.ndefer)
    return 0;
  if (!p->loop.nheap)
    return 100;
  ncgt_tstamp when = p->loop.heap[0]->when, now = ncg_now();
  if (when <= now)
    return 0;
  ncgt_tstamp ms = (when - now) / NCGT_MILLISECONDS + 1;
  return ms > 100 ? 100 : (int)ms;
}

void pd_tunnel_dispatch(pd_tunnel *p) { (void)ncg_loop_once(&p->loop, 0); }

int pd_tunnel_up(const pd_tunnel *p) { return p->up; }
