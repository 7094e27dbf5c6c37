/*
 * Static identity keys (X25519, RFC 7748) for users and servers, and their
 * text form: standard base64 (RFC 4648 section 4) of the 32 raw bytes on
 * one line, 44 characters with one '=' pad, as WireGuard and OpenSSH users
 * expect. These back `genkey` / `pubkey` in the programs.
 *
 * The library has no randomness of its own: the host supplies 32 random
 * bytes and ncgt_privkey_from_random() turns them into a private key.
 * Callers should wipe private keys when done with them.
 */
#ifndef NCGTUN_KEYS_H
#define NCGTUN_KEYS_H

#include <ncgtun/ncgtun.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  /* Raw length of a private key, public key or pre-shared key. */
  NCGT_KEY_BYTES = 32,
  /* Base64 text length of a key, without a terminating NUL. */
  NCGT_KEY_B64_LEN = (NCGT_KEY_BYTES + 2) / 3 * 4,
};

/* priv = random32 clamped as RFC 7748 section 5 decodeScalar25519 does
 * (clear bits 0-2 and 255, set bit 254). priv may equal random32. */
NCGT_EXTERN NCGT_WUR int ncgt_privkey_from_random(uint8_t priv[NCGT_KEY_BYTES],
                                                  const uint8_t *random32);
/* Overwrites p[0..n) with zeros in a way the compiler may not remove
 * (a memset of a buffer that is dead afterwards may be elided). For key
 * material in host programs; NULL or n = 0 is fine. */
NCGT_EXTERN void ncgt_key_wipe(void *p, size_t n);
/* pub = X25519(priv, 9). */
NCGT_EXTERN NCGT_WUR int ncgt_pubkey(uint8_t pub[NCGT_KEY_BYTES],
                                     const uint8_t priv[NCGT_KEY_BYTES]);
/* Writes the 44-character base64 text and a NUL into out. */
NCGT_EXTERN void ncgt_key_to_base64(char out[NCGT_KEY_B64_LEN + 1],
                                    const uint8_t key[NCGT_KEY_BYTES]);
/* Parses text[0..len): exactly 44 base64 characters (the last one '=' and
 * the unused low bits zero, so each key has one spelling), optionally
 * followed by whitespace (a line read from a file). NCGT_ERR_BAD_KEY on
 * anything else; key is then zeroed. The decoding runs in time
 * independent of the key's value. */
NCGT_EXTERN NCGT_WUR int ncgt_key_from_base64(uint8_t key[NCGT_KEY_BYTES],
                                              const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NCGTUN_KEYS_H */
