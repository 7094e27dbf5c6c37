/*
 * A small hash map for the server's tables (issue 17 item 2): open
 * addressing with linear probing and backward-shift removal (no
 * tombstones), growing at 3/4 load. It stores pointers to the caller's
 * records, keyed by a 64-bit hash the caller computes with ncgt_map_hash:
 * SipHash-2-4 under a per-table random key, so a peer that chooses user
 * names or keys cannot choose collisions. Equal hashes (collisions or
 * duplicates) are all returned by ncgt_map_next; the caller compares its
 * own keys.
 */
#ifndef NCGT_MAP_H
#define NCGT_MAP_H

#include <stddef.h>
#include <stdint.h>

#include <ncgtun/ncgtun.h>

typedef struct ncgt_map_slot {
  uint64_t h;
  void *v; /* NULL: empty */
} ncgt_map_slot;

typedef struct ncgt_map {
  ncgt_map_slot *slots;
  size_t cap; /* 0 or a power of two */
  size_t n;
  uint64_t k0, k1; /* SipHash key */
} ncgt_map;

/* An empty map keyed with 16 random bytes (may be NULL: a zero key, for
 * tests only). Allocates nothing until the first add. */
void ncgt_map_init(ncgt_map *m, const uint8_t key[16]);
void ncgt_map_free(ncgt_map *m); /* the records are the caller's */

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of data under m's key. */
uint64_t ncgt_map_hash(const ncgt_map *m, const void *data, size_t len);
/* The same of a NUL-terminated string (without its NUL). */
uint64_t ncgt_map_hash_str(const ncgt_map *m, const char *s);

/* Adds v (not NULL) under h; duplicates are allowed. NCGT_ERR_NOMEM. */
NCGT_WUR int ncgt_map_add(ncgt_map *m, uint64_t h, void *v);
/* Values stored under h, one per call: start with *it = 0; NULL at the
 * end. The map must not change during the walk. */
void *ncgt_map_next(const ncgt_map *m, uint64_t h, size_t *it);
/* Removes the entry (h, v). 0, or NCGT_ERR_INVALID_ARGUMENT when absent. */
int ncgt_map_remove(ncgt_map *m, uint64_t h, const void *v);

#endif /* NCGT_MAP_H */
