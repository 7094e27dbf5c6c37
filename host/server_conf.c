/* ncg-server configuration (server_conf.h). */
#include "server_conf.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>

#include "log.h"

static int server_section_kv(ncg_server_conf *c, ncg_ini *ini,
                             const char *key, const char *value) {
  const char *why = NULL;
  int rc;
  if (strcmp(key, "name") == 0) {
    if (strcmp(value, "*") != 0 &&
        ncg_parse_name(value, c->name, sizeof(c->name), &why) != 0)
      return ncg_ini_fail(ini, "server", key, "%s", why);
    if (strcmp(value, "*") == 0)
      strcpy(c->name, "*");
  } else if (strcmp(key, "private_key") == 0 ||
             strcmp(key, "private_key_file") == 0) {
    return ncg_key_kv(c->private_key, &c->has_key, ini, "server", key, value,
                      strcmp(key, "private_key_file") == 0);
  } else if (strcmp(key, "listen") == 0) {
    return ncg_listen_kv(&c->listen, ini, "server", key, value);
  } else if (strcmp(key, "users") == 0) {
    if (ncg_parse_str(value, c->users_path, sizeof(c->users_path), &why))
      return ncg_ini_fail(ini, "server", key, "%s", why);
  } else if (strcmp(key, "state_file") == 0) {
    if (ncg_parse_str(value, c->state_path, sizeof(c->state_path), &why))
      return ncg_ini_fail(ini, "server", key, "%s", why);
    c->state_line = ini->line;
  } else if (strcmp(key, "max_sessions") == 0) {
    return ncg_u32_kv(&c->max_sessions, 0, 1000000, ini, "server", key, value);
  } else if (strcmp(key, "max_pending") == 0) {
    return ncg_u32_kv(&c->max_pending, 0, 1000000, ini, "server", key, value);
  } else if (strcmp(key, "max_pending_per_address") == 0) {
    return ncg_u32_kv(&c->max_pending_per_addr, 0, 1000000, ini, "server", key,
                      value);
  } else if (strcmp(key, "queue_limit") == 0) {
    return ncg_u32_kv(&c->queue_limit, 16384, 64 * 1024 * 1024, ini, "server",
                      key, value);
  } else if (strcmp(key, "forwarding") == 0) {
    if (ncg_parse_bool(value, &c->forwarding, &why) != 0)
      return ncg_ini_fail(ini, "server", key, "%s", why);
  } else if (strcmp(key, "transforms") == 0) {
    return ncg_transforms_kv(&c->transforms, ini, "server", key, value);
  } else if (strcmp(key, "log_level") == 0) {
    return ncg_log_level_kv(&c->log_level, ini, "server", key, value);
  } else if (strcmp(key, "log_target") == 0) {
    return ncg_log_target_kv(&c->log_target, ini, "server", key, value);
  } else if ((rc = ncg_ops_kv(&c->ops, ini, "server", key, value)) <= 0) {
    return rc;
  } else {
    return ncg_ini_unknown(ini, "server", key);
  }
  return 0;
}

/* FIRST-LAST, host order */
static int range_parse(const char *value, uint32_t *first, uint32_t *last,
                       ncg_ini *ini, const char *key) {
  char a[32], b[32];
  const char *why = NULL;
  const char *dash = strchr(value, '-');
  if (!dash || (size_t)(dash - value) >= sizeof(a) ||
      strlen(dash + 1) >= sizeof(b))
    return ncg_ini_fail(ini, "adapter", key,
                        "expected FIRST-LAST, e.g. 10.99.0.10-10.99.0.250");
  memcpy(a, value, (size_t)(dash - value));
  a[dash - value] = '\0';
  strcpy(b, dash + 1);
  if (ncg_parse_ip4(a, first, &why) != 0 || ncg_parse_ip4(b, last, &why) != 0)
    return ncg_ini_fail(ini, "adapter", key, "%s", why);
  if (*first > *last)
    return ncg_ini_fail(ini, "adapter", key, "FIRST is after LAST");
  return 0;
}

/* peer_pools = FIRST-LAST, FIRST-LAST: the other pool members' ranges */
static int peer_pools_kv(ncg_server_conf *c, ncg_ini *ini, const char *value) {
  char tok[40];
  int rc;
  while ((rc = ncg_list_next(&value, tok, sizeof(tok))) > 0) {
    if (c->npeer_pools >= NCG_PEER_POOLS_MAX)
      return ncg_ini_fail(ini, "adapter", "peer_pools", "at most %d ranges",
                          NCG_PEER_POOLS_MAX);
    ncg_range4 *r = &c->peer_pools[c->npeer_pools];
    if (range_parse(tok, &r->first, &r->last, ini, "peer_pools") != 0)
      return -1;
    c->npeer_pools++;
  }
  return rc < 0 ? ncg_ini_fail(ini, "adapter", "peer_pools", "bad range") : 0;
}

static int dns_kv(ncg_server_conf *c, ncg_ini *ini, const char *value) {
  char tok[32];
  const char *why = NULL;
  int rc;
  while ((rc = ncg_list_next(&value, tok, sizeof(tok))) > 0) {
    if (c->ndns >= NCG_DNS_MAX)
      return ncg_ini_fail(ini, "adapter", "dns", "at most %d servers",
                          NCG_DNS_MAX);
    if (ncg_parse_ip4(tok, &c->dns[c->ndns], &why) != 0)
      return ncg_ini_fail(ini, "adapter", "dns", "%s", why);
    c->ndns++;
  }
  return rc < 0 ? ncg_ini_fail(ini, "adapter", "dns", "bad address") : 0;
}

static int dns6_kv(ncg_server_conf *c, ncg_ini *ini, const char *value) {
  char tok[64];
  const char *why = NULL;
  unsigned plen;
  int rc;
  while ((rc = ncg_list_next(&value, tok, sizeof(tok))) > 0) {
    if (c->ndns6 >= 2)
      return ncg_ini_fail(ini, "adapter", "dns6", "at most 2 servers");
    if (ncg_parse_ip6_cidr(tok, 0, c->dns6[c->ndns6], &plen, &why) != 0 ||
        plen != 128)
      return ncg_ini_fail(ini, "adapter", "dns6", "%s",
                          why ? why : "an address, without /LEN");
    c->ndns6++;
  }
  return rc < 0 ? ncg_ini_fail(ini, "adapter", "dns6", "bad address") : 0;
}

static int adapter6_kv(ncg_server_conf *c, ncg_ini *ini, const char *key,
                       const char *value) {
  const char *why = NULL;
  if (strcmp(key, "address6") == 0) {
    if (ncg_parse_ip6_cidr(value, 0, c->address6, &c->plen6, &why) != 0)
      return ncg_ini_fail(ini, "adapter", key, "%s", why);
    if (c->plen6 < 16 || c->plen6 > 126)
      return ncg_ini_fail(ini, "adapter", key,
                          "the IPv6 tunnel prefix must be /16 to /126 "
                          "(e.g. fd00:99::1/64)");
  } else if (strcmp(key, "routes6") == 0) {
    if (ncg_parse_routes6(value, c->routes6, &c->nroutes6, &why) != 0)
      return ncg_ini_fail(ini, "adapter", key, "%s", why);
  } else if (strcmp(key, "dns6") == 0) {
    return dns6_kv(c, ini, value);
  } else if (strcmp(key, "autonomous") == 0) {
    if (ncg_parse_bool(value, &c->autonomous, &why) != 0)
      return ncg_ini_fail(ini, "adapter", key, "%s", why);
  } else {
    return 1;
  }
  return 0;
}

static int adapter_section_kv(ncg_server_conf *c, ncg_ini *ini,
                              const char *key, const char *value) {
  const char *why = NULL;
  if (strcmp(key, "device") == 0) {
    if (ncg_parse_str(value, c->device, sizeof(c->device), &why))
      return ncg_ini_fail(ini, "adapter", key, "interface names are 1-15 "
                                               "characters");
  } else if (strcmp(key, "address") == 0) {
    if (ncg_parse_ip4_cidr(value, 0, &c->address, &c->plen, &why) != 0)
      return ncg_ini_fail(ini, "adapter", key, "%s", why);
    if (c->plen < 16 || c->plen > 30)
      return ncg_ini_fail(ini, "adapter", key,
                          "the tunnel subnet must be /16 to /30");
  } else if (strcmp(key, "pool") == 0) {
    return range_parse(value, &c->pool_first, &c->pool_last, ini, key);
  } else if (strcmp(key, "peer_pools") == 0) {
    return peer_pools_kv(c, ini, value);
  } else if (strcmp(key, "mtu") == 0) {
    return ncg_u32_kv(&c->mtu, 576, 65535, ini, "adapter", key, value);
  } else if (strcmp(key, "lease_time") == 0) {
    return ncg_u32_kv(&c->lease_time, 60, 0xfffffffeu, ini, "adapter", key,
                      value);
  } else if (strcmp(key, "mss_clamp") == 0 ||
             strcmp(key, "default_route") == 0 ||
             strcmp(key, "offload") == 0) {
    int *b = key[0] == 'm'   ? &c->mss_clamp
             : key[0] == 'o' ? &c->offload
                             : &c->default_route;
    if (ncg_parse_bool(value, b, &why) != 0)
      return ncg_ini_fail(ini, "adapter", key, "%s", why);
  } else if (strcmp(key, "routes") == 0) {
    if (ncg_parse_routes(value, c->routes, &c->nroutes, &why) != 0)
      return ncg_ini_fail(ini, "adapter", key, "%s", why);
  } else if (strcmp(key, "dns") == 0) {
    return dns_kv(c, ini, value);
  } else if (strcmp(key, "domain") == 0) {
    if (ncg_parse_str(value, c->domain, sizeof(c->domain), &why))
      return ncg_ini_fail(ini, "adapter", key, "1-64 characters");
  } else {
    int rc = adapter6_kv(c, ini, key, value);
    return rc <= 0 ? rc : ncg_ini_unknown(ini, "adapter", key);
  }
  return 0;
}

static int server_kv(ncg_ini *ini, const char *section, const char *key,
                     const char *value) {
  ncg_server_conf *c = ini->obj;
  if (strcmp(section, "server") == 0)
    return server_section_kv(c, ini, key, value);
  if (strcmp(section, "adapter") == 0)
    return adapter_section_kv(c, ini, key, value);
  if (strcmp(section, "timers") == 0)
    return ncg_timers_kv(&c->timers, ini, key, value);
  return ncg_ini_fail(ini, section, key,
                      "unknown section (expected server, adapter or timers)");
}

static const char *server_conf_check(ncg_server_conf *c) {
  uint32_t mask = ncg_ip4_mask(c->plen);
  if (!c->has_key)
    return "[server] private_key or private_key_file is required";
  if (c->listen.n == 0)
    return "[server] listen is required (e.g. 0.0.0.0:4433)";
  if (!c->users_path[0])
    return "[server] users (the users file) is required";
  if (!c->address)
    return "[adapter] address is required (e.g. 10.99.0.1/24)";
  if (!c->pool_first) { /* the whole subnet but network and broadcast */
    c->pool_first = (c->address & mask) + 1;
    c->pool_last = (c->address | ~mask) - 1;
  }
  if (c->autonomous && c->plen6 != 64)
    return "[adapter] autonomous = yes needs address6 with a /64 prefix "
           "(RFC 4862 SLAAC)";
  if ((c->pool_first & mask) != (c->address & mask) ||
      (c->pool_last & mask) != (c->address & mask))
    return "[adapter] pool must lie inside the subnet of address";
  return NULL;
}

/* Issue 18 item 6: members of one relay pool keep separate state files,
 * so two members deriving addresses from the same range would hand the
 * same address to two users at once. Refuse a pool that overlaps a
 * range another member declares it hands out. */
static int server_conf_check_peers(const ncg_server_conf *c, char *msg,
                                   size_t cap) {
  for (size_t i = 0; i < c->npeer_pools; i++) {
    const ncg_range4 *r = &c->peer_pools[i];
    if (r->last < c->pool_first || r->first > c->pool_last)
      continue;
    char a[16], b[16], x[16], y[16];
    snprintf(msg, cap,
             "[adapter] pool %s-%s overlaps peer_pools %s-%s: two pool "
             "members would hand out the same address (give each member "
             "a disjoint pool)",
             ncg_ip4_str(c->pool_first, a), ncg_ip4_str(c->pool_last, b),
             ncg_ip4_str(r->first, x), ncg_ip4_str(r->last, y));
    return -1;
  }
  return 0;
}

/* The pool writes state_file by rename from a file beside it: its
 * directory must exist now, not only at the first lease (issue 13). */
static int server_conf_check_state(const ncg_server_conf *c,
                                   const char *path, char *msg, size_t cap) {
  if (!c->state_path[0])
    return 0;
  char dir[sizeof(c->state_path)];
  snprintf(dir, sizeof(dir), "%s", c->state_path);
  char *slash = strrchr(dir, '/');
  if (!slash)
    snprintf(dir, sizeof(dir), ".");
  else if (slash == dir)
    dir[1] = '\0';
  else
    *slash = '\0';
  struct stat st;
  if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
    return 0;
  snprintf(msg, cap, "%.200s:%d: [server] state_file: directory %.200s %s", path,
           c->state_line, dir,
           errno == ENOENT ? "does not exist" : "is not a directory");
  return -1;
}

int ncg_server_conf_load(ncg_server_conf *c, const char *path, ncg_ini *ini) {
  memset(c, 0, sizeof(*c));
  strcpy(c->name, "*");
  strcpy(c->device, "ncgs0");
  c->queue_limit = 256 * 1024;
  c->max_pending = 1024;
  c->max_pending_per_addr = 16;
  c->forwarding = 1;
  c->log_level = NCGT_LOG_INFO;
  c->mtu = 1400;
  c->lease_time = 3600;
  c->mss_clamp = 1;
  c->offload = 1;
  if (ncg_ini_load(ini, path, server_kv, c) != 0)
    return -1;
  const char *why = server_conf_check(c);
  char peers[256];
  if (!why && server_conf_check_peers(c, peers, sizeof(peers)) != 0)
    why = peers;
  if (why) {
    snprintf(ini->msg, sizeof(ini->msg), "%s: %s", path, why);
    return -1;
  }
  return server_conf_check_state(c, path, ini->msg, sizeof(ini->msg));
}

void ncg_server_conf_wipe(ncg_server_conf *c) {
  memset(c->private_key, 0, sizeof(c->private_key));
}
