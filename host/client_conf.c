/* ncg-client configuration (client_conf.h). */
#include "client_conf.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int path_kv(ncg_client_conf *c, ncg_ini *ini, const char *value) {
  char tok[NCGT_NAME_MAX + 1];
  const char *why = NULL;
  int rc;
  while ((rc = ncg_list_next(&value, tok, sizeof(tok))) > 0) {
    if (c->npath >= NCGT_PATH_MAX)
      return ncg_ini_fail(ini, "client", "path", "at most %d hops",
                          NCGT_PATH_MAX);
    if (ncg_parse_name(tok, c->path[c->npath], sizeof(c->path[0]), &why))
      return ncg_ini_fail(ini, "client", "path", "%s", why);
    c->npath++;
  }
  return rc < 0 ? ncg_ini_fail(ini, "client", "path", "name too long") : 0;
}

static int client_name_kv(char *out, size_t cap, ncg_ini *ini,
                          const char *key, const char *value) {
  const char *why = NULL;
  if (ncg_parse_name(value, out, cap, &why) != 0)
    return ncg_ini_fail(ini, "client", key, "%s", why);
  return 0;
}

static int client_section_kv(ncg_client_conf *c, ncg_ini *ini,
                             const char *key, const char *value) {
  int file = strstr(key, "_file") != NULL;
  if (strcmp(key, "user") == 0)
    return client_name_kv(c->user, sizeof(c->user), ini, key, value);
  if (strcmp(key, "server") == 0)
    return client_name_kv(c->server, sizeof(c->server), ini, key, value);
  if (strcmp(key, "origin") == 0)
    return client_name_kv(c->origin, sizeof(c->origin), ini, key, value);
  if (strcmp(key, "path") == 0)
    return path_kv(c, ini, value);
  if (strcmp(key, "private_key") == 0 || strcmp(key, "private_key_file") == 0)
    return ncg_key_kv(c->private_key, &c->has_key, ini, "client", key, value,
                      file);
  if (strcmp(key, "server_public_key") == 0 ||
      strcmp(key, "server_public_key_file") == 0)
    return ncg_key_kv(c->server_key, &c->has_server_key, ini, "client", key,
                      value, file);
  if (strcmp(key, "psk") == 0 || strcmp(key, "psk_file") == 0)
    return ncg_key_kv(c->psk, &c->has_psk, ini, "client", key, value, file);
  if (strcmp(key, "dhcp") == 0) {
    if (strcmp(value, "builtin") != 0 && strcmp(value, "external") != 0)
      return ncg_ini_fail(ini, "client", key, "expected builtin or external");
    c->dhcp_external = strcmp(value, "external") == 0;
    return 0;
  }
  if (strcmp(key, "up_script") == 0 || strcmp(key, "down_script") == 0) {
    char *out = key[0] == 'u' ? c->up_script : c->down_script;
    if (value[0] != '/' || strlen(value) >= sizeof(c->up_script))
      return ncg_ini_fail(ini, "client", key,
                          "expected an absolute path of at most %zu bytes",
                          sizeof(c->up_script) - 1);
    memcpy(out, value, strlen(value) + 1);
    return 0;
  }
  if (strcmp(key, "transforms") == 0)
    return ncg_transforms_kv(&c->transforms, ini, "client", key, value);
  if (strcmp(key, "log_level") == 0)
    return ncg_log_level_kv(&c->log_level, ini, "client", key, value);
  if (strcmp(key, "log_target") == 0)
    return ncg_log_target_kv(&c->log_target, ini, "client", key, value);
  int rc = ncg_ops_kv(&c->ops, ini, "client", key, value);
  if (rc <= 0)
    return rc;
  if (strcmp(key, "queue_limit") == 0)
    return ncg_u32_kv(&c->queue_limit, 16384, 64 * 1024 * 1024, ini, "client",
                      key, value);
  return ncg_ini_unknown(ini, "client", key);
}

static int adapter_section_kv(ncg_client_conf *c, ncg_ini *ini,
                              const char *key, const char *value) {
  const char *why = NULL;
  if (strcmp(key, "device") == 0) {
    if (ncg_parse_str(value, c->device, sizeof(c->device), &why))
      return ncg_ini_fail(ini, "adapter", key,
                          "interface names are 1-15 characters");
    return 0;
  }
  if (strcmp(key, "mss_clamp") == 0 || strcmp(key, "offload") == 0) {
    int *b = key[0] == 'm' ? &c->mss_clamp : &c->offload;
    if (ncg_parse_bool(value, b, &why) != 0)
      return ncg_ini_fail(ini, "adapter", key, "%s", why);
    return 0;
  }
  return ncg_ini_unknown(ini, "adapter", key);
}

static int client_kv(ncg_ini *ini, const char *section, const char *key,
                     const char *value) {
  ncg_client_conf *c = ini->obj;
  if (strcmp(section, "client") == 0)
    return client_section_kv(c, ini, key, value);
  if (strcmp(section, "adapter") == 0)
    return adapter_section_kv(c, ini, key, value);
  if (strcmp(section, "hosts") == 0)
    return ncg_hosts_kv(&c->hosts, ini, key, value);
  if (strcmp(section, "timers") == 0)
    return ncg_timers_kv(&c->timers, ini, key, value);
  return ncg_ini_fail(
      ini, section, key,
      "unknown section (expected client, adapter, hosts or timers)");
}

static const char *client_conf_check(ncg_client_conf *c) {
  if (!c->user[0])
    return "[client] user is required";
  if (!c->has_key)
    return "[client] private_key or private_key_file is required";
  if (!c->has_server_key)
    return "[client] server_public_key is required";
  if (c->npath == 0 && !c->server[0])
    return "[client] path (or server) is required";
  if (c->npath == 0) { /* direct: the path is the server */
    memcpy(c->path[0], c->server, sizeof(c->server));
    c->npath = 1;
  }
  if (!c->origin[0] && (gethostname(c->origin, sizeof(c->origin) - 1) != 0 ||
                        !c->origin[0] || strchr(c->origin, ' ')))
    strcpy(c->origin, "client");
  return NULL;
}

int ncg_client_conf_load(ncg_client_conf *c, const char *path, ncg_ini *ini) {
  memset(c, 0, sizeof(*c));
  strcpy(c->device, "ncg0");
  c->mss_clamp = 1;
  c->offload = 1;
  c->log_level = NCGT_LOG_INFO;
  c->queue_limit = 256 * 1024;
  const char *why = NULL;
  if (ncg_ini_load(ini, path, client_kv, c) == 0 &&
      !(why = client_conf_check(c)))
    return 0;
  if (why)
    snprintf(ini->msg, sizeof(ini->msg), "%s: %s", path, why);
  ncg_client_conf_free(c); /* nothing for the caller to free */
  return -1;
}

void ncg_client_conf_free(ncg_client_conf *c) {
  ncgt_key_wipe(c->private_key, sizeof(c->private_key));
  ncgt_key_wipe(c->psk, sizeof(c->psk));
  ncg_hosts_free(&c->hosts);
}

int ncg_client_conf_conn_new(const ncg_client_conf *c, uint32_t features,
                             const ncgt_conn_callbacks *cb, void *user_data,
                             ncgt_conn **out) {
  const char *path[NCGT_PATH_MAX];
  for (size_t i = 0; i < c->npath; i++)
    path[i] = c->path[i];
  ncgt_client_settings s = {
      .version = NCGT_CLIENT_SETTINGS_V2,
      .origin = c->origin,
      .path = path,
      .npath = c->npath,
      .dest = c->server[0] ? c->server : NULL,
      .user = c->user,
      .has_psk = c->has_psk,
      .auto_reconnect = 1,
      .timers = c->timers,
      .features = features,
      .transforms = c->transforms.mask, /* 0: all */
  };
  memcpy(s.private_key, c->private_key, sizeof(s.private_key));
  memcpy(s.server_public_key, c->server_key, sizeof(s.server_public_key));
  memcpy(s.psk, c->psk, sizeof(s.psk));
  int rc = ncgt_conn_client_new(out, &s, cb, user_data);
  ncgt_key_wipe(&s, sizeof(s)); /* a dead local: memset may be elided */
  return rc;
}
