/* lib/ncgt_map.c: SipHash-2-4 against the published vectors, then the
 * table: growth, duplicates and colliding hashes, removal with backward
 * shift checked against a plain reference array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ncgt_map.h"

/* Key 00..0f, messages 00..(n-1): the vectors of the SipHash paper's
 * reference code (vectors.h), as little-endian 64-bit words. */
static void siphash_vectors(void **state) {
  (void)state;
  uint8_t key[16], msg[16];
  for (int i = 0; i < 16; i++)
    key[i] = msg[i] = (uint8_t)i;
  ncgt_map m;
  ncgt_map_init(&m, key);
  assert_true(ncgt_map_hash(&m, msg, 0) == 0x726fdb47dd0e0e31ull);
  assert_true(ncgt_map_hash(&m, msg, 1) == 0x74f839c593dc67fdull);
  assert_true(ncgt_map_hash(&m, msg, 15) == 0xa129ca6149be45e5ull);
  assert_true(ncgt_map_hash_str(&m, "") == 0x726fdb47dd0e0e31ull);
  /* another key, another hash */
  ncgt_map z;
  ncgt_map_init(&z, NULL);
  assert_true(ncgt_map_hash(&z, msg, 15) != ncgt_map_hash(&m, msg, 15));
}

static size_t count(const ncgt_map *m, uint64_t h, const void *v) {
  size_t it = 0, n = 0;
  void *x;
  while ((x = ncgt_map_next(m, h, &it)))
    n += x == v;
  return n;
}

static void empty_and_invalid(void **state) {
  (void)state;
  ncgt_map m;
  size_t it = 0;
  ncgt_map_init(&m, NULL);
  assert_null(ncgt_map_next(&m, 1, &it));
  assert_int_equal(ncgt_map_remove(&m, 1, &m), NCGT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ncgt_map_add(&m, 1, NULL), NCGT_ERR_INVALID_ARGUMENT);
  ncgt_map_free(&m);
}

/* Every value shares one of three hashes, so every probe run is long
 * and wraps; duplicates of (h, v) are kept apart too. */
static void collisions_and_removal(void **state) {
  (void)state;
  enum { N = 2000 };
  static int vals[N];
  static int in[N];
  ncgt_map m;
  ncgt_map_init(&m, NULL);
  uint64_t hs[3] = {5, 5 + 1024, UINT64_MAX}; /* same home for 16..1024 */
  for (int i = 0; i < N; i++) {
    assert_int_equal(ncgt_map_add(&m, hs[i % 3], &vals[i]), 0);
    in[i] = 1;
  }
  assert_int_equal(m.n, N);
  assert_true(m.cap >= N + N / 3);
  /* remove every other, in a scrambled order */
  srand(7);
  for (int k = 0; k < N * 4; k++) {
    int i = rand() % N;
    if (i % 2 == 0 && in[i]) {
      assert_int_equal(ncgt_map_remove(&m, hs[i % 3], &vals[i]), 0);
      in[i] = 0;
      /* twice: it is gone */
      assert_int_equal(ncgt_map_remove(&m, hs[i % 3], &vals[i]),
                       NCGT_ERR_INVALID_ARGUMENT);
    }
  }
  for (int i = 0; i < N; i++) {
    assert_int_equal(count(&m, hs[i % 3], &vals[i]), in[i]);
    assert_int_equal(count(&m, hs[(i + 1) % 3], &vals[i]), 0);
  }
  /* a duplicate entry is a second entry; removing one leaves one */
  assert_int_equal(ncgt_map_add(&m, 9, &vals[1]), 0);
  assert_int_equal(ncgt_map_add(&m, 9, &vals[1]), 0);
  assert_int_equal(count(&m, 9, &vals[1]), 2);
  assert_int_equal(ncgt_map_remove(&m, 9, &vals[1]), 0);
  assert_int_equal(count(&m, 9, &vals[1]), 1);
  ncgt_map_free(&m);
}

/* Random keys through the real hash: add, remove, re-add, against a
 * reference array. */
static void random_against_reference(void **state) {
  (void)state;
  enum { N = 5000 };
  static char names[N][16];
  static int in[N];
  uint8_t key[16] = {9, 8, 7};
  ncgt_map m;
  ncgt_map_init(&m, key);
  srand(11);
  for (int i = 0; i < N; i++)
    snprintf(names[i], sizeof names[i], "user%d", i);
  for (int round = 0; round < 4 * N; round++) {
    int i = rand() % N;
    uint64_t h = ncgt_map_hash_str(&m, names[i]);
    if (in[i])
      assert_int_equal(ncgt_map_remove(&m, h, names[i]), 0);
    else
      assert_int_equal(ncgt_map_add(&m, h, names[i]), 0);
    in[i] = !in[i];
  }
  size_t n = 0;
  for (int i = 0; i < N; i++) {
    assert_int_equal(count(&m, ncgt_map_hash_str(&m, names[i]), names[i]),
                     in[i]);
    n += (size_t)in[i];
  }
  assert_int_equal(m.n, n);
  ncgt_map_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(siphash_vectors),
      cmocka_unit_test(empty_and_invalid),
      cmocka_unit_test(collisions_and_removal),
      cmocka_unit_test(random_against_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
