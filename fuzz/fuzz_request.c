/* libFuzzer target: REQUEST decoder (patent Fig. 7), decode/encode
 * identity. See fuzz_frame.h. */
#include "fuzz_frame.h"

static int same(const ncgt_frame_request *a, const ncgt_frame_request *b) {
  return a->flags == b->flags && a->transforms == b->transforms &&
         fuzz_same_str(a->dest, b->dest) && a->kxlen == b->kxlen &&
         fuzz_same_bytes(a->kx, b->kx, a->kxlen);
}

FUZZ_DECODER_TARGET(request, ncgt_frame_request, NCGT_FRAME_REQUEST, same)
