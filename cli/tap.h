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
} ncg_tap;

/* Opens /dev/net/tun as IFF_TAP|IFF_NO_PI, non-blocking. `name` may be
 * NULL or "" for a kernel-chosen name, or a pattern such as "ncg%d".
 * Returns 0, or -1 with errno. */
int ncg_tap_open(ncg_tap *t, const char *name);
void ncg_tap_close(ncg_tap *t);

#endif /* NCG_TAP_H */
