/*
 * Common frame header (patent Figs. 6-10: length, type, version) and the
 * string-buffer index helpers shared by RELAY, REQUEST and RESPONSE.
 * Layout and rules: doc/protocol.md.
 */
#include <string.h>

#include "ncgt_frame_int.h"

size_t ncgt_frame_fixed_len(uint8_t type) {
  switch (type) {
  case NCGT_FRAME_RELAY: return NCGT_RELAY_FIXED_LEN;
  case NCGT_FRAME_REQUEST: return NCGT_REQUEST_FIXED_LEN;
  case NCGT_FRAME_RESPONSE: return NCGT_RESPONSE_FIXED_LEN;
  case NCGT_FRAME_DATA: return NCGT_DATA_HDR_LEN;
  case NCGT_FRAME_CLOSE: return NCGT_CLOSE_HDR_LEN;
  default: return 0;
  }
}

/* The order of the checks is part of the protocol (doc/protocol.md,
 * "Common header"): a peer speaking another version gets BAD_VERSION even
 * if its frame would be too small for a version 1 frame of that type. */
int ncgt_frame_check_hdr(const uint8_t *buf, size_t len, size_t max_frame,
                         ncgt_frame_hdr *hdr) {
  ncgt_rd r;
  ncgt_frame_hdr h;
  if (!buf)
    return NCGT_ERR_INVALID_ARGUMENT;
  if (max_frame == 0)
    max_frame = NCGT_FRAME_MAX_DEFAULT;
  if (max_frame > NCGT_FRAME_MAX_LIMIT)
    max_frame = NCGT_FRAME_MAX_LIMIT;
  ncgt_rd_init(&r, buf, len);
  ncgt_rd_u32(&r, &h.length);
  ncgt_rd_u8(&r, &h.type);
  NCGT_ENSURE(ncgt_rd_u8(&r, &h.version));
  NCGT_ENSURE_COND(h.length >= NCGT_FRAME_HDR_LEN, NCGT_ERR_FRAME_TOO_SMALL);
  NCGT_ENSURE_COND(h.length <= max_frame, NCGT_ERR_FRAME_TOO_LARGE);
  size_t fixed = ncgt_frame_fixed_len(h.type);
  NCGT_ENSURE_COND(fixed != 0, NCGT_ERR_UNKNOWN_TYPE);
  NCGT_ENSURE_COND(h.version == NCGT_PROTO_VERSION, NCGT_ERR_BAD_VERSION);
  NCGT_ENSURE_COND(h.length >= fixed, NCGT_ERR_FRAME_TOO_SMALL);
  if (hdr)
    *hdr = h;
  return 0;
}

int ncgt_frame_open(ncgt_rd *r, const uint8_t *buf, size_t len,
                    uint8_t type) {
  ncgt_frame_hdr h;
  NCGT_ENSURE_COND(buf != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(ncgt_frame_check_hdr(buf, len, NCGT_FRAME_MAX_LIMIT, &h));
  /* A decoder handles one type; being handed another is a dispatch bug
   * in the caller, but it is still untrusted input: refuse it. */
  NCGT_ENSURE_COND(h.type == type, NCGT_ERR_UNKNOWN_TYPE);
  NCGT_ENSURE_COND(len >= h.length, NCGT_ERR_TRUNCATED);
  NCGT_ENSURE_COND(len == h.length, NCGT_ERR_TRAILING_BYTES);
  ncgt_rd_init(r, buf, h.length);
  return ncgt_rd_skip(r, NCGT_FRAME_HDR_LEN);
}

int ncgt_frame_begin(ncgt_wr *w, uint8_t *dst, size_t cap, uint8_t type) {
  NCGT_ENSURE_COND(dst != NULL || cap == 0, NCGT_ERR_INVALID_ARGUMENT);
  ncgt_wr_init(w, dst, cap);
  ncgt_wr_u32(w, 0); /* patched by ncgt_frame_end() */
  ncgt_wr_u8(w, type);
  return ncgt_wr_u8(w, NCGT_PROTO_VERSION);
}

ssize_t ncgt_frame_end(ncgt_wr *w) {
  if (w->err)
    return w->err;
  /* Encoders bound every variable field, so no frame comes near this; the
   * check keeps a future field from producing a frame no peer accepts. */
  NCGT_ENSURE_COND(w->off <= NCGT_FRAME_MAX_LIMIT, NCGT_ERR_BAD_LENGTH);
  ncgt_put_u32(w->p, (uint32_t)w->off);
  return (ssize_t)w->off;
}

int ncgt_frame_len_check(size_t have, size_t want) {
  NCGT_ENSURE_COND(have >= want, NCGT_ERR_BAD_LENGTH);
  NCGT_ENSURE_COND(have == want, NCGT_ERR_TRAILING_BYTES);
  return 0;
}

int ncgt_strbuf_name(const uint8_t *sb, size_t sblen, uint16_t idx,
                     const char **name, ncgt_span *sp) {
  ncgt_rd r;
  ncgt_rd_init(&r, sb, sblen);
  NCGT_ENSURE_COND(idx < sblen, NCGT_ERR_BAD_OFFSET);
  NCGT_ENSURE(ncgt_rd_skip(&r, idx));
  const uint8_t *start = r.p + r.off;
  const uint8_t *nul = memchr(start, 0, ncgt_rd_left(&r));
  NCGT_ENSURE_COND(nul != NULL, NCGT_ERR_UNTERMINATED);
  size_t n = (size_t)(nul - start);
  NCGT_ENSURE_COND(n >= 1 && n <= NCGT_NAME_MAX, NCGT_ERR_BAD_NAME);
  *name = (const char *)start;
  sp->off = idx;
  sp->len = n + 1;
  return 0;
}

int ncgt_strbuf_bytes(const uint8_t *sb, size_t sblen, uint16_t idx,
                      size_t n, const uint8_t **p, ncgt_span *sp) {
  ncgt_rd r;
  ncgt_rd_init(&r, sb, sblen);
  NCGT_ENSURE_COND(idx < sblen, NCGT_ERR_BAD_OFFSET);
  NCGT_ENSURE(ncgt_rd_skip(&r, idx));
  NCGT_ENSURE_COND(ncgt_rd_ptr(&r, p, n) == 0, NCGT_ERR_BAD_LENGTH);
  sp->off = idx;
  sp->len = n;
  return 0;
}

int ncgt_spans_check(const ncgt_span *sp, size_t n, size_t sblen) {
  size_t covered = 0;
  /* n <= 1 + NCGT_PATH_MAX, so the quadratic scan is cheap and bounded. */
  for (size_t i = 0; i < n; i++) {
    for (size_t j = i + 1; j < n; j++) {
      if (sp[i].off < sp[j].off + sp[j].len &&
          sp[j].off < sp[i].off + sp[i].len)
        return NCGT_ERR_OVERLAP;
    }
    covered += sp[i].len;
  }
  /* Disjoint spans inside the buffer: their total is the bytes covered. */
  NCGT_ENSURE_COND(covered == sblen, NCGT_ERR_TRAILING_BYTES);
  /* Canonical order: back to back in field order, so a frame has exactly
   * one encoding and decode -> encode gives the same bytes. */
  size_t next = 0;
  for (size_t i = 0; i < n; i++) {
    NCGT_ENSURE_COND(sp[i].off == next, NCGT_ERR_BAD_OFFSET);
    next += sp[i].len;
  }
  return 0;
}

int ncgt_name_len(const char *name, size_t *len) {
  NCGT_ENSURE_COND(name != NULL, NCGT_ERR_BAD_NAME);
  size_t n = strnlen(name, NCGT_NAME_MAX + 1);
  NCGT_ENSURE_COND(n >= 1 && n <= NCGT_NAME_MAX, NCGT_ERR_BAD_NAME);
  *len = n;
  return 0;
}

uint16_t ncgt_frame_err_close_status(int err) {
  return err == NCGT_ERR_BAD_VERSION ? NCGT_CLOSE_VERSION : NCGT_CLOSE_PROTOCOL;
}

uint8_t ncgt_frame_type_of(const uint8_t *f, size_t len) {
  ncgt_rd r;
  uint8_t t = 0;
  ncgt_rd_init(&r, f, len);
  if (ncgt_rd_skip(&r, 4) < 0 || ncgt_rd_u8(&r, &t) < 0)
    return 0;
  return t;
}

void ncgt_log_name(char *out, size_t cap, const char *name) {
  size_t i = 0;
  for (; name[i] && i + 1 < cap; i++) {
    unsigned char ch = (unsigned char)name[i];
    out[i] = ch > 0x20 && ch < 0x7f ? (char)ch : '?';
  }
  out[i] = '\0';
}
