/*
 * The shim's tunnel-side link backed by libncgtun's pseudo adapter
 * (include/ncgtun/adapter.h, client role): it answers the stack's ARP for
 * addresses across the tunnel with the reserved MAC and its DHCP from the
 * client data (patent Figs. 17, 23), answers datagrams too big for the
 * tunnel with ICMP "fragmentation needed" (seed 002 section 4), clamps
 * TCP MSS, and frames datagrams that come out of the tunnel (Fig. 18).
 */
#ifndef NCGT_PD_LINK_ADAPTER_H
#define NCGT_PD_LINK_ADAPTER_H

#include <ncgtun/adapter.h>

#include "pd_shim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ncgt_pd_adlink ncgt_pd_adlink;

/* Creates the adapter (server MAC = `server_mac`, the stack's MAC =
 * `stack_mac`, tunnel MTU `mtu`, 0 = default) and installs it as `shim`'s
 * link. Returns 0 or a negative ncgt_status. */
int ncgt_pd_adlink_new(ncgt_pd_adlink **out, ncgt_pd_shim *shim,
                       const uint8_t server_mac[6], const uint8_t stack_mac[6],
                       uint16_t mtu);
/* Removes it from the shim and frees it. */
void ncgt_pd_adlink_del(ncgt_pd_adlink *l);

/* The client data from RESPONSE (Fig. 23, DHCP options): the adapter's
 * DHCP/ARP emulators answer from it, and the shim's tunnel address
 * (ncgt_pd_shim_set_tunnel_addr) becomes its client address. Returns 0
 * or the decoder's negative status. */
int ncgt_pd_adlink_set_client_data(ncgt_pd_adlink *l, const uint8_t *opts,
                                   size_t len);

void ncgt_pd_adlink_get_stats(const ncgt_pd_adlink *l,
                              ncgt_adapter_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* NCGT_PD_LINK_ADAPTER_H */
