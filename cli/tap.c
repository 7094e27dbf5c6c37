/* TAP device (tap.h). */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ncgtun/adapter.h>

#include "log.h"

enum { TAP_FRAME_MAX = 65536 + 14, TAP_FRAMES_PER_EVENT = 64 };

int ncg_tap_open(ncg_tap *t, const char *name) {
  struct ifreq ifr;
  memset(t, 0, sizeof(*t));
  t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (t->fd < 0)
    return -1;
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (name && *name) {
    if (strlen(name) >= IFNAMSIZ) {
      errno = ENAMETOOLONG;
      goto fail;
    }
    memcpy(ifr.ifr_name, name, strlen(name) + 1);
  }
  if (ioctl(t->fd, TUNSETIFF, &ifr) != 0)
    goto fail;
  memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
  t->name[IFNAMSIZ - 1] = '\0';
  t->ifindex = (int)if_nametoindex(t->name);
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s >= 0) {
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, t->name, IFNAMSIZ);
    if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0)
      memcpy(t->mac, ifr.ifr_hwaddr.sa_data, 6);
    close(s);
  }
  if (t->ifindex == 0)
    goto fail;
  return 0;
fail:;
  int saved = errno;
  close(t->fd);
  t->fd = -1;
  errno = saved;
  return -1;
}

void ncg_tap_close(ncg_tap *t) {
  if (t->fd >= 0)
    close(t->fd);
  t->fd = -1;
}

void ncg_tap_pump(ncg_tap *t, ncgt_adapter *ad) {
  static uint8_t frame[TAP_FRAME_MAX]; /* one thread, one loop */
  for (int i = 0; i < TAP_FRAMES_PER_EVENT; i++) {
    ssize_t n = read(t->fd, frame, sizeof(frame));
    if (n <= 0)
      return;
    if (ncgt_adapter_from_stack(ad, frame, (size_t)n) != 0)
      ncg_debug("event=adapter-callback-failed dir=from-stack");
  }
}

void ncg_tap_write(ncg_tap *t, const uint8_t *frame, size_t len) {
  if (write(t->fd, frame, len) < 0)
    t->write_drops++;
}
