/* Internet checksum helpers (lib/ncgt_inet.c): RFC 1071 examples and the
 * RFC 1624 incremental update against a full recomputation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ncgt_inet.h"

static void rfc1071_example(void **state) {
  (void)state;
  /* RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 */
  static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  assert_int_equal(ncgt_csum_fold(ncgt_csum_add(0, b, sizeof b)),
                   (uint16_t)~0xddf2);
  /* odd length: the last byte is the high half of a word */
  static const uint8_t o[] = {0x12, 0x34, 0x56};
  assert_int_equal(ncgt_csum_fold(ncgt_csum_add(0, o, sizeof o)),
                   (uint16_t)~(0x1234 + 0x5600));
}

static void incremental_matches_full(void **state) {
  (void)state;
  uint8_t b[64];
  for (unsigned seed = 1; seed < 200; seed++) {
    for (size_t i = 0; i < sizeof b; i++)
      b[i] = (uint8_t)(seed * 31 + i * 7);
    uint16_t c = ncgt_csum_fold(ncgt_csum_add(0, b, sizeof b));
    size_t w = (seed % 32) * 2;
    uint16_t old_w = ncgt_get_u16(b + w), new_w = (uint16_t)(seed * 977);
    ncgt_put_u16(b + w, new_w);
    uint16_t full = ncgt_csum_fold(ncgt_csum_add(0, b, sizeof b));
    uint16_t inc = ncgt_csum_update16(c, old_w, new_w);
    /* one's complement has two zeros; both verify */
    assert_true(inc == full || (uint16_t)(inc + full) == 0xFFFF);
  }
}

static void ipv4_header_and_specials(void **state) {
  (void)state;
  uint8_t buf[20];
  ncgt_wr w;
  const uint8_t src[4] = {10, 77, 0, 1}, dst[4] = {255, 255, 255, 255};
  ncgt_wr_init(&w, buf, sizeof buf);
  assert_int_equal(ncgt_wr_ipv4(&w, src, dst, 17, 300), 0);
  assert_int_equal(ncgt_csum_fold(ncgt_csum_add(0, buf, 20)), 0);
  assert_int_equal(ncgt_get_u16(buf + 2), 320);
  ncgt_wr_init(&w, buf, 19);
  assert_int_equal(ncgt_wr_ipv4(&w, src, dst, 17, 300), NCGT_ERR_NOBUF);
  assert_true(ncgt_ip4_is_special(0xE0000001u));
  assert_true(ncgt_ip4_is_special(0xFFFFFFFFu));
  assert_true(ncgt_ip4_is_special(0x7F000001u));
  assert_true(ncgt_ip4_is_special(0));
  assert_false(ncgt_ip4_is_special(0x0A4D0001u));
  assert_int_equal(ncgt_prefix_mask(0), 0);
  assert_int_equal(ncgt_prefix_mask(24), 0xFFFFFF00u);
  assert_int_equal(ncgt_prefix_mask(32), 0xFFFFFFFFu);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rfc1071_example),
      cmocka_unit_test(incremental_matches_full),
      cmocka_unit_test(ipv4_header_and_specials),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
