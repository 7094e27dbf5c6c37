/* Address, route and link monitor (addrwatch.h). */
#include "addrwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* RTM_NEWROUTE: a unicast route and the interface it leaves by (0 if
 * the message names none). -1 for anything else. */
static int route_oif(const struct nlmsghdr *h) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
    return -1;
  const struct rtmsg *rt = NLMSG_DATA(h);
  if (rt->rtm_type != RTN_UNICAST)
    return -1;
  int oif = 0;
  unsigned int left = (unsigned int)RTM_PAYLOAD(h);
  for (const struct rtattr *rta = RTM_RTA(rt); RTA_OK(rta, left);
       rta = RTA_NEXT(rta, left))
    if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) == sizeof(int))
      memcpy(&oif, RTA_DATA(rta), sizeof(int));
  return oif;
}

/* Something that can make the network usable again appeared. */
static void addrwatch_up(ncg_addrwatch *w, const struct nlmsghdr *h) {
  int ifindex = -1;
  if (h->nlmsg_type == RTM_NEWADDR &&
      h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifaddrmsg))) {
    ifindex = (int)((const struct ifaddrmsg *)NLMSG_DATA(h))->ifa_index;
  } else if (h->nlmsg_type == RTM_NEWROUTE) {
    ifindex = route_oif(h);
  } else if (h->nlmsg_type == RTM_NEWLINK &&
             h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg))) {
    const struct ifinfomsg *ifi = NLMSG_DATA(h);
    unsigned up = IFF_UP | IFF_LOWER_UP;
    if ((ifi->ifi_flags & up) == up)
      ifindex = ifi->ifi_index;
  }
  if (ifindex >= 0 && w->on_up)
    w->on_up(ifindex, w->obj);
}

static void addrwatch_msg(ncg_addrwatch *w, const struct nlmsghdr *h) {
  if (h->nlmsg_type != RTM_DELADDR) {
    addrwatch_up(w, h);
    return;
  }
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
    return;
  const struct ifaddrmsg *ifa = NLMSG_DATA(h);
  size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
    return;
  unsigned int left = (unsigned int)IFA_PAYLOAD(h);
  for (const struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, left);
       rta = RTA_NEXT(rta, left)) {
    if ((rta->rta_type != IFA_LOCAL && rta->rta_type != IFA_ADDRESS) ||
        RTA_PAYLOAD(rta) != alen)
      continue;
    ncg_ip ip = { .family = ifa->ifa_family };
    memcpy(ip.bytes, RTA_DATA(rta), alen);
    w->on_del(&ip, w->obj);
  }
}

static void addrwatch_ready(void *obj, uint32_t events) {
  ncg_addrwatch *w = obj;
  uint8_t buf[8192];
  (void)events;
  for (;;) {
    ssize_t n = recv(w->fd, buf, sizeof(buf), 0);
    if (n <= 0)
      return; /* EAGAIN; ENOBUFS (overrun) is harmless: the dead-peer timer
                 still catches a lost address */
    size_t left = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left))
      addrwatch_msg(w, h);
  }
}

int ncg_addrwatch_open(ncg_addrwatch *w, ncg_loop *l,
                       void (*on_del)(const ncg_ip *, void *),
                       void (*on_up)(int, void *), void *obj) {
  struct sockaddr_nl sa = {
    .nl_family = AF_NETLINK,
    .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
                 (on_up ? RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_LINK
                        : 0),
  };
  w->on_del = on_del;
  w->on_up = on_up;
  w->obj = obj;
  w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 NETLINK_ROUTE);
  if (w->fd < 0)
    return -1;
  if (bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      ncg_watch_add(l, &w->watch, w->fd, EPOLLIN, addrwatch_ready, w) != 0) {
    close(w->fd);
    w->fd = -1;
    return -1;
  }
  return 0;
}

void ncg_addrwatch_close(ncg_addrwatch *w, ncg_loop *l) {
  if (w->fd < 0)
    return;
  ncg_watch_del(l, &w->watch);
  close(w->fd);
  w->fd = -1;
}

int ncg_sock_local_ip(int fd, ncg_ip *out) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
    return -1;
  memset(out, 0, sizeof(*out));
  out->family = ss.ss_family;
  if (ss.ss_family == AF_INET)
    memcpy(out->bytes, &((struct sockaddr_in *)&ss)->sin_addr, 4);
  else if (ss.ss_family == AF_INET6)
    memcpy(out->bytes, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
  else
    return -1;
  return 0;
}
