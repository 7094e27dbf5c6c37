/* Hash map for the server's tables; see ncgt_map.h. */
#include "ncgt_map.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* SipHash-2-4 (Aumasson, Bernstein: "SipHash: a fast short-input PRF", */
/* 2012, section 2): a keyed hash for hash tables, not a MAC here.     */
/* ------------------------------------------------------------------ */

static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static uint64_t le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

typedef struct sip {
  uint64_t v0, v1, v2, v3;
} sip;

static void sip_round(sip *s) {
  s->v0 += s->v1;
  s->v1 = rotl(s->v1, 13);
  s->v1 ^= s->v0;
  s->v0 = rotl(s->v0, 32);
  s->v2 += s->v3;
  s->v3 = rotl(s->v3, 16);
  s->v3 ^= s->v2;
  s->v0 += s->v3;
  s->v3 = rotl(s->v3, 21);
  s->v3 ^= s->v0;
  s->v2 += s->v1;
  s->v1 = rotl(s->v1, 17);
  s->v1 ^= s->v2;
  s->v2 = rotl(s->v2, 32);
}

/* c = 2 compression rounds per word */
static void sip_word(sip *s, uint64_t m) {
  s->v3 ^= m;
  sip_round(s);
  sip_round(s);
  s->v0 ^= m;
}

static uint64_t siphash24(uint64_t k0, uint64_t k1, const uint8_t *in,
                          size_t len) {
  sip s = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
           k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
  size_t i = 0;
  for (; i + 8 <= len; i += 8)
    sip_word(&s, le64(in + i));
  /* last word: the 0-7 remaining bytes, and len mod 256 in the top byte */
  uint64_t b = (uint64_t)(len & 0xff) << 56;
  for (size_t j = 0; i + j < len; j++)
    b |= (uint64_t)in[i + j] << (8 * j);
  sip_word(&s, b);
  s.v2 ^= 0xff; /* d = 4 finalization rounds */
  for (int r = 0; r < 4; r++)
    sip_round(&s);
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* ------------------------------------------------------------------ */

void ncgt_map_init(ncgt_map *m, const uint8_t key[16]) {
  memset(m, 0, sizeof(*m));
  if (key) {
    m->k0 = le64(key);
    m->k1 = le64(key + 8);
  }
}

void ncgt_map_free(ncgt_map *m) {
  free(m->slots);
  m->slots = NULL;
  m->cap = m->n = 0;
}

uint64_t ncgt_map_hash(const ncgt_map *m, const void *data, size_t len) {
  return siphash24(m->k0, m->k1, data, len);
}

uint64_t ncgt_map_hash_str(const ncgt_map *m, const char *s) {
  return ncgt_map_hash(m, s, strlen(s));
}

static size_t home(const ncgt_map *m, uint64_t h) {
  return (size_t)h & (m->cap - 1);
}

static void put(ncgt_map_slot *slots, size_t cap, uint64_t h, void *v) {
  size_t i = (size_t)h & (cap - 1);
  while (slots[i].v)
    i = (i + 1) & (cap - 1);
  slots[i].h = h;
  slots[i].v = v;
}

static int grow(ncgt_map *m) {
  size_t cap = m->cap ? m->cap * 2 : 16;
  if (cap < m->cap || cap > SIZE_MAX / sizeof(ncgt_map_slot))
    return NCGT_ERR_NOMEM;
  ncgt_map_slot *s = calloc(cap, sizeof(*s));
  if (!s)
    return NCGT_ERR_NOMEM;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].v)
      put(s, cap, m->slots[i].h, m->slots[i].v);
  free(m->slots);
  m->slots = s;
  m->cap = cap;
  return 0;
}

int ncgt_map_add(ncgt_map *m, uint64_t h, void *v) {
  if (!v)
    return NCGT_ERR_INVALID_ARGUMENT;
  if ((m->n + 1) * 4 > m->cap * 3) { /* keep load <= 3/4 */
    int rv = grow(m);
    if (rv < 0)
      return rv;
  }
  put(m->slots, m->cap, h, v);
  m->n++;
  return 0;
}

void *ncgt_map_next(const ncgt_map *m, uint64_t h, size_t *it) {
  if (!m->cap)
    return NULL;
  /* *it counts the slots already looked at from h's home slot; the run
   * of occupied slots ends at an empty one (load < 1, so one exists). */
  for (size_t k = *it; k < m->cap; k++) {
    const ncgt_map_slot *s = &m->slots[(home(m, h) + k) & (m->cap - 1)];
    if (!s->v)
      break;
    if (s->h == h) {
      *it = k + 1;
      return s->v;
    }
  }
  *it = m->cap;
  return NULL;
}

int ncgt_map_remove(ncgt_map *m, uint64_t h, const void *v) {
  size_t mask = m->cap - 1, i;
  if (!m->cap)
    return NCGT_ERR_INVALID_ARGUMENT;
  for (i = home(m, h);; i = (i + 1) & mask) {
    if (!m->slots[i].v)
      return NCGT_ERR_INVALID_ARGUMENT;
    if (m->slots[i].h == h && m->slots[i].v == v)
      break;
  }
  /* Backward shift: pull later entries of the run into the hole when
   * the hole lies between their home slot and where they sit. */
  for (size_t j = (i + 1) & mask; m->slots[j].v; j = (j + 1) & mask) {
    size_t hj = home(m, m->slots[j].h);
    if (((j - hj) & mask) >= ((j - i) & mask)) {
      m->slots[i] = m->slots[j];
      i = j;
    }
  }
  m->slots[i].v = NULL;
  m->slots[i].h = 0;
  m->n--;
  return 0;
}
