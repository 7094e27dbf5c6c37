/*
 * ncg-client's configuration (doc/configuration.md):
 *
 *   [client]
 *   user = alice
 *   private_key_file = /etc/ncgtun/alice.key    (or private_key = base64)
 *   server_public_key = <base64>
 *   psk_file = ...                              (or psk = base64; optional)
 *   path = relay1, office       ; relays in order, then the server
 *   server = office             ; identity asked for (default: last in path)
 *   origin = laptop             ; this node's name in RELAY (default hostname)
 *   dhcp = builtin              ; or external: the stack's DHCP client
 *   log_level = info  queue_limit = 262144
 *   [adapter]
 *   device = ncg0  mss_clamp = yes  offload = yes
 *   [hosts]
 *   relay1 = 192.0.2.1:4433
 *   [timers]
 *   reconnect_min = 1  reconnect_max = 60  keepalive = 15  dead_peer = 60
 */
#ifndef NCG_CLIENT_CONF_H
#define NCG_CLIENT_CONF_H

#include <net/if.h>

#include "hosts.h"
#include "keytext.h"
#include "progconf.h"

typedef struct ncg_client_conf {
  char user[NCGT_NAME_MAX + 1];
  uint8_t private_key[NCGT_KEY_BYTES];
  int has_key;
  uint8_t server_key[NCGT_KEY_BYTES];
  int has_server_key;
  uint8_t psk[NCGT_KEY_BYTES];
  int has_psk;
  char path[NCGT_PATH_MAX][NCGT_NAME_MAX + 1];
  size_t npath;
  char server[NCGT_NAME_MAX + 1];
  char origin[NCGT_NAME_MAX + 1];
  int dhcp_external;
  int log_level;
  int log_target; /* ncg_log_target: stderr (0) or syslog */
  ncg_ops_conf ops; /* control, metrics_listen */
  uint32_t queue_limit;
  char device[IFNAMSIZ];
  int mss_clamp;
  int offload; /* [adapter] offload: TAP TSO/checksum offload + GSO DATA */
  ncg_hosts hosts;
  ncgt_timers timers;
  ncg_transforms transforms; /* [client] transforms: what REQUEST offers */
  char up_script[256], down_script[256]; /* pushed values in env (DNS) */
} ncg_client_conf;

/* Loads and checks. 0, or -1 with ini->msg (and nothing to free). */
int ncg_client_conf_load(ncg_client_conf *c, const char *path, ncg_ini *ini);
void ncg_client_conf_free(ncg_client_conf *c);

/* Creates the initiator this configuration describes (path, user, keys,
 * timers; auto-reconnect on) offering `features` (NCGT_FEATURE_*), and
 * wipes the key copies it made. Returns 0 or a negative ncgt_status. */
int ncg_client_conf_conn_new(const ncg_client_conf *c, uint32_t features,
                             const ncgt_conn_callbacks *cb, void *user_data,
                             ncgt_conn **out);

#endif /* NCG_CLIENT_CONF_H */
