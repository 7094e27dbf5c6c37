/*
 * Streaming frame decoder: TCP bytes in any split -> whole frames.
 *
 * The common header (Figs. 6-10: length, type, version) is checked the
 * moment its 6 bytes are known, before a single body byte is buffered, so
 * a hostile length costs nothing. The buffer is allocated once, at
 * creation, and sized to the configured maximum. A frame that arrives
 * whole inside one input chunk is returned in place without copying.
 * Rules: doc/protocol.md "Stream decoder".
 */
#include <stdlib.h>
#include <string.h>

#include "ncgt_frame_int.h"

struct ncgt_fdec {
  size_t max_frame;
  size_t have; /* bytes of the current frame in buf */
  size_t need; /* its length once the header is checked, else 0 */
  int err;     /* sticky: first error, then every call returns it */
  uint8_t buf[];
};

/* Smallest maximum that still admits the largest fixed part. */
static size_t fdec_min_max(void) {
  size_t m = 0;
  for (unsigned t = NCGT_FRAME_RELAY; t <= NCGT_FRAME_CLOSE; t++) {
    size_t f = ncgt_frame_fixed_len((uint8_t)t);
    if (f > m)
      m = f;
  }
  return m;
}

int ncgt_fdec_new(ncgt_fdec **pdec, size_t max_frame) {
  NCGT_ENSURE_COND(pdec != NULL, NCGT_ERR_INVALID_ARGUMENT);
  *pdec = NULL;
  if (max_frame == 0)
    max_frame = NCGT_FRAME_MAX_DEFAULT;
  NCGT_ENSURE_COND(max_frame >= fdec_min_max() &&
                       max_frame <= NCGT_FRAME_MAX_LIMIT,
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_fdec *d = malloc(sizeof(*d) + max_frame);
  NCGT_ENSURE_COND(d != NULL, NCGT_ERR_NOMEM);
  d->max_frame = max_frame;
  d->have = 0;
  d->need = 0;
  d->err = 0;
  *pdec = d;
  return 0;
}

void ncgt_fdec_del(ncgt_fdec *dec) { free(dec); }

size_t ncgt_fdec_pending(const ncgt_fdec *dec) {
  return dec ? dec->have : 0;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Checks the header in hdr[0..6); on success the frame's length is known */
static int fdec_check(ncgt_fdec *dec, const uint8_t *hdr) {
  ncgt_frame_hdr h;
  int rv = ncgt_frame_check_hdr(hdr, NCGT_FRAME_HDR_LEN, dec->max_frame, &h);
  if (rv < 0)
    return dec->err = rv;
  dec->need = h.length;
  return 0;
}

ssize_t ncgt_fdec_feed(ncgt_fdec *dec, const uint8_t *data, size_t len,
                       const uint8_t **frame, size_t *framelen) {
  NCGT_ENSURE_COND(dec && frame && framelen && (data || len == 0),
                   NCGT_ERR_INVALID_ARGUMENT);
  *frame = NULL;
  *framelen = 0;
  if (dec->err)
    return dec->err;
  if (len == 0)
    return 0;

  /* Fast path: a whole frame at the start of the input, nothing buffered */
  if (dec->have == 0 && len >= NCGT_FRAME_HDR_LEN) {
    NCGT_ENSURE(fdec_check(dec, data));
    if (len >= dec->need) {
      *frame = data;
      *framelen = dec->need;
      dec->need = 0;
      return (ssize_t)*framelen;
    }
  }

  size_t used = 0;
  if (dec->need == 0) { /* still collecting the header */
    used = min_size(NCGT_FRAME_HDR_LEN - dec->have, len);
    memcpy(dec->buf + dec->have, data, used);
    dec->have += used;
    if (dec->have < NCGT_FRAME_HDR_LEN)
      return (ssize_t)used;
    NCGT_ENSURE(fdec_check(dec, dec->buf));
  }
  /* need <= max_frame, the size of buf: checked before this copy. */
  size_t take = min_size(dec->need - dec->have, len - used);
  if (take)
    memcpy(dec->buf + dec->have, data + used, take);
  dec->have += take;
  used += take;
  if (dec->have == dec->need) {
    *frame = dec->buf;
    *framelen = dec->need;
    dec->have = 0;
    dec->need = 0;
  }
  return (ssize_t)used;
}

int ncgt_fdec_owns(const ncgt_fdec *dec, const uint8_t *p) {
  return dec && p == dec->buf;
}
