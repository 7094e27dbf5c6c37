/*
 * ncg_fwd -C: the data-path prototype driven through the public sans-I/O
 * API (include/ncgtun/conn.h) instead of raw ncgt_data_seal/open: a real
 * Noise handshake (RELAY, REQUEST, RESPONSE), then ncgt_conn_send_datagram
 * per TAP read and ncgt_conn_recv per socket read. It measures what the
 * conn layer costs on top of the transform, and shows the host pattern
 * issue 9 asks for: the send callback only appends to the output buffer,
 * and the loop writes that buffer once per wakeup.
 * Fixed benchmark keys; the server accepts any user.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ncg_fwd.h"
#include "ncgt_crypto.h"

static ncgt_tstamp mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ncgt_tstamp)ts.tv_sec * NCGT_SECONDS + (ncgt_tstamp)ts.tv_nsec;
}

/* Appends; the loop flushes once per wakeup (no write per frame). */
static int cb_send(ncgt_conn *c, const uint8_t *d, size_t n, void *ud) {
  fwd *f = ud;
  if (n > SBUF_LEN - f->slen)
    return -1;
  memcpy(f->sbuf + f->slen, d, n);
  f->slen += n;
  return 0;
}
static int cb_open_transport(ncgt_conn *c, const char *hop, void *ud) {
  return 0; /* the host connects before starting the conn */
}
static void cb_close_transport(ncgt_conn *c, void *ud) { stop = 1; }
static int cb_recv_dg(ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                      size_t len, void *ud) {
  tap_write_dg(ud, proto, dg, len);
  return 0;
}
static int cb_rand(uint8_t *buf, size_t len, void *ud) {
  return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}
static uint64_t cb_wallclock(void *ud) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * NCGT_SECONDS + (uint64_t)ts.tv_nsec;
}
static int cb_authorize(ncgt_server *srv, ncgt_conn *c, const char *dest,
                        const char *user, const uint8_t pub[32],
                        ncgt_authz *out, void *ud) {
  out->accept = 1;
  return 0;
}

static const ncgt_conn_callbacks conn_cb = {
    .version = NCGT_CONN_CALLBACKS_V1,
    .send = cb_send,
    .open_transport = cb_open_transport,
    .close_transport = cb_close_transport,
    .recv_datagram = cb_recv_dg,
    .rand = cb_rand,
    .wallclock = cb_wallclock,
};

/* Benchmark-only fixed static keys. */
static void fixed_key(uint8_t k[32], uint8_t seed) {
  for (int i = 0; i < 32; i++)
    k[i] = (uint8_t)(seed + 7 * i);
}

static void conn_setup(fwd *f, const char *lis, const char *con,
                       unsigned tf, ncgt_tstamp now) {
  uint8_t spriv[32], cpriv[32];
  fixed_key(spriv, 0x51);
  fixed_key(cpriv, 0x13);
  if (lis != NULL) {
    ncgt_server_settings ss = {.version = NCGT_SERVER_SETTINGS_V1,
                               .transforms = (uint16_t)tf};
    ncgt_server_callbacks scb = {.version = NCGT_SERVER_CALLBACKS_V1,
                                 .authorize = cb_authorize};
    check(ncgt_server_new(&f->srv, &ss, &scb, f), "ncgt_server_new");
    check(ncgt_server_add_identity(f->srv, "*", spriv), "add_identity");
    f->sock = tcp_listen_accept(lis);
    check(ncgt_server_accept(f->srv, &f->conn, &conn_cb, f, now),
          "ncgt_server_accept");
    return;
  }
  static const char *const path[] = {"server"};
  ncgt_client_settings cs = {.version = NCGT_CLIENT_SETTINGS_V1,
                             .origin = "bench-client",
                             .path = path,
                             .npath = 1,
                             .user = "bench",
                             .transforms = (uint16_t)tf};
  memcpy(cs.private_key, cpriv, 32);
  check(ncgt_x25519_pub(cs.server_public_key, spriv), "ncgt_x25519_pub");
  check(ncgt_conn_client_new(&f->conn, &cs, &conn_cb, f), "client_new");
  check(ncgt_conn_start(f->conn, now), "ncgt_conn_start");
  f->sock = tcp_connect(con);
  check(ncgt_conn_transport_connected(f->conn, now), "transport_connected");
}

/* Up to f->batch datagrams into the tunnel, then one write. */
static void conn_on_tap(fwd *f, ncgt_tstamp now) {
  int up = ncgt_conn_state(f->conn) == NCGT_ST_AUTHORIZED;
  for (int i = 0; i < f->batch; i++) {
    if (SBUF_LEN - f->slen < FRAME_OVERHEAD + MAX_DG + 1)
      break;
    uint8_t proto;
    ssize_t n = tap_read_dg(f, f->tbuf + 14, &proto);
    if (n == 0)
      break;
    if (n < 0 || !up)
      continue;
    check(ncgt_conn_send_datagram(f->conn, proto, f->tbuf + 14, (size_t)n,
                                  now), "ncgt_conn_send_datagram");
    f->dgs_out++;
  }
}

static void conn_on_sock(fwd *f, ncgt_tstamp now) {
  ssize_t n = read(f->sock, f->rbuf, RBUF_LEN);
  if (n < 0 && errno == EAGAIN)
    return;
  if (n <= 0) {
    ncgt_conn_transport_error(f->conn, now);
    stop = 1;
    return;
  }
  int rv = ncgt_conn_recv(f->conn, f->rbuf, (size_t)n, now);
  if (rv < 0) {
    fprintf(stderr, "ncg_fwd: ncgt_conn_recv: %s\n", ncgt_strerror(rv));
    stop = 1;
  }
}

static int wait_ms(const fwd *f, ncgt_tstamp now) {
  ncgt_tstamp exp = ncgt_conn_get_expiry(f->conn);
  if (exp == NCGT_TSTAMP_MAX)
    return -1;
  return exp <= now ? 0 : (int)((exp - now) / NCGT_MILLISECONDS + 1);
}

void run_conn_endpoint(fwd *f, const char *lis, const char *con,
                       unsigned tf) {
  struct epoll_event evs[4];
  int one = 1;
  conn_setup(f, lis, con, tf, mono_now());
  setsockopt(f->sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (fcntl(f->sock, F_SETFL, O_NONBLOCK) < 0)
    fail("fcntl");
  f->ep = epoll_create1(EPOLL_CLOEXEC);
  if (f->ep < 0)
    fail("epoll_create1");
  ep_set(f, f->tap, EPOLLIN, EPOLL_CTL_ADD);
  ep_set(f, f->sock, EPOLLIN, EPOLL_CTL_ADD);
  pause_tap(f, !flush_sock(f));
  while (!stop) {
    int n = epoll_wait(f->ep, evs, 4, wait_ms(f, mono_now()));
    if (n < 0 && errno != EINTR)
      fail("epoll_wait");
    ncgt_tstamp now = mono_now();
    for (int i = 0; i < n; i++) {
      if (evs[i].data.fd == f->sock && (evs[i].events & (EPOLLIN | EPOLLHUP)))
        conn_on_sock(f, now);
      if (evs[i].data.fd == f->tap && !f->tap_paused)
        conn_on_tap(f, now);
    }
    if (now >= ncgt_conn_get_expiry(f->conn))
      ncgt_conn_handle_expiry(f->conn, now);
    pause_tap(f, !flush_sock(f));
  }
  ncgt_conn_stats st;
  ncgt_conn_get_stats(f->conn, &st);
  fprintf(stderr, "ncg_fwd: conn %s, %llu datagrams sent, %llu received\n",
          ncgt_state_name(ncgt_conn_state(f->conn)),
          (unsigned long long)st.datagrams_sent,
          (unsigned long long)st.datagrams_recv);
  ncgt_conn_del(f->conn);
  ncgt_server_del(f->srv);
}
