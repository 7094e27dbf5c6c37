/*
 * libFuzzer target: the DATA and CLOSE open path (patent Fig. 9 digest,
 * claim 5) with a fixed key: decode, then ncgt_data_open or
 * ncgt_close_open.
 *
 * Input: [u8 sel][frame]. sel bit 0: transform (AES-256-GCM or
 * ChaCha20-Poly1305); bit 1: CLOSE instead of DATA; bits 2..4: the
 * receive counter (0..7) the frame is opened at. The header is patched
 * (fuzz_frame.h). Seeds are frames sealed with the library under the same
 * key at those counters (fuzz/gen_seeds.c).
 *
 * Checks: a frame that opens advanced the counter by exactly one, and
 * re-sealing what came out with the same key and counter gives identical
 * bytes (so nothing outside the AEAD's coverage can be altered); a frame
 * that does not open leaves the counter alone.
 */
#include "fuzz_fixed.h"
#include "fuzz_frame.h"
#include "ncgt_transform.h"

static void dirkey(ncgt_dirkey *k, unsigned transform, uint64_t counter) {
  uint8_t key[32];
  fz_key(key, FZ_DATA_KEY);
  memset(k, 0, sizeof *k);
  FUZZ_CHECK(ncgt_dirkey_set(k, transform, key) == 0);
  k->counter = counter;
}

static void data_case(unsigned tr, uint64_t ctr, const uint8_t *f, size_t n) {
  ncgt_frame_data fd;
  if (ncgt_data_decode(&fd, f, n) != 0)
    return;
  ncgt_dirkey k;
  dirkey(&k, tr, ctr);
  size_t bodylen = (size_t)fd.dglen + fd.padlen;
  uint8_t *pt = malloc(bodylen ? bodylen : 1); /* exact size */
  FUZZ_CHECK(pt != NULL);
  if (ncgt_data_open(&k, f, &fd, pt, bodylen) == 0) {
    FUZZ_CHECK(k.counter == ctr + 1);
    ncgt_dirkey k2;
    dirkey(&k2, tr, ctr);
    uint8_t *re = malloc(n);
    FUZZ_CHECK(re != NULL);
    ssize_t m = ncgt_data_seal(&k2, fd.flags, fd.proto, pt, fd.dglen,
                               fd.padlen, re, n);
    FUZZ_CHECK(m == (ssize_t)n);
    FUZZ_CHECK(memcmp(re, f, n) == 0);
    free(re);
    ncgt_dirkey_clear(&k2);
  } else {
    FUZZ_CHECK(k.counter == ctr);
  }
  free(pt);
  ncgt_dirkey_clear(&k);
}

static void close_case(unsigned tr, uint64_t ctr, const uint8_t *f, size_t n) {
  ncgt_frame_close fc;
  if (ncgt_close_decode(&fc, f, n) != 0)
    return;
  ncgt_dirkey k;
  dirkey(&k, tr, ctr);
  if (ncgt_close_open(&k, f, &fc) == 0) {
    FUZZ_CHECK(fc.flags & NCGT_CLOSE_FLAG_AUTH);
    ncgt_dirkey k2;
    dirkey(&k2, tr, ctr);
    uint8_t *re = malloc(n);
    FUZZ_CHECK(re != NULL);
    ssize_t m = ncgt_close_seal(&k2, fc.flags, fc.status, fc.retry_after,
                                fc.info, fc.infolen, re, n);
    FUZZ_CHECK(m == (ssize_t)n);
    FUZZ_CHECK(memcmp(re, f, n) == 0);
    free(re);
    ncgt_dirkey_clear(&k2);
  }
  ncgt_dirkey_clear(&k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  uint8_t sel = data[0];
  unsigned tr = (sel & 1) ? NCGT_TRANSFORM_CHACHA20POLY1305
                          : NCGT_TRANSFORM_AES256GCM;
  int is_close = (sel >> 1) & 1;
  uint64_t ctr = (sel >> 2) & 7;
  uint8_t *f = fuzz_frame_from(data + 1, size - 1,
                               is_close ? NCGT_FRAME_CLOSE : NCGT_FRAME_DATA);
  if (!f)
    return 0;
  if (is_close)
    close_case(tr, ctr, f, size - 1);
  else
    data_case(tr, ctr, f, size - 1);
  free(f);
  return 0;
}
