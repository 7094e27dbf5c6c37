/*
 * An lwIP network interface whose only driver is a packet driver
 * (Packet Driver Specification 1.11, pktdrv/pktdrv.h): what a DOS
 * stack's packet-driver client does, for lwIP. It uses only the packet
 * driver's calls: driver_info, access_type (one handle for IP, one for
 * ARP), get_address, send_pkt, the two-call receiver, release_type.
 *
 * Threads: lwIP calls linkoutput from its tcpip thread; the host delivers
 * received frames (pdrv_input / the shim) from its own thread. Both
 * paths take `lock`, the host's lock around every packet-driver call.
 */
#ifndef PD_NETIF_H
#define PD_NETIF_H

#include <pthread.h>

#include <lwip/netif.h>

#include "pktdrv.h"

typedef struct pd_netif {
  pdrv *pd;
  pthread_mutex_t *lock;
  int h_ip, h_arp;
  uint64_t rx_dropped; /* receiver refused: no pbuf */
} pd_netif;

/* lwIP netif init function (netif_add's `init`); netif->state must point
 * at a pd_netif with pd and lock set. Call with the tcpip core locked. */
err_t pd_netif_init(struct netif *netif);

/* Releases the two handles. */
void pd_netif_release(pd_netif *pn);

#endif /* PD_NETIF_H */
