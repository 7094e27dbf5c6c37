/*
 * The server's users file: one INI section per user, named after the
 * user (REQUEST field 126). Authorisation is by name and key, never by
 * source address, so users who move keep working.
 *
 *   [alice]
 *   public_key = <base64>        ; required
 *   psk = <base64>               ; optional pre-shared key (Noise psk2)
 *   address = 10.99.0.20         ; optional fixed tunnel address
 *   routes = 192.168.60.0/24     ; optional extra routes for this user
 *   address6 = fd00:99::20       ; optional fixed IPv6 tunnel address
 *   routes6 = fd60::/64          ; optional extra IPv6 routes
 */
#ifndef NCG_USERS_H
#define NCG_USERS_H

#include <stddef.h>
#include <stdint.h>

#include <ncgtun/frame.h>

#include "conf.h"
#include "keytext.h"

enum {
  NCG_USER_NAME_MAX = 50, /* libinih's section name limit */
  NCG_ROUTES_MAX = 16,
  NCG_ROUTES6_MAX = 8, /* NCGT_CC6_ROUTES_MAX */
};

typedef struct ncg_route6 {
  uint8_t dst[16];
  unsigned plen;
} ncg_route6;

typedef struct ncg_route4 {
  uint32_t dst; /* host order */
  unsigned plen;
} ncg_route4;

typedef struct ncg_user {
  char name[NCG_USER_NAME_MAX + 1];
  uint8_t public_key[NCGT_KEY_BYTES];
  int has_key;
  uint8_t psk[NCGT_KEY_BYTES];
  int has_psk;
  uint32_t address; /* host order; 0 = from the pool */
  int address_line; /* where `address` was set, for ncg_users_check_net */
  ncg_route4 routes[NCG_ROUTES_MAX];
  size_t nroutes;
  uint8_t address6[16]; /* fixed IPv6 address when has_address6 */
  int has_address6;
  ncg_route6 routes6[NCG_ROUTES6_MAX];
  size_t nroutes6;
} ncg_user;

typedef struct ncg_users {
  ncg_user *v;
  size_t n, cap;
  int sorted; /* v is in name order (after ncg_users_load): bsearch */
} ncg_users;

/* Parses `path` into *u (empty on entry). Returns 0, or -1 with
 * ini->msg ("FILE:LINE: [user] key: what") and nothing to free. Checks: every user has a
 * public key, no two users share a fixed address. */
int ncg_users_load(ncg_users *u, const char *path, ncg_ini *ini);
/* Semantic check against the server's tunnel subnet (issue 13): every
 * fixed address lies inside server_addr/plen and is neither the server's
 * address nor the network or broadcast address. 0, or -1 with msg
 * "PATH:LINE: [user] address: what". */
int ncg_users_check_net(const ncg_users *u, const char *path,
                        uint32_t server_addr, unsigned plen, char *msg,
                        size_t cap);
void ncg_users_free(ncg_users *u);
const ncg_user *ncg_users_find(const ncg_users *u, const char *name);
/* The user with this fixed address, or NULL. */
const ncg_user *ncg_users_find_address(const ncg_users *u, uint32_t addr);

/* Appends the routes in `value` to r[*n] (at most NCG_ROUTES_MAX). */
int ncg_parse_routes(const char *value, ncg_route4 *r, size_t *n,
                     const char **why);
/* The same for IPv6 prefixes (at most NCG_ROUTES6_MAX). */
int ncg_parse_routes6(const char *value, ncg_route6 *r, size_t *n,
                      const char **why);
/* The user with this fixed IPv6 address, or NULL. */
const ncg_user *ncg_users_find_address6(const ncg_users *u,
                                        const uint8_t a[16]);

#endif /* NCG_USERS_H */
