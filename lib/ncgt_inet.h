/*
 * Internet checksum (RFC 1071, incremental update RFC 1624) and the small
 * header writers the adapter's emulators share (Ethernet, IPv4, UDP).
 * Writers go through ncgt_wr; checksums are filled in after the bytes are
 * written (caller-owned buffers).
 */
#ifndef NCGT_INET_H
#define NCGT_INET_H

#include <stddef.h>
#include <stdint.h>

#include <ncgtun/inet.h>

#include "ncgt_cursor.h"
#include "ncgt_netproto.h"

/* ncgt_csum_add, ncgt_csum_fold: <ncgtun/inet.h> (exported). */
/* Sum of the IPv4 pseudo header (RFC 768 / RFC 9293 3.1). */
uint32_t ncgt_csum_pseudo4(const uint8_t *src, const uint8_t *dst,
                           uint8_t proto, size_t len);
/* Sum of the IPv6 pseudo header (RFC 8200 8.1). */
uint32_t ncgt_csum_pseudo6(const uint8_t *src, const uint8_t *dst,
                           uint8_t proto, size_t len);
/* ncgt_csum_update16: <ncgtun/inet.h>. */

/* Writes an Ethernet II header. */
int ncgt_wr_eth(ncgt_wr *w, const uint8_t *dst, const uint8_t *src,
                uint16_t ethertype);
/* Writes a 20-byte IPv4 header (no options, id 0, no DF) with its
 * checksum; `payload_len` bytes follow. src/dst in wire order. */
int ncgt_wr_ipv4(ncgt_wr *w, const uint8_t *src, const uint8_t *dst,
                 uint8_t proto, size_t payload_len);

/* Host-order address <-> wire bytes. */
static inline void ncgt_ip4_put(uint8_t *b, uint32_t a) { ncgt_put_u32(b, a); }
static inline uint32_t ncgt_ip4_get(const uint8_t *b) { return ncgt_get_u32(b); }

/* Netmask of a prefix length 0..32. */
static inline uint32_t ncgt_prefix_mask(unsigned prefix_len) {
  return prefix_len == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix_len);
}

/* Multicast, reserved (240/4), limited broadcast, 0/8, loopback. */
int ncgt_ip4_is_special(uint32_t a);

#endif /* NCGT_INET_H */
