/* Shared configuration keys and command line (progconf.h). */
#include "progconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytext.h"
#include "log.h"

int ncg_listen_kv(ncg_listen_list *l, ncg_ini *ini, const char *section,
                  const char *key, const char *value) {
  char tok[NCG_ADDR_STRLEN];
  const char *why = NULL;
  int rc;
  while ((rc = ncg_list_next(&value, tok, sizeof(tok))) > 0) {
    if (l->n >= NCG_LISTEN_MAX)
      return ncg_ini_fail(ini, section, key, "at most %d listen addresses",
                          NCG_LISTEN_MAX);
    if (ncg_addr_parse(tok, &l->v[l->n], &why) != 0)
      return ncg_ini_fail(ini, section, key, "%s: %s", tok, why);
    l->n++;
  }
  if (rc < 0)
    return ncg_ini_fail(ini, section, key, "address too long");
  return 0;
}

int ncg_log_level_kv(int *out, ncg_ini *ini, const char *section,
                     const char *key, const char *value) {
  int lvl = ncg_log_level_parse(value);
  if (lvl < 0)
    return ncg_ini_fail(ini, section, key,
                        "expected error, warn, info or debug");
  *out = lvl;
  return 0;
}

int ncg_log_target_kv(int *out, ncg_ini *ini, const char *section,
                      const char *key, const char *value) {
  int t = ncg_log_target_parse(value);
  if (t < 0)
    return ncg_ini_fail(ini, section, key, "expected stderr or syslog");
  *out = t;
  return 0;
}

int ncg_u32_kv(uint32_t *out, uint32_t min, uint32_t max, ncg_ini *ini,
               const char *section, const char *key, const char *value) {
  const char *why = NULL;
  if (ncg_parse_u32(value, min, max, out, &why) != 0)
    return ncg_ini_fail(ini, section, key, "%s (%u-%u)", why, min, max);
  return 0;
}

/* Seconds with an optional fraction, 0.001 to 86400. */
static int parse_seconds(const char *s, ncgt_tstamp *out) {
  char *end;
  if (*s < '0' || *s > '9')
    return -1;
  double v = strtod(s, &end);
  if (*end != '\0' || !(v >= 0.001 && v <= 86400.0))
    return -1;
  *out = (ncgt_tstamp)(v * 1e9 + 0.5);
  return 0;
}

int ncg_timers_kv(ncgt_timers *t, ncg_ini *ini, const char *key,
                  const char *value) {
  static const struct {
    const char *key;
    size_t off;
  } keys[] = {
    { "keepalive", offsetof(ncgt_timers, keepalive_interval) },
    { "dead_peer", offsetof(ncgt_timers, dead_peer_timeout) },
    { "handshake", offsetof(ncgt_timers, handshake_timeout) },
    { "rekey", offsetof(ncgt_timers, rekey_after) },
    { "reconnect_min", offsetof(ncgt_timers, reconnect_min) },
    { "reconnect_max", offsetof(ncgt_timers, reconnect_max) },
  };
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    if (strcmp(key, keys[i].key) != 0)
      continue;
    ncgt_tstamp v;
    if (parse_seconds(value, &v) != 0)
      return ncg_ini_fail(ini, "timers", key,
                          "expected seconds between 0.001 and 86400");
    memcpy((uint8_t *)t + keys[i].off, &v, sizeof(v));
    return 0;
  }
  return ncg_ini_unknown(ini, "timers", key);
}

int ncg_transforms_kv(ncg_transforms *t, ncg_ini *ini, const char *section,
                      const char *key, const char *value) {
  static const uint16_t known[] = { NCGT_TRANSFORM_AES256GCM,
                                    NCGT_TRANSFORM_CHACHA20POLY1305 };
  char tok[64];
  const char *p = value;
  int rc;
  if (t->mask)
    return ncg_ini_fail(ini, section, key, "given twice");
  while ((rc = ncg_list_next(&p, tok, sizeof(tok))) > 0) {
    uint16_t bit = 0;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
      if (strcmp(tok, ncgt_transform_name(known[i])) == 0)
        bit = known[i];
    if (!bit)
      return ncg_ini_fail(ini, section, key,
                          "%s: expected aes-256-gcm and/or "
                          "chacha20-poly1305",
                          tok);
    if (t->mask & bit)
      return ncg_ini_fail(ini, section, key, "%s listed twice", tok);
    t->mask |= bit;
    t->order[t->n++] = bit;
  }
  if (rc < 0 || !t->mask)
    return ncg_ini_fail(ini, section, key,
                        "expected aes-256-gcm and/or chacha20-poly1305");
  return 0;
}

const char *ncg_transforms_str(const ncg_transforms *t, char *buf,
                               size_t cap) {
  if (!t->mask) {
    snprintf(buf, cap, "%s,%s", ncgt_transform_name(NCGT_TRANSFORM_AES256GCM),
             ncgt_transform_name(NCGT_TRANSFORM_CHACHA20POLY1305));
    return buf;
  }
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < t->n && o < cap; i++) {
    int n = snprintf(buf + o, cap - o, "%s%s", i ? "," : "",
                     ncgt_transform_name(t->order[i]));
    if (n < 0)
      break;
    o += (size_t)n;
  }
  return buf;
}

int ncg_cmdline_parse(ncg_cmdline *cl, int argc, char **argv,
                      const char *default_config, const char *help) {
  static const struct option opts[] = {
    { "config", required_argument, NULL, 'c' },
    { "log-level", required_argument, NULL, 'l' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { "check", no_argument, NULL, 'C' },
    { NULL, 0, NULL, 0 },
  };
  cl->config = default_config;
  cl->log_level = -1;
  cl->check = 0;
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "c:l:hVt", opts, NULL)) != -1) {
    switch (ch) {
    case 'c':
      cl->config = optarg;
      break;
    case 'l':
      cl->log_level = ncg_log_level_parse(optarg);
      if (cl->log_level < 0) {
        fprintf(stderr, "%s: -l: expected error, warn, info or debug\n",
                argv[0]);
        return -1;
      }
      break;
    case 'C':
    case 't': /* as nginx -t, sshd -t */
      cl->check = 1;
      break;
    case 'h':
      fputs(help, stdout);
      return 1;
    case 'V':
      printf("%s (libncgtun %s)\n", argv[0], ncgt_version_str());
      return 1;
    default:
      fprintf(stderr, "Try '%s --help'.\n", argv[0]);
      return -1;
    }
  }
  if (optind != argc) {
    fprintf(stderr, "%s: unexpected argument '%s'\nTry '%s --help'.\n",
            argv[0], argv[optind], argv[0]);
    return -1;
  }
  return 0;
}

int ncg_key_kv(uint8_t key[NCGT_KEY_BYTES], int *has, ncg_ini *ini,
               const char *section, const char *key_name, const char *value,
               int from_file) {
  const char *why = NULL;
  if (*has)
    return ncg_ini_fail(ini, section, key_name, "key given twice");
  int rc = from_file ? ncg_read_key_file(value, key, &why)
                     : ncg_parse_key(value, key, &why);
  if (rc != 0)
    return from_file ? ncg_ini_fail(ini, section, key_name, "%s: %s", value,
                                    why)
                     : ncg_ini_fail(ini, section, key_name, "%s", why);
  *has = 1;
  return 0;
}


int ncg_ops_kv(ncg_ops_conf *o, ncg_ini *ini, const char *section,
               const char *key, const char *value) {
  const char *why = NULL;
  if (strcmp(key, "control") == 0) {
    size_t n = strlen(value);
    o->control_set = 1;
    if (strcmp(value, "off") == 0) {
      o->control_off = 1;
      return 0;
    }
    if (value[0] != '/' || n >= sizeof(o->control))
      return ncg_ini_fail(ini, section, key,
                          "expected off or an absolute path of at most %zu "
                          "bytes",
                          sizeof(o->control) - 1);
    memcpy(o->control, value, n + 1);
    return 0;
  }
  if (strcmp(key, "metrics_listen") == 0) {
    if (ncg_addr_parse(value, &o->metrics, &why) != 0)
      return ncg_ini_fail(ini, section, key, "%s: %s", value, why);
    o->has_metrics = 1;
    return 0;
  }
  return 1;
}
