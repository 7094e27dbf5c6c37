/* Users file (users.h). */
#include "users.h"

#include "sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ncg_parse_routes(const char *value, ncg_route4 *r, size_t *n,
                     const char **why) {
  char tok[64];
  int rc;
  while ((rc = ncg_list_next(&value, tok, sizeof(tok))) > 0) {
    if (*n >= NCG_ROUTES_MAX) {
      *why = "too many routes (at most 16)";
      return -1;
    }
    if (ncg_parse_ip4_cidr(tok, 1, &r[*n].dst, &r[*n].plen, why) != 0)
      return -1;
    (*n)++;
  }
  if (rc < 0) {
    *why = "expected IPv4 prefixes such as 192.168.1.0/24";
    return -1;
  }
  return 0;
}

int ncg_parse_routes6(const char *value, ncg_route6 *r, size_t *n,
                      const char **why) {
  char tok[64];
  int rc;
  while ((rc = ncg_list_next(&value, tok, sizeof(tok))) > 0) {
    if (*n >= NCG_ROUTES6_MAX) {
      *why = "too many IPv6 routes (at most 8)";
      return -1;
    }
    if (ncg_parse_ip6_cidr(tok, 1, r[*n].dst, &r[*n].plen, why) != 0)
      return -1;
    (*n)++;
  }
  if (rc < 0) {
    *why = "expected IPv6 prefixes such as fd60::/64";
    return -1;
  }
  return 0;
}

static ncg_user *user_get(ncg_users *u, const char *name) {
  if (u->n > 0 && strcmp(u->v[u->n - 1].name, name) == 0)
    return &u->v[u->n - 1];
  if (ncg_users_find(u, name))
    return NULL; /* the same section twice */
  if (ncg_grow(&u->v, &u->cap, u->n, sizeof(*u->v)) != 0)
    return NULL;
  ncg_user *usr = &u->v[u->n++];
  memset(usr, 0, sizeof(*usr));
  memcpy(usr->name, name, strlen(name) + 1);
  return usr;
}

static int users_kv(ncg_ini *ini, const char *section, const char *key,
                    const char *value) {
  ncg_users *u = ini->obj;
  const char *why = NULL;
  char name[NCGT_NAME_MAX + 1];
  if (section[0] == '\0')
    return ncg_ini_fail(ini, "", key, "a key outside a [user] section");
  if (ncg_parse_name(section, name, sizeof(name), &why) != 0)
    return ncg_ini_fail(ini, section, key, "bad user name: %s", why);
  ncg_user *usr = user_get(u, section);
  if (!usr)
    return ncg_ini_fail(ini, section, key,
                        "user listed twice (or out of memory)");
  if (strcmp(key, "public_key") == 0) {
    if (usr->has_key)
      return ncg_ini_fail(ini, section, key, "given twice");
    if (ncg_parse_key(value, usr->public_key, &why) != 0)
      return ncg_ini_fail(ini, section, key, "%s", why);
    usr->has_key = 1;
  } else if (strcmp(key, "psk") == 0) {
    if (usr->has_psk)
      return ncg_ini_fail(ini, section, key, "given twice");
    if (ncg_parse_key(value, usr->psk, &why) != 0)
      return ncg_ini_fail(ini, section, key, "%s", why);
    usr->has_psk = 1;
  } else if (strcmp(key, "address") == 0) {
    if (usr->address)
      return ncg_ini_fail(ini, section, key, "given twice");
    if (ncg_parse_ip4(value, &usr->address, &why) != 0)
      return ncg_ini_fail(ini, section, key, "%s", why);
    if (usr->address == 0)
      return ncg_ini_fail(ini, section, key, "0.0.0.0 is not an address");
    usr->address_line = ini->line;
    const ncg_user *other = ncg_users_find_address(u, usr->address);
    if (other && other != usr)
      return ncg_ini_fail(ini, section, key, "address already given to %s",
                          other->name);
  } else if (strcmp(key, "routes") == 0) {
    if (ncg_parse_routes(value, usr->routes, &usr->nroutes, &why) != 0)
      return ncg_ini_fail(ini, section, key, "%s", why);
  } else if (strcmp(key, "address6") == 0) {
    unsigned plen = 0;
    if (usr->has_address6)
      return ncg_ini_fail(ini, section, key, "given twice");
    if (ncg_parse_ip6_cidr(value, 0, usr->address6, &plen, &why) != 0 ||
        plen != 128)
      return ncg_ini_fail(ini, section, key, "%s",
                          why ? why : "an address, without /LEN");
    const ncg_user *other = ncg_users_find_address6(u, usr->address6);
    if (other && other != usr)
      return ncg_ini_fail(ini, section, key, "address already given to %s",
                          other->name);
    usr->has_address6 = 1;
  } else if (strcmp(key, "routes6") == 0) {
    if (ncg_parse_routes6(value, usr->routes6, &usr->nroutes6, &why) != 0)
      return ncg_ini_fail(ini, section, key, "%s", why);
  } else {
    return ncg_ini_unknown(ini, section, key);
  }
  return 0;
}

static int user_cmp(const void *a, const void *b) {
  return strcmp(((const ncg_user *)a)->name, ((const ncg_user *)b)->name);
}

int ncg_users_load(ncg_users *u, const char *path, ncg_ini *ini) {
  memset(u, 0, sizeof(*u));
  if (ncg_ini_load(ini, path, users_kv, u) != 0)
    goto fail;
  for (size_t i = 0; i < u->n; i++) {
    if (!u->v[i].has_key) {
      snprintf(ini->msg, sizeof(ini->msg), "%s: [%s]: public_key missing",
               path, u->v[i].name);
      goto fail;
    }
  }
  /* Name order: every handshake looks its user up (cb_authorize), in
   * O(log n) rather than a scan of the whole file (issue 17). */
  if (u->n)
    qsort(u->v, u->n, sizeof(*u->v), user_cmp);
  u->sorted = 1;
  return 0;
fail:
  ncg_users_free(u); /* nothing for the caller to free */
  return -1;
}

void ncg_users_free(ncg_users *u) {
  if (u->v)
    memset(u->v, 0, u->cap * sizeof(*u->v)); /* PSKs */
  free(u->v);
  memset(u, 0, sizeof(*u));
}

const ncg_user *ncg_users_find(const ncg_users *u, const char *name) {
  if (u->sorted) {
    ncg_user key;
    size_t l = strnlen(name, sizeof(key.name));
    if (l >= sizeof(key.name))
      return NULL;
    memcpy(key.name, name, l + 1);
    return u->n ? bsearch(&key, u->v, u->n, sizeof(*u->v), user_cmp) : NULL;
  }
  for (size_t i = 0; i < u->n; i++)
    if (strcmp(u->v[i].name, name) == 0)
      return &u->v[i];
  return NULL;
}

const ncg_user *ncg_users_find_address(const ncg_users *u, uint32_t addr) {
  for (size_t i = 0; i < u->n; i++)
    if (u->v[i].address == addr)
      return &u->v[i];
  return NULL;
}

int ncg_users_check_net(const ncg_users *u, const char *path,
                        uint32_t server_addr, unsigned plen, char *msg,
                        size_t cap) {
  uint32_t mask = ncg_ip4_mask(plen);
  for (size_t i = 0; i < u->n; i++) {
    const ncg_user *usr = &u->v[i];
    uint32_t a = usr->address;
    char as[16], ss[16];
    const char *what = NULL;
    if (!a)
      continue;
    if ((a & mask) != (server_addr & mask))
      what = "is outside the tunnel subnet";
    else if (a == server_addr)
      what = "is the server's own address in";
    else if (plen < 31 && (a == (a & mask) || a == (a | ~mask)))
      what = "is the network or broadcast address of";
    if (!what)
      continue;
    snprintf(msg, cap, "%s:%d: [%s] address: %s %s %s/%u", path,
             usr->address_line, usr->name, ncg_ip4_str(a, as), what,
             ncg_ip4_str(server_addr, ss), plen);
    return -1;
  }
  return 0;
}

const ncg_user *ncg_users_find_address6(const ncg_users *u,
                                        const uint8_t a[16]) {
  for (size_t i = 0; i < u->n; i++)
    if (u->v[i].has_address6 && memcmp(u->v[i].address6, a, 16) == 0)
      return &u->v[i];
  return NULL;
}
