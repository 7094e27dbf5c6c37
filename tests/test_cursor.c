/* The bounds-checked reader/writer (lib/ncgt_cursor.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ncgt_cursor.h"

static void reads_big_endian_and_stops_at_end(void **state) {
  (void)state;
  const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ncgt_rd r;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  ncgt_rd_init(&r, b, sizeof b);
  assert_int_equal(ncgt_rd_u8(&r, &u8), 0);
  assert_int_equal(u8, 1);
  assert_int_equal(ncgt_rd_u16(&r, &u16), 0);
  assert_int_equal(u16, 0x0203);
  assert_int_equal(ncgt_rd_u32(&r, &u32), 0);
  assert_int_equal(u32, 0x04050607);
  assert_int_equal(ncgt_rd_left(&r), 0);
  assert_int_equal(ncgt_rd_u8(&r, &u8), NCGT_ERR_TRUNCATED);
  assert_int_equal(r.err, NCGT_ERR_TRUNCATED);
}

static void short_read_is_sticky_and_consumes_nothing(void **state) {
  (void)state;
  const uint8_t b[] = {0xAA, 0xBB, 0xCC};
  ncgt_rd r;
  uint32_t u32 = 0x12345678;
  uint8_t u8 = 0;
  ncgt_rd_init(&r, b, sizeof b);
  assert_int_equal(ncgt_rd_u32(&r, &u32), NCGT_ERR_TRUNCATED);
  assert_int_equal(u32, 0x12345678); /* untouched */
  assert_int_equal(r.off, 0);
  /* sticky: a read that would fit now still fails */
  assert_int_equal(ncgt_rd_u8(&r, &u8), NCGT_ERR_TRUNCATED);
}

static void huge_lengths_do_not_wrap(void **state) {
  (void)state;
  const uint8_t b[4] = {0};
  const uint8_t *p = NULL;
  ncgt_rd r;
  ncgt_rd_init(&r, b, sizeof b);
  assert_int_equal(ncgt_rd_skip(&r, 2), 0);
  assert_int_equal(ncgt_rd_ptr(&r, &p, SIZE_MAX), NCGT_ERR_TRUNCATED);
  assert_null(p);
}

static void writer_checks_capacity(void **state) {
  (void)state;
  uint8_t b[6];
  ncgt_wr w;
  ncgt_wr_init(&w, b, sizeof b);
  assert_int_equal(ncgt_wr_u16(&w, 0xBEEF), 0);
  assert_int_equal(ncgt_wr_u32(&w, 0x01020304), 0);
  assert_int_equal(w.off, 6);
  assert_int_equal(ncgt_wr_u8(&w, 9), NCGT_ERR_NOBUF);
  assert_memory_equal(b, "\xBE\xEF\x01\x02\x03\x04", 6);
  assert_int_equal(ncgt_get_u16(b), 0xBEEF);
  assert_int_equal(ncgt_get_u32(b + 2), 0x01020304);
}

static void u64_round_trip(void **state) {
  (void)state;
  uint8_t b[8];
  ncgt_wr w;
  ncgt_rd r;
  uint64_t v = 0;
  ncgt_wr_init(&w, b, sizeof b);
  assert_int_equal(ncgt_wr_u64(&w, 0x0102030405060708ULL), 0);
  ncgt_rd_init(&r, b, sizeof b);
  assert_int_equal(ncgt_rd_u64(&r, &v), 0);
  assert_true(v == 0x0102030405060708ULL);
  assert_int_equal(b[0], 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(reads_big_endian_and_stops_at_end),
    cmocka_unit_test(short_read_is_sticky_and_consumes_nothing),
    cmocka_unit_test(huge_lengths_do_not_wrap),
    cmocka_unit_test(writer_checks_capacity),
    cmocka_unit_test(u64_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
