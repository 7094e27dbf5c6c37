/*
 * Thin wrappers over OpenSSL libcrypto (EVP only). ncgt_crypto.c is the
 * only file in lib/ that includes OpenSSL headers. No cipher or hash is
 * implemented here; these only adapt EVP to the shapes the protocol uses.
 */
#ifndef NCGT_CRYPTO_H
#define NCGT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <ncgtun/keys.h>
#include <ncgtun/ncgtun.h>

/* Keys (X25519, symmetric, PSK) are NCGT_KEY_BYTES long (keys.h): the
 * one spelling of the key length. */
enum {
  NCGT_HASH_LEN = 32, /* SHA-256 */
  NCGT_TAG_LEN = 16,  /* AEAD tag */
};

/* Wipes memory so the compiler cannot elide it (OPENSSL_cleanse). */
void ncgt_wipe(void *p, size_t n);
/* Constant-time comparison; 0 when equal. */
int ncgt_memcmp_ct(const void *a, const void *b, size_t n);

/* X25519 (RFC 7748). pub = priv * G. */
NCGT_WUR int ncgt_x25519_pub(uint8_t pub[NCGT_KEY_BYTES],
                             const uint8_t priv[NCGT_KEY_BYTES]);
/* out = DH(priv, pub); fails (NCGT_ERR_BAD_KEY) on an all-zero result, i.e.
 * a low-order peer key. */
NCGT_WUR int ncgt_x25519(uint8_t out[NCGT_KEY_BYTES],
                         const uint8_t priv[NCGT_KEY_BYTES],
                         const uint8_t pub[NCGT_KEY_BYTES]);

/* An X25519 key pair made once (one scalar multiplication to find the
 * public key) and used for any number of DHs: a server's static key, or
 * an ephemeral used for two tokens. */
typedef struct ncgt_x25519_key ncgt_x25519_key;
NCGT_WUR int ncgt_x25519_key_new(ncgt_x25519_key **pk,
                                 const uint8_t priv[NCGT_KEY_BYTES]);
void ncgt_x25519_key_del(ncgt_x25519_key *k); /* NULL is fine */
const uint8_t *ncgt_x25519_key_pub(const ncgt_x25519_key *k);
/* out = DH(k, pub): one scalar multiplication; NCGT_ERR_BAD_KEY as
 * ncgt_x25519. k may be shared by threads (read only). */
NCGT_WUR int ncgt_x25519_key_dh(uint8_t out[NCGT_KEY_BYTES],
                                const ncgt_x25519_key *k,
                                const uint8_t pub[NCGT_KEY_BYTES]);

/* SHA-256 over the concatenation of up to two buffers (b may be NULL). */
NCGT_WUR int ncgt_sha256(uint8_t out[NCGT_HASH_LEN], const uint8_t *a,
                         size_t alen, const uint8_t *b, size_t blen);
NCGT_WUR int ncgt_hmac_sha256(uint8_t out[NCGT_HASH_LEN], const uint8_t *key,
                              size_t keylen, const uint8_t *data, size_t len);

/* HKDF of Noise section 4.3 (RFC 5869 with salt ck and empty info):
 * two outputs, or three when o3 is not NULL. */
NCGT_WUR int ncgt_hkdf_noise(const uint8_t ck[NCGT_HASH_LEN],
                             const uint8_t *ikm, size_t ikmlen,
                             uint8_t o1[NCGT_HASH_LEN],
                             uint8_t o2[NCGT_HASH_LEN], uint8_t *o3);

/* An AEAD key ready for use: EVP context created and keyed once, so the
 * per-frame cost is one nonce set and one update. */
typedef struct ncgt_aead ncgt_aead;

/* transform: one NCGT_TRANSFORM_* bit. */
NCGT_WUR int ncgt_aead_new(ncgt_aead **pa, unsigned transform,
                           const uint8_t key[NCGT_KEY_BYTES]);
void ncgt_aead_del(ncgt_aead *a); /* wipes the key; NULL is fine */

/*
 * Nonce from a 64-bit counter, as Noise section 12 specifies per cipher:
 * ChaChaPoly: 4 zero bytes || little-endian counter;
 * AESGCM:     4 zero bytes || big-endian counter.
 * seal: ct[0..len) = E(pt), tag written; ct may equal pt (in place).
 * open: pt[0..len) = D(ct) after the tag checks; NCGT_ERR_DECRYPT if not.
 */
NCGT_WUR int ncgt_aead_seal(ncgt_aead *a, uint64_t counter, const uint8_t *ad,
                            size_t adlen, const uint8_t *pt, size_t len,
                            uint8_t *ct, uint8_t tag[NCGT_TAG_LEN]);
NCGT_WUR int ncgt_aead_open(ncgt_aead *a, uint64_t counter, const uint8_t *ad,
                            size_t adlen, const uint8_t *ct, size_t len,
                            const uint8_t tag[NCGT_TAG_LEN], uint8_t *pt);

#endif /* NCGT_CRYPTO_H */
