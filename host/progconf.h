/*
 * Keys every program's configuration shares: listen addresses, log
 * level, the output queue limit, timers, and the program command line.
 */
#ifndef NCG_PROGCONF_H
#define NCG_PROGCONF_H

#include <stddef.h>
#include <stdint.h>

#include <ncgtun/conn.h>
#include <ncgtun/keys.h>

#include "addr.h"
#include "conf.h"

enum { NCG_LISTEN_MAX = 8 };

typedef struct ncg_listen_list {
  ncg_addr v[NCG_LISTEN_MAX];
  size_t n;
} ncg_listen_list;

/* listen = 0.0.0.0:4433, [::]:4433 (appends). */
int ncg_listen_kv(ncg_listen_list *l, ncg_ini *ini, const char *section,
                  const char *key, const char *value);
/* log_level = error|warn|info|debug */
int ncg_log_level_kv(int *out, ncg_ini *ini, const char *section,
                     const char *key, const char *value);
/* log_target = stderr|syslog */
int ncg_log_target_kv(int *out, ncg_ini *ini, const char *section,
                      const char *key, const char *value);
/* A whole number within [min, max]. */
int ncg_u32_kv(uint32_t *out, uint32_t min, uint32_t max, ncg_ini *ini,
               const char *section, const char *key, const char *value);
/* [timers] keepalive, dead_peer, handshake, rekey, reconnect_min,
 * reconnect_max (seconds, may be fractional: "0.5"). */
int ncg_timers_kv(ncgt_timers *t, ncg_ini *ini, const char *key,
                  const char *value);

/* private_key = base64, or private_key_file = path (from_file): a
 * 32-byte key, at most once. */
int ncg_key_kv(uint8_t key[NCGT_KEY_BYTES], int *has, ncg_ini *ini, const char *section,
               const char *key_name, const char *value, int from_file);

/* control = PATH (the control socket, doc/status.md) and metrics_listen
 * = ADDR:PORT, in every program's main section. */
enum { NCG_CTL_PATH_MAX = 108 }; /* sizeof sockaddr_un.sun_path */
typedef struct ncg_ops_conf {
  char control[NCG_CTL_PATH_MAX]; /* "": the default (ncg_ctl_default_path) */
  int control_set; /* given in the file: failing to open it is fatal */
  int control_off; /* control = off */
  ncg_addr metrics;
  int has_metrics;
} ncg_ops_conf;
/* 0 handled, 1 not one of these keys, -1 bad value. */
int ncg_ops_kv(ncg_ops_conf *o, ncg_ini *ini, const char *section,
               const char *key, const char *value);

/* The command line every program shares:
 *   PROG [-c FILE] [-l LEVEL] [--check] [-h] [-V]
 * Returns 0 to run, 1 when it printed help/version (exit 0), -1 on a
 * usage error (exit 2). */
typedef struct ncg_cmdline {
  const char *config;
  int log_level; /* -1: from the configuration */
  int check;     /* --check / -t: load the configuration, report, exit */
} ncg_cmdline;
/* transforms = chacha20-poly1305, aes-256-gcm: the transforms this side
 * accepts, in its order of preference (the server's order decides; the
 * client's only limits what it offers). Not repeatable. */
typedef struct ncg_transforms {
  uint16_t mask;     /* 0: not set (all, default order) */
  uint16_t order[2]; /* NCGT_TRANSFORM_* bits, preferred first */
  size_t n;
} ncg_transforms;
int ncg_transforms_kv(ncg_transforms *t, ncg_ini *ini, const char *section,
                      const char *key, const char *value);
/* "aes-256-gcm,chacha20-poly1305" (the default when not set). */
const char *ncg_transforms_str(const ncg_transforms *t, char *buf,
                               size_t cap);

int ncg_cmdline_parse(ncg_cmdline *cl, int argc, char **argv,
                      const char *default_config, const char *help);

#endif /* NCG_PROGCONF_H */
