/*
 * The shim's tunnel-side link backed by libncgtun's pseudo adapter
 * (include/ncgtun/adapter.h, client role): it answers the stack's ARP for
 * addresses across the tunnel with the reserved MAC and its DHCP from the
 * client data (patent Figs. 17, 23), answers datagrams too big for the
 * tunnel with ICMP "fragmentation needed" (seed 002 section 4), clamps
 * TCP MSS, and frames datagrams that come out of the tunnel (Fig. 18).
 */
#ifndef PDRV_LINK_ADAPTER_H
#define PDRV_LINK_ADAPTER_H

#include <ncgtun/adapter.h>

#include "pd_shim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pdrv_adlink pdrv_adlink;

/* Creates the adapter (server MAC = `server_mac`, the stack's MAC =
 * `stack_mac`, tunnel MTU `mtu`, 0 = default) and installs it as `shim`'s
 * link. Returns 0 or a negative ncgt_status. */
int pdrv_adlink_new(pdrv_adlink **out, pdrv_shim *shim,
                       const uint8_t server_mac[6], const uint8_t stack_mac[6],
                       uint16_t mtu);
/* Removes it from the shim and frees it. */
void pdrv_adlink_del(pdrv_adlink *l);

/* The client data from RESPONSE (Fig. 23, DHCP options): the adapter's
 * DHCP/ARP emulators answer from it, and the shim's tunnel address
 * (pdrv_shim_set_tunnel_addr) becomes its client address. Returns 0
 * or the decoder's negative status. */
int pdrv_adlink_set_client_data(pdrv_adlink *l, const uint8_t *opts,
                                   size_t len);

void pdrv_adlink_get_stats(const pdrv_adlink *l,
                              ncgt_adapter_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* PDRV_LINK_ADAPTER_H */
