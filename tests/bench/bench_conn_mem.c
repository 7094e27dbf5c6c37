/*
 * Memory per idle tunnel on the server (issue 9): N initiators and N
 * server-side conns (include/ncgtun/conn.h) handshake in memory until
 * every tunnel is AUTHORIZED, then the server's heap is reported for
 * N = 1, 100 and 10,000 (or the counts given).
 *
 * Attribution: every call into a server-side object (ncgt_server_*,
 * ncgt_conn_* on a server conn) is bracketed by mallinfo2(), and the
 * change in allocated bytes (uordblks + hblkhd: arena and mmapped chunks,
 * OpenSSL's EVP contexts included) is charged to the server. Bytes the
 * objects send are queued and delivered by the driver loop, never from
 * inside a callback, so the client's allocations are never charged to
 * the server. Chunk overhead of malloc is included (it is real memory).
 *
 *   bench_conn_mem [N ...]     (default: 1 100 10000)
 * Output: "T <N> <server bytes> <bytes per tunnel> <client bytes per
 * tunnel> <RSS kB>" per N.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ncgtun/conn.h>
#include <ncgtun/ncgtun.h>

#include "ncgt_crypto.h"

enum { PIPE_CAP = 4096 };

/* One direction of an in-memory transport: bytes the sender wrote and
 * the driver has not delivered yet. Allocated before measuring. */
typedef struct pipe_ {
  uint8_t buf[PIPE_CAP];
  size_t len;
} pipe_;

typedef struct tunnel {
  ncgt_conn *cli, *srv;
  pipe_ c2s, s2c;
  int want_connect; /* the client asked for a transport */
} tunnel;

static long long srv_bytes, cli_bytes;
static ncgt_tstamp now_ts = 1000 * NCGT_SECONDS;

static long long heap(void) {
  struct mallinfo2 mi = mallinfo2();
  return (long long)(mi.uordblks + mi.hblkhd);
}

#define CHARGE(acct, call)                                                     \
  do {                                                                         \
    long long before_ = heap();                                                \
    call;                                                                      \
    (acct) += heap() - before_;                                                \
  } while (0)

static void die(const char *what, int rv) {
  fprintf(stderr, "bench_conn_mem: %s: %d (%s)\n", what, rv,
          ncgt_strerror(rv));
  exit(1);
}

static int queue(pipe_ *p, const uint8_t *data, size_t len) {
  if (len > PIPE_CAP - p->len)
    return -1;
  memcpy(p->buf + p->len, data, len);
  p->len += len;
  return 0;
}

static int cli_send(ncgt_conn *c, const uint8_t *d, size_t n, void *ud) {
  return queue(&((tunnel *)ud)->c2s, d, n);
}
static int srv_send(ncgt_conn *c, const uint8_t *d, size_t n, void *ud) {
  return queue(&((tunnel *)ud)->s2c, d, n);
}
static int open_transport(ncgt_conn *c, const char *hop, void *ud) {
  ((tunnel *)ud)->want_connect = 1;
  return 0;
}
static void close_transport(ncgt_conn *c, void *ud) {}
static int recv_dg(ncgt_conn *c, uint8_t proto, const uint8_t *dg, size_t len,
                   void *ud) {
  return 0;
}
/* Deterministic, not secure: a benchmark needs repeatable keys only. */
static int bench_rand(uint8_t *buf, size_t len, void *ud) {
  static uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < len; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    buf[i] = (uint8_t)x;
  }
  return 0;
}
static uint64_t wallclock(void *ud) { return 1700000000ull * NCGT_SECONDS; }

static int authorize(ncgt_server *srv, ncgt_conn *c, const char *dest,
                     const char *user, const uint8_t pub[32], ncgt_authz *out,
                     void *ud) {
  static const uint8_t opts[] = {1, 4, 255, 255, 0, 0, 3, 4, 10, 202, 0, 1};
  out->accept = 1;
  memcpy(out->client_data, opts, sizeof(opts));
  out->client_data_len = sizeof(opts);
  return 0;
}

static const ncgt_conn_callbacks cli_cb = {
    .version = NCGT_CONN_CALLBACKS_V1,
    .send = cli_send,
    .open_transport = open_transport,
    .close_transport = close_transport,
    .recv_datagram = recv_dg,
    .rand = bench_rand,
    .wallclock = wallclock,
};
static const ncgt_conn_callbacks srv_cb = {
    .version = NCGT_CONN_CALLBACKS_V1,
    .send = srv_send,
    .close_transport = close_transport,
    .recv_datagram = recv_dg,
    .rand = bench_rand,
    .wallclock = wallclock,
};

static long rss_kb(void) {
  long pages = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f != NULL) {
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
      rss = 0;
    fclose(f);
  }
  return rss * 4;
}

/* Delivers queued bytes both ways once; returns how many tunnels are
 * AUTHORIZED on both ends. */
static size_t pump(ncgt_server *srv, tunnel *t, size_t n) {
  static uint8_t tmp[PIPE_CAP];
  size_t up = 0;
  for (size_t i = 0; i < n; i++) {
    tunnel *u = &t[i];
    int rv = 0;
    if (u->want_connect) {
      u->want_connect = 0;
      CHARGE(srv_bytes, rv = ncgt_server_accept(srv, &u->srv, &srv_cb, u, now_ts));
      if (rv != 0)
        die("ncgt_server_accept", rv);
      CHARGE(cli_bytes, rv = ncgt_conn_transport_connected(u->cli, now_ts));
      if (rv != 0)
        die("ncgt_conn_transport_connected", rv);
    }
    size_t len = u->c2s.len;
    if (len) {
      memcpy(tmp, u->c2s.buf, len);
      u->c2s.len = 0;
      CHARGE(srv_bytes, rv = ncgt_conn_recv(u->srv, tmp, len, now_ts));
      if (rv != 0)
        die("server ncgt_conn_recv", rv);
    }
    len = u->s2c.len;
    if (len) {
      memcpy(tmp, u->s2c.buf, len);
      u->s2c.len = 0;
      CHARGE(cli_bytes, rv = ncgt_conn_recv(u->cli, tmp, len, now_ts));
      if (rv != 0)
        die("client ncgt_conn_recv", rv);
    }
    if (u->srv && ncgt_conn_state(u->srv) == NCGT_ST_AUTHORIZED &&
        ncgt_conn_state(u->cli) == NCGT_ST_AUTHORIZED)
      up++;
  }
  return up;
}

static void run(size_t n, const uint8_t spriv[32], const uint8_t spub[32],
                const uint8_t cpriv[32]) {
  tunnel *t = calloc(n, sizeof(*t));
  char(*users)[24] = calloc(n, sizeof(*users));
  if (t == NULL || users == NULL)
    die("calloc", NCGT_ERR_NOMEM);
  srv_bytes = cli_bytes = 0;
  long rss0 = rss_kb();
  ncgt_server *srv = NULL;
  ncgt_server_settings ss = {.version = NCGT_SERVER_SETTINGS_V1};
  ncgt_server_callbacks scb = {.version = NCGT_SERVER_CALLBACKS_V1,
                               .authorize = authorize};
  int rv;
  CHARGE(srv_bytes, rv = ncgt_server_new(&srv, &ss, &scb, NULL));
  if (rv == 0)
    CHARGE(srv_bytes, rv = ncgt_server_add_identity(srv, "*", spriv));
  if (rv != 0)
    die("server setup", rv);
  long long base = srv_bytes;

  static const char *const path[] = {"server"};
  for (size_t i = 0; i < n; i++) {
    ncgt_client_settings cs = {.version = NCGT_CLIENT_SETTINGS_V1,
                               .origin = "bench-client",
                               .path = path,
                               .npath = 1};
    snprintf(users[i], sizeof(users[i]), "u%zu", i);
    cs.user = users[i];
    memcpy(cs.private_key, cpriv, 32);
    memcpy(cs.server_public_key, spub, 32);
    CHARGE(cli_bytes, rv = ncgt_conn_client_new(&t[i].cli, &cs, &cli_cb, &t[i]));
    if (rv == 0)
      CHARGE(cli_bytes, rv = ncgt_conn_start(t[i].cli, now_ts));
    if (rv != 0)
      die("client setup", rv);
  }
  size_t up = 0;
  for (int round = 0; round < 20 && up < n; round++)
    up = pump(srv, t, n);
  if (up != n) {
    fprintf(stderr, "bench_conn_mem: only %zu of %zu tunnels authorised\n",
            up, n);
    exit(1);
  }
  long rss1 = rss_kb();
  printf("T\t%zu\t%lld\t%.0f\t%.0f\t%ld\t%zu\n", n, srv_bytes,
         (double)(srv_bytes - base) / (double)n, (double)cli_bytes / (double)n,
         rss1 - rss0, ncgt_server_session_count(srv));
  fflush(stdout);
  for (size_t i = 0; i < n; i++) {
    ncgt_conn_del(t[i].srv);
    ncgt_conn_del(t[i].cli);
  }
  ncgt_server_del(srv);
  free(t);
  free(users);
}

int main(int argc, char **argv) {
  static const size_t defaults[] = {1, 100, 10000};
  uint8_t spriv[32], spub[32], cpriv[32];
  for (int i = 0; i < 32; i++) {
    spriv[i] = (uint8_t)(0x40 + i);
    cpriv[i] = (uint8_t)(0x10 + i);
  }
  int rv = ncgt_x25519_pub(spub, spriv);
  if (rv != 0)
    die("ncgt_x25519_pub", rv);
  printf("# N\tserver_bytes\tserver_bytes_per_tunnel\tclient_bytes_per_tunnel"
         "\trss_delta_kB(both sides)\tsessions\n");
  if (argc > 1)
    for (int i = 1; i < argc; i++)
      run((size_t)atol(argv[i]), spriv, spub, cpriv);
  else
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
      run(defaults[i], spriv, spub, cpriv);
  return 0;
}
