/*
 * ncg-server's SIGHUP (doc/configuration.md "Reloading"): server.conf
 * and the users file are read again. Both must load, or nothing changes.
 * Limits, timers, the log and the client data (routes, DNS, domain,
 * default route, lease) take effect at once for every handshake from
 * now on; what the TAP, the listeners, the pool or the identity were
 * built from needs a restart and keeps its old value (reload.h).
 *
 * Tunnels that are up keep the client data they were given: a rekey's
 * RESPONSE carries none (doc/protocol.md), so new routes and DNS reach a
 * client at its next tunnel (a reconnect, or `ncg-client reconnect`).
 */
#include <string.h>

#include "ctl.h"
#include "log.h"
#include "notify.h"
#include "prog.h"
#include "reload.h"
#include "server.h"
#include "sys.h"

void srv_reload_init(srv_prog *p, const ncg_cmdline *cl) {
  p->config_path = cl->config;
  p->cmdline_level = cl->log_level;
  if (ncgt_pubkey(p->server_pub, p->conf.private_key) != 0)
    memset(p->server_pub, 0, sizeof(p->server_pub));
}

static int user_still_valid(const ncg_users *nu, const ncg_user *old) {
  const ncg_user *u = ncg_users_find(nu, old->name);
  return u &&
         memcmp(u->public_key, old->public_key, NCGT_KEY_BYTES) == 0 &&
         u->has_psk == old->has_psk &&
         (!u->has_psk || memcmp(u->psk, old->psk, NCGT_KEY_BYTES) == 0) &&
         u->address == old->address && u->has_address6 == old->has_address6 &&
         (!u->has_address6 || memcmp(u->address6, old->address6, 16) == 0);
}

size_t srv_users_replace(srv_prog *p, ncg_users *nu) {
  ncgt_tstamp now = ncg_now();
  size_t closed = 0;
  for (size_t i = 0; i < p->users.n; i++) {
    const ncg_user *old = &p->users.v[i];
    if (user_still_valid(nu, old) ||
        !ncgt_server_find_user(p->server, old->name))
      continue;
    ncg_info("user=%s event=removed", old->name);
    ncgt_server_close_user(p->server, old->name, NCGT_CLOSE_END_SESSION, now);
    closed++;
  }
  ncg_users_free(&p->users);
  p->users = *nu;
  memset(nu, 0, sizeof(*nu));
  for (srv_tunnel *st = p->tunnels; st; st = st->next)
    ncg_tunnel_after(&st->t);
  return closed;
}

/* The limits and timers of the library's server (ncgt_server_update). */
static void srv_reload_limits(srv_prog *p) {
  ncgt_server_settings s;
  ncgt_server_settings_default(&s);
  s.transforms = 0; /* keep what setup chose */
  s.retry_after = 0;
  s.max_sessions = p->conf.max_sessions;
  s.timers = p->conf.timers;
  int rc = ncgt_server_update(p->server, &s);
  if (rc != 0)
    ncg_err("event=reload error=\"%s\" (limits unchanged)",
            ncgt_strerror(rc));
}

/* Loads both files; 0, or -1 logged with nothing to free. The new
 * private key is compared by its public key, then wiped like the
 * running one, so the table sees it unchanged. */
static int srv_reload_load(srv_prog *p, ncg_server_conf *nc, ncg_users *nu,
                           int *key_changed) {
  ncg_ini ini;
  memset(nu, 0, sizeof(*nu));
  if (ncg_server_conf_load(nc, p->config_path, &ini) != 0) {
    ncg_server_conf_wipe(nc);
    ncg_err("event=reload-refused error=\"%s\" (nothing changed)", ini.msg);
    return -1;
  }
  uint8_t pub[NCGT_KEY_BYTES];
  *key_changed = ncgt_pubkey(pub, nc->private_key) != 0 ||
                 memcmp(pub, p->server_pub, sizeof(pub)) != 0;
  ncg_server_conf_wipe(nc);
  if (!nc->ops.control[0])
    ncg_ctl_default_path(nc->ops.control, "ncg-server", p->config_path);
  if (ncg_users_load(nu, nc->users_path, &ini) != 0) {
    ncg_err("event=reload-refused error=\"%s\" (nothing changed)", ini.msg);
    return -1;
  }
  /* Fixed addresses against the subnet in force ([adapter] address
   * needs a restart, so the running one). */
  if (ncg_users_check_net(nu, nc->users_path, p->conf.address, p->conf.plen,
                          ini.msg, sizeof(ini.msg)) != 0) {
    ncg_err("event=reload-refused error=\"%s\" (nothing changed)", ini.msg);
    ncg_users_free(nu);
    return -1;
  }
  return 0;
}

void srv_reload(srv_prog *p) {
  ncg_server_conf nc, merged;
  ncg_users nu;
  ncg_conf_diff d;
  int key_changed = 0;
  if (p->stopping)
    return;
  ncg_reload_notify_start(p->config_path);
  if (srv_reload_load(p, &nc, &nu, &key_changed) != 0) {
    ncg_notify("READY=1\nSTATUS=reload refused (see the log), %zu tunnels",
               p->ntunnels);
    return;
  }
  ncg_conf_merge(ncg_server_conf_fields, ncg_server_conf_nfields,
                 sizeof(nc), &p->conf, &nc, &merged, &d);
  ncg_reload_log_kept(ncg_server_conf_fields, ncg_server_conf_nfields,
                      &p->conf, &nc, &d);
  if (key_changed)
    ncg_warn("event=reload-kept setting=\"[server] private_key\" (changing "
             "it needs a restart; the old value stays)");
  int sessions_changed = merged.max_sessions != p->conf.max_sessions;
  p->conf = merged;
  ncg_reload_log_settings(p->cmdline_level, p->conf.log_level,
                          p->conf.log_target);
  srv_reload_limits(p);
  size_t closed = srv_users_replace(p, &nu);
  if (sessions_changed)
    ncg_prog_fd_budget(p->conf.max_sessions, 1, NCG_PROG_FDS_FIXED + p->nls);
  ncg_info("event=reloaded users=%zu disconnected=%zu changed=\"%s\" "
           "kept=%s",
           p->users.n, closed,
           d.changed[NCG_RELOAD_LIVE] ? d.names[NCG_RELOAD_LIVE] : "none",
           d.changed[NCG_RELOAD_RESTART] || key_changed || d.unknown
               ? "yes"
               : "none");
  ncg_notify("READY=1\nSTATUS=%zu tunnels, %zu users", p->ntunnels,
             p->users.n);
}
