/*
 * libFuzzer target: the initiator side of the handshake (patent Fig. 11
 * Response Wait, Noise IKpsk2 message 2) after a fixed REQUEST
 * (fuzz_fixed.h).
 *
 * Input: [u8 mode][RESPONSE frame]; the header is patched (fuzz_frame.h).
 * mode bit 0: open with the fixed PSK instead of none; bit 1: offer only
 * ChaCha20-Poly1305 (the REQUEST offered both, so a choice of AES-GCM is
 * then a downgrade the initiator must refuse). Seeds are RESPONSEs the
 * library's responder built to that REQUEST (fuzz/gen_seeds.c).
 *
 * Checks: success only with a transform that is one bit of the offer and
 * equals the clear field; client data within bounds; the handshake then
 * splits into two different keys.
 */
#include "fuzz_fixed.h"
#include "fuzz_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static ncgt_hs hs0;
  static int ready;
  if (!ready) {
    uint8_t req[NCGT_REQUEST_FIXED_LEN + 2 * NCGT_NAME_MAX + NCGT_KX_MAX];
    FUZZ_CHECK(fz_fixed_request(&hs0, req, sizeof req) > 0);
    ready = 1;
  }
  if (size < 1)
    return 0;
  uint8_t mode = data[0];
  uint8_t *in = fuzz_frame_from(data + 1, size - 1, NCGT_FRAME_RESPONSE);
  if (!in)
    return 0;
  uint8_t psk[32];
  fz_key(psk, FZ_PSK);
  uint16_t offered = (mode & 2) ? NCGT_TRANSFORM_CHACHA20POLY1305
                                : NCGT_TRANSFORMS_ALL;

  ncgt_hs hs = hs0;
  ncgt_frame_response resp;
  ncgt_response_info info;
  if (ncgt_response_decode(&resp, in, size - 1) == 0 &&
      ncgt_response_open(&hs, &resp, (mode & 1) ? psk : NULL, offered,
                         &info) == 0) {
    FUZZ_CHECK(info.transform == resp.transform);
    FUZZ_CHECK((info.transform & offered) == info.transform);
    FUZZ_CHECK(info.transform != 0 &&
               (info.transform & (info.transform - 1)) == 0);
    FUZZ_CHECK(info.client_data_len <= NCGT_CLIENT_DATA_MAX);
    uint8_t tx[32], rx[32];
    FUZZ_CHECK(ncgt_hs_split(&hs, tx, rx) == 0);
    FUZZ_CHECK(memcmp(tx, rx, 32) != 0);
  }
  ncgt_hs_wipe(&hs);
  free(in);
  return 0;
}
