/*
 * libFuzzer target: the client data decoder (patent Fig. 23, RFC 2132
 * options; lib/ncgt_clientdata.c). The input is the option bytes, copied
 * to an exact-size block. Beyond "no crash": a failed decode leaves the
 * struct zeroed; a successful one passes ncgt_client_config_check,
 * re-encodes within NCGT_CC_ENCODED_MAX into a buffer of exactly its size,
 * and decoding that gives an equal struct.
 */
#include <ncgtun/adapter.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const ncgt_client_config zero;
  ncgt_client_config cc, back;
  uint8_t enc[NCGT_CC_ENCODED_MAX];
  uint8_t *in = fuzz_dup(data, size);
  int rv = ncgt_client_config_decode(&cc, in, size);
  free(in);
  if (rv < 0) {
    FUZZ_CHECK(memcmp(&cc, &zero, sizeof cc) == 0);
    return 0;
  }
  FUZZ_CHECK(rv == 0 && ncgt_client_config_check(&cc) == 0);
  ssize_t n = ncgt_client_config_encode(enc, sizeof enc, &cc);
  FUZZ_CHECK(n > 0 && (size_t)n <= sizeof enc);
  uint8_t *exact = fuzz_dup(enc, (size_t)n);
  FUZZ_CHECK(ncgt_client_config_encode(exact, (size_t)n, &cc) == n);
  FUZZ_CHECK(ncgt_client_config_decode(&back, exact, (size_t)n) == 0);
  free(exact);
  FUZZ_CHECK(memcmp(&cc, &back, sizeof cc) == 0);
  return 0;
}
