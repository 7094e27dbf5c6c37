/*
 * Test and fuzz helper (not part of the library): decode one whole frame
 * with the decoder its type byte names, then encode the decoded struct
 * again. Decoders accept only the canonical layout (doc/protocol.md), so a
 * frame that decodes must re-encode to exactly the same bytes.
 */
#ifndef NCGT_TEST_FRAME_REENCODE_H
#define NCGT_TEST_FRAME_REENCODE_H

#include <ncgtun/frame.h>

/* Sets *dec_rv to the decoder's status. Returns that status when it is
 * negative (frame rejected), else the encoder's result: the re-encoded
 * length or a negative status. */
static inline ssize_t ncgt_test_reencode(const uint8_t *f, size_t len,
                                         uint8_t *out, size_t cap,
                                         int *dec_rv) {
  int rv;
  uint8_t type = len > 4 ? f[4] : 0;
  *dec_rv = 0;
  switch (type) {
  case NCGT_FRAME_RELAY: {
    ncgt_frame_relay v;
    if ((*dec_rv = rv = ncgt_relay_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_relay_encode(out, cap, &v);
  }
  case NCGT_FRAME_REQUEST: {
    ncgt_frame_request v;
    if ((*dec_rv = rv = ncgt_request_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_request_encode(out, cap, &v);
  }
  case NCGT_FRAME_RESPONSE: {
    ncgt_frame_response v;
    if ((*dec_rv = rv = ncgt_response_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_response_encode(out, cap, &v);
  }
  case NCGT_FRAME_DATA: {
    ncgt_frame_data v;
    if ((*dec_rv = rv = ncgt_data_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_data_encode(out, cap, &v);
  }
  case NCGT_FRAME_CLOSE: {
    ncgt_frame_close v;
    if ((*dec_rv = rv = ncgt_close_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_close_encode(out, cap, &v);
  }
  default: {
    ncgt_frame_hdr h;
    *dec_rv = rv = ncgt_frame_check_hdr(f, len, NCGT_FRAME_MAX_LIMIT, &h);
    return rv < 0 ? rv : NCGT_ERR_INTERNAL;
  }
  }
}

#endif /* NCGT_TEST_FRAME_REENCODE_H */
