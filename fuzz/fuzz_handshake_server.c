/*
 * libFuzzer target: the responder side of the handshake (patent Fig. 12
 * step 223, Noise IKpsk2 message 1) under a fixed server static key.
 *
 * Input: a REQUEST frame; its header is patched (fuzz_frame.h) so every
 * input reaches the body and the Noise checks. Seeds are REQUESTs built
 * with the library under the same keys (fuzz/gen_seeds.c), so mutations
 * of the clear fields (prologue), the ephemeral, the encrypted static and
 * the payload all reach decryption.
 *
 * Checks: a REQUEST opens only if it was made with a key that knows the
 * server's static key; all fixed seeds use the fixed client key, and the
 * fuzzer cannot forge an AEAD tag, so success means the authenticated
 * client key is exactly that one. The user name is NUL-terminated inside
 * its buffer, the offer is what the clear field says. RESPONSE then builds
 * into a buffer of exactly its size and decodes.
 */
#include "fuzz_fixed.h"
#include "fuzz_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *in = fuzz_frame_from(data, size, NCGT_FRAME_REQUEST);
  if (!in)
    return 0;
  uint8_t spriv[32], cpub[32], epriv[32];
  fz_key(spriv, FZ_SERVER_STATIC);
  fz_pub(cpub, FZ_CLIENT_STATIC);
  fz_key(epriv, FZ_SERVER_EPH);

  ncgt_frame_request req;
  ncgt_request_info info;
  ncgt_hs hs;
  memset(&hs, 0, sizeof hs);
  memset(&info, 0xA5, sizeof info); /* no stale NUL hides a missing one */
  if (ncgt_request_decode(&req, in, size) == 0 &&
      ncgt_request_open(&hs, &req, spriv, &info) == 0) {
    FUZZ_CHECK(memcmp(info.client_pub, cpub, 32) == 0);
    FUZZ_CHECK(memchr(info.user, 0, sizeof info.user) != NULL);
    FUZZ_CHECK(info.transforms == req.transforms);
    FUZZ_CHECK(info.flags == req.flags);

    static const uint8_t cd[] = {50, 4, 10, 77, 0, 10, 255};
    ncgt_response_params rp = {.transform = NCGT_TRANSFORM_CHACHA20POLY1305,
                               .key_lifetime = 120,
                               .client_data = cd,
                               .client_data_len = sizeof cd,
                               .e_priv = epriv};
    uint8_t big[NCGT_RESPONSE_FIXED_LEN + NCGT_KX_MAX];
    ncgt_hs hs2 = hs;
    ssize_t n = ncgt_response_build(&hs2, &rp, big, sizeof big);
    FUZZ_CHECK(n > 0);
    /* exactly that much room is enough */
    uint8_t *out = fuzz_dup(big, (size_t)n);
    FUZZ_CHECK(ncgt_response_build(&hs, &rp, out, (size_t)n) == n);
    FUZZ_CHECK(memcmp(out, big, (size_t)n) == 0);
    ncgt_frame_response resp;
    FUZZ_CHECK(ncgt_response_decode(&resp, out, (size_t)n) == 0);
    FUZZ_CHECK(resp.transform == rp.transform);
    free(out);
    ncgt_hs_wipe(&hs2);
  }
  ncgt_hs_wipe(&hs);
  free(in);
  return 0;
}
