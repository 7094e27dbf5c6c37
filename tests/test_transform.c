/* DATA / CLOSE seal and open (lib/ncgt_transform.c) through the frame
 * codec, for both transforms: round trips, replay / drop / reorder /
 * alteration, counter limit, key-phase flag, authenticated CLOSE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ncgt_transform.h"

static const unsigned transforms[] = {NCGT_TRANSFORM_AES256GCM,
                                      NCGT_TRANSFORM_CHACHA20POLY1305};
enum { BODY_OFF = NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN, FRAME_CAP = 70000 };

static uint8_t *frame_buf, *dg_buf, *out_buf;

static int setup(void **state) {
  (void)state;
  frame_buf = malloc(FRAME_CAP);
  dg_buf = malloc(FRAME_CAP);
  out_buf = malloc(FRAME_CAP);
  for (size_t i = 0; i < FRAME_CAP; i++)
    dg_buf[i] = (uint8_t)(i * 7 + 3);
  return !(frame_buf && dg_buf && out_buf);
}

static int teardown(void **state) {
  (void)state;
  free(frame_buf);
  free(dg_buf);
  free(out_buf);
  return 0;
}

/* A sender and a receiver sharing one key. */
static void pair(ncgt_dirkey *tx, ncgt_dirkey *rx, unsigned transform) {
  uint8_t key[NCGT_KEY_BYTES];
  for (int i = 0; i < NCGT_KEY_BYTES; i++)
    key[i] = (uint8_t)(0xA0 + i);
  memset(tx, 0, sizeof *tx);
  memset(rx, 0, sizeof *rx);
  assert_int_equal(ncgt_dirkey_set(tx, transform, key), 0);
  assert_int_equal(ncgt_dirkey_set(rx, transform, key), 0);
}

static void unpair(ncgt_dirkey *tx, ncgt_dirkey *rx) {
  ncgt_dirkey_clear(tx);
  ncgt_dirkey_clear(rx);
  assert_null(tx->aead);
}

/* Decodes and opens; returns the open status (or the decode status). */
static int open_frame(ncgt_dirkey *rx, const uint8_t *f, size_t len) {
  ncgt_frame_data fd;
  int rv = ncgt_data_decode(&fd, f, len);
  if (rv)
    return rv;
  return ncgt_data_open(rx, f, &fd, out_buf, FRAME_CAP);
}

/* Every size to 1600 (beyond any MTU), then a stride ending at 65535. */
static size_t next_size(size_t n) {
  if (n < 1600 || n == NCGT_DATAGRAM_MAX)
    return n + 1;
  return n + 251 > NCGT_DATAGRAM_MAX ? NCGT_DATAGRAM_MAX : n + 251;
}

static void round_trip_sizes(void **state) {
  (void)state;
  for (size_t t = 0; t < 2; t++) {
    ncgt_dirkey tx, rx;
    pair(&tx, &rx, transforms[t]);
    for (size_t n = 0; n <= NCGT_DATAGRAM_MAX; n = next_size(n)) {
      uint8_t proto = n ? NCGT_DATA_PROTO_IPV4 : NCGT_DATA_PROTO_NONE;
      ssize_t len = ncgt_data_seal(&tx, 0, proto, dg_buf, n, 0, frame_buf,
                                   FRAME_CAP);
      assert_int_equal(len, BODY_OFF + n);
      if (n >= 16) /* encrypted: the body differs from the datagram */
        assert_memory_not_equal(frame_buf + BODY_OFF, dg_buf, 16);
      ncgt_frame_data fd;
      assert_int_equal(ncgt_data_decode(&fd, frame_buf, (size_t)len), 0);
      assert_int_equal(fd.dglen, n);
      assert_int_equal(fd.proto, proto);
      assert_int_equal(ncgt_data_open(&rx, frame_buf, &fd, out_buf, FRAME_CAP), 0);
      if (n)
        assert_memory_equal(out_buf, dg_buf, n);
      assert_int_equal(tx.counter, rx.counter);
    }
    assert_true(tx.counter > 1700);
    unpair(&tx, &rx);
  }
}

static void padding_and_in_place(void **state) {
  (void)state;
  for (size_t t = 0; t < 2; t++) {
    ncgt_dirkey tx, rx, tx2, rx2;
    uint8_t f2[256];
    pair(&tx, &rx, transforms[t]);
    pair(&tx2, &rx2, transforms[t]);
    /* out of place with padding */
    ssize_t len = ncgt_data_seal(&tx, 0, NCGT_DATA_PROTO_IPV6, dg_buf, 100, 12,
                                 frame_buf, FRAME_CAP);
    assert_int_equal(len, BODY_OFF + 112);
    /* in place: the datagram already sits at the body offset */
    memcpy(f2 + BODY_OFF, dg_buf, 100);
    assert_int_equal(ncgt_data_seal(&tx2, 0, NCGT_DATA_PROTO_IPV6, f2 + BODY_OFF,
                                    100, 12, f2, sizeof f2), len);
    assert_memory_equal(f2, frame_buf, (size_t)len);
    assert_int_equal(open_frame(&rx, frame_buf, (size_t)len), 0);
    assert_memory_equal(out_buf, dg_buf, 100);
    for (int i = 0; i < 12; i++)
      assert_int_equal(out_buf[100 + i], 0);
    unpair(&tx, &rx);
    unpair(&tx2, &rx2);
  }
}

static void replay_drop_reorder_fail(void **state) {
  (void)state;
  for (size_t t = 0; t < 2; t++) {
    ncgt_dirkey tx, rx;
    uint8_t f[3][128];
    ssize_t len[3];
    pair(&tx, &rx, transforms[t]);
    for (int i = 0; i < 3; i++) {
      len[i] = ncgt_data_seal(&tx, 0, NCGT_DATA_PROTO_IPV4, dg_buf, 40, 0, f[i],
                              sizeof f[i]);
      assert_true(len[i] > 0);
    }
    /* identical datagrams give different frames (implicit counter) */
    assert_memory_not_equal(f[0], f[1], (size_t)len[0]);
    /* dropped / reordered: frame 1 first fails, and changes nothing */
    assert_int_equal(open_frame(&rx, f[1], (size_t)len[1]), NCGT_ERR_DECRYPT);
    assert_int_equal(rx.counter, 0);
    assert_int_equal(open_frame(&rx, f[0], (size_t)len[0]), 0);
    /* replayed */
    assert_int_equal(open_frame(&rx, f[0], (size_t)len[0]), NCGT_ERR_DECRYPT);
    assert_int_equal(open_frame(&rx, f[1], (size_t)len[1]), 0);
    assert_int_equal(open_frame(&rx, f[2], (size_t)len[2]), 0);
    assert_int_equal(rx.counter, 3);
    unpair(&tx, &rx);
  }
}

/* Each byte of a frame flipped in turn: a codec error or DECRYPT, never
 * success. Covers the key-phase flag too (header = AD). */
static void altered_frames_fail(void **state) {
  (void)state;
  for (size_t t = 0; t < 2; t++) {
    ncgt_dirkey tx, rx;
    uint8_t f[128], g[128];
    pair(&tx, &rx, transforms[t]);
    ssize_t len = ncgt_data_seal(&tx, NCGT_DATA_FLAG_KEY_PHASE,
                                 NCGT_DATA_PROTO_IPV4, dg_buf, 60, 3, f,
                                 sizeof f);
    assert_true(len > 0);
    for (ssize_t i = 0; i < len; i++) {
      for (int bit = 0; bit < 8; bit++) {
        memcpy(g, f, (size_t)len);
        g[i] ^= (uint8_t)(1u << bit);
        int rv = open_frame(&rx, g, (size_t)len);
        assert_int_not_equal(rv, 0);
        assert_true(rv == NCGT_ERR_DECRYPT || (rv <= -100 && rv > -200));
        assert_int_equal(rx.counter, 0);
      }
    }
    /* the key-phase flag specifically: decodes fine, fails the digest */
    memcpy(g, f, (size_t)len);
    ncgt_frame_data fd;
    assert_int_equal(ncgt_data_decode(&fd, g, (size_t)len), 0);
    assert_int_equal(fd.flags, NCGT_DATA_FLAG_KEY_PHASE);
    for (size_t i = 0; i < NCGT_DATA_HDR_LEN; i++) {
      memcpy(g, f, (size_t)len);
      g[i] ^= NCGT_DATA_FLAG_KEY_PHASE;
      if (ncgt_data_decode(&fd, g, (size_t)len) == 0 &&
          fd.flags != NCGT_DATA_FLAG_KEY_PHASE)
        assert_int_equal(ncgt_data_open(&rx, g, &fd, out_buf, FRAME_CAP),
                         NCGT_ERR_DECRYPT);
    }
    assert_int_equal(open_frame(&rx, f, (size_t)len), 0);
    unpair(&tx, &rx);
  }
}

static void counter_limit(void **state) {
  (void)state;
  for (size_t t = 0; t < 2; t++) {
    ncgt_dirkey tx, rx;
    uint8_t f[128];
    pair(&tx, &rx, transforms[t]);
    tx.counter = rx.counter = NCGT_COUNTER_LIMIT - 1;
    ssize_t len = ncgt_data_seal(&tx, 0, NCGT_DATA_PROTO_NONE, NULL, 0, 0, f,
                                 sizeof f);
    assert_true(len > 0);
    assert_int_equal(ncgt_data_seal(&tx, 0, NCGT_DATA_PROTO_NONE, NULL, 0, 0, f,
                                    sizeof f), NCGT_ERR_KEY_EXHAUSTED);
    assert_int_equal(ncgt_close_seal(&tx, 0, NCGT_CLOSE_KEY_EXPIRED, 0, NULL, 0,
                                     f, sizeof f), NCGT_ERR_KEY_EXHAUSTED);
    assert_int_equal(tx.counter, NCGT_COUNTER_LIMIT);
    assert_int_equal(open_frame(&rx, f, (size_t)len), 0);
    assert_int_equal(open_frame(&rx, f, (size_t)len), NCGT_ERR_KEY_EXHAUSTED);
    unpair(&tx, &rx);
  }
}

static void usage_errors(void **state) {
  (void)state;
  ncgt_dirkey tx, rx, none = {0};
  uint8_t f[64];
  assert_int_equal(ncgt_data_seal(&none, 0, NCGT_DATA_PROTO_NONE, NULL, 0, 0, f,
                                  sizeof f), NCGT_ERR_INVALID_STATE);
  pair(&tx, &rx, NCGT_TRANSFORM_AES256GCM);
  /* too small: NOBUF, counter unchanged */
  assert_int_equal(ncgt_data_seal(&tx, 0, NCGT_DATA_PROTO_IPV4, dg_buf, 20, 0, f,
                                  BODY_OFF + 19), NCGT_ERR_NOBUF);
  assert_int_equal(tx.counter, 0);
  ssize_t len = ncgt_data_seal(&tx, 0, NCGT_DATA_PROTO_IPV4, dg_buf, 20, 0, f,
                               sizeof f);
  ncgt_frame_data fd;
  assert_int_equal(ncgt_data_decode(&fd, f, (size_t)len), 0);
  assert_int_equal(ncgt_data_open(&rx, f, &fd, out_buf, 19), NCGT_ERR_NOBUF);
  assert_int_equal(ncgt_data_open(&rx, f, &fd, out_buf, 20), 0);
  /* a wrong key fails */
  uint8_t other[NCGT_KEY_BYTES] = {1};
  assert_int_equal(ncgt_dirkey_set(&rx, NCGT_TRANSFORM_AES256GCM, other), 0);
  assert_int_equal(ncgt_data_open(&rx, f, &fd, out_buf, FRAME_CAP),
                   NCGT_ERR_DECRYPT);
  /* the other transform with the same key fails */
  ncgt_dirkey tx2, rx2;
  pair(&tx2, &rx2, NCGT_TRANSFORM_CHACHA20POLY1305);
  assert_int_equal(ncgt_data_open(&rx2, f, &fd, out_buf, FRAME_CAP),
                   NCGT_ERR_DECRYPT);
  unpair(&tx, &rx);
  unpair(&tx2, &rx2);
}

static ssize_t seal_close(ncgt_dirkey *k, uint8_t *f, size_t cap) {
  static const uint8_t info[] = "gw2.example:443";
  return ncgt_close_seal(k, 0, NCGT_CLOSE_REDIRECT, 30, info,
                         sizeof info - 1, f, cap);
}

static void close_seal_open_and_tamper(void **state) {
  (void)state;
  for (size_t t = 0; t < 2; t++) {
    ncgt_dirkey tx, rx;
    uint8_t f[128], g[128], d[128];
    ncgt_frame_close fc;
    pair(&tx, &rx, transforms[t]);
    /* two DATA frames first: CLOSE takes the next counter (2) */
    for (int i = 0; i < 2; i++) {
      ssize_t n = ncgt_data_seal(&tx, 0, NCGT_DATA_PROTO_NONE, NULL, 0, 0, d,
                                 sizeof d);
      assert_int_equal(open_frame(&rx, d, (size_t)n), 0);
    }
    ssize_t len = seal_close(&tx, f, sizeof f);
    assert_true(len > 0);
    assert_int_equal(tx.counter, 3);
    assert_int_equal(ncgt_close_decode(&fc, f, (size_t)len), 0);
    assert_true(fc.flags & NCGT_CLOSE_FLAG_AUTH);
    assert_int_equal(fc.digestlen, NCGT_DIGEST_LEN);
    assert_int_equal(fc.status, NCGT_CLOSE_REDIRECT);
    assert_ptr_equal(fc.digest, f + len - NCGT_DIGEST_LEN); /* last field */
    for (ssize_t i = 0; i < len; i++) {
      memcpy(g, f, (size_t)len);
      g[i] ^= 0x01;
      if (ncgt_close_decode(&fc, g, (size_t)len) == 0)
        assert_int_equal(ncgt_close_open(&rx, g, &fc), NCGT_ERR_DECRYPT);
    }
    assert_int_equal(rx.counter, 2);
    assert_int_equal(ncgt_close_decode(&fc, f, (size_t)len), 0);
    assert_int_equal(ncgt_close_open(&rx, f, &fc), 0);
    /* replayed CLOSE fails (the counter moved on) */
    assert_int_equal(ncgt_close_open(&rx, f, &fc), NCGT_ERR_DECRYPT);
    unpair(&tx, &rx);
  }
}

static void close_without_keys(void **state) {
  (void)state;
  ncgt_dirkey tx, rx;
  uint8_t f[128];
  ncgt_frame_close fc;
  ssize_t len = seal_close(NULL, f, sizeof f);
  assert_true(len > 0);
  assert_int_equal(ncgt_close_decode(&fc, f, (size_t)len), 0);
  assert_false(fc.flags & NCGT_CLOSE_FLAG_AUTH);
  assert_int_equal(fc.digestlen, 0);
  /* once keys exist, an unauthenticated CLOSE does not verify */
  pair(&tx, &rx, NCGT_TRANSFORM_CHACHA20POLY1305);
  assert_int_equal(ncgt_close_open(&rx, f, &fc), NCGT_ERR_DECRYPT);
  /* a CLOSE sealed at the wrong counter fails */
  tx.counter = 5;
  len = seal_close(&tx, f, sizeof f);
  assert_int_equal(ncgt_close_decode(&fc, f, (size_t)len), 0);
  assert_int_equal(ncgt_close_open(&rx, f, &fc), NCGT_ERR_DECRYPT);
  unpair(&tx, &rx);
}

/* The rekey switch of doc/handshake.md section 6, at this module's level:
 * the sender switches keys between two frames and flips the key-phase
 * bit; the receiver picks the key by that bit, so frames sealed before the
 * switch and still in flight open with the old key and none is lost. */
static void rekey_switch_by_key_phase(void **state) {
  (void)state;
  uint8_t k_old[NCGT_KEY_BYTES] = {1}, k_new[NCGT_KEY_BYTES] = {2};
  uint8_t f[8][128];
  ssize_t len[8];
  ncgt_dirkey tx = {0}, rx[2] = {{0}, {0}};
  assert_int_equal(ncgt_dirkey_set(&tx, NCGT_TRANSFORM_AES256GCM, k_old), 0);
  assert_int_equal(ncgt_dirkey_set(&rx[0], NCGT_TRANSFORM_AES256GCM, k_old), 0);
  int phase = 0;
  for (int i = 0; i < 8; i++) {
    if (i == 5) { /* switch: new key, counter 0, phase flips */
      assert_int_equal(ncgt_dirkey_set(&tx, NCGT_TRANSFORM_AES256GCM, k_new), 0);
      phase = 1;
    }
    dg_buf[0] = (uint8_t)i;
    len[i] = ncgt_data_seal(&tx, phase ? NCGT_DATA_FLAG_KEY_PHASE : 0,
                            NCGT_DATA_PROTO_IPV4, dg_buf, 30, 0, f[i],
                            sizeof f[i]);
    assert_true(len[i] > 0);
  }
  /* the receiver learns the new key (RESPONSE) while 0..4 are in flight */
  assert_int_equal(ncgt_dirkey_set(&rx[1], NCGT_TRANSFORM_AES256GCM, k_new), 0);
  for (int i = 0; i < 8; i++) {
    ncgt_frame_data fd;
    assert_int_equal(ncgt_data_decode(&fd, f[i], (size_t)len[i]), 0);
    int p = fd.flags & NCGT_DATA_FLAG_KEY_PHASE;
    assert_int_equal(ncgt_data_open(&rx[p], f[i], &fd, out_buf, FRAME_CAP), 0);
    assert_int_equal(out_buf[0], i);
    /* the wrong generation's key never opens it */
    assert_int_equal(ncgt_data_open(&rx[!p], f[i], &fd, out_buf, FRAME_CAP),
                     NCGT_ERR_DECRYPT);
  }
  assert_int_equal(rx[0].counter, 5);
  assert_int_equal(rx[1].counter, 3);
  ncgt_dirkey_clear(&tx);
  ncgt_dirkey_clear(&rx[0]);
  ncgt_dirkey_clear(&rx[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(round_trip_sizes),
      cmocka_unit_test(padding_and_in_place),
      cmocka_unit_test(replay_drop_reorder_fail),
      cmocka_unit_test(altered_frames_fail),
      cmocka_unit_test(counter_limit),
      cmocka_unit_test(usage_errors),
      cmocka_unit_test(close_seal_open_and_tamper),
      cmocka_unit_test(close_without_keys),
      cmocka_unit_test(rekey_switch_by_key_phase),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
