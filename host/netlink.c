/* rtnetlink requests (netlink.h). */
#include "netlink.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A request: header, one family struct, and a few attributes. */
typedef struct nl_req {
  struct nlmsghdr hdr;
  uint8_t body[256];
} nl_req;

int ncg_nl_open(ncg_nl *nl) {
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  nl->seq = 1;
  nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl->fd < 0)
    return -1;
  if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(nl->fd);
    nl->fd = -1;
    return -1;
  }
  return 0;
}

void ncg_nl_close(ncg_nl *nl) {
  if (nl->fd >= 0)
    close(nl->fd);
  nl->fd = -1;
}

static void *req_tail(nl_req *r) {
  return (uint8_t *)r + NLMSG_ALIGN(r->hdr.nlmsg_len);
}

/* Appends the family struct (ifinfomsg, ifaddrmsg, rtmsg). */
static void *req_put(nl_req *r, const void *data, size_t len) {
  void *p = req_tail(r);
  memcpy(p, data, len);
  r->hdr.nlmsg_len = NLMSG_ALIGN(r->hdr.nlmsg_len) + (uint32_t)len;
  return p;
}

static int req_attr(nl_req *r, unsigned short type, const void *data,
                    size_t len) {
  if (NLMSG_ALIGN(r->hdr.nlmsg_len) + RTA_SPACE(len) > sizeof(*r))
    return -ENOBUFS;
  struct rtattr *rta = req_tail(r);
  rta->rta_type = type;
  rta->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(rta), data, len);
  r->hdr.nlmsg_len = NLMSG_ALIGN(r->hdr.nlmsg_len) + (uint32_t)RTA_SPACE(len);
  return 0;
}

static void req_init(nl_req *r, uint16_t type, uint16_t flags) {
  memset(r, 0, sizeof(*r));
  r->hdr.nlmsg_len = NLMSG_LENGTH(0);
  r->hdr.nlmsg_type = type;
  r->hdr.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
}

/* Sends and waits for the NLMSG_ERROR that acknowledges this request. */
static int req_send(ncg_nl *nl, nl_req *r) {
  struct sockaddr_nl to = { .nl_family = AF_NETLINK };
  r->hdr.nlmsg_seq = ++nl->seq;
  if (sendto(nl->fd, r, r->hdr.nlmsg_len, 0, (struct sockaddr *)&to,
             sizeof(to)) < 0)
    return -errno;
  for (;;) {
    uint8_t buf[4096];
    ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    size_t left = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != nl->seq || h->nlmsg_type != NLMSG_ERROR)
        continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
        return -EPROTO;
      const struct nlmsgerr *e = NLMSG_DATA(h);
      return e->error; /* 0 = ACK */
    }
  }
}

int ncg_nl_link_set(ncg_nl *nl, int ifindex, int up, unsigned mtu) {
  nl_req r;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
                           .ifi_change = IFF_UP,
                           .ifi_flags = up ? IFF_UP : 0 };
  req_init(&r, RTM_NEWLINK, 0);
  req_put(&r, &ifi, sizeof(ifi));
  if (mtu) {
    uint32_t m = mtu;
    int rc = req_attr(&r, IFLA_MTU, &m, sizeof(m));
    if (rc)
      return rc;
  }
  return req_send(nl, &r);
}

int ncg_nl_link_gso_max(ncg_nl *nl, int ifindex, unsigned size) {
  nl_req r;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
  uint32_t v = size;
  req_init(&r, RTM_NEWLINK, 0);
  req_put(&r, &ifi, sizeof(ifi));
  int rc = req_attr(&r, IFLA_GSO_MAX_SIZE, &v, sizeof(v));
  return rc ? rc : req_send(nl, &r);
}

static size_t ip_len(const ncg_ip *a) { return a->family == AF_INET ? 4 : 16; }

int ncg_nl_addr(ncg_nl *nl, int add, int ifindex, const ncg_ip *addr,
                unsigned plen) {
  nl_req r;
  struct ifaddrmsg ifa = { .ifa_family = (uint8_t)addr->family,
                           .ifa_prefixlen = (uint8_t)plen,
                           .ifa_scope = RT_SCOPE_UNIVERSE,
                           .ifa_index = (uint32_t)ifindex };
  req_init(&r, add ? RTM_NEWADDR : RTM_DELADDR,
           add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
  req_put(&r, &ifa, sizeof(ifa));
  int rc = req_attr(&r, IFA_LOCAL, addr->bytes, ip_len(addr));
  if (!rc)
    rc = req_attr(&r, IFA_ADDRESS, addr->bytes, ip_len(addr));
  return rc ? rc : req_send(nl, &r);
}

int ncg_nl_route(ncg_nl *nl, int add, int ifindex, const ncg_ip *dst,
                 unsigned plen, const ncg_ip *gw) {
  nl_req r;
  struct rtmsg rtm = { .rtm_family = (uint8_t)dst->family,
                       .rtm_dst_len = (uint8_t)plen,
                       .rtm_table = RT_TABLE_MAIN,
                       .rtm_protocol = RTPROT_STATIC,
                       .rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
                       .rtm_type = RTN_UNICAST };
  uint32_t oif = (uint32_t)ifindex;
  req_init(&r, add ? RTM_NEWROUTE : RTM_DELROUTE,
           add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
  req_put(&r, &rtm, sizeof(rtm));
  int rc = 0;
  if (plen > 0)
    rc = req_attr(&r, RTA_DST, dst->bytes, ip_len(dst));
  if (!rc && gw)
    rc = req_attr(&r, RTA_GATEWAY, gw->bytes, ip_len(gw));
  if (!rc)
    rc = req_attr(&r, RTA_OIF, &oif, sizeof(oif));
  return rc ? rc : req_send(nl, &r);
}
