/*
 * RELAY frame (patent Fig. 6): the origin's name (field 106) and the
 * tunnel path (fields 108, 110, ...) as u16 indexes into a string buffer
 * of NUL-terminated names (field 112). Layout: doc/protocol.md "RELAY".
 */
#include <string.h>

#include "ncgt_frame_int.h"

/* The origin plus every path entry. */
enum { RELAY_NAMES_MAX = 1 + NCGT_PATH_MAX };

static int relay_check_npath(size_t npath) {
  /* A path always ends at the tunnel server (Fig. 3 node D), so it has at
   * least one entry; an empty path is a value out of range, a long one is
   * more entries than this implementation keeps. */
  NCGT_ENSURE_COND(npath != 0, NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND(npath <= NCGT_PATH_MAX, NCGT_ERR_TOO_MANY);
  return 0;
}

/* Every name of the frame (origin included) is distinct. A relay forwards
 * to the entry after its own, so with distinct names each hop moves to a
 * strictly later index and a frame crosses at most NCGT_PATH_MAX hops; a
 * repeated name would let two relays bounce it between them for ever
 * (review 2026-11-23 H-1). At most 17 x 17 / 2 compares of short names. */
static int relay_check_distinct(const char *const *names, size_t n) {
  for (size_t i = 1; i < n; i++)
    for (size_t j = 0; j < i; j++)
      NCGT_ENSURE_COND(strcmp(names[i], names[j]) != 0, NCGT_ERR_BAD_VALUE);
  return 0;
}

int ncgt_relay_decode(ncgt_frame_relay *out, const uint8_t *buf, size_t len) {
  ncgt_rd r;
  uint16_t npath = 0;
  uint16_t idx[RELAY_NAMES_MAX];
  const char *names[RELAY_NAMES_MAX];
  ncgt_span spans[RELAY_NAMES_MAX];
  const uint8_t *sb = NULL;
  NCGT_ENSURE_COND(out != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(ncgt_frame_open(&r, buf, len, NCGT_FRAME_RELAY));
  ncgt_rd_u16(&r, &idx[0]); /* field 106: origin index */
  NCGT_ENSURE(ncgt_rd_u16(&r, &npath));
  NCGT_ENSURE(relay_check_npath(npath));
  for (size_t i = 1; i <= npath; i++) /* fields 108, 110, ... */
    NCGT_ENSURE(ncgt_rd_u16(&r, &idx[i]));
  size_t sblen = ncgt_rd_left(&r); /* field 112 runs to the frame's end */
  NCGT_ENSURE(ncgt_rd_ptr(&r, &sb, sblen));
  for (size_t i = 0; i <= npath; i++)
    NCGT_ENSURE(ncgt_strbuf_name(sb, sblen, idx[i], &names[i], &spans[i]));
  NCGT_ENSURE(ncgt_spans_check(spans, (size_t)npath + 1, sblen));
  NCGT_ENSURE(relay_check_distinct(names, (size_t)npath + 1));

  memset(out, 0, sizeof(*out));
  out->origin = names[0];
  out->npath = npath;
  for (size_t i = 0; i < npath; i++)
    out->path[i] = names[i + 1];
  return 0;
}

/* Canonical form: origin first, then the path in order, each name right
 * after the previous one's NUL. */
ssize_t ncgt_relay_encode(uint8_t *dst, size_t cap,
                          const ncgt_frame_relay *in) {
  ncgt_wr w;
  const char *names[RELAY_NAMES_MAX];
  size_t lens[RELAY_NAMES_MAX];
  NCGT_ENSURE_COND(in != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(relay_check_npath(in->npath));
  names[0] = in->origin;
  for (size_t i = 0; i < in->npath; i++)
    names[i + 1] = in->path[i];
  size_t n = in->npath + 1;
  for (size_t i = 0; i < n; i++)
    NCGT_ENSURE(ncgt_name_len(names[i], &lens[i]));
  NCGT_ENSURE(relay_check_distinct(names, n));

  NCGT_ENSURE(ncgt_frame_begin(&w, dst, cap, NCGT_FRAME_RELAY));
  /* At most RELAY_NAMES_MAX * (NCGT_NAME_MAX + 1) = 4352 bytes of names:
   * every index fits its u16. */
  size_t off = 0;
  ncgt_wr_u16(&w, (uint16_t)off);
  ncgt_wr_u16(&w, (uint16_t)in->npath);
  for (size_t i = 1; i < n; i++) {
    off += lens[i - 1] + 1;
    ncgt_wr_u16(&w, (uint16_t)off);
  }
  for (size_t i = 0; i < n; i++)
    ncgt_wr_bytes(&w, names[i], lens[i] + 1); /* with its NUL */
  return ncgt_frame_end(&w);
}
