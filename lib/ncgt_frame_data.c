/*
 * DATA (patent Fig. 9) and CLOSE (Fig. 10) frames: fixed headers followed
 * by lengths-described payloads. The AEAD sealing them lives in the
 * transform module; this file only lays the bytes out.
 * Layout: doc/protocol.md "DATA", "CLOSE".
 */
#include <string.h>

#include "ncgt_frame_int.h"

/* Fields 176, 180, 178/182 and 186 of Fig. 9. */
static int data_check(const ncgt_frame_data *d) {
  NCGT_ENSURE_COND((d->flags & ~(unsigned)NCGT_DATA_FLAGS_KNOWN) == 0,
                   NCGT_ERR_BAD_FLAGS);
  switch (d->proto) {
  case NCGT_DATA_PROTO_NONE: /* keepalive: nothing inside */
    NCGT_ENSURE_COND(d->dglen == 0, NCGT_ERR_BAD_VALUE);
    break;
  case NCGT_DATA_PROTO_IPV4:
  case NCGT_DATA_PROTO_IPV6:
    NCGT_ENSURE_COND(d->dglen != 0, NCGT_ERR_BAD_VALUE);
    break;
  default:
    return NCGT_ERR_BAD_VALUE;
  }
  /* Every DATA frame is sealed: the digest is the AEAD tag. */
  NCGT_ENSURE_COND(d->digestlen == NCGT_DIGEST_LEN, NCGT_ERR_BAD_VALUE);
  return 0;
}

static size_t data_total(const ncgt_frame_data *d) {
  return (size_t)NCGT_DATA_HDR_LEN + d->digestlen + d->dglen + d->padlen;
}

int ncgt_data_decode(ncgt_frame_data *out, const uint8_t *buf, size_t len) {
  ncgt_rd r;
  ncgt_frame_data d;
  NCGT_ENSURE_COND(out != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(ncgt_frame_open(&r, buf, len, NCGT_FRAME_DATA));
  memset(&d, 0, sizeof(d));
  ncgt_rd_u8(&r, &d.proto);    /* field 176 */
  ncgt_rd_u8(&r, &d.flags);    /* field 180 */
  ncgt_rd_u16(&r, &d.dglen);   /* field 178/182 */
  ncgt_rd_u8(&r, &d.padlen);   /* field 184 */
  NCGT_ENSURE(ncgt_rd_u8(&r, &d.digestlen)); /* field 186 */
  NCGT_ENSURE(data_check(&d));
  NCGT_ENSURE(ncgt_frame_len_check(r.len, data_total(&d)));
  ncgt_rd_ptr(&r, &d.digest, d.digestlen); /* field 187 */
  /* fields 188 + 189: ciphertext of datagram, then padding */
  NCGT_ENSURE(ncgt_rd_ptr(&r, &d.body, (size_t)d.dglen + d.padlen));
  *out = d;
  return 0;
}

/* Writes the header (the AEAD's associated data) into a fresh writer. The
 * length field covers what follows it too; data_total() is at most
 * NCGT_FRAME_MAX_DEFAULT, so it fits the u32. */
static int data_write_hdr(ncgt_wr *w, uint8_t *dst, size_t cap,
                          const ncgt_frame_data *in) {
  NCGT_ENSURE(data_check(in));
  NCGT_ENSURE(ncgt_frame_begin(w, dst, cap, NCGT_FRAME_DATA));
  ncgt_wr_u8(w, in->proto);
  ncgt_wr_u8(w, in->flags);
  ncgt_wr_u16(w, in->dglen);
  ncgt_wr_u8(w, in->padlen);
  NCGT_ENSURE(ncgt_wr_u8(w, in->digestlen));
  ncgt_put_u32(w->p, (uint32_t)data_total(in));
  return 0;
}

ssize_t ncgt_data_encode_hdr(uint8_t *dst, size_t cap,
                             const ncgt_frame_data *in) {
  ncgt_wr w;
  NCGT_ENSURE_COND(in != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(data_write_hdr(&w, dst, cap, in));
  return (ssize_t)w.off;
}

ssize_t ncgt_data_encode(uint8_t *dst, size_t cap, const ncgt_frame_data *in) {
  ncgt_wr w;
  NCGT_ENSURE_COND(in != NULL, NCGT_ERR_INVALID_ARGUMENT);
  size_t bodylen = (size_t)in->dglen + in->padlen;
  NCGT_ENSURE_COND(in->digest != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(in->body != NULL || bodylen == 0,
                   NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(data_write_hdr(&w, dst, cap, in));
  ncgt_wr_bytes(&w, in->digest, in->digestlen);
  NCGT_ENSURE(ncgt_wr_bytes(&w, in->body, bodylen));
  return (ssize_t)w.off;
}

/* Fig. 10 has only field 193; the rest is this protocol's addition
 * (doc/protocol.md "CLOSE"). */
static int close_check(const ncgt_frame_close *c) {
  NCGT_ENSURE_COND((c->flags & ~(unsigned)NCGT_CLOSE_FLAGS_KNOWN) == 0,
                   NCGT_ERR_BAD_FLAGS);
  int auth = (c->flags & NCGT_CLOSE_FLAG_AUTH) != 0;
  /* A key phase names the key of a digest; without one it means nothing. */
  NCGT_ENSURE_COND(auth || !(c->flags & NCGT_CLOSE_FLAG_KEY_PHASE),
                   NCGT_ERR_BAD_FLAGS);
  NCGT_ENSURE_COND(c->digestlen == (auth ? NCGT_DIGEST_LEN : 0),
                   NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND(c->infolen <= NCGT_CLOSE_INFO_MAX, NCGT_ERR_BAD_VALUE);
  return 0;
}

int ncgt_close_decode(ncgt_frame_close *out, const uint8_t *buf, size_t len) {
  ncgt_rd r;
  ncgt_frame_close c;
  uint16_t infolen = 0;
  NCGT_ENSURE_COND(out != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(ncgt_frame_open(&r, buf, len, NCGT_FRAME_CLOSE));
  memset(&c, 0, sizeof(c));
  ncgt_rd_u16(&r, &c.status); /* field 193 */
  ncgt_rd_u8(&r, &c.flags);
  ncgt_rd_u8(&r, &c.digestlen);
  ncgt_rd_u32(&r, &c.retry_after);
  NCGT_ENSURE(ncgt_rd_u16(&r, &infolen));
  c.infolen = infolen;
  NCGT_ENSURE(close_check(&c));
  NCGT_ENSURE(ncgt_frame_len_check(
      r.len, (size_t)NCGT_CLOSE_HDR_LEN + c.infolen + c.digestlen));
  if (c.infolen)
    ncgt_rd_ptr(&r, &c.info, c.infolen);
  if (c.digestlen)
    ncgt_rd_ptr(&r, &c.digest, c.digestlen);
  NCGT_ENSURE(r.err);
  *out = c;
  return 0;
}

ssize_t ncgt_close_encode(uint8_t *dst, size_t cap,
                          const ncgt_frame_close *in) {
  ncgt_wr w;
  uint8_t *dig = NULL;
  NCGT_ENSURE_COND(in != NULL, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(close_check(in));
  NCGT_ENSURE_COND(in->info != NULL || in->infolen == 0,
                   NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(ncgt_frame_begin(&w, dst, cap, NCGT_FRAME_CLOSE));
  ncgt_wr_u16(&w, in->status);
  ncgt_wr_u8(&w, in->flags);
  ncgt_wr_u8(&w, in->digestlen);
  ncgt_wr_u32(&w, in->retry_after);
  ncgt_wr_u16(&w, (uint16_t)in->infolen);
  ncgt_wr_bytes(&w, in->info, in->infolen);
  NCGT_ENSURE(ncgt_wr_reserve(&w, &dig, in->digestlen));
  if (in->digestlen) {
    /* Without a digest the caller seals the frame in place afterwards. */
    if (in->digest)
      memcpy(dig, in->digest, in->digestlen);
    else
      memset(dig, 0, in->digestlen);
  }
  return ncgt_frame_end(&w);
}
