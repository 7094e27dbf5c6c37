/*
 * The TAP device under the pseudo adapter (patent Figs. 15-18): the
 * local stack sees an Ethernet interface; we read and write whole
 * Ethernet frames without a packet-information header.
 */
#ifndef NCG_TAP_H
#define NCG_TAP_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include <ncgtun/frame.h>

typedef struct ncg_tap {
  int fd;
  int ifindex;
  char name[IFNAMSIZ];
  uint8_t mac[6]; /* the kernel interface's own MAC */
  uint64_t write_drops; /* frames the kernel's queue did not take */
  int vnet;    /* opened with IFF_VNET_HDR: every frame has a virtio hdr */
  int offload; /* TUNSETOFFLOAD(CSUM|TSO4|TSO6) in force */
  uint64_t gso_in, gso_out; /* super-segments read / written */
  uint64_t gso_unsupported; /* read with a GSO type we do not carry */
} ncg_tap;

/* Opens /dev/net/tun as IFF_TAP|IFF_NO_PI, non-blocking. `name` may be
 * NULL or "" for a kernel-chosen name, or a pattern such as "ncg%d".
 * With IFF_VNET_HDR (a 10-byte virtio_net_hdr before every frame,
 * offloads off until ncg_tap_set_offload) when `vnet`. Returns 0, or -1
 * with errno. */
int ncg_tap_open_vnet(ncg_tap *t, const char *name, int vnet);
/* Logs a failed ncg_tap_open_vnet (errno still set) naming the device
 * and, for a missing /dev/net/tun or no permission, what to check. */
void ncg_tap_log_open_error(const char *name);
/* TUNSETOFFLOAD: CSUM|TSO4|TSO6 when `on` (the kernel then hands over
 * TCP super-segments with partial checksums), else none. A no-op without
 * vnet. 0 or -1 with errno. */
int ncg_tap_set_offload(ncg_tap *t, int on);
void ncg_tap_close(ncg_tap *t);

struct ncgt_adapter;
/* Reads the frames waiting on the TAP (a bounded number, for fairness
 * with the tunnels) and hands each to the adapter (Fig. 17). */
void ncg_tap_pump(ncg_tap *t, struct ncgt_adapter *ad);
/* An adapter's to_stack: writes one frame; a full kernel queue is a
 * counted drop, not a failure. */
void ncg_tap_write(ncg_tap *t, const uint8_t *frame, size_t len);
/* Largest super-segment asked of the kernel (IFLA_GSO_MAX_SIZE): with
 * the GSO descriptor it fits one DATA frame's datagram (u16 length). */
enum { NCG_TAP_GSO_MAX = 65000 };
struct ncg_nl;
/* With vnet: sets the device's gso_max_size (a warning if refused). */
void ncg_tap_gso_setup(ncg_tap *t, struct ncg_nl *nl);
/* "event=adapter-stats ..." with the offload counters. */
void ncg_tap_log_stats(const ncg_tap *t, const struct ncgt_adapter *ad);
/* An adapter's to_stack_gso: one super-segment behind its virtio hdr. */
void ncg_tap_write_gso(ncg_tap *t, const ncgt_gso *g, const uint8_t *frame,
                       size_t len);

#endif /* NCG_TAP_H */
