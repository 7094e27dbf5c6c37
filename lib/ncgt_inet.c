/* Internet checksums and header writers; see ncgt_inet.h. */
#include "ncgt_inet.h"

uint32_t ncgt_csum_add(uint32_t sum, const uint8_t *buf, size_t len) {
  size_t i;
  for (i = 0; i + 1 < len; i += 2) {
    sum += (uint32_t)buf[i] << 8 | buf[i + 1];
    sum = (sum & 0xFFFF) + (sum >> 16); /* keep it from overflowing */
  }
  if (i < len)
    sum += (uint32_t)buf[i] << 8;
  return sum;
}

uint16_t ncgt_csum_fold(uint32_t sum) {
  while (sum >> 16)
    sum = (sum & 0xFFFF) + (sum >> 16);
  return (uint16_t)~sum;
}

uint32_t ncgt_csum_pseudo4(const uint8_t *src, const uint8_t *dst,
                           uint8_t proto, size_t len) {
  uint32_t sum = ncgt_csum_add(0, src, NCGT_IPV4_ADDR_LEN);
  sum = ncgt_csum_add(sum, dst, NCGT_IPV4_ADDR_LEN);
  return sum + proto + (uint32_t)(len & 0xFFFF);
}

uint32_t ncgt_csum_pseudo6(const uint8_t *src, const uint8_t *dst,
                           uint8_t proto, size_t len) {
  uint32_t sum = ncgt_csum_add(0, src, NCGT_IPV6_ADDR_LEN);
  sum = ncgt_csum_add(sum, dst, NCGT_IPV6_ADDR_LEN);
  sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xFFFF);
  return sum + proto;
}

uint16_t ncgt_csum_update16(uint16_t csum, uint16_t old_w, uint16_t new_w) {
  /* HC' = ~(~HC + ~m + m') */
  uint32_t sum = (uint32_t)(uint16_t)~csum + (uint16_t)~old_w + new_w;
  return ncgt_csum_fold(sum);
}

int ncgt_wr_eth(ncgt_wr *w, const uint8_t *dst, const uint8_t *src,
                uint16_t ethertype) {
  ncgt_wr_bytes(w, dst, NCGT_ETH_ALEN);
  ncgt_wr_bytes(w, src, NCGT_ETH_ALEN);
  return ncgt_wr_u16(w, ethertype);
}

int ncgt_wr_ipv4(ncgt_wr *w, const uint8_t *src, const uint8_t *dst,
                 uint8_t proto, size_t payload_len) {
  uint8_t *h = NULL;
  NCGT_ENSURE_COND(payload_len <= 0xFFFF - NCGT_IPV4_HLEN, NCGT_ERR_NOBUF);
  NCGT_ENSURE(ncgt_wr_reserve(w, &h, NCGT_IPV4_HLEN));
  h[0] = 0x45; /* version 4, 5 words */
  h[1] = 0;    /* DSCP/ECN */
  ncgt_put_u16(h + 2, (uint16_t)(NCGT_IPV4_HLEN + payload_len));
  ncgt_put_u16(h + 4, 0); /* id: never fragmented (RFC 6864 4.1) */
  ncgt_put_u16(h + 6, 0);
  h[8] = NCGT_IPV4_TTL_DEFAULT;
  h[9] = proto;
  ncgt_put_u16(h + 10, 0);
  memcpy(h + 12, src, NCGT_IPV4_ADDR_LEN);
  memcpy(h + 16, dst, NCGT_IPV4_ADDR_LEN);
  ncgt_put_u16(h + 10, ncgt_csum_fold(ncgt_csum_add(0, h, NCGT_IPV4_HLEN)));
  return 0;
}

int ncgt_ip4_is_special(uint32_t a) {
  /* 224/4 multicast, 240/4 reserved and 255.255.255.255 */
  return (a >> 28) >= 0xE || (a >> 24) == 0 || (a >> 24) == 127;
}
