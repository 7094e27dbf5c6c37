/*
 * One whole exchange through the public handshake and transform API with
 * fixed inputs: REQUEST, RESPONSE, the split keys, the first DATA frame
 * each way, a keepalive and an authenticated CLOSE. Shared by the vector
 * generator (tests/gen_handshake_vectors.c, which writes
 * doc/vectors/handshake-v1.txt) and tests/test_handshake.c (which checks
 * the library reproduces that file byte for byte). Test-only.
 */
#ifndef NCGT_HSVEC_H
#define NCGT_HSVEC_H

#include <string.h>

#include "ncgt_handshake.h"
#include "ncgt_transform.h"

enum { HSVEC_FRAME = 2048, HSVEC_DG = 256 };

typedef struct hsvec {
  /* inputs */
  uint8_t client_static_priv[32], server_static_priv[32];
  uint8_t client_ephemeral_priv[32], server_ephemeral_priv[32];
  uint8_t psk[32]; /* all zero = no PSK */
  char user[NCGT_NAME_MAX + 1], dest[NCGT_NAME_MAX + 1];
  uint16_t request_flags, offered;
  uint8_t tai64n[NCGT_TAI64N_LEN];
  uint8_t request_client_data[NCGT_CLIENT_DATA_MAX];
  size_t request_client_data_len;
  uint16_t chosen, response_flags;
  uint32_t key_lifetime;
  uint8_t response_client_data[NCGT_CLIENT_DATA_MAX];
  size_t response_client_data_len;
  uint8_t data_i2r_datagram[HSVEC_DG], data_r2i_datagram[HSVEC_DG];
  size_t data_i2r_datagram_len, data_r2i_datagram_len;
  uint16_t close_status;
  /* outputs */
  uint8_t client_static_pub[32], server_static_pub[32];
  uint8_t request_frame[HSVEC_FRAME], response_frame[HSVEC_FRAME];
  size_t request_frame_len, response_frame_len;
  uint8_t handshake_hash[32], key_i2r[32], key_r2i[32];
  uint8_t data_i2r_frame[HSVEC_FRAME], data_r2i_frame[HSVEC_FRAME];
  size_t data_i2r_frame_len, data_r2i_frame_len;
  uint8_t keepalive_i2r_frame[HSVEC_FRAME], close_r2i_frame[HSVEC_FRAME];
  size_t keepalive_i2r_frame_len, close_r2i_frame_len;
} hsvec;

/* Returns 0, or the line that failed (a positive number). */
static inline int hsvec_run(hsvec *v) {
  static const uint8_t zero[32];
  ncgt_hs hi, hr;
  ncgt_frame_request req;
  ncgt_frame_response resp;
  ncgt_request_info rinfo;
  ncgt_response_info sinfo;
  ncgt_dirkey i_tx = {0}, i_rx = {0}, r_tx = {0}, r_rx = {0};
  uint8_t isend[32], irecv[32], rsend[32], rrecv[32], buf[HSVEC_FRAME];
  ncgt_frame_data fd;
  ncgt_frame_close fc;
  ssize_t n;
  int fail = 0;
  const uint8_t *psk = memcmp(v->psk, zero, 32) ? v->psk : NULL;
#define HSVEC_CHECK(c)                                                         \
  do {                                                                         \
    if (!(c)) {                                                                \
      fail = __LINE__;                                                         \
      goto out;                                                                \
    }                                                                          \
  } while (0)
  HSVEC_CHECK(ncgt_x25519_pub(v->client_static_pub, v->client_static_priv) == 0);
  HSVEC_CHECK(ncgt_x25519_pub(v->server_static_pub, v->server_static_priv) == 0);
  ncgt_request_params rp = {.s_priv = v->client_static_priv,
                            .server_pub = v->server_static_pub,
                            .user = v->user,
                            .dest = v->dest,
                            .transforms = v->offered,
                            .flags = v->request_flags,
                            .e_priv = v->client_ephemeral_priv,
                            .client_data = v->request_client_data,
                            .client_data_len = v->request_client_data_len};
  memcpy(rp.tai64n, v->tai64n, NCGT_TAI64N_LEN);
  n = ncgt_request_build(&hi, &rp, v->request_frame, sizeof v->request_frame);
  HSVEC_CHECK(n > 0);
  v->request_frame_len = (size_t)n;
  HSVEC_CHECK(ncgt_request_decode(&req, v->request_frame, (size_t)n) == 0);
  HSVEC_CHECK(ncgt_request_open(&hr, &req, v->server_static_priv, &rinfo) == 0);
  HSVEC_CHECK(strcmp(rinfo.user, v->user) == 0);
  HSVEC_CHECK(memcmp(rinfo.client_pub, v->client_static_pub, 32) == 0);
  HSVEC_CHECK(memcmp(rinfo.tai64n, v->tai64n, NCGT_TAI64N_LEN) == 0);
  ncgt_response_params sp = {.transform = v->chosen,
                             .flags = v->response_flags,
                             .key_lifetime = v->key_lifetime,
                             .client_data = v->response_client_data,
                             .client_data_len = v->response_client_data_len,
                             .psk = psk,
                             .e_priv = v->server_ephemeral_priv};
  n = ncgt_response_build(&hr, &sp, v->response_frame,
                          sizeof v->response_frame);
  HSVEC_CHECK(n > 0);
  v->response_frame_len = (size_t)n;
  HSVEC_CHECK(ncgt_response_decode(&resp, v->response_frame, (size_t)n) == 0);
  HSVEC_CHECK(ncgt_response_open(&hi, &resp, psk, v->offered, &sinfo) == 0);
  HSVEC_CHECK(sinfo.transform == v->chosen);
  HSVEC_CHECK(sinfo.key_lifetime == v->key_lifetime);
  HSVEC_CHECK(sinfo.client_data_len == v->response_client_data_len);
  HSVEC_CHECK(memcmp(sinfo.client_data, v->response_client_data,
                     sinfo.client_data_len) == 0);
  HSVEC_CHECK(memcmp(hi.h, hr.h, 32) == 0);
  memcpy(v->handshake_hash, hi.h, 32);
  HSVEC_CHECK(ncgt_hs_split(&hi, isend, irecv) == 0);
  HSVEC_CHECK(ncgt_hs_split(&hr, rsend, rrecv) == 0);
  HSVEC_CHECK(memcmp(isend, rrecv, 32) == 0 && memcmp(irecv, rsend, 32) == 0);
  memcpy(v->key_i2r, isend, 32);
  memcpy(v->key_r2i, rsend, 32);
  HSVEC_CHECK(ncgt_dirkey_set(&i_tx, v->chosen, isend) == 0);
  HSVEC_CHECK(ncgt_dirkey_set(&i_rx, v->chosen, irecv) == 0);
  HSVEC_CHECK(ncgt_dirkey_set(&r_tx, v->chosen, rsend) == 0);
  HSVEC_CHECK(ncgt_dirkey_set(&r_rx, v->chosen, rrecv) == 0);
  /* first DATA each way (counter 0) */
  n = ncgt_data_seal(&i_tx, 0, NCGT_DATA_PROTO_IPV4, v->data_i2r_datagram,
                     v->data_i2r_datagram_len, 0, v->data_i2r_frame,
                     sizeof v->data_i2r_frame);
  HSVEC_CHECK(n > 0);
  v->data_i2r_frame_len = (size_t)n;
  HSVEC_CHECK(ncgt_data_decode(&fd, v->data_i2r_frame, (size_t)n) == 0);
  HSVEC_CHECK(ncgt_data_open(&r_rx, v->data_i2r_frame, &fd, buf, sizeof buf) == 0);
  HSVEC_CHECK(memcmp(buf, v->data_i2r_datagram, v->data_i2r_datagram_len) == 0);
  n = ncgt_data_seal(&r_tx, 0, NCGT_DATA_PROTO_IPV4, v->data_r2i_datagram,
                     v->data_r2i_datagram_len, 0, v->data_r2i_frame,
                     sizeof v->data_r2i_frame);
  HSVEC_CHECK(n > 0);
  v->data_r2i_frame_len = (size_t)n;
  HSVEC_CHECK(ncgt_data_decode(&fd, v->data_r2i_frame, (size_t)n) == 0);
  HSVEC_CHECK(ncgt_data_open(&i_rx, v->data_r2i_frame, &fd, buf, sizeof buf) == 0);
  /* keepalive initiator -> responder (counter 1) */
  n = ncgt_data_seal(&i_tx, 0, NCGT_DATA_PROTO_NONE, NULL, 0, 0,
                     v->keepalive_i2r_frame, sizeof v->keepalive_i2r_frame);
  HSVEC_CHECK(n > 0);
  v->keepalive_i2r_frame_len = (size_t)n;
  HSVEC_CHECK(ncgt_data_decode(&fd, v->keepalive_i2r_frame, (size_t)n) == 0);
  HSVEC_CHECK(ncgt_data_open(&r_rx, v->keepalive_i2r_frame, &fd, buf, sizeof buf) == 0);
  /* authenticated CLOSE responder -> initiator (counter 1) */
  n = ncgt_close_seal(&r_tx, 0, v->close_status, 0, NULL, 0, v->close_r2i_frame,
                      sizeof v->close_r2i_frame);
  HSVEC_CHECK(n > 0);
  v->close_r2i_frame_len = (size_t)n;
  HSVEC_CHECK(ncgt_close_decode(&fc, v->close_r2i_frame, (size_t)n) == 0);
  HSVEC_CHECK(ncgt_close_open(&i_rx, v->close_r2i_frame, &fc) == 0);
out:
  ncgt_dirkey_clear(&i_tx);
  ncgt_dirkey_clear(&i_rx);
  ncgt_dirkey_clear(&r_tx);
  ncgt_dirkey_clear(&r_rx);
  return fail;
#undef HSVEC_CHECK
}

/* The two fixed cases of doc/vectors/handshake-v1.txt. */
static inline void hsvec_fill(hsvec *v, int which) {
  static const uint8_t dhcp[] = {
      0x01, 4, 255, 255, 255, 0,          /* subnet mask /24 */
      0x03, 4, 10, 99, 0, 1,              /* router */
      0x06, 4, 10, 99, 0, 1,              /* DNS */
      0x1a, 2, 0x05, 0x78,                /* MTU 1400 */
      0x33, 4, 0, 0, 0x0e, 0x10,          /* lease 3600 s */
      0x36, 4, 10, 99, 0, 1,              /* server identifier */
      0x32, 4, 10, 99, 0, 10,             /* client address */
      0x79, 8, 24, 192, 168, 1, 10, 99, 0, 1, /* RFC 3442 route */
      0xff};
  /* IPv4 ICMP echo request 10.99.0.10 -> 10.99.0.1 (header checksum
   * not meaningful; the tunnel does not look inside). */
  static const uint8_t ping[] = {
      0x45, 0, 0, 28, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0, 10, 99, 0, 10,
      10, 99, 0, 1, 8, 0, 0xf7, 0xfe, 0, 1, 0, 0};
  memset(v, 0, sizeof *v);
  for (int i = 0; i < 32; i++) {
    v->client_static_priv[i] = (uint8_t)(0x10 + i + which);
    v->server_static_priv[i] = (uint8_t)(0x30 + i + which);
    v->client_ephemeral_priv[i] = (uint8_t)(0x50 + i + which);
    v->server_ephemeral_priv[i] = (uint8_t)(0x70 + i + which);
    v->psk[i] = which == 0 ? (uint8_t)(0x90 + i) : 0;
  }
  strcpy(v->user, which == 0 ? "alice" : "bob@example.org");
  strcpy(v->dest, which == 0 ? "gw.example.net" : "vpn2");
  v->request_flags = which == 0 ? 0 : NCGT_KX_FLAG_REKEY;
  v->response_flags = v->request_flags;
  v->offered = which == 0 ? NCGT_TRANSFORMS_ALL : NCGT_TRANSFORM_AES256GCM;
  v->chosen = which == 0 ? NCGT_TRANSFORM_CHACHA20POLY1305
                         : NCGT_TRANSFORM_AES256GCM;
  ncgt_tai64n(v->tai64n, UINT64_C(1700000000123456789) + (uint64_t)which);
  if (which == 1) {
    memcpy(v->request_client_data, "\x0c\x05host1", 7); /* ignored */
    v->request_client_data_len = 7;
  }
  v->key_lifetime = which == 0 ? 3600 : 120;
  memcpy(v->response_client_data, dhcp, sizeof dhcp);
  v->response_client_data_len = sizeof dhcp;
  memcpy(v->data_i2r_datagram, ping, sizeof ping);
  v->data_i2r_datagram_len = sizeof ping;
  memcpy(v->data_r2i_datagram, ping, sizeof ping);
  v->data_r2i_datagram[12 + 3] = 1; /* reply: swap addresses */
  v->data_r2i_datagram[16 + 3] = 10;
  v->data_r2i_datagram[20] = 0;     /* echo reply */
  v->data_r2i_datagram_len = sizeof ping;
  v->close_status = NCGT_CLOSE_END_SESSION;
}

#endif /* NCGT_HSVEC_H */
