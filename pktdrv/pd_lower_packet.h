/*
 * A real lower driver for the packet-driver shim: an AF_PACKET socket bound
 * to one Linux interface (a veth, a TAP in "ip tuntap ... mode tap", a
 * NIC), non-blocking, with a pollable fd. Receive modes map onto
 * PACKET_MR_PROMISC / PACKET_MR_ALLMULTI, the multicast list onto
 * PACKET_MR_MULTICAST memberships. Needs CAP_NET_RAW.
 *
 * Frames the kernel hands over with a checksum not yet computed (offload
 * on veth: TP_STATUS_CSUMNOTREADY) get their IPv4 TCP/UDP checksum filled
 * in, as a NIC would have, so the stack above sees valid frames.
 */
#ifndef PDRV_LOWER_PACKET_H
#define PDRV_LOWER_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pd_shim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pdrv_packet pdrv_packet;

/* Opens and binds. Returns 0, or -1 with a message in err. */
int pdrv_packet_open(pdrv_packet **out, const char *ifname, char *err,
                        size_t errlen);
void pdrv_packet_close(pdrv_packet *p);

int pdrv_packet_fd(const pdrv_packet *p);
void pdrv_packet_mac(const pdrv_packet *p,
                        uint8_t mac[PDRV_ADDR_LEN]);

/* Reads one received frame (frames this host sent are skipped). Returns
 * its length, 0 when none is waiting, -1 on error (errno set). */
ssize_t pdrv_packet_recv(pdrv_packet *p, uint8_t *buf, size_t cap);

/* The pdrv_lower operations over this socket (ctx = p). */
pdrv_lower pdrv_packet_lower(pdrv_packet *p);

#ifdef __cplusplus
}
#endif

#endif /* PDRV_LOWER_PACKET_H */
