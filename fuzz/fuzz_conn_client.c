/*
 * libFuzzer target: a whole initiator endpoint (patent Fig. 11), after
 * transport_connected, fed a script of
 * transport bytes, transport events, datagrams, closes and time, with
 * callbacks failing as the script says. Format and checks: fuzz_conn.h;
 * seeds: a recorded real session (fuzz/gen_seeds.c).
 */
#include "fuzz_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fc_run(data, size, 0);
  return 0;
}
