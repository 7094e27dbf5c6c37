/* TAP device (tap.h). */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <sys/uio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#include <ncgtun/adapter.h>

#include "log.h"
#include "netlink.h"

enum {
  TAP_ETH_HLEN = 14,
  TAP_VNET_HLEN = sizeof(struct virtio_net_hdr), /* 10 */
  TAP_FRAME_MAX = TAP_VNET_HLEN + TAP_ETH_HLEN + 65536,
  TAP_FRAMES_PER_EVENT = 64,
};

int ncg_tap_open_vnet(ncg_tap *t, const char *name, int vnet) {
  struct ifreq ifr;
  memset(t, 0, sizeof(*t));
  t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (t->fd < 0)
    return -1;
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
  if (name && *name) {
    if (strlen(name) >= IFNAMSIZ) {
      errno = ENAMETOOLONG;
      goto fail;
    }
    memcpy(ifr.ifr_name, name, strlen(name) + 1);
  }
  if (ioctl(t->fd, TUNSETIFF, &ifr) != 0)
    goto fail;
  int hsz = TAP_VNET_HLEN;
  if (vnet && (ioctl(t->fd, TUNSETVNETHDRSZ, &hsz) != 0 ||
               ioctl(t->fd, TUNSETOFFLOAD, 0) != 0))
    goto fail;
  t->vnet = vnet;
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

int ncg_tap_set_offload(ncg_tap *t, int on) {
  if (!t->vnet || t->offload == (on != 0))
    return 0;
  unsigned long fl = on ? TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 : 0;
  if (ioctl(t->fd, TUNSETOFFLOAD, fl) != 0)
    return -1;
  t->offload = on != 0;
  return 0;
}

/* virtio_net_hdr (offsets from the Ethernet header) -> ncgt_gso (offsets
 * from the IP packet). 1: *g describes the frame; 0: nothing to describe;
 * -1: a GSO type the tunnel does not carry (UDP, ECN...). */
static int tap_hdr_to_gso(const struct virtio_net_hdr *vh, const uint8_t *eth,
                          size_t len, ncgt_gso *g) {
  if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE &&
      !(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
    return 0;
  memset(g, 0, sizeof(*g));
  if (len < TAP_ETH_HLEN || vh->csum_start < TAP_ETH_HLEN)
    return -1;
  g->ipver = eth[12] == 0x86 && eth[13] == 0xdd ? 6 : 4;
  switch (vh->gso_type) {
  case VIRTIO_NET_HDR_GSO_NONE: g->type = NCGT_GSO_NONE; break;
  case VIRTIO_NET_HDR_GSO_TCPV4: g->type = NCGT_GSO_TCPV4; break;
  case VIRTIO_NET_HDR_GSO_TCPV6: g->type = NCGT_GSO_TCPV6; break;
  default: return -1;
  }
  if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
    g->flags = NCGT_GSO_F_NEEDS_CSUM;
  g->hdr_len = vh->hdr_len > TAP_ETH_HLEN ? vh->hdr_len - TAP_ETH_HLEN : 0;
  g->gso_size = vh->gso_size;
  g->csum_start = (uint16_t)(vh->csum_start - TAP_ETH_HLEN);
  g->csum_offset = vh->csum_offset;
  return 1;
}

void ncg_tap_pump(ncg_tap *t, ncgt_adapter *ad) {
  /* One thread, one loop. Read TAP_HEADROOM bytes in, so every datagram
   * the adapter passes on can be sealed where it lies: a GSO datagram
   * begins NCGT_GSO_DESC_LEN bytes before the IP header, i.e. 2 bytes
   * into the Ethernet header, and needs NCGT_DATAGRAM_TX_HEADROOM before
   * that. */
  enum { TAP_HEADROOM = NCGT_DATAGRAM_TX_HEADROOM };
  static uint8_t room[TAP_HEADROOM + TAP_FRAME_MAX];
  uint8_t *buf = room + TAP_HEADROOM;
  size_t vl = t->vnet ? TAP_VNET_HLEN : 0;
  for (int i = 0; i < TAP_FRAMES_PER_EVENT; i++) {
    ssize_t n = read(t->fd, buf, TAP_FRAME_MAX);
    if (n <= 0 || (size_t)n < vl)
      return;
    uint8_t *frame = buf + vl;
    size_t len = (size_t)n - vl;
    ncgt_gso g;
    int has = 0;
    if (vl) {
      struct virtio_net_hdr vh;
      memcpy(&vh, buf, sizeof(vh));
      has = tap_hdr_to_gso(&vh, frame, len, &g);
      if (has < 0) {
        t->gso_unsupported++;
        continue;
      }
      t->gso_in += has && g.type != NCGT_GSO_NONE;
    }
    if (ncgt_adapter_from_stack_ex(ad, has ? &g : NULL, frame, len,
                                   (size_t)(frame - room), 0) != 0)
      ncg_debug("event=adapter-callback-failed dir=from-stack");
  }
}

static void tap_writev(ncg_tap *t, const struct virtio_net_hdr *vh,
                       const uint8_t *frame, size_t len) {
  struct iovec iov[2] = {
    { .iov_base = (void *)vh, .iov_len = TAP_VNET_HLEN },
    { .iov_base = (void *)frame, .iov_len = len },
  };
  if (writev(t->fd, iov, 2) < 0)
    t->write_drops++;
}

void ncg_tap_write(ncg_tap *t, const uint8_t *frame, size_t len) {
  if (t->vnet) {
    static const struct virtio_net_hdr none; /* no offload */
    tap_writev(t, &none, frame, len);
    return;
  }
  if (write(t->fd, frame, len) < 0)
    t->write_drops++;
}

void ncg_tap_write_gso(ncg_tap *t, const ncgt_gso *g, const uint8_t *frame,
                       size_t len) {
  struct virtio_net_hdr vh;
  memset(&vh, 0, sizeof(vh));
  if (!t->vnet) { /* cannot happen: only vnet TAPs get to_stack_gso */
    t->write_drops++;
    return;
  }
  vh.flags = (g->flags & NCGT_GSO_F_NEEDS_CSUM) ? VIRTIO_NET_HDR_F_NEEDS_CSUM
                                                : 0;
  vh.gso_type = g->type == NCGT_GSO_TCPV4   ? VIRTIO_NET_HDR_GSO_TCPV4
                : g->type == NCGT_GSO_TCPV6 ? VIRTIO_NET_HDR_GSO_TCPV6
                                            : VIRTIO_NET_HDR_GSO_NONE;
  vh.hdr_len = (uint16_t)(g->hdr_len ? g->hdr_len + TAP_ETH_HLEN : 0);
  vh.gso_size = g->gso_size;
  vh.csum_start = (uint16_t)(g->csum_start + TAP_ETH_HLEN);
  vh.csum_offset = g->csum_offset;
  t->gso_out++;
  tap_writev(t, &vh, frame, len);
}

void ncg_tap_gso_setup(ncg_tap *t, struct ncg_nl *nl) {
  if (t->vnet && ncg_nl_link_gso_max(nl, t->ifindex, NCG_TAP_GSO_MAX) != 0)
    ncg_warn("event=tap-gso-max device=%s error=\"%s\"", t->name,
             strerror(errno));
}

void ncg_tap_log_stats(const ncg_tap *t, const struct ncgt_adapter *ad) {
  ncgt_adapter_stats st;
  ncgt_adapter_get_stats(ad, &st, sizeof(st));
  ncg_info("event=adapter-stats to_tunnel=%llu to_stack=%llu "
           "gso_to_tunnel=%llu gso_to_stack=%llu csum_completed=%llu "
           "drop_too_big=%llu drop_gso=%llu tap_gso_unsupported=%llu "
           "tap_write_drops=%llu",
           (unsigned long long)st.to_tunnel, (unsigned long long)st.to_stack,
           (unsigned long long)st.gso_to_tunnel,
           (unsigned long long)st.gso_to_stack,
           (unsigned long long)st.csum_completed,
           (unsigned long long)st.drop_too_big,
           (unsigned long long)st.drop_gso_malformed,
           (unsigned long long)t->gso_unsupported,
           (unsigned long long)t->write_drops);
}

void ncg_tap_log_open_error(const char *name) {
  int e = errno;
  const char *hint = "";
  if (e == ENOENT || e == ENODEV || e == ENXIO)
    hint = " (/dev/net/tun missing: is the tun module loaded? "
           "modprobe tun)";
  else if (e == EPERM || e == EACCES)
    hint = " (/dev/net/tun needs root or CAP_NET_ADMIN; is the tun module "
           "loaded?)";
  ncg_err("event=tap-open device=%s tun=/dev/net/tun error=\"%s\"%s",
          name && *name ? name : "(kernel-chosen)", strerror(e), hint);
}
