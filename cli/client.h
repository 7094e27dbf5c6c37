/*
 * ncg-client's state: one initiator tunnel (Fig. 11), the TAP pseudo
 * adapter in front of the local stack, and the interface configuration
 * applied from the client data (client.c, client_net.c).
 */
#ifndef NCG_CLIENT_H
#define NCG_CLIENT_H

#include <ncgtun/adapter.h>
#include <ncgtun/conn.h>

#include "addrwatch.h"
#include "client_conf.h"
#include "ctl.h"
#include "loop.h"
#include "netlink.h"
#include "tap.h"
#include "tunnel.h"

typedef struct cli_prog {
  ncg_tunnel t; /* first: the library's user_data */
  ncg_loop loop;
  ncg_client_conf conf;
  ncgt_adapter *adapter;
  ncg_tap tap;
  ncg_watch tap_watch;
  ncg_nl nl;
  ncg_addrwatch aw;
  int stopping;
  int exit_code;
  unsigned last_close; /* status of the last CLOSE (exit code choice) */
  int close_pending;   /* closed, next step (reconnect/exit) not yet said */
  ncg_timer stop_timer;
  /* Network-up events (addrwatch): coalesced, then one try at once */
  ncg_timer net_timer;
  ncgt_tstamp net_changed_at; /* first event not yet acted on; 0: none */
  ncgt_tstamp net_kick_at;    /* the last time we acted on one */
  ncgt_tstamp attempt_at;     /* the current TCP connect began */
  /* What client_net applied, to replace it when the client data changes */
  uint32_t applied_addr;
  uint8_t applied_plen;
  /* Pushed DNS as applied (client_dns.c), to undo it */
  enum { CLI_DNS_NONE, CLI_DNS_SCRIPT, CLI_DNS_RESOLVED,
         CLI_DNS_RESOLVCONF } dns_how;
  ncgt_client_config dns_cc;
  uint8_t applied_addr6[16]; /* IPv6 likewise (applied_plen6 0: none) */
  uint8_t applied_plen6;
  ncg_timer ra_timer; /* periodic router advertisements (client_net.c) */
  int ra_timer_ready;
  ncg_ctl ctl; /* control socket (client_ops.c) */
  uint32_t tunnel_addr; /* from the last client data, for status */
  ncgt_tstamp started;
  /* client_reload.c: what SIGHUP needs besides the configuration */
  const char *config_path;
  int cmdline_level; /* -l, or -1 */
} cli_prog;

int cli_setup(cli_prog *p);
/* A new initiator for configuration *c with the client's callbacks (not
 * started). 0 or a negative ncgt_status. */
int cli_conn_new(cli_prog *p, const ncg_client_conf *c, ncgt_conn **out);
/* client_reload.c: SIGHUP (doc/configuration.md "Reloading"). */
void cli_reload(cli_prog *p);
void cli_teardown(cli_prog *p);
void cli_shutdown(cli_prog *p);

/* client_ops.c: the control socket's requests (doc/status.md). */
int cli_ops_open(cli_prog *p);

/* client_net.c: the built-in configuration (dhcp = builtin): address,
 * MTU and routes from the client data, through rtnetlink. */
int cli_net_apply(cli_prog *p, const ncgt_client_config *cc);
/* Sets the TAP up with the adapter's tunnel MTU (both dhcp modes);
 * logs and returns a negative errno on failure. */
int cli_net_mtu(cli_prog *p);
/* Removes what cli_net_apply added (routes, then the address); used when
 * the client gives up, so it never sits dead holding routes. */
void cli_net_unapply(cli_prog *p);

/* client_dns.c: pushed DNS servers and domain (dhcp = builtin):
 * up_script, else resolvectl, else resolvconf; undone by restore. */
void cli_dns_apply(cli_prog *p, const ncgt_client_config *cc);
void cli_dns_restore(cli_prog *p);
/* After new client data: with IPv6 in it, an unsolicited RA now and
 * every ~NCGT_ADAPTER_RA_INTERVAL s; with `apply` (dhcp = builtin), the
 * IPv6 address and routes through rtnetlink as well. */
void cli_net_ipv6(cli_prog *p, int apply);

#endif /* NCG_CLIENT_H */
