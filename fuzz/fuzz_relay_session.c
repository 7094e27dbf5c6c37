/*
 * libFuzzer target: one tunnel relay session (patent Fig. 13, ncgt_rsess)
 * fed arbitrary bytes on both sides, connect success / failure and time
 * from a script. Format and checks: fuzz_relay_session.h; seeds from
 * fuzz/gen_seeds.c.
 */
#include "fuzz_relay_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in;
  fr f;
  fuzz_in_init(&in, data, size);
  fr_init(&f);
  while (fuzz_in_left(&in) > 0) {
    uint8_t op = fuzz_in_u8(&in);
    uint16_t delay = fuzz_in_u16(&in);
    uint8_t fail = fuzz_in_u8(&in);
    size_t n = 0;
    const uint8_t *p = fuzz_in_bytes(&in, fuzz_in_u16(&in), &n);
    fr_step(&f, op, delay, fail, p, n);
  }
  fr_fini(&f);
  return 0;
}
