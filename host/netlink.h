/*
 * Interface configuration through rtnetlink (raw NETLINK_ROUTE socket):
 * what `ip link set up mtu`, `ip addr add` and `ip route add via` do. The
 * client uses it to apply the client data (address, MTU, routes) when no
 * DHCP client runs; the server to bring up its own TAP adapter.
 * Every request waits for the kernel's acknowledgement.
 */
#ifndef NCG_NETLINK_H
#define NCG_NETLINK_H

#include <stdint.h>

typedef struct ncg_nl {
  int fd;
  uint32_t seq;
} ncg_nl;

/* An IPv4 or IPv6 address; `family` AF_INET or AF_INET6. */
typedef struct ncg_ip {
  int family;
  uint8_t bytes[16];
} ncg_ip;

int ncg_nl_open(ncg_nl *nl);
void ncg_nl_close(ncg_nl *nl);

/* Each returns 0, or a negative errno from the kernel. */
/* Sets the link up (or down) and, when mtu != 0, its MTU. */
int ncg_nl_link_set(ncg_nl *nl, int ifindex, int up, unsigned mtu);
/* IFLA_GSO_MAX_SIZE: the largest super-segment the kernel hands over. */
int ncg_nl_link_gso_max(ncg_nl *nl, int ifindex, unsigned size);
/* Adds (add != 0) or deletes an address with prefix length `plen`. */
int ncg_nl_addr(ncg_nl *nl, int add, int ifindex, const ncg_ip *addr,
                unsigned plen);
/* Adds/replaces (add != 0) or deletes a route to dst/plen through
 * `gw` (NULL: directly on the link) on `ifindex`. */
int ncg_nl_route(ncg_nl *nl, int add, int ifindex, const ncg_ip *dst,
                 unsigned plen, const ncg_ip *gw);

#endif /* NCG_NETLINK_H */
