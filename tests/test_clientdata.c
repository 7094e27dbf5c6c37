/* Client data codec (lib/ncgt_clientdata.c): patent Fig. 23 as RFC 2132
 * options. Fixed bytes in, fields and statuses out. */
#include "adapter_harness.h"

/* h_config() encoded, option by option. */
static const uint8_t expected[] = {
    50, 4, 10, 77, 0, 2,                       /* requested address */
    1, 4, 255, 255, 255, 0,                    /* netmask */
    54, 4, 10, 77, 0, 1,                       /* server id */
    6, 4, 10, 88, 0, 53,                       /* DNS */
    15, 12, 'c', 'o', 'r', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
    26, 2, 0x05, 0x78,                         /* MTU 1400 */
    51, 4, 0, 0, 0x02, 0x58,                   /* lease 600 */
    121, 15, 16, 10, 88, 10, 77, 0, 1,         /* 10.88/16 via .1 */
    24, 192, 168, 77, 10, 77, 0, 1,            /* 192.168.77/24 via .1 */
    255,
};

static void encodes_exact_bytes(void **state) {
  (void)state;
  ncgt_client_config cc;
  uint8_t buf[NCGT_CC_ENCODED_MAX];
  h_config(&cc);
  ssize_t n = ncgt_client_config_encode(buf, sizeof buf, &cc);
  assert_int_equal(n, sizeof expected);
  assert_memory_equal(buf, expected, sizeof expected);
  /* one byte short: NOBUF, never a partial success */
  assert_int_equal(ncgt_client_config_encode(buf, sizeof expected - 1, &cc),
                   NCGT_ERR_NOBUF);
}

static void decodes_fields(void **state) {
  (void)state;
  ncgt_client_config cc, want;
  h_config(&want);
  assert_int_equal(ncgt_client_config_decode(&cc, expected, sizeof expected), 0);
  assert_int_equal(cc.client_addr, want.client_addr);
  assert_int_equal(cc.server_addr, want.server_addr);
  assert_int_equal(cc.prefix_len, 24);
  assert_int_equal(cc.mtu, 1400);
  assert_int_equal(cc.lease_s, 600);
  assert_int_equal(cc.t1_s, 0);
  assert_int_equal(cc.default_route, 0);
  assert_int_equal(cc.ndns, 1);
  assert_int_equal(cc.dns[0], IP4(10, 88, 0, 53));
  assert_string_equal(cc.domain, "corp.example");
  assert_int_equal(cc.nroutes, 2);
  assert_int_equal(cc.routes[0].dest, IP4(10, 88, 0, 0));
  assert_int_equal(cc.routes[0].prefix_len, 16);
  assert_int_equal(cc.routes[0].gateway, IP4(10, 77, 0, 1));
  assert_int_equal(cc.routes[1].dest, IP4(192, 168, 77, 0));
  assert_int_equal(cc.routes[1].prefix_len, 24);
}

static void round_trips_full_config(void **state) {
  (void)state;
  ncgt_client_config cc, back;
  uint8_t buf[NCGT_CC_ENCODED_MAX];
  h_config(&cc);
  cc.default_route = 1;
  cc.t1_s = 100;
  cc.t2_s = 200;
  cc.ndns = NCGT_CC_DNS_MAX;
  for (size_t i = 0; i < cc.ndns; i++)
    cc.dns[i] = IP4(10, 88, 0, 50 + i);
  memset(cc.domain, 'a', NCGT_CC_DOMAIN_MAX);
  cc.domain_len = NCGT_CC_DOMAIN_MAX;
  cc.nroutes = NCGT_CC_ROUTES_MAX;
  for (size_t i = 0; i < cc.nroutes; i++) /* /32s: the longest encoding */
    cc.routes[i] = (ncgt_route4){IP4(172, 16, i, 0), 32, IP4(10, 77, 0, 1)};
  ssize_t n = ncgt_client_config_encode(buf, sizeof buf, &cc);
  assert_int_equal(n, NCGT_CC_ENCODED_MAX);
  assert_true(n <= 512); /* the handshake's client data field */
  assert_int_equal(ncgt_client_config_decode(&back, buf, (size_t)n), 0);
  assert_int_equal(back.default_route, 1);
  assert_int_equal(back.t1_s, 100);
  assert_int_equal(back.t2_s, 200);
  assert_int_equal(back.ndns, NCGT_CC_DNS_MAX);
  assert_int_equal(back.domain_len, NCGT_CC_DOMAIN_MAX);
  assert_int_equal(back.nroutes, NCGT_CC_ROUTES_MAX);
  assert_int_equal(back.routes[15].dest, IP4(172, 16, 15, 0));
}

/* Replaces the option at expected[off] (code) with `opt`. */
static size_t with_opt(uint8_t *out, size_t at, size_t oldlen,
                       const uint8_t *opt, size_t optlen) {
  memcpy(out, expected, at);
  memcpy(out + at, opt, optlen);
  memcpy(out + at + optlen, expected + at + oldlen,
         sizeof expected - at - oldlen);
  return sizeof expected - oldlen + optlen;
}

enum { AT_MASK = 6, AT_DNS = 18, AT_DOMAIN = 24, AT_MTU = 38, AT_LEASE = 42,
       AT_ROUTES = 48, AT_END = sizeof expected - 1 };

static int decode_with(size_t at, size_t oldlen, const uint8_t *opt,
                       size_t optlen) {
  uint8_t buf[600];
  ncgt_client_config cc;
  size_t n = with_opt(buf, at, oldlen, opt, optlen);
  int rv = ncgt_client_config_decode(&cc, buf, n);
  if (rv < 0) /* nothing half-decoded is left behind */
    assert_int_equal(cc.client_addr, 0);
  return rv;
}

static void rejects_bad_options(void **state) {
  (void)state;
  static const uint8_t mask_holes[] = {1, 4, 255, 0, 255, 0};
  static const uint8_t mask_short[] = {1, 3, 255, 255, 255};
  static const uint8_t dns_odd[] = {6, 5, 1, 2, 3, 4, 5};
  static const uint8_t dns_many[] = {6, 20, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                     1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  static const uint8_t dom_bad[] = {15, 3, 'a', ' ', 'b'};
  static const uint8_t dom_nul[] = {15, 3, 'a', 0, 'b'};
  static const uint8_t mtu_small[] = {26, 2, 0x01, 0xF4};
  static const uint8_t lease_zero[] = {51, 4, 0, 0, 0, 0};
  static const uint8_t t1_big[] = {58, 4, 0, 0, 0x10, 0};
  static const uint8_t rt_wide[] = {121, 5, 33, 10, 77, 0, 1};
  static const uint8_t rt_bits[] = {121, 7, 15, 10, 89, 10, 77, 0, 1};
  static const uint8_t rt_short[] = {121, 6, 16, 10, 88, 10, 77, 0};
  static const uint8_t rt_gw_far[] = {121, 7, 16, 10, 88, 10, 78, 0, 1};
  static const uint8_t rt_empty[] = {121, 0};
  static const uint8_t dup_mask[] = {1, 4, 255, 255, 255, 0,
                                     1, 4, 255, 255, 255, 0};
  static const uint8_t router_other[] = {3, 4, 10, 77, 0, 9};
  static const uint8_t ms_other[] = {249, 7, 16, 10, 99, 10, 77, 0, 1};
  assert_int_equal(decode_with(AT_MASK, 6, mask_holes, sizeof mask_holes),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(decode_with(AT_MASK, 6, mask_short, sizeof mask_short),
                   NCGT_ERR_BAD_LENGTH);
  assert_int_equal(decode_with(AT_DNS, 6, dns_odd, sizeof dns_odd),
                   NCGT_ERR_BAD_LENGTH);
  assert_int_equal(decode_with(AT_DNS, 6, dns_many, sizeof dns_many),
                   NCGT_ERR_TOO_MANY);
  assert_int_equal(decode_with(AT_DOMAIN, 14, dom_bad, sizeof dom_bad),
                   NCGT_ERR_BAD_NAME);
  assert_int_equal(decode_with(AT_DOMAIN, 14, dom_nul, sizeof dom_nul),
                   NCGT_ERR_BAD_NAME);
  assert_int_equal(decode_with(AT_MTU, 4, mtu_small, sizeof mtu_small),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(decode_with(AT_LEASE, 6, lease_zero, sizeof lease_zero),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(decode_with(AT_END, 0, t1_big, sizeof t1_big),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(decode_with(AT_ROUTES, 17, rt_wide, sizeof rt_wide),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(decode_with(AT_ROUTES, 17, rt_bits, sizeof rt_bits),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(decode_with(AT_ROUTES, 17, rt_short, sizeof rt_short),
                   NCGT_ERR_BAD_LENGTH);
  assert_int_equal(decode_with(AT_ROUTES, 17, rt_gw_far, sizeof rt_gw_far),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(decode_with(AT_ROUTES, 17, rt_empty, sizeof rt_empty),
                   NCGT_ERR_BAD_LENGTH);
  assert_int_equal(decode_with(AT_MASK, 6, dup_mask, sizeof dup_mask),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(decode_with(AT_END, 0, router_other, sizeof router_other),
                   NCGT_ERR_BAD_VALUE);
  assert_int_equal(decode_with(AT_END, 0, ms_other, sizeof ms_other),
                   NCGT_ERR_BAD_VALUE);
}

static void too_many_routes(void **state) {
  (void)state;
  uint8_t opt[2 + 5 * (NCGT_CC_ROUTES_MAX + 1)];
  opt[0] = 121;
  opt[1] = 5 * (NCGT_CC_ROUTES_MAX + 1);
  for (size_t i = 0; i <= NCGT_CC_ROUTES_MAX; i++) {
    opt[2 + 5 * i] = 0; /* 0.0.0.0/0 via 0.0.0.0: 5 bytes each */
    memset(opt + 3 + 5 * i, 0, 4);
  }
  assert_int_equal(decode_with(AT_ROUTES, 17, opt, sizeof opt),
                   NCGT_ERR_TOO_MANY);
}

static void required_and_trailing(void **state) {
  (void)state;
  ncgt_client_config cc;
  uint8_t buf[sizeof expected + 2];
  /* without option 50 (first 6 bytes) */
  assert_int_equal(ncgt_client_config_decode(&cc, expected + 6,
                                             sizeof expected - 6),
                   NCGT_ERR_TRUNCATED);
  /* END then PAD is fine, END then anything else is not */
  memcpy(buf, expected, sizeof expected);
  buf[sizeof expected] = 0;
  buf[sizeof expected + 1] = 0;
  assert_int_equal(ncgt_client_config_decode(&cc, buf, sizeof buf), 0);
  buf[sizeof expected + 1] = 1;
  assert_int_equal(ncgt_client_config_decode(&cc, buf, sizeof buf),
                   NCGT_ERR_TRAILING_BYTES);
  /* without END, and an unknown option that is skipped */
  static const uint8_t unknown[] = {200, 3, 1, 2, 3};
  assert_int_equal(decode_with(AT_END, 1, unknown, sizeof unknown), 0);
  /* 249 alone stands for 121 */
  uint8_t ms[sizeof expected];
  memcpy(ms, expected, sizeof ms);
  ms[AT_ROUTES] = 249;
  assert_int_equal(ncgt_client_config_decode(&cc, ms, sizeof ms), 0);
  assert_int_equal(cc.nroutes, 2);
}

/* Every prefix of a valid encoding decodes or fails cleanly (under ASan
 * this shows no read past the end). */
static void every_truncation(void **state) {
  (void)state;
  ncgt_client_config cc;
  int ok = 0;
  for (size_t n = 0; n < sizeof expected; n++) {
    uint8_t *copy = test_malloc(n ? n : 1);
    memcpy(copy, expected, n);
    int rv = ncgt_client_config_decode(&cc, copy, n);
    assert_true(rv == 0 || rv == NCGT_ERR_TRUNCATED || rv == NCGT_ERR_BAD_VALUE);
    ok += rv == 0;
    test_free(copy);
  }
  /* only cuts at an option boundary after the required ones decode */
  assert_true(ok >= 1 && ok <= 8);
}

static void check_rejects_inconsistent(void **state) {
  (void)state;
  ncgt_client_config cc;
  uint8_t buf[NCGT_CC_ENCODED_MAX];
  h_config(&cc);
  cc.server_addr = IP4(10, 78, 0, 1); /* not in the client's subnet */
  assert_int_equal(ncgt_client_config_encode(buf, sizeof buf, &cc),
                   NCGT_ERR_BAD_VALUE);
  h_config(&cc);
  cc.client_addr = IP4(10, 77, 0, 255); /* the subnet's broadcast */
  assert_int_equal(ncgt_client_config_check(&cc), NCGT_ERR_BAD_VALUE);
  h_config(&cc);
  cc.prefix_len = 31;
  assert_int_equal(ncgt_client_config_check(&cc), NCGT_ERR_BAD_VALUE);
  h_config(&cc);
  cc.nroutes = NCGT_CC_ROUTES_MAX + 1;
  assert_int_equal(ncgt_client_config_check(&cc), NCGT_ERR_TOO_MANY);
  h_config(&cc);
  cc.lease_s = NCGT_LEASE_INFINITE; /* T1/T2 infinite too: fine */
  assert_int_equal(ncgt_client_config_check(&cc), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(encodes_exact_bytes),
      cmocka_unit_test(decodes_fields),
      cmocka_unit_test(round_trips_full_config),
      cmocka_unit_test(rejects_bad_options),
      cmocka_unit_test(too_many_routes),
      cmocka_unit_test(required_and_trailing),
      cmocka_unit_test(every_truncation),
      cmocka_unit_test(check_rejects_inconsistent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
