/*
 * Bounds-checked reader and writer over byte buffers (s2n-tls "stuffer"
 * discipline). All untrusted wire bytes are read through ncgt_rd; all
 * frame output is written through ncgt_wr. Integers are big-endian
 * (network order), as in doc/protocol.md.
 *
 * A failed read or write sets the cursor's sticky `err` and does nothing
 * else, so a codec may do a run of reads and check once; every function
 * also returns the status so a caller can stop at the first failure.
 */
#ifndef NCGT_CURSOR_H
#define NCGT_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ncgtun/ncgtun.h>

/* Reader: does not own `p`. */
typedef struct ncgt_rd {
  const uint8_t *p;
  size_t len;
  size_t off;
  int err; /* 0 or the first negative status */
} ncgt_rd;

/* Writer: does not own `p`. */
typedef struct ncgt_wr {
  uint8_t *p;
  size_t cap;
  size_t off;
  int err;
} ncgt_wr;

static inline void ncgt_rd_init(ncgt_rd *r, const uint8_t *p, size_t len) {
  r->p = p;
  r->len = len;
  r->off = 0;
  r->err = 0;
}

static inline size_t ncgt_rd_left(const ncgt_rd *r) { return r->len - r->off; }

static inline int ncgt_rd_need(ncgt_rd *r, size_t n) {
  if (r->err)
    return r->err;
  if (n > r->len - r->off)
    return r->err = NCGT_ERR_TRUNCATED;
  return 0;
}

static inline int ncgt_rd_u8(ncgt_rd *r, uint8_t *v) {
  if (ncgt_rd_need(r, 1))
    return r->err;
  *v = r->p[r->off++];
  return 0;
}

static inline int ncgt_rd_u16(ncgt_rd *r, uint16_t *v) {
  if (ncgt_rd_need(r, 2))
    return r->err;
  *v = (uint16_t)((uint16_t)r->p[r->off] << 8 | r->p[r->off + 1]);
  r->off += 2;
  return 0;
}

static inline int ncgt_rd_u32(ncgt_rd *r, uint32_t *v) {
  if (ncgt_rd_need(r, 4))
    return r->err;
  const uint8_t *b = r->p + r->off;
  *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
       (uint32_t)b[3];
  r->off += 4;
  return 0;
}

static inline int ncgt_rd_u64(ncgt_rd *r, uint64_t *v) {
  uint32_t hi = 0, lo = 0;
  if (ncgt_rd_u32(r, &hi) || ncgt_rd_u32(r, &lo))
    return r->err;
  *v = (uint64_t)hi << 32 | lo;
  return 0;
}

/* Copies n bytes out. */
static inline int ncgt_rd_copy(ncgt_rd *r, void *dst, size_t n) {
  if (ncgt_rd_need(r, n))
    return r->err;
  if (n)
    memcpy(dst, r->p + r->off, n);
  r->off += n;
  return 0;
}

/* Borrows n bytes: *out points into the reader's buffer. */
static inline int ncgt_rd_ptr(ncgt_rd *r, const uint8_t **out, size_t n) {
  if (ncgt_rd_need(r, n))
    return r->err;
  *out = r->p + r->off;
  r->off += n;
  return 0;
}

static inline int ncgt_rd_skip(ncgt_rd *r, size_t n) {
  if (ncgt_rd_need(r, n))
    return r->err;
  r->off += n;
  return 0;
}

static inline void ncgt_wr_init(ncgt_wr *w, uint8_t *p, size_t cap) {
  w->p = p;
  w->cap = cap;
  w->off = 0;
  w->err = 0;
}

static inline int ncgt_wr_need(ncgt_wr *w, size_t n) {
  if (w->err)
    return w->err;
  if (n > w->cap - w->off)
    return w->err = NCGT_ERR_NOBUF;
  return 0;
}

static inline int ncgt_wr_u8(ncgt_wr *w, uint8_t v) {
  if (ncgt_wr_need(w, 1))
    return w->err;
  w->p[w->off++] = v;
  return 0;
}

static inline int ncgt_wr_u16(ncgt_wr *w, uint16_t v) {
  if (ncgt_wr_need(w, 2))
    return w->err;
  w->p[w->off] = (uint8_t)(v >> 8);
  w->p[w->off + 1] = (uint8_t)v;
  w->off += 2;
  return 0;
}

static inline int ncgt_wr_u32(ncgt_wr *w, uint32_t v) {
  if (ncgt_wr_need(w, 4))
    return w->err;
  uint8_t *b = w->p + w->off;
  b[0] = (uint8_t)(v >> 24);
  b[1] = (uint8_t)(v >> 16);
  b[2] = (uint8_t)(v >> 8);
  b[3] = (uint8_t)v;
  w->off += 4;
  return 0;
}

static inline int ncgt_wr_u64(ncgt_wr *w, uint64_t v) {
  if (ncgt_wr_need(w, 8))
    return w->err;
  ncgt_wr_u32(w, (uint32_t)(v >> 32));
  return ncgt_wr_u32(w, (uint32_t)v);
}

static inline int ncgt_wr_bytes(ncgt_wr *w, const void *src, size_t n) {
  if (ncgt_wr_need(w, n))
    return w->err;
  if (n)
    memcpy(w->p + w->off, src, n);
  w->off += n;
  return 0;
}

/* Reserves n bytes to be filled later; *out points at them. */
static inline int ncgt_wr_reserve(ncgt_wr *w, uint8_t **out, size_t n) {
  if (ncgt_wr_need(w, n))
    return w->err;
  *out = w->p + w->off;
  w->off += n;
  return 0;
}

/* Big-endian helpers for patching already-written bytes. */
static inline void ncgt_put_u16(uint8_t *b, uint16_t v) {
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}
static inline void ncgt_put_u32(uint8_t *b, uint32_t v) {
  b[0] = (uint8_t)(v >> 24);
  b[1] = (uint8_t)(v >> 16);
  b[2] = (uint8_t)(v >> 8);
  b[3] = (uint8_t)v;
}
static inline uint16_t ncgt_get_u16(const uint8_t *b) {
  return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
}
static inline uint32_t ncgt_get_u32(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
         (uint32_t)b[3];
}

/* s2n-style check: evaluate, return the negative status on failure. */
#define NCGT_ENSURE(expr)                                                      \
  do {                                                                         \
    int ncgt_rv_ = (expr);                                                     \
    if (ncgt_rv_ < 0)                                                          \
      return ncgt_rv_;                                                         \
  } while (0)

#define NCGT_ENSURE_COND(cond, status)                                         \
  do {                                                                         \
    if (!(cond))                                                               \
      return (status);                                                         \
  } while (0)

#endif /* NCGT_CURSOR_H */
