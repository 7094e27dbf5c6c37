/*
 * TAP offloads in the pseudo adapter (doc/adapter.md "Offloads"): frames
 * from a TAP opened with IFF_VNET_HDR may carry a partial checksum or be
 * TCP super-segments the NIC (here: the peer's kernel) is to cut into
 * MTU-sized segments. A partial checksum is finished here; a
 * super-segment crosses the tunnel whole, as NCGT_DATA_PROTO_GSO, with
 * its descriptor. The tunnel MTU still holds for every segment the far
 * stack will see (headers + gso_size), which is what the patent's MTU
 * handling (Fig. 17, seed 002 section 4) is about.
 */
#include <string.h>

#include "ncgt_adapter_int.h"
#include "ncgt_inet.h"

/* The IPv4 fragment bits (MF and offset): a super-segment is never a
 * fragment. */
enum { GSO_IPV4_FRAG_BITS = 0x3FFF };

static int gso_drop(ncgt_adapter *ad, uint64_t *counter) {
  (*counter)++;
  return -1;
}

/* RFC 1071 over the L4 part, whose checksum field already holds the
 * pseudo-header sum (what Linux leaves in a CHECKSUM_PARTIAL packet). */
static void gso_finish_csum(const ncgt_gso *g, const ncgt_ip *ip) {
  uint8_t *l4 = ip->p + g->csum_start;
  uint16_t v = ncgt_csum_fold(ncgt_csum_add(0, l4, ip->len - g->csum_start));
  ncgt_put_u16(l4 + g->csum_offset, v ? v : 0xFFFF); /* RFC 768: 0 = none */
}

/* Every segment of a TCP super-segment: IP + TCP headers + gso_size. */
static int gso_check_tcp(ncgt_adapter *ad, const ncgt_gso *g,
                         const ncgt_ip *ip) {
  ncgt_rd r;
  uint8_t doff = 0;
  /* hdr_len is only a hint, but ncgt_gso_decode (the peer's, and the
   * conn's check before sealing) refuses one beyond the packet. */
  if (ip->proto != NCGT_IPPROTO_TCP || g->csum_start != ip->hlen ||
      g->hdr_len > ip->len ||
      (ip->version == 4 && (ip->frag & GSO_IPV4_FRAG_BITS)))
    return gso_drop(ad, &ad->st.drop_gso_malformed);
  ncgt_rd_init(&r, ip->p + ip->hlen, ip->len - ip->hlen);
  ncgt_rd_skip(&r, NCGT_TCP_DOFF_AT);
  if (ncgt_rd_u8(&r, &doff) < 0)
    return gso_drop(ad, &ad->st.drop_gso_malformed);
  size_t thl = (size_t)(doff >> 4) * 4;
  if (thl < NCGT_TCP_HLEN || thl > ip->len - ip->hlen)
    return gso_drop(ad, &ad->st.drop_gso_malformed);
  if (ip->hlen + thl + g->gso_size > ad->mtu)
    return gso_drop(ad, &ad->st.drop_too_big);
  return 1;
}

int ncgt_adapter_gso_in(ncgt_adapter *ad, const ncgt_gso *g, ncgt_ip *ip) {
  if (!g || (g->type == NCGT_GSO_NONE && !(g->flags & NCGT_GSO_F_NEEDS_CSUM)))
    return 0;
  if (g->ipver != ip->version)
    return gso_drop(ad, &ad->st.drop_gso_malformed);
  if (g->flags & NCGT_GSO_F_NEEDS_CSUM) {
    if (g->csum_start < ip->hlen || g->csum_start > ip->len ||
        (size_t)g->csum_offset + 2 > ip->len - g->csum_start)
      return gso_drop(ad, &ad->st.drop_gso_malformed);
  }
  if (g->type == NCGT_GSO_NONE) {
    gso_finish_csum(g, ip);
    ad->st.csum_completed++;
    return 0;
  }
  return gso_check_tcp(ad, g, ip);
}

int ncgt_adapter_gso_to_tunnel(ncgt_adapter *ad, const ncgt_gso *g,
                               const ncgt_ip *ip) {
  /* In place: the descriptor goes over the end of the Ethernet header
   * that precedes the packet in the caller's frame. */
  uint8_t *dg = ip->p - NCGT_GSO_DESC_LEN;
  if (ncgt_gso_encode(dg, NCGT_GSO_DESC_LEN, g) < 0) {
    ad->st.drop_gso_malformed++;
    return 0;
  }
  int rv = ncgt_adapter_to_tunnel(ad, NCGT_DATA_PROTO_GSO, dg,
                                  NCGT_GSO_DESC_LEN + ip->len, g, ip);
  if (rv == 0)
    ad->st.gso_to_tunnel++;
  return rv;
}

int ncgt_adapter_gso_to_stack(ncgt_adapter *ad, const ncgt_gso *g,
                              const uint8_t *frame, size_t len) {
  if (ad->cb.to_stack_gso(g, frame, len, ad->user_data) != 0) {
    ad->st.drop_callback++;
    return NCGT_ERR_CALLBACK_DROPPED;
  }
  ad->st.to_stack++;
  ad->st.gso_to_stack++;
  return 0;
}

int ncgt_adapter_from_tunnel_gso(ncgt_adapter *ad, const uint8_t *dg,
                                 size_t len, uint32_t tunnel_addr) {
  ncgt_gso g;
  const uint8_t *pkt = NULL;
  size_t n = 0;
  NCGT_ENSURE_COND(ad && (dg || len == 0), NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(ad->cb.to_stack_gso != NULL, NCGT_ERR_UNSUPPORTED);
  ad->st.tunnel_dgrams++;
  if (ncgt_gso_decode(&g, dg, len, &pkt, &n) < 0) {
    ad->st.drop_gso_malformed++;
    return 0;
  }
  return ncgt_adapter_tunnel_in(ad, &g, pkt, n, tunnel_addr);
}
