/* IPv6 client data (lib/ncgt_clientdata6.c): options 224-226 next to the
 * RFC 2132 ones. Fixed bytes in, fields and statuses out. */
#include "adapter_harness.h"

#define FD99(last)                                                           \
  {0xfd, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last}

static void h_config6(ncgt_client_config6 *c6) {
  static const uint8_t cl[16] = FD99(0x20), sv[16] = FD99(1);
  static const uint8_t r0[16] = {0xfd, 0x60}, dns[16] = FD99(0x53);
  memset(c6, 0, sizeof *c6);
  c6->prefix_len = 64;
  memcpy(c6->client_addr, cl, 16);
  memcpy(c6->server_addr, sv, 16);
  c6->flags = NCGT_CC6_F_DEFAULT;
  c6->nroutes = 2;
  memcpy(c6->routes[0].dest, r0, 16);
  c6->routes[0].prefix_len = 16; /* fd60::/16 */
  c6->routes[1].prefix_len = 0;  /* ::/0 */
  c6->ndns = 1;
  memcpy(c6->dns[0], dns, 16);
}

/* h_config() then h_config6(): the IPv4 options, the IPv6 ones, END. */
static const uint8_t v4_part[] = {
    50, 4, 10, 77, 0, 2, 1, 4, 255, 255, 255, 0, 54, 4, 10, 77, 0, 1,
    6, 4, 10, 88, 0, 53,
    15, 12, 'c', 'o', 'r', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
    26, 2, 0x05, 0x78, 51, 4, 0, 0, 0x02, 0x58,
    121, 15, 16, 10, 88, 10, 77, 0, 1, 24, 192, 168, 77, 10, 77, 0, 1,
};
static const uint8_t v6_part[] = {
    224, 34,                                                /* address */
    0xfd, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, /* client */
    64,                                                     /* prefix */
    0xfd, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,   /* server */
    NCGT_CC6_F_DEFAULT,                                     /* flags */
    225, 4, 16, 0xfd, 0x60, 0,                              /* routes */
    226, 16, 0xfd, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
    255,
};

static size_t expected(uint8_t *buf) {
  memcpy(buf, v4_part, sizeof v4_part);
  memcpy(buf + sizeof v4_part, v6_part, sizeof v6_part);
  return sizeof v4_part + sizeof v6_part;
}

static void encodes_exact_bytes(void **state) {
  (void)state;
  ncgt_client_config cc;
  ncgt_client_config6 c6;
  uint8_t buf[512], want[512];
  size_t wn = expected(want);
  h_config(&cc);
  h_config6(&c6);
  ssize_t n = ncgt_client_config_encode6(buf, sizeof buf, &cc, &c6);
  assert_int_equal(n, wn);
  assert_memory_equal(buf, want, wn);
  assert_int_equal(ncgt_client_config_encode6(buf, wn - 1, &cc, &c6),
                   NCGT_ERR_NOBUF);
  /* no IPv6: exactly the IPv4 encoding */
  c6.prefix_len = 0;
  n = ncgt_client_config_encode6(buf, sizeof buf, &cc, &c6);
  assert_int_equal(n, sizeof v4_part + 1);
  assert_int_equal(buf[n - 1], 255);
  assert_int_equal(ncgt_client_config_encode6(buf, sizeof buf, &cc, NULL), n);
}

static void decodes_fields_and_old_decoder_ignores(void **state) {
  (void)state;
  ncgt_client_config cc, want4;
  ncgt_client_config6 c6, want;
  uint8_t buf[512];
  size_t n = expected(buf);
  h_config6(&want);
  h_config(&want4);
  assert_int_equal(ncgt_client_config6_decode(&c6, buf, n), 0);
  assert_memory_equal(&c6, &want, sizeof c6);
  /* the IPv4 decoder (and so an older peer) skips 224-226 */
  assert_int_equal(ncgt_client_config_decode(&cc, buf, n), 0);
  assert_int_equal(cc.client_addr, want4.client_addr);
  assert_int_equal(cc.nroutes, 2);
  /* IPv4-only data: no IPv6 */
  assert_int_equal(ncgt_client_config6_decode(&c6, v4_part, sizeof v4_part), 0);
  assert_int_equal(c6.prefix_len, 0);
}

static void rejects_bad_options(void **state) {
  (void)state;
  ncgt_client_config6 c6;
  uint8_t buf[512];
  size_t n = expected(buf);
  size_t at = sizeof v4_part; /* the 224 option */
  struct {
    size_t off;
    uint8_t val;
    int rc;
  } cases[] = {
      {at + 1, 33, NCGT_ERR_BAD_LENGTH},      /* wrong length */
      {at + 2 + 16, 0, NCGT_ERR_BAD_VALUE},   /* prefix 0 */
      {at + 2 + 16, 127, NCGT_ERR_BAD_VALUE}, /* prefix /127 */
      {at + 2 + 15, 1, NCGT_ERR_BAD_VALUE},   /* client == server */
      {at + 2 + 15, 0, NCGT_ERR_BAD_VALUE},   /* client is anycast */
      {at + 2 + 33, 0x80, NCGT_ERR_BAD_VALUE}, /* unknown flag */
      {at + 2 + 33, NCGT_CC6_F_AUTONOMOUS, 0},
      {at + 42, 225, NCGT_ERR_BAD_VALUE},     /* 225 twice */
      {at + 38, 9, NCGT_ERR_BAD_VALUE},       /* route host bits (/9) */
      {at + 38, 129, NCGT_ERR_BAD_VALUE},     /* route width */
      {at + 42 + 2, 0xff, NCGT_ERR_BAD_VALUE}, /* multicast DNS */
      {at + 43, 15, NCGT_ERR_BAD_LENGTH},     /* DNS length */
      {at, 227, NCGT_ERR_TRUNCATED},          /* routes without 224 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t b[512];
    memcpy(b, buf, n);
    b[cases[i].off] = cases[i].val;
    int rc = ncgt_client_config6_decode(&c6, b, n);
    if (rc != cases[i].rc)
      fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
    if (rc != 0)
      assert_int_equal(c6.prefix_len, 0); /* zeroed on failure */
  }
}

static void every_truncation(void **state) {
  (void)state;
  ncgt_client_config6 c6;
  uint8_t buf[512];
  size_t n = expected(buf);
  /* cut inside an option: an error; at a boundary: a valid shorter
   * list (224 alone is complete); never a crash (ASan) */
  for (size_t cut = sizeof v4_part; cut < n - 1; cut++) {
    int rc = ncgt_client_config6_decode(&c6, buf, cut);
    int boundary = cut == sizeof v4_part || cut == sizeof v4_part + 36 ||
                   cut == sizeof v4_part + 42;
    if (boundary != (rc == 0))
      fail_msg("cut %zu: rc %d", cut, rc);
  }
}

static void check_and_budget(void **state) {
  (void)state;
  ncgt_client_config cc;
  ncgt_client_config6 c6;
  uint8_t buf[512];
  h_config6(&c6);
  c6.flags = NCGT_CC6_F_AUTONOMOUS;
  c6.prefix_len = 56; /* SLAAC needs /64 */
  assert_int_equal(ncgt_client_config6_check(&c6), NCGT_ERR_BAD_VALUE);
  h_config6(&c6);
  c6.nroutes = NCGT_CC6_ROUTES_MAX + 1;
  assert_int_equal(ncgt_client_config6_check(&c6), NCGT_ERR_TOO_MANY);
  h_config6(&c6);
  c6.server_addr[0] = 0xfc; /* outside the prefix */
  assert_int_equal(ncgt_client_config6_check(&c6), NCGT_ERR_BAD_VALUE);
  /* everything at its maximum still fits the 512-byte field */
  h_config(&cc);
  cc.nroutes = NCGT_CC_ROUTES_MAX;
  for (size_t i = 0; i < cc.nroutes; i++)
    cc.routes[i] = (ncgt_route4){IP4(10, 100, (uint8_t)i, 0), 24, 0};
  cc.ndns = NCGT_CC_DNS_MAX;
  for (size_t i = 0; i < cc.ndns; i++)
    cc.dns[i] = IP4(10, 88, 0, (uint8_t)(1 + i));
  memset(cc.domain, 'a', NCGT_CC_DOMAIN_MAX);
  cc.domain[NCGT_CC_DOMAIN_MAX] = '\0';
  cc.domain_len = NCGT_CC_DOMAIN_MAX;
  h_config6(&c6);
  c6.nroutes = NCGT_CC6_ROUTES_MAX;
  for (size_t i = 0; i < c6.nroutes; i++) {
    memset(&c6.routes[i], 0, sizeof c6.routes[i]);
    c6.routes[i].dest[0] = 0xfd;
    c6.routes[i].dest[15] = (uint8_t)(i << 1);
    c6.routes[i].prefix_len = 127;
  }
  c6.ndns = NCGT_CC6_DNS_MAX;
  memcpy(c6.dns[1], c6.server_addr, 16);
  ssize_t n = ncgt_client_config_encode6(buf, sizeof buf, &cc, &c6);
  assert_true(n > 0 && n <= 512);
  ncgt_client_config6 back;
  assert_int_equal(ncgt_client_config6_decode(&back, buf, (size_t)n), 0);
  assert_memory_equal(&back, &c6, sizeof back);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(encodes_exact_bytes),
      cmocka_unit_test(decodes_fields_and_old_decoder_ignores),
      cmocka_unit_test(rejects_bad_options),
      cmocka_unit_test(every_truncation),
      cmocka_unit_test(check_and_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
