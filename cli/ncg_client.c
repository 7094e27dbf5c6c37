/* ncg-client: command line and main loop (client.c has the rest). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "log.h"
#include "prog.h"

static const char client_help[] =
    "Usage: ncg-client [-c FILE] [-l LEVEL] [--check]\n"
    "       ncg-client genkey | pubkey\n"
    "       ncg-client status [--json|--prometheus] [-c FILE] [-s SOCKET]\n"
    "       ncg-client reconnect [-c FILE] [-s SOCKET]\n"
    "The libncgtun tunnel client (EP 0 838 930 Fig. 11): a TAP pseudo\n"
    "adapter whose traffic goes through a tunnel, directly or through\n"
    "relays, to a tunnel server. The adapter answers the local stack's ARP\n"
    "and DHCP; with dhcp = builtin (the default) the client also sets the\n"
    "address, MTU and routes itself.\n"
    "\n"
    "  -c, --config FILE     configuration (default /etc/ncgtun/client.conf)\n"
    "  -l, --log-level LVL   error, warn, info or debug (overrides the file)\n"
    "  -h, --help            this text\n"
    "  -V, --version         version\n"
    "      --check           load the configuration, report errors, exit\n"
    "  genkey                print a new private key (base64) on stdout\n"
    "  pubkey                read a private key on stdin, print its public "
    "key\n"
    "  status                the tunnel, from the control socket (--json,\n"
    "                        --prometheus); see doc/status.md\n"
    "  reconnect             close the tunnel and connect again now\n"
    "\n"
    "Signals: SIGHUP reloads the configuration (a new tunnel when user,\n"
    "keys, path, server, origin, timers or the first hop's [hosts] entry\n"
    "changed; settings that need a restart are logged and kept);\n"
    "SIGTERM/SIGINT close the tunnel (CLOSE end-session) and exit.\n"
    "See ncg-client(8) and ncgtun.conf(5).\n";

static cli_prog cp;

/* For `ncg-client status`: the control path of a configuration. */
static int load_ops(const char *config, ncg_ops_conf *oc) {
  ncg_ini ini;
  if (ncg_client_conf_load(&cp.conf, config, &ini) != 0) {
    fprintf(stderr, "ncg-client: %s\n", ini.msg);
    return -1;
  }
  *oc = cp.conf.ops;
  ncg_client_conf_free(&cp.conf);
  return 0;
}

static void on_signal(int signo, void *obj) {
  ncg_info("event=signal signal=%s", strsignal(signo));
  if (signo == SIGTERM || signo == SIGINT)
    cli_shutdown(obj);
  else if (signo == SIGHUP)
    cli_reload(obj);
}

int main(int argc, char **argv) {
  ncg_cmdline cl;
  ncg_ini ini;
  if (argc >= 2 && ncg_ctl_is_command(argv[1]))
    return ncg_ctl_command("ncg-client", argc, argv, "/etc/ncgtun/client.conf",
                           load_ops);
  int rc = ncg_prog_start(argc, argv, "ncg-client", "/etc/ncgtun/client.conf",
                          client_help, 1, &cl);
  if (rc >= 0)
    return rc;
  if (ncg_client_conf_load(&cp.conf, cl.config, &ini) != 0) {
    fprintf(stderr, "ncg-client: %s\n", ini.msg);
    return NCG_EXIT_CONFIG;
  }
  if (cl.check) {
    printf("ncg-client: would run: user=%s path=", cp.conf.user);
    for (size_t i = 0; i < cp.conf.npath; i++)
      printf("%s%s", i ? "," : "", cp.conf.path[i]);
    char tf[64];
    printf(" server=%s device=%s dhcp=%s transforms=%s\n",
           cp.conf.server[0] ? cp.conf.server
                             : cp.conf.path[cp.conf.npath - 1],
           cp.conf.device, cp.conf.dhcp_external ? "external" : "builtin",
           ncg_transforms_str(&cp.conf.transforms, tf, sizeof(tf)));
    ncg_client_conf_free(&cp.conf);
    return ncg_prog_checked("ncg-client", cl.config);
  }
  if (ncg_prog_loop_init(&cp.loop, &cl, cp.conf.log_level,
                         cp.conf.log_target, on_signal, &cp))
    return 1;
  if (!cp.conf.ops.control[0])
    ncg_ctl_default_path(cp.conf.ops.control, "ncg-client", cl.config);
  cp.config_path = cl.config;
  cp.cmdline_level = cl.log_level;
  if (cli_setup(&cp) != 0 || cli_ops_open(&cp) != 0) {
    cli_teardown(&cp);
    return 1;
  }
  rc = ncg_loop_run(&cp.loop);
  ncg_info("event=exit");
  cli_teardown(&cp);
  return rc == 0 ? cp.exit_code : NCG_EXIT_FAILURE;
}
