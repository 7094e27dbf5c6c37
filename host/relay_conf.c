/* ncg-relay configuration (relay_conf.h). */
#include "relay_conf.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

static int relay_names_kv(char (*v)[NCGT_NAME_MAX + 1], size_t *n,
                          size_t max, ncg_ini *ini, const char *section,
                          const char *key, const char *value) {
  char tok[NCGT_NAME_MAX + 1];
  const char *why = NULL;
  int rc;
  while ((rc = ncg_list_next(&value, tok, sizeof(tok))) > 0) {
    if (*n >= max)
      return ncg_ini_fail(ini, section, key, "at most %zu names", max);
    if (ncg_parse_name(tok, v[*n], sizeof(v[*n]), &why) != 0)
      return ncg_ini_fail(ini, section, key, "%s", why);
    (*n)++;
  }
  return rc < 0 ? ncg_ini_fail(ini, section, key, "name too long") : 0;
}

static int relay_section_kv(ncg_relay_conf *c, ncg_ini *ini, const char *key,
                            const char *value) {
  const char *why = NULL;
  if (strcmp(key, "name") == 0) {
    if (ncg_parse_name(value, c->name, sizeof(c->name), &why) != 0)
      return ncg_ini_fail(ini, "relay", key, "%s", why);
    return 0;
  }
  if (strcmp(key, "listen") == 0)
    return ncg_listen_kv(&c->listen, ini, "relay", key, value);
  if (strcmp(key, "allow") == 0)
    return relay_names_kv(c->allow, &c->nallow, NCG_RELAY_ALLOW_MAX, ini,
                          "relay", key, value);
  if (strcmp(key, "log_level") == 0)
    return ncg_log_level_kv(&c->log_level, ini, "relay", key, value);
  if (strcmp(key, "log_target") == 0)
    return ncg_log_target_kv(&c->log_target, ini, "relay", key, value);
  int rc = ncg_ops_kv(&c->ops, ini, "relay", key, value);
  if (rc <= 0)
    return rc;
  static const struct {
    const char *key;
    size_t off;
    uint32_t min, max;
  } nums[] = {
    { "max_sessions", offsetof(ncg_relay_conf, max_sessions), 1, 1000000 },
    { "relay_timeout", offsetof(ncg_relay_conf, relay_timeout), 1, 3600 },
    { "connect_timeout", offsetof(ncg_relay_conf, connect_timeout), 1, 3600 },
    { "fail_holdoff", offsetof(ncg_relay_conf, fail_holdoff), 1, 86400 },
    { "queue_limit", offsetof(ncg_relay_conf, queue_limit), 16384,
      64 * 1024 * 1024 },
  };
  for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
    if (strcmp(key, nums[i].key) == 0)
      return ncg_u32_kv((uint32_t *)((uint8_t *)c + nums[i].off), nums[i].min,
                        nums[i].max, ini, "relay", key, value);
  return ncg_ini_unknown(ini, "relay", key);
}

/* [pools] office = office-a, office-b */
static int relay_pool_kv(ncg_relay_conf *c, ncg_ini *ini, const char *key,
                         const char *value) {
  char members[NCG_RELAY_MEMBERS_MAX][NCGT_NAME_MAX + 1];
  size_t n = 0;
  const char *why = NULL;
  char pool[NCGT_NAME_MAX + 1];
  if (ncg_parse_name(key, pool, sizeof(pool), &why) != 0)
    return ncg_ini_fail(ini, "pools", key, "%s", why);
  if (relay_names_kv(members, &n, NCG_RELAY_MEMBERS_MAX, ini, "pools", key,
                     value) != 0)
    return -1;
  if (n == 0)
    return ncg_ini_fail(ini, "pools", key, "a pool needs members");
  for (size_t i = 0; i < n; i++) {
    if (c->nmembers >= NCG_RELAY_MEMBERS_MAX)
      return ncg_ini_fail(ini, "pools", key, "at most %d pool members",
                          NCG_RELAY_MEMBERS_MAX);
    ncg_relay_member *m = &c->members[c->nmembers++];
    memcpy(m->pool, pool, sizeof(pool));
    memcpy(m->member, members[i], sizeof(members[i]));
  }
  return 0;
}

static int relay_kv(ncg_ini *ini, const char *section, const char *key,
                    const char *value) {
  ncg_relay_conf *c = ini->obj;
  if (strcmp(section, "relay") == 0)
    return relay_section_kv(c, ini, key, value);
  if (strcmp(section, "pools") == 0)
    return relay_pool_kv(c, ini, key, value);
  if (strcmp(section, "hosts") == 0)
    return ncg_hosts_kv(&c->hosts, ini, key, value);
  return ncg_ini_fail(ini, section, key,
                      "unknown section (expected relay, pools or hosts)");
}

int ncg_relay_conf_load(ncg_relay_conf *c, const char *path, ncg_ini *ini) {
  memset(c, 0, sizeof(*c));
  c->max_sessions = 1024;
  c->queue_limit = 256 * 1024;
  c->log_level = NCGT_LOG_INFO;
  if (ncg_ini_load(ini, path, relay_kv, c) != 0) {
    ncg_relay_conf_free(c); /* nothing for the caller to free */
    return -1;
  }
  if (!c->name[0])
    snprintf(ini->msg, sizeof(ini->msg), "%s: [relay] name is required",
             path);
  else if (c->listen.n == 0)
    snprintf(ini->msg, sizeof(ini->msg),
             "%s: [relay] listen is required (e.g. 0.0.0.0:4433)", path);
  else if (c->nallow == 0 && c->nmembers == 0)
    snprintf(ini->msg, sizeof(ini->msg),
             "%s: [relay] allow or [pools] is required: a relay only "
             "forwards where it is told to",
             path);
  else
    return 0;
  ncg_relay_conf_free(c);
  return -1;
}

void ncg_relay_conf_free(ncg_relay_conf *c) { ncg_hosts_free(&c->hosts); }
