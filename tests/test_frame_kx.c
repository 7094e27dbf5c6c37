/* REQUEST and RESPONSE frames (lib/ncgt_frame_kx.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "frame_testutil.h"

static uint8_t fb[4096];

static const uint8_t request_ok[] = {
  0, 0, 0, 25, NCGT_FRAME_REQUEST, 1, /* length 25 */
  0, 1,                               /* flags: REKEY */
  0, 3,                               /* transforms offered */
  0, 0,                               /* dest index */
  0, 4,                               /* kx index: after "srv\0" */
  0, 5,                               /* kx length */
  's', 'r', 'v', 0,                   /* dest "srv" */
  0xDE, 0xAD, 0x00, 0xEF, 0x01,       /* kx: binary, may hold NULs */
};

static void request_round_trips(void **state) {
  (void)state;
  const uint8_t *f = request_ok;
  ncgt_frame_request q;
  assert_int_equal(sizeof request_ok, 25);
  assert_int_equal(ncgt_request_decode(&q, f, sizeof request_ok), 0);
  assert_int_equal(q.flags, NCGT_KX_FLAG_REKEY);
  assert_int_equal(q.transforms, NCGT_TRANSFORMS_ALL);
  assert_string_equal(q.dest, "srv");
  assert_int_equal(q.kxlen, 5);
  assert_ptr_equal(q.kx, f + 20);
  assert_canonical(f, sizeof request_ok);

  const uint8_t kx[5] = {0xDE, 0xAD, 0x00, 0xEF, 0x01};
  ncgt_frame_request e = {NCGT_KX_FLAG_REKEY, NCGT_TRANSFORMS_ALL, "srv", kx,
                          5};
  assert_int_equal(ncgt_request_encode(fb, sizeof fb, &e), sizeof request_ok);
  assert_memory_equal(fb, f, sizeof request_ok);
  for (size_t cap = 0; cap < sizeof request_ok; cap++)
    assert_int_equal(ncgt_request_encode(fb, cap, &e), NCGT_ERR_NOBUF);
}

/* REQUEST from fixed fields and a string buffer. */
static size_t request_raw(uint16_t flags, uint16_t tr, uint16_t didx,
                          uint16_t kidx, uint16_t klen, const void *sb,
                          size_t sblen) {
  const uint16_t v[] = {flags, tr, didx, kidx, klen};
  return mkframe_u16s(fb, NCGT_FRAME_REQUEST, v, 5, sb, sblen);
}

static int request_status(size_t len) {
  ncgt_frame_request q;
  return ncgt_request_decode(&q, fb, len);
}

static void request_rejects_each_class(void **state) {
  (void)state;
  const char *sb = "srv\0KXKX"; /* dest at 0 (4 bytes), kx at 4 (4 bytes) */
  assert_int_equal(request_status(request_raw(0, 1, 0, 4, 4, sb, 8)), 0);
  assert_int_equal(request_status(request_raw(2, 1, 0, 4, 4, sb, 8)),
                   NCGT_ERR_BAD_FLAGS);
  assert_int_equal(request_status(request_raw(0x8000, 1, 0, 4, 4, sb, 8)),
                   NCGT_ERR_BAD_FLAGS);
  assert_int_equal(request_status(request_raw(0, 0, 0, 4, 4, sb, 8)),
                   NCGT_ERR_BAD_VALUE);
  /* unknown transform bits are a newer peer's offer: accepted */
  assert_int_equal(request_status(request_raw(0, 0x8001, 0, 4, 4, sb, 8)),
                   0);
  assert_int_equal(request_status(request_raw(0, 1, 0, 4, 0, sb, 4)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(request_status(request_raw(0, 1, 0, 4, NCGT_KX_MAX + 1,
                                               sb, 8)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(request_status(request_raw(0, 1, 8, 4, 4, sb, 8)),
                   NCGT_ERR_BAD_OFFSET);
  assert_int_equal(request_status(request_raw(0, 1, 0, 8, 4, sb, 8)),
                   NCGT_ERR_BAD_OFFSET);
  assert_int_equal(request_status(request_raw(0, 1, 0, 4, 5, sb, 8)),
                   NCGT_ERR_BAD_LENGTH);
  assert_int_equal(request_status(request_raw(0, 1, 4, 0, 4, "KXKXsrv", 7)),
                   NCGT_ERR_UNTERMINATED);
  assert_int_equal(request_status(request_raw(0, 1, 0, 1, 4, "\0KXKX", 5)),
                   NCGT_ERR_BAD_NAME);
  /* kx overlapping the name's NUL, and kx inside the name */
  assert_int_equal(request_status(request_raw(0, 1, 0, 3, 4, "srv\0KXK", 7)),
                   NCGT_ERR_OVERLAP);
  assert_int_equal(request_status(request_raw(0, 1, 0, 1, 2, "srv", 4)),
                   NCGT_ERR_OVERLAP);
  /* a byte nobody references */
  assert_int_equal(request_status(request_raw(0, 1, 0, 4, 4, "srv\0KXKXz",
                                              9)),
                   NCGT_ERR_TRAILING_BYTES);
  /* kx first, name second: disjoint and complete, but not canonical */
  assert_int_equal(request_status(request_raw(0, 1, 4, 0, 4, "KXKXsrv", 8)),
                   NCGT_ERR_BAD_OFFSET);
  /* empty string buffer */
  assert_int_equal(request_status(request_raw(0, 1, 0, 0, 1, "", 0)),
                   NCGT_ERR_BAD_OFFSET);
}

static void request_encoder_refuses_what_decoder_would(void **state) {
  (void)state;
  uint8_t kx[NCGT_KX_MAX + 1] = {0};
  ncgt_frame_request e = {0, NCGT_TRANSFORM_AES256GCM, "d", kx, NCGT_KX_MAX};
  ncgt_frame_request d;
  ssize_t n = ncgt_request_encode(fb, sizeof fb, &e);
  assert_int_equal(n, NCGT_REQUEST_FIXED_LEN + 2 + NCGT_KX_MAX);
  assert_int_equal(ncgt_request_decode(&d, fb, (size_t)n), 0);
  assert_int_equal(d.kxlen, NCGT_KX_MAX);
  e.kxlen = NCGT_KX_MAX + 1;
  assert_int_equal(ncgt_request_encode(fb, sizeof fb, &e), NCGT_ERR_BAD_VALUE);
  e.kxlen = 0;
  assert_int_equal(ncgt_request_encode(fb, sizeof fb, &e), NCGT_ERR_BAD_VALUE);
  e.kxlen = 1;
  e.dest = "";
  assert_int_equal(ncgt_request_encode(fb, sizeof fb, &e), NCGT_ERR_BAD_NAME);
  e.dest = "d";
  e.flags = 4;
  assert_int_equal(ncgt_request_encode(fb, sizeof fb, &e), NCGT_ERR_BAD_FLAGS);
  e.flags = 0;
  e.transforms = 0;
  assert_int_equal(ncgt_request_encode(fb, sizeof fb, &e), NCGT_ERR_BAD_VALUE);
}

/* ---- RESPONSE --------------------------------------------------------- */

static size_t response_raw(uint16_t flags, uint16_t tr, uint16_t kidx,
                           uint16_t klen, const void *sb, size_t sblen) {
  const uint16_t v[] = {flags, tr, kidx, klen};
  return mkframe_u16s(fb, NCGT_FRAME_RESPONSE, v, 4, sb, sblen);
}

static int response_status(size_t len) {
  ncgt_frame_response p;
  return ncgt_response_decode(&p, fb, len);
}

static void response_round_trips(void **state) {
  (void)state;
  const uint8_t expect[] = {0, 0, 0, 17, NCGT_FRAME_RESPONSE, 1,
                            0, 0, 0, 2, 0, 0, 0, 3, 'k', 0, 'x'};
  const uint8_t kx[] = {'k', 0, 'x'};
  ncgt_frame_response e = {0, NCGT_TRANSFORM_CHACHA20POLY1305, kx, 3}, d;
  assert_int_equal(ncgt_response_encode(fb, sizeof fb, &e), sizeof expect);
  assert_memory_equal(fb, expect, sizeof expect);
  assert_int_equal(ncgt_response_decode(&d, expect, sizeof expect), 0);
  assert_int_equal(d.transform, NCGT_TRANSFORM_CHACHA20POLY1305);
  assert_int_equal(d.flags, 0);
  assert_int_equal(d.kxlen, 3);
  assert_ptr_equal(d.kx, expect + 14);
  assert_canonical(expect, sizeof expect);
  for (size_t cap = 0; cap < sizeof expect; cap++)
    assert_int_equal(ncgt_response_encode(fb, cap, &e), NCGT_ERR_NOBUF);
}

static void response_rejects_each_class(void **state) {
  (void)state;
  assert_int_equal(response_status(response_raw(0, 1, 0, 3, "abc", 3)), 0);
  assert_int_equal(response_status(response_raw(1, 2, 0, 3, "abc", 3)), 0);
  assert_int_equal(response_status(response_raw(2, 1, 0, 3, "abc", 3)),
                   NCGT_ERR_BAD_FLAGS);
  /* exactly one known transform */
  assert_int_equal(response_status(response_raw(0, 0, 0, 3, "abc", 3)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(response_status(response_raw(0, 3, 0, 3, "abc", 3)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(response_status(response_raw(0, 4, 0, 3, "abc", 3)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(response_status(response_raw(0, 1, 0, 0, "", 0)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(response_status(response_raw(0, 1, 0, NCGT_KX_MAX + 1,
                                                "abc", 3)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(response_status(response_raw(0, 1, 3, 1, "abc", 3)),
                   NCGT_ERR_BAD_OFFSET);
  assert_int_equal(response_status(response_raw(0, 1, 1, 3, "abc", 3)),
                   NCGT_ERR_BAD_LENGTH);
  assert_int_equal(response_status(response_raw(0, 1, 1, 2, "abc", 3)),
                   NCGT_ERR_TRAILING_BYTES);
  assert_int_equal(response_status(response_raw(0, 1, 0, 2, "abc", 3)),
                   NCGT_ERR_TRAILING_BYTES);
  assert_int_equal(response_status(response_raw(0, 1, 0, 3, "", 0)),
                   NCGT_ERR_BAD_OFFSET);
}

static void response_encoder_refuses_what_decoder_would(void **state) {
  (void)state;
  const uint8_t kx[1] = {7};
  ncgt_frame_response e = {0, 3, kx, 1};
  assert_int_equal(ncgt_response_encode(fb, sizeof fb, &e),
                   NCGT_ERR_BAD_VALUE);
  e.transform = 1;
  e.flags = 0x10;
  assert_int_equal(ncgt_response_encode(fb, sizeof fb, &e),
                   NCGT_ERR_BAD_FLAGS);
  e.flags = 0;
  e.kx = NULL;
  assert_int_equal(ncgt_response_encode(fb, sizeof fb, &e),
                   NCGT_ERR_INVALID_ARGUMENT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(request_round_trips),
    cmocka_unit_test(request_rejects_each_class),
    cmocka_unit_test(request_encoder_refuses_what_decoder_would),
    cmocka_unit_test(response_round_trips),
    cmocka_unit_test(response_rejects_each_class),
    cmocka_unit_test(response_encoder_refuses_what_decoder_would),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
