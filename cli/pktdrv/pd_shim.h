/*
 * The packet-driver shim of seed 002: "Our module sits between the generic
 * Ethernet driver and the hardware driver; it emulates each to the other."
 *
 *            stack(s)  --  ncgt_pd (Packet Driver Spec 1.11, pktdrv.h)
 *                               |  send_pkt / receiver
 *                           pd_shim: policy table (pd_policy.h)
 *                         /        |                 \
 *     lower driver (frames)   tunnel (IP datagrams)   emulator (ARP/DHCP
 *     AF_PACKET / TAP / fake  ncgt_conn / loopback    of the tunnel side:
 *                                                     the pseudo adapter)
 *
 * Output (a frame from the stack), by the Ethernet type and the IPv4
 * destination:
 *  - IPv4 to a `protect` destination: the datagram goes into the tunnel
 *    (Ethernet header stripped); if the tunnel cannot take it, dropped and
 *    counted (never sent in clear);
 *  - IPv4 to a `bypass` destination: the frame goes to the lower driver
 *    untouched; `drop`: dropped and counted;
 *  - ARP requests for a `protect` target, and DHCP when the config says
 *    dhcp = tunnel: answered by the emulator (the pseudo adapter); without
 *    an emulator they are dropped and counted, never leaked to the LAN;
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
#ifndef NCGT_PD_SHIM_H
#define NCGT_PD_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pd_policy.h"
#include "pktdrv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The real driver below: whole Ethernet frames. Returns 0 or non-zero.
 * set_mode / set_multicast may be NULL (see ncgt_pd_port). */
typedef struct ncgt_pd_lower {
  int (*send)(const uint8_t *frame, size_t len, void *ctx);
  int (*set_mode)(int mode, void *ctx);
  int (*set_multicast)(const uint8_t *addrs, size_t n, void *ctx);
  void *ctx;
} ncgt_pd_lower;

/* The tunnel side: whole IPv4 datagrams. `send` returns 0 when the
 * datagram was taken, non-zero when the tunnel is not up or refused it. */
typedef struct ncgt_pd_tunnel {
  int (*send)(const uint8_t *dg, size_t len, void *ctx);
  void *ctx;
} ncgt_pd_tunnel;

/* The tunnel side's link emulation (ARP / DHCP servers of the pseudo
 * adapter). Gets a whole frame from the stack; writes at most one reply
 * frame for the stack into reply[0..cap) and returns its length, 0 for no
 * reply, negative on error (counted). */
typedef struct ncgt_pd_emul {
  ssize_t (*answer)(const uint8_t *frame, size_t len, uint8_t *reply,
                    size_t cap, void *ctx);
  void *ctx;
} ncgt_pd_emul;

/* Counters of the shim (the packet driver's own are in ncgt_pd_stats). */
typedef struct ncgt_pd_shim_stats {
  uint64_t out_protected;     /* datagrams handed to the tunnel */
  uint64_t out_bypass;        /* frames passed to the lower driver */
  uint64_t out_policy_drop;   /* output policy said drop */
  uint64_t out_tunnel_down;   /* protected, but the tunnel refused */
  uint64_t out_emulated;      /* ARP/DHCP given to the emulator */
  uint64_t out_unanswered;    /* tunnel-side ARP/DHCP with no emulator */
  uint64_t out_malformed;     /* IPv4 frame with a bad header */
  uint64_t in_lower;          /* frames from the lower driver let in */
  uint64_t in_spoofed;        /* protected source, not via tunnel: dropped */
  uint64_t in_policy_drop;    /* input policy said drop */
  uint64_t in_malformed;      /* from either side, bad IPv4 header */
  uint64_t in_tunnel;         /* datagrams from the tunnel let in */
  uint64_t in_tunnel_spoofed; /* tunnel datagram, source not protected */
  uint64_t in_tunnel_too_big; /* does not fit one Ethernet frame */
} ncgt_pd_shim_stats;

typedef struct ncgt_pd_shim ncgt_pd_shim;

/* Creates the shim and its packet driver (ncgt_pd_shim_driver). `cfg` is
 * copied; `lower` is required; `tunnel` and `emul` may be NULL (set later
 * with ncgt_pd_shim_set_tunnel / _set_emul). `mac` is the address the
 * driver reports (normally the lower interface's). Returns 0 or -1. */
int ncgt_pd_shim_new(ncgt_pd_shim **out, const ncgt_pd_config *cfg,
                     const ncgt_pd_lower *lower,
                     const uint8_t mac[NCGT_PD_ADDR_LEN], const char *name);
void ncgt_pd_shim_del(ncgt_pd_shim *s);

/* The packet-driver interface the stacks call. */
ncgt_pd *ncgt_pd_shim_driver(ncgt_pd_shim *s);

void ncgt_pd_shim_set_tunnel(ncgt_pd_shim *s, const ncgt_pd_tunnel *t);
void ncgt_pd_shim_set_emul(ncgt_pd_shim *s, const ncgt_pd_emul *e);

/* A frame came up from the lower driver. Returns the handle it was
 * delivered to, or -1 (dropped, counted where the policy says so). */
int ncgt_pd_shim_from_lower(ncgt_pd_shim *s, const uint8_t *frame,
                            size_t len);
/* An IPv4 datagram came out of the tunnel. Same return. */
int ncgt_pd_shim_from_tunnel(ncgt_pd_shim *s, const uint8_t *dg, size_t len);

void ncgt_pd_shim_get_stats(const ncgt_pd_shim *s, ncgt_pd_shim_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* NCGT_PD_SHIM_H */
