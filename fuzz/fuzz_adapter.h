/*
 * Shared by fuzz_adapter_stack.c and fuzz_adapter_tunnel.c: the pseudo
 * network adapter (patent Figs. 14-18, 23) driven by a script, and
 * independent checks of everything it hands to the stack and the tunnel.
 *
 * Input: [u8 mode][u16 mtu] then records [u8 flags][u16 len][bytes].
 *   mode bit 0: server role (else client); bit 1: MSS clamping on;
 *          bit 2: stack MAC configured (else learnt).
 *   mtu:   576 + mtu % 1000; client data with option 26 replaces it.
 *   flags bit 0: to_stack fails during this record; bit 1: to_tunnel
 *          fails; bit 2: the record goes the other way (from_tunnel in the
 *          stack target, from_stack in the tunnel target); bit 3: client
 *          role: the bytes are new client data (set_client_data) instead;
 *          bit 4: server role: from_tunnel with tunnel address 0 (and
 *          no IPv6 address; with one, IPv6 goes through
 *          ncgt_adapter_from_tunnel6 with fd00:99::20);
 *          bit 5: GSO target, from the stack: no descriptor (g = NULL).
 *   GSO target (fuzz_gso.c) only: every record goes through the GSO
 *   entry points. From the stack, the bytes are a raw descriptor
 *   [u8 ipver][u8 type][u8 flags][u16 hdr_len][u16 gso_size]
 *   [u16 csum_start][u16 csum_offset] (any values, not checked first)
 *   then the Ethernet frame for ncgt_adapter_from_stack_gso; from the
 *   tunnel, they are an NCGT_DATA_PROTO_GSO datagram for
 *   ncgt_adapter_from_tunnel_gso, which is also decoded with
 *   ncgt_gso_decode and, when that succeeds, re-encoded identically.
 *
 * Checks (independent of lib/ncgt_inet.c):
 *  - to_stack: an Ethernet frame (a reply: at most 14 + 1500 bytes) from the
 *    reserved MAC of the role, carrying ARP, IPv4 or IPv6 whose lengths
 *    agree with the frame (padding only up to the 60-byte minimum). ARP: a
 *    unicast reply (op 2) for Ethernet/IPv4 whose sender hardware address
 *    is the frame's source and whose target is the frame's destination
 *    (the requester). IP: to the stack's MAC or broadcast (a DHCP reply:
 *    or unicast to the request's chaddr). IPv4 the adapter made itself (every frame
 *    answering from_stack): valid header checksum; DHCP replies: UDP
 *    67 -> 68 with consistent length and valid checksum, BOOTREPLY,
 *    magic cookie, options that run to END within the packet, with a
 *    message type. ICMP / ICMPv6 it made: valid checksums; ICMPv6 is a
 *    packet too big or an NA / RA (code 0, hop limit 255) to the
 *    solicitor's MAC or all nodes. A client-data record is followed by
 *    ncgt_adapter_advertise (client data carries IPv6 from the start).
 *  - TCP/UDP passing through (either way, incl. MSS clamping): when the
 *    input's transport checksum was valid, the output's still is; a
 *    clamped SYN's MSS is <= mtu - 40 (IPv4) / mtu - 60 (IPv6).
 *  - to_tunnel: a complete IPv4/IPv6 datagram matching `proto`, no longer
 *    than the MTU; or (GSO target) an NCGT_DATA_PROTO_GSO datagram whose
 *    descriptor decodes, is a TCP super-segment of the packet's version,
 *    and whose every segment (IP + TCP headers + gso_size) fits the MTU.
 *  - to_stack_gso: an Ethernet frame from the reserved MAC carrying a
 *    complete IP packet of the descriptor's version and type, the
 *    checksum field inside it.
 */
#ifndef NCGT_FUZZ_ADAPTER_H
#define NCGT_FUZZ_ADAPTER_H

#include <ncgtun/adapter.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fa_srv6[16] = {0xfd, 0, 0, 0x99, [15] = 1};
static const uint8_t fa_cl6[16] = {0xfd, 0, 0, 0x99, [15] = 0x20};

typedef struct fa {
  ncgt_adapter *ad;
  int server, clamp, fail_stack, fail_tunnel;
  int generated;     /* the current call can only produce own replies */
  int in_l4_ok;      /* the input datagram's TCP/UDP checksum was valid */
  uint16_t mtu;
  uint8_t stack_mac[6], own_mac[6];
  int stack_mac_set;
  int gso;           /* the GSO target: the GSO entry points only */
} fa;

static inline uint16_t fa_u16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t fa_sum(uint32_t s, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2)
    s += fa_u16(p + i);
  if (n & 1)
    s += (uint32_t)p[n - 1] << 8;
  return s;
}

static inline int fa_sum_ok(uint32_t s) {
  while (s >> 16)
    s = (s & 0xFFFF) + (s >> 16);
  return s == 0xFFFF;
}

/* Length of a complete IP datagram at dg (total length field), checking
 * version and header; 0 if malformed. */
static inline size_t fa_ip_len(const uint8_t *dg, size_t avail) {
  if (avail < 1)
    return 0;
  if ((dg[0] >> 4) == 4) {
    if (avail < 20 || (dg[0] & 15) < 5)
      return 0;
    size_t tot = fa_u16(dg + 2);
    return tot >= (size_t)(dg[0] & 15) * 4 && tot <= avail ? tot : 0;
  }
  if ((dg[0] >> 4) == 6) {
    if (avail < 40)
      return 0;
    size_t tot = 40 + (size_t)fa_u16(dg + 4);
    return tot <= avail ? tot : 0;
  }
  return 0;
}

/* Where a datagram's transport header is: protocol, offset; -1 when it is
 * a fragment or has IPv6 extension headers. */
static inline int fa_l4(const uint8_t *dg, size_t len, size_t *off) {
  if ((dg[0] >> 4) == 4) {
    if (fa_u16(dg + 6) & 0x3FFF) /* MF or offset */
      return -1;
    *off = (size_t)(dg[0] & 15) * 4;
    return dg[9];
  }
  (void)len;
  *off = 40;
  return dg[6];
}

/* Checksum over pseudo-header + transport bytes sums to ~0. */
static inline int fa_l4_sum_ok(const uint8_t *dg, size_t len, int proto,
                               size_t off) {
  uint32_t s = 0;
  size_t l4 = len - off;
  if ((dg[0] >> 4) == 4)
    s = fa_sum(s, dg + 12, 8);
  else
    s = fa_sum(s, dg + 8, 32);
  s += (uint32_t)proto + (uint32_t)(l4 >> 16) + (uint32_t)(l4 & 0xFFFF);
  return fa_sum_ok(fa_sum(s, dg + off, l4));
}

/* 1: TCP/UDP with a valid checksum; 0: not. UDP over IPv4 with checksum 0
 * counts as valid. */
static inline int fa_tl_ok(const uint8_t *dg, size_t len) {
  size_t off = 0;
  int p = fa_l4(dg, len, &off);
  if (p == 6 && len >= off + 20)
    return fa_l4_sum_ok(dg, len, p, off);
  if (p == 17 && len >= off + 8) {
    if ((dg[0] >> 4) == 4 && fa_u16(dg + off + 6) == 0)
      return 1;
    return fa_u16(dg + off + 4) == len - off && fa_l4_sum_ok(dg, len, p, off);
  }
  return 0;
}

/* A clamped SYN carries an MSS no larger than the tunnel allows. */
static inline void fa_check_mss(const fa *f, const uint8_t *dg, size_t len) {
  size_t off = 0;
  if (!f->clamp || fa_l4(dg, len, &off) != 6 || len < off + 20)
    return;
  const uint8_t *t = dg + off;
  size_t hl = (size_t)(t[12] >> 4) * 4;
  if (!(t[13] & 0x02) || hl < 20 || off + hl > len)
    return;
  unsigned max = f->mtu - ((dg[0] >> 4) == 4 ? 40u : 60u);
  for (size_t i = 20; i < hl;) {
    if (t[i] == 0)
      break;
    if (t[i] == 1) {
      i++;
      continue;
    }
    if (i + 1 >= hl || t[i + 1] < 2 || i + t[i + 1] > hl)
      break;
    if (t[i] == 2 && t[i + 1] == 4)
      FUZZ_CHECK(fa_u16(t + i + 2) <= max);
    i += t[i + 1];
  }
}

/* DHCP reply inside an IPv4 datagram made by the adapter. */
static inline void fa_check_dhcp(const uint8_t *dg, size_t len, size_t off) {
  const uint8_t *u = dg + off;
  FUZZ_CHECK(len >= off + 8);
  FUZZ_CHECK(fa_u16(u) == 67 && fa_u16(u + 2) == 68);
  FUZZ_CHECK(fa_u16(u + 4) == len - off);
  FUZZ_CHECK(fa_u16(u + 6) == 0 || fa_l4_sum_ok(dg, len, 17, off));
  const uint8_t *b = u + 8;
  size_t blen = len - off - 8, fixed = 236;
  FUZZ_CHECK(blen >= fixed + 4);
  FUZZ_CHECK(b[0] == 2 && b[1] == 1 && b[2] == 6); /* BOOTREPLY, Ethernet */
  FUZZ_CHECK(memcmp(b + fixed, "\x63\x82\x53\x63", 4) == 0);
  int type = 0, end = 0;
  for (size_t i = fixed + 4; i < blen;) {
    if (b[i] == 0) {
      i++;
      continue;
    }
    if (b[i] == 255) {
      end = 1;
      break;
    }
    FUZZ_CHECK(i + 1 < blen && i + 2 + b[i + 1] <= blen);
    if (b[i] == 53) {
      FUZZ_CHECK(b[i + 1] == 1 && !type);
      type = b[i + 2];
    }
    i += 2 + (size_t)b[i + 1];
  }
  FUZZ_CHECK(end && (type == 2 || type == 5 || type == 6));
}

static inline void fa_check_ip_to_stack(fa *f, const uint8_t *dg, size_t len) {
  size_t off = 0;
  int p = fa_l4(dg, len, &off);
  if ((dg[0] >> 4) == 4 && f->generated) {
    FUZZ_CHECK(fa_sum_ok(fa_sum(0, dg, (size_t)(dg[0] & 15) * 4)));
    if (p == 17)
      fa_check_dhcp(dg, len, off);
    else {
      FUZZ_CHECK(p == 1 && len >= off + 8);
      FUZZ_CHECK(fa_sum_ok(fa_sum(0, dg + off, len - off)));
      FUZZ_CHECK(dg[off] == 3 && dg[off + 1] == 4); /* frag needed */
    }
  } else if (f->generated) {
    /* packet too big, or a neighbour / router advertisement (RFC 4861:
     * hop limit 255) */
    FUZZ_CHECK(p == 58 && len >= off + 8);
    FUZZ_CHECK(dg[off] == 2 || ((dg[off] == 134 || dg[off] == 136) &&
                                dg[7] == 255 && dg[off + 1] == 0));
    FUZZ_CHECK(fa_l4_sum_ok(dg, len, 58, off));
  } else if (f->in_l4_ok) {
    FUZZ_CHECK(fa_tl_ok(dg, len));
  }
  fa_check_mss(f, dg, len);
}

static inline int fa_to_stack(const uint8_t *fr, size_t len, void *ud) {
  fa *f = ud;
  static const uint8_t bcast[6] = {255, 255, 255, 255, 255, 255};
  /* its own replies fit an Ethernet MTU; datagrams from the tunnel pass
   * at any size the tunnel carries (the TAP's MTU is the host's affair) */
  FUZZ_CHECK(len >= 14 && len <= 14 + (f->generated ? 1500u : 65535u));
  FUZZ_CHECK(memcmp(fr + 6, f->own_mac, 6) == 0);
  if (getenv("FUZZ_DEBUG"))
    for (size_t i = 0; i < len; i++)
      fprintf(stderr, "%02x%s", fr[i], i + 1 == len ? "\n" : "");
  uint16_t et = fa_u16(fr + 12);
  const uint8_t *pl = fr + 14;
  size_t plen = len - 14;
  if (et == 0x0806) {
    /* RFC 826: the reply goes to the requester, whoever it is */
    FUZZ_CHECK(!(fr[0] & 1));
    FUZZ_CHECK(plen >= 28 && len <= 60);
    FUZZ_CHECK(fa_u16(pl) == 1 && fa_u16(pl + 2) == 0x0800 && pl[4] == 6 &&
               pl[5] == 4 && fa_u16(pl + 6) == 2);
    FUZZ_CHECK(memcmp(pl + 8, fr + 6, 6) == 0);  /* sender = source */
    FUZZ_CHECK(memcmp(pl + 18, fr, 6) == 0);     /* target = dest */
  } else {
    FUZZ_CHECK(et == 0x0800 || et == 0x86DD);
    FUZZ_CHECK((pl[0] >> 4) == (et == 0x0800 ? 4 : 6));
    size_t dl = fa_ip_len(pl, plen);
    FUZZ_CHECK(dl > 0 && (dl == plen || len == 60));
    /* RFC 2131 4.1: a DHCP reply may go unicast to the request's chaddr */
    size_t ihl = (size_t)(pl[0] & 15) * 4;
    int to_chaddr = f->generated && et == 0x0800 && pl[9] == 17 &&
                    dl >= ihl + 8 + 28 + 6 &&
                    memcmp(fr, pl + ihl + 8 + 28, 6) == 0;
    /* ND answers go to the solicitor's link-layer address (RFC 4861
     * 7.2.4), or all nodes (33:33::1, RFC 2464 7) */
    static const uint8_t all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
    int nd = f->generated && et == 0x86DD && dl > 40 && pl[6] == 58 &&
             (pl[40] == 134 || pl[40] == 136);
    FUZZ_CHECK(memcmp(fr, bcast, 6) == 0 ||
               (f->stack_mac_set && memcmp(fr, f->stack_mac, 6) == 0) ||
               ((!f->stack_mac_set || to_chaddr || nd) && !(fr[0] & 1)) ||
               (nd && memcmp(fr, all_nodes, 6) == 0));
    fa_check_ip_to_stack(f, pl, dl);
  }
  return f->fail_stack;
}

/* IP + TCP header bytes of a TCP packet (0 if it is not one). */
static inline size_t fa_tcp_hdrs(const uint8_t *pkt, size_t len) {
  size_t off = 0;
  if (fa_l4(pkt, len, &off) != 6 || len < off + 20)
    return 0;
  size_t thl = (size_t)(pkt[off + 12] >> 4) * 4;
  return thl >= 20 && off + thl <= len ? off + thl : 0;
}

/* A super-segment the adapter passes on: the descriptor decodes, names
 * TCP of the packet's version, and every segment fits the MTU. */
static inline void fa_check_gso_dg(const fa *f, const uint8_t *dg,
                                   size_t len) {
  ncgt_gso g;
  const uint8_t *pkt = NULL;
  size_t n = 0;
  FUZZ_CHECK(f->gso);
  FUZZ_CHECK(ncgt_gso_decode(&g, dg, len, &pkt, &n) == 0);
  FUZZ_CHECK(g.type == (g.ipver == 4 ? NCGT_GSO_TCPV4 : NCGT_GSO_TCPV6));
  FUZZ_CHECK(fa_ip_len(pkt, n) == n && (pkt[0] >> 4) == g.ipver);
  size_t hdrs = fa_tcp_hdrs(pkt, n);
  FUZZ_CHECK(hdrs > 0 && hdrs + g.gso_size <= f->mtu);
}

static inline int fa_to_tunnel(uint8_t proto, const uint8_t *dg, size_t len,
                               void *ud) {
  fa *f = ud;
  if (proto == NCGT_DATA_PROTO_GSO) {
    fa_check_gso_dg(f, dg, len);
    return f->fail_tunnel;
  }
  FUZZ_CHECK(proto == 4 || proto == 6);
  FUZZ_CHECK(len >= 1 && (dg[0] >> 4) == proto);
  FUZZ_CHECK(fa_ip_len(dg, len) == len);
  FUZZ_CHECK(len <= f->mtu);
  if (f->in_l4_ok)
    FUZZ_CHECK(fa_tl_ok(dg, len) || (fa_u16(dg + 6) & 0x3FFF));
  fa_check_mss(f, dg, len);
  return f->fail_tunnel;
}

static inline int fa_to_stack_gso(const ncgt_gso *g, const uint8_t *fr,
                                  size_t len, void *ud) {
  fa *f = ud;
  FUZZ_CHECK(f->gso && g && len > 14);
  FUZZ_CHECK(memcmp(fr + 6, f->own_mac, 6) == 0);
  FUZZ_CHECK(g->type == (g->ipver == 4 ? NCGT_GSO_TCPV4 : NCGT_GSO_TCPV6));
  FUZZ_CHECK(fa_u16(fr + 12) == (g->ipver == 4 ? 0x0800 : 0x86DD));
  const uint8_t *pkt = fr + 14;
  size_t n = len - 14;
  FUZZ_CHECK(fa_ip_len(pkt, n) == n && (pkt[0] >> 4) == g->ipver);
  FUZZ_CHECK((size_t)g->csum_start + g->csum_offset + 2 <= n);
  return f->fail_stack;
}

/* The client data the DHCP and NDP emulators answer from (client role):
 * IPv4 and IPv6 (fd00:99::20/64, server fd00:99::1). */
static inline void fa_client_data(fa *f) {
  ncgt_client_config6 c6;
  memset(&c6, 0, sizeof c6);
  c6.prefix_len = 64;
  memcpy(c6.client_addr, fa_cl6, 16);
  memcpy(c6.server_addr, fa_srv6, 16);
  c6.flags = NCGT_CC6_F_AUTONOMOUS | NCGT_CC6_F_DEFAULT;
  c6.nroutes = 1;
  c6.routes[0].dest[0] = 0xfd;
  c6.routes[0].dest[1] = 0x77;
  c6.routes[0].prefix_len = 64;
  c6.ndns = 1;
  memcpy(c6.dns[0], fa_srv6, 16);
  ncgt_client_config cc;
  memset(&cc, 0, sizeof cc);
  cc.client_addr = 0x0A4D0002;
  cc.prefix_len = 24;
  cc.server_addr = 0x0A4D0001;
  cc.default_route = 1;
  cc.mtu = f->mtu;
  cc.lease_s = 600;
  cc.nroutes = 1;
  cc.routes[0].dest = 0x0A580000;
  cc.routes[0].prefix_len = 16;
  cc.routes[0].gateway = 0x0A4D0001;
  cc.ndns = 1;
  cc.dns[0] = 0x0A580035;
  cc.domain_len = 12;
  memcpy(cc.domain, "corp.example", 12);
  uint8_t opts[NCGT_CC_ENCODED_MAX + NCGT_CC6_ENCODED_MAX];
  ssize_t n = ncgt_client_config_encode6(opts, sizeof opts, &cc, &c6);
  FUZZ_CHECK(n > 0);
  FUZZ_CHECK(ncgt_adapter_set_client_data(f->ad, opts, (size_t)n) == 0);
}

enum { FA_FAIL_STACK = 1, FA_FAIL_TUNNEL = 2, FA_OTHER_WAY = 4,
       FA_CLIENT_DATA = 8, FA_NO_TUNNEL_ADDR = 16, FA_NO_DESC = 32 };

/* GSO target, from the stack: a raw descriptor, then the frame. */
static inline int fa_gso_from_stack(fa *f, uint8_t flags, uint8_t *b,
                                    size_t n) {
  fuzz_in in;
  ncgt_gso g;
  fuzz_in_init(&in, b, n);
  memset(&g, 0, sizeof g);
  g.ipver = fuzz_in_u8(&in);
  g.type = fuzz_in_u8(&in);
  g.flags = fuzz_in_u8(&in);
  g.hdr_len = fuzz_in_u16(&in);
  g.gso_size = fuzz_in_u16(&in);
  g.csum_start = fuzz_in_u16(&in);
  g.csum_offset = fuzz_in_u16(&in);
  size_t skip = in.off;
  return ncgt_adapter_from_stack_gso(f->ad, (flags & FA_NO_DESC) ? NULL : &g,
                                     b + skip, n - skip);
}

/* GSO target, from the tunnel: the codec on its own, then the adapter. */
static inline int fa_gso_from_tunnel(fa *f, const uint8_t *b, size_t n,
                                     uint32_t ta) {
  ncgt_gso g;
  const uint8_t *pkt = NULL;
  size_t pn = 0;
  if (ncgt_gso_decode(&g, b, n, &pkt, &pn) == 0) {
    uint8_t enc[NCGT_GSO_DESC_LEN];
    FUZZ_CHECK(ncgt_gso_encode(enc, sizeof enc, &g) == NCGT_GSO_DESC_LEN);
    FUZZ_CHECK(memcmp(enc, b, sizeof enc) == 0);
    FUZZ_CHECK(pkt == b + NCGT_GSO_DESC_LEN && pn == n - NCGT_GSO_DESC_LEN);
    /* a buffer one byte short is refused, never overrun */
    FUZZ_CHECK(ncgt_gso_encode(enc, sizeof enc - 1, &g) < 0);
  }
  return ncgt_adapter_from_tunnel_gso(f->ad, b, n, ta);
}

static inline void fa_step(fa *f, int from_stack, uint8_t flags,
                           const uint8_t *p, size_t n) {
  uint8_t *b = fuzz_dup(p, n); /* exact size */
  f->fail_stack = flags & FA_FAIL_STACK;
  f->fail_tunnel = (flags & FA_FAIL_TUNNEL) != 0;
  f->in_l4_ok = 0;
  if (!f->server && (flags & FA_CLIENT_DATA)) {
    ncgt_client_config cc;
    ncgt_client_config6 c6;
    int ok = ncgt_client_config_decode(&cc, b, n) == 0 &&
             ncgt_client_config6_decode(&c6, b, n) == 0;
    FUZZ_CHECK((ncgt_adapter_set_client_data(f->ad, b, n) == 0) == ok);
    /* the unsolicited RA the host sends after new client data */
    f->generated = 1;
    int rv = ncgt_adapter_advertise(f->ad);
    FUZZ_CHECK(rv == 0 || rv == NCGT_ERR_CALLBACK_DROPPED);
    /* the new data's option 26 governs from now on (issue 18 item 3) */
    FUZZ_CHECK(!ok || !cc.mtu || ncgt_adapter_mtu(f->ad) == cc.mtu);
    f->mtu = ncgt_adapter_mtu(f->ad);
  } else if (from_stack) {
    f->generated = 1;
    /* GSO: the frame starts after the raw descriptor, and completing a
     * partial checksum rewrites it by design: no transport check */
    if (!f->gso && n >= 14 && fa_u16(b + 12) != 0x0806 &&
        fa_ip_len(b + 14, n - 14))
      f->in_l4_ok = fa_tl_ok(b + 14, fa_ip_len(b + 14, n - 14));
    int rv = f->gso ? fa_gso_from_stack(f, flags, b, n)
                    : ncgt_adapter_from_stack(f->ad, b, n);
    FUZZ_CHECK(rv == 0 || rv == NCGT_ERR_CALLBACK_DROPPED);
  } else {
    f->generated = 0;
    size_t dl = fa_ip_len(b, n);
    f->in_l4_ok = dl > 0 && dl == n && fa_tl_ok(b, n);
    uint32_t ta = (flags & FA_NO_TUNNEL_ADDR) ? 0 : 0x0A4D0002;
    const uint8_t *ta6 = (flags & FA_NO_TUNNEL_ADDR) ? NULL : fa_cl6;
    int rv = f->gso ? fa_gso_from_tunnel(f, b, n, ta)
             : (n > 0 && (b[0] >> 4) == 6)
                 ? ncgt_adapter_from_tunnel6(f->ad, NCGT_DATA_PROTO_IPV6, b, n,
                                             ta, ta6)
                 : ncgt_adapter_from_tunnel(f->ad, b, n, ta);
    FUZZ_CHECK(rv == 0 || rv == NCGT_ERR_CALLBACK_DROPPED);
  }
  free(b);
}

/* stack_first: records go from the stack unless FA_OTHER_WAY; gso: the
 * GSO target (entry points and record contents as above). */
static inline int fa_run(const uint8_t *data, size_t size, int stack_first,
                         int gso) {
  fuzz_in in;
  fuzz_in_init(&in, data, size);
  uint8_t mode = fuzz_in_u8(&in);
  fa f;
  memset(&f, 0, sizeof f);
  f.server = mode & 1;
  f.gso = gso;
  f.clamp = (mode >> 1) & 1;
  f.mtu = (uint16_t)(576 + fuzz_in_u16(&in) % 1000);
  ncgt_adapter_settings s;
  ncgt_adapter_settings_default(&s, f.server ? NCGT_ADAPTER_SERVER
                                             : NCGT_ADAPTER_CLIENT);
  s.mtu = f.mtu;
  s.mss_clamp = f.clamp;
  if (mode & 4) {
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    memcpy(s.stack_mac, mac, 6);
    memcpy(f.stack_mac, mac, 6);
    f.stack_mac_set = 1;
  }
  if (f.server) {
    s.server_addr = 0x0A4D0001;
    s.server_prefix_len = 24;
    memcpy(s.server_addr6, fa_srv6, 16);
    s.server_prefix_len6 = 64;
  }
  memcpy(f.own_mac, f.server ? s.client_mac : s.server_mac, 6);
  ncgt_adapter_callbacks cb = {.version = NCGT_ADAPTER_CALLBACKS_V2,
                               .to_stack = fa_to_stack,
                               .to_tunnel = fa_to_tunnel,
                               .to_stack_gso = fa_to_stack_gso};
  FUZZ_CHECK(ncgt_adapter_new(&f.ad, &s, &cb, &f) == 0);
  if (!f.server)
    fa_client_data(&f);
  while (fuzz_in_left(&in) > 0) {
    uint8_t flags = fuzz_in_u8(&in);
    size_t n = 0;
    const uint8_t *p = fuzz_in_bytes(&in, fuzz_in_u16(&in), &n);
    int from_stack = stack_first ^ ((flags & FA_OTHER_WAY) != 0);
    fa_step(&f, from_stack, flags, p, n);
  }
  ncgt_adapter_stats st;
  ncgt_adapter_get_stats(f.ad, &st, sizeof st);
  /* a reply whose to_stack failed counts as made and as drop_callback */
  FUZZ_CHECK(st.to_stack + st.drop_callback >=
             st.arp_replies + st.dhcp_offers + st.dhcp_acks + st.dhcp_naks +
                 st.dhcp_inform_acks + st.icmp_frag_needed + st.icmp6_too_big);
  if (getenv("FUZZ_DEBUG")) /* seed check: what the script reached */
    fprintf(stderr, "to_stack %llu to_tunnel %llu arp %llu offers %llu "
            "acks %llu inform %llu icmp %llu frag %llu mss %llu spoofed %llu "
            "malformed %llu\n", (unsigned long long)st.to_stack,
            (unsigned long long)st.to_tunnel,
            (unsigned long long)st.arp_replies,
            (unsigned long long)st.dhcp_offers,
            (unsigned long long)st.dhcp_acks,
            (unsigned long long)st.dhcp_inform_acks,
            (unsigned long long)(st.icmp_frag_needed + st.icmp6_too_big),
            (unsigned long long)st.fragmented,
            (unsigned long long)st.mss_clamped,
            (unsigned long long)st.drop_spoofed,
            (unsigned long long)(st.drop_ip_malformed +
                                 st.drop_dhcp_malformed));
  ncgt_adapter_del(f.ad);
  return 0;
}

#endif /* NCGT_FUZZ_ADAPTER_H */
