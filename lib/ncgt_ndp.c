/*
 * Neighbour discovery emulator (RFC 4861, RFC 4862), the IPv6 twin of
 * the ARP server emulator (patent Fig. 17 steps 324-328):
 *
 *  - a neighbour solicitation for an address that lives across the
 *    tunnel gets an advertisement with the reserved MAC. Client role: the
 *    server's link-local address (fe80:: + modified EUI-64 of the
 *    reserved MAC, RFC 4291 2.5.1) and every global address but the
 *    client's own; server role: the other addresses of the server's IPv6
 *    prefix (the tunnel clients);
 *  - a DAD probe (source ::, RFC 4862 5.4) is never answered, nor is a
 *    solicitation for the stack's own address: an answer means
 *    "duplicate" and the stack would give its address up;
 *  - client role: a router solicitation gets a router advertisement
 *    built from the client data: MTU, the prefix (on-link, autonomous as
 *    configured), RFC 4191 route information for the pushed routes,
 *    RFC 8106 RDNSS and DNSSL; ncgt_adapter_advertise sends the same
 *    unsolicited;
 *  - what fails the RFC 4861 validity checks (hop limit 255, code 0,
 *    checksum, lengths, option lengths, 7.1.1's rules for ::) is counted
 *    and dropped; NA, RA and redirects from the stack are dropped.
 */
#include <string.h>

#include "ncgt_adapter_int.h"
#include "ncgt_clientdata.h"
#include "ncgt_inet.h"

enum { A6 = NCGT_IPV6_ADDR_LEN };

static const uint8_t all_nodes[A6] = {0xFF, 0x02, [15] = 1};
static const uint8_t all_nodes_mac[NCGT_ETH_ALEN] = {0x33, 0x33, 0, 0, 0, 1};

int ncgt_ndp_is_nd(const ncgt_ip *ip) {
  if (ip->version != 6 || ip->proto != NCGT_IPPROTO_ICMPV6 ||
      ip->len <= ip->hlen)
    return 0;
  uint8_t type = ip->p[ip->hlen];
  return type >= NCGT_ND_RS && type <= NCGT_ND_REDIRECT;
}

static int is_unspec(const uint8_t *a) {
  static const uint8_t z[A6];
  return memcmp(a, z, A6) == 0;
}

static int is_ll(const uint8_t *a) {
  return a[0] == NCGT_IPV6_LL_BYTE0 &&
         (a[1] & NCGT_IPV6_LL_MASK1) == NCGT_IPV6_LL_BYTE1;
}

static int in_prefix(const uint8_t *a, const uint8_t *net, unsigned plen) {
  for (unsigned i = 0; i < plen; i++)
    if ((a[i / 8] ^ net[i / 8]) & (0x80u >> (i % 8)))
      return 0;
  return 1;
}

/* fe80::/64 + modified EUI-64 of the MAC (RFC 4291 2.5.1, RFC 2464 4). */
static void mac_ll(uint8_t out[A6], const uint8_t *mac) {
  memset(out, 0, A6);
  out[0] = 0xFE;
  out[1] = 0x80;
  out[8] = mac[0] ^ 0x02;
  out[9] = mac[1];
  out[10] = mac[2];
  out[11] = 0xFF;
  out[12] = 0xFE;
  memcpy(out + 13, mac + 3, 3);
}

/* A parsed, valid ND message. */
typedef struct nd_msg {
  uint8_t type;
  const uint8_t *icmp;
  size_t len;
  const uint8_t *target; /* NS */
  const uint8_t *sllao;  /* source link-layer address option, or NULL */
} nd_msg;

/* RFC 4861 6.1.1 / 7.1.1: options have non-zero lengths and fit; note a
 * source link-layer address (Ethernet: length 1). */
static int nd_options(nd_msg *m, size_t at) {
  ncgt_rd r;
  ncgt_rd_init(&r, m->icmp + at, m->len - at);
  while (ncgt_rd_left(&r) > 0) {
    uint8_t type = 0, units = 0;
    const uint8_t *body = NULL;
    ncgt_rd_u8(&r, &type);
    NCGT_ENSURE(ncgt_rd_u8(&r, &units));
    NCGT_ENSURE_COND(units > 0, NCGT_ERR_BAD_LENGTH);
    NCGT_ENSURE(ncgt_rd_ptr(&r, &body, (size_t)units * NCGT_ND_OPT_UNIT - 2));
    if (type == NCGT_ND_OPT_SLLA) {
      NCGT_ENSURE_COND(units == 1 && !(body[0] & 1), NCGT_ERR_BAD_VALUE);
      m->sllao = body;
    }
  }
  return 0;
}

static int nd_parse(nd_msg *m, const ncgt_ip *ip) {
  memset(m, 0, sizeof *m);
  m->icmp = ip->p + ip->hlen;
  m->len = ip->len - ip->hlen;
  m->type = m->icmp[0];
  NCGT_ENSURE_COND(ip->p[NCGT_IPV6_HOPLIMIT_AT] == NCGT_ND_HOPLIMIT &&
                       m->len >= NCGT_ND_RS_LEN && m->icmp[1] == 0,
                   NCGT_ERR_BAD_VALUE);
  uint32_t sum = ncgt_csum_pseudo6(ip->src, ip->dst, NCGT_IPPROTO_ICMPV6,
                                   m->len);
  NCGT_ENSURE_COND(ncgt_csum_fold(ncgt_csum_add(sum, m->icmp, m->len)) == 0,
                   NCGT_ERR_BAD_VALUE);
  size_t at = NCGT_ND_RS_LEN;
  if (m->type == NCGT_ND_NS) {
    NCGT_ENSURE_COND(m->len >= NCGT_ND_NS_LEN, NCGT_ERR_BAD_LENGTH);
    m->target = m->icmp + 8;
    NCGT_ENSURE_COND(m->target[0] != NCGT_IPV6_MCAST_BYTE0,
                     NCGT_ERR_BAD_VALUE);
    at = NCGT_ND_NS_LEN;
  } else if (m->type != NCGT_ND_RS) {
    return 0; /* not ours to answer: not parsed further */
  }
  NCGT_ENSURE(nd_options(m, at));
  /* 6.1.1 / 7.1.1: from ::, no source link-layer address; an NS from ::
   * goes to a solicited-node multicast address. */
  if (is_unspec(ip->src)) {
    NCGT_ENSURE_COND(!m->sllao, NCGT_ERR_BAD_VALUE);
    if (m->type == NCGT_ND_NS)
      NCGT_ENSURE_COND(ip->dst[0] == NCGT_IPV6_MCAST_BYTE0 &&
                           ip->dst[1] == 0x02 && ip->dst[11] == 1 &&
                           ip->dst[12] == 0xFF,
                       NCGT_ERR_BAD_VALUE);
  }
  return 0;
}

/* IPv6 header + ICMPv6 body written at w; fills the checksum. */
static int finish_icmp6(ncgt_adapter *ad, ncgt_wr *w, size_t ip_at) {
  NCGT_ENSURE_COND(w->err == 0, NCGT_ERR_INTERNAL);
  uint8_t *h = ad->reply + ip_at;
  size_t plen = w->off - ip_at - NCGT_IPV6_HLEN;
  ncgt_put_u16(h + 4, (uint16_t)plen);
  uint8_t *icmp = h + NCGT_IPV6_HLEN;
  uint32_t sum = ncgt_csum_pseudo6(h + 8, h + 24, NCGT_IPPROTO_ICMPV6, plen);
  ncgt_put_u16(icmp + 2, ncgt_csum_fold(ncgt_csum_add(sum, icmp, plen)));
  return ncgt_adapter_emit(ad, ad->reply, w->off);
}

static void wr_ip6(ncgt_wr *w, const uint8_t *src, const uint8_t *dst) {
  ncgt_wr_u32(w, 0x60000000u); /* version 6, class 0, flow 0 */
  ncgt_wr_u16(w, 0);           /* payload length: finish_icmp6 */
  ncgt_wr_u8(w, NCGT_IPPROTO_ICMPV6);
  ncgt_wr_u8(w, NCGT_ND_HOPLIMIT);
  ncgt_wr_bytes(w, src, A6);
  ncgt_wr_bytes(w, dst, A6);
}

/* Do we stand for `t`? Returns 1, or 0; *router: it is the server. */
static int stands_for6(const ncgt_adapter *ad, const uint8_t *t, int *router) {
  uint8_t ll[A6];
  *router = 0;
  if (ad->s.role == NCGT_ADAPTER_SERVER) {
    return ad->s.server_prefix_len6 &&
           in_prefix(t, ad->s.server_addr6, ad->s.server_prefix_len6) &&
           memcmp(t, ad->s.server_addr6, A6) != 0;
  }
  if (!ad->have_c6)
    return 0;
  mac_ll(ll, ad->s.server_mac);
  if (memcmp(t, ll, A6) == 0 || memcmp(t, ad->c6.server_addr, A6) == 0) {
    *router = 1;
    return 1;
  }
  /* Every global unicast address but the client's own lives across the
   * tunnel, as the ARP emulator stands for every IPv4 address. */
  return !is_ll(t) && !is_unspec(t) &&
         memcmp(t, ad->c6.client_addr, A6) != 0;
}

/* RFC 4861 7.2.4: solicited NA from the target, to the solicitor. */
static int answer_ns(ncgt_adapter *ad, const ncgt_ip *ip, const nd_msg *m,
                     const uint8_t *eth_src) {
  int router = 0;
  ncgt_wr w;
  if (is_unspec(ip->src)) {
    ad->st.drop_ndp_dad++;
    return 0;
  }
  if (!stands_for6(ad, m->target, &router)) {
    ad->st.drop_ndp_not_ours++;
    return 0;
  }
  ncgt_wr_init(&w, ad->reply, sizeof ad->reply);
  ncgt_wr_eth(&w, m->sllao ? m->sllao : eth_src, ad->peer_mac,
              NCGT_ETHERTYPE_IPV6);
  wr_ip6(&w, m->target, ip->src);
  ncgt_wr_u8(&w, NCGT_ND_NA);
  ncgt_wr_u8(&w, 0);
  ncgt_wr_u16(&w, 0); /* checksum */
  ncgt_wr_u8(&w, (uint8_t)((router ? NCGT_ND_NA_FLAG_ROUTER : 0) |
                           NCGT_ND_NA_FLAG_SOLICITED |
                           NCGT_ND_NA_FLAG_OVERRIDE));
  ncgt_wr_u8(&w, 0);
  ncgt_wr_u16(&w, 0);
  ncgt_wr_bytes(&w, m->target, A6);
  ncgt_wr_u8(&w, NCGT_ND_OPT_TLLA);
  ncgt_wr_u8(&w, 1);
  ncgt_wr_bytes(&w, ad->peer_mac, NCGT_ETH_ALEN);
  ad->st.ndp_na++;
  return finish_icmp6(ad, &w, NCGT_ETH_HLEN);
}

/* RFC 4191 2.3: the prefix in 0, 8 or 16 bytes, as short as it fits. */
static void wr_route_info(ncgt_wr *w, const ncgt_route6 *r) {
  uint8_t units = r->prefix_len == 0 ? 1 : r->prefix_len <= 64 ? 2 : 3;
  ncgt_wr_u8(w, NCGT_ND_OPT_ROUTE_INFO);
  ncgt_wr_u8(w, units);
  ncgt_wr_u8(w, r->prefix_len);
  ncgt_wr_u8(w, 0); /* medium preference */
  ncgt_wr_u32(w, NCGT_ADAPTER_RA_LIFETIME);
  ncgt_wr_bytes(w, r->dest, (size_t)(units - 1) * NCGT_ND_OPT_UNIT);
}

/* RFC 8106 5.2: the domain as DNS labels (RFC 1035 3.1), zero-padded to
 * a multiple of 8 bytes. */
static void wr_dnssl(ncgt_wr *w, const ncgt_client_config *cc) {
  uint8_t enc[NCGT_CC_DOMAIN_MAX + 2];
  size_t n = 0, label = 0;
  for (size_t i = 0; i <= cc->domain_len; i++) {
    if (i == cc->domain_len || cc->domain[i] == '.') {
      if (i > label) {
        enc[n++] = (uint8_t)(i - label);
        memcpy(enc + n, cc->domain + label, i - label);
        n += i - label;
      }
      label = i + 1;
    }
  }
  enc[n++] = 0;
  size_t total = (8 + n + NCGT_ND_OPT_UNIT - 1) / NCGT_ND_OPT_UNIT;
  ncgt_wr_u8(w, NCGT_ND_OPT_DNSSL);
  ncgt_wr_u8(w, (uint8_t)total);
  ncgt_wr_u16(w, 0);
  ncgt_wr_u32(w, NCGT_ADAPTER_RA_LIFETIME);
  ncgt_wr_bytes(w, enc, n);
  for (size_t i = 8 + n; i < total * NCGT_ND_OPT_UNIT; i++)
    ncgt_wr_u8(w, 0);
}

static void wr_ra_options(ncgt_adapter *ad, ncgt_wr *w) {
  const ncgt_client_config6 *c6 = &ad->c6;
  uint32_t life = ncgt_cc_lease(&ad->cc);
  uint8_t prefix[A6] = {0};
  ncgt_wr_u8(w, NCGT_ND_OPT_SLLA);
  ncgt_wr_u8(w, 1);
  ncgt_wr_bytes(w, ad->peer_mac, NCGT_ETH_ALEN);
  ncgt_wr_u8(w, NCGT_ND_OPT_MTU);
  ncgt_wr_u8(w, 1);
  ncgt_wr_u16(w, 0);
  ncgt_wr_u32(w, ad->mtu);
  /* 4.6.2: on-link prefix; valid = preferred = the lease */
  memcpy(prefix, c6->server_addr, (size_t)c6->prefix_len / 8);
  if (c6->prefix_len % 8)
    prefix[c6->prefix_len / 8] = (uint8_t)(c6->server_addr[c6->prefix_len / 8] &
                                           (0xFF00u >> (c6->prefix_len % 8)));
  ncgt_wr_u8(w, NCGT_ND_OPT_PREFIX);
  ncgt_wr_u8(w, 4);
  ncgt_wr_u8(w, c6->prefix_len);
  ncgt_wr_u8(w, (uint8_t)(NCGT_ND_PI_FLAG_ONLINK |
                          ((c6->flags & NCGT_CC6_F_AUTONOMOUS)
                               ? NCGT_ND_PI_FLAG_AUTO
                               : 0)));
  ncgt_wr_u32(w, life);
  ncgt_wr_u32(w, life);
  ncgt_wr_u32(w, 0);
  ncgt_wr_bytes(w, prefix, A6);
  for (size_t i = 0; i < c6->nroutes; i++)
    wr_route_info(w, &c6->routes[i]);
  if (c6->ndns) {
    ncgt_wr_u8(w, NCGT_ND_OPT_RDNSS);
    ncgt_wr_u8(w, (uint8_t)(1 + 2 * c6->ndns));
    ncgt_wr_u16(w, 0);
    ncgt_wr_u32(w, NCGT_ADAPTER_RA_LIFETIME);
    for (size_t i = 0; i < c6->ndns; i++)
      ncgt_wr_bytes(w, c6->dns[i], A6);
  }
  if (ad->cc.domain_len)
    wr_dnssl(w, &ad->cc);
}

int ncgt_ndp_send_ra(ncgt_adapter *ad, const uint8_t *dst_ip,
                     const uint8_t *dst_mac) {
  uint8_t ll[A6];
  ncgt_wr w;
  mac_ll(ll, ad->s.server_mac);
  ncgt_wr_init(&w, ad->reply, sizeof ad->reply);
  ncgt_wr_eth(&w, dst_mac, ad->peer_mac, NCGT_ETHERTYPE_IPV6);
  wr_ip6(&w, ll, dst_ip);
  ncgt_wr_u8(&w, NCGT_ND_RA);
  ncgt_wr_u8(&w, 0);
  ncgt_wr_u16(&w, 0); /* checksum */
  ncgt_wr_u8(&w, NCGT_ND_RA_HOPLIMIT);
  ncgt_wr_u8(&w, 0); /* M, O clear: no DHCPv6 */
  ncgt_wr_u16(&w, (ad->c6.flags & NCGT_CC6_F_DEFAULT)
                      ? NCGT_ADAPTER_RA_LIFETIME
                      : 0);
  ncgt_wr_u32(&w, 0); /* reachable time: unspecified */
  ncgt_wr_u32(&w, 0); /* retrans timer: unspecified */
  wr_ra_options(ad, &w);
  ad->st.ndp_ra++;
  return finish_icmp6(ad, &w, NCGT_ETH_HLEN);
}

int ncgt_adapter_advertise(ncgt_adapter *ad) {
  NCGT_ENSURE_COND(ad, NCGT_ERR_INVALID_ARGUMENT);
  if (ad->s.role != NCGT_ADAPTER_CLIENT || !ad->have_c6)
    return 0;
  return ncgt_ndp_send_ra(ad, all_nodes, all_nodes_mac);
}

int ncgt_ndp_input(ncgt_adapter *ad, const ncgt_ip *ip,
                   const uint8_t *eth_src) {
  nd_msg m;
  if (nd_parse(&m, ip) < 0) {
    ad->st.drop_ndp_malformed++;
    return 0;
  }
  if (m.type == NCGT_ND_NS)
    return answer_ns(ad, ip, &m, eth_src);
  if (m.type == NCGT_ND_RS && ad->s.role == NCGT_ADAPTER_CLIENT &&
      ad->have_c6) {
    /* 6.2.6: to the solicitor, or all nodes when it has no address */
    if (is_unspec(ip->src))
      return ncgt_ndp_send_ra(ad, all_nodes, all_nodes_mac);
    return ncgt_ndp_send_ra(ad, ip->src, m.sllao ? m.sllao : eth_src);
  }
  ad->st.drop_ndp_not_ours++;
  return 0;
}
