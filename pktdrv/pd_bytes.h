/*
 * Bounds-checked reads of untrusted frames for the packet-driver shim
 * (pktdrv/, doc/pktdrv.md). The shim uses only libncgtun's public API, so
 * it has its own small cursor instead of lib/ncgt_cursor.h: a read past
 * the end sets a sticky error and yields zero, so a parser reads a whole
 * header and checks `err` once.
 */
#ifndef PDRV_BYTES_H
#define PDRV_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct pdrv_rd {
  const uint8_t *p;
  size_t len, off;
  int err; /* sticky: a read went past len */
} pdrv_rd;

static inline void pdrv_rd_init(pdrv_rd *r, const uint8_t *p, size_t len) {
  r->p = p;
  r->len = len;
  r->off = 0;
  r->err = 0;
}

/* 1 when n more bytes are there; else sets err. */
static inline int pdrv_rd_need(pdrv_rd *r, size_t n) {
  if (r->err || n > r->len - r->off) {
    r->err = 1;
    return 0;
  }
  return 1;
}

static inline void pdrv_rd_skip(pdrv_rd *r, size_t n) {
  if (pdrv_rd_need(r, n))
    r->off += n;
}

static inline uint8_t pdrv_rd_u8(pdrv_rd *r) {
  return pdrv_rd_need(r, 1) ? r->p[r->off++] : 0;
}

/* Big-endian (network order). */
static inline uint16_t pdrv_rd_u16(pdrv_rd *r) {
  uint16_t hi = pdrv_rd_u8(r);
  return (uint16_t)(hi << 8 | pdrv_rd_u8(r));
}

static inline uint32_t pdrv_rd_u32(pdrv_rd *r) {
  uint32_t hi = pdrv_rd_u16(r);
  return hi << 16 | pdrv_rd_u16(r);
}

/* Fixed offsets the caller has already bounds-checked. */
static inline uint16_t pdrv_get_u16(const uint8_t *b) {
  return (uint16_t)(b[0] << 8 | b[1]);
}

static inline void pdrv_put_u16(uint8_t *b, uint16_t v) {
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}

#endif /* PDRV_BYTES_H */
