/*
 * Noise Protocol Framework core (revision 34), specialised to the one
 * protocol libncgtun speaks: Noise_IKpsk2_25519_ChaChaPoly_SHA256.
 *
 *   IKpsk2:                       (section 7.5, psk modifier section 9.2)
 *     <- s
 *     ...
 *     -> e, es, s, ss             message 1 (REQUEST key exchange data)
 *     <- e, ee, se, psk           message 2 (RESPONSE key exchange data)
 *
 * The CipherState / SymmetricState / HandshakeState of section 5 live in
 * ncgt_hs (below): k, has_k, n / ck, h / s, e, rs, re.
 * This layer knows nothing of frames: it takes a prologue and payload
 * bytes and produces or consumes the Noise messages, so it can be checked
 * against the public Cacophony vectors (tests/test_noise.c).
 *
 * Every function leaves hs untouched unless it succeeds (it works on a
 * copy and commits at the end), and wipes every intermediate secret.
 * Ephemeral private keys are supplied by the caller (randomness comes
 * from the host); they are copied into hs.
 */
#ifndef NCGT_NOISE_H
#define NCGT_NOISE_H

#include <sys/types.h>

#include "ncgt_crypto.h"

#define NCGT_NOISE_PROTOCOL_NAME "Noise_IKpsk2_25519_ChaChaPoly_SHA256"

enum {
  NCGT_NOISE_E_LEN = NCGT_KEY_BYTES,
  /* Encrypted static key in message 1: s with its tag. */
  NCGT_NOISE_S_LEN = NCGT_KEY_BYTES + NCGT_TAG_LEN,
  /* Message sizes without their payloads (payload tag included). */
  NCGT_NOISE_MSG1_OVERHEAD = NCGT_NOISE_E_LEN + NCGT_NOISE_S_LEN + NCGT_TAG_LEN,
  NCGT_NOISE_MSG2_OVERHEAD = NCGT_NOISE_E_LEN + NCGT_TAG_LEN,
  /* Largest Noise message (section 3). */
  NCGT_NOISE_MAX_MSG = 65535,
};
/* Noise HandshakeState (section 5.3) for one handshake, both roles. */
typedef struct ncgt_hs {
  uint8_t ck[NCGT_HASH_LEN];
  uint8_t h[NCGT_HASH_LEN];
  uint8_t k[NCGT_KEY_BYTES];
  int has_k;
  uint64_t n;
  int initiator;
  uint8_t s_priv[NCGT_KEY_BYTES], s_pub[NCGT_KEY_BYTES];
  uint8_t e_priv[NCGT_KEY_BYTES], e_pub[NCGT_KEY_BYTES];
  uint8_t rs[NCGT_KEY_BYTES]; /* remote static */
  uint8_t re[NCGT_KEY_BYTES]; /* remote ephemeral */
  int step; /* messages processed: 0, 1, or 2 = complete (below) */
  /* The static key as an object (borrowed, from ncgt_noise_init_key;
   * s_priv is then unused), and this message's ephemeral (owned only
   * while one WriteMessage runs; NULL between calls). */
  const ncgt_x25519_key *s_key;
  ncgt_x25519_key *e_key;
  /* Responder, optional: DH(s, rs) ("ss") computed earlier for this
   * remote static key (WireGuard's precomputed static-static): returns 0
   * and fills out when known. The ss used is kept in ss_dh (a secret,
   * wiped with hs) so the caller may remember it. */
  int (*ss_lookup)(void *arg, const uint8_t rs[NCGT_KEY_BYTES],
                   uint8_t out[NCGT_KEY_BYTES]);
  void *ss_arg;
  uint8_t ss_dh[NCGT_KEY_BYTES];
} ncgt_hs;

/* Initialize() of section 5.3 for IKpsk2: InitializeSymmetric(protocol
 * name), MixHash(prologue), then the pre-message "<- s": MixHash(the
 * responder's static public key). Initiator: rs is the responder's static
 * public key. Responder: rs must be NULL. */
NCGT_WUR int ncgt_noise_init(ncgt_hs *hs, int initiator,
                             const uint8_t *prologue, size_t prologue_len,
                             const uint8_t s_priv[NCGT_KEY_BYTES],
                             const uint8_t *rs);

/* The same with the static key as an object made once (a server's
 * identity): saves the scalar multiplications that rebuilding its public
 * key costs. s_key is borrowed and must outlive hs. */
NCGT_WUR int ncgt_noise_init_key(ncgt_hs *hs, int initiator,
                                 const uint8_t *prologue, size_t prologue_len,
                                 const ncgt_x25519_key *s_key,
                                 const uint8_t *rs);

/* Initiator: "-> e, es, s, ss" + payload. Returns the message length. */
NCGT_WUR ssize_t ncgt_noise_write1(ncgt_hs *hs,
                                   const uint8_t e_priv[NCGT_KEY_BYTES],
                                   const uint8_t *payload, size_t plen,
                                   uint8_t *out, size_t cap);
/* Responder: reads message 1; payload decrypted into out. Returns the
 * payload length; NCGT_ERR_AUTH when it does not authenticate. */
NCGT_WUR ssize_t ncgt_noise_read1(ncgt_hs *hs, const uint8_t *msg, size_t len,
                                  uint8_t *out, size_t cap);
/* Responder: "<- e, ee, se, psk" + payload. */
NCGT_WUR ssize_t ncgt_noise_write2(ncgt_hs *hs,
                                   const uint8_t e_priv[NCGT_KEY_BYTES],
                                   const uint8_t psk[NCGT_KEY_BYTES],
                                   const uint8_t *payload, size_t plen,
                                   uint8_t *out, size_t cap);
/* Initiator: reads message 2. NCGT_ERR_AUTH when it does not
 * authenticate. */
NCGT_WUR ssize_t ncgt_noise_read2(ncgt_hs *hs, const uint8_t psk[NCGT_KEY_BYTES],
                                  const uint8_t *msg, size_t len, uint8_t *out,
                                  size_t cap);
/* Split() of section 5.2: k1 seals initiator -> responder, k2 the other
 * way. Only after message 2 (step 2). Does not change hs. */
NCGT_WUR int ncgt_noise_split(const ncgt_hs *hs, uint8_t k1[NCGT_KEY_BYTES],
                              uint8_t k2[NCGT_KEY_BYTES]);

#endif /* NCGT_NOISE_H */
