/*
 * Helpers for libFuzzer harnesses (doc/fuzzing.md). Not part of the
 * library.
 *
 * A harness reads its decisions (split points, timestamps, which callback
 * fails) from the front of the fuzz input with fuzz_in_*; reads past the
 * end yield zeros, so every input is a valid script. FUZZ_CHECK turns a
 * broken invariant into a crash libFuzzer reports with its reproducer.
 */
#ifndef NCGT_FUZZ_INPUT_H
#define NCGT_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts (a libFuzzer "crash") when an invariant does not hold. */
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,     \
              #cond);                                                          \
      abort();                                                                 \
    }                                                                          \
  } while (0)

typedef struct fuzz_in {
  const uint8_t *p;
  size_t len;
  size_t off;
} fuzz_in;

static inline void fuzz_in_init(fuzz_in *f, const uint8_t *p, size_t len) {
  f->p = p;
  f->len = len;
  f->off = 0;
}

static inline size_t fuzz_in_left(const fuzz_in *f) { return f->len - f->off; }

static inline uint8_t fuzz_in_u8(fuzz_in *f) {
  return f->off < f->len ? f->p[f->off++] : 0;
}

static inline uint16_t fuzz_in_u16(fuzz_in *f) {
  uint16_t hi = fuzz_in_u8(f);
  return (uint16_t)(hi << 8 | fuzz_in_u8(f));
}

static inline uint32_t fuzz_in_u32(fuzz_in *f) {
  uint32_t hi = fuzz_in_u16(f);
  return hi << 16 | fuzz_in_u16(f);
}

/* Borrows up to n bytes; *got says how many there were. */
static inline const uint8_t *fuzz_in_bytes(fuzz_in *f, size_t n, size_t *got) {
  const uint8_t *p = f->p + f->off;
  *got = n < fuzz_in_left(f) ? n : fuzz_in_left(f);
  f->off += *got;
  return p;
}

/* True about once in 16 calls: drive "callback fails" paths from the
 * input (ngtcp2's fuzzers do the same). */
static inline int fuzz_in_fail(fuzz_in *f) { return (fuzz_in_u8(f) & 15) == 0; }

/* Copies p[0..n) into a fresh heap block of exactly n bytes, so ASan
 * reports a read one byte past the end (the fuzz input itself may have
 * neighbours that hide it). Free with free(). */
static inline uint8_t *fuzz_dup(const uint8_t *p, size_t n) {
  uint8_t *d = malloc(n ? n : 1);
  FUZZ_CHECK(d != NULL);
  if (n)
    memcpy(d, p, n);
  return d;
}

#endif /* NCGT_FUZZ_INPUT_H */
