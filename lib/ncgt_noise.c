/*
 * Noise rev. 34 core for Noise_IKpsk2_25519_ChaChaPoly_SHA256; see
 * ncgt_noise.h. Section numbers below are those of the Noise
 * specification, revision 34 (2018-07-11).
 *
 * Discipline (WireGuard noise.c): each token of the pattern is one
 * labelled case, run by WriteMessage / ReadMessage from the pattern table
 * as section 5.3 describes; each message works on a copy `t` of the state
 * and copies it back only when everything succeeded; one `out:` exit
 * wipes the copy and every temporary secret.
 */
#include "ncgt_noise.h"

#include <string.h>

#include "ncgt_cursor.h"

/* ------------------------------------------------------------------ */
/* HKDF (section 4.3) with HMAC-SHA256; outputs 1..3 (o3 may be NULL). */
/* ------------------------------------------------------------------ */
static int hkdf(const uint8_t ck[NCGT_HASH_LEN], const uint8_t *ikm,
                size_t ikmlen, uint8_t o1[NCGT_HASH_LEN],
                uint8_t o2[NCGT_HASH_LEN], uint8_t *o3) {
  return ncgt_hkdf_noise(ck, ikm, ikmlen, o1, o2, o3);
}

/* ------------------------------------------------------------------ */
/* CipherState (section 5.1) with ChaChaPoly (section 12.3).          */
/* ------------------------------------------------------------------ */

/* InitializeKey(key): k = key, n = 0. */
static void cs_init_key(ncgt_hs *t, const uint8_t key[NCGT_KEY_BYTES]) {
  memcpy(t->k, key, NCGT_KEY_BYTES);
  t->has_k = 1;
  t->n = 0;
}

/* ENCRYPT/DECRYPT(k, n, ad, ...) once; the handshake is not on the packet
 * path, so a context per call is fine. ct = in (len) then the tag. */
static int cs_crypt(ncgt_hs *t, int enc, const uint8_t *ad, size_t adlen,
                    const uint8_t *in, size_t len, uint8_t *out) {
  ncgt_aead *a = NULL;
  int rv;
  /* n = 2^64-1 is reserved (section 5.1): never use it. */
  if (t->n == UINT64_MAX)
    return NCGT_ERR_KEY_EXHAUSTED;
  if ((rv = ncgt_aead_new(&a, NCGT_TRANSFORM_CHACHA20POLY1305, t->k)))
    return rv;
  if (enc)
    rv = ncgt_aead_seal(a, t->n, ad, adlen, in, len, out, out + len);
  else
    rv = ncgt_aead_open(a, t->n, ad, adlen, in, len, in + len, out);
  ncgt_aead_del(a);
  if (rv == 0)
    t->n++;
  return rv;
}

/* ------------------------------------------------------------------ */
/* SymmetricState (section 5.2)                                       */
/* ------------------------------------------------------------------ */

/* MixHash(data): h = HASH(h || data). */
static int ss_mix_hash(ncgt_hs *t, const uint8_t *data, size_t len) {
  uint8_t h[NCGT_HASH_LEN];
  int rv = ncgt_sha256(h, t->h, NCGT_HASH_LEN, data, len);
  if (rv == 0)
    memcpy(t->h, h, NCGT_HASH_LEN);
  return rv;
}

/* MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k). */
static int ss_mix_key(ncgt_hs *t, const uint8_t *ikm, size_t len) {
  uint8_t ck[NCGT_HASH_LEN], k[NCGT_HASH_LEN];
  int rv = hkdf(t->ck, ikm, len, ck, k, NULL);
  if (rv == 0) {
    memcpy(t->ck, ck, NCGT_HASH_LEN);
    cs_init_key(t, k);
  }
  ncgt_wipe(ck, sizeof ck);
  ncgt_wipe(k, sizeof k);
  return rv;
}

/* MixKeyAndHash(ikm): ck, temp_h, temp_k = HKDF(ck, ikm, 3);
 * MixHash(temp_h); InitializeKey(temp_k). Used by the psk token. */
static int ss_mix_key_and_hash(ncgt_hs *t, const uint8_t *ikm, size_t len) {
  uint8_t ck[NCGT_HASH_LEN], h[NCGT_HASH_LEN], k[NCGT_HASH_LEN];
  int rv = hkdf(t->ck, ikm, len, ck, h, k);
  if (rv == 0)
    rv = ss_mix_hash(t, h, sizeof h);
  if (rv == 0) {
    memcpy(t->ck, ck, NCGT_HASH_LEN);
    cs_init_key(t, k);
  }
  ncgt_wipe(ck, sizeof ck);
  ncgt_wipe(h, sizeof h);
  ncgt_wipe(k, sizeof k);
  return rv;
}

/* EncryptAndHash(pt): ct = EncryptWithAd(h, pt); MixHash(ct). Writes ct
 * (with its tag once a key exists) through the writer. */
static int ss_encrypt_and_hash(ncgt_hs *t, const uint8_t *pt, size_t len,
                               ncgt_wr *w) {
  uint8_t *ct = NULL;
  size_t ctlen = len + (t->has_k ? NCGT_TAG_LEN : 0);
  NCGT_ENSURE(ncgt_wr_reserve(w, &ct, ctlen));
  if (t->has_k)
    NCGT_ENSURE(cs_crypt(t, 1, t->h, NCGT_HASH_LEN, pt, len, ct));
  else if (len)
    memmove(ct, pt, len);
  return ss_mix_hash(t, ct, ctlen);
}

/* DecryptAndHash(ct): pt = DecryptWithAd(h, ct); MixHash(ct). Reads
 * ctlen bytes (tag included) from r; pt gets ctlen - tag bytes. */
static int ss_decrypt_and_hash(ncgt_hs *t, ncgt_rd *r, size_t ctlen,
                               uint8_t *pt) {
  const uint8_t *ct = NULL;
  NCGT_ENSURE(ncgt_rd_ptr(r, &ct, ctlen));
  if (t->has_k) {
    NCGT_ENSURE_COND(ctlen >= NCGT_TAG_LEN, NCGT_ERR_AUTH);
    NCGT_ENSURE(cs_crypt(t, 0, t->h, NCGT_HASH_LEN, ct, ctlen - NCGT_TAG_LEN,
                         pt));
  } else if (ctlen) {
    memcpy(pt, ct, ctlen);
  }
  return ss_mix_hash(t, ct, ctlen);
}

/* ------------------------------------------------------------------ */
/* HandshakeState (section 5.3)                                       */
/* ------------------------------------------------------------------ */

/* The message patterns of IKpsk2 (Noise 7.5, psk modifier 9.2): message
 * 0 is written by the initiator, message 1 by the responder. */
typedef enum hs_token { T_E, T_ES, T_S, T_SS, T_EE, T_SE, T_PSK, T_END } hs_token;
static const hs_token hs_patterns[2][5] = {
    {T_E, T_ES, T_S, T_SS, T_END},  /* -> e, es, s, ss */
    {T_E, T_EE, T_SE, T_PSK, T_END}, /* <- e, ee, se, psk */
};

/* DH(local, pub) with the local key pair as an object when one exists
 * (no scalar multiplication to rebuild its public half), else from its
 * private bytes. */
static int hs_dh(uint8_t out[NCGT_KEY_BYTES], const ncgt_x25519_key *k,
                 const uint8_t priv[NCGT_KEY_BYTES],
                 const uint8_t pub[NCGT_KEY_BYTES]) {
  return k ? ncgt_x25519_key_dh(out, k, pub) : ncgt_x25519(out, priv, pub);
}

/* The DH tokens (Noise 5.3): MixKey(DH(...)) with the key pair each side
 * holds for the token. "es" = DH of the initiator's e and the responder's
 * s, and so on, so the local half depends on the role. */
static int hs_token_dh(ncgt_hs *t, hs_token tok) {
  const uint8_t *pub;
  uint8_t dh[NCGT_KEY_BYTES];
  int i = t->initiator, rv, local_s;
  switch (tok) {
  case T_ES: /* es */
    local_s = !i;
    pub = i ? t->rs : t->re;
    break;
  case T_SE: /* se */
    local_s = i;
    pub = i ? t->re : t->rs;
    break;
  case T_EE: /* ee */
    local_s = 0;
    pub = t->re;
    break;
  case T_SS: /* ss */
    local_s = 1;
    pub = t->rs;
    break;
  default:
    return NCGT_ERR_INTERNAL;
  }
  if (tok == T_SS && t->ss_lookup && t->ss_lookup(t->ss_arg, pub, dh) == 0)
    rv = 0; /* the same DH, done once per remote static key */
  else
    rv = local_s ? hs_dh(dh, t->s_key, t->s_priv, pub)
                 : hs_dh(dh, t->e_key, t->e_priv, pub);
  if (rv == 0 && tok == T_SS)
    memcpy(t->ss_dh, dh, sizeof dh);
  if (rv == 0)
    rv = ss_mix_key(t, dh, sizeof dh);
  ncgt_wipe(dh, sizeof dh);
  return rv;
}

/* One token of WriteMessage (Noise 5.3). */
static int hs_write_token(ncgt_hs *t, hs_token tok,
                          const uint8_t e_priv[NCGT_KEY_BYTES],
                          const uint8_t psk[NCGT_KEY_BYTES], ncgt_wr *w) {
  switch (tok) {
  case T_E: /* e: a fresh ephemeral; MixHash(e.pub), and MixKey(e.pub)
             * because this is a psk handshake (Noise 9.2) */
    /* The key object serves this message's ee/se/es too; it is freed
     * when the message ends (hs_write_message). */
    memcpy(t->e_priv, e_priv, NCGT_KEY_BYTES);
    NCGT_ENSURE(ncgt_x25519_key_new(&t->e_key, t->e_priv));
    memcpy(t->e_pub, ncgt_x25519_key_pub(t->e_key), NCGT_KEY_BYTES);
    NCGT_ENSURE(ncgt_wr_bytes(w, t->e_pub, NCGT_KEY_BYTES));
    NCGT_ENSURE(ss_mix_hash(t, t->e_pub, NCGT_KEY_BYTES));
    return ss_mix_key(t, t->e_pub, NCGT_KEY_BYTES);
  case T_S: /* s: EncryptAndHash(s.pub) */
    return ss_encrypt_and_hash(t, t->s_pub, NCGT_KEY_BYTES, w);
  case T_PSK: /* psk: MixKeyAndHash(psk) */
    return ss_mix_key_and_hash(t, psk, NCGT_KEY_BYTES);
  default: /* es, se, ee, ss */
    return hs_token_dh(t, tok);
  }
}

/* One token of ReadMessage (Noise 5.3). */
static int hs_read_token(ncgt_hs *t, hs_token tok,
                         const uint8_t psk[NCGT_KEY_BYTES], ncgt_rd *r) {
  switch (tok) {
  case T_E: /* e: re = next DHLEN bytes; MixHash(re); MixKey(re) (psk) */
    NCGT_ENSURE(ncgt_rd_copy(r, t->re, NCGT_KEY_BYTES));
    NCGT_ENSURE(ss_mix_hash(t, t->re, NCGT_KEY_BYTES));
    return ss_mix_key(t, t->re, NCGT_KEY_BYTES);
  case T_S: /* s: rs = DecryptAndHash(next DHLEN + 16 bytes) */
    return ss_decrypt_and_hash(t, r, NCGT_NOISE_S_LEN, t->rs);
  case T_PSK: /* psk: MixKeyAndHash(psk) */
    return ss_mix_key_and_hash(t, psk, NCGT_KEY_BYTES);
  default: /* es, se, ee, ss */
    return hs_token_dh(t, tok);
  }
}

/* Ends a read: the payload is the rest of the message. */
static ssize_t hs_read_payload(ncgt_hs *t, ncgt_rd *r, uint8_t *out,
                               size_t cap) {
  size_t ctlen = ncgt_rd_left(r);
  NCGT_ENSURE_COND(ctlen >= NCGT_TAG_LEN, NCGT_ERR_AUTH);
  NCGT_ENSURE_COND(ctlen - NCGT_TAG_LEN <= cap, NCGT_ERR_NOBUF);
  NCGT_ENSURE(ss_decrypt_and_hash(t, r, ctlen, out));
  return (ssize_t)(ctlen - NCGT_TAG_LEN);
}

/* Commits t into hs when rv is a success, then wipes t. Authentication
 * failures on the read side all become NCGT_ERR_AUTH: which step failed
 * is never revealed. */
static ssize_t hs_finish(ncgt_hs *hs, ncgt_hs *t, ssize_t rv, int reading) {
  if (rv >= 0)
    *hs = *t;
  else if (reading && rv != NCGT_ERR_NOBUF && rv != NCGT_ERR_INVALID_STATE)
    rv = NCGT_ERR_AUTH;
  ncgt_wipe(t, sizeof *t);
  return rv;
}

/* Initialize() with the local static key as bytes (priv) or as a key
 * object (key, borrowed: it must outlive the handshake). */
static int noise_init(ncgt_hs *hs, int initiator, const uint8_t *prologue,
                      size_t prologue_len, const uint8_t *s_priv,
                      const ncgt_x25519_key *s_key, const uint8_t *rs) {
  static const char name[] = NCGT_NOISE_PROTOCOL_NAME;
  ncgt_hs t;
  int rv;
  if (!hs || (!s_priv && !s_key) || (initiator ? !rs : rs != NULL) ||
      (prologue_len && !prologue))
    return NCGT_ERR_INVALID_ARGUMENT;
  memset(&t, 0, sizeof t);
  t.initiator = !!initiator;
  if (s_key) {
    t.s_key = s_key;
    memcpy(t.s_pub, ncgt_x25519_key_pub(s_key), NCGT_KEY_BYTES);
  } else {
    memcpy(t.s_priv, s_priv, NCGT_KEY_BYTES);
    if ((rv = ncgt_x25519_pub(t.s_pub, t.s_priv)))
      goto out;
  }
  /* InitializeSymmetric (5.2): the name is longer than HASHLEN, so
   * h = HASH(name); ck = h. */
  _Static_assert(sizeof name - 1 > NCGT_HASH_LEN, "name is hashed");
  if ((rv = ncgt_sha256(t.h, (const uint8_t *)name, sizeof name - 1, NULL,
                        0)))
    goto out;
  memcpy(t.ck, t.h, NCGT_HASH_LEN);
  if ((rv = ss_mix_hash(&t, prologue, prologue_len)))
    goto out;
  /* Pre-message "<- s": both sides hash the responder's static key. */
  if (initiator)
    memcpy(t.rs, rs, NCGT_KEY_BYTES);
  rv = ss_mix_hash(&t, initiator ? t.rs : t.s_pub, NCGT_KEY_BYTES);
out:
  return (int)hs_finish(hs, &t, rv, 0);
}

int ncgt_noise_init(ncgt_hs *hs, int initiator, const uint8_t *prologue,
                    size_t prologue_len, const uint8_t s_priv[NCGT_KEY_BYTES],
                    const uint8_t *rs) {
  if (!s_priv)
    return NCGT_ERR_INVALID_ARGUMENT;
  return noise_init(hs, initiator, prologue, prologue_len, s_priv, NULL, rs);
}

int ncgt_noise_init_key(ncgt_hs *hs, int initiator, const uint8_t *prologue,
                        size_t prologue_len, const ncgt_x25519_key *s_key,
                        const uint8_t *rs) {
  if (!s_key)
    return NCGT_ERR_INVALID_ARGUMENT;
  return noise_init(hs, initiator, prologue, prologue_len, NULL, s_key, rs);
}

/* Message `msg` (0 or 1) may be processed now by this side, writing or
 * reading. */
static int hs_turn(const ncgt_hs *t, int msg, int writing) {
  int writer_is_initiator = msg == 0;
  if (t->step != msg || (writing ? t->initiator != writer_is_initiator
                                 : t->initiator == writer_is_initiator))
    return NCGT_ERR_INVALID_STATE;
  return 0;
}

/* WriteMessage (Noise 5.3) of message `msg`: its tokens, then the
 * payload with EncryptAndHash. Returns the message length. */
static ssize_t hs_write_message(ncgt_hs *hs, int msg,
                                const uint8_t e_priv[NCGT_KEY_BYTES],
                                const uint8_t *psk, const uint8_t *payload,
                                size_t plen, uint8_t *out, size_t cap) {
  ncgt_hs t = *hs;
  ncgt_wr w;
  ssize_t rv;
  ncgt_wr_init(&w, out, cap);
  if ((rv = hs_turn(&t, msg, 1)))
    goto out;
  for (const hs_token *tok = hs_patterns[msg]; *tok != T_END; tok++)
    if ((rv = hs_write_token(&t, *tok, e_priv, psk, &w)))
      goto out;
  if ((rv = ss_encrypt_and_hash(&t, payload, plen, &w))) /* payload */
    goto out;
  t.step = msg + 1;
  rv = (ssize_t)w.off;
out:
  ncgt_x25519_key_del(t.e_key);
  t.e_key = NULL;
  return hs_finish(hs, &t, rv, 0);
}

/* ReadMessage (Noise 5.3) of message `msg`; the payload is decrypted into
 * out. Returns the payload length. */
static ssize_t hs_read_message(ncgt_hs *hs, int msg, const uint8_t *psk,
                               const uint8_t *in, size_t len, uint8_t *out,
                               size_t cap) {
  ncgt_hs t = *hs;
  ncgt_rd r;
  ssize_t rv;
  ncgt_rd_init(&r, in, len);
  if ((rv = hs_turn(&t, msg, 0)))
    goto out;
  for (const hs_token *tok = hs_patterns[msg]; *tok != T_END; tok++)
    if ((rv = hs_read_token(&t, *tok, psk, &r)))
      goto out;
  if ((rv = hs_read_payload(&t, &r, out, cap)) < 0) /* payload */
    goto out;
  t.step = msg + 1;
out:
  return hs_finish(hs, &t, rv, 1);
}

ssize_t ncgt_noise_write1(ncgt_hs *hs, const uint8_t e_priv[NCGT_KEY_BYTES],
                          const uint8_t *payload, size_t plen, uint8_t *out,
                          size_t cap) {
  return hs_write_message(hs, 0, e_priv, NULL, payload, plen, out, cap);
}

ssize_t ncgt_noise_read1(ncgt_hs *hs, const uint8_t *msg, size_t len,
                         uint8_t *out, size_t cap) {
  return hs_read_message(hs, 0, NULL, msg, len, out, cap);
}

ssize_t ncgt_noise_write2(ncgt_hs *hs, const uint8_t e_priv[NCGT_KEY_BYTES],
                          const uint8_t psk[NCGT_KEY_BYTES],
                          const uint8_t *payload, size_t plen, uint8_t *out,
                          size_t cap) {
  return hs_write_message(hs, 1, e_priv, psk, payload, plen, out, cap);
}

ssize_t ncgt_noise_read2(ncgt_hs *hs, const uint8_t psk[NCGT_KEY_BYTES],
                         const uint8_t *msg, size_t len, uint8_t *out,
                         size_t cap) {
  return hs_read_message(hs, 1, psk, msg, len, out, cap);
}

int ncgt_noise_split(const ncgt_hs *hs, uint8_t k1[NCGT_KEY_BYTES],
                     uint8_t k2[NCGT_KEY_BYTES]) {
  if (hs->step != 2)
    return NCGT_ERR_INVALID_STATE;
  /* temp_k1, temp_k2 = HKDF(ck, zerolen, 2); HASHLEN is 32, so no
   * truncation. */
  return hkdf(hs->ck, (const uint8_t *)"", 0, k1, k2, NULL);
}
