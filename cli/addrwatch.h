/*
 * Watches the host's addresses (rtnetlink RTMGRP_IPV4_IFADDR /
 * RTMGRP_IPV6_IFADDR). When the address our tunnel's TCP connection
 * leaves from disappears (a laptop moving networks, seed 000), the
 * client does not wait for the dead-peer timer: it reconnects at once
 * from the new address, and the tunnel address stays the same.
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
  void *obj;
} ncg_addrwatch;

int ncg_addrwatch_open(ncg_addrwatch *w, ncg_loop *l,
                       void (*on_del)(const ncg_ip *, void *), void *obj);
void ncg_addrwatch_close(ncg_addrwatch *w, ncg_loop *l);
/* The local address of a connected socket. 0 or -1. */
int ncg_sock_local_ip(int fd, ncg_ip *out);

#endif /* NCG_ADDRWATCH_H */
