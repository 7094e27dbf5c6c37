/* simnet internals shared by simnet.c (links, faults, clock) and
 * simnet_nodes.c (servers, relays, clients, raw peers). Test code. */
#ifndef NCGT_SIMNET_INT_H
#define NCGT_SIMNET_INT_H

#include "simnet.h"

enum { OWN_NONE, OWN_EP, OWN_RS, OWN_RAW };
enum { LK_CONNECTING, LK_UP, LK_CLOSED };
enum { MAX_FAULTS = 16, MAX_CORRUPT = 8, MAX_LISTEN = 64 };

typedef struct sim_link sim_link;

typedef struct sim_end {
  int kind;
  void *p;
} sim_end;

typedef struct sim_dir {
  uint8_t *buf;
  size_t head, len, cap; /* undelivered: buf[head..len) */
  uint64_t enq, deq;     /* absolute stream offsets */
  /* frame tracker (what the sender wrote, before corruption) */
  uint8_t hdr[NCGT_FRAME_HDR_LEN];
  size_t hdr_have;
  uint64_t frame_start, frame_end;
  unsigned count[8]; /* frames seen per type; [0] all */
  const sim_fault *fault[MAX_FAULTS];
  size_t nfault;
  struct {
    uint64_t at;
    uint8_t x;
    int done;
  } cor[MAX_CORRUPT];
  size_t ncor;
  uint64_t stall_at, reset_at;
  int fin; /* sender closed: receiver learns after the queue drains */
  int fin_told;
  int slow;
} sim_dir;

struct sim_link {
  sim *net;
  char to[NCGT_CLOSE_INFO_MAX + 1];
  int state;
  sim_end end[2]; /* 0 connector, 1 acceptor */
  sim_dir d[2];   /* d[i]: bytes written by end i */
};

struct sim_ep {
  sim *net;
  int role;
  ncgt_conn *c;
  sim_link *link;
  int end;
  sim_server *ss; /* server side */
  sim_ep *next;   /* in its server's list or the sim's client list */
  sim_ep_info info;
  uint64_t tx_off, rx_off; /* deterministic stream positions */
  int rx_sync;             /* rx_off is known (this tunnel) */
  int rec;
  uint8_t *recbuf;
  size_t reclen;
};

typedef struct sim_rs {
  sim_relay *sr;
  ncgt_rsess *rs;
  sim_link *in, *out;
  struct sim_rs *next;
} sim_rs;

struct sim_server {
  sim *net;
  char name[NCGT_CLOSE_INFO_MAX + 1];
  int up;
  ncgt_server_settings st;
  ncgt_server *srv;
  struct {
    char name[NCGT_NAME_MAX + 1];
    uint8_t priv[32];
  } ids[8];
  size_t nids;
  struct {
    char name[NCGT_NAME_MAX + 1];
    uint8_t pub[32], psk[32];
    int has_psk;
  } users[16];
  size_t nusers;
  sim_authz_hook hook;
  void *hook_arg;
  sim_ep *eps;
  size_t authorized;
  ncgt_close_info last_ci;
  int has_last;
  ncgt_state last_end;
};

struct sim_relay {
  sim *net;
  char name[NCGT_NAME_MAX + 1];
  int up;
  ncgt_relay *r;
  sim_rs *sess;
  ncgt_close_info last_ci;
  int has_last;
  struct {
    char hop[NCGT_NAME_MAX + 1];
    unsigned long n;
  } fwd[16];
};

struct sim_raw {
  sim *net;
  sim_link *link;
  int end;
  int connected, closed;
  uint8_t *rx;
  size_t rxlen, rxcap;
};

typedef struct listener {
  char name[NCGT_CLOSE_INFO_MAX + 1];
  int kind; /* 1 server, 2 relay, 3 raw */
  int up;   /* raw listeners */
  sim_raw *acc[8];
  void *p;
  unsigned conns;
  int blackhole;
} listener;

struct sim {
  uint64_t rng;
  sim_opts o;
  ncgt_tstamp now;
  sim_link **links;
  size_t nlinks, caplinks;
  listener lis[MAX_LISTEN];
  size_t nlis;
  sim_fault faults[MAX_FAULTS];
  size_t nfaults;
  sim_ep *clients;
  sim_server *servers[16];
  size_t nservers;
  sim_relay *relays[16];
  size_t nrelays;
  sim_raw *raws[64];
  size_t nraws;
  void (*hook)(sim *, void *);
  void *hook_arg;
};

uint64_t rnd(sim *s, uint64_t n);
void stream_fill(uint8_t *p, uint64_t off, size_t n);
uint64_t stream_diff(const uint8_t *p, uint64_t off, size_t n);
void record_state(int role, ncgt_state from, ncgt_state to);
sim_link *link_new(sim *s, const char *to, int kind0, void *p0);
void link_write(sim_link *l, int from, const uint8_t *p, size_t n);
void link_close_end(sim_link *l, int i);
void link_tell_error(sim_link *l, int i, int connecting);
void ep_free(sim_ep *ep);
void server_drop_conns(sim_server *ss);
void relay_drop_sessions(sim_relay *sr);
listener *find_listener(sim *s, const char *name);
listener *add_listener(sim *s, const char *name);
int server_accept(sim_server *ss, sim_link *l);
int relay_accept(sim_relay *sr, sim_link *l);
void raw_accept(sim *s, listener *li, sim_link *l);
int cb_fails(sim *s);

#endif /* NCGT_SIMNET_INT_H */
