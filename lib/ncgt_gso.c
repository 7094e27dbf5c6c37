/*
 * The GSO descriptor of NCGT_DATA_PROTO_GSO datagrams (doc/protocol.md
 * "GSO datagrams"): the segmentation metadata a TAP with IFF_VNET_HDR
 * hands over with a TCP super-segment (Linux virtio_net_hdr), so the
 * peer's kernel can cut it into MTU-sized packets. It travels inside the
 * AEAD, like the packet it describes.
 */
#include <string.h>

#include "ncgt_cursor.h"
#include "ncgt_frame_int.h"

enum { GSO_TCP_CSUM_OFFSET = 16 }; /* RFC 9293 3.1: checksum field */

/* What can be checked without the packet. */
static int gso_check(const ncgt_gso *g) {
  NCGT_ENSURE_COND((g->flags & ~(unsigned)NCGT_GSO_FLAGS_KNOWN) == 0,
                   NCGT_ERR_BAD_FLAGS);
  NCGT_ENSURE_COND(g->ipver == 4 || g->ipver == 6, NCGT_ERR_BAD_VALUE);
  switch (g->type) {
  case NCGT_GSO_NONE:
    return 0;
  case NCGT_GSO_TCPV4:
    NCGT_ENSURE_COND(g->ipver == 4, NCGT_ERR_BAD_VALUE);
    break;
  case NCGT_GSO_TCPV6:
    NCGT_ENSURE_COND(g->ipver == 6, NCGT_ERR_BAD_VALUE);
    break;
  default:
    return NCGT_ERR_BAD_VALUE;
  }
  /* A super-segment is TCP with a partial checksum, cut into segments of
   * gso_size payload bytes. */
  NCGT_ENSURE_COND((g->flags & NCGT_GSO_F_NEEDS_CSUM) && g->gso_size != 0 &&
                       g->csum_offset == GSO_TCP_CSUM_OFFSET,
                   NCGT_ERR_BAD_VALUE);
  return 0;
}

int ncgt_gso_decode(ncgt_gso *g, const uint8_t *dg, size_t len,
                    const uint8_t **pkt, size_t *pktlen) {
  ncgt_rd r;
  uint8_t rsvd = 0;
  NCGT_ENSURE_COND(g && (dg || !len) && pkt && pktlen,
                   NCGT_ERR_INVALID_ARGUMENT);
  memset(g, 0, sizeof(*g));
  ncgt_rd_init(&r, dg, len);
  ncgt_rd_u8(&r, &g->ipver);
  ncgt_rd_u8(&r, &g->type);
  ncgt_rd_u8(&r, &g->flags);
  ncgt_rd_u8(&r, &rsvd);
  ncgt_rd_u16(&r, &g->hdr_len);
  ncgt_rd_u16(&r, &g->gso_size);
  ncgt_rd_u16(&r, &g->csum_start);
  NCGT_ENSURE(ncgt_rd_u16(&r, &g->csum_offset));
  NCGT_ENSURE_COND(rsvd == 0, NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE(gso_check(g));
  size_t n = ncgt_rd_left(&r);
  const uint8_t *p = NULL;
  NCGT_ENSURE_COND(n > 0, NCGT_ERR_TRUNCATED);
  NCGT_ENSURE(ncgt_rd_ptr(&r, &p, n));
  NCGT_ENSURE_COND(p[0] >> 4 == g->ipver, NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND(g->hdr_len <= n, NCGT_ERR_BAD_OFFSET);
  if (g->flags & NCGT_GSO_F_NEEDS_CSUM)
    NCGT_ENSURE_COND((size_t)g->csum_start + g->csum_offset + 2 <= n,
                     NCGT_ERR_BAD_OFFSET);
  *pkt = p;
  *pktlen = n;
  return 0;
}

ssize_t ncgt_gso_encode(uint8_t *dst, size_t cap, const ncgt_gso *g) {
  ncgt_wr w;
  NCGT_ENSURE_COND(dst && g, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(gso_check(g));
  ncgt_wr_init(&w, dst, cap);
  ncgt_wr_u8(&w, g->ipver);
  ncgt_wr_u8(&w, g->type);
  ncgt_wr_u8(&w, g->flags);
  ncgt_wr_u8(&w, 0);
  ncgt_wr_u16(&w, g->hdr_len);
  ncgt_wr_u16(&w, g->gso_size);
  ncgt_wr_u16(&w, g->csum_start);
  NCGT_ENSURE(ncgt_wr_u16(&w, g->csum_offset));
  return (ssize_t)w.off;
}
