/* REQUEST / RESPONSE handshake (lib/ncgt_handshake.c) through the frame
 * codec: both transforms, the shipped vectors (doc/vectors/handshake-v1.txt)
 * byte for byte, wrong keys and PSKs, every byte of both frames tampered,
 * downgrade, and a chosen transform outside the offer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hsvec.h"
#include "testvec.h"

static hsvec V; /* inputs of the case under test (hsvec_fill) */

static ssize_t mk_request(ncgt_hs *hi, uint16_t offered, uint8_t *out,
                          size_t cap) {
  uint8_t pub[32];
  assert_int_equal(ncgt_x25519_pub(pub, V.server_static_priv), 0);
  ncgt_request_params rp = {.s_priv = V.client_static_priv,
                            .server_pub = pub,
                            .user = V.user,
                            .dest = V.dest,
                            .transforms = offered,
                            .flags = V.request_flags,
                            .e_priv = V.client_ephemeral_priv};
  memcpy(rp.tai64n, V.tai64n, sizeof rp.tai64n);
  return ncgt_request_build(hi, &rp, out, cap);
}

/* Decode + open; the decode status when it does not decode. */
static int srv_open(ncgt_hs *hr, const uint8_t *f, size_t n,
                    const uint8_t *s_priv, ncgt_request_info *info) {
  ncgt_frame_request req;
  int rv = ncgt_request_decode(&req, f, n);
  return rv ? rv : ncgt_request_open(hr, &req, s_priv, info);
}

static ssize_t mk_response(ncgt_hs *hr, uint16_t chosen, const uint8_t *psk,
                           uint8_t *out, size_t cap) {
  ncgt_response_params sp = {.transform = chosen,
                             .flags = V.response_flags,
                             .key_lifetime = V.key_lifetime,
                             .client_data = V.response_client_data,
                             .client_data_len = V.response_client_data_len,
                             .psk = psk,
                             .e_priv = V.server_ephemeral_priv};
  return ncgt_response_build(hr, &sp, out, cap);
}

static int cli_open(ncgt_hs *hi, const uint8_t *f, size_t n,
                    const uint8_t *psk, uint16_t offered,
                    ncgt_response_info *info) {
  ncgt_frame_response resp;
  int rv = ncgt_response_decode(&resp, f, n);
  return rv ? rv : ncgt_response_open(hi, &resp, psk, offered, info);
}

/* Initiator at step 1 and responder at step 1, with the REQUEST bytes. */
static void half_way(ncgt_hs *hi, ncgt_hs *hr, uint16_t offered) {
  uint8_t f[HSVEC_FRAME];
  ncgt_request_info info;
  ssize_t n = mk_request(hi, offered, f, sizeof f);
  assert_true(n > 0);
  assert_int_equal(srv_open(hr, f, (size_t)n, V.server_static_priv, &info), 0);
  assert_int_equal(info.transforms, offered);
}

static void both_transforms_complete(void **state) {
  (void)state;
  for (int c = 0; c < 2; c++) {
    hsvec v;
    hsvec_fill(&v, c);
    assert_int_equal(hsvec_run(&v), 0);
    assert_int_equal(v.request_frame_len > NCGT_MSG1_OVERHEAD, 1);
    /* the user name is not in the clear */
    assert_null(memmem(v.request_frame, v.request_frame_len, v.user,
                       strlen(v.user)));
    /* keys differ per direction and per case */
    assert_memory_not_equal(v.key_i2r, v.key_r2i, 32);
  }
}

/* Loads bytes `name` of case c from the vector file into dst (exact len). */
static size_t vec_get(const testvec *tv, int c, const char *name, void *dst,
                      size_t cap) {
  char key[64];
  size_t len = 0;
  snprintf(key, sizeof key, "%d.%s", c, name);
  const unsigned char *p = testvec_get(tv, key, &len);
  if (!p)
    fail_msg("vector %s missing", key);
  assert_true(len <= cap);
  memcpy(dst, p, len);
  return len;
}

static uint32_t vec_uint(const testvec *tv, int c, const char *name) {
  uint8_t b[4];
  size_t n = vec_get(tv, c, name, b, sizeof b);
  uint32_t v = 0;
  for (size_t i = 0; i < n; i++)
    v = v << 8 | b[i];
  return v;
}

static void reproduces_shipped_vectors(void **state) {
  (void)state;
  static testvec tv;
  assert_int_equal(testvec_load(&tv, NCGT_TEST_SRCDIR
                                "/../doc/vectors/handshake-v1.txt"), 0);
  for (int c = 1; c <= 2; c++) {
    hsvec v, w;
    memset(&v, 0, sizeof v);
    vec_get(&tv, c, "client_static_priv", v.client_static_priv, 32);
    vec_get(&tv, c, "server_static_priv", v.server_static_priv, 32);
    vec_get(&tv, c, "client_ephemeral_priv", v.client_ephemeral_priv, 32);
    vec_get(&tv, c, "server_ephemeral_priv", v.server_ephemeral_priv, 32);
    vec_get(&tv, c, "psk", v.psk, 32);
    vec_get(&tv, c, "user", v.user, NCGT_NAME_MAX);
    vec_get(&tv, c, "dest", v.dest, NCGT_NAME_MAX);
    v.request_flags = (uint16_t)vec_uint(&tv, c, "request_flags");
    v.offered = (uint16_t)vec_uint(&tv, c, "offered");
    vec_get(&tv, c, "tai64n", v.tai64n, NCGT_TAI64N_LEN);
    v.request_client_data_len = vec_get(&tv, c, "request_client_data",
                                        v.request_client_data,
                                        NCGT_CLIENT_DATA_MAX);
    v.chosen = (uint16_t)vec_uint(&tv, c, "chosen");
    v.response_flags = (uint16_t)vec_uint(&tv, c, "response_flags");
    v.key_lifetime = vec_uint(&tv, c, "key_lifetime");
    v.response_client_data_len = vec_get(&tv, c, "response_client_data",
                                         v.response_client_data,
                                         NCGT_CLIENT_DATA_MAX);
    v.data_i2r_datagram_len = vec_get(&tv, c, "data_i2r_datagram",
                                      v.data_i2r_datagram, HSVEC_DG);
    v.data_r2i_datagram_len = vec_get(&tv, c, "data_r2i_datagram",
                                      v.data_r2i_datagram, HSVEC_DG);
    v.close_status = (uint16_t)vec_uint(&tv, c, "close_status");
    assert_int_equal(hsvec_run(&v), 0);
#define CHECK_OUT(field, lenexpr)                                              \
  do {                                                                         \
    size_t n_ = vec_get(&tv, c, #field, w.field, sizeof w.field);              \
    assert_int_equal(n_, (lenexpr));                                           \
    assert_memory_equal(w.field, v.field, n_);                                 \
  } while (0)
    CHECK_OUT(client_static_pub, 32);
    CHECK_OUT(server_static_pub, 32);
    CHECK_OUT(request_frame, v.request_frame_len);
    CHECK_OUT(response_frame, v.response_frame_len);
    CHECK_OUT(handshake_hash, 32);
    CHECK_OUT(key_i2r, 32);
    CHECK_OUT(key_r2i, 32);
    CHECK_OUT(data_i2r_frame, v.data_i2r_frame_len);
    CHECK_OUT(data_r2i_frame, v.data_r2i_frame_len);
    CHECK_OUT(keepalive_i2r_frame, v.keepalive_i2r_frame_len);
    CHECK_OUT(close_r2i_frame, v.close_r2i_frame_len);
#undef CHECK_OUT
  }
  testvec_free(&tv);
}

static void wrong_server_key_fails(void **state) {
  (void)state;
  ncgt_hs hi, hr;
  ncgt_request_info info;
  uint8_t f[HSVEC_FRAME], other[32];
  hsvec_fill(&V, 0);
  ssize_t n = mk_request(&hi, NCGT_TRANSFORMS_ALL, f, sizeof f);
  assert_true(n > 0);
  memcpy(other, V.server_static_priv, 32);
  other[5] ^= 0x40; /* another server (a virtual server's other key) */
  memset(&info, 0x5A, sizeof info);
  ncgt_request_info before = info;
  assert_int_equal(srv_open(&hr, f, (size_t)n, other, &info), NCGT_ERR_AUTH);
  assert_memory_equal(&info, &before, sizeof info); /* nothing revealed */
}

static void wrong_psk_fails(void **state) {
  (void)state;
  ncgt_hs hi, hr, hi0;
  ncgt_response_info info;
  uint8_t f[HSVEC_FRAME], psk[32], psk2[32];
  hsvec_fill(&V, 0);
  memcpy(psk, V.psk, 32);
  memcpy(psk2, V.psk, 32);
  psk2[31] ^= 1;
  /* server uses the user's PSK, client another / none; and the reverse */
  const uint8_t *srv[] = {psk, psk, NULL};
  const uint8_t *cli[] = {psk2, NULL, psk};
  for (int i = 0; i < 3; i++) {
    half_way(&hi, &hr, NCGT_TRANSFORMS_ALL);
    ssize_t n = mk_response(&hr, NCGT_TRANSFORM_AES256GCM, srv[i], f, sizeof f);
    assert_true(n > 0);
    hi0 = hi;
    assert_int_equal(cli_open(&hi, f, (size_t)n, cli[i], NCGT_TRANSFORMS_ALL,
                              &info), NCGT_ERR_AUTH);
    assert_memory_equal(&hi, &hi0, sizeof hi); /* state untouched */
    /* the right PSK still completes with the same bytes */
    assert_int_equal(cli_open(&hi, f, (size_t)n, srv[i], NCGT_TRANSFORMS_ALL,
                              &info), 0);
  }
}

/* Each byte of REQUEST flipped (two patterns): a codec error or AUTH. */
static void tampered_request_fails(void **state) {
  (void)state;
  ncgt_hs hi, hr;
  ncgt_request_info info;
  uint8_t f[HSVEC_FRAME], g[HSVEC_FRAME];
  hsvec_fill(&V, 0);
  ssize_t n = mk_request(&hi, NCGT_TRANSFORMS_ALL, f, sizeof f);
  assert_true(n > 0);
  int codec = 0, auth = 0;
  for (ssize_t i = 0; i < n; i++) {
    for (int p = 0; p < 2; p++) {
      memcpy(g, f, (size_t)n);
      g[i] ^= p ? 0xFF : 0x01;
      int rv = srv_open(&hr, g, (size_t)n, V.server_static_priv, &info);
      if (rv == NCGT_ERR_AUTH)
        auth++;
      else if (rv <= -100 && rv > -200)
        codec++;
      else
        fail_msg("byte %zd ^%02x: status %d", i, p ? 0xFF : 1, rv);
    }
  }
  assert_true(auth > 2 * (n - 64)); /* most bytes are Noise message */
  assert_int_equal(auth + codec, 2 * n);
  /* the genuine frame opens */
  assert_int_equal(srv_open(&hr, f, (size_t)n, V.server_static_priv, &info), 0);
}

/* Each byte of RESPONSE flipped: a codec error or AUTH, never success
 * (and never NO_TRANSFORM: the clear field is checked against the
 * encrypted one first). */
static void tampered_response_fails(void **state) {
  (void)state;
  ncgt_hs hi, hr, hi0;
  ncgt_response_info info;
  uint8_t f[HSVEC_FRAME], g[HSVEC_FRAME];
  hsvec_fill(&V, 0);
  half_way(&hi, &hr, NCGT_TRANSFORMS_ALL);
  ssize_t n = mk_response(&hr, NCGT_TRANSFORM_CHACHA20POLY1305, V.psk, f,
                          sizeof f);
  assert_true(n > 0);
  hi0 = hi;
  for (ssize_t i = 0; i < n; i++) {
    for (int p = 0; p < 3; p++) {
      static const uint8_t pat[] = {0x01, 0xFF, 0x03};
      memcpy(g, f, (size_t)n);
      g[i] ^= pat[p];
      int rv = cli_open(&hi, g, (size_t)n, V.psk, NCGT_TRANSFORMS_ALL, &info);
      if (rv != NCGT_ERR_AUTH && !(rv <= -100 && rv > -200))
        fail_msg("byte %zd ^%02x: status %d", i, pat[p], rv);
      assert_memory_equal(&hi, &hi0, sizeof hi);
    }
  }
  assert_int_equal(cli_open(&hi, f, (size_t)n, V.psk, NCGT_TRANSFORMS_ALL,
                            &info), 0);
  assert_int_equal(info.transform, NCGT_TRANSFORM_CHACHA20POLY1305);
}

/* An attacker re-encodes REQUEST offering only AES (a downgrade), or
 * changes the destination or flags: the prologue differs, AUTH. */
static void rewritten_clear_fields_fail(void **state) {
  (void)state;
  ncgt_hs hi, hr;
  ncgt_request_info info;
  ncgt_frame_request req;
  uint8_t f[HSVEC_FRAME], g[HSVEC_FRAME];
  hsvec_fill(&V, 0);
  ssize_t n = mk_request(&hi, NCGT_TRANSFORMS_ALL, f, sizeof f);
  assert_true(n > 0);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(ncgt_request_decode(&req, f, (size_t)n), 0);
    if (i == 0)
      req.transforms = NCGT_TRANSFORM_AES256GCM; /* strip one */
    else if (i == 1)
      req.transforms = NCGT_TRANSFORM_CHACHA20POLY1305;
    else if (i == 2)
      req.dest = "other.example.net";
    else
      req.flags = NCGT_KX_FLAG_REKEY;
    ssize_t m = ncgt_request_encode(g, sizeof g, &req);
    assert_true(m > 0);
    assert_int_equal(srv_open(&hr, g, (size_t)m, V.server_static_priv, &info),
                     NCGT_ERR_AUTH);
  }
}

static void chosen_transform_outside_offer(void **state) {
  (void)state;
  ncgt_hs hi, hr;
  ncgt_response_info info;
  uint8_t f[HSVEC_FRAME];
  hsvec_fill(&V, 0);
  half_way(&hi, &hr, NCGT_TRANSFORM_CHACHA20POLY1305);
  /* a (buggy or hostile but authenticated) responder picks AES */
  ssize_t n = mk_response(&hr, NCGT_TRANSFORM_AES256GCM, V.psk, f, sizeof f);
  assert_true(n > 0);
  assert_int_equal(cli_open(&hi, f, (size_t)n, V.psk,
                            NCGT_TRANSFORM_CHACHA20POLY1305, &info),
                   NCGT_ERR_NO_TRANSFORM);
  assert_int_equal(hi.step, 1); /* not completed */
  uint8_t a[32], b[32];
  assert_int_equal(ncgt_hs_split(&hi, a, b), NCGT_ERR_INVALID_STATE);
}

static void out_of_order_and_bad_arguments(void **state) {
  (void)state;
  ncgt_hs hi, hr;
  uint8_t f[HSVEC_FRAME], a[32], b[32];
  hsvec_fill(&V, 0);
  half_way(&hi, &hr, NCGT_TRANSFORMS_ALL);
  /* the initiator cannot build a RESPONSE */
  assert_int_equal(mk_response(&hi, NCGT_TRANSFORM_AES256GCM, NULL, f, sizeof f),
                   NCGT_ERR_INVALID_STATE);
  assert_int_equal(ncgt_hs_split(&hr, a, b), NCGT_ERR_INVALID_STATE);
  /* two transforms at once, or none */
  assert_int_equal(mk_response(&hr, NCGT_TRANSFORMS_ALL, NULL, f, sizeof f),
                   NCGT_ERR_INVALID_ARGUMENT);
  assert_int_equal(mk_response(&hr, 0, NULL, f, sizeof f),
                   NCGT_ERR_INVALID_ARGUMENT);
  /* too small a buffer: NOBUF and the responder can still answer */
  assert_int_equal(mk_response(&hr, NCGT_TRANSFORM_AES256GCM, NULL, f, 40),
                   NCGT_ERR_NOBUF);
  assert_true(mk_response(&hr, NCGT_TRANSFORM_AES256GCM, NULL, f, sizeof f) > 0);
  /* names */
  ncgt_hs h2;
  strcpy(V.user, "");
  assert_int_equal(mk_request(&h2, NCGT_TRANSFORMS_ALL, f, sizeof f),
                   NCGT_ERR_BAD_NAME);
  memset(V.user, 'u', NCGT_NAME_MAX + 0);
  V.user[NCGT_NAME_MAX] = '\0'; /* 255: the longest allowed */
  assert_true(mk_request(&h2, NCGT_TRANSFORMS_ALL, f, sizeof f) > 0);
  assert_int_equal(mk_request(&h2, 0, f, sizeof f), NCGT_ERR_INVALID_ARGUMENT);
  assert_int_equal(mk_request(&h2, 0x80, f, sizeof f),
                   NCGT_ERR_INVALID_ARGUMENT);
}

static void longest_names_and_client_data(void **state) {
  (void)state;
  ncgt_hs hi, hr;
  ncgt_request_info info;
  ncgt_response_info rinfo;
  uint8_t f[HSVEC_FRAME];
  hsvec_fill(&V, 0);
  memset(V.user, 'u', NCGT_NAME_MAX);
  V.user[NCGT_NAME_MAX] = '\0';
  memset(V.dest, 'd', NCGT_NAME_MAX);
  V.dest[NCGT_NAME_MAX] = '\0';
  memset(V.response_client_data, 0xC3, NCGT_CLIENT_DATA_MAX);
  V.response_client_data_len = NCGT_CLIENT_DATA_MAX;
  ssize_t n = mk_request(&hi, NCGT_TRANSFORMS_ALL, f, sizeof f);
  assert_true(n > 0);
  assert_int_equal(srv_open(&hr, f, (size_t)n, V.server_static_priv, &info), 0);
  assert_string_equal(info.user, V.user);
  n = mk_response(&hr, NCGT_TRANSFORM_AES256GCM, NULL, f, sizeof f);
  assert_true(n > 0);
  assert_int_equal(cli_open(&hi, f, (size_t)n, NULL, NCGT_TRANSFORMS_ALL,
                            &rinfo), 0);
  assert_int_equal(rinfo.client_data_len, NCGT_CLIENT_DATA_MAX);
  assert_memory_equal(rinfo.client_data, V.response_client_data,
                      NCGT_CLIENT_DATA_MAX);
  V.response_client_data_len = NCGT_CLIENT_DATA_MAX + 1;
  half_way(&hi, &hr, NCGT_TRANSFORMS_ALL);
  assert_int_equal(mk_response(&hr, NCGT_TRANSFORM_AES256GCM, NULL, f, sizeof f),
                   NCGT_ERR_INVALID_ARGUMENT);
}

/* Arbitrary key exchange data of every length: AUTH, never a crash. */
static void garbage_key_exchange_data(void **state) {
  (void)state;
  ncgt_hs h;
  ncgt_request_info info;
  ncgt_response_info rinfo;
  static uint8_t kx[NCGT_KX_MAX];
  uint32_t x = 12345;
  hsvec_fill(&V, 0);
  for (size_t len = 1; len <= NCGT_KX_MAX; len += (len < 200 ? 1 : 37)) {
    for (size_t i = 0; i < len; i++) {
      x = x * 1103515245u + 12345u;
      kx[i] = (uint8_t)(x >> 16);
    }
    ncgt_frame_request req = {.flags = 0, .transforms = NCGT_TRANSFORMS_ALL,
                              .dest = V.dest, .kx = kx, .kxlen = len};
    assert_int_equal(ncgt_request_open(&h, &req, V.server_static_priv, &info),
                     NCGT_ERR_AUTH);
    ncgt_hs hi, hr;
    half_way(&hi, &hr, NCGT_TRANSFORMS_ALL);
    ncgt_frame_response resp = {.flags = 0,
                                .transform = NCGT_TRANSFORM_AES256GCM,
                                .kx = kx, .kxlen = len};
    assert_int_equal(ncgt_response_open(&hi, &resp, NULL, NCGT_TRANSFORMS_ALL,
                                        &rinfo), NCGT_ERR_AUTH);
  }
}

static void tai64n_layout_and_order(void **state) {
  (void)state;
  uint8_t t1[12], t2[12];
  static const uint8_t want[12] = {0x40, 0, 0, 0, 0, 0, 0, 1,
                                   0, 0, 0, 5};
  ncgt_tai64n(t1, NCGT_SECONDS + 5);
  assert_memory_equal(t1, want, 12);
  /* byte order is time order: a replay check is one memcmp */
  ncgt_tai64n(t1, UINT64_C(1700000000999999999));
  ncgt_tai64n(t2, UINT64_C(1700000001000000000));
  assert_true(memcmp(t1, t2, 12) < 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(both_transforms_complete),
      cmocka_unit_test(reproduces_shipped_vectors),
      cmocka_unit_test(wrong_server_key_fails),
      cmocka_unit_test(wrong_psk_fails),
      cmocka_unit_test(tampered_request_fails),
      cmocka_unit_test(tampered_response_fails),
      cmocka_unit_test(rewritten_clear_fields_fail),
      cmocka_unit_test(chosen_transform_outside_offer),
      cmocka_unit_test(out_of_order_and_bad_arguments),
      cmocka_unit_test(longest_names_and_client_data),
      cmocka_unit_test(garbage_key_exchange_data),
      cmocka_unit_test(tai64n_layout_and_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
