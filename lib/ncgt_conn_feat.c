/*
 * The conn's feature negotiation (doc/protocol.md "GSO datagrams"): the
 * NCGT_FEATURE_* bits a REQUEST offers and a RESPONSE accepts travel as
 * key-exchange flags; a DATA protocol is allowed only when agreed.
 */
#include "ncgt_conn_int.h"

uint16_t ncgt_feat_to_kx(uint32_t features) {
  return (features & NCGT_FEATURE_GSO) ? NCGT_KX_FLAG_GSO : 0;
}

uint32_t ncgt_feat_from_kx(uint16_t kx_flags) {
  return (kx_flags & NCGT_KX_FLAG_GSO) ? NCGT_FEATURE_GSO : 0;
}

int ncgt_feat_decode_dg(const ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                        size_t len, ncgt_gso *g, size_t *pkt_off) {
  *pkt_off = 0;
  if (proto != NCGT_DATA_PROTO_GSO)
    return 0;
  NCGT_ENSURE_COND(c->features & NCGT_FEATURE_GSO, NCGT_ERR_NOT_NEGOTIATED);
  const uint8_t *pkt;
  size_t n;
  NCGT_ENSURE(ncgt_gso_decode(g, dg, len, &pkt, &n));
  *pkt_off = (size_t)(pkt - dg);
  return 0;
}

int ncgt_feat_check_dg(const ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                       size_t len) {
  ncgt_gso g;
  size_t off;
  return ncgt_feat_decode_dg(c, proto, dg, len, &g, &off);
}
