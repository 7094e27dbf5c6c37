/* ncg-server's control socket: status and `disconnect USER`
 * (doc/status.md). */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server.h"
#include "sys.h"

static int srv_status(srv_prog *p, ncg_ctl_format f, ncg_buf *out) {
  ncg_st_tunnel *v = calloc(p->ntunnels ? p->ntunnels : 1, sizeof(*v));
  if (!v) {
    ncg_buf_printf(out, "out of memory");
    return -1;
  }
  size_t n = 0;
  for (srv_tunnel *st = p->tunnels; st && n < p->ntunnels; st = st->next) {
    if (st->dying || !st->t.conn)
      continue;
    v[n].t = &st->t;
    v[n].addr = st->addr;
    n++;
  }
  ncgt_server_stats ss;
  ncgt_server_get_stats(p->server, &ss);
  ncg_status s = {
    .program = "ncg-server",
    .name = p->conf.name,
    .now = ncg_now(),
    .started = p->started,
    .tunnels = v,
    .ntunnels = n,
    .srv = &ss,
    .drops_no_tunnel = p->no_tunnel_drops,
  };
  memcpy(s.closes, ncg_tunnel_closes, sizeof(s.closes));
  ncg_status_render(out, &s, f);
  free(v);
  return 0;
}

static int srv_disconnect(srv_prog *p, const char *user, ncg_buf *out) {
  if (!ncgt_server_find_user(p->server, user)) {
    ncg_buf_printf(out, "no tunnel of user %s", user);
    return -1;
  }
  ncg_info("user=%s event=disconnect by=control", user);
  /* RESET, not END_SESSION: the client comes back by itself (as after
   * OpenVPN's `kill`); removing the user from the users file keeps it
   * out. */
  ncgt_server_close_user(p->server, user, NCGT_CLOSE_RESET, ncg_now());
  for (srv_tunnel *st = p->tunnels; st; st = st->next)
    ncg_tunnel_after(&st->t);
  ncg_buf_printf(out, "disconnected %s\n", user);
  return 0;
}

static int srv_ctl(const ncg_ctl_req *req, ncg_buf *out, void *obj) {
  srv_prog *p = obj;
  switch (req->verb) {
  case NCG_CTL_STATUS:
    return srv_status(p, req->format, out);
  case NCG_CTL_DISCONNECT:
    return srv_disconnect(p, req->user, out);
  default:
    ncg_buf_printf(out, "ncg-server does not take this verb");
    return -1;
  }
}

int srv_ops_open(srv_prog *p) {
  p->started = ncg_now();
  return ncg_ctl_open(&p->ctl, &p->loop, &p->conf.ops, srv_ctl, p);
}
