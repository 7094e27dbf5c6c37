/*
 * ncg-server's state, split by concern: server.c (setup, accept,
 * authorisation, reload, shutdown), server_dp.c (the datagram path
 * between the TAP adapter and the tunnels).
 */
#ifndef NCG_SERVER_H
#define NCG_SERVER_H

#include <ncgtun/adapter.h>
#include <ncgtun/conn.h>

#include "ctl.h"
#include "loop.h"
#include "netlink.h"
#include "pool.h"
#include "server_conf.h"
#include "stream.h"
#include "tap.h"
#include "tunnel.h"
#include "users.h"

typedef struct srv_prog srv_prog;

typedef struct srv_tunnel {
  ncg_tunnel t; /* first: the library's user_data */
  srv_prog *p;
  struct srv_tunnel *next, **pprev;
  uint32_t addr; /* host order; 0 until authorised */
  uint8_t addr6[16]; /* IPv6 tunnel address when has_addr6 */
  int has_addr6;
  int bound6; /* addr6 routes to this tunnel (between bind and unbind) */
  int dying;
  int nogso; /* bound, and did not negotiate NCGT_FEATURE_GSO */
} srv_tunnel;

struct srv_prog {
  ncg_loop loop;
  ncg_server_conf conf;
  ncg_users users;
  ncg_pool pool;
  ncgt_server *server;
  ncgt_adapter *adapter;
  ncg_tap tap;
  ncg_watch tap_watch;
  ncg_nl nl;
  ncg_listener ls[NCG_LISTEN_MAX];
  size_t nls;
  srv_tunnel *tunnels;
  size_t ntunnels;
  srv_tunnel **by_addr; /* index: address - subnet base */
  size_t nby_addr;
  int stopping;
  ncg_timer stop_timer;
  uint64_t no_tunnel_drops;
  uint64_t gso_refused; /* super-segment for a tunnel without GSO */
  size_t n_nogso;       /* bound tunnels without GSO: offloads stay off */
  ncg_ctl ctl;          /* control socket (server_ops.c) */
  ncgt_tstamp started;
  /* server_reload.c: what SIGHUP needs besides the configuration */
  const char *config_path;
  int cmdline_level;                  /* -l, or -1 */
  uint8_t server_pub[NCGT_KEY_BYTES]; /* the running identity's */
};

/* Validated configuration -> listeners bound -> TAP (srv_setup); then,
 * after the control socket, forwarding and READY=1 (srv_start). */
int srv_setup(srv_prog *p);
void srv_start(srv_prog *p);
void srv_teardown(srv_prog *p);
void srv_shutdown(srv_prog *p);

/* server_reload.c: SIGHUP (doc/configuration.md "Reloading"). _init
 * before srv_setup wipes the key; srv_reload re-reads server.conf and
 * the users file, or changes nothing when either is broken. */
void srv_reload_init(srv_prog *p, const ncg_cmdline *cl);
void srv_reload(srv_prog *p);
/* Ends the tunnels of users who are gone from `nu` or whose key, PSK or
 * fixed address changed; then nu replaces the users. Returns how many
 * tunnels it ended. */
size_t srv_users_replace(srv_prog *p, ncg_users *nu);

/* server_ops.c: the control socket's requests (doc/status.md). */
int srv_ops_open(srv_prog *p);

/* server_dp.c */
int srv_dp_setup(srv_prog *p);
void srv_dp_forwarding(srv_prog *p);
void srv_dp_teardown(srv_prog *p);
/* The tunnel now owns (or no longer owns) its address. */
void srv_dp_bind(srv_prog *p, srv_tunnel *st);
void srv_dp_unbind(srv_prog *p, srv_tunnel *st);
/* A datagram came out of a tunnel. */
void srv_dp_from_tunnel(srv_prog *p, srv_tunnel *st, const ncgt_datagram *d);

#endif /* NCG_SERVER_H */
