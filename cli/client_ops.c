/* ncg-client's control socket: status and `reconnect` (doc/status.md). */
#include <string.h>

#include "client.h"
#include "log.h"
#include "sys.h"

/* Ends the tunnel (CLOSE END_SESSION if it is up) and starts a new one
 * at once, without the reconnect backoff. */
static int cli_reconnect(cli_prog *p, ncg_buf *out) {
  if (p->stopping) {
    ncg_buf_printf(out, "ncg-client is stopping");
    return -1;
  }
  ncgt_tstamp now = ncg_now();
  ncg_info("%s event=reconnect by=control", p->t.ctx);
  if (ncgt_conn_state(p->t.conn) != NCGT_ST_DEAD)
    ncgt_conn_close(p->t.conn, NCGT_CLOSE_END_SESSION, now);
  int rc = ncgt_conn_start(p->t.conn, now);
  ncg_tunnel_after(&p->t);
  if (rc != 0) {
    ncg_buf_printf(out, "cannot start: %s", ncgt_strerror(rc));
    return -1;
  }
  ncg_buf_printf(out, "reconnecting\n");
  return 0;
}

static int cli_ctl(const ncg_ctl_req *req, ncg_buf *out, void *obj) {
  cli_prog *p = obj;
  if (req->verb == NCG_CTL_RECONNECT)
    return cli_reconnect(p, out);
  if (req->verb != NCG_CTL_STATUS) {
    ncg_buf_printf(out, "ncg-client does not take this verb");
    return -1;
  }
  ncg_st_tunnel t = {.t = &p->t, .addr = p->tunnel_addr};
  ncg_status s = {
    .program = "ncg-client",
    .name = p->conf.user,
    .now = ncg_now(),
    .started = p->started,
    .tunnels = &t,
    .ntunnels = 1,
  };
  memcpy(s.closes, ncg_tunnel_closes, sizeof(s.closes));
  ncg_status_render(out, &s, req->format);
  return 0;
}

int cli_ops_open(cli_prog *p) {
  p->started = ncg_now();
  return ncg_ctl_open(&p->ctl, &p->loop, &p->conf.ops, cli_ctl, p);
}
