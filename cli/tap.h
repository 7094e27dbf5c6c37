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

typedef struct ncg_tap {
  int fd;
  int ifindex;
  char name[IFNAMSIZ];
  uint8_t mac[6]; /* the kernel interface's own MAC */
  uint64_t write_drops; /* frames the kernel's queue did not take */
} ncg_tap;

/* Opens /dev/net/tun as IFF_TAP|IFF_NO_PI, non-blocking. `name` may be
 * NULL or "" for a kernel-chosen name, or a pattern such as "ncg%d".
 * Returns 0, or -1 with errno. */
int ncg_tap_open(ncg_tap *t, const char *name);
void ncg_tap_close(ncg_tap *t);

struct ncgt_adapter;
/* Reads the frames waiting on the TAP (a bounded number, for fairness
 * with the tunnels) and hands each to the adapter (Fig. 17). */
void ncg_tap_pump(ncg_tap *t, struct ncgt_adapter *ad);
/* An adapter's to_stack: writes one frame; a full kernel queue is a
 * counted drop, not a failure. */
void ncg_tap_write(ncg_tap *t, const uint8_t *frame, size_t len);

#endif /* NCG_TAP_H */
