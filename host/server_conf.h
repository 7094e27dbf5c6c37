/*
 * ncg-server's configuration (doc/configuration.md):
 *
 *   [server]
 *   name = office               ; identity (REQUEST destination), "*": any
 *   private_key_file = /etc/ncgtun/server.key   (or private_key = base64)
 *   listen = 0.0.0.0:4433, [::]:4433
 *   users = /etc/ncgtun/users
 *   state_file = /var/lib/ncgtun/pool.state
 *   max_sessions = 0  queue_limit = 262144  forwarding = yes
 *   max_pending = 1024  max_pending_per_address = 16
 *   log_level = info
 *   [adapter]
 *   device = ncgs0
 *   address = 10.99.0.1/24      ; the server's tunnel address and subnet
 *   pool = 10.99.0.10-10.99.0.250
 *   peer_pools = 10.99.1.10-10.99.1.250 ; other relay pool members' pools
 *   mtu = 1400  mss_clamp = yes  offload = yes  lease_time = 3600
 *   routes = 192.168.50.0/24    ; for every client, via the server
 *   default_route = no  dns = 192.168.50.53  domain = office.example
 *   address6 = fd00:99::1/64    ; optional IPv6 tunnel address and prefix
 *   routes6 = fd50::/64  dns6 = fd50::53  autonomous = no
 *   [timers]
 *   keepalive = 15  dead_peer = 60  handshake = 10  rekey = 120
 */
#ifndef NCG_SERVER_CONF_H
#define NCG_SERVER_CONF_H

#include <limits.h>
#include <net/if.h>

#include "keytext.h"
#include "progconf.h"
#include "users.h"

enum { NCG_DNS_MAX = 4, NCG_DOMAIN_MAX = 64, NCG_PEER_POOLS_MAX = 31 };

typedef struct ncg_range4 {
  uint32_t first, last; /* host order, inclusive */
} ncg_range4;

typedef struct ncg_server_conf {
  char name[NCGT_NAME_MAX + 1];
  uint8_t private_key[NCGT_KEY_BYTES];
  int has_key;
  ncg_listen_list listen;
  char users_path[PATH_MAX];
  char state_path[PATH_MAX];
  int state_line; /* where state_file was set */
  uint32_t max_sessions, queue_limit;
  /* unauthenticated connections at once: all, and per source address */
  uint32_t max_pending, max_pending_per_addr;
  int forwarding;
  int log_level;
  int log_target; /* ncg_log_target: stderr (0) or syslog */
  /* [adapter] */
  char device[IFNAMSIZ];
  uint32_t address; /* host order */
  unsigned plen;
  uint32_t pool_first, pool_last;
  ncg_range4 peer_pools[NCG_PEER_POOLS_MAX]; /* never overlap the pool */
  size_t npeer_pools;
  uint32_t mtu, lease_time;
  int mss_clamp, default_route;
  int offload; /* TAP TSO/checksum offload + GSO DATA */
  ncg_route4 routes[NCG_ROUTES_MAX];
  size_t nroutes;
  uint32_t dns[NCG_DNS_MAX];
  size_t ndns;
  char domain[NCG_DOMAIN_MAX + 1];
  /* IPv6 in the tunnel (plen6 0: none) */
  uint8_t address6[16];
  unsigned plen6;
  ncg_route6 routes6[NCG_ROUTES6_MAX];
  size_t nroutes6;
  uint8_t dns6[2][16]; /* NCGT_CC6_DNS_MAX */
  size_t ndns6;
  int autonomous; /* RA prefix A flag */
  ncgt_timers timers;
  ncg_transforms transforms; /* [server] transforms: accepted, preferred
                                first */
  ncg_ops_conf ops; /* control, metrics_listen */
} ncg_server_conf;

/* Loads and checks. 0, or -1 with ini->msg. */
int ncg_server_conf_load(ncg_server_conf *c, const char *path, ncg_ini *ini);
void ncg_server_conf_wipe(ncg_server_conf *c);

#endif /* NCG_SERVER_CONF_H */
