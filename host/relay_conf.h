/*
 * ncg-relay's configuration (doc/configuration.md):
 *
 *   [relay]
 *   name = relay1                ; this relay's node name in paths
 *   listen = 0.0.0.0:4433, [::]:4433
 *   allow = office               ; next hops it may connect to
 *   max_sessions = 1024
 *   relay_timeout = 10  connect_timeout = 4  fail_holdoff = 30
 *   queue_limit = 262144  log_level = info
 *   [pools]
 *   office = office-a, office-b  ; a name that stands for several servers
 *   [hosts]
 *   office-a = 10.0.1.2:4433
 */
#ifndef NCG_RELAY_CONF_H
#define NCG_RELAY_CONF_H

#include "conf.h"
#include "hosts.h"
#include "progconf.h"

enum { NCG_RELAY_ALLOW_MAX = 64, NCG_RELAY_MEMBERS_MAX = 64 };

typedef struct ncg_relay_member {
  char pool[NCGT_NAME_MAX + 1];
  char member[NCGT_NAME_MAX + 1];
} ncg_relay_member;

typedef struct ncg_relay_conf {
  char name[NCGT_NAME_MAX + 1];
  ncg_listen_list listen;
  char allow[NCG_RELAY_ALLOW_MAX][NCGT_NAME_MAX + 1];
  size_t nallow;
  ncg_relay_member members[NCG_RELAY_MEMBERS_MAX];
  size_t nmembers;
  ncg_hosts hosts;
  uint32_t max_sessions;
  uint32_t relay_timeout, connect_timeout, fail_holdoff; /* seconds */
  uint32_t queue_limit;
  int log_level;
  int log_target; /* ncg_log_target: stderr (0) or syslog */
  ncg_ops_conf ops; /* control, metrics_listen */
} ncg_relay_conf;

/* Loads and checks (name and at least one listen address present).
 * 0, or -1 with ini->msg (and nothing to free). */
int ncg_relay_conf_load(ncg_relay_conf *c, const char *path, ncg_ini *ini);
void ncg_relay_conf_free(ncg_relay_conf *c);

#endif /* NCG_RELAY_CONF_H */
