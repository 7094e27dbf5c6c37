/*
 * The built-in interface configuration (dhcp = builtin): what a DHCP
 * client would do with the emulator's answer, done directly through
 * rtnetlink from the same client data (Fig. 23): MTU (option 26),
 * address and prefix (50, 1), classless routes via the server (121).
 * The TAP's MTU is set here in both dhcp modes (cli_net_mtu).
 */
#include <arpa/inet.h>
#include <string.h>

#include "client.h"
#include "conf.h"
#include "log.h"

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
