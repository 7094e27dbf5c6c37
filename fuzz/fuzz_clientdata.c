/*
 * libFuzzer target: the client data decoder (patent Fig. 23; RFC 2132
 * options, RFC 3442 routes), ncgt_client_config_decode.
 *
 * Input: the option bytes, as an exact-size heap copy.
 *
 * Checks: a failed decode leaves the struct zeroed; a successful one is a
 * config ncgt_client_config_check accepts, with the domain NUL-terminated,
 * and decode -> encode -> decode gives an equal config, the encoding no
 * longer than NCGT_CC_ENCODED_MAX and encoding again gives the same
 * bytes.
 */
#include <ncgtun/adapter.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const ncgt_client_config zero;
  uint8_t *in = fuzz_dup(data, size);
  ncgt_client_config a, b;
  memset(&a, 0xA5, sizeof a);
  if (ncgt_client_config_decode(&a, in, size) != 0) {
    FUZZ_CHECK(memcmp(&a, &zero, sizeof a) == 0);
  } else {
    FUZZ_CHECK(ncgt_client_config_check(&a) == 0);
    FUZZ_CHECK(a.domain_len <= NCGT_CC_DOMAIN_MAX);
    FUZZ_CHECK(a.domain[a.domain_len] == 0);
    FUZZ_CHECK(a.nroutes <= NCGT_CC_ROUTES_MAX && a.ndns <= NCGT_CC_DNS_MAX);
    uint8_t enc[NCGT_CC_ENCODED_MAX], enc2[NCGT_CC_ENCODED_MAX];
    ssize_t n = ncgt_client_config_encode(enc, sizeof enc, &a);
    FUZZ_CHECK(n > 0 && n <= NCGT_CC_ENCODED_MAX);
    uint8_t *e = fuzz_dup(enc, (size_t)n);
    FUZZ_CHECK(ncgt_client_config_decode(&b, e, (size_t)n) == 0);
    FUZZ_CHECK(memcmp(&a, &b, sizeof a) == 0);
    FUZZ_CHECK(ncgt_client_config_encode(enc2, (size_t)n, &b) == n);
    FUZZ_CHECK(memcmp(enc, enc2, (size_t)n) == 0);
    free(e);
  }
  free(in);
  return 0;
}
