/*
 * Static identity keys and their base64 text form (include/ncgtun/keys.h).
 *
 * The base64 coder works on private keys too, so it uses no table lookup
 * and no branch on key bits (a table indexed by secret bits is a cache
 * timing channel): each 6-bit value is mapped to its character, and back,
 * by arithmetic on sign masks, in the manner of WireGuard's key encoding.
 */
#include <ncgtun/keys.h>

#include <string.h>

#include "ncgt_crypto.h"

enum {
  /* 32 bytes = 10 groups of 3 bytes (4 characters) + 2 bytes (3
   * characters and one '=' pad), RFC 4648 section 4. */
  B64_FULL_GROUPS = NCGT_KEY_BYTES / 3,
  B64_TAIL_BYTES = NCGT_KEY_BYTES % 3,
};
_Static_assert(B64_TAIL_BYTES == 2, "the tail code below handles 2 bytes");

int ncgt_privkey_from_random(uint8_t priv[NCGT_KEY_BYTES],
                             const uint8_t *random32) {
  if (!priv || !random32)
    return NCGT_ERR_INVALID_ARGUMENT;
  memmove(priv, random32, NCGT_KEY_BYTES);
  /* RFC 7748 section 5, decodeScalar25519: a multiple of the cofactor 8,
   * below 2^255, with bit 254 set. */
  priv[0] &= 248;
  priv[NCGT_KEY_BYTES - 1] &= 127;
  priv[NCGT_KEY_BYTES - 1] |= 64;
  return 0;
}

int ncgt_pubkey(uint8_t pub[NCGT_KEY_BYTES],
                const uint8_t priv[NCGT_KEY_BYTES]) {
  if (!pub || !priv)
    return NCGT_ERR_INVALID_ARGUMENT;
  return ncgt_x25519_pub(pub, priv);
}

/* -1 (all ones) when x < 0, else 0, without a branch. */
static int neg_mask(int x) { return -(int)((unsigned)x >> (sizeof x * 8 - 1)); }

/* 0..63 -> 'A'-'Z', 'a'-'z', '0'-'9', '+', '/' (RFC 4648 table 1). */
static char b64_char(unsigned v) {
  int x = (int)v;
  int c = x + 'A';
  c += neg_mask(25 - x) & ('a' - 'A' - 26);           /* 26..51 */
  c -= neg_mask(51 - x) & (('a' - 26) - ('0' - 52));  /* 52..61 */
  c -= neg_mask(61 - x) & (('0' - 52 + 62) - '+');    /* 62 */
  c += neg_mask(62 - x) & ('/' - ('+' + 1));          /* 63 */
  return (char)c;
}

/* -1 (all ones) when lo <= c <= hi, else 0. */
static int range_mask(int c, int lo, int hi) {
  return neg_mask(lo - 1 - c) & neg_mask(c - hi - 1);
}

/* Character -> 0..63, or -1 when it is not in the alphabet. */
static int b64_value(unsigned char ch) {
  int c = ch, v = -1;
  v += range_mask(c, 'A', 'Z') & (c - 'A' + 1);
  v += range_mask(c, 'a', 'z') & (c - 'a' + 26 + 1);
  v += range_mask(c, '0', '9') & (c - '0' + 52 + 1);
  v += range_mask(c, '+', '+') & (62 + 1);
  v += range_mask(c, '/', '/') & (63 + 1);
  return v;
}

void ncgt_key_to_base64(char out[NCGT_KEY_B64_LEN + 1],
                        const uint8_t key[NCGT_KEY_BYTES]) {
  size_t i, o = 0;
  for (i = 0; i < B64_FULL_GROUPS; i++) {
    const uint8_t *b = key + 3 * i;
    uint32_t g = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
    out[o++] = b64_char(g >> 18 & 63);
    out[o++] = b64_char(g >> 12 & 63);
    out[o++] = b64_char(g >> 6 & 63);
    out[o++] = b64_char(g & 63);
  }
  /* Two bytes left: 16 bits -> three characters (low 2 bits zero) + '='. */
  const uint8_t *b = key + 3 * B64_FULL_GROUPS;
  uint32_t g = (uint32_t)b[0] << 8 | b[1];
  out[o++] = b64_char(g >> 10 & 63);
  out[o++] = b64_char(g >> 4 & 63);
  out[o++] = b64_char(g << 2 & 63);
  out[o++] = '=';
  out[o] = '\0';
}

static int is_line_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int ncgt_key_from_base64(uint8_t key[NCGT_KEY_BYTES], const char *text,
                         size_t len) {
  int bad = 0;
  size_t i, o = 0;
  if (!key)
    return NCGT_ERR_INVALID_ARGUMENT;
  if (!text || len < NCGT_KEY_B64_LEN || text[NCGT_KEY_B64_LEN - 1] != '=')
    goto fail;
  for (i = NCGT_KEY_B64_LEN; i < len; i++)
    if (!is_line_space(text[i]))
      goto fail;
  for (i = 0; i < B64_FULL_GROUPS; i++) {
    const char *t = text + 4 * i;
    int v0 = b64_value((unsigned char)t[0]), v1 = b64_value((unsigned char)t[1]);
    int v2 = b64_value((unsigned char)t[2]), v3 = b64_value((unsigned char)t[3]);
    bad |= neg_mask(v0) | neg_mask(v1) | neg_mask(v2) | neg_mask(v3);
    uint32_t g = (uint32_t)(v0 & 63) << 18 | (uint32_t)(v1 & 63) << 12 |
                 (uint32_t)(v2 & 63) << 6 | (uint32_t)(v3 & 63);
    key[o++] = (uint8_t)(g >> 16);
    key[o++] = (uint8_t)(g >> 8);
    key[o++] = (uint8_t)g;
  }
  const char *t = text + 4 * B64_FULL_GROUPS;
  int v0 = b64_value((unsigned char)t[0]), v1 = b64_value((unsigned char)t[1]);
  int v2 = b64_value((unsigned char)t[2]);
  bad |= neg_mask(v0) | neg_mask(v1) | neg_mask(v2);
  bad |= (v2 & 3) != 0; /* canonical: the unused low bits are zero */
  uint32_t g = (uint32_t)(v0 & 63) << 10 | (uint32_t)(v1 & 63) << 4 |
               (uint32_t)(v2 & 63) >> 2;
  key[o++] = (uint8_t)(g >> 8);
  key[o] = (uint8_t)g;
  if (!bad)
    return 0;
fail:
  ncgt_wipe(key, NCGT_KEY_BYTES);
  return NCGT_ERR_BAD_KEY;
}

void ncgt_key_wipe(void *p, size_t n) { ncgt_wipe(p, n); }
