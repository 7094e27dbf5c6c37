/*
 * Key exchange frames: REQUEST (patent Fig. 7) and RESPONSE (Fig. 8).
 * Both carry u16 indexes into a trailing string buffer (Fig. 7 field 138,
 * Fig. 8 field 163) that holds the destination name (REQUEST only) and
 * the key exchange data (Fig. 7 field 130, Fig. 8 field 156). What is
 * inside the key exchange data is the handshake's business
 * (doc/handshake.md). Layout: doc/protocol.md "REQUEST", "RESPONSE".
 */
#include <string.h>

#include "ncgt_frame_int.h"

static int kx_check_len(size_t kxlen) {
  NCGT_ENSURE_COND(kxlen >= 1 && kxlen <= NCGT_KX_MAX, NCGT_ERR_BAD_VALUE);
  return 0;
}

static int kx_check(const uint8_t *kx, size_t kxlen) {
  NCGT_ENSURE(kx_check_len(kxlen));
  NCGT_ENSURE_COND(kx != NULL, NCGT_ERR_INVALID_ARGUMENT);
  return 0;
}

/* Fig. 7 field 134 / Fig. 8 field 160. */
static int kx_check_flags(uint16_t flags) {
  NCGT_ENSURE_COND((flags & ~(unsigned)NCGT_KX_FLAGS_KNOWN) == 0,
                   NCGT_ERR_BAD_FLAGS);
  return 0;
}

/* Fig. 7 field 132: a non-empty offer. Bits this version does not know are
 * allowed so a newer peer can offer more; the handshake picks among the
 * known ones (NCGT_ERR_NO_TRANSFORM when there is none). */
static int request_check_offer(uint16_t transforms) {
  NCGT_ENSURE_COND(transforms != 0, NCGT_ERR_BAD_VALUE);
  return 0;
}

/* Fig. 8 field 158: exactly one transform this version knows. */
static int response_check_choice(uint16_t t) {
  NCGT_ENSURE_COND(t != 0 && (t & (t - 1u)) == 0 &&
                       (t & ~(unsigned)NCGT_TRANSFORMS_ALL) == 0,
                   NCGT_ERR_BAD_VALUE);
  return 0;
}

int ncgt_request_decode(ncgt_frame_request *out, const uint8_t *buf,
                        size_t len) {
  ncgt_rd r;
  ncgt_frame_request q;
  uint16_t dest_idx = 0, kx_idx = 0, kxlen = 0;
  const uint8_t *sb = NULL;
  ncgt_span spans[2];
  NCGT_ENSURE_COND(out != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(ncgt_frame_open(&r, buf, len, NCGT_FRAME_REQUEST));
  memset(&q, 0, sizeof(q));
  ncgt_rd_u16(&r, &q.flags);      /* field 134 */
  ncgt_rd_u16(&r, &q.transforms); /* field 132 */
  ncgt_rd_u16(&r, &dest_idx);     /* field 128 */
  ncgt_rd_u16(&r, &kx_idx);       /* field 130 */
  NCGT_ENSURE(ncgt_rd_u16(&r, &kxlen));
  NCGT_ENSURE(kx_check_flags(q.flags));
  NCGT_ENSURE(request_check_offer(q.transforms));
  NCGT_ENSURE(kx_check_len(kxlen));
  size_t sblen = ncgt_rd_left(&r); /* field 138 */
  NCGT_ENSURE(ncgt_rd_ptr(&r, &sb, sblen));
  NCGT_ENSURE(ncgt_strbuf_name(sb, sblen, dest_idx, &q.dest, &spans[0]));
  NCGT_ENSURE(ncgt_strbuf_bytes(sb, sblen, kx_idx, kxlen, &q.kx, &spans[1]));
  NCGT_ENSURE(ncgt_spans_check(spans, 2, sblen));
  q.kxlen = kxlen;
  *out = q;
  return 0;
}

/* Canonical form: destination name at index 0, key exchange data after
 * its NUL. */
ssize_t ncgt_request_encode(uint8_t *dst, size_t cap,
                            const ncgt_frame_request *in) {
  ncgt_wr w;
  size_t dlen = 0;
  NCGT_ENSURE_COND(in != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(kx_check_flags(in->flags));
  NCGT_ENSURE(request_check_offer(in->transforms));
  NCGT_ENSURE(ncgt_name_len(in->dest, &dlen));
  NCGT_ENSURE(kx_check(in->kx, in->kxlen));

  NCGT_ENSURE(ncgt_frame_begin(&w, dst, cap, NCGT_FRAME_REQUEST));
  ncgt_wr_u16(&w, in->flags);
  ncgt_wr_u16(&w, in->transforms);
  ncgt_wr_u16(&w, 0);                      /* dest index */
  ncgt_wr_u16(&w, (uint16_t)(dlen + 1));   /* kx index: <= 256 */
  ncgt_wr_u16(&w, (uint16_t)in->kxlen);    /* <= NCGT_KX_MAX */
  ncgt_wr_bytes(&w, in->dest, dlen + 1);
  ncgt_wr_bytes(&w, in->kx, in->kxlen);
  return ncgt_frame_end(&w);
}

int ncgt_response_decode(ncgt_frame_response *out, const uint8_t *buf,
                         size_t len) {
  ncgt_rd r;
  ncgt_frame_response p;
  uint16_t kx_idx = 0, kxlen = 0;
  const uint8_t *sb = NULL;
  ncgt_span span;
  NCGT_ENSURE_COND(out != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(ncgt_frame_open(&r, buf, len, NCGT_FRAME_RESPONSE));
  memset(&p, 0, sizeof(p));
  ncgt_rd_u16(&r, &p.flags);     /* field 160 */
  ncgt_rd_u16(&r, &p.transform); /* field 158 */
  ncgt_rd_u16(&r, &kx_idx);      /* field 156 */
  NCGT_ENSURE(ncgt_rd_u16(&r, &kxlen));
  NCGT_ENSURE(kx_check_flags(p.flags));
  NCGT_ENSURE(response_check_choice(p.transform));
  NCGT_ENSURE(kx_check_len(kxlen));
  size_t sblen = ncgt_rd_left(&r); /* field 163 */
  NCGT_ENSURE(ncgt_rd_ptr(&r, &sb, sblen));
  NCGT_ENSURE(ncgt_strbuf_bytes(sb, sblen, kx_idx, kxlen, &p.kx, &span));
  NCGT_ENSURE(ncgt_spans_check(&span, 1, sblen));
  p.kxlen = kxlen;
  *out = p;
  return 0;
}

ssize_t ncgt_response_encode(uint8_t *dst, size_t cap,
                             const ncgt_frame_response *in) {
  ncgt_wr w;
  NCGT_ENSURE_COND(in != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(kx_check_flags(in->flags));
  NCGT_ENSURE(response_check_choice(in->transform));
  NCGT_ENSURE(kx_check(in->kx, in->kxlen));

  NCGT_ENSURE(ncgt_frame_begin(&w, dst, cap, NCGT_FRAME_RESPONSE));
  ncgt_wr_u16(&w, in->flags);
  ncgt_wr_u16(&w, in->transform);
  ncgt_wr_u16(&w, 0); /* kx index */
  ncgt_wr_u16(&w, (uint16_t)in->kxlen);
  ncgt_wr_bytes(&w, in->kx, in->kxlen);
  return ncgt_frame_end(&w);
}
