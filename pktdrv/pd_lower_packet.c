/*
 * AF_PACKET lower driver (packet(7)).
 */
#include "pd_lower_packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ncgtun/inet.h>

#include "pd_bytes.h"

struct pdrv_packet {
  int fd;
  int ifindex;
  uint8_t mac[PDRV_ADDR_LEN];
  int promisc, allmulti;
  uint8_t mcast[PDRV_MAX_MULTICAST][PDRV_ADDR_LEN];
  size_t nmcast;
};

static int membership(pdrv_packet *p, int add, int type,
                      const uint8_t *addr) {
  struct packet_mreq mr;
  memset(&mr, 0, sizeof(mr));
  mr.mr_ifindex = p->ifindex;
  mr.mr_type = (unsigned short)type;
  if (addr) {
    mr.mr_alen = PDRV_ADDR_LEN;
    memcpy(mr.mr_address, addr, PDRV_ADDR_LEN);
  }
  return setsockopt(p->fd, SOL_PACKET,
                    add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &mr,
                    sizeof(mr));
}

/* Turns a membership on or off, remembering its state in *on. */
static int toggle(pdrv_packet *p, int *on, int want, int type) {
  if (*on == want)
    return 0;
  if (membership(p, want, type, NULL) != 0)
    return -1;
  *on = want;
  return 0;
}

static int packet_set_mode(int mode, void *ctx) {
  pdrv_packet *p = ctx;
  if (toggle(p, &p->promisc, mode == PDRV_MODE_PROMISC,
             PACKET_MR_PROMISC) != 0)
    return -1;
  return toggle(p, &p->allmulti, mode == PDRV_MODE_ALL_MULTICAST,
                PACKET_MR_ALLMULTI);
}

static int packet_set_multicast(const uint8_t *addrs, size_t n, void *ctx) {
  pdrv_packet *p = ctx;
  if (n > PDRV_MAX_MULTICAST)
    return -1;
  for (size_t i = 0; i < p->nmcast; i++)
    (void)membership(p, 0, PACKET_MR_MULTICAST, p->mcast[i]);
  p->nmcast = 0;
  for (size_t i = 0; i < n; i++) {
    if (membership(p, 1, PACKET_MR_MULTICAST, addrs + i * PDRV_ADDR_LEN) != 0)
      return -1;
    memcpy(p->mcast[p->nmcast++], addrs + i * PDRV_ADDR_LEN,
           PDRV_ADDR_LEN);
  }
  return 0;
}

static int packet_send(const uint8_t *frame, size_t len, void *ctx) {
  pdrv_packet *p = ctx;
  ssize_t n = send(p->fd, frame, len, 0);
  return n == (ssize_t)len ? 0 : -1;
}

pdrv_lower pdrv_packet_lower(pdrv_packet *p) {
  pdrv_lower l = {
      .send = packet_send,
      .set_mode = packet_set_mode,
      .set_multicast = packet_set_multicast,
      .ctx = p,
  };
  return l;
}

static int open_fail(pdrv_packet *p, char *err, size_t errlen,
                     const char *what, const char *ifname) {
  if (err && errlen)
    snprintf(err, errlen, "%s %s: %s", what, ifname, strerror(errno));
  if (p->fd >= 0)
    close(p->fd);
  free(p);
  return -1;
}

int pdrv_packet_open(pdrv_packet **out, const char *ifname, char *err,
                        size_t errlen) {
  pdrv_packet *p = calloc(1, sizeof(*p));
  if (!p)
    return -1;
  p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 htons(ETH_P_ALL));
  if (p->fd < 0)
    return open_fail(p, err, errlen, "socket(AF_PACKET) for", ifname);
  p->ifindex = (int)if_nametoindex(ifname);
  if (p->ifindex == 0)
    return open_fail(p, err, errlen, "no interface", ifname);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
  if (ioctl(p->fd, SIOCGIFHWADDR, &ifr) != 0)
    return open_fail(p, err, errlen, "SIOCGIFHWADDR", ifname);
  memcpy(p->mac, ifr.ifr_hwaddr.sa_data, PDRV_ADDR_LEN);
  int one = 1;
  if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0)
    return open_fail(p, err, errlen, "PACKET_AUXDATA", ifname);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof(sll));
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = p->ifindex;
  if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
    return open_fail(p, err, errlen, "bind", ifname);
  *out = p;
  return 0;
}

void pdrv_packet_close(pdrv_packet *p) {
  if (!p)
    return;
  close(p->fd);
  free(p);
}

int pdrv_packet_fd(const pdrv_packet *p) { return p->fd; }

void pdrv_packet_mac(const pdrv_packet *p,
                        uint8_t mac[PDRV_ADDR_LEN]) {
  memcpy(mac, p->mac, PDRV_ADDR_LEN);
}

/* The kernel left the TCP/UDP checksum to "hardware" (CHECKSUM_PARTIAL:
 * the field holds the pseudo-header sum). Finish it as skb_checksum_help
 * would: sum the transport segment, fold, complement. IPv4 only. */
static void finish_checksum(uint8_t *f, size_t len) {
  enum { ETH = PDRV_ETH_HDR_LEN };
  if (len < ETH + 20 || pdrv_get_u16(f + 12) != 0x0800)
    return;
  size_t ihl = (size_t)(f[ETH] & 0x0f) * 4;
  size_t total = pdrv_get_u16(f + ETH + 2);
  size_t off;
  if (f[ETH + 9] == 6)
    off = 16;
  else if (f[ETH + 9] == 17)
    off = 6;
  else
    return;
  if (ihl < 20 || total > len - ETH || total < ihl + off + 2)
    return;
  uint8_t *l4 = f + ETH + ihl;
  uint16_t c = ncgt_csum_fold(ncgt_csum_add(0, l4, total - ihl));
  if (c == 0 && f[ETH + 9] == 17)
    c = 0xffff;
  pdrv_put_u16(l4 + off, c);
}

ssize_t pdrv_packet_recv(pdrv_packet *p, uint8_t *buf, size_t cap) {
  for (;;) {
    struct sockaddr_ll from;
    union {
      struct cmsghdr align;
      uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
    } cbuf;
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    struct msghdr msg = {.msg_name = &from,
                         .msg_namelen = sizeof(from),
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = cbuf.b,
                         .msg_controllen = sizeof(cbuf.b)};
    ssize_t n = recvmsg(p->fd, &msg, MSG_TRUNC);
    if (n < 0)
      return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > cap)
      continue; /* our own transmissions; oversize frames */
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
        continue;
      struct tpacket_auxdata aux;
      memcpy(&aux, CMSG_DATA(c), sizeof(aux));
      if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
        finish_checksum(buf, (size_t)n);
    }
    return n;
  }
}
