/*
 * The pseudo network adapter: Ethernet strip (patent Fig. 17 step 322)
 * and dispatch to the ARP emulator (step 324), the DHCP emulator (step
 * 330) or the tunnel (steps 334-338); Ethernet rebuild for datagrams out
 * of the tunnel (Fig. 18 step 356); anti-spoofing on the server (seed 002
 * section 3.2).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncgt_adapter_int.h"
#include "ncgt_inet.h"
#include "ncgt_struct.h"

static const uint8_t eth_bcast[NCGT_ETH_ALEN] = {0xFF, 0xFF, 0xFF,
                                                 0xFF, 0xFF, 0xFF};
static const uint8_t server_mac_default[] = NCGT_SERVER_MAC_DEFAULT;
static const uint8_t client_mac_default[] = NCGT_CLIENT_MAC_DEFAULT;

void ncgt_adapter_settings_default(ncgt_adapter_settings *s,
                                   ncgt_adapter_role role) {
  memset(s, 0, sizeof *s);
  s->version = NCGT_ADAPTER_SETTINGS_VERSION;
  s->role = role;
  memcpy(s->server_mac, server_mac_default, NCGT_ETH_ALEN);
  memcpy(s->client_mac, client_mac_default, NCGT_ETH_ALEN);
  s->mtu = NCGT_ADAPTER_MTU_DEFAULT;
  s->mss_clamp = 1;
}

void ncgt_adapter_logf(ncgt_adapter *ad, ncgt_log_level level,
                       const char *fmt, ...) {
  char msg[200];
  va_list ap;
  if (!ad->cb.log)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ad->cb.log(level, msg, ad->user_data);
}

/* A usable unicast MAC: not multicast/broadcast, not all zero. */
static int mac_unicast(const uint8_t *m) {
  static const uint8_t zero[NCGT_ETH_ALEN];
  return !(m[0] & 1) && memcmp(m, zero, NCGT_ETH_ALEN) != 0;
}

static int settings_ok(const ncgt_adapter_settings *s) {
  if ((s->role != NCGT_ADAPTER_CLIENT && s->role != NCGT_ADAPTER_SERVER) ||
      s->mtu < NCGT_CC_MTU_MIN || !mac_unicast(s->server_mac) ||
      !mac_unicast(s->client_mac) ||
      memcmp(s->server_mac, s->client_mac, NCGT_ETH_ALEN) == 0)
    return 0;
  if (s->role == NCGT_ADAPTER_SERVER)
    return s->server_prefix_len >= 1 && s->server_prefix_len <= 30 &&
           !ncgt_ip4_is_special(s->server_addr) &&
           (s->server_prefix_len6 == 0 ||
            (s->server_prefix_len6 >= 16 && s->server_prefix_len6 <= 126));
  return 1;
}

int ncgt_adapter_new(ncgt_adapter **pad, const ncgt_adapter_settings *s,
                     const ncgt_adapter_callbacks *cb, void *user_data) {
  static const size_t settings_sizes[] = {
      offsetof(ncgt_adapter_settings, server_addr6), /* V1 */
      sizeof(ncgt_adapter_settings),                 /* V2 */
  };
  static const size_t cb_sizes[] = {
      offsetof(ncgt_adapter_callbacks, to_stack_gso), /* V1 */
      offsetof(ncgt_adapter_callbacks, to_tunnel_dgram), /* V2 */
      sizeof(ncgt_adapter_callbacks),                 /* V3 */
  };
  ncgt_adapter_settings sc;
  ncgt_adapter_callbacks cc;
  NCGT_ENSURE_COND(pad && s && cb, NCGT_ERR_INVALID_ARGUMENT);
  *pad = NULL;
  NCGT_ENSURE_COND(NCGT_STRUCT_COPY(&sc, s, settings_sizes) == 0 &&
                       NCGT_STRUCT_COPY(&cc, cb, cb_sizes) == 0,
                   NCGT_ERR_INVALID_ARGUMENT);
  s = &sc;
  NCGT_ENSURE_COND(settings_ok(s), NCGT_ERR_INVALID_ARGUMENT);
  /* to_tunnel_dgram (V3) replaces to_tunnel. */
  NCGT_ENSURE_COND(cc.to_stack && (cc.to_tunnel || cc.to_tunnel_dgram),
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_adapter *ad = calloc(1, sizeof *ad);
  NCGT_ENSURE_COND(ad, NCGT_ERR_NOMEM);
  ad->s = sc;
  ad->cb = cc;
  ad->user_data = user_data;
  ad->mtu = s->mtu;
  ad->peer_mac =
      s->role == NCGT_ADAPTER_CLIENT ? ad->s.server_mac : ad->s.client_mac;
  if (mac_unicast(s->stack_mac)) {
    memcpy(ad->stack_mac, s->stack_mac, NCGT_ETH_ALEN);
    ad->stack_mac_known = 1;
  }
  if (s->role == NCGT_ADAPTER_SERVER) {
    ad->local_addr = s->server_addr;
    ad->prefix_len = s->server_prefix_len;
  }
  *pad = ad;
  return 0;
}

void ncgt_adapter_del(ncgt_adapter *ad) { free(ad); }

int ncgt_adapter_set_client_data(ncgt_adapter *ad, const uint8_t *opts,
                                 size_t len) {
  ncgt_client_config cc;
  ncgt_client_config6 c6;
  NCGT_ENSURE_COND(ad && ad->s.role == NCGT_ADAPTER_CLIENT,
                   NCGT_ERR_INVALID_STATE);
  NCGT_ENSURE(ncgt_client_config_decode(&cc, opts, len));
  NCGT_ENSURE(ncgt_client_config6_decode(&c6, opts, len));
  ad->c6 = c6;
  ad->have_c6 = c6.prefix_len != 0;
  if (ad->have_cc && cc.client_addr != ad->cc.client_addr)
    ncgt_dhcp_set_state(ad, NCGT_DHCP_IDLE); /* old lease is stale now */
  ad->cc = cc;
  ad->have_cc = 1;
  ad->local_addr = cc.client_addr;
  ad->prefix_len = cc.prefix_len;
  /* The server's tunnel MTU (option 26) governs; without one, ours, and
   * the DHCP emulator tells the stack that one instead (seed 002 4). */
  ad->mtu = cc.mtu ? cc.mtu : ad->s.mtu;
  ad->cc.mtu = ad->mtu;
  ncgt_adapter_logf(ad, NCGT_LOG_INFO,
                    "adapter: client data: %u.%u.%u.%u/%u via %u.%u.%u.%u, "
                    "mtu %u, %zu routes",
                    cc.client_addr >> 24, (cc.client_addr >> 16) & 255,
                    (cc.client_addr >> 8) & 255, cc.client_addr & 255,
                    cc.prefix_len, cc.server_addr >> 24,
                    (cc.server_addr >> 16) & 255, (cc.server_addr >> 8) & 255,
                    cc.server_addr & 255, ad->mtu, cc.nroutes);
  return 0;
}

uint16_t ncgt_adapter_mtu(const ncgt_adapter *ad) { return ad->mtu; }

void ncgt_adapter_client_config6(const ncgt_adapter *ad,
                                 ncgt_client_config6 *out) {
  if (!ad || !out)
    return;
  if (ad->have_c6)
    *out = ad->c6;
  else
    memset(out, 0, sizeof *out);
}

void ncgt_adapter_get_stats(const ncgt_adapter *ad, ncgt_adapter_stats *out,
                            size_t size) {
  if (!ad || !out)
    return;
  memcpy(out, &ad->st, size < sizeof ad->st ? size : sizeof ad->st);
}

const uint8_t *ncgt_adapter_stack_mac(const ncgt_adapter *ad) {
  return ad->stack_mac_known ? ad->stack_mac : eth_bcast;
}

int ncgt_adapter_emit(ncgt_adapter *ad, const uint8_t *frame, size_t len) {
  if (ad->cb.to_stack(frame, len, ad->user_data) != 0) {
    ad->st.drop_callback++;
    return NCGT_ERR_CALLBACK_DROPPED;
  }
  ad->st.to_stack++;
  return 0;
}

/* With to_tunnel_dgram the host gets what was parsed here, and the room
 * around the datagram when it lies in the host's frame (fragments are
 * built in the adapter's own buffer: no room to offer). */
static int dgram_to_tunnel(ncgt_adapter *ad, uint8_t proto, uint8_t *dg,
                           size_t len, const ncgt_gso *g, const ncgt_ip *ip) {
  ncgt_datagram d = {
      .proto = proto,
      .dg = dg,
      .dglen = len,
      .gso = g,
      .pkt = ip->p,
      .pktlen = ip->len,
      .ip4_dst = ip->version == 4 ? ncgt_ip4_get(ip->dst) : 0,
  };
  if (proto != NCGT_DATA_PROTO_GSO)
    d.pkt = dg; /* a fragment: its own header */
  uint8_t *f = ad->in_frame;
  if (f && dg >= f && dg + len <= f + ad->in_len) {
    d.headroom = ad->in_headroom + (size_t)(dg - f);
    d.tailroom = ad->in_tailroom + (size_t)(f + ad->in_len - (dg + len));
  }
  return ad->cb.to_tunnel_dgram(&d, ad->user_data);
}

int ncgt_adapter_to_tunnel(ncgt_adapter *ad, uint8_t proto, uint8_t *dg,
                           size_t len, const ncgt_gso *g, const ncgt_ip *ip) {
  int fail = ad->cb.to_tunnel_dgram
                 ? dgram_to_tunnel(ad, proto, dg, len, g, ip)
                 : ad->cb.to_tunnel(proto, dg, len, ad->user_data);
  if (fail != 0) {
    ad->st.drop_callback++;
    return NCGT_ERR_CALLBACK_DROPPED;
  }
  ad->st.to_tunnel++;
  return 0;
}

/* ---- IP header parsing ----------------------------------------------- */

static int parse_ipv4(ncgt_ip *ip, ncgt_rd *r) {
  uint8_t vihl = 0, tos = 0, ttl = 0;
  uint16_t tot = 0, id = 0, csum = 0;
  NCGT_ENSURE(ncgt_rd_u8(r, &vihl));
  ip->hlen = (size_t)(vihl & 0x0F) * 4;
  ncgt_rd_u8(r, &tos);
  ncgt_rd_u16(r, &tot);
  ncgt_rd_u16(r, &id);
  ncgt_rd_u16(r, &ip->frag);
  ncgt_rd_u8(r, &ttl);
  ncgt_rd_u8(r, &ip->proto);
  ncgt_rd_u16(r, &csum);
  ncgt_rd_ptr(r, &ip->src, NCGT_IPV4_ADDR_LEN);
  ncgt_rd_ptr(r, &ip->dst, NCGT_IPV4_ADDR_LEN);
  NCGT_ENSURE(r->err);
  NCGT_ENSURE_COND(ip->hlen >= NCGT_IPV4_HLEN && tot >= ip->hlen &&
                       tot <= r->len,
                   NCGT_ERR_BAD_LENGTH);
  ip->len = tot;
  return 0;
}

static int parse_ipv6(ncgt_ip *ip, ncgt_rd *r) {
  uint16_t plen = 0;
  uint8_t hop = 0;
  NCGT_ENSURE(ncgt_rd_skip(r, 4)); /* version, class, flow label */
  ncgt_rd_u16(r, &plen);
  ncgt_rd_u8(r, &ip->proto);
  ncgt_rd_u8(r, &hop);
  ncgt_rd_ptr(r, &ip->src, NCGT_IPV6_ADDR_LEN);
  ncgt_rd_ptr(r, &ip->dst, NCGT_IPV6_ADDR_LEN);
  NCGT_ENSURE(r->err);
  /* plen 0 is a jumbogram (RFC 2675): not carried. */
  NCGT_ENSURE_COND(plen > 0 && plen <= ncgt_rd_left(r), NCGT_ERR_BAD_LENGTH);
  ip->hlen = NCGT_IPV6_HLEN;
  ip->len = NCGT_IPV6_HLEN + (size_t)plen;
  return 0;
}

int ncgt_ip_parse(ncgt_ip *ip, uint8_t *p, size_t len) {
  ncgt_rd r;
  memset(ip, 0, sizeof *ip);
  ncgt_rd_init(&r, p, len);
  NCGT_ENSURE_COND(len >= 1, NCGT_ERR_TRUNCATED);
  ip->p = p;
  ip->version = p[0] >> 4;
  if (ip->version == 4)
    return parse_ipv4(ip, &r);
  if (ip->version == 6)
    return parse_ipv6(ip, &r);
  return NCGT_ERR_BAD_VERSION;
}

/* ---- from the stack (Fig. 17) ----------------------------------------- */

/* Client role: a DHCP request to the emulator (broadcast, or unicast to
 * the server's tunnel address while RENEWING). */
static int is_dhcp_for_us(const ncgt_adapter *ad, const ncgt_ip *ip) {
  ncgt_rd r;
  uint16_t sport = 0, dport = 0;
  if (ad->s.role != NCGT_ADAPTER_CLIENT || ip->version != 4 ||
      ip->proto != NCGT_IPPROTO_UDP || (ip->frag & NCGT_IPV4_OFFSET_MASK))
    return 0;
  ncgt_rd_init(&r, ip->p, ip->len);
  if (ncgt_rd_skip(&r, ip->hlen) || ncgt_rd_u16(&r, &sport) ||
      ncgt_rd_u16(&r, &dport) || dport != NCGT_DHCP_SERVER_PORT)
    return 0;
  uint32_t dst = ncgt_ip4_get(ip->dst);
  return dst == 0xFFFFFFFFu || (ad->have_cc && dst == ad->cc.server_addr);
}

/* Destinations that cannot be reached through the tunnel: broadcast and
 * multicast (including the subnet's broadcast), IPv6 link-local scope. */
static int is_not_unicast(const ncgt_adapter *ad, const ncgt_ip *ip) {
  if (ip->version == 6)
    return ip->dst[0] == NCGT_IPV6_MCAST_BYTE0 ||
           (ip->dst[0] == NCGT_IPV6_LL_BYTE0 &&
            (ip->dst[1] & NCGT_IPV6_LL_MASK1) == NCGT_IPV6_LL_BYTE1);
  uint32_t dst = ncgt_ip4_get(ip->dst);
  if (ncgt_ip4_is_special(dst))
    return 1;
  if (ad->local_addr) {
    uint32_t m = ncgt_prefix_mask(ad->prefix_len);
    return (dst & m) == (ad->local_addr & m) && (dst & ~m) == ~m;
  }
  return 0;
}

/* Client role with IPv6: what the stack sends into the tunnel must come
 * from its tunnel address (the server checks again, seed 002 3.2). */
static int spoofed6_from_stack(const ncgt_adapter *ad, const ncgt_ip *ip) {
  return ad->s.role == NCGT_ADAPTER_CLIENT && ad->have_c6 &&
         ip->version == 6 &&
         memcmp(ip->src, ad->c6.client_addr, NCGT_IPV6_ADDR_LEN) != 0;
}

static int ip_from_stack(ncgt_adapter *ad, uint8_t *p, size_t len,
                         uint16_t ethertype, const ncgt_gso *g,
                         const uint8_t *eth_src) {
  ncgt_ip ip;
  if (ncgt_ip_parse(&ip, p, len) < 0 ||
      ip.version != (ethertype == NCGT_ETHERTYPE_IPV4 ? 4 : 6)) {
    ad->st.drop_ip_malformed++;
    return 0;
  }
  /* Offloads: a partial checksum is finished first (so DHCP, ICMP and
   * MSS clamping see a normal packet); a super-segment goes whole. */
  int seg = ncgt_adapter_gso_in(ad, g, &ip);
  if (seg < 0)
    return 0;
  if (!seg && ncgt_ndp_is_nd(&ip))
    return ncgt_ndp_input(ad, &ip, eth_src);
  if (is_dhcp_for_us(ad, &ip))
    return ncgt_dhcp_input(ad, &ip);
  if (is_not_unicast(ad, &ip)) {
    ad->st.drop_not_unicast++;
    return 0;
  }
  if (spoofed6_from_stack(ad, &ip)) {
    ad->st.drop_spoofed6++;
    return 0;
  }
  if (seg)
    return ncgt_adapter_gso_to_tunnel(ad, g, &ip);
  if (ip.len > ad->mtu)
    return ncgt_ipmtu_too_big(ad, &ip);
  if (ad->s.mss_clamp && ncgt_mss_clamp(&ip, ad->mtu))
    ad->st.mss_clamped++;
  return ncgt_adapter_to_tunnel(ad, ip.version, ip.p, ip.len, NULL, &ip);
}

int ncgt_adapter_from_stack(ncgt_adapter *ad, uint8_t *frame, size_t len) {
  return ncgt_adapter_from_stack_gso(ad, NULL, frame, len);
}

int ncgt_adapter_from_stack_ex(ncgt_adapter *ad, const ncgt_gso *g,
                               uint8_t *frame, size_t len, size_t headroom,
                               size_t tailroom) {
  NCGT_ENSURE_COND(ad != NULL, NCGT_ERR_INVALID_ARGUMENT);
  ad->in_frame = frame;
  ad->in_len = len;
  ad->in_headroom = headroom;
  ad->in_tailroom = tailroom;
  int rv = ncgt_adapter_from_stack_gso(ad, g, frame, len);
  ad->in_frame = NULL;
  return rv;
}

int ncgt_adapter_from_stack_gso(ncgt_adapter *ad, const ncgt_gso *g,
                                uint8_t *frame, size_t len) {
  ncgt_rd r;
  const uint8_t *dst = NULL, *src = NULL, *payload = NULL;
  uint16_t type = 0;
  NCGT_ENSURE_COND(ad && (frame || len == 0), NCGT_ERR_INVALID_ARGUMENT);
  ad->st.stack_frames++;
  ncgt_rd_init(&r, frame, len);
  ncgt_rd_ptr(&r, &dst, NCGT_ETH_ALEN);
  ncgt_rd_ptr(&r, &src, NCGT_ETH_ALEN);
  if (ncgt_rd_u16(&r, &type) < 0) {
    ad->st.drop_runt++;
    return 0;
  }
  /* Ours: our reserved MAC, broadcast or multicast (Fig. 17 step 322). */
  if (!(dst[0] & 1) && memcmp(dst, ad->peer_mac, NCGT_ETH_ALEN) != 0) {
    ad->st.drop_not_for_us++;
    return 0;
  }
  /* Learn the stack's MAC unless configured: frames to it go there. */
  if (!mac_unicast(ad->s.stack_mac) && mac_unicast(src)) {
    memcpy(ad->stack_mac, src, NCGT_ETH_ALEN);
    ad->stack_mac_known = 1;
  }
  size_t plen = ncgt_rd_left(&r);
  ncgt_rd_ptr(&r, &payload, plen);
  switch (type) {
  case NCGT_ETHERTYPE_ARP:
    if (g && (g->type != NCGT_GSO_NONE || (g->flags & NCGT_GSO_F_NEEDS_CSUM))) {
      ad->st.drop_gso_malformed++;
      return 0;
    }
    return ncgt_arp_input(ad, payload, plen);
  case NCGT_ETHERTYPE_IPV4:
  case NCGT_ETHERTYPE_IPV6:
    return ip_from_stack(ad, frame + NCGT_ETH_HLEN, plen, type, g, src);
  default:
    ad->st.drop_ethertype++;
    return 0;
  }
}

/* ---- from the tunnel (Fig. 18) ---------------------------------------- */

static int tunnel_in_place(ncgt_adapter *ad, const ncgt_gso *g, uint8_t *pkt,
                           size_t len, uint32_t tunnel_addr);

/* Seed 002 section 3.2: what comes out of a tunnel on the server must
 * carry the address that tunnel was given, or a client could forge
 * traffic "from" another client or from the private LAN. */
static int spoofed(const ncgt_adapter *ad, const ncgt_ip *ip,
                   uint32_t tunnel_addr) {
  if (ip->version == 6)
    return memcmp(ip->src, ad->tunnel_addr6, NCGT_IPV6_ADDR_LEN) != 0;
  return tunnel_addr == 0 || ncgt_ip4_get(ip->src) != tunnel_addr;
}

int ncgt_adapter_from_tunnel6(ncgt_adapter *ad, uint8_t proto,
                              const uint8_t *dg, size_t len,
                              uint32_t tunnel_addr,
                              const uint8_t *tunnel_addr6) {
  NCGT_ENSURE_COND(ad, NCGT_ERR_INVALID_ARGUMENT);
  /* Held for the one call: the checks below tunnel_in read it. */
  ad->tunnel_addr6 = tunnel_addr6;
  int rc = proto == NCGT_DATA_PROTO_GSO
               ? ncgt_adapter_from_tunnel_gso(ad, dg, len, tunnel_addr)
               : ncgt_adapter_from_tunnel(ad, dg, len, tunnel_addr);
  ad->tunnel_addr6 = NULL;
  return rc;
}

int ncgt_adapter_from_tunnel(ncgt_adapter *ad, const uint8_t *dg, size_t len,
                             uint32_t tunnel_addr) {
  NCGT_ENSURE_COND(ad && (dg || len == 0), NCGT_ERR_INVALID_ARGUMENT);
  ad->st.tunnel_dgrams++;
  return ncgt_adapter_tunnel_in(ad, NULL, dg, len, tunnel_addr);
}

int ncgt_adapter_tunnel_in(ncgt_adapter *ad, const ncgt_gso *g,
                           const uint8_t *dg, size_t len,
                           uint32_t tunnel_addr) {
  /* The caller's bytes are read-only: copy them after room for the
   * Ethernet header (ncgt_adapter_from_tunnel_dgram avoids this). */
  if (len > sizeof ad->frame - NCGT_ETH_HLEN) {
    ad->st.drop_ip_malformed++;
    return 0;
  }
  memcpy(ad->frame + NCGT_ETH_HLEN, dg, len);
  return tunnel_in_place(ad, g, ad->frame + NCGT_ETH_HLEN, len, tunnel_addr);
}

int ncgt_adapter_from_tunnel_dgram(ncgt_adapter *ad, const ncgt_datagram *d,
                                   uint32_t tunnel_addr) {
  NCGT_ENSURE_COND(ad && d && d->pkt && d->dg && d->pkt >= d->dg,
                   NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(d->proto != NCGT_DATA_PROTO_GSO ||
                       (d->gso && ad->cb.to_stack_gso),
                   d->gso ? NCGT_ERR_UNSUPPORTED : NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(d->headroom + (size_t)(d->pkt - d->dg) >= NCGT_ETH_HLEN,
                   NCGT_ERR_NOBUF);
  ad->st.tunnel_dgrams++;
  return tunnel_in_place(ad, d->proto == NCGT_DATA_PROTO_GSO ? d->gso : NULL,
                         d->pkt, d->pktlen, tunnel_addr);
}

int ncgt_adapter_from_tunnel_dgram6(ncgt_adapter *ad, const ncgt_datagram *d,
                                    uint32_t tunnel_addr,
                                    const uint8_t *tunnel_addr6) {
  NCGT_ENSURE_COND(ad, NCGT_ERR_INVALID_ARGUMENT);
  ad->tunnel_addr6 = tunnel_addr6; /* for this call, as from_tunnel6 */
  int rc = ncgt_adapter_from_tunnel_dgram(ad, d, tunnel_addr);
  ad->tunnel_addr6 = NULL;
  return rc;
}

/* A datagram from the tunnel at pkt, with NCGT_ETH_HLEN writable bytes in
 * front of it: checked, MSS-clamped in place, and given to the stack with
 * the Ethernet header written into that room (Fig. 18 step 356). */
static int tunnel_in_place(ncgt_adapter *ad, const ncgt_gso *g, uint8_t *pkt,
                           size_t len, uint32_t tunnel_addr) {
  ncgt_ip ip;
  ncgt_wr w;
  if (ncgt_ip_parse(&ip, pkt, len) < 0) {
    ad->st.drop_ip_malformed++;
    return 0;
  }
  if (ad->s.role == NCGT_ADAPTER_SERVER) {
    if (ip.version == 6 && !ad->tunnel_addr6) {
      ad->st.drop_ipv6_server++;
      return 0;
    }
    if (spoofed(ad, &ip, tunnel_addr)) {
      ad->st.drop_spoofed++;
      ncgt_adapter_logf(ad, NCGT_LOG_DEBUG,
                        "adapter: spoofed source from tunnel %08x",
                        tunnel_addr);
      return 0;
    }
  }
  int seg = ncgt_adapter_gso_in(ad, g, &ip);
  if (seg < 0)
    return 0;
  if (!seg && ad->s.mss_clamp && ncgt_mss_clamp(&ip, ad->mtu))
    ad->st.mss_clamped++;
  uint8_t *eth = pkt - NCGT_ETH_HLEN;
  ncgt_wr_init(&w, eth, NCGT_ETH_HLEN);
  ncgt_wr_eth(&w, ncgt_adapter_stack_mac(ad), ad->peer_mac,
              ip.version == 4 ? NCGT_ETHERTYPE_IPV4 : NCGT_ETHERTYPE_IPV6);
  if (seg)
    return ncgt_adapter_gso_to_stack(ad, g, eth, NCGT_ETH_HLEN + ip.len);
  return ncgt_adapter_emit(ad, eth, NCGT_ETH_HLEN + ip.len);
}
