/* EVP wrappers (lib/ncgt_crypto.c) against published vectors: RFC 7748
 * X25519, RFC 8439 appendix A.5 ChaCha20-Poly1305, the GCM specification's
 * AES-256 test case 14 (McGrew & Viega), plus the Noise section 12 nonce
 * layouts, in-place sealing and tag mismatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ncgt_crypto.h"
#include "testvec.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  long n = testvec_unhex(hex, out, cap);
  assert_true(n >= 0);
  return (size_t)n;
}

static void x25519_rfc7748(void **state) {
  (void)state;
  uint8_t k[32], u[32], out[32], want[32];
  /* RFC 7748 section 5.2, first test vector (unclamped scalar input). */
  unhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", k, 32);
  unhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", u, 32);
  unhex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", want, 32);
  assert_int_equal(ncgt_x25519(out, k, u), 0);
  assert_memory_equal(out, want, 32);

  /* RFC 7748 section 6.1: Alice and Bob. */
  uint8_t a[32], b[32], apub[32], bpub[32], s1[32], s2[32];
  unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
  unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b, 32);
  assert_int_equal(ncgt_x25519_pub(apub, a), 0);
  assert_int_equal(ncgt_x25519_pub(bpub, b), 0);
  unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", want, 32);
  assert_memory_equal(apub, want, 32);
  unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", want, 32);
  assert_memory_equal(bpub, want, 32);
  assert_int_equal(ncgt_x25519(s1, a, bpub), 0);
  assert_int_equal(ncgt_x25519(s2, b, apub), 0);
  unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want, 32);
  assert_memory_equal(s1, want, 32);
  assert_memory_equal(s2, want, 32);
}

static void x25519_low_order_peer_is_refused(void **state) {
  (void)state;
  uint8_t a[32], zero[32] = {0}, one[32] = {1}, out[32];
  unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
  memset(out, 0xAA, sizeof out);
  assert_int_equal(ncgt_x25519(out, a, zero), NCGT_ERR_BAD_KEY);
  assert_memory_equal(out, zero, 32); /* nothing left behind */
  assert_int_equal(ncgt_x25519(out, a, one), NCGT_ERR_BAD_KEY);
}

/* The key object (made once, used for many DHs) gives the RFC 7748 6.1
 * answers too, twice from one object, and refuses a low-order peer. */
static void x25519_key_object(void **state) {
  (void)state;
  uint8_t a[32], bpub[32], want[32], out[32], zero[32] = {0};
  ncgt_x25519_key *k = NULL;
  unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
  unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bpub, 32);
  assert_int_equal(ncgt_x25519_key_new(&k, a), 0);
  unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", want, 32);
  assert_memory_equal(ncgt_x25519_key_pub(k), want, 32);
  unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want, 32);
  for (int i = 0; i < 2; i++) {
    memset(out, 0, sizeof out);
    assert_int_equal(ncgt_x25519_key_dh(out, k, bpub), 0);
    assert_memory_equal(out, want, 32);
  }
  assert_int_equal(ncgt_x25519_key_dh(out, k, zero), NCGT_ERR_BAD_KEY);
  assert_memory_equal(out, zero, 32);
  ncgt_x25519_key_del(k);
}

/* ncgt_hkdf_noise is Noise 4.3's HKDF: check it against its definition
 * in terms of HMAC-SHA256 (itself checked against RFC 4231 below). */
static void hkdf_noise_matches_definition(void **state) {
  (void)state;
  uint8_t ck[32], ikm[7] = {1, 2, 3, 4, 5, 6, 7}, o1[32], o2[32], o3[32];
  uint8_t temp[32], w1[32], w2[32], w3[32], buf[33];
  for (int i = 0; i < 32; i++)
    ck[i] = (uint8_t)(0xa0 + i);
  assert_int_equal(ncgt_hkdf_noise(ck, ikm, sizeof ikm, o1, o2, o3), 0);
  assert_int_equal(ncgt_hmac_sha256(temp, ck, 32, ikm, sizeof ikm), 0);
  buf[0] = 1;
  assert_int_equal(ncgt_hmac_sha256(w1, temp, 32, buf, 1), 0);
  memcpy(buf, w1, 32);
  buf[32] = 2;
  assert_int_equal(ncgt_hmac_sha256(w2, temp, 32, buf, 33), 0);
  memcpy(buf, w2, 32);
  buf[32] = 3;
  assert_int_equal(ncgt_hmac_sha256(w3, temp, 32, buf, 33), 0);
  assert_memory_equal(o1, w1, 32);
  assert_memory_equal(o2, w2, 32);
  assert_memory_equal(o3, w3, 32);
  /* two outputs only: the same first two */
  memset(o1, 0, 32);
  assert_int_equal(ncgt_hkdf_noise(ck, NULL, 0, o1, o2, NULL), 0);
  assert_memory_not_equal(o1, w1, 32); /* different ikm, different keys */
}

static void sha256_and_hmac(void **state) {
  (void)state;
  uint8_t out[32], want[32], key[32];
  /* FIPS 180-2 "abc", split over the two input buffers. */
  unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
  assert_int_equal(ncgt_sha256(out, (const uint8_t *)"ab", 2,
                               (const uint8_t *)"c", 1), 0);
  assert_memory_equal(out, want, 32);
  assert_int_equal(ncgt_sha256(out, (const uint8_t *)"abc", 3, NULL, 0), 0);
  assert_memory_equal(out, want, 32);
  /* RFC 4231 test case 2: key "Jefe". */
  unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want, 32);
  memcpy(key, "Jefe", 4);
  assert_int_equal(ncgt_hmac_sha256(out, key, 4,
                                    (const uint8_t *)"what do ya want for nothing?",
                                    28), 0);
  assert_memory_equal(out, want, 32);
}

/* RFC 8439 appendix A.5: nonce 00000000 0102030405060708 is Noise's
 * 4 zero bytes || LE64(0x0807060504030201). */
static const char a5_key[] =
    "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";
static const char a5_ct[] =
    "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18"
    "755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce"
    "98c8a84abd0b948114ad176e008d33bd60f982b1ff37c8559797a06ef4f0ef61c186324e"
    "2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e9"
    "9040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04"
    "b3564eea1b422273f548271a0bb2316053fa76991955ebd63159434ecebb4e466dae5a10"
    "73a6727627097a1049e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d"
    "6c6f2c29a6ad5cb4022b02709b";
static const char a5_tag[] = "eead9d67890cbb22392336fea1851f38";
static const char a5_aad[] = "f33388860000000000004e91";
static const char a5_pt_head[] = "Internet-Drafts are draft documents valid";
#define A5_COUNTER UINT64_C(0x0807060504030201)

static void chacha20poly1305_rfc8439_a5(void **state) {
  (void)state;
  uint8_t key[32], ct[512], tag[16], aad[12], pt[512], ct2[512], tag2[16];
  unhex(a5_key, key, sizeof key);
  size_t n = unhex(a5_ct, ct, sizeof ct);
  unhex(a5_tag, tag, sizeof tag);
  unhex(a5_aad, aad, sizeof aad);
  assert_int_equal(n, 265);
  ncgt_aead *a = NULL;
  assert_int_equal(ncgt_aead_new(&a, NCGT_TRANSFORM_CHACHA20POLY1305, key), 0);
  assert_int_equal(ncgt_aead_open(a, A5_COUNTER, aad, 12, ct, n, tag, pt), 0);
  assert_memory_equal(pt, a5_pt_head, strlen(a5_pt_head));
  /* and back: sealing reproduces ciphertext and tag */
  assert_int_equal(ncgt_aead_seal(a, A5_COUNTER, aad, 12, pt, n, ct2, tag2), 0);
  assert_memory_equal(ct2, ct, n);
  assert_memory_equal(tag2, tag, 16);
  /* in place */
  assert_int_equal(ncgt_aead_seal(a, A5_COUNTER, aad, 12, pt, n, pt, tag2), 0);
  assert_memory_equal(pt, ct, n);
  /* tag mismatch: DECRYPT, and no plaintext left in the output */
  tag[0] ^= 1;
  memset(pt, 0x55, sizeof pt);
  assert_int_equal(ncgt_aead_open(a, A5_COUNTER, aad, 12, ct, n, tag, pt),
                   NCGT_ERR_DECRYPT);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(pt[i], 0);
  tag[0] ^= 1;
  /* wrong counter, altered AD, altered ciphertext: all DECRYPT */
  assert_int_equal(ncgt_aead_open(a, A5_COUNTER + 1, aad, 12, ct, n, tag, pt),
                   NCGT_ERR_DECRYPT);
  aad[11] ^= 1;
  assert_int_equal(ncgt_aead_open(a, A5_COUNTER, aad, 12, ct, n, tag, pt),
                   NCGT_ERR_DECRYPT);
  aad[11] ^= 1;
  ct[100] ^= 1;
  assert_int_equal(ncgt_aead_open(a, A5_COUNTER, aad, 12, ct, n, tag, pt),
                   NCGT_ERR_DECRYPT);
  ct[100] ^= 1;
  /* the context is still good after failures */
  assert_int_equal(ncgt_aead_open(a, A5_COUNTER, aad, 12, ct, n, tag, pt), 0);
  ncgt_aead_del(a);
}

static void aes256gcm_vectors(void **state) {
  (void)state;
  uint8_t key[32] = {0}, zero16[16] = {0}, ct[64], tag[16], want[64];
  ncgt_aead *a = NULL;
  /* GCM spec test case 14: K = 0^256, IV = 0^96 (counter 0), P = 0^128. */
  assert_int_equal(ncgt_aead_new(&a, NCGT_TRANSFORM_AES256GCM, key), 0);
  assert_int_equal(ncgt_aead_seal(a, 0, NULL, 0, zero16, 16, ct, tag), 0);
  unhex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919",
        want, sizeof want);
  assert_memory_equal(ct, want, 16);
  assert_memory_equal(tag, want + 16, 16);
  /* test case 13: empty plaintext */
  assert_int_equal(ncgt_aead_seal(a, 0, NULL, 0, NULL, 0, ct, tag), 0);
  unhex("530f8afbc74536b9a963b4f1c4cb738b", want, sizeof want);
  assert_memory_equal(tag, want, 16);
  ncgt_aead_del(a);

  /* Noise 12.4 nonce: 4 zero bytes || BE64(counter). Value computed with an
   * independent implementation (python3-cryptography AESGCM) for key
   * 00..1f, nonce 00000000 0102030405060708, AD "hdr", PT "ncgtun". */
  for (int i = 0; i < 32; i++)
    key[i] = (uint8_t)i;
  assert_int_equal(ncgt_aead_new(&a, NCGT_TRANSFORM_AES256GCM, key), 0);
  assert_int_equal(ncgt_aead_seal(a, UINT64_C(0x0102030405060708),
                                  (const uint8_t *)"hdr", 3,
                                  (const uint8_t *)"ncgtun", 6, ct, tag), 0);
  unhex("6a32027aa88fc69affce6e61099b8eed3565a28c3088", want, sizeof want);
  assert_memory_equal(ct, want, 6);
  assert_memory_equal(tag, want + 6, 16);
  uint8_t pt[6];
  assert_int_equal(ncgt_aead_open(a, UINT64_C(0x0102030405060708),
                                  (const uint8_t *)"hdr", 3, ct, 6, tag, pt), 0);
  assert_memory_equal(pt, "ncgtun", 6);
  tag[15] ^= 0x80;
  assert_int_equal(ncgt_aead_open(a, UINT64_C(0x0102030405060708),
                                  (const uint8_t *)"hdr", 3, ct, 6, tag, pt),
                   NCGT_ERR_DECRYPT);
  ncgt_aead_del(a);
}

static void aead_rejects_unknown_transform(void **state) {
  (void)state;
  uint8_t key[32] = {0};
  ncgt_aead *a = (ncgt_aead *)&key;
  assert_int_equal(ncgt_aead_new(&a, 0, key), NCGT_ERR_INVALID_ARGUMENT);
  assert_null(a);
  assert_int_equal(ncgt_aead_new(&a, NCGT_TRANSFORMS_ALL, key),
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_aead_del(NULL);
}

static void wipe_and_compare(void **state) {
  (void)state;
  uint8_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  assert_int_equal(ncgt_memcmp_ct(a, b, 8), 0);
  b[7] = 9;
  assert_int_not_equal(ncgt_memcmp_ct(a, b, 8), 0);
  ncgt_wipe(a, sizeof a);
  for (size_t i = 0; i < sizeof a; i++)
    assert_int_equal(a[i], 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(x25519_rfc7748),
      cmocka_unit_test(x25519_low_order_peer_is_refused),
      cmocka_unit_test(sha256_and_hmac),
      cmocka_unit_test(x25519_key_object),
      cmocka_unit_test(hkdf_noise_matches_definition),
      cmocka_unit_test(chacha20poly1305_rfc8439_a5),
      cmocka_unit_test(aes256gcm_vectors),
      cmocka_unit_test(aead_rejects_unknown_transform),
      cmocka_unit_test(wipe_and_compare),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
