/* libFuzzer target: DATA decoder (patent Fig. 9), decode/encode identity.
 * See fuzz_frame.h. */
#include "fuzz_frame.h"

static int same(const ncgt_frame_data *a, const ncgt_frame_data *b) {
  return a->proto == b->proto && a->flags == b->flags &&
         a->dglen == b->dglen && a->padlen == b->padlen &&
         a->digestlen == b->digestlen &&
         fuzz_same_bytes(a->digest, b->digest, a->digestlen) &&
         fuzz_same_bytes(a->body, b->body, (size_t)a->dglen + a->padlen);
}

FUZZ_DECODER_TARGET(data, ncgt_frame_data, NCGT_FRAME_DATA, same)
