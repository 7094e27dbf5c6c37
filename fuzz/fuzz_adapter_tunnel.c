/*
 * libFuzzer target: the pseudo network adapter fed datagrams from the
 * tunnel (patent Fig. 18 step 356: Ethernet header rebuilt; server role
 * anti-spoofing; MSS clamping), and now and then a frame from the stack.
 * Input format and checks: fuzz_adapter.h.
 */
#include "fuzz_adapter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fa_run(data, size, 0, 0);
}
