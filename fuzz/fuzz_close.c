/* libFuzzer target: CLOSE decoder (patent Fig. 10), decode/encode
 * identity. See fuzz_frame.h. */
#include "fuzz_frame.h"

static int same(const ncgt_frame_close *a, const ncgt_frame_close *b) {
  return a->status == b->status && a->flags == b->flags &&
         a->digestlen == b->digestlen && a->retry_after == b->retry_after &&
         a->infolen == b->infolen &&
         fuzz_same_bytes(a->info, b->info, a->infolen) &&
         fuzz_same_bytes(a->digest, b->digest, a->digestlen);
}

FUZZ_DECODER_TARGET(close, ncgt_frame_close, NCGT_FRAME_CLOSE, same)
