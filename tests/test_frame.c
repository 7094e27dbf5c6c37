/* Common header checks and the RELAY frame (lib/ncgt_frame.c,
 * lib/ncgt_frame_relay.c). Fixed bytes in, exact status or bytes out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "frame_testutil.h"

static uint8_t fb[8192]; /* frame under test */

/* ---- common header ---------------------------------------------------- */

static int hdr(uint32_t length, uint8_t type, uint8_t version, size_t max) {
  uint8_t b[6] = {(uint8_t)(length >> 24), (uint8_t)(length >> 16),
                  (uint8_t)(length >> 8), (uint8_t)length, type, version};
  ncgt_frame_hdr h;
  return ncgt_frame_check_hdr(b, sizeof b, max, &h);
}

static void header_accepts_each_type_at_its_fixed_size(void **state) {
  (void)state;
  static const struct { uint8_t type; size_t fixed; } t[] = {
    {NCGT_FRAME_RELAY, NCGT_RELAY_FIXED_LEN},
    {NCGT_FRAME_REQUEST, NCGT_REQUEST_FIXED_LEN},
    {NCGT_FRAME_RESPONSE, NCGT_RESPONSE_FIXED_LEN},
    {NCGT_FRAME_DATA, NCGT_DATA_HDR_LEN},
    {NCGT_FRAME_CLOSE, NCGT_CLOSE_HDR_LEN},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    uint8_t b[6] = {0, 0, 0, (uint8_t)t[i].fixed, t[i].type, 1};
    ncgt_frame_hdr h = {0, 0, 0};
    assert_int_equal(ncgt_frame_check_hdr(b, 6, 100, &h), 0);
    assert_int_equal(h.length, t[i].fixed);
    assert_int_equal(h.type, t[i].type);
    assert_int_equal(h.version, 1);
    /* one byte less than the type's fixed part */
    assert_int_equal(hdr((uint32_t)t[i].fixed - 1, t[i].type, 1, 100),
                     NCGT_ERR_FRAME_TOO_SMALL);
  }
}

static void header_rejects_each_class(void **state) {
  (void)state;
  uint8_t b[6] = {0, 0, 0, 20, NCGT_FRAME_DATA, 1};
  ncgt_frame_hdr h;
  assert_int_equal(ncgt_frame_check_hdr(b, 5, 100, &h), NCGT_ERR_TRUNCATED);
  assert_int_equal(hdr(5, NCGT_FRAME_DATA, 1, 100), NCGT_ERR_FRAME_TOO_SMALL);
  assert_int_equal(hdr(0, NCGT_FRAME_DATA, 1, 100), NCGT_ERR_FRAME_TOO_SMALL);
  /* below the common header: judged before the type */
  assert_int_equal(hdr(5, 9, 1, 100), NCGT_ERR_FRAME_TOO_SMALL);
  assert_int_equal(hdr(100, NCGT_FRAME_DATA, 1, 100), 0);
  assert_int_equal(hdr(101, NCGT_FRAME_DATA, 1, 100),
                   NCGT_ERR_FRAME_TOO_LARGE);
  assert_int_equal(hdr(0xFFFFFFFFu, NCGT_FRAME_DATA, 1, 100),
                   NCGT_ERR_FRAME_TOO_LARGE);
  assert_int_equal(hdr(20, 0, 1, 100), NCGT_ERR_UNKNOWN_TYPE);
  assert_int_equal(hdr(20, 6, 1, 100), NCGT_ERR_UNKNOWN_TYPE);
  assert_int_equal(hdr(20, 255, 1, 100), NCGT_ERR_UNKNOWN_TYPE);
  assert_int_equal(hdr(20, NCGT_FRAME_DATA, 0, 100), NCGT_ERR_BAD_VERSION);
  assert_int_equal(hdr(20, NCGT_FRAME_DATA, 2, 100), NCGT_ERR_BAD_VERSION);
  /* another version's small frame is a version problem, not a size one */
  assert_int_equal(hdr(7, NCGT_FRAME_DATA, 2, 100), NCGT_ERR_BAD_VERSION);
  /* max 0 means the default; a max above the hard limit is clamped */
  assert_int_equal(hdr((uint32_t)NCGT_FRAME_MAX_DEFAULT, NCGT_FRAME_DATA, 1,
                       0), 0);
  assert_int_equal(hdr((uint32_t)NCGT_FRAME_MAX_DEFAULT + 1, NCGT_FRAME_DATA,
                       1, 0), NCGT_ERR_FRAME_TOO_LARGE);
  assert_int_equal(hdr((uint32_t)NCGT_FRAME_MAX_LIMIT + 1, NCGT_FRAME_DATA, 1,
                       SIZE_MAX), NCGT_ERR_FRAME_TOO_LARGE);
}

/* ---- RELAY: valid ------------------------------------------------------ */

static const uint8_t relay_abc[] = {
  0, 0, 0, 0x1E, NCGT_FRAME_RELAY, 1, /* length 30 */
  0, 0,                               /* origin index 0 */
  0, 2,                               /* two path entries */
  0, 2, 0, 6,                         /* path indexes 2, 6 */
  'a', 0, 'b', 'b', 'b', 0, 'c', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
};

static void relay_decodes_and_reencodes(void **state) {
  (void)state;
  ncgt_frame_relay r;
  assert_int_equal(sizeof relay_abc, 30);
  assert_int_equal(ncgt_relay_decode(&r, relay_abc, sizeof relay_abc), 0);
  assert_string_equal(r.origin, "a");
  assert_int_equal(r.npath, 2);
  assert_string_equal(r.path[0], "bbb");
  assert_string_equal(r.path[1], "c.example");
  assert_null(r.path[2]);
  /* borrowed: points into the frame */
  assert_ptr_equal(r.origin, (const char *)relay_abc + 14);
  assert_canonical(relay_abc, sizeof relay_abc);
}

static void relay_encodes_canonically(void **state) {
  (void)state;
  ncgt_frame_relay r = {.origin = "a", .npath = 2, .path = {"bbb",
                                                            "c.example"}};
  assert_int_equal(ncgt_relay_encode(fb, sizeof fb, &r), sizeof relay_abc);
  assert_memory_equal(fb, relay_abc, sizeof relay_abc);
  /* every capacity below the frame's size is refused, never overrun */
  for (size_t cap = 0; cap < sizeof relay_abc; cap++)
    assert_int_equal(ncgt_relay_encode(fb, cap, &r), NCGT_ERR_NOBUF);
}

static void relay_largest_round_trips(void **state) {
  (void)state;
  static char names[1 + NCGT_PATH_MAX][NCGT_NAME_MAX + 1];
  ncgt_frame_relay r = {.npath = NCGT_PATH_MAX}, d;
  for (size_t i = 0; i <= NCGT_PATH_MAX; i++) {
    memset(names[i], 'a' + (int)i, NCGT_NAME_MAX);
    names[i][NCGT_NAME_MAX] = 0;
  }
  r.origin = names[0];
  for (size_t i = 0; i < NCGT_PATH_MAX; i++)
    r.path[i] = names[i + 1];
  ssize_t n = ncgt_relay_encode(fb, sizeof fb, &r);
  assert_int_equal(n, NCGT_RELAY_FIXED_LEN + 2 * NCGT_PATH_MAX +
                          (1 + NCGT_PATH_MAX) * (NCGT_NAME_MAX + 1));
  assert_int_equal(ncgt_relay_decode(&d, fb, (size_t)n), 0);
  assert_int_equal(d.npath, NCGT_PATH_MAX);
  assert_string_equal(d.path[NCGT_PATH_MAX - 1], names[NCGT_PATH_MAX]);
  assert_canonical(fb, (size_t)n);
}

static void relay_encoder_refuses_what_decoder_would(void **state) {
  (void)state;
  char longname[NCGT_NAME_MAX + 2];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  ncgt_frame_relay r = {.origin = "a", .npath = 1, .path = {"b"}};
  assert_true(ncgt_relay_encode(fb, sizeof fb, &r) > 0);
  r.npath = 0;
  assert_int_equal(ncgt_relay_encode(fb, sizeof fb, &r), NCGT_ERR_BAD_VALUE);
  r.npath = NCGT_PATH_MAX + 1;
  assert_int_equal(ncgt_relay_encode(fb, sizeof fb, &r), NCGT_ERR_TOO_MANY);
  r.npath = 1;
  r.origin = "";
  assert_int_equal(ncgt_relay_encode(fb, sizeof fb, &r), NCGT_ERR_BAD_NAME);
  r.origin = longname;
  assert_int_equal(ncgt_relay_encode(fb, sizeof fb, &r), NCGT_ERR_BAD_NAME);
  r.origin = "a";
  r.path[0] = NULL;
  assert_int_equal(ncgt_relay_encode(fb, sizeof fb, &r), NCGT_ERR_BAD_NAME);
  r.path[0] = "a"; /* origin repeated in the path: a loop (review H-1) */
  assert_int_equal(ncgt_relay_encode(fb, sizeof fb, &r), NCGT_ERR_BAD_VALUE);
  r.npath = 3;
  r.path[0] = "b", r.path[1] = "c", r.path[2] = "b";
  assert_int_equal(ncgt_relay_encode(fb, sizeof fb, &r), NCGT_ERR_BAD_VALUE);
}

/* ---- RELAY: malformed -------------------------------------------------- */

/* Relay frame from origin index, path indexes and a string buffer. */
static size_t relay_raw(uint16_t origin, uint16_t n, const uint16_t *idx,
                        size_t nidx, const void *sb, size_t sblen) {
  uint16_t v[2 + NCGT_PATH_MAX + 1] = {origin, n};
  assert_true(nidx <= NCGT_PATH_MAX + 1);
  memcpy(v + 2, idx, nidx * sizeof idx[0]);
  return mkframe_u16s(fb, NCGT_FRAME_RELAY, v, 2 + nidx, sb, sblen);
}

static int relay_status(size_t len) {
  ncgt_frame_relay r;
  memset(&r, 0x5A, sizeof r);
  int rv = ncgt_relay_decode(&r, fb, len);
  if (rv < 0) /* out untouched on failure */
    assert_int_equal(((const uint8_t *)&r)[0], 0x5A);
  return rv;
}

static void relay_rejects_each_class(void **state) {
  (void)state;
  const uint16_t two[] = {2, 4};
  /* the valid frame these are variations of */
  assert_int_equal(relay_status(relay_raw(0, 2, two, 2, "a\0b\0c", 6)), 0);
  /* index at the buffer's end */
  assert_int_equal(relay_status(relay_raw(6, 2, two, 2, "a\0b\0c", 6)),
                   NCGT_ERR_BAD_OFFSET);
  assert_int_equal(relay_status(relay_raw(0xFFFF, 2, two, 2, "a\0b\0c", 6)),
                   NCGT_ERR_BAD_OFFSET);
  /* last name runs to the end without its NUL */
  assert_int_equal(relay_status(relay_raw(0, 2, two, 2, "a\0b\0cd", 6)),
                   NCGT_ERR_UNTERMINATED);
  /* an index on a NUL: empty name */
  const uint16_t empty[] = {1, 4};
  assert_int_equal(relay_status(relay_raw(0, 2, empty, 2, "a\0b\0c", 6)),
                   NCGT_ERR_BAD_NAME);
  /* same name twice, and a name inside another */
  const uint16_t same[] = {2, 2};
  assert_int_equal(relay_status(relay_raw(0, 2, same, 2, "a\0b\0c", 6)),
                   NCGT_ERR_OVERLAP);
  const uint16_t inside[] = {1, 4};
  assert_int_equal(relay_status(relay_raw(0, 2, inside, 2, "ab\0\0c", 6)),
                   NCGT_ERR_OVERLAP);
  /* bytes nobody references: a gap, and a tail */
  const uint16_t gap[] = {3, 5};
  assert_int_equal(relay_status(relay_raw(0, 2, gap, 2, "a\0xb\0c", 7)),
                   NCGT_ERR_TRAILING_BYTES);
  assert_int_equal(relay_status(relay_raw(0, 2, two, 2, "a\0b\0c\0z", 8)),
                   NCGT_ERR_TRAILING_BYTES);
  /* every byte referenced once, but not in field order */
  const uint16_t swapped[] = {4, 2};
  assert_int_equal(relay_status(relay_raw(0, 2, swapped, 2, "a\0b\0c", 6)),
                   NCGT_ERR_BAD_OFFSET);
  assert_int_equal(relay_status(relay_raw(2, 2, (const uint16_t[]){0, 4}, 2,
                                          "a\0b\0c", 6)),
                   NCGT_ERR_BAD_OFFSET);
  /* path count out of range */
  assert_int_equal(relay_status(relay_raw(0, 0, two, 0, "a", 2)),
                   NCGT_ERR_BAD_VALUE);
  uint16_t many[NCGT_PATH_MAX + 1];
  for (size_t i = 0; i <= NCGT_PATH_MAX; i++)
    many[i] = (uint16_t)(2 + 2 * i);
  assert_int_equal(relay_status(relay_raw(0, NCGT_PATH_MAX + 1, many,
                                          NCGT_PATH_MAX + 1, "a", 2)),
                   NCGT_ERR_TOO_MANY);
  /* a name repeated: two path entries, or the origin in the path (a
   * relay loop, review H-1); checked after the string buffer rules */
  assert_int_equal(relay_status(relay_raw(0, 2, two, 2, "a\0b\0b", 6)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(relay_status(relay_raw(0, 2, two, 2, "a\0b\0a", 6)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(relay_status(relay_raw(0, 2, two, 2, "a\0a\0c", 6)),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(relay_status(relay_raw(0, 2, two, 2, "a\0b\0ab", 7)),
                   0); /* a prefix is not a repeat */
  /* frame ends inside the index array */
  assert_int_equal(relay_status(relay_raw(0, 3, two, 1, "", 0)),
                   NCGT_ERR_TRUNCATED);
}

static void relay_name_length_limit(void **state) {
  (void)state;
  static uint8_t sb[2 + 257];
  const uint16_t one[] = {2};
  sb[0] = 'o';
  sb[1] = 0;
  memset(sb + 2, 'n', NCGT_NAME_MAX);
  sb[2 + NCGT_NAME_MAX] = 0;
  assert_int_equal(relay_status(relay_raw(0, 1, one, 1, sb,
                                          2 + NCGT_NAME_MAX + 1)), 0);
  sb[2 + NCGT_NAME_MAX] = 'n';
  sb[2 + NCGT_NAME_MAX + 1] = 0;
  assert_int_equal(relay_status(relay_raw(0, 1, one, 1, sb,
                                          2 + NCGT_NAME_MAX + 2)),
                   NCGT_ERR_BAD_NAME);
}

static void decoder_wants_exactly_one_frame_of_its_type(void **state) {
  (void)state;
  ncgt_frame_relay r;
  uint8_t b[64];
  memcpy(b, relay_abc, sizeof relay_abc);
  assert_int_equal(ncgt_relay_decode(&r, b, sizeof relay_abc - 1),
                   NCGT_ERR_TRUNCATED);
  assert_int_equal(ncgt_relay_decode(&r, b, sizeof relay_abc + 1),
                   NCGT_ERR_TRAILING_BYTES);
  assert_int_equal(ncgt_relay_decode(&r, b, 5), NCGT_ERR_TRUNCATED);
  b[4] = NCGT_FRAME_CLOSE;
  assert_int_equal(ncgt_relay_decode(&r, b, sizeof relay_abc),
                   NCGT_ERR_UNKNOWN_TYPE);
  b[4] = NCGT_FRAME_RELAY;
  b[5] = 2;
  assert_int_equal(ncgt_relay_decode(&r, b, sizeof relay_abc),
                   NCGT_ERR_BAD_VERSION);
  b[5] = 1;
  b[3] = NCGT_RELAY_FIXED_LEN - 1;
  assert_int_equal(ncgt_relay_decode(&r, b, NCGT_RELAY_FIXED_LEN - 1),
                   NCGT_ERR_FRAME_TOO_SMALL);
}

/* Found by fuzz_relay when an off-by-one was injected into the name scan
 * (doc/fuzzing.md walks through it): the last index points at a name that
 * runs to the end of the frame without a NUL. An exact-size array, so
 * ASan flags any read past it. */
static const uint8_t fuzz_relay_unterminated_tail[] = {
  0x00, 0x00, 0x00, 0x33, 0x01, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02,
  0x00, 0x11, 0x00, 0x20, 0x61, 0x00, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00,
  0x72, 0x65, 0x6c, 0x61, 0x79, 0x32, 0x2e, 0x65, 0x78, 0xff, 0xff, 0xff,
  0xff, 0x65, 0x00, 0x70, 0x6f, 0x6f, 0x6f, 0x6f, 0x00, 0x00, 0x2a, 0x2b,
  0x3b, 0x6f, 0x6c,
};

static void fuzz_regression_relay_unterminated_tail(void **state) {
  (void)state;
  ncgt_frame_relay r;
  assert_int_equal(ncgt_relay_decode(&r, fuzz_relay_unterminated_tail,
                                     sizeof fuzz_relay_unterminated_tail),
                   NCGT_ERR_UNTERMINATED);
}

/* The fuzz seeds are written by fuzz/gen-corpus, an independent encoder
 * built from doc/protocol.md alone: each must decode and re-encode to the
 * same bytes, so the document and this codec agree. */
static void corpus_seeds_decode_canonically(void **state) {
  (void)state;
  static const char *const targets[] = {"relay", "request", "response",
                                        "data", "close"};
  static uint8_t f[NCGT_FRAME_MAX_DEFAULT];
  size_t seen = 0;
  for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
    for (int i = 0;; i++) {
      char path[512];
      snprintf(path, sizeof path, "%s/../fuzz/corpus/fuzz_%s/seed-%02d",
               NCGT_TEST_SRCDIR, targets[t], i);
      FILE *fp = fopen(path, "rb");
      if (!fp)
        break;
      size_t n = fread(f, 1, sizeof f, fp);
      fclose(fp);
      assert_true(n > 0 && n < sizeof f);
      assert_int_equal(f[4], t + 1); /* file names follow the type order */
      assert_canonical(f, n);
      seen++;
    }
  }
  assert_true(seen >= 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(header_accepts_each_type_at_its_fixed_size),
    cmocka_unit_test(header_rejects_each_class),
    cmocka_unit_test(relay_decodes_and_reencodes),
    cmocka_unit_test(relay_encodes_canonically),
    cmocka_unit_test(relay_largest_round_trips),
    cmocka_unit_test(relay_encoder_refuses_what_decoder_would),
    cmocka_unit_test(relay_rejects_each_class),
    cmocka_unit_test(relay_name_length_limit),
    cmocka_unit_test(decoder_wants_exactly_one_frame_of_its_type),
    cmocka_unit_test(corpus_seeds_decode_canonically),
    cmocka_unit_test(fuzz_regression_relay_unterminated_tail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
