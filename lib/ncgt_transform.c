/*
 * DATA and CLOSE protection (patent Fig. 9 digest, claim 5); see
 * ncgt_transform.h and doc/handshake.md "Data transforms".
 *
 * DATA:  AD = the NCGT_DATA_HDR_LEN header bytes; plaintext = datagram ||
 *        padding; nonce = this direction's frame counter (Noise section 12
 *        layout for the transform); tag = the digest field.
 * CLOSE: AD = every frame byte before the digest; empty plaintext; nonce =
 *        the next counter of this direction.
 *
 * The packet path allocates nothing and runs one EVP update over the
 * frame body: the datagram is encrypted straight from the caller's buffer
 * into the frame (or in place when the caller put it there already).
 */
#include "ncgt_transform.h"

#include "ncgt_cursor.h"

#include <string.h>

int ncgt_dirkey_set(ncgt_dirkey *k, unsigned transform,
                    const uint8_t key[NCGT_KEY_BYTES]) {
  ncgt_aead *a = NULL;
  int rv = ncgt_aead_new(&a, transform, key);
  if (rv)
    return rv;
  ncgt_dirkey_clear(k);
  k->aead = a;
  k->counter = 0;
  return 0;
}

void ncgt_dirkey_clear(ncgt_dirkey *k) {
  if (!k)
    return;
  ncgt_aead_del(k->aead);
  k->aead = NULL;
  k->counter = 0;
}

/* The counter of the next frame, or why there is none. */
static int next_counter(const ncgt_dirkey *k) {
  if (!k || !k->aead)
    return NCGT_ERR_INVALID_STATE;
  if (k->counter >= NCGT_COUNTER_LIMIT)
    return NCGT_ERR_KEY_EXHAUSTED;
  return 0;
}

ssize_t ncgt_data_seal(ncgt_dirkey *k, uint8_t flags, uint8_t proto,
                       const uint8_t *dg, size_t dglen, uint8_t padlen,
                       uint8_t *out, size_t cap) {
  const size_t body_off = NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN;
  size_t bodylen = dglen + padlen;
  ssize_t hdr;
  int rv;
  NCGT_ENSURE(next_counter(k));
  if (!out || (dglen && !dg) || dglen > NCGT_DATAGRAM_MAX)
    return NCGT_ERR_INVALID_ARGUMENT;
  if (cap < body_off || cap - body_off < bodylen)
    return NCGT_ERR_NOBUF;
  ncgt_frame_data fd = {.proto = proto,
                        .flags = flags,
                        .dglen = (uint16_t)dglen,
                        .padlen = padlen,
                        .digestlen = NCGT_DIGEST_LEN};
  if ((hdr = ncgt_data_encode_hdr(out, cap, &fd)) < 0)
    return hdr;
  if ((size_t)hdr != NCGT_DATA_HDR_LEN)
    return NCGT_ERR_INTERNAL;
  uint8_t *body = out + body_off;
  if (padlen) {
    /* Padding makes the plaintext dg || zeros: gather it in the frame
     * (memmove: dg may already sit there) and seal in place. */
    if (dglen && body != dg)
      memmove(body, dg, dglen);
    memset(body + dglen, 0, padlen);
    dg = body;
  }
  rv = ncgt_aead_seal(k->aead, k->counter, out, NCGT_DATA_HDR_LEN, dg,
                      bodylen, body, out + NCGT_DATA_HDR_LEN);
  if (rv)
    return rv;
  k->counter++;
  return (ssize_t)(body_off + bodylen);
}

int ncgt_data_open(ncgt_dirkey *k, const uint8_t *frame,
                   const ncgt_frame_data *fd, uint8_t *out, size_t cap) {
  size_t bodylen;
  int rv;
  NCGT_ENSURE(next_counter(k));
  if (!frame || !fd)
    return NCGT_ERR_INVALID_ARGUMENT;
  if (fd->digestlen != NCGT_DIGEST_LEN || !fd->digest)
    return NCGT_ERR_DECRYPT;
  bodylen = (size_t)fd->dglen + fd->padlen;
  if (cap < bodylen || (bodylen && !out))
    return NCGT_ERR_NOBUF;
  rv = ncgt_aead_open(k->aead, k->counter, frame, NCGT_DATA_HDR_LEN, fd->body,
                      bodylen, fd->digest, out);
  if (rv)
    return rv; /* the counter stays: the tunnel closes anyway */
  k->counter++;
  return 0;
}

ssize_t ncgt_close_seal(ncgt_dirkey *k, uint8_t flags, uint16_t status,
                        uint32_t retry_after, const uint8_t *info,
                        size_t infolen, uint8_t *out, size_t cap) {
  int keyed = k && k->aead;
  ncgt_frame_close fc = {.status = status,
                         .flags = (uint8_t)(flags & ~NCGT_CLOSE_FLAG_AUTH),
                         .retry_after = retry_after,
                         .info = info,
                         .infolen = infolen};
  ssize_t n;
  if (keyed) {
    NCGT_ENSURE(next_counter(k));
    fc.flags |= NCGT_CLOSE_FLAG_AUTH;
    fc.digestlen = NCGT_DIGEST_LEN;
  }
  if ((n = ncgt_close_encode(out, cap, &fc)) < 0 || !keyed)
    return n;
  /* The digest is the frame's last field (doc/protocol.md); everything
   * before it is the associated data. */
  size_t ad = (size_t)n - NCGT_DIGEST_LEN;
  int rv = ncgt_aead_seal(k->aead, k->counter, out, ad, NULL, 0, out + ad,
                          out + ad);
  if (rv)
    return rv;
  k->counter++;
  return n;
}

int ncgt_close_open(ncgt_dirkey *k, const uint8_t *frame,
                    const ncgt_frame_close *fc) {
  NCGT_ENSURE(next_counter(k));
  if (!frame || !fc)
    return NCGT_ERR_INVALID_ARGUMENT;
  /* Once keys exist a CLOSE must carry its digest. */
  if (!(fc->flags & NCGT_CLOSE_FLAG_AUTH) ||
      fc->digestlen != NCGT_DIGEST_LEN || !fc->digest || fc->digest < frame)
    return NCGT_ERR_DECRYPT;
  size_t ad = (size_t)(fc->digest - frame);
  int rv = ncgt_aead_open(k->aead, k->counter, frame, ad, NULL, 0, fc->digest,
                          NULL);
  if (rv)
    return rv;
  k->counter++;
  return 0;
}
