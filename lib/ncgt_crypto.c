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
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

void ncgt_wipe(void *p, size_t n) {
  if (p && n)
    OPENSSL_cleanse(p, n);
}

int ncgt_memcmp_ct(const void *a, const void *b, size_t n) {
  return CRYPTO_memcmp(a, b, n) != 0;
}

/* ------------------------------------------------------------------ */
/* Algorithms fetched once per process (OpenSSL 3: passing EVP_sha256()  */
/* or a name to an init call fetches it again, under a lock, every time; */
/* that was most of a handshake's non-X25519 cost, doc/performance.md).  */
/* ------------------------------------------------------------------ */

static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *g_sha256;
static EVP_MAC_CTX *g_hmac_tmpl; /* HMAC with SHA-256 set, never keyed */

static void fetch_algs(void) {
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (mac) {
    char dig[] = "SHA256";
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, dig, 0),
        OSSL_PARAM_construct_end()};
    g_hmac_tmpl = EVP_MAC_CTX_new(mac);
    if (g_hmac_tmpl && EVP_MAC_CTX_set_params(g_hmac_tmpl, p) != 1) {
      EVP_MAC_CTX_free(g_hmac_tmpl);
      g_hmac_tmpl = NULL;
    }
    EVP_MAC_free(mac); /* the context keeps its own reference */
  }
}

static int algs_ready(void) {
  return CRYPTO_THREAD_run_once(&fetch_once, fetch_algs) == 1 && g_sha256 &&
         g_hmac_tmpl;
}

/* ------------------------------------------------------------------ */
/* X25519 (RFC 7748 section 5) through raw EVP_PKEY keys.             */
/* ------------------------------------------------------------------ */

/* Importing a raw X25519 private key makes OpenSSL compute its public
 * key, a full scalar multiplication: a key used more than once is made
 * into an ncgt_x25519_key once. */
struct ncgt_x25519_key {
  EVP_PKEY *pk;
  uint8_t pub[NCGT_KEY_BYTES];
};

int ncgt_x25519_key_new(ncgt_x25519_key **pk,
                        const uint8_t priv[NCGT_KEY_BYTES]) {
  size_t publen = NCGT_KEY_BYTES;
  ncgt_x25519_key *k;
  *pk = NULL;
  k = calloc(1, sizeof *k);
  if (!k)
    return NCGT_ERR_NOMEM;
  k->pk =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, NCGT_KEY_BYTES);
  if (!k->pk || EVP_PKEY_get_raw_public_key(k->pk, k->pub, &publen) != 1 ||
      publen != NCGT_KEY_BYTES) {
    ncgt_x25519_key_del(k);
    return NCGT_ERR_CRYPTO;
  }
  *pk = k;
  return 0;
}

void ncgt_x25519_key_del(ncgt_x25519_key *k) {
  if (!k)
    return;
  EVP_PKEY_free(k->pk); /* cleanses the private key */
  free(k);
}

const uint8_t *ncgt_x25519_key_pub(const ncgt_x25519_key *k) { return k->pub; }

int ncgt_x25519_key_dh(uint8_t out[NCGT_KEY_BYTES], const ncgt_x25519_key *k,
                       const uint8_t pub[NCGT_KEY_BYTES]) {
  static const uint8_t zero[NCGT_KEY_BYTES];
  int rv = NCGT_ERR_CRYPTO;
  size_t outlen = NCGT_KEY_BYTES;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *peer =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, NCGT_KEY_BYTES);
  if (!peer)
    goto out;
  ctx = EVP_PKEY_CTX_new(k->pk, NULL);
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
  EVP_PKEY_free(peer);
  return rv;
}

int ncgt_x25519_pub(uint8_t pub[NCGT_KEY_BYTES],
                    const uint8_t priv[NCGT_KEY_BYTES]) {
  ncgt_x25519_key *k = NULL;
  int rv = ncgt_x25519_key_new(&k, priv);
  if (rv == 0)
    memcpy(pub, k->pub, NCGT_KEY_BYTES);
  ncgt_x25519_key_del(k);
  return rv;
}

int ncgt_x25519(uint8_t out[NCGT_KEY_BYTES], const uint8_t priv[NCGT_KEY_BYTES],
                const uint8_t pub[NCGT_KEY_BYTES]) {
  ncgt_x25519_key *k = NULL;
  int rv = ncgt_x25519_key_new(&k, priv);
  if (rv == 0)
    rv = ncgt_x25519_key_dh(out, k, pub);
  else
    ncgt_wipe(out, NCGT_KEY_BYTES);
  ncgt_x25519_key_del(k);
  return rv;
}

/* ------------------------------------------------------------------ */
/* SHA-256, HMAC-SHA256 and the Noise HKDF                            */
/* ------------------------------------------------------------------ */

int ncgt_sha256(uint8_t out[NCGT_HASH_LEN], const uint8_t *a, size_t alen,
                const uint8_t *b, size_t blen) {
  unsigned outlen = 0;
  EVP_MD_CTX *ctx = algs_ready() ? EVP_MD_CTX_new() : NULL;
  int ok = ctx && EVP_DigestInit_ex(ctx, g_sha256, NULL) == 1 &&
           EVP_DigestUpdate(ctx, a, alen) == 1 &&
           (!b || EVP_DigestUpdate(ctx, b, blen) == 1) &&
           EVP_DigestFinal_ex(ctx, out, &outlen) == 1 &&
           outlen == NCGT_HASH_LEN;
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : NCGT_ERR_CRYPTO;
}

/* out = HMAC(key, a || b) on a context that already has its digest. */
static int hmac_on(EVP_MAC_CTX *ctx, uint8_t out[NCGT_HASH_LEN],
                   const uint8_t *key, size_t keylen, const uint8_t *a,
                   size_t alen, const uint8_t *b, size_t blen) {
  size_t outlen = 0;
  return EVP_MAC_init(ctx, key, keylen, NULL) == 1 &&
                 EVP_MAC_update(ctx, a, alen) == 1 &&
                 (!blen || EVP_MAC_update(ctx, b, blen) == 1) &&
                 EVP_MAC_final(ctx, out, &outlen, NCGT_HASH_LEN) == 1 &&
                 outlen == NCGT_HASH_LEN
             ? 0
             : NCGT_ERR_CRYPTO;
}

int ncgt_hmac_sha256(uint8_t out[NCGT_HASH_LEN], const uint8_t *key,
                     size_t keylen, const uint8_t *data, size_t len) {
  EVP_MAC_CTX *ctx = algs_ready() ? EVP_MAC_CTX_dup(g_hmac_tmpl) : NULL;
  int rv = ctx ? hmac_on(ctx, out, key, keylen, data, len, NULL, 0)
               : NCGT_ERR_CRYPTO;
  EVP_MAC_CTX_free(ctx);
  return rv;
}

int ncgt_hkdf_noise(const uint8_t ck[NCGT_HASH_LEN], const uint8_t *ikm,
                    size_t ikmlen, uint8_t o1[NCGT_HASH_LEN],
                    uint8_t o2[NCGT_HASH_LEN], uint8_t *o3) {
  static const uint8_t ctr[3] = {0x01, 0x02, 0x03};
  uint8_t temp[NCGT_HASH_LEN];
  /* One context for the three or four HMACs: re-keying it is cheaper
   * than making another. */
  EVP_MAC_CTX *ctx = algs_ready() ? EVP_MAC_CTX_dup(g_hmac_tmpl) : NULL;
  int rv = NCGT_ERR_CRYPTO;
  if (!ctx)
    goto out;
  /* temp_key = HMAC(ck, ikm) */
  if ((rv = hmac_on(ctx, temp, ck, NCGT_HASH_LEN, ikm, ikmlen, NULL, 0)))
    goto out;
  /* output1 = HMAC(temp_key, byte(0x01)) */
  if ((rv = hmac_on(ctx, o1, temp, sizeof temp, &ctr[0], 1, NULL, 0)))
    goto out;
  /* output2 = HMAC(temp_key, output1 || byte(0x02)) */
  if ((rv = hmac_on(ctx, o2, temp, sizeof temp, o1, NCGT_HASH_LEN, &ctr[1],
                    1)))
    goto out;
  /* output3 = HMAC(temp_key, output2 || byte(0x03)) */
  if (o3)
    rv = hmac_on(ctx, o3, temp, sizeof temp, o2, NCGT_HASH_LEN, &ctr[2], 1);
out:
  EVP_MAC_CTX_free(ctx); /* cleanses the keyed state */
  ncgt_wipe(temp, sizeof temp);
  return rv;
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
