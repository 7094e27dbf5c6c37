/* Status codes, names and the version call (lib/ncgt_status.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <ncgtun/ncgtun.h>

static void every_status_has_its_own_text(void **state) {
  (void)state;
  static const int codes[] = {
    NCGT_OK, NCGT_ERR_INVALID_ARGUMENT, NCGT_ERR_NOBUF, NCGT_ERR_NOMEM,
    NCGT_ERR_CALLBACK_FAILURE, NCGT_ERR_INVALID_STATE, NCGT_ERR_CALLBACK_DROPPED,
    NCGT_ERR_INTERNAL, NCGT_ERR_UNSUPPORTED, NCGT_ERR_TRUNCATED,
    NCGT_ERR_FRAME_TOO_LARGE, NCGT_ERR_FRAME_TOO_SMALL, NCGT_ERR_UNKNOWN_TYPE,
    NCGT_ERR_BAD_VERSION, NCGT_ERR_BAD_OFFSET, NCGT_ERR_OVERLAP,
    NCGT_ERR_UNTERMINATED, NCGT_ERR_TRAILING_BYTES, NCGT_ERR_BAD_LENGTH,
    NCGT_ERR_BAD_FLAGS, NCGT_ERR_BAD_VALUE, NCGT_ERR_TOO_MANY,
    NCGT_ERR_BAD_NAME, NCGT_ERR_CRYPTO, NCGT_ERR_DECRYPT, NCGT_ERR_AUTH,
    NCGT_ERR_REPLAY, NCGT_ERR_NO_TRANSFORM, NCGT_ERR_KEY_EXHAUSTED,
    NCGT_ERR_BAD_KEY, NCGT_ERR_PROTO, NCGT_ERR_CLOSED, NCGT_ERR_TIMEOUT,
    NCGT_ERR_RELAY_REFUSED, NCGT_ERR_NO_ROUTE, NCGT_ERR_FULL,
  };
  size_t n = sizeof(codes) / sizeof(codes[0]);
  for (size_t i = 0; i < n; i++) {
    const char *a = ncgt_strerror(codes[i]);
    assert_non_null(a);
    assert_string_not_equal(a, "unknown status");
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(a, ncgt_strerror(codes[j]));
  }
  assert_string_equal(ncgt_strerror(-9999), "unknown status");
}

static void fatal_classification(void **state) {
  (void)state;
  assert_false(ncgt_err_is_fatal(NCGT_OK));
  assert_false(ncgt_err_is_fatal(NCGT_ERR_NOBUF));
  assert_false(ncgt_err_is_fatal(NCGT_ERR_CALLBACK_DROPPED));
  assert_true(ncgt_err_is_fatal(NCGT_ERR_CALLBACK_FAILURE));
  assert_true(ncgt_err_is_fatal(NCGT_ERR_DECRYPT));
  assert_true(ncgt_err_is_fatal(NCGT_ERR_NOMEM));
  assert_true(ncgt_err_is_fatal(NCGT_ERR_FRAME_TOO_LARGE));
}

static void close_status_names(void **state) {
  (void)state;
  assert_string_equal(ncgt_close_status_name(NCGT_CLOSE_AUTH_FAILED),
                      "auth-failed");
  assert_string_equal(ncgt_close_status_name(NCGT_CLOSE_INTEGRITY),
                      "integrity-failure");
  assert_string_equal(ncgt_close_status_name(NCGT_CLOSE_SERVER_FULL),
                      "server-full");
  assert_string_equal(ncgt_close_status_name(NCGT_CLOSE_REDIRECT), "redirect");
  assert_string_equal(ncgt_close_status_name(NCGT_CLOSE_TRANSPORT),
                      "transport-error");
  assert_string_equal(ncgt_close_status_name(999), "unknown");
  for (unsigned s = 0; s <= NCGT_CLOSE_RESET; s++)
    assert_string_not_equal(ncgt_close_status_name(s), "unknown");
}

static void transform_names(void **state) {
  (void)state;
  assert_string_equal(ncgt_transform_name(NCGT_TRANSFORM_AES256GCM),
                      "aes-256-gcm");
  assert_string_equal(ncgt_transform_name(NCGT_TRANSFORM_CHACHA20POLY1305),
                      "chacha20-poly1305");
  assert_string_equal(ncgt_transform_name(NCGT_TRANSFORMS_ALL), "unknown");
}

static void version_matches_header(void **state) {
  (void)state;
  assert_string_equal(ncgt_version_str(), NCGT_VERSION);
  assert_int_equal(ncgt_version_num(), NCGT_VERSION_NUM);
  assert_int_equal(NCGT_VERSION_NUM >> 16, NCGT_VERSION_MAJOR);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(every_status_has_its_own_text),
    cmocka_unit_test(fatal_classification),
    cmocka_unit_test(close_status_names),
    cmocka_unit_test(transform_names),
    cmocka_unit_test(version_matches_header),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
