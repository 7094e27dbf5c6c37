/* Node name resolution (hosts.h). */
#include "hosts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"

int ncg_hosts_kv(ncg_hosts *h, ncg_ini *ini, const char *key,
                 const char *value) {
  const char *why = NULL;
  char name[NCGT_NAME_MAX + 1];
  if (ncg_parse_name(key, name, sizeof(name), &why) != 0)
    return ncg_ini_fail(ini, "hosts", key, "%s", why);
  for (size_t i = 0; i < h->n; i++)
    if (strcmp(h->v[i].name, name) == 0)
      return ncg_ini_fail(ini, "hosts", key, "given twice");
  if (ncg_grow(&h->v, &h->cap, h->n, sizeof(*h->v)) != 0)
    return ncg_ini_fail(ini, "hosts", key, "out of memory");
  ncg_host *e = &h->v[h->n];
  if (ncg_addr_parse(value, &e->addr, &why) != 0)
    return ncg_ini_fail(ini, "hosts", key, "%s", why);
  memcpy(e->name, name, strlen(name) + 1);
  h->n++;
  return 0;
}

void ncg_hosts_free(ncg_hosts *h) {
  free(h->v);
  memset(h, 0, sizeof(*h));
}

int ncg_hosts_resolve(const ncg_hosts *h, const char *name, ncg_addr *out,
                      const char **why) {
  for (size_t i = 0; i < h->n; i++) {
    if (strcmp(h->v[i].name, name) == 0) {
      *out = h->v[i].addr;
      return 0;
    }
  }
  if (ncg_addr_resolve(name, out, why) == 0)
    return 0;
  char hp[NCGT_NAME_MAX + 16];
  snprintf(hp, sizeof(hp), strchr(name, ':') ? "[%s]:%d" : "%s:%d", name,
           NCG_DEFAULT_PORT);
  if (ncg_addr_resolve(hp, out, why) == 0)
    return 0;
  *why = "not in [hosts] and not found by name";
  return -1;
}

/* "host:port" text, else the whole name as a host on the default port
 * ("relay1", or an IPv6 address without brackets). */
static void hosts_split(const char *name, char *host, size_t cap,
                        uint16_t *port) {
  const char *why;
  if (ncg_hostport_split(name, host, cap, port, &why) == 0)
    return;
  snprintf(host, cap, "%s", name);
  *port = NCG_DEFAULT_PORT;
}

int ncg_hosts_lookup(const ncg_hosts *h, ncg_loop *l, const char *name,
                     ncg_addr *out, ncg_resolve_fn fn, void *obj,
                     ncg_resolve_req **req, const char **why) {
  for (size_t i = 0; i < h->n; i++) {
    if (strcmp(h->v[i].name, name) == 0) {
      *out = h->v[i].addr;
      return 0;
    }
  }
  char host[256], hp[sizeof(host) + 16];
  uint16_t port;
  const char *ignored;
  hosts_split(name, host, sizeof(host), &port);
  snprintf(hp, sizeof(hp), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
           port);
  if (ncg_addr_parse(hp, out, &ignored) == 0) /* numeric: no DNS */
    return 0;
  *req = ncg_resolve(l, host, port, fn, obj);
  if (!*req) {
    *why = errno == ENAMETOOLONG ? "host name too long"
                                 : "cannot start a name lookup";
    return -1;
  }
  return 1;
}
