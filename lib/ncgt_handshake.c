/*
 * REQUEST / RESPONSE handshake (patent Figs. 5, 7, 8) over the Noise
 * IKpsk2 core (lib/ncgt_noise.c). doc/handshake.md is the byte-exact
 * description of what this file does:
 *
 *  - prologue = "ncgtun/1" || flags || transforms || len(dest) || dest,
 *    the clear fields of REQUEST, so changing any of them in flight (a
 *    downgrade of the offered transforms included) breaks message 1;
 *  - REQUEST payload: TAI64N || len(user) || user || len(cd) || cd;
 *  - RESPONSE payload: transform || flags || key lifetime || len(cd) || cd,
 *    where transform and flags must equal RESPONSE's clear fields 158/160.
 *
 * Every authentication failure is NCGT_ERR_AUTH, whichever part failed.
 */
#include "ncgt_handshake.h"

#include <string.h>

#include "ncgt_cursor.h"
#include "ncgt_noise.h"

/* Name length 1..NCGT_NAME_MAX, or 0 when the name is unusable. */
static size_t name_len(const char *name) {
  size_t n;
  if (!name)
    return 0;
  n = strnlen(name, NCGT_NAME_MAX + 1);
  return n > NCGT_NAME_MAX ? 0 : n;
}

static int one_transform(unsigned t) {
  return (t & NCGT_TRANSFORMS_ALL) == t && t && !(t & (t - 1));
}

/* The prologue of section 6 of the Noise spec, built from REQUEST's clear
 * fields. Returns its length or a negative status. */
static ssize_t prologue(uint8_t out[NCGT_PROLOGUE_MAX], uint16_t flags,
                        uint16_t transforms, const char *dest) {
  ncgt_wr w;
  size_t dlen = name_len(dest);
  if (!dlen)
    return NCGT_ERR_BAD_NAME;
  ncgt_wr_init(&w, out, NCGT_PROLOGUE_MAX);
  ncgt_wr_bytes(&w, NCGT_PROLOGUE_LABEL, NCGT_PROLOGUE_LABEL_LEN);
  ncgt_wr_u16(&w, flags);
  ncgt_wr_u16(&w, transforms);
  ncgt_wr_u8(&w, (uint8_t)dlen);
  ncgt_wr_bytes(&w, dest, dlen);
  return w.err ? w.err : (ssize_t)w.off;
}

void ncgt_tai64n(uint8_t out[NCGT_TAI64N_LEN], uint64_t unix_ns) {
  ncgt_wr w;
  /* TAI64 label: 2^62 + seconds (the leap-second offset is ignored, as
   * WireGuard does: only monotonicity matters here), then nanoseconds. */
  ncgt_wr_init(&w, out, NCGT_TAI64N_LEN);
  ncgt_wr_u64(&w, ((uint64_t)1 << 62) + unix_ns / NCGT_SECONDS);
  ncgt_wr_u32(&w, (uint32_t)(unix_ns % NCGT_SECONDS));
}

void ncgt_hs_wipe(ncgt_hs *hs) {
  if (hs)
    ncgt_wipe(hs, sizeof *hs);
}

/* ------------------------------------------------------------------ */
/* REQUEST                                                            */
/* ------------------------------------------------------------------ */

static ssize_t request_payload(const ncgt_request_params *p,
                               uint8_t out[NCGT_REQ_PAYLOAD_MAX]) {
  ncgt_wr w;
  size_t ulen = name_len(p->user);
  if (!ulen)
    return NCGT_ERR_BAD_NAME;
  if (p->client_data_len > NCGT_CLIENT_DATA_MAX ||
      (p->client_data_len && !p->client_data))
    return NCGT_ERR_INVALID_ARGUMENT;
  ncgt_wr_init(&w, out, NCGT_REQ_PAYLOAD_MAX);
  ncgt_wr_bytes(&w, p->tai64n, NCGT_TAI64N_LEN);
  ncgt_wr_u8(&w, (uint8_t)ulen);
  ncgt_wr_bytes(&w, p->user, ulen);
  ncgt_wr_u16(&w, (uint16_t)p->client_data_len);
  ncgt_wr_bytes(&w, p->client_data, p->client_data_len);
  return w.err ? w.err : (ssize_t)w.off;
}

ssize_t ncgt_request_build(ncgt_hs *hs, const ncgt_request_params *p,
                           uint8_t *out, size_t cap) {
  uint8_t pro[NCGT_PROLOGUE_MAX], pl[NCGT_REQ_PAYLOAD_MAX], kx[NCGT_KX_MAX];
  ncgt_hs t;
  ssize_t rv, plen, kxlen;
  memset(&t, 0, sizeof t);
  if (!hs || !p || !p->s_priv || !p->server_pub || !p->e_priv || !out) {
    rv = NCGT_ERR_INVALID_ARGUMENT;
    goto out;
  }
  if (!p->transforms || (p->transforms & ~NCGT_TRANSFORMS_ALL) ||
      (p->flags & ~NCGT_KX_FLAGS_KNOWN)) {
    rv = NCGT_ERR_INVALID_ARGUMENT;
    goto out;
  }
  if ((rv = prologue(pro, p->flags, p->transforms, p->dest)) < 0)
    goto out;
  if ((rv = ncgt_noise_init(&t, 1, pro, (size_t)rv, p->s_priv,
                            p->server_pub)))
    goto out;
  if ((rv = plen = request_payload(p, pl)) < 0)
    goto out;
  if ((rv = kxlen = ncgt_noise_write1(&t, p->e_priv, pl, (size_t)plen, kx,
                                      sizeof kx)) < 0)
    goto out;
  ncgt_frame_request fr = {.flags = p->flags,
                           .transforms = p->transforms,
                           .dest = p->dest,
                           .kx = kx,
                           .kxlen = (size_t)kxlen};
  if ((rv = ncgt_request_encode(out, cap, &fr)) < 0)
    goto out;
  *hs = t; /* committed only once the frame exists */
out:
  ncgt_wipe(&t, sizeof t);
  ncgt_wipe(pl, sizeof pl);
  return rv;
}

/* Parses the decrypted REQUEST payload into info. */
static int request_payload_parse(const uint8_t *pl, size_t len,
                                 ncgt_request_info *info) {
  ncgt_rd r;
  uint8_t ulen = 0;
  uint16_t cdlen = 0;
  ncgt_rd_init(&r, pl, len);
  ncgt_rd_copy(&r, info->tai64n, NCGT_TAI64N_LEN);
  ncgt_rd_u8(&r, &ulen);
  ncgt_rd_copy(&r, info->user, ulen);
  ncgt_rd_u16(&r, &cdlen);
  ncgt_rd_skip(&r, cdlen); /* client data: ignored (Fig. 23 step 502) */
  if (r.err || ulen == 0 || cdlen > NCGT_CLIENT_DATA_MAX ||
      ncgt_rd_left(&r) != 0 || memchr(info->user, '\0', ulen))
    return NCGT_ERR_AUTH;
  info->user[ulen] = '\0';
  return 0;
}

/* ncgt_request_open with the static key as bytes or as an object. */
static int request_open(ncgt_hs *hs, const ncgt_frame_request *req,
                        const uint8_t *s_priv, const ncgt_x25519_key *s_key,
                        const ncgt_ss_cache *cache, ncgt_request_info *info) {
  uint8_t pro[NCGT_PROLOGUE_MAX], pl[NCGT_REQ_PAYLOAD_MAX];
  ncgt_hs t;
  ncgt_request_info in;
  ssize_t rv, plen;
  memset(&t, 0, sizeof t);
  memset(&in, 0, sizeof in);
  if (!hs || !req || (!s_priv && !s_key) || !info || !req->kx) {
    rv = NCGT_ERR_INVALID_ARGUMENT;
    goto out;
  }
  if ((rv = prologue(pro, req->flags, req->transforms, req->dest)) < 0)
    goto out;
  if ((rv = s_key ? ncgt_noise_init_key(&t, 0, pro, (size_t)rv, s_key, NULL)
                  : ncgt_noise_init(&t, 0, pro, (size_t)rv, s_priv, NULL)))
    goto out;
  if (cache) {
    t.ss_lookup = cache->lookup;
    t.ss_arg = cache->arg;
  }
  if ((rv = plen = ncgt_noise_read1(&t, req->kx, req->kxlen, pl, sizeof pl)) <
      0) {
    rv = NCGT_ERR_AUTH; /* also a payload too long for any valid REQUEST */
    goto out;
  }
  if ((rv = request_payload_parse(pl, (size_t)plen, &in)))
    goto out;
  memcpy(in.client_pub, t.rs, NCGT_KEY_BYTES);
  in.transforms = req->transforms;
  in.flags = req->flags;
  *info = in;
  *hs = t;
out:
  ncgt_wipe(&t, sizeof t);
  ncgt_wipe(pl, sizeof pl);
  ncgt_wipe(&in, sizeof in);
  return (int)rv;
}

int ncgt_request_open(ncgt_hs *hs, const ncgt_frame_request *req,
                      const uint8_t s_priv[NCGT_KEY_BYTES],
                      ncgt_request_info *info) {
  return s_priv ? request_open(hs, req, s_priv, NULL, NULL, info)
                : NCGT_ERR_INVALID_ARGUMENT;
}

int ncgt_request_open_key(ncgt_hs *hs, const ncgt_frame_request *req,
                          const ncgt_x25519_key *s_key,
                          const ncgt_ss_cache *cache,
                          ncgt_request_info *info) {
  return s_key ? request_open(hs, req, NULL, s_key, cache, info)
               : NCGT_ERR_INVALID_ARGUMENT;
}

/* ------------------------------------------------------------------ */
/* RESPONSE                                                           */
/* ------------------------------------------------------------------ */

static const uint8_t zero_psk[NCGT_KEY_BYTES];

ssize_t ncgt_response_build(ncgt_hs *hs, const ncgt_response_params *p,
                            uint8_t *out, size_t cap) {
  uint8_t pl[NCGT_RESP_PAYLOAD_MAX], kx[NCGT_KX_MAX];
  ncgt_hs t;
  ncgt_wr w;
  ssize_t rv, kxlen;
  memset(&t, 0, sizeof t);
  if (!hs || !p || !p->e_priv || !out || !one_transform(p->transform) ||
      (p->flags & ~NCGT_KX_FLAGS_KNOWN) ||
      p->client_data_len > NCGT_CLIENT_DATA_MAX ||
      (p->client_data_len && !p->client_data)) {
    rv = NCGT_ERR_INVALID_ARGUMENT;
    goto out;
  }
  t = *hs;
  ncgt_wr_init(&w, pl, sizeof pl);
  ncgt_wr_u16(&w, p->transform);
  ncgt_wr_u16(&w, p->flags);
  ncgt_wr_u32(&w, p->key_lifetime);
  ncgt_wr_u16(&w, (uint16_t)p->client_data_len);
  ncgt_wr_bytes(&w, p->client_data, p->client_data_len);
  if ((rv = w.err))
    goto out;
  if ((rv = kxlen = ncgt_noise_write2(&t, p->e_priv,
                                      p->psk ? p->psk : zero_psk, pl, w.off,
                                      kx, sizeof kx)) < 0)
    goto out;
  ncgt_frame_response fr = {.flags = p->flags,
                            .transform = p->transform,
                            .kx = kx,
                            .kxlen = (size_t)kxlen};
  if ((rv = ncgt_response_encode(out, cap, &fr)) < 0)
    goto out;
  *hs = t;
out:
  ncgt_wipe(&t, sizeof t);
  ncgt_wipe(pl, sizeof pl);
  return rv;
}

/* Parses the decrypted RESPONSE payload; its transform and flags must
 * repeat the clear fields exactly. */
static int response_payload_parse(const uint8_t *pl, size_t len,
                                  const ncgt_frame_response *resp,
                                  ncgt_response_info *info) {
  ncgt_rd r;
  uint16_t transform = 0, flags = 0, cdlen = 0;
  ncgt_rd_init(&r, pl, len);
  ncgt_rd_u16(&r, &transform);
  ncgt_rd_u16(&r, &flags);
  ncgt_rd_u32(&r, &info->key_lifetime);
  ncgt_rd_u16(&r, &cdlen);
  if (r.err || cdlen > NCGT_CLIENT_DATA_MAX)
    return NCGT_ERR_AUTH;
  ncgt_rd_copy(&r, info->client_data, cdlen);
  if (r.err || ncgt_rd_left(&r) != 0 || transform != resp->transform ||
      flags != resp->flags)
    return NCGT_ERR_AUTH;
  info->transform = transform;
  info->client_data_len = cdlen;
  return 0;
}

int ncgt_response_open(ncgt_hs *hs, const ncgt_frame_response *resp,
                       const uint8_t *psk, uint16_t offered,
                       ncgt_response_info *info) {
  uint8_t pl[NCGT_RESP_PAYLOAD_MAX];
  ncgt_hs t;
  ncgt_response_info in;
  ssize_t rv, plen;
  memset(&t, 0, sizeof t);
  memset(&in, 0, sizeof in);
  if (!hs || !resp || !info || !resp->kx) {
    rv = NCGT_ERR_INVALID_ARGUMENT;
    goto out;
  }
  t = *hs;
  if ((rv = plen = ncgt_noise_read2(&t, psk ? psk : zero_psk, resp->kx,
                                    resp->kxlen, pl, sizeof pl)) < 0) {
    if (rv != NCGT_ERR_INVALID_STATE)
      rv = NCGT_ERR_AUTH;
    goto out;
  }
  if ((rv = response_payload_parse(pl, (size_t)plen, resp, &in)))
    goto out;
  /* Authenticated, but not something we offered: refuse (no downgrade). */
  if (!one_transform(in.transform) || !(in.transform & offered)) {
    rv = NCGT_ERR_NO_TRANSFORM;
    goto out;
  }
  *info = in;
  *hs = t;
out:
  ncgt_wipe(&t, sizeof t);
  ncgt_wipe(pl, sizeof pl);
  ncgt_wipe(&in, sizeof in);
  return (int)rv;
}

int ncgt_hs_split(ncgt_hs *hs, uint8_t send_key[NCGT_KEY_BYTES],
                  uint8_t recv_key[NCGT_KEY_BYTES]) {
  uint8_t k1[NCGT_KEY_BYTES], k2[NCGT_KEY_BYTES];
  int rv = ncgt_noise_split(hs, k1, k2);
  if (rv == 0) {
    /* Split() (Noise 5.2): k1 seals initiator -> responder. */
    memcpy(send_key, hs->initiator ? k1 : k2, NCGT_KEY_BYTES);
    memcpy(recv_key, hs->initiator ? k2 : k1, NCGT_KEY_BYTES);
    /* The handshake state is done with (Noise 5.3): forget it, so the
     * ephemeral keys cannot leak later (forward secrecy). */
    ncgt_hs_wipe(hs);
  }
  ncgt_wipe(k1, sizeof k1);
  ncgt_wipe(k2, sizeof k2);
  return rv;
}
