/* ncg-server configuration (server_conf.h). */
#include "server_conf.h"

#include <stdio.h>
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
  } else if (strcmp(key, "max_sessions") == 0) {
    return ncg_u32_kv(&c->max_sessions, 0, 1000000, ini, "server", key, value);
  } else if (strcmp(key, "queue_limit") == 0) {
    return ncg_u32_kv(&c->queue_limit, 16384, 64 * 1024 * 1024, ini, "server",
                      key, value);
  } else if (strcmp(key, "forwarding") == 0) {
    if (ncg_parse_bool(value, &c->forwarding, &why) != 0)
      return ncg_ini_fail(ini, "server", key, "%s", why);
  } else if (strcmp(key, "log_level") == 0) {
    return ncg_log_level_kv(&c->log_level, ini, "server", key, value);
  } else if ((rc = ncg_ops_kv(&c->ops, ini, "server", key, value)) <= 0) {
    return rc;
  } else {
    return ncg_ini_unknown(ini, "server", key);
  }
  return 0;
}

/* pool = FIRST-LAST */
static int pool_kv(ncg_server_conf *c, ncg_ini *ini, const char *value) {
  char a[32], b[32];
  const char *why = NULL;
  const char *dash = strchr(value, '-');
  if (!dash || (size_t)(dash - value) >= sizeof(a) ||
      strlen(dash + 1) >= sizeof(b))
    return ncg_ini_fail(ini, "adapter", "pool",
                        "expected FIRST-LAST, e.g. 10.99.0.10-10.99.0.250");
  memcpy(a, value, (size_t)(dash - value));
  a[dash - value] = '\0';
  strcpy(b, dash + 1);
  if (ncg_parse_ip4(a, &c->pool_first, &why) != 0 ||
      ncg_parse_ip4(b, &c->pool_last, &why) != 0)
    return ncg_ini_fail(ini, "adapter", "pool", "%s", why);
  if (c->pool_first > c->pool_last)
    return ncg_ini_fail(ini, "adapter", "pool", "FIRST is after LAST");
  return 0;
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
    return pool_kv(c, ini, value);
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
    return ncg_ini_unknown(ini, "adapter", key);
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
  if ((c->pool_first & mask) != (c->address & mask) ||
      (c->pool_last & mask) != (c->address & mask))
    return "[adapter] pool must lie inside the subnet of address";
  return NULL;
}

int ncg_server_conf_load(ncg_server_conf *c, const char *path, ncg_ini *ini) {
  memset(c, 0, sizeof(*c));
  strcpy(c->name, "*");
  strcpy(c->device, "ncgs0");
  c->queue_limit = 256 * 1024;
  c->forwarding = 1;
  c->log_level = NCGT_LOG_INFO;
  c->mtu = 1400;
  c->lease_time = 3600;
  c->mss_clamp = 1;
  c->offload = 1;
  if (ncg_ini_load(ini, path, server_kv, c) != 0)
    return -1;
  const char *why = server_conf_check(c);
  if (why) {
    snprintf(ini->msg, sizeof(ini->msg), "%s: %s", path, why);
    return -1;
  }
  return 0;
}

void ncg_server_conf_wipe(ncg_server_conf *c) {
  memset(c->private_key, 0, sizeof(c->private_key));
}
