/* libFuzzer target: RELAY decoder (patent Fig. 6), decode/encode identity.
 * See fuzz_frame.h. */
#include "fuzz_frame.h"

static int same(const ncgt_frame_relay *a, const ncgt_frame_relay *b) {
  if (a->npath != b->npath || !fuzz_same_str(a->origin, b->origin))
    return 0;
  for (size_t i = 0; i < a->npath; i++)
    if (!fuzz_same_str(a->path[i], b->path[i]))
      return 0;
  return 1;
}

FUZZ_DECODER_TARGET(relay, ncgt_frame_relay, NCGT_FRAME_RELAY, same)
