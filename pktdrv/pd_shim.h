/*
 * The packet-driver shim of seed 002: "Our module sits between the generic
 * Ethernet driver and the hardware driver; it emulates each to the other."
 *
 *            stack(s)  --  pdrv (Packet Driver Spec 1.11, pktdrv.h)
 *                               |  send_pkt / receiver
 *                           pd_shim: policy table (pd_policy.h)
 *                         /        |                 \
 *     lower driver (frames)   link (tunnel-side       tunnel (datagrams)
 *     AF_PACKET / fake        ARP/DHCP/MTU: the       ncgt_conn /
 *                             pseudo adapter)         loopback stand-in
 *
 * Output (a frame from the stack), by the Ethernet type and the IPv4
 * destination:
 *  - IPv4 to a `protect` destination: the datagram goes into the tunnel
 *    (Ethernet header stripped); if the tunnel cannot take it, dropped and
 *    counted (never sent in clear);
 *  - IPv4 to a `bypass` destination: the frame goes to the lower driver
 *    untouched; `drop`: dropped and counted;
 *  - ARP requests for a `protect` target, and DHCP when the config says
 *    dhcp = tunnel: given to the tunnel-side link (the pseudo adapter's
 *    emulators answer them); without a link they are dropped and counted,
 *    never leaked to the LAN;
 *  - everything else (other ARP, IPv6, other EtherTypes): lower driver,
 *    untouched (seed 002 3: "Calls that are not relevant to IPSEC, such as
 *    ARP transmissions or receptions, are passed straight through").
 * Input:
 *  - from the lower driver, IPv4 whose source is `protect` in [input]: it
 *    should have come through the tunnel, so it is dropped and counted
 *    (seed 002 3.2: "an enemy could inject unauthenticated packets into
 *    what should be a secure connection"); `drop`: dropped; else delivered;
 *  - from the tunnel, a datagram whose source is not `protect` in [input]
 *    is dropped and counted (the tunnel carries protected peers only);
 *    otherwise an Ethernet header is put back (dst = the driver's address,
 *    src = the configured tunnel MAC) and it is delivered to the stacks.
 */
#ifndef PDRV_SHIM_H
#define PDRV_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pd_policy.h"
#include "pktdrv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The real driver below: whole Ethernet frames. Returns 0 or non-zero.
 * set_mode / set_multicast may be NULL (see pdrv_port). */
typedef struct pdrv_lower {
  int (*send)(const uint8_t *frame, size_t len, void *ctx);
  int (*set_mode)(int mode, void *ctx);
  int (*set_multicast)(const uint8_t *addrs, size_t n, void *ctx);
  void *ctx;
} pdrv_lower;

/* The tunnel side: whole IPv4 datagrams. `send` returns 0 when the
 * datagram was taken, non-zero when the tunnel is not up or refused it. */
typedef struct pdrv_tunnel {
  int (*send)(const uint8_t *dg, size_t len, void *ctx);
  void *ctx;
} pdrv_tunnel;

/* The tunnel side's link layer: libncgtun's pseudo adapter
 * (pd_link_adapter.h) or a test fake. Optional: without one the shim
 * strips and rebuilds Ethernet headers itself and tunnel-side ARP/DHCP go
 * unanswered.
 *  - from_stack: a frame from the stack that belongs to the tunnel side (a
 *    protected IPv4 datagram, its destination MAC set to [tunnel] mac; an
 *    ARP request for a protected address; DHCP when dhcp = tunnel). The
 *    frame is a writable copy. The link answers the stack with
 *    pdrv_shim_link_to_stack() and sends datagrams on with
 *    pdrv_shim_link_to_tunnel(). Returns 0, or non-zero when the frame
 *    could not be handled (send_pkt then fails with CANT_SEND).
 *  - from_tunnel: a datagram out of the tunnel that passed the input
 *    policy; the link frames it and calls pdrv_shim_link_to_stack().
 */
typedef struct pdrv_link {
  int (*from_stack)(uint8_t *frame, size_t len, void *ctx);
  int (*from_tunnel)(const uint8_t *dg, size_t len, void *ctx);
  void *ctx;
} pdrv_link;

/* Counters of the shim (the packet driver's own are in pdrv_stats). */
typedef struct pdrv_shim_stats {
  uint64_t out_protected;     /* datagrams handed to the tunnel */
  uint64_t out_bypass;        /* frames passed to the lower driver */
  uint64_t out_policy_drop;   /* output policy said drop */
  uint64_t out_tunnel_down;   /* protected, but the tunnel refused */
  uint64_t out_link;          /* frames given to the tunnel-side link */
  uint64_t out_link_failed;   /* the link could not handle a frame */
  uint64_t out_unanswered;    /* tunnel-side ARP/DHCP with no link */
  uint64_t out_malformed;     /* IPv4 frame with a bad header */
  uint64_t in_lower;          /* frames from the lower driver let in */
  uint64_t in_spoofed;        /* protected source, not via tunnel: dropped */
  uint64_t in_policy_drop;    /* input policy said drop */
  uint64_t in_malformed;      /* from either side, bad IPv4 header */
  uint64_t in_tunnel;         /* datagrams from the tunnel let in */
  uint64_t in_tunnel_spoofed; /* tunnel datagram, source not protected */
  uint64_t in_tunnel_too_big; /* does not fit one Ethernet frame */
  uint64_t out_non_ipv4_drop; /* not IPv4/ARP, output default not bypass */
  uint64_t in_non_ipv4_drop;  /* not IPv4/ARP, input default not bypass */
} pdrv_shim_stats;

typedef struct pdrv_shim pdrv_shim;

/* Creates the shim and its packet driver (pdrv_shim_driver). `cfg` is
 * copied; `lower` is required; the tunnel and the link are set with
 * pdrv_shim_set_tunnel / _set_link (NULL removes them). `mac` is the address the
 * driver reports (normally the lower interface's). Returns 0 or -1. */
int pdrv_shim_new(pdrv_shim **out, const pdrv_config *cfg,
                     const pdrv_lower *lower,
                     const uint8_t mac[PDRV_ADDR_LEN], const char *name);
void pdrv_shim_del(pdrv_shim *s);

/* The packet-driver interface the stacks call. */
pdrv *pdrv_shim_driver(pdrv_shim *s);

void pdrv_shim_set_tunnel(pdrv_shim *s, const pdrv_tunnel *t);
void pdrv_shim_set_link(pdrv_shim *s, const pdrv_link *l);

/* The tunnel address the server gave this client (host order; 0: none).
 * When it is set, protected datagrams leave with it as their source and
 * datagrams from the tunnel to it are given the stack's own address (the
 * source of the last protected datagram the stack sent): seed 002's module
 * "emulates IP and builds its own new IP header", so a stack with one
 * (LAN) address can use a tunnel whose server checks that sources are the
 * tunnel's (anti-spoofing). Checksums are updated (RFC 1624). */
void pdrv_shim_set_tunnel_addr(pdrv_shim *s, uint32_t addr);

/* Called by the link (see pdrv_link). Return as from_lower / 0 or -1. */
int pdrv_shim_link_to_stack(pdrv_shim *s, const uint8_t *frame,
                               size_t len);
int pdrv_shim_link_to_tunnel(pdrv_shim *s, const uint8_t *dg,
                                size_t len);

/* A frame came up from the lower driver. Returns the handle it was
 * delivered to, or -1 (dropped, counted where the policy says so). */
int pdrv_shim_from_lower(pdrv_shim *s, const uint8_t *frame,
                            size_t len);
/* An IPv4 datagram came out of the tunnel. Returns the handle (0 when it
 * went on to the link, which delivers it), or -1 (dropped, counted). */
int pdrv_shim_from_tunnel(pdrv_shim *s, const uint8_t *dg, size_t len);

void pdrv_shim_get_stats(const pdrv_shim *s, pdrv_shim_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* PDRV_SHIM_H */
