/* The Noise IKpsk2 core (lib/ncgt_noise.c) against the public Cacophony
 * vector for Noise_IKpsk2_25519_ChaChaPoly_SHA256
 * (tests/vectors/noise-ikpsk2-cacophony.txt): every message byte, the
 * handshake hash and the transport messages after Split(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ncgt_noise.h"
#include "testvec.h"

static testvec tv;

static const unsigned char *get(const char *name, size_t want) {
  size_t len = 0;
  const unsigned char *v = testvec_get(&tv, name, &len);
  assert_non_null(v);
  if (want)
    assert_int_equal(len, want);
  return v;
}

static int setup(void **state) {
  (void)state;
  return testvec_load(&tv, NCGT_TEST_SRCDIR "/vectors/noise-ikpsk2-cacophony.txt");
}

static int teardown(void **state) {
  (void)state;
  testvec_free(&tv);
  return 0;
}

/* Runs both sides up to the end of the handshake, checking each message. */
static void handshake(ncgt_hs *hi, ncgt_hs *hr) {
  uint8_t msg[512], pl[512];
  size_t plen, ctlen, prolen, name_len;
  const unsigned char *name = get("protocol_name", 0);
  name_len = strlen(NCGT_NOISE_PROTOCOL_NAME);
  assert_memory_equal(name, NCGT_NOISE_PROTOCOL_NAME, name_len);
  const unsigned char *pro = testvec_get(&tv, "init_prologue", &prolen);
  const unsigned char *psk = get("init_psk", NCGT_KEY_BYTES);
  assert_memory_equal(psk, get("resp_psk", NCGT_KEY_BYTES), NCGT_KEY_BYTES);

  assert_int_equal(ncgt_noise_init(hi, 1, pro, prolen,
                                   get("init_static", NCGT_KEY_BYTES),
                                   get("init_remote_static", NCGT_KEY_BYTES)),
                   0);
  assert_int_equal(ncgt_noise_init(hr, 0, pro, prolen,
                                   get("resp_static", NCGT_KEY_BYTES), NULL),
                   0);

  /* -> e, es, s, ss */
  const unsigned char *p0 = testvec_get(&tv, "msg0_payload", &plen);
  const unsigned char *c0 = testvec_get(&tv, "msg0_ciphertext", &ctlen);
  ssize_t n = ncgt_noise_write1(hi, get("init_ephemeral", NCGT_KEY_BYTES), p0,
                                plen, msg, sizeof msg);
  assert_int_equal(n, ctlen);
  assert_int_equal(ctlen, NCGT_NOISE_MSG1_OVERHEAD + plen);
  assert_memory_equal(msg, c0, ctlen);
  n = ncgt_noise_read1(hr, msg, (size_t)n, pl, sizeof pl);
  assert_int_equal(n, plen);
  assert_memory_equal(pl, p0, plen);
  uint8_t ipub[NCGT_KEY_BYTES];
  assert_int_equal(ncgt_x25519_pub(ipub, get("init_static", NCGT_KEY_BYTES)), 0);
  assert_memory_equal(hr->rs, ipub, NCGT_KEY_BYTES);

  /* <- e, ee, se, psk */
  const unsigned char *p1 = testvec_get(&tv, "msg1_payload", &plen);
  const unsigned char *c1 = testvec_get(&tv, "msg1_ciphertext", &ctlen);
  n = ncgt_noise_write2(hr, get("resp_ephemeral", NCGT_KEY_BYTES), psk, p1, plen,
                        msg, sizeof msg);
  assert_int_equal(n, ctlen);
  assert_memory_equal(msg, c1, ctlen);
  n = ncgt_noise_read2(hi, psk, msg, (size_t)n, pl, sizeof pl);
  assert_int_equal(n, plen);
  assert_memory_equal(pl, p1, plen);

  const unsigned char *hh = get("handshake_hash", NCGT_HASH_LEN);
  assert_memory_equal(hi->h, hh, NCGT_HASH_LEN);
  assert_memory_equal(hr->h, hh, NCGT_HASH_LEN);
}

static void cacophony_handshake_and_transport(void **state) {
  (void)state;
  ncgt_hs hi, hr;
  uint8_t ik1[NCGT_KEY_BYTES], ik2[NCGT_KEY_BYTES], rk1[NCGT_KEY_BYTES],
      rk2[NCGT_KEY_BYTES];
  handshake(&hi, &hr);
  assert_int_equal(ncgt_noise_split(&hi, ik1, ik2), 0);
  assert_int_equal(ncgt_noise_split(&hr, rk1, rk2), 0);
  assert_memory_equal(ik1, rk1, NCGT_KEY_BYTES);
  assert_memory_equal(ik2, rk2, NCGT_KEY_BYTES);

  /* Transport messages alternate, initiator first; k1 seals i -> r. */
  ncgt_aead *a[2];
  assert_int_equal(ncgt_aead_new(&a[0], NCGT_TRANSFORM_CHACHA20POLY1305, ik1), 0);
  assert_int_equal(ncgt_aead_new(&a[1], NCGT_TRANSFORM_CHACHA20POLY1305, ik2), 0);
  uint64_t ctr[2] = {0, 0};
  for (int m = 2; m < 6; m++) {
    char pn[32], cn[32];
    size_t plen, ctlen;
    uint8_t ct[256], pt[256];
    snprintf(pn, sizeof pn, "msg%d_payload", m);
    snprintf(cn, sizeof cn, "msg%d_ciphertext", m);
    const unsigned char *p = testvec_get(&tv, pn, &plen);
    const unsigned char *c = testvec_get(&tv, cn, &ctlen);
    assert_non_null(p);
    assert_non_null(c);
    assert_int_equal(ctlen, plen + NCGT_TAG_LEN);
    int dir = m % 2;
    assert_int_equal(ncgt_aead_seal(a[dir], ctr[dir], NULL, 0, p, plen, ct,
                                    ct + plen), 0);
    assert_memory_equal(ct, c, ctlen);
    assert_int_equal(ncgt_aead_open(a[dir], ctr[dir], NULL, 0, c, plen,
                                    c + plen, pt), 0);
    assert_memory_equal(pt, p, plen);
    ctr[dir]++;
  }
  ncgt_aead_del(a[0]);
  ncgt_aead_del(a[1]);
}

/* Every byte of message 1 and 2 flipped in turn: AUTH, state unchanged. */
static void tampered_messages_fail_and_leave_state(void **state) {
  (void)state;
  ncgt_hs hi, hr, before;
  uint8_t pl[512];
  size_t len;
  const unsigned char *pro = testvec_get(&tv, "init_prologue", &len);
  assert_int_equal(ncgt_noise_init(&hr, 0, pro, len,
                                   get("resp_static", NCGT_KEY_BYTES), NULL), 0);
  const unsigned char *c0 = testvec_get(&tv, "msg0_ciphertext", &len);
  uint8_t m[512];
  for (size_t i = 0; i < len; i++) {
    memcpy(m, c0, len);
    m[i] ^= 0x01;
    before = hr;
    assert_int_equal(ncgt_noise_read1(&hr, m, len, pl, sizeof pl),
                     NCGT_ERR_AUTH);
    assert_memory_equal(&before, &hr, sizeof hr);
  }
  /* truncated */
  assert_int_equal(ncgt_noise_read1(&hr, c0, len - 1, pl, sizeof pl),
                   NCGT_ERR_AUTH);
  assert_int_equal(ncgt_noise_read1(&hr, c0, 10, pl, sizeof pl),
                   NCGT_ERR_AUTH);

  handshake(&hi, &hr); /* leaves hi complete; rebuild hi at step 1 */
  const unsigned char *psk = get("init_psk", NCGT_KEY_BYTES);
  const unsigned char *c1 = testvec_get(&tv, "msg1_ciphertext", &len);
  size_t prolen;
  pro = testvec_get(&tv, "init_prologue", &prolen);
  size_t p0len;
  const unsigned char *p0 = testvec_get(&tv, "msg0_payload", &p0len);
  assert_int_equal(ncgt_noise_init(&hi, 1, pro, prolen,
                                   get("init_static", NCGT_KEY_BYTES),
                                   get("init_remote_static", NCGT_KEY_BYTES)), 0);
  assert_true(ncgt_noise_write1(&hi, get("init_ephemeral", NCGT_KEY_BYTES), p0,
                                p0len, m, sizeof m) > 0);
  for (size_t i = 0; i < len; i++) {
    uint8_t m2[512];
    memcpy(m2, c1, len);
    m2[i] ^= 0x80;
    before = hi;
    assert_int_equal(ncgt_noise_read2(&hi, psk, m2, len, pl, sizeof pl),
                     NCGT_ERR_AUTH);
    assert_memory_equal(&before, &hi, sizeof hi);
  }
  /* wrong psk */
  uint8_t bad[NCGT_KEY_BYTES];
  memcpy(bad, psk, sizeof bad);
  bad[31] ^= 1;
  assert_int_equal(ncgt_noise_read2(&hi, bad, c1, len, pl, sizeof pl),
                   NCGT_ERR_AUTH);
  /* the genuine message still completes it */
  assert_true(ncgt_noise_read2(&hi, psk, c1, len, pl, sizeof pl) >= 0);
  assert_memory_equal(hi.h, get("handshake_hash", NCGT_HASH_LEN),
                      NCGT_HASH_LEN);
}

static void steps_out_of_order_are_refused(void **state) {
  (void)state;
  ncgt_hs hi, hr;
  uint8_t m[512], pl[64];
  uint8_t k1[NCGT_KEY_BYTES], k2[NCGT_KEY_BYTES];
  const uint8_t psk[NCGT_KEY_BYTES] = {0};
  assert_int_equal(ncgt_noise_init(&hi, 1, NULL, 0,
                                   get("init_static", NCGT_KEY_BYTES),
                                   get("init_remote_static", NCGT_KEY_BYTES)), 0);
  assert_int_equal(ncgt_noise_init(&hr, 0, NULL, 0,
                                   get("resp_static", NCGT_KEY_BYTES), NULL), 0);
  assert_int_equal(ncgt_noise_split(&hi, k1, k2), NCGT_ERR_INVALID_STATE);
  assert_int_equal(ncgt_noise_write2(&hi, get("init_ephemeral", 32), psk, NULL,
                                     0, m, sizeof m), NCGT_ERR_INVALID_STATE);
  assert_int_equal(ncgt_noise_write1(&hr, get("resp_ephemeral", 32), NULL, 0,
                                     m, sizeof m), NCGT_ERR_INVALID_STATE);
  /* too small an output buffer: NOBUF, state unchanged */
  assert_int_equal(ncgt_noise_write1(&hi, get("init_ephemeral", 32), NULL, 0,
                                     m, NCGT_NOISE_MSG1_OVERHEAD - 1),
                   NCGT_ERR_NOBUF);
  assert_int_equal(hi.step, 0);
  ssize_t n = ncgt_noise_write1(&hi, get("init_ephemeral", 32), NULL, 0, m,
                                sizeof m);
  assert_int_equal(n, NCGT_NOISE_MSG1_OVERHEAD);
  assert_int_equal(ncgt_noise_write1(&hi, get("init_ephemeral", 32), NULL, 0,
                                     m, sizeof m), NCGT_ERR_INVALID_STATE);
  assert_int_equal(ncgt_noise_read1(&hr, m, (size_t)n, pl, sizeof pl), 0);
  assert_int_equal(ncgt_noise_read1(&hr, m, (size_t)n, pl, sizeof pl),
                   NCGT_ERR_INVALID_STATE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cacophony_handshake_and_transport),
      cmocka_unit_test(tampered_messages_fail_and_leave_state),
      cmocka_unit_test(steps_out_of_order_are_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
