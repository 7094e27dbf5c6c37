/*
 * A whole tunnel in one process (DESIGN.md "examples/"): an initiator and
 * a tunnel server, each one libncgtun endpoint, joined by a socketpair
 * instead of TCP, carrying datagrams both ways. Built on the public API
 * alone (the headers in include/ncgtun/); the host side is what every embedding writes: a
 * transport (here the socketpair, non-blocking, with an output queue), a
 * clock, randomness, and a loop that feeds bytes in and drives timers.
 *
 *   tunnel-pair [COUNT]
 *
 * Sends COUNT (default 200) IPv4 datagrams each way, 20..1400 bytes, each
 * carrying its sequence number and a pattern; checks that every one
 * arrives once, in order and intact; then ends the session and checks
 * both ends report END_SESSION. Exit 0 on success, 1 with a message on
 * the first discrepancy (meson test `example_tunnel_pair`).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ncgtun/conn.h>
#include <ncgtun/keys.h>

enum {
  DG_MIN = 20,   /* an IPv4 header */
  DG_MAX = 1400,
  DG_SEQ_AT = 20, /* u32 sequence number after the header */
  QUEUE_MAX = 1 << 20,
  RUN_LIMIT_S = 20,
};

/* One endpoint and its end of the socketpair. */
typedef struct end {
  const char *name;
  ncgt_conn *c;
  int fd;             /* -1 once the transport is closed */
  int want_connect;   /* open_transport asked; connected from the loop */
  int closing;        /* close_transport: shut down once the queue is out */
  uint8_t *q;         /* bytes the conn sent, not yet written */
  size_t qlen, qcap;
  uint32_t sent, got; /* datagrams */
  int authorized;
  unsigned transform; /* agreed, from the authorized callback */
  int closed;
  ncgt_close_info ci;
} end;

static int failed;

static void fail(const char *what, const char *who) {
  fprintf(stderr, "tunnel-pair: %s: %s\n", who, what);
  failed = 1;
}

static ncgt_tstamp now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ncgt_tstamp)ts.tv_sec * 1000000000u + (ncgt_tstamp)ts.tv_nsec;
}

/* ---- callbacks shared by both ends ---------------------------------- */

static int cb_send(ncgt_conn *c, const uint8_t *data, size_t len, void *ud) {
  end *e = ud;
  (void)c;
  if (e->fd < 0 || e->qlen + len > QUEUE_MAX)
    return -1; /* the conn treats it as a transport failure */
  if (e->qlen + len > e->qcap) {
    size_t cap = e->qcap ? e->qcap : 4096;
    while (cap < e->qlen + len)
      cap *= 2;
    uint8_t *q = realloc(e->q, cap);
    if (!q)
      return -1;
    e->q = q;
    e->qcap = cap;
  }
  memcpy(e->q + e->qlen, data, len);
  e->qlen += len;
  return 0;
}

static int cb_open(ncgt_conn *c, const char *next_hop, void *ud) {
  end *e = ud;
  (void)c;
  if (strcmp(next_hop, "server") != 0)
    return -1;
  e->want_connect = 1; /* the socketpair is already there */
  return 0;
}

static void cb_close_transport(ncgt_conn *c, void *ud) {
  end *e = ud;
  (void)c;
  e->closing = 1; /* the CLOSE frame may still be queued: flush() */
}

/* Checks one datagram: IPv4 version, its length in the header, the
 * expected sequence number, the pattern. */
static int cb_recv(ncgt_conn *c, uint8_t proto, const uint8_t *dg, size_t len,
                   void *ud) {
  end *e = ud;
  (void)c;
  if (proto != NCGT_DATA_PROTO_IPV4 || len < DG_SEQ_AT + 4 ||
      dg[0] != 0x45 || (size_t)(dg[2] << 8 | dg[3]) != len) {
    fail("malformed datagram", e->name);
    return 0;
  }
  uint32_t seq = (uint32_t)dg[20] << 24 | (uint32_t)dg[21] << 16 |
                 (uint32_t)dg[22] << 8 | dg[23];
  if (seq != e->got) {
    fail("datagram out of order or lost", e->name);
    return 0;
  }
  for (size_t i = DG_SEQ_AT + 4; i < len; i++)
    if (dg[i] != (uint8_t)(seq + i)) {
      fail("datagram corrupted", e->name);
      return 0;
    }
  e->got++;
  return 0;
}

static int cb_rand(uint8_t *buf, size_t len, void *ud) {
  (void)ud;
  return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static uint64_t cb_wallclock(void *ud) {
  struct timespec ts;
  (void)ud;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void cb_authorized(ncgt_conn *c, const uint8_t *cd, size_t len,
                          int rekey, void *ud) {
  end *e = ud;
  (void)cd;
  (void)len;
  (void)rekey;
  e->authorized = 1;
  e->transform = ncgt_conn_transform(c);
}

static void cb_closed(ncgt_conn *c, const ncgt_close_info *ci, void *ud) {
  end *e = ud;
  (void)c;
  e->closed = 1;
  e->ci = *ci;
}

static const ncgt_conn_callbacks conn_cb = {
    .version = NCGT_CONN_CALLBACKS_V1,
    .send = cb_send,
    .open_transport = cb_open,
    .close_transport = cb_close_transport,
    .recv_datagram = cb_recv,
    .rand = cb_rand,
    .wallclock = cb_wallclock,
    .authorized = cb_authorized,
    .closed = cb_closed,
};

/* ---- the server's authorisation: one user, one key ------------------ */

typedef struct server_host {
  uint8_t user_pub[NCGT_KEY_BYTES];
} server_host;

static int cb_authorize(ncgt_server *srv, ncgt_conn *c, const char *dest,
                        const char *user, const uint8_t pub[32],
                        ncgt_authz *out, void *ud) {
  server_host *h = ud;
  (void)srv;
  (void)c;
  (void)dest;
  out->accept = strcmp(user, "alice") == 0 &&
                memcmp(pub, h->user_pub, NCGT_KEY_BYTES) == 0;
  return 0;
}

/* ---- the host loop --------------------------------------------------- */

static int dead(const end *e) { return ncgt_conn_state(e->c) == NCGT_ST_DEAD; }

static void send_datagram(end *e, ncgt_tstamp ts) {
  uint8_t dg[DG_MAX];
  uint32_t seq = e->sent;
  size_t len = DG_MIN + 4 + (seq * 97u) % (DG_MAX - DG_MIN - 4 + 1);
  memset(dg, 0, DG_MIN);
  dg[0] = 0x45; /* IPv4, 20-byte header */
  dg[2] = (uint8_t)(len >> 8);
  dg[3] = (uint8_t)len;
  dg[8] = 64;
  dg[9] = 253; /* RFC 3692 experimental protocol */
  dg[20] = (uint8_t)(seq >> 24);
  dg[21] = (uint8_t)(seq >> 16);
  dg[22] = (uint8_t)(seq >> 8);
  dg[23] = (uint8_t)seq;
  for (size_t i = DG_SEQ_AT + 4; i < len; i++)
    dg[i] = (uint8_t)(seq + i);
  if (ncgt_conn_send_datagram(e->c, NCGT_DATA_PROTO_IPV4, dg, len, ts) == 0)
    e->sent++;
}

/* Writes what is queued, as far as the socket takes it; after
 * close_transport, shuts the write side once all is out, so the peer
 * reads our last bytes (the CLOSE frame) and then EOF. */
static void flush(end *e) {
  while (e->fd >= 0 && e->qlen > 0) {
    ssize_t n = send(e->fd, e->q, e->qlen, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR)
        e->qlen = 0;
      return;
    }
    memmove(e->q, e->q + n, e->qlen - (size_t)n);
    e->qlen -= (size_t)n;
  }
  if (e->fd >= 0 && e->closing == 1) {
    shutdown(e->fd, SHUT_WR);
    e->closing = 2;
  }
}

/* Reads what arrived and hands it to the conn, in whatever split. */
static void pump_in(end *e, ncgt_tstamp ts) {
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = read(e->fd, buf, sizeof buf);
    if (n > 0) {
      (void)ncgt_conn_recv(e->c, buf, (size_t)n, ts);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      close(e->fd);
      e->fd = -1;
      if (!dead(e)) /* EOF or error while the tunnel was up */
        (void)ncgt_conn_transport_error(e->c, ts);
    }
    return;
  }
}

/* One round: connect if asked, timers, I/O. */
static void step(end *ends[2]) {
  struct pollfd pfd[2];
  ncgt_tstamp ts = now_ns(), next = NCGT_TSTAMP_MAX;
  for (int i = 0; i < 2; i++) {
    end *e = ends[i];
    if (e->want_connect) {
      e->want_connect = 0;
      if (ncgt_conn_transport_connected(e->c, ts) != 0)
        fail("transport_connected failed", e->name);
    }
    if (ncgt_conn_get_expiry(e->c) <= ts)
      (void)ncgt_conn_handle_expiry(e->c, ts);
    if (ncgt_conn_get_expiry(e->c) < next)
      next = ncgt_conn_get_expiry(e->c);
    flush(e);
    if (e->fd >= 0 && e->closing && dead(e)) { /* nothing more to read */
      close(e->fd);
      e->fd = -1;
    }
    pfd[i].fd = e->fd;
    pfd[i].events = (short)(POLLIN | (e->qlen ? POLLOUT : 0));
  }
  int wait_ms = next == NCGT_TSTAMP_MAX ? 100
                : next <= ts            ? 0
                                        : (int)((next - ts) / 1000000u) + 1;
  if (poll(pfd, 2, wait_ms > 100 ? 100 : wait_ms) <= 0)
    return;
  ts = now_ns();
  for (int i = 0; i < 2; i++)
    if (ends[i]->fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
      pump_in(ends[i], ts);
}

static int make_keys(uint8_t priv[NCGT_KEY_BYTES], uint8_t pub[NCGT_KEY_BYTES]) {
  uint8_t r[NCGT_KEY_BYTES];
  if (cb_rand(r, sizeof r, NULL) != 0 || ncgt_privkey_from_random(priv, r) ||
      ncgt_pubkey(pub, priv))
    return -1;
  return 0;
}

static int check_closed(const end *e, int remote) {
  if (!e->closed || e->ci.status != NCGT_CLOSE_END_SESSION ||
      e->ci.remote != remote || !dead(e)) {
    fprintf(stderr, "tunnel-pair: %s: ended %s (%s, remote %d, state %s)\n",
            e->name, e->closed ? "badly" : "never",
            ncgt_close_status_name(e->ci.status), e->ci.remote,
            ncgt_state_name(ncgt_conn_state(e->c)));
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  uint32_t count = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 200;
  uint8_t spriv[NCGT_KEY_BYTES], spub[NCGT_KEY_BYTES];
  uint8_t upriv[NCGT_KEY_BYTES];
  server_host sh;
  int sv[2];
  if (make_keys(spriv, spub) || make_keys(upriv, sh.user_pub) ||
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) {
    perror("tunnel-pair: setup");
    return 1;
  }

  end cli = {.name = "initiator", .fd = sv[0]};
  end srv = {.name = "server", .fd = sv[1]};
  const char *path[] = {"server"};
  ncgt_client_settings cs = {.version = NCGT_CLIENT_SETTINGS_V1,
                             .origin = "laptop",
                             .path = path,
                             .npath = 1,
                             .user = "alice"};
  memcpy(cs.private_key, upriv, sizeof upriv);
  memcpy(cs.server_public_key, spub, sizeof spub);
  ncgt_server_settings ss = {.version = NCGT_SERVER_SETTINGS_V1};
  ncgt_server_callbacks scb = {.version = NCGT_SERVER_CALLBACKS_V1,
                               .authorize = cb_authorize};
  ncgt_server *server = NULL;
  ncgt_tstamp t0 = now_ns();
  if (ncgt_conn_client_new(&cli.c, &cs, &conn_cb, &cli) ||
      ncgt_server_new(&server, &ss, &scb, &sh) ||
      ncgt_server_add_identity(server, "server", spriv) ||
      ncgt_server_accept(server, &srv.c, &conn_cb, &srv, t0) ||
      ncgt_conn_start(cli.c, t0)) {
    fprintf(stderr, "tunnel-pair: cannot create the endpoints\n");
    return 1;
  }
  memset(cs.private_key, 0, sizeof cs.private_key);
  memset(upriv, 0, sizeof upriv);
  memset(spriv, 0, sizeof spriv);

  end *ends[2] = {&cli, &srv};
  int ending = 0;
  while (!failed && now_ns() - t0 < (ncgt_tstamp)RUN_LIMIT_S * 1000000000u) {
    step(ends);
    if (dead(&cli) && dead(&srv))
      break;
    if (!cli.authorized || !srv.authorized || ending)
      continue;
    /* a few datagrams per round each way, so both directions interleave */
    for (int k = 0; k < 4; k++) {
      if (cli.sent < count)
        send_datagram(&cli, now_ns());
      if (srv.sent < count)
        send_datagram(&srv, now_ns());
    }
    if (cli.got == count && srv.got == count) {
      ending = 1; /* the user ends the session */
      (void)ncgt_conn_close(cli.c, NCGT_CLOSE_END_SESSION, now_ns());
    }
  }

  int rc = failed;
  if (!rc && (cli.got != count || srv.got != count)) {
    fprintf(stderr, "tunnel-pair: %u/%u and %u/%u datagrams arrived\n",
            srv.got, count, cli.got, count);
    rc = 1;
  }
  if (!rc && (check_closed(&cli, 0) || check_closed(&srv, 1)))
    rc = 1;
  if (!rc) {
    ncgt_conn_stats a, b;
    ncgt_conn_get_stats(cli.c, &a);
    ncgt_conn_get_stats(srv.c, &b);
    printf("tunnel-pair: %u datagrams each way intact over %s; "
           "%llu / %llu transport bytes\n",
           count, ncgt_transform_name(cli.transform),
           (unsigned long long)a.bytes_sent, (unsigned long long)b.bytes_sent);
  }
  ncgt_conn_del(cli.c);
  ncgt_conn_del(srv.c);
  ncgt_server_del(server);
  for (int i = 0; i < 2; i++) {
    if (ends[i]->fd >= 0)
      close(ends[i]->fd);
    free(ends[i]->q);
  }
  return rc;
}
