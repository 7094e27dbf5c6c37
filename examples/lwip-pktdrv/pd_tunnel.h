/*
 * The shim's tunnel side for the lwIP example: a real libncgtun initiator
 * (include/ncgtun/conn.h) configured by ncg-client's own configuration
 * file (doc/configuration.md: [client] user, keys, path; [hosts]), over
 * the programs' TCP stream and event loop (cli/). Its datagrams go to and
 * come from the shim; its client data goes to the shim's adapter link.
 *
 * Built from pd_tunnel_ncg.c when the cli/ common library is available,
 * else from pd_tunnel_none.c (pd_tunnel_open then fails).
 *
 * The host polls pd_tunnel_fd() (readable when the tunnel has work) with
 * at most pd_tunnel_timeout_ms(), then calls pd_tunnel_dispatch() with
 * its packet-driver lock held.
 */
#ifndef PD_TUNNEL_H
#define PD_TUNNEL_H

#include "pd_link_adapter.h"
#include "pd_shim.h"

typedef struct pd_tunnel pd_tunnel;

/* Loads `client_conf`, installs itself as the shim's tunnel and starts
 * connecting. Returns 0, or -1 with a message in err. */
int pd_tunnel_open(pd_tunnel **out, const char *client_conf,
                   pdrv_shim *shim, pdrv_adlink *adl, char *err,
                   size_t errlen);
void pd_tunnel_close(pd_tunnel *t);

int pd_tunnel_fd(const pd_tunnel *t);
int pd_tunnel_timeout_ms(const pd_tunnel *t);
void pd_tunnel_dispatch(pd_tunnel *t);
/* Non-zero once the tunnel is AUTHORIZED (client data installed). */
int pd_tunnel_up(const pd_tunnel *t);

#endif /* PD_TUNNEL_H */
