/*
 * Helpers for the frame codec tests: build a frame by hand around a body
 * and check that a decodable frame re-encodes byte for byte. Include after
 * <cmocka.h>.
 */
#ifndef NCGT_TEST_FRAME_TESTUTIL_H
#define NCGT_TEST_FRAME_TESTUTIL_H

#include <string.h>

#include "frame_reencode.h"
#include "ncgt_cursor.h"

/* Frame = header (length computed, version 1) + body. */
static inline size_t mkframe(uint8_t *dst, uint8_t type, const void *body,
                             size_t bodylen) {
  size_t n = NCGT_FRAME_HDR_LEN + bodylen;
  ncgt_put_u32(dst, (uint32_t)n);
  dst[4] = type;
  dst[5] = NCGT_PROTO_VERSION;
  if (bodylen)
    memcpy(dst + NCGT_FRAME_HDR_LEN, body, bodylen);
  return n;
}

/* Frame = header + `nv` big-endian u16 fields + `tail` (a string buffer,
 * a payload...): the shape of RELAY, REQUEST and RESPONSE. */
static inline size_t mkframe_u16s(uint8_t *dst, uint8_t type,
                                  const uint16_t *v, size_t nv,
                                  const void *tail, size_t taillen) {
  uint8_t body[8192];
  for (size_t i = 0; i < nv; i++) {
    body[2 * i] = (uint8_t)(v[i] >> 8);
    body[2 * i + 1] = (uint8_t)v[i];
  }
  if (taillen)
    memcpy(body + 2 * nv, tail, taillen);
  return mkframe(dst, type, body, 2 * nv + taillen);
}

/* Asserts that f decodes and re-encodes to identical bytes. */
static inline void assert_canonical(const uint8_t *f, size_t len) {
  static uint8_t out[NCGT_FRAME_MAX_DEFAULT];
  int dec_rv = 1;
  ssize_t n = ncgt_test_reencode(f, len, out, sizeof out, &dec_rv);
  assert_int_equal(dec_rv, 0);
  assert_int_equal(n, (ssize_t)len);
  assert_memory_equal(out, f, len);
}

#endif /* NCGT_TEST_FRAME_TESTUTIL_H */
