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
  int fail_pending;
  ncg_timer stop_timer;
  /* What client_net applied, to replace it when the client data changes */
  uint32_t applied_addr;
  uint8_t applied_plen;
  ncg_ctl ctl; /* control socket (client_ops.c) */
  uint32_t tunnel_addr; /* from the last client data, for status */
  ncgt_tstamp started;
} cli_prog;

int cli_setup(cli_prog *p);
void cli_teardown(cli_prog *p);
void cli_shutdown(cli_prog *p);

/* client_ops.c: the control socket's requests (doc/status.md). */
int cli_ops_open(cli_prog *p);

/* client_net.c: the built-in configuration (dhcp = builtin): address,
 * MTU and routes from the client data, through rtnetlink. */
int cli_net_apply(cli_prog *p, const ncgt_client_config *cc);

#endif /* NCG_CLIENT_H */
