/* Streaming frame decoder (lib/ncgt_fdec.c): TCP bytes in any split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "frame_testutil.h"

enum { NFRAMES = 6 };

static uint8_t stream[8192];
static size_t stream_len;
static size_t frame_off[NFRAMES], frame_len[NFRAMES];

/* One frame of each type plus a keepalive, back to back. */
static int make_stream(void **state) {
  (void)state;
  static const uint8_t kx[40] = {1, 2, 3};
  static const uint8_t dig[NCGT_DIGEST_LEN] = {9};
  static const uint8_t body[300] = {4};
  ncgt_frame_relay rl = {.origin = "client.example", .npath = 3,
                         .path = {"relay1", "relay2", "server"}};
  ncgt_frame_request rq = {0, NCGT_TRANSFORMS_ALL, "server", kx, 40};
  ncgt_frame_response rs = {0, NCGT_TRANSFORM_AES256GCM, kx, 32};
  ncgt_frame_data dt = {4, 0, 280, 20, NCGT_DIGEST_LEN, dig, body};
  ncgt_frame_data ka = {0, 1, 0, 0, NCGT_DIGEST_LEN, dig, NULL};
  ncgt_frame_close cl = {NCGT_CLOSE_END_SESSION, NCGT_CLOSE_FLAG_AUTH,
                         NCGT_DIGEST_LEN, 0, NULL, 0, dig};
  ssize_t n[NFRAMES];
  size_t o = 0, i = 0;
#define PUT(call)                                                              \
  do {                                                                         \
    n[i] = call;                                                               \
    assert_true(n[i] > 0);                                                     \
    frame_off[i] = o;                                                          \
    frame_len[i] = (size_t)n[i];                                               \
    o += (size_t)n[i];                                                         \
    i++;                                                                       \
  } while (0)
  PUT(ncgt_relay_encode(stream + o, sizeof stream - o, &rl));
  PUT(ncgt_request_encode(stream + o, sizeof stream - o, &rq));
  PUT(ncgt_response_encode(stream + o, sizeof stream - o, &rs));
  PUT(ncgt_data_encode(stream + o, sizeof stream - o, &dt));
  PUT(ncgt_data_encode(stream + o, sizeof stream - o, &ka));
  PUT(ncgt_close_encode(stream + o, sizeof stream - o, &cl));
#undef PUT
  stream_len = o;
  return 0;
}

/* Feeds the stream in chunks whose sizes come from `next_chunk`, checking
 * that exactly the encoded frames come out, in order, byte for byte. */
typedef size_t (*chunker)(size_t left, void *arg);

static void run_stream(chunker next_chunk, void *arg, size_t *copied) {
  ncgt_fdec *dec = NULL;
  size_t pos = 0, got = 0;
  assert_int_equal(ncgt_fdec_new(&dec, 0), 0);
  *copied = 0;
  while (pos < stream_len) {
    size_t chunk = next_chunk(stream_len - pos, arg);
    const uint8_t *p = stream + pos;
    size_t left = chunk;
    while (left > 0) {
      const uint8_t *f = NULL;
      size_t flen = 0;
      ssize_t used = ncgt_fdec_feed(dec, p, left, &f, &flen);
      assert_true(used >= 0 && (size_t)used <= left);
      p += used;
      left -= (size_t)used;
      if (f) {
        assert_true(got < NFRAMES);
        assert_int_equal(flen, frame_len[got]);
        assert_memory_equal(f, stream + frame_off[got], flen);
        assert_canonical(f, flen);
        if (f < stream || f >= stream + stream_len)
          (*copied)++;
        got++;
      } else {
        assert_int_equal(left, 0); /* no frame: the chunk was all taken */
      }
    }
    pos += chunk;
  }
  assert_int_equal(got, NFRAMES);
  assert_int_equal(ncgt_fdec_pending(dec), 0);
  ncgt_fdec_del(dec);
}

static size_t one_byte(size_t left, void *arg) {
  (void)left;
  (void)arg;
  return 1;
}

static size_t everything(size_t left, void *arg) {
  (void)arg;
  return left;
}

/* xorshift32: reproducible "random" splits. */
static size_t random_split(size_t left, void *arg) {
  uint32_t *s = arg;
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  size_t c = 1 + *s % 97;
  return c < left ? c : left;
}

static void one_byte_at_a_time(void **state) {
  (void)state;
  size_t copied = 0;
  run_stream(one_byte, NULL, &copied);
  assert_int_equal(copied, NFRAMES);
}

static void whole_stream_is_zero_copy(void **state) {
  (void)state;
  size_t copied = 99;
  run_stream(everything, NULL, &copied);
  assert_int_equal(copied, 0);
}

static void random_splits(void **state) {
  (void)state;
  for (uint32_t seed = 1; seed <= 200; seed++) {
    uint32_t s = seed * 2654435761u;
    size_t copied = 0;
    run_stream(random_split, &s, &copied);
  }
}

static void oversize_rejected_before_buffering(void **state) {
  (void)state;
  ncgt_fdec *dec = NULL;
  const uint8_t *f = (const uint8_t *)"x";
  size_t flen = 7;
  uint8_t big[200] = {0, 0, 0, 101, NCGT_FRAME_DATA, 1};
  assert_int_equal(ncgt_fdec_new(&dec, 100), 0);
  for (size_t i = 0; i < 5; i++) {
    assert_int_equal(ncgt_fdec_feed(dec, big + i, 1, &f, &flen), 1);
    assert_null(f);
    assert_int_equal(ncgt_fdec_pending(dec), i + 1);
  }
  /* the 6th header byte completes it: refused, no body byte taken */
  assert_int_equal(ncgt_fdec_feed(dec, big + 5, sizeof big - 5, &f, &flen),
                   NCGT_ERR_FRAME_TOO_LARGE);
  assert_null(f);
  assert_true(ncgt_fdec_pending(dec) <= NCGT_FRAME_HDR_LEN);
  /* sticky, even for good input */
  assert_int_equal(ncgt_fdec_feed(dec, stream, stream_len, &f, &flen),
                   NCGT_ERR_FRAME_TOO_LARGE);
  ncgt_fdec_del(dec);

  /* same in one piece: fast path checks too */
  assert_int_equal(ncgt_fdec_new(&dec, 100), 0);
  assert_int_equal(ncgt_fdec_feed(dec, big, sizeof big, &f, &flen),
                   NCGT_ERR_FRAME_TOO_LARGE);
  assert_int_equal(ncgt_fdec_pending(dec), 0);
  assert_int_equal(ncgt_fdec_feed(dec, stream, stream_len, &f, &flen),
                   NCGT_ERR_FRAME_TOO_LARGE);
  assert_null(f);
  ncgt_fdec_del(dec);
  /* a length near 4 GiB */
  assert_int_equal(ncgt_fdec_new(&dec, 0), 0);
  const uint8_t huge[6] = {0xFF, 0xFF, 0xFF, 0xF0, NCGT_FRAME_DATA, 1};
  assert_int_equal(ncgt_fdec_feed(dec, huge, 6, &f, &flen),
                   NCGT_ERR_FRAME_TOO_LARGE);
  ncgt_fdec_del(dec);
}

static int feed_status(const uint8_t *b, size_t len, size_t max) {
  ncgt_fdec *dec = NULL;
  const uint8_t *f;
  size_t flen;
  assert_int_equal(ncgt_fdec_new(&dec, max), 0);
  ssize_t rv = 0;
  for (size_t i = 0; i < len && rv >= 0; i++) /* byte by byte */
    rv = ncgt_fdec_feed(dec, b + i, 1, &f, &flen);
  ncgt_fdec_del(dec);
  return (int)rv;
}

static void header_errors_surface_from_the_stream(void **state) {
  (void)state;
  const uint8_t small[] = {0, 0, 0, 5, NCGT_FRAME_DATA, 1};
  const uint8_t below_fixed[] = {0, 0, 0, 11, NCGT_FRAME_DATA, 1};
  const uint8_t type[] = {0, 0, 0, 20, 9, 1};
  const uint8_t version[] = {0, 0, 0, 20, NCGT_FRAME_DATA, 3};
  assert_int_equal(feed_status(small, 6, 0), NCGT_ERR_FRAME_TOO_SMALL);
  assert_int_equal(feed_status(below_fixed, 6, 0), NCGT_ERR_FRAME_TOO_SMALL);
  assert_int_equal(feed_status(type, 6, 0), NCGT_ERR_UNKNOWN_TYPE);
  assert_int_equal(feed_status(version, 6, 0), NCGT_ERR_BAD_VERSION);
  /* five bytes of a bad header are not judged yet */
  assert_int_equal(feed_status(version, 5, 0), 1);
}

static void frame_of_exactly_max_and_limits(void **state) {
  (void)state;
  ncgt_fdec *dec = NULL;
  const uint8_t *f = NULL;
  size_t flen = 0;
  /* first frame is the relay: use its length as the maximum */
  assert_int_equal(ncgt_fdec_new(&dec, frame_len[0]), 0);
  assert_int_equal(ncgt_fdec_feed(dec, stream, 3, &f, &flen), 3);
  assert_int_equal(ncgt_fdec_feed(dec, stream + 3, stream_len - 3, &f,
                                  &flen),
                   (ssize_t)frame_len[0] - 3);
  assert_int_equal(flen, frame_len[0]);
  assert_memory_equal(f, stream, flen);
  /* the next one (REQUEST) is larger than this maximum */
  assert_int_equal(ncgt_fdec_feed(dec, stream + frame_len[0], frame_len[1],
                                  &f, &flen),
                   NCGT_ERR_FRAME_TOO_LARGE);
  ncgt_fdec_del(dec);

  assert_int_equal(ncgt_fdec_new(&dec, NCGT_FRAME_MAX_LIMIT + 1),
                   NCGT_ERR_INVALID_ARGUMENT);
  assert_null(dec);
  assert_int_equal(ncgt_fdec_new(&dec, NCGT_CLOSE_HDR_LEN - 1),
                   NCGT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ncgt_fdec_new(&dec, NCGT_FRAME_MAX_LIMIT), 0);
  ncgt_fdec_del(dec);
  ncgt_fdec_del(NULL);
  assert_int_equal(ncgt_fdec_pending(NULL), 0);
}

static void empty_input_and_bad_arguments(void **state) {
  (void)state;
  ncgt_fdec *dec = NULL;
  const uint8_t *f = stream;
  size_t flen = 1;
  assert_int_equal(ncgt_fdec_new(&dec, 0), 0);
  assert_int_equal(ncgt_fdec_feed(dec, NULL, 0, &f, &flen), 0);
  assert_null(f);
  assert_int_equal(flen, 0);
  assert_int_equal(ncgt_fdec_feed(dec, NULL, 1, &f, &flen),
                   NCGT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ncgt_fdec_feed(NULL, stream, 1, &f, &flen),
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_fdec_del(dec);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(one_byte_at_a_time),
    cmocka_unit_test(whole_stream_is_zero_copy),
    cmocka_unit_test(random_splits),
    cmocka_unit_test(oversize_rejected_before_buffering),
    cmocka_unit_test(header_errors_surface_from_the_stream),
    cmocka_unit_test(frame_of_exactly_max_and_limits),
    cmocka_unit_test(empty_input_and_bad_arguments),
  };
  return cmocka_run_group_tests(tests, make_stream, NULL);
}
