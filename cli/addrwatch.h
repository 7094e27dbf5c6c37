/*
 * Watches the host's addresses, routes and links (rtnetlink
 * RTMGRP_IPV4_IFADDR / RTMGRP_IPV6_IFADDR / RTMGRP_IPV4_ROUTE /
 * RTMGRP_IPV6_ROUTE / RTMGRP_LINK). When the address our tunnel's TCP
 * connection leaves from disappears (a laptop moving networks, seed 000),
 * the client does not wait for the dead-peer timer: it reconnects at once
 * from the new address, and the tunnel address stays the same. When an
 * address or a route appears or a link comes up while the client is
 * backing off, it tries again at once (issue 18 item 5).
 */
#ifndef NCG_ADDRWATCH_H
#define NCG_ADDRWATCH_H

#include "loop.h"
#include "netlink.h"

typedef struct ncg_addrwatch {
  int fd;
  ncg_watch watch;
  /* An address was removed from some interface. */
  void (*on_del)(const ncg_ip *addr, void *obj);
  /* An address or unicast route was added on interface `ifindex`, or that
   * link is now up with carrier. Optional. */
  void (*on_up)(int ifindex, void *obj);
  void *obj;
} ncg_addrwatch;

int ncg_addrwatch_open(ncg_addrwatch *w, ncg_loop *l,
                       void (*on_del)(const ncg_ip *, void *),
                       void (*on_up)(int, void *), void *obj);
void ncg_addrwatch_close(ncg_addrwatch *w, ncg_loop *l);
/* The local address of a connected socket. 0 or -1. */
int ncg_sock_local_ip(int fd, ncg_ip *out);

#endif /* NCG_ADDRWATCH_H */
