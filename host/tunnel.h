/*
 * One tunnel endpoint as the programs host it: a library conn
 * (ncgt_conn, either role), the TCP stream under it and its timer. The
 * shared callbacks here move bytes between the two and keep the timer on
 * ncgt_conn_get_expiry(); each program adds its own recv_datagram,
 * authorized, closed and (client) open_transport callbacks.
 *
 * An ncg_tunnel must be the first member of the program's per-tunnel
 * struct: the library's user_data points at it.
 */
#ifndef NCG_TUNNEL_H
#define NCG_TUNNEL_H

#include <ncgtun/conn.h>

#include "hosts.h"
#include "log.h"
#include "loop.h"
#include "stream.h"

typedef struct ncg_tunnel ncg_tunnel;

struct ncg_tunnel {
  ncg_loop *loop;
  ncgt_conn *conn;
  ncg_stream s;
  ncg_timer timer;
  size_t qlimit;
  /* Called after every call into the conn (the program checks for DEAD). */
  void (*after)(ncg_tunnel *t);
  uint64_t dropped_backpressure; /* datagrams refused: queue full */
  uint64_t dropped_down;         /* datagrams while not AUTHORIZED */
  ncg_resolve_req *dns; /* a DNS lookup for open_transport, or NULL */
  char hop[NCGT_NAME_MAX + 24]; /* what open_transport was asked for */
  /* "user=.. peer=..", the user name escaped (ncg_log_esc) */
  char ctx[NCG_LOG_ESC_MAX + NCG_ADDR_STRLEN + 32];
};

void ncg_tunnel_init(ncg_tunnel *t, ncg_loop *l, size_t qlimit,
                     void (*after)(ncg_tunnel *t));
/* Re-arms the timer and calls t->after. Call after every library call. */
void ncg_tunnel_after(ncg_tunnel *t);
/* Updates the log prefix from the conn's user and the stream's peer. */
void ncg_tunnel_set_ctx(ncg_tunnel *t);
/* Seals and sends one datagram, or drops and counts it when the tunnel
 * is not AUTHORIZED or its queue is above the soft limit. 0 sent, 1
 * dropped. */
int ncg_tunnel_send_datagram(ncg_tunnel *t, uint8_t proto, const uint8_t *dg,
                             size_t len);
/* The same for a datagram in the TAP's read buffer (an adapter's
 * to_tunnel_dgram): sealed in place when it has the room, else copied. */
int ncg_tunnel_send_dgram(ncg_tunnel *t, const ncgt_datagram *d);
/* Connects the stream to `to` (client). 0 or -1 with errno. */
int ncg_tunnel_connect(ncg_tunnel *t, const ncg_addr *to);
/* The initiator's open_transport: looks `hop` up ([hosts], numeric text,
 * or DNS on the loop's resolver threads) and connects. 0: connecting, or
 * waiting for DNS (a failure then comes later as
 * ncgt_conn_transport_error, from the loop); -1 with *why (or errno):
 * return it to the library as a transport failure. Never blocks. */
int ncg_tunnel_open(ncg_tunnel *t, const ncg_hosts *h, const char *hop,
                    const char **why);
/* Adopts an accepted socket (server). */
int ncg_tunnel_adopt(ncg_tunnel *t, int fd, const ncg_addr *peer);
/* Stops the timer, cancels a pending lookup and closes the stream
 * (before freeing). */
void ncg_tunnel_fini(ncg_tunnel *t);

/* Fills the members every program shares (version V2, send,
 * close_transport, rand, wallclock, state_changed, log); the program adds
 * recv_dgram (in place; or recv_datagram), authorized, closed and, for the initiator,
 * open_transport. Keep *cb alive as long as the conns. */
void ncg_tunnel_callbacks(ncgt_conn_callbacks *cb);

/* Shared ncgt_conn_callbacks members; user_data is the ncg_tunnel. */
int ncg_tunnel_cb_send(ncgt_conn *c, const uint8_t *data, size_t len,
                       void *ud);
void ncg_tunnel_cb_close_transport(ncgt_conn *c, void *ud);
void ncg_tunnel_cb_state(ncgt_conn *c, ncgt_state from, ncgt_state to,
                         void *ud);
void ncg_tunnel_cb_log(ncgt_log_level lvl, const char *msg, void *ud);
/* Tunnels of this process that ended, by CLOSE status (the status
 * command's ncg_close_total); ncg_tunnel_log_closed counts them. */
extern uint64_t ncg_tunnel_closes[NCGT_STATS_CLOSE_SLOTS];
/* "event=closed status=NAME ..." line for an ended tunnel. */
void ncg_tunnel_log_closed(ncg_tunnel *t, const ncgt_close_info *ci);

#endif /* NCG_TUNNEL_H */
