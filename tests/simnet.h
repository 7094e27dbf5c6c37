/*
 * simnet: a deterministic in-memory network for the state machines of
 * include/ncgtun/conn.h. No sockets, no real clock: a virtual clock that
 * drives ncgt_*_get_expiry / handle_expiry, byte streams delivered in
 * random pieces, and faults (corrupted bytes, stalls, resets, black-holed
 * connects, slow links) chosen by a seed or aimed at one frame.
 *
 * Nodes are named as in a RELAY path: a server or relay listens under its
 * name; a client or relay "connects" to a name. Everything is driven from
 * sim_step(), so library callbacks never re-enter the library.
 */
#ifndef NCGT_SIMNET_H
#define NCGT_SIMNET_H

#include <stdint.h>

#include <ncgtun/conn.h>

typedef struct sim sim;
typedef struct sim_ep sim_ep;         /* a tunnel endpoint (either role) */
typedef struct sim_server sim_server; /* a server node: ncgt_server */
typedef struct sim_relay sim_relay;   /* a relay node: ncgt_relay */
typedef struct sim_raw sim_raw;       /* a scripted peer speaking raw bytes */

enum sim_role { SIM_INITIATOR = 0, SIM_SERVER = 1, SIM_RELAY = 2, SIM_ROLES };

/* Visits of each state by role and of each transition, over every sim of
 * the process (the coverage test reads them). */
extern unsigned long sim_visits[SIM_ROLES][NCGT_ST_COUNT_];
extern unsigned long sim_trans[SIM_ROLES][NCGT_ST_COUNT_][NCGT_ST_COUNT_];

/* --- faults --- */
typedef enum sim_fault_kind {
  SIM_F_CORRUPT = 1, /* xor one byte */
  SIM_F_STALL,       /* deliver nothing from this point on */
  SIM_F_RESET,       /* connection reset when delivery reaches the point */
} sim_fault_kind;

enum { SIM_UP = 0, SIM_DOWN = 1 }; /* towards the listener / back */
enum { SIM_OFF_LAST = -2 };

typedef struct sim_fault {
  sim_fault_kind kind;
  const char *to;     /* listener name of the link; NULL = any */
  int nth;            /* nth connection to that name (0-based); -1 = any */
  int dir;            /* SIM_UP or SIM_DOWN */
  uint8_t frame_type; /* NCGT_FRAME_*; 0 = any frame */
  int frame_nth;      /* nth frame of that type in that direction */
  int offset;         /* byte within the frame; -1 = random from the seed,
                         SIM_OFF_LAST = its last byte */
  uint8_t xor_mask;   /* CORRUPT; 0 = random non-zero */
} sim_fault;

typedef struct sim_opts {
  size_t max_chunk;         /* largest piece delivered at once (0: 1 MiB) */
  unsigned fault_permille;  /* random fault per link direction, per mille */
  unsigned slow_permille;   /* link direction delivering <= 7 bytes a step */
  ncgt_tstamp tick;         /* time per busy step (0: 1 ms) */
  unsigned cbfail_permille; /* host callbacks (send, open, connect, rand,
                               recv_datagram) fail at random */
  int verbose;              /* print library log lines */
} sim_opts;

sim *sim_new(uint64_t seed, const sim_opts *o);
void sim_del(sim *s);
ncgt_tstamp sim_now(const sim *s);
uint64_t sim_rand(sim *s);
void sim_add_fault(sim *s, const sim_fault *f);
/* Random faults for links made from now on (first 1500 bytes of each
 * direction; see sim_opts). */
void sim_set_faults(sim *s, unsigned fault_permille, unsigned slow_permille);
void sim_set_cbfail(sim *s, unsigned permille);
/* Connects to `name` never complete while on. */
void sim_blackhole(sim *s, const char *name, int on);

/* One step: deliver a piece on every link, complete connects, run due
 * timers; when nothing moved, jump the clock to the next expiry.
 * Returns 0 when the network is quiet and no timer is armed. */
int sim_step(sim *s);
typedef int (*sim_pred)(sim *s, void *arg);
/* Steps until pred is true (returns 1), the network is quiet, or `limit`
 * of virtual time has passed (returns 0). */
int sim_run(sim *s, sim_pred pred, void *arg, ncgt_tstamp limit);
void sim_run_for(sim *s, ncgt_tstamp d);
/* Called at the start of every step (traffic generators). */
void sim_set_hook(sim *s, void (*hook)(sim *, void *), void *arg);

/* --- keys --- */
void sim_keypair(uint64_t tag, uint8_t priv[32], uint8_t pub[32]);

/* --- servers --- */
sim_server *sim_add_server(sim *s, const char *name,
                           const ncgt_server_settings *st);
ncgt_server *sim_server_get(sim_server *ss);
int sim_server_add_identity(sim_server *ss, const char *id_name,
                            const uint8_t priv[32]);
/* A user the default authorize accepts; client data is DHCP option 50
 * with an address that depends only on the user (same user, same
 * address). psk may be NULL. */
void sim_server_add_user(sim_server *ss, const char *user,
                         const uint8_t pub[32], const uint8_t *psk);
/* Override authorisation: called after the user table said yes/no. */
typedef void (*sim_authz_hook)(sim_server *ss, const char *user,
                               ncgt_authz *out, void *arg);
void sim_server_set_authz_hook(sim_server *ss, sim_authz_hook h, void *arg);
/* Crash: every link of the server is reset, its conns vanish, connects
 * are refused. Start: a fresh ncgt_server with the same identities. */
void sim_server_crash(sim_server *ss);
void sim_server_start(sim_server *ss);
size_t sim_server_authorized(const sim_server *ss); /* authorize -> yes */
size_t sim_server_conns(const sim_server *ss);      /* live conn objects */
/* Last CLOSE info of any conn of this server that ended (or NULL). */
const ncgt_close_info *sim_server_last_close(const sim_server *ss);
ncgt_state sim_server_last_end_state(const sim_server *ss);
sim_ep *sim_server_find_ep(sim_server *ss, const char *user);

/* --- relays --- */
sim_relay *sim_add_relay(sim *s, const char *name,
                         const ncgt_relay_settings *st);
ncgt_relay *sim_relay_get(sim_relay *sr);
void sim_relay_crash(sim_relay *sr);
size_t sim_relay_sessions(const sim_relay *sr); /* live sessions */
const ncgt_close_info *sim_relay_last_close(const sim_relay *sr);
unsigned long sim_relay_forwarded(const sim_relay *sr, const char *hop);
/* The most recently accepted live session, or NULL. */
ncgt_rsess *sim_relay_newest(const sim_relay *sr);

/* --- clients --- */
sim_ep *sim_add_client(sim *s, const ncgt_client_settings *st);
ncgt_conn *sim_ep_conn(sim_ep *ep);
/* Counts since creation. */
typedef struct sim_ep_info {
  unsigned authorized, rekeys, closes;
  ncgt_close_info last_ci;
  uint8_t client_data[512];
  size_t client_data_len;
  uint64_t rx_bytes, rx_dgrams, rx_bad; /* rx_bad: damaged/out of order */
  uint64_t tx_bytes;
  char last_hop[NCGT_CLOSE_INFO_MAX + 1]; /* last open_transport target */
  unsigned opens;
} sim_ep_info;
const sim_ep_info *sim_ep_get_info(const sim_ep *ep);
/* Sends `len` (>= 8) bytes of the deterministic stream (continuing where
 * the last call stopped) as one datagram that starts with its stream
 * offset; the receiving ep checks each byte, and that datagrams of one
 * tunnel are contiguous and in order. Returns the send's status. */
int sim_ep_send_stream(sim_ep *ep, size_t len);
/* Bytes queued on the ep's transport, not yet delivered. */
size_t sim_ep_backlog(const sim_ep *ep);

/* --- raw scripted peers --- */
sim_raw *sim_raw_connect(sim *s, const char *to);
void sim_raw_send(sim_raw *r, const uint8_t *p, size_t n);
void sim_raw_close(sim_raw *r);
int sim_raw_connected(const sim_raw *r);
int sim_raw_closed(const sim_raw *r); /* the peer closed or reset */
const uint8_t *sim_raw_rx(const sim_raw *r, size_t *len);
/* A raw listener: accepted connections become raw peers. */
void sim_raw_listen(sim *s, const char *name, int up);
sim_raw *sim_raw_accepted(sim *s, const char *name, unsigned nth);

/* Bytes a raw peer can capture: every frame the given client sent on its
 * first transport, recorded when `rec` is on (replay tests). */
void sim_ep_record(sim_ep *ep, int on);
const uint8_t *sim_ep_recorded(const sim_ep *ep, size_t *len);

#endif /* NCGT_SIMNET_H */
