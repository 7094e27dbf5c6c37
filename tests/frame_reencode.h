/*
 * Test and fuzz helper (not part of the library): decode one whole frame
 * with the decoder its type byte names, then encode the decoded struct
 * again. Decoders accept only the canonical layout (doc/protocol.md), so a
 * frame that decodes must re-encode to exactly the same bytes.
 */
#ifndef NCGT_TEST_FRAME_REENCODE_H
#define NCGT_TEST_FRAME_REENCODE_H

#include <ncgtun/frame.h>

/* Returns the decoder's status (<0) when the frame is rejected, else the
 * encoder's result: the re-encoded length or a negative status. `*type`
 * is set to the frame's type byte (0 when there is none). */
static inline ssize_t ncgt_test_reencode(const uint8_t *f, size_t len,
                                         uint8_t *out, size_t cap,
                                         uint8_t *type) {
  int rv;
  *type = len > 4 ? f[4] : 0;
  switch (*type) {
  case NCGT_FRAME_RELAY: {
    ncgt_frame_relay v;
    if ((rv = ncgt_relay_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_relay_encode(out, cap, &v);
  }
  case NCGT_FRAME_REQUEST: {
    ncgt_frame_request v;
    if ((rv = ncgt_request_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_request_encode(out, cap, &v);
  }
  case NCGT_FRAME_RESPONSE: {
    ncgt_frame_response v;
    if ((rv = ncgt_response_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_response_encode(out, cap, &v);
  }
  case NCGT_FRAME_DATA: {
    ncgt_frame_data v;
    if ((rv = ncgt_data_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_data_encode(out, cap, &v);
  }
  case NCGT_FRAME_CLOSE: {
    ncgt_frame_close v;
    if ((rv = ncgt_close_decode(&v, f, len)) < 0)
      return rv;
    return ncgt_close_encode(out, cap, &v);
  }
  default: {
    ncgt_frame_hdr h;
    rv = ncgt_frame_check_hdr(f, len, NCGT_FRAME_MAX_LIMIT, &h);
    return rv < 0 ? rv : NCGT_ERR_INTERNAL;
  }
  }
}

#endif /* NCGT_TEST_FRAME_REENCODE_H */
