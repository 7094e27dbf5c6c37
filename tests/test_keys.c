/* Key generation and base64 text (include/ncgtun/keys.h, lib/ncgt_keys.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <ncgtun/keys.h>

#include "testvec.h"

static void clamps_as_rfc7748(void **state) {
  (void)state;
  uint8_t r[32], k[32];
  memset(r, 0xFF, sizeof r);
  assert_int_equal(ncgt_privkey_from_random(k, r), 0);
  assert_int_equal(k[0], 0xF8);
  assert_int_equal(k[31], 0x7F);
  memset(r, 0x00, sizeof r);
  assert_int_equal(ncgt_privkey_from_random(r, r), 0); /* in place */
  assert_int_equal(r[0], 0x00);
  assert_int_equal(r[31], 0x40);
  assert_int_equal(ncgt_privkey_from_random(k, NULL),
                   NCGT_ERR_INVALID_ARGUMENT);
}

static void pubkey_matches_rfc7748(void **state) {
  (void)state;
  uint8_t priv[32], pub[32], want[32];
  testvec_unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", priv, 32);
  testvec_unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", want, 32);
  assert_int_equal(ncgt_pubkey(pub, priv), 0);
  assert_memory_equal(pub, want, 32);
}

/* Every 6-bit value in every position; known text from `base64`(1). */
static void base64_round_trip_and_known_text(void **state) {
  (void)state;
  uint8_t key[32], back[32];
  char text[NCGT_KEY_B64_LEN + 1];
  for (int i = 0; i < 32; i++)
    key[i] = (uint8_t)i;
  ncgt_key_to_base64(text, key);
  /* printf '\x00\x01...\x1f' | base64 */
  assert_string_equal(text, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  assert_int_equal(strlen(text), NCGT_KEY_B64_LEN);
  assert_int_equal(ncgt_key_from_base64(back, text, strlen(text)), 0);
  assert_memory_equal(back, key, 32);
  memset(key, 0xFF, sizeof key);
  ncgt_key_to_base64(text, key);
  assert_string_equal(text, "//////////////////////////////////////////8=");
  for (unsigned seed = 1; seed < 300; seed++) {
    for (int i = 0; i < 32; i++)
      key[i] = (uint8_t)(seed * 131 + (unsigned)i * 197 + (seed >> 3) * i);
    ncgt_key_to_base64(text, key);
    for (int i = 0; i < NCGT_KEY_B64_LEN - 1; i++)
      assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", text[i]));
    assert_int_equal(ncgt_key_from_base64(back, text, NCGT_KEY_B64_LEN), 0);
    assert_memory_equal(back, key, 32);
  }
}

static void base64_accepts_a_line(void **state) {
  (void)state;
  uint8_t k[32];
  const char *line = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n";
  assert_int_equal(ncgt_key_from_base64(k, line, strlen(line)), 0);
  assert_int_equal(k[31], 0x1f);
}

static void base64_rejects_bad_text(void **state) {
  (void)state;
  uint8_t k[32];
  const char *good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  const char *bad[] = {
      "",
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",     /* short */
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A",    /* no pad */
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",    /* low bits set */
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",   /* extra pad */
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=x",   /* trailing junk */
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-h8=",    /* url alphabet */
      "AAECAwQFBgcICQoLDA0O xAREhMUFRYXGBkaGxwdHh8=",    /* space inside */
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd=h8=",    /* pad inside */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(k, 0xAA, sizeof k);
    assert_int_equal(ncgt_key_from_base64(k, bad[i], strlen(bad[i])),
                     NCGT_ERR_BAD_KEY);
    for (int j = 0; j < 32; j++)
      assert_int_equal(k[j], 0); /* nothing half-decoded left behind */
  }
  /* every non-alphabet byte value in the first position */
  char t[NCGT_KEY_B64_LEN + 1];
  memcpy(t, good, sizeof t);
  for (int c = 0; c < 256; c++) {
    t[0] = (char)c;
    int in = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
             (c >= '0' && c <= '9') || c == '+' || c == '/';
    assert_int_equal(ncgt_key_from_base64(k, t, NCGT_KEY_B64_LEN),
                     in ? 0 : NCGT_ERR_BAD_KEY);
  }
  assert_int_equal(ncgt_key_from_base64(k, NULL, 0), NCGT_ERR_BAD_KEY);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(clamps_as_rfc7748),
      cmocka_unit_test(pubkey_matches_rfc7748),
      cmocka_unit_test(base64_round_trip_and_known_text),
      cmocka_unit_test(base64_accepts_a_line),
      cmocka_unit_test(base64_rejects_bad_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
