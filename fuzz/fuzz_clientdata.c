/*
 * libFuzzer target: the client data decoder (patent Fig. 23, RFC 2132
 * options; lib/ncgt_clientdata.c). The input is the option bytes, copied
 * to an exact-size block. Beyond "no crash": a failed decode leaves the
 * struct zeroed; a successful one passes ncgt_client_config_check,
 * re-encodes within NCGT_CC_ENCODED_MAX into a buffer of exactly its size,
 * and decoding that gives an equal struct; the IPv6 options likewise.
 */
#include <ncgtun/adapter.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The IPv6 options (lib/ncgt_clientdata6.c) of the same list: zeroed on
 * failure; on success they pass the check and survive
 * encode6 / decode6 unchanged, within the 512-byte field. */
static void fuzz_clientdata6(const uint8_t *data, size_t size,
                             const ncgt_client_config *cc) {
  static const ncgt_client_config6 zero6;
  ncgt_client_config6 c6, back6;
  uint8_t enc[NCGT_CC_ENCODED_MAX + NCGT_CC6_ENCODED_MAX];
  uint8_t *in = fuzz_dup(data, size);
  int rv = ncgt_client_config6_decode(&c6, in, size);
  free(in);
  if (rv < 0) {
    FUZZ_CHECK(memcmp(&c6, &zero6, sizeof c6) == 0);
    return;
  }
  FUZZ_CHECK(ncgt_client_config6_check(&c6) == 0);
  ssize_t n = ncgt_client_config_encode6(enc, sizeof enc, cc, &c6);
  FUZZ_CHECK(n > 0 && (size_t)n <= 512);
  FUZZ_CHECK(ncgt_client_config6_decode(&back6, enc, (size_t)n) == 0);
  FUZZ_CHECK(memcmp(&c6, &back6, sizeof c6) == 0);
}

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
  fuzz_clientdata6(data, size, &cc);
  return 0;
}
