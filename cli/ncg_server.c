/*
 * ncg-server: the tunnel server (EP 0 838 930 Fig. 12). Accepts tunnels
 * on TCP (IPv4 and IPv6), many in one epoll loop; authorises users by
 * name and key from the users file; gives each user a stable tunnel
 * address from the pool; owns a TAP pseudo adapter holding the server's
 * tunnel address, so the kernel routes between the tunnels and the
 * private LAN (the patent's tunnel server acting as a router).
 *
 * Datagrams from the TAP go into the tunnel whose client address is
 * their destination; datagrams out of a tunnel are checked against the
 * address that tunnel was given (anti-spoofing, seed 002 section 3.2)
 * before they reach the kernel.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <ncgtun/adapter.h>
#include <ncgtun/conn.h>

#include "log.h"
#include "prog.h"
#include "server.h"
#include "sys.h"

static const char server_help[] =
    "Usage: ncg-server [-c FILE] [-l LEVEL] [--check]\n"
    "       ncg-server genkey | pubkey\n"
    "       ncg-server status [--json|--prometheus] [-c FILE] [-s SOCKET]\n"
    "       ncg-server disconnect USER [-c FILE] [-s SOCKET]\n"
    "The libncgtun tunnel server (EP 0 838 930 Fig. 12): accepts tunnels,\n"
    "authorises users by name and key, and routes between them and the\n"
    "private LAN through its TAP pseudo adapter.\n"
    "\n"
    "  -c, --config FILE     configuration (default /etc/ncgtun/server.conf)\n"
    "  -l, --log-level LVL   error, warn, info or debug (overrides the file)\n"
    "  -h, --help            this text\n"
    "  -V, --version         version\n"
    "      --check           load the configuration, report errors, exit\n"
    "  genkey                print a new private key (base64) on stdout\n"
    "  pubkey                read a private key on stdin, print its public "
    "key\n"
    "  status                every tunnel, from the control socket (--json,\n"
    "                        --prometheus); see doc/status.md\n"
    "  disconnect USER       send CLOSE to USER's tunnel\n"
    "\n"
    "Signals: SIGHUP reloads server.conf and the users file (removed users\n"
    "are disconnected; settings that need a restart are logged and kept);\n"
    "SIGTERM/SIGINT send CLOSE (shutting-down) to every tunnel and exit.\n"
    "See ncg-server(8) and ncgtun.conf(5).\n";

static srv_prog sp;

/* For `ncg-server status`: the control path of a configuration. */
static int load_ops(const char *config, ncg_ops_conf *oc) {
  ncg_ini ini;
  if (ncg_server_conf_load(&sp.conf, config, &ini) != 0) {
    fprintf(stderr, "ncg-server: %s\n", ini.msg);
    return -1;
  }
  *oc = sp.conf.ops;
  ncg_server_conf_wipe(&sp.conf);
  return 0;
}

static void on_signal(int signo, void *obj) {
  srv_prog *p = obj;
  ncg_info("event=signal signal=%s", strsignal(signo));
  if (signo == SIGHUP)
    srv_reload(p);
  else
    srv_shutdown(p);
}

/* --check: what a start would do, in the order it would do it. */
static void srv_print_plan(const ncg_server_conf *c, size_t nusers) {
  char a[16], f[16], l[16], tf[64];
  printf("ncg-server: would run: name=%s", c->name);
  ncg_prog_print_listen(&c->listen);
  printf(" device=%s address=%s/%u pool=%s-%s mtu=%u users=%zu routes=%zu "
         "dns=%zu default_route=%s forwarding=%s transforms=%s\n",
         c->device, ncg_ip4_str(c->address, a), c->plen,
         ncg_ip4_str(c->pool_first, f), ncg_ip4_str(c->pool_last, l),
         (unsigned)c->mtu, nusers, c->nroutes, c->ndns,
         c->default_route ? "yes" : "no", c->forwarding ? "yes" : "no",
         ncg_transforms_str(&c->transforms, tf, sizeof(tf)));
}

int main(int argc, char **argv) {
  ncg_cmdline cl;
  ncg_ini ini;
  if (argc >= 2 && ncg_ctl_is_command(argv[1]))
    return ncg_ctl_command("ncg-server", argc, argv, "/etc/ncgtun/server.conf",
                           load_ops);
  int rc = ncg_prog_start(argc, argv, "ncg-server", "/etc/ncgtun/server.conf",
                          server_help, 1, &cl);
  if (rc >= 0)
    return rc;
  if (ncg_server_conf_load(&sp.conf, cl.config, &ini) != 0) {
    fprintf(stderr, "ncg-server: %s\n", ini.msg);
    return NCG_EXIT_CONFIG;
  }
  if (ncg_users_load(&sp.users, sp.conf.users_path, &ini) != 0 ||
      ncg_users_check_net(&sp.users, sp.conf.users_path, sp.conf.address,
                          sp.conf.plen, ini.msg, sizeof(ini.msg)) != 0) {
    fprintf(stderr, "ncg-server: %s\n", ini.msg);
    ncg_users_free(&sp.users);
    return NCG_EXIT_CONFIG;
  }
  if (cl.check) {
    srv_print_plan(&sp.conf, sp.users.n);
    ncg_users_free(&sp.users);
    return ncg_prog_checked("ncg-server", cl.config);
  }
  if (ncg_prog_loop_init(&sp.loop, &cl, sp.conf.log_level,
                         sp.conf.log_target, on_signal, &sp))
    return 1;
  if (!sp.conf.ops.control[0])
    ncg_ctl_default_path(sp.conf.ops.control, "ncg-server", cl.config);
  srv_reload_init(&sp, &cl);
  if (srv_setup(&sp) != 0 || srv_ops_open(&sp) != 0) {
    srv_teardown(&sp);
    return 1;
  }
  srv_start(&sp);
  ncg_prog_fd_budget(sp.conf.max_sessions, 1, NCG_PROG_FDS_FIXED + sp.nls);
  rc = ncg_loop_run(&sp.loop);
  ncg_info("event=exit tunnels=%zu", sp.ntunnels);
  srv_teardown(&sp);
  return rc == 0 ? 0 : 1;
}
