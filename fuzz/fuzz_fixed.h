/*
 * Fixed keys and handshake inputs shared by the handshake, DATA and
 * endpoint fuzz targets and by the seed generator (fuzz/gen_seeds.c), so
 * the committed seeds are valid under the keys the targets use. Not part
 * of the library.
 */
#ifndef NCGT_FUZZ_FIXED_H
#define NCGT_FUZZ_FIXED_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ncgt_handshake.h"

/* Distinct 32-byte keys: tag 1 server static, 2 client static, 3 client
 * ephemeral, 4 server ephemeral, 5 PSK, 6/7 data keys. X25519 clamps. */
enum {
  FZ_SERVER_STATIC = 1,
  FZ_CLIENT_STATIC,
  FZ_CLIENT_EPH,
  FZ_SERVER_EPH,
  FZ_PSK,
  FZ_DATA_KEY,
};

static inline void fz_key(uint8_t out[32], unsigned tag) {
  for (unsigned i = 0; i < 32; i++)
    out[i] = (uint8_t)(tag * 37u + i * 11u + 1u);
}

static inline void fz_pub(uint8_t out[32], unsigned tag) {
  uint8_t priv[32];
  fz_key(priv, tag);
  if (ncgt_x25519_pub(out, priv) != 0)
    abort();
}

#define FZ_USER "alice"
#define FZ_DEST "S"
#define FZ_TAI64N "\x40\x00\x00\x00\x65\x00\x00\x00\x00\x00\x00\x01"

/* The REQUEST fuzz_handshake_client answers: fixed keys, both transforms
 * offered. Leaves *hs ready for ncgt_response_open. */
static inline ssize_t fz_fixed_request(ncgt_hs *hs, uint8_t *out, size_t cap) {
  uint8_t cpriv[32], epriv[32], spub[32];
  fz_key(cpriv, FZ_CLIENT_STATIC);
  fz_key(epriv, FZ_CLIENT_EPH);
  fz_pub(spub, FZ_SERVER_STATIC);
  ncgt_request_params p = {.s_priv = cpriv,
                           .server_pub = spub,
                           .user = FZ_USER,
                           .dest = FZ_DEST,
                           .transforms = NCGT_TRANSFORMS_ALL,
                           .e_priv = epriv};
  memcpy(p.tai64n, FZ_TAI64N, NCGT_TAI64N_LEN);
  memset(hs, 0, sizeof *hs);
  return ncgt_request_build(hs, &p, out, cap);
}

#endif /* NCGT_FUZZ_FIXED_H */
