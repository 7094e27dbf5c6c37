/* ncg-client: command line and main loop (client.c has the rest). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "keycmd.h"
#include "log.h"

static const char client_help[] =
    "Usage: ncg-client [-c FILE] [-l LEVEL]\n"
    "       ncg-client genkey | pubkey\n"
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
    "  genkey                print a new private key (base64) on stdout\n"
    "  pubkey                read a private key on stdin, print its public "
    "key\n"
    "\n"
    "Signals: SIGTERM/SIGINT close the tunnel (CLOSE end-session) and exit.\n"
    "See ncg-client(1) and doc/configuration.md.\n";

static cli_prog cp;

static void on_signal(int signo, void *obj) {
  ncg_info("event=signal signal=%s", strsignal(signo));
  if (signo == SIGTERM || signo == SIGINT)
    cli_shutdown(obj);
}

int main(int argc, char **argv) {
  ncg_cmdline cl;
  ncg_ini ini;
  static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
  if (argc == 2 && ncg_is_keycmd(argv[1]))
    return ncg_keycmd(argv[1]);
  int rc = ncg_cmdline_parse(&cl, argc, argv, "/etc/ncgtun/client.conf",
                             client_help);
  if (rc != 0)
    return rc > 0 ? 0 : 2;
  ncg_log_init("ncg-client", NCGT_LOG_INFO);
  if (ncg_client_conf_load(&cp.conf, cl.config, &ini) != 0) {
    fprintf(stderr, "ncg-client: %s\n", ini.msg);
    return 1;
  }
  ncg_log_set_level(cl.log_level >= 0 ? (ncgt_log_level)cl.log_level
                                      : (ncgt_log_level)cp.conf.log_level);
  if (ncg_loop_init(&cp.loop) != 0 ||
      ncg_loop_signals(&cp.loop, sigs, 3, on_signal, &cp) != 0) {
    ncg_err("event loop: %s", strerror(errno));
    return 1;
  }
  if (cli_setup(&cp) != 0) {
    cli_teardown(&cp);
    return 1;
  }
  rc = ncg_loop_run(&cp.loop);
  ncg_info("event=exit");
  cli_teardown(&cp);
  return rc == 0 ? 0 : 1;
}
