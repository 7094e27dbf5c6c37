/*
 * MTU handling (seed 002 section 4): the tunnel carries datagrams of at
 * most `mtu` bytes. A bigger one from the stack gets
 *  - IPv4 with DF: ICMP destination unreachable / fragmentation needed
 *    with the next-hop MTU (RFC 792, RFC 1191 section 4), "crafted" for
 *    the local stack, which lowers its path MTU and resends;
 *  - IPv6: ICMPv6 packet too big (RFC 4443 3.2), always: IPv6 routers
 *    never fragment (RFC 8200 section 5);
 *  - IPv4 without DF: fragmented here (RFC 791 "fragmentation"), as any
 *    router on the path would; the receiver's stack reassembles.
 * Plus optional TCP MSS clamping on SYNs (the "ugly" but effective fix
 * seed 002 mentions), with an RFC 1624 incremental checksum update.
 */
#include <string.h>

#include "ncgt_adapter_int.h"
#include "ncgt_inet.h"

/* RFC 1122 3.2.2 / RFC 4443 2.4(e): no ICMP error about an ICMP error,
 * a non-first fragment, or a datagram whose source is not one host. */
static int may_send_error(const ncgt_ip *ip) {
  ncgt_rd r;
  uint8_t type = 0;
  ncgt_rd_init(&r, ip->p, ip->len);
  if (ip->version == 4) {
    if ((ip->frag & NCGT_IPV4_OFFSET_MASK) ||
        ncgt_ip4_is_special(ncgt_ip4_get(ip->src)))
      return 0;
    if (ip->proto != NCGT_IPPROTO_ICMP)
      return 1;
    if (ncgt_rd_skip(&r, ip->hlen) || ncgt_rd_u8(&r, &type))
      return 0;
    return type == NCGT_ICMP_ECHO_REPLY || type == NCGT_ICMP_ECHO ||
           type == NCGT_ICMP_TIMESTAMP || type == NCGT_ICMP_TIMESTAMP_REPLY ||
           type == NCGT_ICMP_MASK_REQUEST || type == NCGT_ICMP_MASK_REPLY;
  }
  static const uint8_t unspec[NCGT_IPV6_ADDR_LEN];
  if (ip->src[0] == NCGT_IPV6_MCAST_BYTE0 || memcmp(ip->src, unspec, sizeof unspec) == 0)
    return 0;
  if (ip->proto != NCGT_IPPROTO_ICMPV6)
    return 1;
  if (ncgt_rd_skip(&r, ip->hlen) || ncgt_rd_u8(&r, &type))
    return 0;
  return type >= NCGT_ICMPV6_INFO_MIN;
}

/* Ethernet + IP header of an ICMP error to the stack, from the original
 * destination (the stack accepts a PMTU message from any hop). */
static int icmp_error(ncgt_adapter *ad, const ncgt_ip *ip) {
  ncgt_wr w;
  uint8_t *icmp = NULL;
  int v4 = ip->version == 4;
  size_t ip_max = v4 ? NCGT_IPV4_ICMP_ERR_MAX : NCGT_IPV6_MIN_MTU;
  size_t iphl = v4 ? NCGT_IPV4_HLEN : NCGT_IPV6_HLEN;
  size_t quote = ip->len < ip_max - iphl - NCGT_ICMP_HLEN
                     ? ip->len
                     : ip_max - iphl - NCGT_ICMP_HLEN;
  size_t icmplen = NCGT_ICMP_HLEN + quote;
  ncgt_wr_init(&w, ad->reply, sizeof ad->reply);
  ncgt_wr_eth(&w, ncgt_adapter_stack_mac(ad), ad->peer_mac,
              v4 ? NCGT_ETHERTYPE_IPV4 : NCGT_ETHERTYPE_IPV6);
  if (v4) {
    ncgt_wr_ipv4(&w, ip->dst, ip->src, NCGT_IPPROTO_ICMP, icmplen);
  } else {
    ncgt_wr_u32(&w, 0x60000000u); /* version 6, class 0, flow 0 */
    ncgt_wr_u16(&w, (uint16_t)icmplen);
    ncgt_wr_u8(&w, NCGT_IPPROTO_ICMPV6);
    ncgt_wr_u8(&w, NCGT_IPV6_HOPLIMIT_DEFAULT);
    ncgt_wr_bytes(&w, ip->dst, NCGT_IPV6_ADDR_LEN);
    ncgt_wr_bytes(&w, ip->src, NCGT_IPV6_ADDR_LEN);
  }
  ncgt_wr_reserve(&w, &icmp, NCGT_ICMP_HLEN);
  ncgt_wr_bytes(&w, ip->p, quote);
  NCGT_ENSURE_COND(w.err == 0, NCGT_ERR_INTERNAL);
  if (v4) { /* type 3 code 4, unused, next-hop MTU (RFC 1191 4) */
    icmp[0] = NCGT_ICMP_DEST_UNREACH;
    icmp[1] = NCGT_ICMP_FRAG_NEEDED;
    ncgt_put_u32(icmp + 4, ad->mtu);
  } else { /* type 2 code 0, MTU (RFC 4443 3.2) */
    icmp[0] = NCGT_ICMPV6_PACKET_TOO_BIG;
    icmp[1] = 0;
    ncgt_put_u32(icmp + 4, ad->mtu);
  }
  icmp[2] = icmp[3] = 0;
  uint32_t sum = v4 ? 0
                    : ncgt_csum_pseudo6(ip->dst, ip->src, NCGT_IPPROTO_ICMPV6,
                                        icmplen);
  ncgt_put_u16(icmp + 2, ncgt_csum_fold(ncgt_csum_add(sum, icmp, icmplen)));
  if (v4)
    ad->st.icmp_frag_needed++;
  else
    ad->st.icmp6_too_big++;
  return ncgt_adapter_emit(ad, ad->reply, w.off);
}

/* Options copied into every fragment (RFC 791: the copied flag); `out`
 * gets them padded to a 4-byte multiple. Returns the length or -1 when
 * the option list is malformed. */
static int copied_options(const ncgt_ip *ip, uint8_t *out) {
  ncgt_rd r;
  size_t n = 0;
  ncgt_rd_init(&r, ip->p, ip->hlen);
  ncgt_rd_skip(&r, NCGT_IPV4_HLEN);
  while (ncgt_rd_left(&r) > 0) {
    uint8_t type = 0, olen = 0;
    const uint8_t *opt = NULL;
    ncgt_rd_u8(&r, &type);
    if (type == NCGT_IPOPT_EOL)
      break;
    if (type == NCGT_IPOPT_NOP)
      continue;
    if (ncgt_rd_u8(&r, &olen) || olen < 2 ||
        ncgt_rd_ptr(&r, &opt, (size_t)olen - 2))
      return -1;
    if (type & NCGT_IPOPT_COPIED) {
      out[n++] = type;
      out[n++] = olen;
      memcpy(out + n, opt, (size_t)olen - 2);
      n += (size_t)olen - 2;
    }
  }
  while (n % 4)
    out[n++] = NCGT_IPOPT_EOL;
  return (int)n;
}

/* Sends ip->p[off..off+len) as one fragment with header `hdr` (hl bytes
 * of header, options included); `mf` is its More Fragments bit. */
static int send_fragment(ncgt_adapter *ad, const ncgt_ip *ip,
                         const uint8_t *hdr, size_t hl, size_t off,
                         size_t len, int mf) {
  uint8_t *f = ad->frame;
  uint16_t base = (uint16_t)(ip->frag & NCGT_IPV4_OFFSET_MASK);
  uint16_t fo = (uint16_t)(base + (off - ip->hlen) / 8);
  memcpy(f, hdr, hl);
  memcpy(f + hl, ip->p + off, len);
  f[0] = (uint8_t)(0x40 | hl / 4);
  ncgt_put_u16(f + 2, (uint16_t)(hl + len));
  ncgt_put_u16(f + 6, (uint16_t)(fo | (mf ? NCGT_IPV4_FLAG_MF : 0)));
  ncgt_put_u16(f + 10, 0);
  ncgt_put_u16(f + 10, ncgt_csum_fold(ncgt_csum_add(0, f, hl)));
  return ncgt_adapter_to_tunnel(ad, 4, f, hl + len, NULL, ip);
}

static int fragment(ncgt_adapter *ad, const ncgt_ip *ip) {
  uint8_t later[NCGT_IPV4_HLEN_MAX];
  /* The data must end inside the 13-bit offset space (x 8 bytes), or the
   * fragments' offsets would wrap into the flag bits (review L-2). */
  size_t base = (size_t)(ip->frag & NCGT_IPV4_OFFSET_MASK) * 8;
  if (base + (ip->len - ip->hlen) > UINT16_MAX) { /* total length field */
    ad->st.drop_ip_malformed++;
    return 0;
  }
  int optlen = copied_options(ip, later + NCGT_IPV4_HLEN);
  if (optlen < 0) {
    ad->st.drop_ip_malformed++;
    return 0;
  }
  memcpy(later, ip->p, NCGT_IPV4_HLEN);
  size_t later_hl = NCGT_IPV4_HLEN + (size_t)optlen;
  size_t first_room = (ad->mtu - ip->hlen) & ~(size_t)7;
  size_t later_room = (ad->mtu - later_hl) & ~(size_t)7;
  int last_mf = (ip->frag & NCGT_IPV4_FLAG_MF) != 0;
  size_t off = ip->hlen;
  ad->st.fragmented++;
  while (off < ip->len) {
    int first = off == ip->hlen;
    size_t room = first ? first_room : later_room;
    size_t n = ip->len - off <= room ? ip->len - off : room;
    int mf = off + n < ip->len || last_mf;
    NCGT_ENSURE(send_fragment(ad, ip, first ? ip->p : later,
                              first ? ip->hlen : later_hl, off, n, mf));
    off += n;
  }
  return 0;
}

int ncgt_ipmtu_too_big(ncgt_adapter *ad, const ncgt_ip *ip) {
  if (ip->version == 6 || (ip->frag & NCGT_IPV4_FLAG_DF)) {
    /* A PTB below the IPv6 minimum link MTU is ignored by stacks (RFC 8200
     * 5): it would black-hole, so say nothing and drop (review L-1). */
    if (!may_send_error(ip) ||
        (ip->version == 6 && ad->mtu < NCGT_IPV6_MIN_MTU)) {
      ad->st.drop_too_big++;
      return 0;
    }
    return icmp_error(ad, ip);
  }
  return fragment(ad, ip);
}

/* Rewrites the 16-bit value at seg[o..o+2) (o relative to the segment,
 * whose checksum words are aligned to its start) and updates the checksum
 * at seg[co..co+2) word by word (RFC 1624 eqn. 3); an odd `o` touches two
 * checksum words. */
static void patch_u16(uint8_t *seg, size_t o, uint16_t v, size_t co) {
  size_t start = o & ~(size_t)1, words = (o & 1) ? 2 : 1;
  uint16_t csum = ncgt_get_u16(seg + co);
  uint16_t old_w[2] = {0, 0};
  for (size_t i = 0; i < words; i++)
    old_w[i] = ncgt_get_u16(seg + start + 2 * i);
  ncgt_put_u16(seg + o, v);
  for (size_t i = 0; i < words; i++)
    csum = ncgt_csum_update16(csum, old_w[i], ncgt_get_u16(seg + start + 2 * i));
  ncgt_put_u16(seg + co, csum);
}

int ncgt_mss_clamp(const ncgt_ip *ip, uint16_t mtu) {
  ncgt_rd r;
  uint8_t doff = 0, flags = 0;
  if (ip->proto != NCGT_IPPROTO_TCP ||
      (ip->version == 4 && (ip->frag & NCGT_IPV4_OFFSET_MASK)))
    return 0;
  uint16_t clamp = (uint16_t)(mtu - ip->hlen - NCGT_TCP_HLEN);
  uint8_t *seg = ip->p + ip->hlen;
  ncgt_rd_init(&r, seg, ip->len - ip->hlen);
  if (ncgt_rd_skip(&r, NCGT_TCP_DOFF_AT) || ncgt_rd_u8(&r, &doff) ||
      ncgt_rd_u8(&r, &flags))
    return 0;
  size_t thl = (size_t)(doff >> 4) * 4;
  if (!(flags & NCGT_TCP_FLAG_SYN) || thl < NCGT_TCP_HLEN ||
      thl > ip->len - ip->hlen)
    return 0;
  ncgt_rd_init(&r, seg, thl);
  ncgt_rd_skip(&r, NCGT_TCP_HLEN);
  /* Every MSS option is clamped, not only the first: a SYN may carry
   * several and stacks differ on which one they honour (Linux keeps the
   * last). Found by fuzz_adapter_tunnel. */
  int clamped = 0;
  while (ncgt_rd_left(&r) > 0) {
    uint8_t kind = 0, olen = 0;
    uint16_t mss = 0;
    ncgt_rd_u8(&r, &kind);
    if (kind == NCGT_TCPOPT_EOL)
      break;
    if (kind == NCGT_TCPOPT_NOP)
      continue;
    if (ncgt_rd_u8(&r, &olen) || olen < 2)
      break;
    size_t at = r.off;
    if (kind == NCGT_TCPOPT_MSS && olen == NCGT_TCPOPT_MSS_LEN) {
      if (ncgt_rd_u16(&r, &mss))
        break;
      if (mss > clamp) {
        patch_u16(seg, at, clamp, NCGT_TCP_CSUM_AT);
        clamped = 1;
      }
      continue;
    }
    if (ncgt_rd_skip(&r, (size_t)olen - 2))
      break;
  }
  return clamped;
}
