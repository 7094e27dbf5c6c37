/*
 * ncg-client's SIGHUP (doc/configuration.md "Reloading"): the
 * configuration is read again. A broken file changes nothing. When
 * something the handshake is made of changed (user, keys, path, server,
 * origin, timers, or the [hosts] entry of the first hop), the tunnel is
 * closed (CLOSE end-session) and a new one started at once with the new
 * values; otherwise (log_level, queue_limit, other [hosts] entries) the
 * new values apply without touching the tunnel. The TAP's settings and
 * the control socket need a restart: logged, old values kept (reload.h).
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "ctl.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "sys.h"

/* Did the [hosts] entry for the first hop change? Names not in [hosts]
 * are looked up at each connect anyway. */
static int first_hop_moved(const ncg_client_conf *a, const ncg_client_conf *b) {
  const ncg_addr *x = NULL, *y = NULL;
  for (size_t i = 0; i < a->hosts.n; i++)
    if (strcmp(a->hosts.v[i].name, a->path[0]) == 0)
      x = &a->hosts.v[i].addr;
  for (size_t i = 0; i < b->hosts.n; i++)
    if (strcmp(b->hosts.v[i].name, b->path[0]) == 0)
      y = &b->hosts.v[i].addr;
  if (!x || !y)
    return x != y;
  return memcmp(x, y, sizeof(*x)) != 0;
}

/* Ends the running tunnel and starts `c` (already created) at once. */
static void cli_reload_swap(cli_prog *p, ncgt_conn *c) {
  ncgt_tstamp now = ncg_now();
  ncgt_conn *old = p->t.conn;
  ncg_info("%s event=reconnect by=reload", p->t.ctx);
  ncgt_state st = ncgt_conn_state(old);
  if (st != NCGT_ST_DEAD && st != NCGT_ST_IDLE)
    ncgt_conn_close(old, NCGT_CLOSE_END_SESSION, now);
  ncg_stream_close(&p->t.s);
  p->t.conn = c;
  ncgt_conn_del(old);
  snprintf(p->t.ctx, sizeof(p->t.ctx), "user=%s peer=-", p->conf.user);
  int rc = ncgt_conn_start(c, now);
  if (rc != 0)
    ncg_err("%s event=start error=\"%s\"", p->t.ctx, ncgt_strerror(rc));
  ncg_tunnel_after(&p->t);
}

/* Takes *merged as the running configuration; frees what is left of
 * the old one and of *nc (the hosts table lives in exactly one). */
static void cli_reload_adopt(cli_prog *p, ncg_client_conf *nc,
                             ncg_client_conf *merged) {
  ncg_client_conf old = p->conf;
  ncg_hosts_disown(&merged->hosts, &old.hosts, &nc->hosts);
  p->conf = *merged;
  ncg_client_conf_free(&old);
  ncg_client_conf_free(nc);
  ncgt_key_wipe(merged, sizeof(*merged));
}

void cli_reload(cli_prog *p) {
  ncg_client_conf nc, merged;
  ncg_ini ini;
  ncg_conf_diff d;
  if (p->stopping)
    return;
  ncg_reload_notify_start(p->config_path);
  if (ncg_client_conf_load(&nc, p->config_path, &ini) != 0) {
    ncg_err("event=reload-refused error=\"%s\" (nothing changed)", ini.msg);
    ncg_notify("READY=1\nSTATUS=reload refused (see the log)");
    return;
  }
  if (!nc.ops.control[0])
    ncg_ctl_default_path(nc.ops.control, "ncg-client", p->config_path);
  ncg_conf_merge(ncg_client_conf_fields, ncg_client_conf_nfields,
                 sizeof(nc), &p->conf, &nc, &merged, &d);
  int reconnect =
      d.changed[NCG_RELOAD_RECONNECT] > 0 || first_hop_moved(&p->conf, &nc);
  ncgt_conn *c = NULL;
  int rc = reconnect ? cli_conn_new(p, &merged, &c) : 0;
  if (rc != 0) {
    ncg_err("event=reload-refused error=\"%s\" (nothing changed)",
            ncgt_strerror(rc));
    ncgt_key_wipe(&merged, sizeof(merged));
    ncg_client_conf_free(&nc);
    ncg_notify("READY=1\nSTATUS=reload refused (see the log)");
    return;
  }
  ncg_reload_log_kept(ncg_client_conf_fields, ncg_client_conf_nfields,
                      &p->conf, &nc, &d);
  cli_reload_adopt(p, &nc, &merged);
  p->t.qlimit = p->conf.queue_limit;
  ncg_reload_log_settings(p->cmdline_level, p->conf.log_level,
                          p->conf.log_target);
  ncg_info("event=reloaded changed=\"%s%s%s\" reconnect=%s",
           d.names[NCG_RELOAD_RECONNECT],
           d.changed[NCG_RELOAD_RECONNECT] && d.changed[NCG_RELOAD_LIVE]
               ? ","
               : "",
           d.changed[NCG_RELOAD_LIVE] ? d.names[NCG_RELOAD_LIVE] : "",
           reconnect ? "yes" : "no");
  if (reconnect)
    cli_reload_swap(p, c);
  ncg_notify("READY=1\nSTATUS=reloaded%s",
             reconnect ? ", reconnecting" : "");
}
