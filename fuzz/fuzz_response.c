/* libFuzzer target: RESPONSE decoder (patent Fig. 8), decode/encode
 * identity. See fuzz_frame.h. */
#include "fuzz_frame.h"

static int same(const ncgt_frame_response *a, const ncgt_frame_response *b) {
  return a->flags == b->flags && a->transform == b->transform &&
         a->kxlen == b->kxlen && fuzz_same_bytes(a->kx, b->kx, a->kxlen);
}

FUZZ_DECODER_TARGET(response, ncgt_frame_response, NCGT_FRAME_RESPONSE, same)
