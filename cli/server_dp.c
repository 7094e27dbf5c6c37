/*
 * ncg-server's datagram path: the TAP pseudo adapter holding the server's
 * tunnel address, and the table from client tunnel address to tunnel.
 *
 *   kernel -> TAP frame -> adapter (answers ARP for client addresses with
 *   the reserved MAC, strips Ethernet) -> to_tunnel -> tunnel by
 *   destination address -> DATA frame
 *
 *   DATA frame -> adapter (anti-spoofing: source must be the tunnel's
 *   address; rebuilds Ethernet) -> to_stack -> TAP -> kernel routing
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "sys.h"

enum { IPV6_DST_OFFSET = 24 };

static size_t addr_slot(const srv_prog *p, uint32_t a, int *ok) {
  uint32_t mask = ncg_ip4_mask(p->conf.plen);
  *ok = (a & mask) == (p->conf.address & mask);
  return (size_t)(a & ~mask);
}

/* One TAP for every tunnel: the kernel may hand over super-segments only
 * while every bound tunnel takes them (a tunnel without GSO turns the
 * offloads off until it is gone). */
static void dp_update_offload(srv_prog *p) {
  int on = p->conf.offload && p->n_nogso == 0;
  if (ncg_tap_set_offload(&p->tap, on) != 0)
    ncg_warn("event=tap-offload error=\"%s\"", strerror(errno));
}

void srv_dp_bind(srv_prog *p, srv_tunnel *st) {
  int ok;
  size_t i = addr_slot(p, st->addr, &ok);
  if (ok)
    p->by_addr[i] = st;
  st->bound6 = st->has_addr6;
  if (!st->nogso && !(ncgt_conn_features(st->t.conn) & NCGT_FEATURE_GSO)) {
    st->nogso = 1;
    p->n_nogso++;
    dp_update_offload(p);
  }
}

void srv_dp_unbind(srv_prog *p, srv_tunnel *st) {
  int ok;
  size_t i = addr_slot(p, st->addr, &ok);
  if (ok && p->by_addr[i] == st)
    p->by_addr[i] = NULL;
  st->bound6 = 0;
  if (st->nogso) {
    st->nogso = 0;
    p->n_nogso--;
    dp_update_offload(p);
  }
}

static int dp_to_stack(const uint8_t *frame, size_t len, void *ud) {
  srv_prog *p = ud;
  ncg_tap_write(&p->tap, frame, len);
  return 0;
}

static int dp_to_stack_gso(const ncgt_gso *g, const uint8_t *frame,
                           size_t len, void *ud) {
  srv_prog *p = ud;
  ncg_tap_write_gso(&p->tap, g, frame, len);
  return 0;
}

/* The tunnel holding IPv6 address `a`. A linear walk: the IPv6 space
 * has no dense index like by_addr (a hash map would do for many
 * tunnels). */
static srv_tunnel *dp_find6(srv_prog *p, const uint8_t *a) {
  for (srv_tunnel *st = p->tunnels; st; st = st->next)
    if (st->bound6 && memcmp(st->addr6, a, 16) == 0)
      return st;
  return NULL;
}

/* The kernel routed a datagram to a client address: find its tunnel by
 * the IPv4 destination the adapter parsed, or an IPv6 one. */
static int dp_to_tunnel(const ncgt_datagram *d, void *ud) {
  srv_prog *p = ud;
  int ok;
  srv_tunnel *st = NULL;
  if (d->ip4_dst != 0) {
    size_t i = addr_slot(p, d->ip4_dst, &ok);
    st = ok ? p->by_addr[i] : NULL;
  } else if (d->pktlen >= IPV6_DST_OFFSET + 16 && (d->pkt[0] >> 4) == 6) {
    st = dp_find6(p, d->pkt + IPV6_DST_OFFSET);
  }
  if (!st || st->dying) {
    p->no_tunnel_drops++;
    return 0;
  }
  if (d->gso && st->nogso) { /* read before the offloads went off */
    p->gso_refused++;
    return 0;
  }
  ncg_tunnel_send_dgram(&st->t, d);
  return 0;
}

/* Opened in place: the adapter writes Ethernet in front, no copy. */
void srv_dp_from_tunnel(srv_prog *p, srv_tunnel *st, const ncgt_datagram *d) {
  int rc = ncgt_adapter_from_tunnel_dgram6(p->adapter, d, st->addr,
                                           st->has_addr6 ? st->addr6 : NULL);
  if (rc != 0)
    ncg_debug("%s event=adapter-callback-failed", st->t.ctx);
}

static void dp_tap_ready(void *obj, uint32_t events) {
  srv_prog *p = obj;
  (void)events;
  ncg_tap_pump(&p->tap, p->adapter);
}

/* The server's own interface: up, MTU, its tunnel address. */
static int dp_configure_tap(srv_prog *p) {
  const ncg_server_conf *c = &p->conf;
  ncg_ip a = { .family = AF_INET };
  uint32_t be = htonl(c->address);
  memcpy(a.bytes, &be, 4);
  int rc = ncg_nl_link_set(&p->nl, p->tap.ifindex, 1, c->mtu);
  if (rc == 0)
    rc = ncg_nl_addr(&p->nl, 1, p->tap.ifindex, &a, c->plen);
  if (rc == 0 && c->plen6) {
    ncg_ip a6 = { .family = AF_INET6 };
    memcpy(a6.bytes, c->address6, 16);
    rc = ncg_nl_addr(&p->nl, 1, p->tap.ifindex, &a6, c->plen6);
  }
  if (rc != 0) {
    ncg_err("event=tap-config device=%s error=\"%s\"", p->tap.name,
            strerror(-rc));
    return -1;
  }
  return 0;
}

/* IPv4 forwarding so the kernel routes between tunnels and the LAN: the
 * last step of the start (srv_start), because it is global and nothing
 * undoes it at exit (other routing may depend on it by then); a start
 * that fails earlier leaves it as it was (issue 13). */
void srv_dp_forwarding(srv_prog *p) {
  if (!p->conf.forwarding)
    return;
  char path[128];
  snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding",
           p->tap.name);
  if (ncg_sysctl_write("/proc/sys/net/ipv4/ip_forward", "1") != 0 ||
      ncg_sysctl_write(path, "1") != 0 ||
      (p->conf.plen6 &&
       ncg_sysctl_write("/proc/sys/net/ipv6/conf/all/forwarding", "1") != 0))
    ncg_warn("event=forwarding error=\"%s\" (routing to the LAN needs "
             "net.ipv4.ip_forward=1, and for IPv6 "
             "net.ipv6.conf.all.forwarding=1)",
             strerror(errno));
  else
    ncg_info("event=forwarding device=%s net.ipv4.ip_forward=1", p->tap.name);
}

int srv_dp_setup(srv_prog *p) {
  const ncg_server_conf *c = &p->conf;
  p->nby_addr = (size_t)1 << (32 - c->plen);
  p->by_addr = calloc(p->nby_addr, sizeof(*p->by_addr));
  if (!p->by_addr)
    return -1;
  if (ncg_tap_open_vnet(&p->tap, c->device, c->offload) != 0) {
    ncg_tap_log_open_error(c->device);
    return -1;
  }
  if (ncg_nl_open(&p->nl) != 0 || dp_configure_tap(p) != 0)
    return -1;
  ncg_tap_gso_setup(&p->tap, &p->nl);
  dp_update_offload(p);
  ncgt_adapter_settings s;
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_SERVER);
  s.mtu = (uint16_t)c->mtu;
  s.mss_clamp = c->mss_clamp;
  s.server_addr = c->address;
  s.server_prefix_len = (uint8_t)c->plen;
  memcpy(s.server_addr6, c->address6, 16);
  s.server_prefix_len6 = (uint8_t)c->plen6;
  memcpy(s.stack_mac, p->tap.mac, 6);
  static const ncgt_adapter_callbacks cb = {
    .version = NCGT_ADAPTER_CALLBACKS_V3,
    .to_stack = dp_to_stack,
    .to_tunnel_dgram = dp_to_tunnel,
    .log = ncg_log_lib_plain,
    .to_stack_gso = dp_to_stack_gso,
  };
  int rc = ncgt_adapter_new(&p->adapter, &s, &cb, p);
  if (rc != 0) {
    ncg_err("event=adapter error=\"%s\"", ncgt_strerror(rc));
    return -1;
  }
  if (ncg_watch_add(&p->loop, &p->tap_watch, p->tap.fd, EPOLLIN, dp_tap_ready,
                    p) != 0)
    return -1;
  char as[16];
  ncg_info("event=adapter device=%s address=%s/%u mtu=%u offload=%s",
           p->tap.name, ncg_ip4_str(c->address, as), c->plen, c->mtu,
           c->offload ? "yes" : "no");
  return 0;
}

void srv_dp_teardown(srv_prog *p) {
  if (p->adapter) {
    ncgt_adapter_stats st;
    ncgt_adapter_get_stats(p->adapter, &st, sizeof(st));
    ncg_info("event=adapter-stats to_tunnel=%llu to_stack=%llu "
             "arp_replies=%llu drop_spoofed=%llu no_tunnel=%llu "
             "gso_to_tunnel=%llu gso_to_stack=%llu csum_completed=%llu "
             "gso_refused=%llu drop_gso=%llu",
             (unsigned long long)st.to_tunnel,
             (unsigned long long)st.to_stack,
             (unsigned long long)st.arp_replies,
             (unsigned long long)st.drop_spoofed,
             (unsigned long long)p->no_tunnel_drops,
             (unsigned long long)st.gso_to_tunnel,
             (unsigned long long)st.gso_to_stack,
             (unsigned long long)st.csum_completed,
             (unsigned long long)p->gso_refused,
             (unsigned long long)st.drop_gso_malformed);
  }
  ncg_watch_del(&p->loop, &p->tap_watch);
  ncgt_adapter_del(p->adapter);
  p->adapter = NULL;
  ncg_tap_close(&p->tap);
  ncg_nl_close(&p->nl);
  free(p->by_addr);
  p->by_addr = NULL;
}
