/*
 * One libFuzzer target per frame decoder (fuzz_relay.c ... fuzz_close.c).
 *
 * The input is a whole frame whose common header is overwritten with the
 * right length, type and version, so every input reaches the type's body
 * checks (fuzz_fdec exercises the header checks themselves). Beyond "no
 * crash", each target checks the codec's contract: a frame that decodes
 * re-encodes to exactly the same bytes (decoders accept only the
 * canonical layout, doc/protocol.md), and decoding those bytes again
 * gives the same struct.
 */
#ifndef NCGT_FUZZ_FRAME_H
#define NCGT_FUZZ_FRAME_H

#include <ncgtun/frame.h>

#include "fuzz_input.h"
#include "ncgt_cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline int fuzz_same_bytes(const void *a, const void *b, size_t n) {
  return n == 0 || memcmp(a, b, n) == 0;
}

static inline int fuzz_same_str(const char *a, const char *b) {
  return a && b && strcmp(a, b) == 0;
}

/* An exact-size heap copy of data with a valid header for `type`, or
 * NULL when the input is shorter than a header. */
static inline uint8_t *fuzz_frame_from(const uint8_t *data, size_t size,
                                       uint8_t type) {
  if (size < NCGT_FRAME_HDR_LEN || size > NCGT_FRAME_MAX_LIMIT)
    return NULL;
  uint8_t *f = fuzz_dup(data, size);
  ncgt_put_u32(f, (uint32_t)size);
  f[4] = type;
  f[5] = NCGT_PROTO_VERSION;
  return f;
}

/* Defines the target for frame `name` (ncgt_<name>_decode/_encode), its
 * struct type, its frame type, and a function saying whether two decoded
 * structs mean the same. */
#define FUZZ_DECODER_TARGET(name, stype, ftype, same)                          \
  int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {               \
    uint8_t *in = fuzz_frame_from(data, size, ftype);                          \
    if (!in)                                                                   \
      return 0;                                                                \
    stype a, b;                                                                \
    if (ncgt_##name##_decode(&a, in, size) == 0) {                             \
      /* exactly `size` bytes of room: a longer encoding overflows */         \
      uint8_t *out = fuzz_dup(in, size);                                       \
      memset(out, 0xA5, size);                                                 \
      ssize_t n = ncgt_##name##_encode(out, size, &a);                         \
      FUZZ_CHECK(n == (ssize_t)size);                                          \
      FUZZ_CHECK(memcmp(out, in, size) == 0);                                  \
      FUZZ_CHECK(ncgt_##name##_decode(&b, out, size) == 0);                    \
      FUZZ_CHECK(same(&a, &b));                                                \
      free(out);                                                               \
    }                                                                          \
    free(in);                                                                  \
    return 0;                                                                  \
  }

#endif /* NCGT_FUZZ_FRAME_H */
