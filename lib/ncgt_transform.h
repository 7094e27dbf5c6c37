/*
 * DATA and CLOSE protection (patent Fig. 9 digest, claim 5): per direction
 * one AEAD key and one implicit 64-bit frame counter. The counter is the
 * nonce and is never sent; the DATA header is the associated data; the tag
 * is the digest field. TCP delivers in order, so the receiver's counter is
 * always the sender's: a replayed, dropped, reordered or altered frame
 * fails its digest. The counter never wraps.
 */
#ifndef NCGT_TRANSFORM_H
#define NCGT_TRANSFORM_H

#include <sys/types.h>

#include <ncgtun/frame.h>

#include "ncgt_crypto.h"

/* Hard limit: a direction refuses to seal or open past this many frames.
 * Far below 2^64 and below the AEAD usage limits; hosts rekey much earlier
 * (ncgt_conn settings). */
#define NCGT_COUNTER_LIMIT ((uint64_t)1 << 60)

/* One direction of one key generation. */
typedef struct ncgt_dirkey {
  ncgt_aead *aead;  /* NULL when unset */
  uint64_t counter; /* number of frames sealed/opened so far */
} ncgt_dirkey;

NCGT_WUR int ncgt_dirkey_set(ncgt_dirkey *k, unsigned transform,
                             const uint8_t key[NCGT_KEY_BYTES]);
void ncgt_dirkey_clear(ncgt_dirkey *k);

/* Writes a whole DATA frame sealing dg[0..dglen) followed by padlen zero
 * bytes. flags: NCGT_DATA_FLAG_*. proto NONE with dglen 0 is a keepalive.
 * Returns the frame length, or NCGT_ERR_KEY_EXHAUSTED / NCGT_ERR_NOBUF. */
NCGT_WUR ssize_t ncgt_data_seal(ncgt_dirkey *k, uint8_t flags, uint8_t proto,
                                const uint8_t *dg, size_t dglen,
                                uint8_t padlen, uint8_t *out, size_t cap);
/* Verifies and decrypts a decoded DATA frame (`frame` is its bytes, `fd`
 * its decoded view) into out[0..fd->dglen + fd->padlen). NCGT_ERR_DECRYPT
 * when the digest fails; the counter advances only on success. */
NCGT_WUR int ncgt_data_open(ncgt_dirkey *k, const uint8_t *frame,
                            const ncgt_frame_data *fd, uint8_t *out,
                            size_t cap);

/* Authenticated CLOSE: the digest is the AEAD tag over the frame bytes
 * before it, empty plaintext, next counter of this direction. With k NULL
 * or unset (no keys yet) it writes a CLOSE without digest. flags may carry
 * NCGT_CLOSE_FLAG_KEY_PHASE; FLAG_AUTH is set here when a key is used.
 * ncgt_close_open refuses (NCGT_ERR_DECRYPT) a CLOSE without digest. */
NCGT_WUR ssize_t ncgt_close_seal(ncgt_dirkey *k, uint8_t flags,
                                 uint16_t status, uint32_t retry_after,
                                 const uint8_t *info, size_t infolen,
                                 uint8_t *out, size_t cap);
NCGT_WUR int ncgt_close_open(ncgt_dirkey *k, const uint8_t *frame,
                             const ncgt_frame_close *fc);

#endif /* NCGT_TRANSFORM_H */
