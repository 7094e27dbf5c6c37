/*
 * The built-in interface configuration (dhcp = builtin): what a DHCP
 * client would do with the emulator's answer, done directly through
 * rtnetlink from the same client data (Fig. 23): MTU (option 26),
 * address and prefix (50, 1), classless routes via the server (121).
 * The TAP's MTU is set here in both dhcp modes (cli_net_mtu).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "conf.h"
#include "log.h"
#include "sys.h"

static ncg_ip ip4(uint32_t host_order) {
  ncg_ip a = { .family = AF_INET };
  uint32_t be = htonl(host_order);
  memcpy(a.bytes, &be, 4);
  return a;
}

/* The TAP up with the adapter's tunnel MTU, so the stack's segments and
 * GSO super-segments are cut to what the tunnel carries; with a real
 * DHCP client too, which may ignore option 26 (seed 002 section 4). */
int cli_net_mtu(cli_prog *p) {
  unsigned mtu = ncgt_adapter_mtu(p->adapter);
  int rc = ncg_nl_link_set(&p->nl, p->tap.ifindex, 1, mtu);
  if (rc != 0)
    ncg_err("%s event=link device=%s mtu=%u error=\"%s\"", p->t.ctx,
            p->tap.name, mtu, strerror(-rc));
  return rc;
}

int cli_net_apply(cli_prog *p, const ncgt_client_config *cc) {
  char as[16], gs[16];
  int ifi = p->tap.ifindex;
  int rc = cli_net_mtu(p);
  if (rc == 0 && p->applied_addr &&
      (p->applied_addr != cc->client_addr ||
       p->applied_plen != cc->prefix_len)) {
    ncg_ip old = ip4(p->applied_addr);
    ncg_nl_addr(&p->nl, 0, ifi, &old, p->applied_plen);
    p->applied_addr = 0;
  }
  ncg_ip a = ip4(cc->client_addr);
  if (rc == 0)
    rc = ncg_nl_addr(&p->nl, 1, ifi, &a, cc->prefix_len);
  if (rc != 0) {
    ncg_err("%s event=configure device=%s error=\"%s\"", p->t.ctx,
            p->tap.name, strerror(-rc));
    return -1;
  }
  p->applied_addr = cc->client_addr;
  p->applied_plen = cc->prefix_len;
  for (size_t i = 0; i < cc->nroutes; i++) {
    const ncgt_route4 *r = &cc->routes[i];
    ncg_ip dst = ip4(r->dest), gw = ip4(r->gateway);
    rc = ncg_nl_route(&p->nl, 1, ifi, &dst, r->prefix_len,
                      r->gateway ? &gw : NULL);
    if (rc != 0)
      ncg_warn("%s event=route dst=%s/%u via=%s error=\"%s\"", p->t.ctx,
               ncg_ip4_str(r->dest, as), r->prefix_len,
               ncg_ip4_str(r->gateway, gs), strerror(-rc));
  }
  ncg_info("%s event=configured device=%s address=%s/%u mtu=%u routes=%zu",
           p->t.ctx, p->tap.name, ncg_ip4_str(cc->client_addr, as),
           cc->prefix_len, ncgt_adapter_mtu(p->adapter), cc->nroutes);
  return 0;
}

void cli_net_unapply(cli_prog *p) {
  if (p->tap.fd < 0)
    return;
  cli_dns_restore(p);
  if (p->applied_addr) {
    ncg_ip a = ip4(p->applied_addr);
    ncg_nl_addr(&p->nl, 0, p->tap.ifindex, &a, p->applied_plen);
    p->applied_addr = 0;
  }
  /* Down: the kernel drops every route through the device with it. */
  int rc = ncg_nl_link_set(&p->nl, p->tap.ifindex, 0, 0);
  if (rc != 0)
    ncg_warn("%s event=unconfigure device=%s error=\"%s\"", p->t.ctx,
             p->tap.name, strerror(-rc));
  else
    ncg_info("%s event=unconfigured device=%s (address and routes removed)",
             p->t.ctx, p->tap.name);
}

/* RFC 4861 6.2.4: unsolicited RAs at a randomised interval (here 75-125 %
 * of NCGT_ADAPTER_RA_INTERVAL), far inside the 1800 s lifetimes. */
static void on_ra_timer(void *obj, ncgt_tstamp now) {
  cli_prog *p = obj;
  uint8_t r = 0;
  if (ncgt_adapter_advertise(p->adapter) != 0)
    ncg_debug("%s event=ra-failed", p->t.ctx);
  ncg_rand(&r, 1, NULL);
  uint64_t ms = (uint64_t)NCGT_ADAPTER_RA_INTERVAL * (750u + 2u * r);
  ncg_timer_set(&p->loop, &p->ra_timer, now + ms * 1000000u);
}

static void net_apply6(cli_prog *p, const ncgt_client_config6 *c6) {
  char as[46];
  int ifi = p->tap.ifindex;
  ncg_ip a = { .family = AF_INET6 }, gw = { .family = AF_INET6 };
  if (p->applied_plen6 &&
      (memcmp(p->applied_addr6, c6->client_addr, 16) != 0 ||
       p->applied_plen6 != c6->prefix_len)) {
    memcpy(a.bytes, p->applied_addr6, 16);
    ncg_nl_addr(&p->nl, 0, ifi, &a, p->applied_plen6);
    p->applied_plen6 = 0;
  }
  /* The address is the server's choice: no SLAAC address beside it
   * (the adapter would drop its traffic as spoofed). */
  char path[96];
  snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/autoconf",
           p->tap.name);
  if (ncg_sysctl_write(path, "0") != 0)
    ncg_warn("%s event=autoconf-off device=%s error=\"%s\"", p->t.ctx,
             p->tap.name, strerror(errno));
  memcpy(a.bytes, c6->client_addr, 16);
  int rc = ncg_nl_addr(&p->nl, 1, ifi, &a, c6->prefix_len);
  if (rc != 0 && rc != -EEXIST) {
    ncg_err("%s event=configure6 device=%s error=\"%s\"", p->t.ctx,
            p->tap.name, strerror(-rc));
    return;
  }
  memcpy(p->applied_addr6, c6->client_addr, 16);
  p->applied_plen6 = c6->prefix_len;
  /* routes via the server's global address: the adapter answers its
   * neighbour solicitations */
  memcpy(gw.bytes, c6->server_addr, 16);
  for (size_t i = 0; i < c6->nroutes; i++) {
    ncg_ip dst = { .family = AF_INET6 };
    memcpy(dst.bytes, c6->routes[i].dest, 16);
    rc = ncg_nl_route(&p->nl, 1, ifi, &dst, c6->routes[i].prefix_len, &gw);
    if (rc != 0)
      ncg_warn("%s event=route6 dst=%s/%u error=\"%s\"", p->t.ctx,
               ncg_ip6_str(c6->routes[i].dest, as), c6->routes[i].prefix_len,
               strerror(-rc));
  }
  ncg_info("%s event=configured6 device=%s address=%s/%u routes=%zu",
           p->t.ctx, p->tap.name, ncg_ip6_str(c6->client_addr, as),
           c6->prefix_len, c6->nroutes);
}

void cli_net_ipv6(cli_prog *p, int apply) {
  ncgt_client_config6 c6;
  ncgt_adapter_client_config6(p->adapter, &c6);
  if (c6.prefix_len == 0)
    return;
  if (apply)
    net_apply6(p, &c6);
  if (!p->ra_timer_ready) {
    ncg_timer_init(&p->ra_timer, on_ra_timer, p);
    p->ra_timer_ready = 1;
  }
  on_ra_timer(p, ncg_now());
}
