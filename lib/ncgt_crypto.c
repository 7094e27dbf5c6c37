/*
 * OpenSSL libcrypto adapters (EVP only). The only file in lib/ that
 * includes OpenSSL headers (STYLE.md habit 3): every other module reaches
 * X25519, SHA-256, HMAC and the AEADs through ncgt_crypto.h.
 */
#include "ncgt_crypto.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

void ncgt_wipe(void *p, size_t n) {
  if (p && n)
    OPENSSL_cleanse(p, n);
}

int ncgt_memcmp_ct(const void *a, const void *b, size_t n) {
  return CRYPTO_memcmp(a, b, n) != 0;
}

/* ------------------------------------------------------------------ */
/* X25519 (RFC 7748 section 5) through raw EVP_PKEY keys.             */
/* ------------------------------------------------------------------ */

int ncgt_x25519_pub(uint8_t pub[NCGT_KEY_BYTES],
                    const uint8_t priv[NCGT_KEY_BYTES]) {
  size_t publen = NCGT_KEY_BYTES;
  EVP_PKEY *pk =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, NCGT_KEY_BYTES);
  if (!pk)
    return NCGT_ERR_CRYPTO;
  int ok = EVP_PKEY_get_raw_public_key(pk, pub, &publen) == 1 &&
           publen == NCGT_KEY_BYTES;
  EVP_PKEY_free(pk);
  return ok ? 0 : NCGT_ERR_CRYPTO;
}

int ncgt_x25519(uint8_t out[NCGT_KEY_BYTES], const uint8_t priv[NCGT_KEY_BYTES],
                const uint8_t pub[NCGT_KEY_BYTES]) {
  static const uint8_t zero[NCGT_KEY_BYTES];
  int rv = NCGT_ERR_CRYPTO;
  size_t outlen = NCGT_KEY_BYTES;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *mine =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, NCGT_KEY_BYTES);
  EVP_PKEY *peer =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, NCGT_KEY_BYTES);
  if (!mine || !peer)
    goto out;
  ctx = EVP_PKEY_CTX_new(mine, NULL);
  if (!ctx || EVP_PKEY_derive_init(ctx) != 1)
    goto out;
  /* OpenSSL refuses a low-order peer (all-zero output, RFC 7748 section
   * 6.1) inside derive; both cases are a bad peer key for us. */
  if (EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
      EVP_PKEY_derive(ctx, out, &outlen) != 1 || outlen != NCGT_KEY_BYTES) {
    rv = NCGT_ERR_BAD_KEY;
    goto out;
  }
  rv = CRYPTO_memcmp(out, zero, NCGT_KEY_BYTES) ? 0 : NCGT_ERR_BAD_KEY;
out:
  if (rv)
    ncgt_wipe(out, NCGT_KEY_BYTES);
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(mine);
  EVP_PKEY_free(peer);
  return rv;
}

/* ------------------------------------------------------------------ */
/* SHA-256 and HMAC-SHA256                                            */
/* ------------------------------------------------------------------ */

int ncgt_sha256(uint8_t out[NCGT_HASH_LEN], const uint8_t *a, size_t alen,
                const uint8_t *b, size_t blen) {
  unsigned outlen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
           EVP_DigestUpdate(ctx, a, alen) == 1 &&
           (!b || EVP_DigestUpdate(ctx, b, blen) == 1) &&
           EVP_DigestFinal_ex(ctx, out, &outlen) == 1 &&
           outlen == NCGT_HASH_LEN;
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : NCGT_ERR_CRYPTO;
}

int ncgt_hmac_sha256(uint8_t out[NCGT_HASH_LEN], const uint8_t *key,
                     size_t keylen, const uint8_t *data, size_t len) {
  size_t outlen = 0;
  if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen, data, len,
                 out, NCGT_HASH_LEN, &outlen) ||
      outlen != NCGT_HASH_LEN)
    return NCGT_ERR_CRYPTO;
  return 0;
}

/* ------------------------------------------------------------------ */
/* AEAD: one EVP_CIPHER_CTX keyed once; per frame only the nonce is   */
/* set (no allocation, no key schedule).                              */
/* ------------------------------------------------------------------ */

enum { NCGT_NONCE_LEN = 12 };

struct ncgt_aead {
  EVP_CIPHER_CTX *ctx;
  unsigned transform;
};

int ncgt_aead_new(ncgt_aead **pa, unsigned transform,
                  const uint8_t key[NCGT_KEY_BYTES]) {
  const EVP_CIPHER *c;
  ncgt_aead *a;
  *pa = NULL;
  switch (transform) {
  case NCGT_TRANSFORM_AES256GCM:
    c = EVP_aes_256_gcm();
    break;
  case NCGT_TRANSFORM_CHACHA20POLY1305:
    c = EVP_chacha20_poly1305();
    break;
  default:
    return NCGT_ERR_INVALID_ARGUMENT;
  }
  a = calloc(1, sizeof *a);
  if (!a)
    return NCGT_ERR_NOMEM;
  a->transform = transform;
  a->ctx = EVP_CIPHER_CTX_new();
  /* Both ciphers default to a 96-bit nonce (Noise section 12). */
  if (!a->ctx || EVP_CipherInit_ex(a->ctx, c, NULL, key, NULL, 1) != 1 ||
      EVP_CIPHER_CTX_get_iv_length(a->ctx) != NCGT_NONCE_LEN) {
    ncgt_aead_del(a);
    return NCGT_ERR_CRYPTO;
  }
  *pa = a;
  return 0;
}

void ncgt_aead_del(ncgt_aead *a) {
  if (!a)
    return;
  EVP_CIPHER_CTX_free(a->ctx); /* cleanses the key schedule */
  free(a);
}

/* Noise section 12: 32 zero bits then the 64-bit counter, little-endian
 * for ChaChaPoly (12.3) and big-endian for AESGCM (12.4). */
static void aead_nonce(const ncgt_aead *a, uint64_t n,
                       uint8_t nonce[NCGT_NONCE_LEN]) {
  memset(nonce, 0, 4);
  for (int i = 0; i < 8; i++) {
    uint8_t byte = (uint8_t)(n >> (8 * i));
    if (a->transform == NCGT_TRANSFORM_AES256GCM)
      nonce[NCGT_NONCE_LEN - 1 - i] = byte;
    else
      nonce[4 + i] = byte;
  }
}

/* Sets the nonce and direction, feeds the AD and the whole text in one
 * update. Returns 0 or NCGT_ERR_CRYPTO. */
static int aead_run(ncgt_aead *a, int enc, uint64_t counter,
                    const uint8_t *ad, size_t adlen, const uint8_t *in,
                    size_t len, uint8_t *out) {
  uint8_t nonce[NCGT_NONCE_LEN];
  int outl = 0;
  if (len > INT_MAX || adlen > INT_MAX)
    return NCGT_ERR_INVALID_ARGUMENT;
  aead_nonce(a, counter, nonce);
  if (EVP_CipherInit_ex(a->ctx, NULL, NULL, NULL, nonce, enc) != 1)
    return NCGT_ERR_CRYPTO;
  if (adlen && EVP_CipherUpdate(a->ctx, NULL, &outl, ad, (int)adlen) != 1)
    return NCGT_ERR_CRYPTO;
  if (len && (EVP_CipherUpdate(a->ctx, out, &outl, in, (int)len) != 1 ||
              (size_t)outl != len))
    return NCGT_ERR_CRYPTO;
  return 0;
}

int ncgt_aead_seal(ncgt_aead *a, uint64_t counter, const uint8_t *ad,
                   size_t adlen, const uint8_t *pt, size_t len, uint8_t *ct,
                   uint8_t tag[NCGT_TAG_LEN]) {
  uint8_t fin[NCGT_TAG_LEN]; /* stream AEADs emit nothing at final */
  int outl = 0;
  int rv = aead_run(a, 1, counter, ad, adlen, pt, len, ct);
  if (rv)
    return rv;
  if (EVP_CipherFinal_ex(a->ctx, fin, &outl) != 1 || outl != 0 ||
      EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, NCGT_TAG_LEN, tag) !=
          1)
    return NCGT_ERR_CRYPTO;
  return 0;
}

int ncgt_aead_open(ncgt_aead *a, uint64_t counter, const uint8_t *ad,
                   size_t adlen, const uint8_t *ct, size_t len,
                   const uint8_t tag[NCGT_TAG_LEN], uint8_t *pt) {
  uint8_t fin[NCGT_TAG_LEN];
  int outl = 0;
  int rv = aead_run(a, 0, counter, ad, adlen, ct, len, pt);
  if (rv)
    return rv;
  if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, NCGT_TAG_LEN,
                          (void *)tag) != 1)
    return NCGT_ERR_CRYPTO;
  if (EVP_CipherFinal_ex(a->ctx, fin, &outl) != 1 || outl != 0) {
    /* Never hand out unauthenticated plaintext. */
    ncgt_wipe(pt, len);
    return NCGT_ERR_DECRYPT;
  }
  return 0;
}
