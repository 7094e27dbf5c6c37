/*
 * The server's address pool: every user gets the same tunnel address
 * every time, across reconnects and server restarts.
 *
 * Order of choice: the user's fixed address from the users file; else
 * the address recorded for the user in the state file; else a new one,
 * probing from a slot derived from the user's name (FNV-1a), skipping
 * the server's address, every fixed address and every recorded one. New
 * assignments are written to the state file at once (temporary file +
 * rename), so a restart finds them. Without a state file the name hash
 * alone keeps addresses stable as long as no two names collide.
 */
#ifndef NCG_POOL_H
#define NCG_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "users.h"

typedef struct ncg_pool_entry {
  char name[NCG_USER_NAME_MAX + 1];
  uint32_t addr;
} ncg_pool_entry;

typedef struct ncg_pool {
  uint32_t first, last; /* host order, inclusive */
  uint32_t server;      /* never handed out */
  const char *state_path; /* NULL: no persistence */
  ncg_pool_entry *v;
  size_t n, cap;
  int save_errno; /* last failed state file write, 0 if none */
} ncg_pool;

/* Loads the state file if it exists (malformed lines are skipped and
 * counted in *skipped). Returns 0, or -1 on memory / bad range. */
int ncg_pool_init(ncg_pool *p, uint32_t first, uint32_t last, uint32_t server,
                  const char *state_path, size_t *skipped);
void ncg_pool_free(ncg_pool *p);
/* The address for `user` (host order), or 0 if the pool is full. */
uint32_t ncg_pool_address(ncg_pool *p, const ncg_users *u,
                          const ncg_user *user);
/* The IPv6 tunnel address for `user` in prefix/plen (wire order), into
 * out: the user's fixed address6; else one derived from the user's name
 * (FNV-1a 64 over the name, then a counter, as the interface
 * identifier), skipping the all-zero identifier, `server` and every
 * other user's fixed address. Stable across reconnects and restarts
 * with no state file. Returns 0, or -1 when no free address was found. */
int ncg_pool_address6(const uint8_t prefix[16], unsigned plen,
                      const uint8_t server[16], const ncg_users *u,
                      const ncg_user *user, uint8_t out[16]);
/* Writes the state file; 0 or -1 with errno. */
int ncg_pool_save(const ncg_pool *p);

#endif /* NCG_POOL_H */
