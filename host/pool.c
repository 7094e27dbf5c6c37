/* Address pool (pool.h). */
#include "pool.h"

#include "sys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t fnv1a(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) {
    h ^= (uint8_t)*s;
    h *= 16777619u;
  }
  return h;
}

static const ncg_pool_entry *pool_find(const ncg_pool *p, const char *name) {
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->v[i].name, name) == 0)
      return &p->v[i];
  return NULL;
}

static int pool_taken(const ncg_pool *p, const ncg_users *u, uint32_t a) {
  if (a == p->server || ncg_users_find_address(u, a))
    return 1;
  for (size_t i = 0; i < p->n; i++)
    if (p->v[i].addr == a)
      return 1;
  return 0;
}

static int pool_add(ncg_pool *p, const char *name, uint32_t addr) {
  if (ncg_grow(&p->v, &p->cap, p->n, sizeof(*p->v)) != 0)
    return -1;
  ncg_pool_entry *e = &p->v[p->n++];
  snprintf(e->name, sizeof(e->name), "%s", name);
  e->addr = addr;
  return 0;
}

/* State file lines: "NAME ADDRESS". */
static void pool_load(ncg_pool *p, FILE *f, size_t *skipped) {
  char line[256], name[NCG_USER_NAME_MAX + 2], addr[32];
  while (fgets(line, sizeof(line), f)) {
    uint32_t a;
    const char *why;
    if (line[0] == '#' || line[0] == '\n')
      continue;
    if (sscanf(line, "%51s %31s", name, addr) != 2 ||
        strlen(name) > NCG_USER_NAME_MAX || ncg_parse_ip4(addr, &a, &why) ||
        a < p->first || a > p->last || pool_find(p, name) ||
        pool_add(p, name, a) != 0)
      (*skipped)++;
  }
}

int ncg_pool_init(ncg_pool *p, uint32_t first, uint32_t last, uint32_t server,
                  const char *state_path, size_t *skipped) {
  memset(p, 0, sizeof(*p));
  *skipped = 0;
  if (first == 0 || first > last)
    return -1;
  p->first = first;
  p->last = last;
  p->server = server;
  p->state_path = state_path && *state_path ? state_path : NULL;
  if (p->state_path) {
    FILE *f = fopen(p->state_path, "r");
    if (f) {
      pool_load(p, f, skipped);
      fclose(f);
    }
  }
  return 0;
}

void ncg_pool_free(ncg_pool *p) {
  free(p->v);
  memset(p, 0, sizeof(*p));
}

int ncg_pool_save(const ncg_pool *p) {
  char tmp[4096];
  if (!p->state_path)
    return 0;
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", p->state_path) >= (int)sizeof(tmp))
    return -1;
  FILE *f = fopen(tmp, "w");
  if (!f)
    return -1;
  fprintf(f, "# ncg-server address pool: user address (kept across "
             "restarts)\n");
  for (size_t i = 0; i < p->n; i++) {
    char a[16];
    fprintf(f, "%s %s\n", p->v[i].name, ncg_ip4_str(p->v[i].addr, a));
  }
  if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
    fclose(f);
    unlink(tmp);
    return -1;
  }
  fclose(f);
  return rename(tmp, p->state_path);
}

uint32_t ncg_pool_address(ncg_pool *p, const ncg_users *u,
                          const ncg_user *user) {
  if (user->address)
    return user->address;
  const ncg_pool_entry *e = pool_find(p, user->name);
  if (e)
    return e->addr;
  uint64_t size = (uint64_t)p->last - p->first + 1;
  uint64_t start = fnv1a(user->name) % size;
  for (uint64_t i = 0; i < size; i++) {
    uint32_t a = p->first + (uint32_t)((start + i) % size);
    if (pool_taken(p, u, a))
      continue;
    if (pool_add(p, user->name, a) != 0)
      return 0;
    /* On failure the address is still stable by hash; the caller warns */
    p->save_errno = ncg_pool_save(p) == 0 ? 0 : (errno ? errno : EIO);
    return a;
  }
  return 0;
}

static uint64_t fnv1a64(const char *s, uint32_t counter) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
  for (int i = 0; i < 4; i++)
    h = (h ^ (uint8_t)(counter >> (8 * i))) * 0x100000001b3ull;
  return h;
}

int ncg_pool_address6(const uint8_t prefix[16], unsigned plen,
                      const uint8_t server[16], const ncg_users *u,
                      const ncg_user *user, uint8_t out[16]) {
  if (user->has_address6) {
    memcpy(out, user->address6, 16);
    return 0;
  }
  for (uint32_t n = 0; n < 64; n++) {
    uint64_t h = fnv1a64(user->name, n);
    int zero = 1;
    memcpy(out, prefix, 16);
    /* the hash fills the identifier's low 64 bits, the bits of a
     * longer-than-/64 identifier stay zero */
    for (unsigned i = plen; i < 128; i++) {
      uint8_t bit = i >= 64 ? (uint8_t)((h >> (127 - i)) & 1) : 0;
      uint8_t m = (uint8_t)(0x80u >> (i % 8));
      out[i / 8] = (uint8_t)(bit ? out[i / 8] | m : out[i / 8] & ~m);
      zero &= !bit;
    }
    if (zero || memcmp(out, server, 16) == 0)
      continue;
    const ncg_user *o = ncg_users_find_address6(u, out);
    if (!o || o == user)
      return 0;
  }
  return -1;
}
