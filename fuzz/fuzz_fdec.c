/*
 * libFuzzer target: the streaming frame decoder fed a TCP byte stream in
 * chunks the input chooses, each frame it yields decoded by its type.
 *
 * Input: [u8 max selector][u8 split seed][stream bytes...].
 * Checks: the decoder never consumes more than it is given, never yields
 * a frame above the maximum or one whose length field disagrees, keeps at
 * most max_frame bytes pending, its errors are sticky, and every yielded
 * frame that decodes re-encodes to the same bytes.
 */
#include <ncgtun/frame.h>

#include "frame_reencode.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t max_choices[] = {0, NCGT_CLOSE_HDR_LEN, 64, 300, 4096};

static void check_frame(const uint8_t *f, size_t flen, size_t max) {
  ncgt_frame_hdr h;
  FUZZ_CHECK(flen >= NCGT_FRAME_HDR_LEN && flen <= max);
  FUZZ_CHECK(ncgt_frame_check_hdr(f, flen, max, &h) == 0);
  FUZZ_CHECK(h.length == flen);
  uint8_t *out = malloc(flen);
  FUZZ_CHECK(out != NULL);
  int dec_rv = 0;
  ssize_t n = ncgt_test_reencode(f, flen, out, flen, &dec_rv);
  if (dec_rv == 0) {
    FUZZ_CHECK(n == (ssize_t)flen);
    FUZZ_CHECK(memcmp(out, f, flen) == 0);
  }
  free(out);
}

/* Feeds one chunk (an exact-size heap copy, so a frame returned in place
 * cannot be over-read unnoticed) until it is consumed or fails. */
static int feed_chunk(ncgt_fdec *dec, const uint8_t *p, size_t len,
                      size_t max) {
  uint8_t *chunk = fuzz_dup(p, len);
  size_t off = 0;
  int rv = 0;
  while (off < len) {
    const uint8_t *f = NULL;
    size_t flen = 0;
    ssize_t used = ncgt_fdec_feed(dec, chunk + off, len - off, &f, &flen);
    if (used < 0) {
      FUZZ_CHECK(f == NULL);
      rv = (int)used;
      break;
    }
    FUZZ_CHECK((size_t)used <= len - off);
    FUZZ_CHECK(ncgt_fdec_pending(dec) < max);
    off += (size_t)used;
    if (f)
      check_frame(f, flen, max);
    else
      FUZZ_CHECK(off == len);
  }
  free(chunk);
  return rv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in;
  fuzz_in_init(&in, data, size);
  size_t max = max_choices[fuzz_in_u8(&in) % 5];
  uint32_t seed = fuzz_in_u8(&in) * 2654435761u + 1;
  ncgt_fdec *dec = NULL;
  FUZZ_CHECK(ncgt_fdec_new(&dec, max) == 0);
  if (max == 0)
    max = NCGT_FRAME_MAX_DEFAULT;
  int rv = 0;
  while (fuzz_in_left(&in) > 0 && rv == 0) {
    /* xorshift32 split sizes 1..64, with whole-rest chunks now and then */
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    size_t want = (seed & 0x300) == 0 ? SIZE_MAX : 1 + (seed & 63);
    size_t got = 0;
    const uint8_t *p = fuzz_in_bytes(&in, want, &got);
    rv = feed_chunk(dec, p, got, max);
  }
  if (rv < 0) { /* sticky */
    const uint8_t *f = NULL;
    size_t flen = 0;
    const uint8_t one = 0;
    FUZZ_CHECK(ncgt_fdec_feed(dec, &one, 1, &f, &flen) == rv);
  }
  ncgt_fdec_del(dec);
  return 0;
}
