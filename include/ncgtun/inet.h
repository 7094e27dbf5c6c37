/*
 * Internet checksum helpers (RFC 1071, incremental update RFC 1624), the
 * ones the pseudo adapter uses, exported for hosts that touch IP headers
 * themselves (the packet-driver shim in pktdrv/ rewrites addresses and
 * finishes checksums a kernel left partial). Pure functions over caller
 * memory; no state.
 */
#ifndef NCGTUN_INET_H
#define NCGTUN_INET_H

#include <ncgtun/ncgtun.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One's complement sum of buf[0..len) added to `sum` (partly folded, not
 * complemented); an odd trailing byte is padded with zero (RFC 1071).
 * The caller has checked that buf holds len bytes. Chain calls to sum
 * several pieces (an odd-length piece must be the last). */
NCGT_EXTERN uint32_t ncgt_csum_add(uint32_t sum, const uint8_t *buf,
                                   size_t len);

/* Folds and complements a sum: the value to store in a checksum field
 * (big-endian). */
NCGT_EXTERN uint16_t ncgt_csum_fold(uint32_t sum);

/* RFC 1624 eqn. 3: the new value of a checksum field `csum` after a
 * 16-bit word of the data it covers changed from `old_w` to `new_w`. */
NCGT_EXTERN uint16_t ncgt_csum_update16(uint16_t csum, uint16_t old_w,
                                        uint16_t new_w);

#ifdef __cplusplus
}
#endif

#endif /* NCGTUN_INET_H */
