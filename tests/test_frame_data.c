/* DATA and CLOSE frames (lib/ncgt_frame_data.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "frame_testutil.h"

static uint8_t fb[NCGT_FRAME_MAX_DEFAULT + 16];

#define D16                                                                    \
  0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB,      \
      0xDC, 0xDD, 0xDE, 0xDF

static const uint8_t digest16[NCGT_DIGEST_LEN] = {D16};

static const uint8_t data_ok[] = {
  0, 0, 0, 33, NCGT_FRAME_DATA, 1, /* length 12 + 16 + 3 + 2 */
  4,                               /* IPv4 */
  NCGT_DATA_FLAG_KEY_PHASE,        /* flags */
  0, 3,                            /* datagram length */
  2,                               /* pad length */
  16,                              /* digest length */
  D16,                             /* digest */
  'i', 'p', '!', 0, 0,             /* ciphertext, padding */
};

static void data_round_trips(void **state) {
  (void)state;
  ncgt_frame_data d;
  assert_int_equal(sizeof data_ok, 33);
  assert_int_equal(ncgt_data_decode(&d, data_ok, sizeof data_ok), 0);
  assert_int_equal(d.proto, NCGT_DATA_PROTO_IPV4);
  assert_int_equal(d.flags, NCGT_DATA_FLAG_KEY_PHASE);
  assert_int_equal(d.dglen, 3);
  assert_int_equal(d.padlen, 2);
  assert_int_equal(d.digestlen, NCGT_DIGEST_LEN);
  assert_ptr_equal(d.digest, data_ok + NCGT_DATA_HDR_LEN);
  assert_ptr_equal(d.body, data_ok + NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN);
  assert_canonical(data_ok, sizeof data_ok);

  const uint8_t body[] = {'i', 'p', '!', 0, 0};
  ncgt_frame_data e = {4, 1, 3, 2, NCGT_DIGEST_LEN, digest16, body};
  assert_int_equal(ncgt_data_encode(fb, sizeof fb, &e), sizeof data_ok);
  assert_memory_equal(fb, data_ok, sizeof data_ok);
  for (size_t cap = 0; cap < sizeof data_ok; cap++)
    assert_int_equal(ncgt_data_encode(fb, cap, &e), NCGT_ERR_NOBUF);
}

static void data_header_only_for_sealing_in_place(void **state) {
  (void)state;
  ncgt_frame_data e = {4, 1, 3, 2, NCGT_DIGEST_LEN, NULL, NULL};
  memset(fb, 0xEE, 64);
  assert_int_equal(ncgt_data_encode_hdr(fb, sizeof fb, &e), NCGT_DATA_HDR_LEN);
  /* the length already counts the digest and body to come */
  assert_memory_equal(fb, data_ok, NCGT_DATA_HDR_LEN);
  assert_int_equal(fb[NCGT_DATA_HDR_LEN], 0xEE); /* nothing past it */
  assert_int_equal(ncgt_data_encode_hdr(fb, NCGT_DATA_HDR_LEN - 1, &e),
                   NCGT_ERR_NOBUF);
  e.proto = 9;
  assert_int_equal(ncgt_data_encode_hdr(fb, sizeof fb, &e),
                   NCGT_ERR_BAD_VALUE);
}

static void data_keepalive_and_largest(void **state) {
  (void)state;
  ncgt_frame_data e = {0, 0, 0, 0, NCGT_DIGEST_LEN, digest16, NULL}, d;
  ssize_t n = ncgt_data_encode(fb, sizeof fb, &e);
  assert_int_equal(n, NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN);
  assert_int_equal(ncgt_data_decode(&d, fb, (size_t)n), 0);
  assert_int_equal(d.proto, NCGT_DATA_PROTO_NONE);
  assert_int_equal(d.dglen, 0);

  static uint8_t big[NCGT_DATAGRAM_MAX + 255];
  memset(big, 0x42, sizeof big);
  ncgt_frame_data m = {6, 0, NCGT_DATAGRAM_MAX, 255, NCGT_DIGEST_LEN,
                       digest16, big};
  n = ncgt_data_encode(fb, sizeof fb, &m);
  assert_int_equal(n, NCGT_FRAME_MAX_DEFAULT);
  assert_int_equal(ncgt_data_decode(&d, fb, (size_t)n), 0);
  assert_int_equal(d.dglen, NCGT_DATAGRAM_MAX);
  assert_canonical(fb, (size_t)n);
}

/* DATA frame with given header fields and `extra` bytes of content. */
static size_t data_raw(uint8_t proto, uint8_t flags, uint16_t dglen,
                       uint8_t pad, uint8_t dlen, size_t contentlen) {
  static uint8_t body[1024];
  body[0] = proto;
  body[1] = flags;
  body[2] = (uint8_t)(dglen >> 8);
  body[3] = (uint8_t)dglen;
  body[4] = pad;
  body[5] = dlen;
  memset(body + 6, 0xAB, contentlen);
  return mkframe(fb, NCGT_FRAME_DATA, body, 6 + contentlen);
}

static int data_status(size_t len) {
  ncgt_frame_data d;
  return ncgt_data_decode(&d, fb, len);
}

static void data_rejects_each_class(void **state) {
  (void)state;
  assert_int_equal(data_status(data_raw(4, 0, 10, 3, 16, 29)), 0);
  assert_int_equal(data_status(data_raw(6, 1, 1, 0, 16, 17)), 0);
  assert_int_equal(data_status(data_raw(5, 0, 10, 3, 16, 29)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(data_status(data_raw(0, 0, 1, 0, 16, 17)),
                   NCGT_ERR_BAD_VALUE); /* keepalive with a datagram */
  assert_int_equal(data_status(data_raw(0, 0, 0, 4, 16, 20)), 0);
  assert_int_equal(data_status(data_raw(4, 0, 0, 0, 16, 16)),
                   NCGT_ERR_BAD_VALUE); /* IPv4 without a datagram */
  assert_int_equal(data_status(data_raw(4, 2, 10, 3, 16, 29)),
                   NCGT_ERR_BAD_FLAGS);
  assert_int_equal(data_status(data_raw(4, 0x80, 10, 3, 16, 29)),
                   NCGT_ERR_BAD_FLAGS);
  assert_int_equal(data_status(data_raw(4, 0, 10, 3, 15, 28)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(data_status(data_raw(4, 0, 10, 3, 0, 13)),
                   NCGT_ERR_BAD_VALUE);
  /* inner lengths claim more than the frame holds / less than it holds */
  assert_int_equal(data_status(data_raw(4, 0, 10, 3, 16, 28)),
                   NCGT_ERR_BAD_LENGTH);
  assert_int_equal(data_status(data_raw(4, 0, 0xFFFF, 255, 16, 29)),
                   NCGT_ERR_BAD_LENGTH);
  assert_int_equal(data_status(data_raw(4, 0, 10, 3, 16, 30)),
                   NCGT_ERR_TRAILING_BYTES);
}

/* ---- CLOSE ------------------------------------------------------------ */

static const uint8_t close_redirect[] = {
  0, 0, 0, 24, NCGT_FRAME_CLOSE, 1,
  0, NCGT_CLOSE_REDIRECT, /* status */
  0,                      /* flags */
  0,                      /* digest length */
  0, 0, 0, 30,            /* retry after 30 s */
  0, 8,                   /* info length */
  'h', 'o', 's', 't', ':', '4', '4', '3',
};

static void close_round_trips(void **state) {
  (void)state;
  ncgt_frame_close c;
  assert_int_equal(ncgt_close_decode(&c, close_redirect,
                                     sizeof close_redirect), 0);
  assert_int_equal(c.status, NCGT_CLOSE_REDIRECT);
  assert_int_equal(c.flags, 0);
  assert_int_equal(c.retry_after, 30);
  assert_int_equal(c.infolen, 8);
  assert_memory_equal(c.info, "host:443", 8);
  assert_null(c.digest);
  assert_canonical(close_redirect, sizeof close_redirect);

  ncgt_frame_close e = {NCGT_CLOSE_REDIRECT, 0, 0, 30,
                        (const uint8_t *)"host:443", 8, NULL};
  assert_int_equal(ncgt_close_encode(fb, sizeof fb, &e),
                   sizeof close_redirect);
  assert_memory_equal(fb, close_redirect, sizeof close_redirect);
  for (size_t cap = 0; cap < sizeof close_redirect; cap++)
    assert_int_equal(ncgt_close_encode(fb, cap, &e), NCGT_ERR_NOBUF);
}

static void close_authenticated(void **state) {
  (void)state;
  ncgt_frame_close e = {NCGT_CLOSE_IDLE_TIMEOUT,
                        NCGT_CLOSE_FLAG_AUTH | NCGT_CLOSE_FLAG_KEY_PHASE,
                        NCGT_DIGEST_LEN, 0, NULL, 0, digest16};
  ncgt_frame_close c;
  ssize_t n = ncgt_close_encode(fb, sizeof fb, &e);
  assert_int_equal(n, NCGT_CLOSE_HDR_LEN + NCGT_DIGEST_LEN);
  assert_int_equal(ncgt_close_decode(&c, fb, (size_t)n), 0);
  assert_null(c.info);
  assert_int_equal(c.digestlen, NCGT_DIGEST_LEN);
  assert_ptr_equal(c.digest, fb + NCGT_CLOSE_HDR_LEN);
  assert_memory_equal(c.digest, digest16, NCGT_DIGEST_LEN);
  assert_canonical(fb, (size_t)n);
  /* no digest given: room left zeroed for the caller to seal in place */
  e.digest = NULL;
  memset(fb, 0xEE, sizeof close_redirect + 64);
  assert_int_equal(ncgt_close_encode(fb, sizeof fb, &e), n);
  for (size_t i = 0; i < NCGT_DIGEST_LEN; i++)
    assert_int_equal(fb[NCGT_CLOSE_HDR_LEN + i], 0);
}

static size_t close_raw(uint8_t flags, uint8_t dlen, uint16_t infolen,
                        size_t contentlen) {
  static uint8_t body[1024];
  const uint8_t fixed[] = {0, 3, flags, dlen, 0, 0, 0, 0,
                           (uint8_t)(infolen >> 8), (uint8_t)infolen};
  memcpy(body, fixed, sizeof fixed);
  memset(body + sizeof fixed, 'i', contentlen);
  return mkframe(fb, NCGT_FRAME_CLOSE, body, sizeof fixed + contentlen);
}

static int close_status(size_t len) {
  ncgt_frame_close c;
  return ncgt_close_decode(&c, fb, len);
}

static void close_rejects_each_class(void **state) {
  (void)state;
  assert_int_equal(close_status(close_raw(0, 0, 0, 0)), 0);
  assert_int_equal(close_status(close_raw(1, 16, 255, 271)), 0);
  assert_int_equal(close_status(close_raw(4, 0, 0, 0)), NCGT_ERR_BAD_FLAGS);
  assert_int_equal(close_status(close_raw(2, 0, 0, 0)), NCGT_ERR_BAD_FLAGS);
  assert_int_equal(close_status(close_raw(1, 0, 0, 0)), NCGT_ERR_BAD_VALUE);
  assert_int_equal(close_status(close_raw(0, 16, 0, 16)), NCGT_ERR_BAD_VALUE);
  assert_int_equal(close_status(close_raw(1, 15, 0, 15)), NCGT_ERR_BAD_VALUE);
  assert_int_equal(close_status(close_raw(0, 0, 256, 256)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(close_status(close_raw(0, 0, 5, 4)), NCGT_ERR_BAD_LENGTH);
  assert_int_equal(close_status(close_raw(1, 16, 0, 15)),
                   NCGT_ERR_BAD_LENGTH);
  assert_int_equal(close_status(close_raw(0, 0, 5, 6)),
                   NCGT_ERR_TRAILING_BYTES);
}

static void close_encoder_refuses_what_decoder_would(void **state) {
  (void)state;
  ncgt_frame_close e = {0, NCGT_CLOSE_FLAG_AUTH, 0, 0, NULL, 0, NULL};
  assert_int_equal(ncgt_close_encode(fb, sizeof fb, &e), NCGT_ERR_BAD_VALUE);
  e.flags = NCGT_CLOSE_FLAG_KEY_PHASE;
  assert_int_equal(ncgt_close_encode(fb, sizeof fb, &e), NCGT_ERR_BAD_FLAGS);
  e.flags = 0;
  e.infolen = NCGT_CLOSE_INFO_MAX + 1;
  e.info = digest16;
  assert_int_equal(ncgt_close_encode(fb, sizeof fb, &e), NCGT_ERR_BAD_VALUE);
  e.infolen = 1;
  e.info = NULL;
  assert_int_equal(ncgt_close_encode(fb, sizeof fb, &e),
                   NCGT_ERR_INVALID_ARGUMENT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(data_round_trips),
    cmocka_unit_test(data_header_only_for_sealing_in_place),
    cmocka_unit_test(data_keepalive_and_largest),
    cmocka_unit_test(data_rejects_each_class),
    cmocka_unit_test(close_round_trips),
    cmocka_unit_test(close_authenticated),
    cmocka_unit_test(close_rejects_each_class),
    cmocka_unit_test(close_encoder_refuses_what_decoder_would),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
