/*
 * ncg_fwd: a data-path prototype for the benchmarks (issue 9), NOT a VPN.
 *
 * It moves Ethernet frames between a TAP device and a TCP connection as
 * libncgtun DATA frames (patent Fig. 9: ncgt_data_seal / ncgt_fdec_feed /
 * ncgt_data_open), with none of the control plane: no handshake, no
 * adapter emulators, both directions keyed from a fixed benchmark key.
 * Its purpose is to measure, before and beside the real programs, what
 * each data-path technique issue 9 lists is worth:
 *
 *   -b N   batching: up to N TAP reads per wakeup, sealed back to back
 *          into one buffer and sent with one write (N = 1: one read, one
 *          write per datagram, the naive loop)
 *   -g     TAP offloads: IFF_VNET_HDR + TUNSETOFFLOAD(CSUM|TSO4|TSO6), so
 *          the kernel hands over and accepts whole TCP segments of up to
 *          ~64 KB; the 10-byte virtio header travels in front of the
 *          datagram (a prototype encoding, not the protocol)
 *   -p     seal in place (the datagram is read where the frame body goes)
 *   -C     drive the tunnel through ncgt_conn (a real handshake), see
 *          ncg_fwd_conn.c
 *   -w     with -b: still one write per frame (isolates write coalescing)
 *
 * The Ethernet header is stripped on send and rebuilt on receive as the
 * adapter module does; the TAP runs with ARP off (the real adapter answers
 * ARP itself). Single-threaded epoll loop, like the real programs.
 *
 *   ncg_fwd -i TAP -a MAC (-l ADDR:PORT | -c ADDR:PORT) [-t aes|chacha]
 *           [-b N] [-g] [-p] [-w] [-s]      -s: this side is the "server"
 *   ncg_fwd -r -l ADDR:PORT -c ADDR:PORT     byte relay (Fig. 13 forward)
 *   ncg_fwd -S -l ADDR:PORT -c ADDR:PORT     the same with splice(2)
 *   ncg_fwd -F -l ADDR:PORT -c ADDR:PORT     one write per frame
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ncgtun/frame.h>
#include <ncgtun/ncgtun.h>

#include "ncgt_transform.h"

#include "ncg_fwd.h"

void fail(const char *what) {
  perror(what);
  exit(1);
}

void check(int rv, const char *what) {
  if (rv < 0) {
    fprintf(stderr, "ncg_fwd: %s: %s\n", what, ncgt_strerror(rv));
    exit(1);
  }
}

static void parse_addr(const char *s, struct sockaddr_in *sa) {
  char host[64];
  const char *colon = strrchr(s, ':');
  if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
    fail("address must be A.B.C.D:PORT");
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = '\0';
  memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
    fail("inet_pton");
}

int tcp_listen_accept(const char *addr) {
  struct sockaddr_in sa;
  int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  parse_addr(addr, &sa);
  if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
      bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 4))
    fail("listen");
  int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0)
    fail("accept");
  close(s);
  return c;
}

int tcp_connect(const char *addr) {
  struct sockaddr_in sa;
  parse_addr(addr, &sa);
  for (int tries = 0; tries < 100; tries++) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
      fail("socket");
    if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
      return s;
    close(s);
    usleep(50000);
  }
  fail("connect");
  return -1;
}

static int tap_open(const char *name, const uint8_t mac[6], int vnet) {
  struct ifreq ifr;
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    fail("/dev/net/tun");
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0)
    fail("TUNSETIFF");
  if (vnet) {
    int sz = VNET_HLEN;
    if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0 ||
        ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0)
      fail("TUNSETOFFLOAD");
  }
  memset(&ifr.ifr_hwaddr, 0, sizeof(ifr.ifr_hwaddr));
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
  if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0)
    fail("SIOCSIFHWADDR");
  return fd;
}

static void parse_mac(const char *s, uint8_t mac[6]) {
  unsigned v[6];
  if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
             &v[5]) != 6)
    fail("MAC must be xx:xx:xx:xx:xx:xx");
  for (int i = 0; i < 6; i++)
    mac[i] = (uint8_t)v[i];
}

void ep_set(fwd *f, int fd, uint32_t events, int op) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  if (epoll_ctl(f->ep, op, fd, &ev) < 0)
    fail("epoll_ctl");
}

/* Writes what is queued; 1 when all of it went, 0 when the socket is full. */
int flush_sock(fwd *f) {
  while (f->soff < f->slen) {
    ssize_t n = write(f->sock, f->sbuf + f->soff, f->slen - f->soff);
    if (n < 0 && errno == EAGAIN)
      return 0;
    if (n <= 0)
      fail("write(socket)");
    f->soff += (size_t)n;
  }
  f->soff = f->slen = 0;
  return 1;
}

static int proto_of(const uint8_t *eth) {
  uint16_t type = (uint16_t)(eth[12] << 8 | eth[13]);
  return type == 0x0800 ? NCGT_DATA_PROTO_IPV4
         : type == 0x86dd ? NCGT_DATA_PROTO_IPV6 : -1;
}

/* One TAP read: the datagram lands at `base` (the Ethernet header before
 * it is stripped; with -g the virtio header is moved next to the IP packet
 * it describes, so the datagram is virtio header + IP packet). Returns the
 * datagram length, 0 when the TAP had nothing, -1 when the frame was
 * dropped (not IP, too large). */
ssize_t tap_read_dg(fwd *f, uint8_t *base, uint8_t *proto) {
  uint8_t *rd = base - ETH_HLEN_;
  ssize_t n = read(f->tap, rd, ETH_HLEN_ + MAX_DG + 1);
  if (n < 0) {
    if (errno == EAGAIN)
      return 0;
    fail("read(tap)");
  }
  size_t hl = ETH_HLEN_ + (f->vnet ? VNET_HLEN : 0);
  int p = (size_t)n > hl ? proto_of(rd + (f->vnet ? VNET_HLEN : 0)) : -1;
  if (p < 0 || (size_t)n - ETH_HLEN_ > MAX_DG) {
    f->dropped++;
    return -1;
  }
  if (f->vnet)
    memmove(base, rd, VNET_HLEN);
  *proto = (uint8_t)p;
  return n - ETH_HLEN_;
}

/* One TAP read sealed into the send buffer, read where the frame body
 * goes (-p: sealed in place, no copy) or into a scratch buffer. Returns 0
 * when the TAP had nothing, else 1. */
static int tap_to_frame(fwd *f) {
  uint8_t *frame = f->sbuf + f->slen;
  uint8_t *base = f->inplace ? frame + FRAME_OVERHEAD : f->tbuf + ETH_HLEN_;
  uint8_t proto;
  ssize_t n = tap_read_dg(f, base, &proto);
  if (n <= 0)
    return n < 0;
  ssize_t len = ncgt_data_seal(&f->tx, 0, proto, base, (size_t)n, 0, frame,
                               SBUF_LEN - f->slen);
  check((int)(len < 0 ? len : 0), "ncgt_data_seal");
  f->slen += (size_t)len;
  f->dgs_out++;
  return 1;
}

void pause_tap(fwd *f, int pause) {
  if (f->tap_paused == pause)
    return;
  f->tap_paused = pause;
  ep_set(f, f->tap, pause ? 0 : EPOLLIN, EPOLL_CTL_MOD);
  ep_set(f, f->sock, pause ? EPOLLIN | EPOLLOUT : EPOLLIN, EPOLL_CTL_MOD);
}

/* Up to f->batch datagrams per wakeup, then one write for all of them. */
static void on_tap(fwd *f) {
  for (int i = 0; i < f->batch; i++) {
    if (SBUF_LEN - f->slen < FRAME_OVERHEAD + MAX_DG + 1)
      break;
    if (!tap_to_frame(f))
      break;
    if (f->write_each && !flush_sock(f))
      break;
  }
  pause_tap(f, !flush_sock(f));
}

/* Writes one datagram to the TAP behind a rebuilt Ethernet header (and,
 * with -g, the virtio header that travels in front of it). */
void tap_write_dg(fwd *f, uint8_t proto, const uint8_t *dg, size_t len) {
  uint8_t eth[ETH_HLEN_];
  memcpy(eth, f->mac, 6);
  memcpy(eth + 6, f->peer_mac, 6);
  eth[12] = proto == NCGT_DATA_PROTO_IPV6 ? 0x86 : 0x08;
  eth[13] = proto == NCGT_DATA_PROTO_IPV6 ? 0xdd : 0x00;
  struct iovec iov[3];
  int k = 0;
  size_t vh = f->vnet ? VNET_HLEN : 0;
  if (len <= vh) {
    f->dropped++;
    return;
  }
  if (vh)
    iov[k++] = (struct iovec){.iov_base = (void *)dg, .iov_len = vh};
  iov[k++] = (struct iovec){.iov_base = eth, .iov_len = ETH_HLEN_};
  iov[k++] = (struct iovec){.iov_base = (void *)(dg + vh), .iov_len = len - vh};
  if (writev(f->tap, iov, k) < 0)
    f->dropped++;
  else
    f->dgs_in++;
}

static void deliver(fwd *f, const uint8_t *frame, size_t len) {
  ncgt_frame_data fd;
  check(ncgt_data_decode(&fd, frame, len), "ncgt_data_decode");
  check(ncgt_data_open(&f->rx, frame, &fd, f->obuf, MAX_DG + 256),
        "ncgt_data_open");
  if (fd.dglen != 0)
    tap_write_dg(f, fd.proto, f->obuf, fd.dglen);
}

static void on_sock(fwd *f) {
  ssize_t n = read(f->sock, f->rbuf, RBUF_LEN);
  if (n < 0 && errno == EAGAIN)
    return;
  if (n <= 0) {
    fprintf(stderr, "ncg_fwd: peer closed\n");
    exit(0);
  }
  size_t off = 0;
  while (off < (size_t)n) {
    const uint8_t *frame;
    size_t flen;
    ssize_t used = ncgt_fdec_feed(f->dec, f->rbuf + off, (size_t)n - off,
                                  &frame, &flen);
    check((int)(used < 0 ? used : 0), "ncgt_fdec_feed");
    off += (size_t)used;
    if (frame != NULL)
      deliver(f, frame, flen);
  }
}

static int usage(void) {
  fprintf(stderr, "usage: see the comment at the top of tests/bench/ncg_fwd.c\n");
  return 2;
}

volatile sig_atomic_t stop;
static void on_signal(int sig) { stop = sig; }

static void run_endpoint(fwd *f) {
  struct epoll_event evs[4];
  f->ep = epoll_create1(EPOLL_CLOEXEC);
  if (f->ep < 0)
    fail("epoll_create1");
  ep_set(f, f->tap, EPOLLIN, EPOLL_CTL_ADD);
  ep_set(f, f->sock, EPOLLIN, EPOLL_CTL_ADD);
  while (!stop) {
    int n = epoll_wait(f->ep, evs, 4, -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      fail("epoll_wait");
    for (int i = 0; i < n; i++) {
      if (evs[i].data.fd == f->sock && (evs[i].events & EPOLLOUT))
        pause_tap(f, !flush_sock(f));
      if (evs[i].data.fd == f->sock && (evs[i].events & (EPOLLIN | EPOLLHUP)))
        on_sock(f);
      if (evs[i].data.fd == f->tap && !f->tap_paused)
        on_tap(f);
    }
  }
  fprintf(stderr, "ncg_fwd: %llu datagrams out, %llu in, %llu dropped\n",
          f->dgs_out, f->dgs_in, f->dropped);
}

/* Moves what `from` has to `to` through a pipe without copying it into
 * user space (splice(2)). Returns 0 when `from` closed. */
static int splice_once(int from, int to, const int pfd[2]) {
  ssize_t n = splice(from, NULL, pfd[1], NULL, 1 << 20,
                     SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  if (n < 0 && errno == EAGAIN)
    return 1;
  if (n <= 0)
    return 0;
  while (n > 0) {
    ssize_t k = splice(pfd[0], NULL, to, NULL, (size_t)n, SPLICE_F_MOVE);
    if (k <= 0)
      fail("splice");
    n -= k;
  }
  return 1;
}

enum { RELAY_COPY = 1, RELAY_SPLICE = 2, RELAY_PER_FRAME = 3 };

static void write_all(int fd, const uint8_t *p, size_t len) {
  while (len > 0) {
    ssize_t k = write(fd, p, len);
    if (k <= 0)
      fail("relay write");
    p += k;
    len -= (size_t)k;
  }
}

/* What a relay that forwards frame by frame does (ncgt_rsess_recv calls
 * its send callback once per frame): one write per frame. */
static void write_frames(ncgt_fdec *dec, int to, const uint8_t *data,
                         size_t len) {
  while (len > 0) {
    const uint8_t *frame;
    size_t flen;
    ssize_t used = ncgt_fdec_feed(dec, data, len, &frame, &flen);
    check((int)(used < 0 ? used : 0), "ncgt_fdec_feed");
    data += used;
    len -= (size_t)used;
    if (frame != NULL)
      write_all(to, frame, flen);
  }
}

/* Relay (Fig. 13 Forward state): bytes both ways, unread. Blocking
 * writes are safe here because both endpoints always keep reading.
 * mode: RELAY_COPY read + write of whatever arrived; RELAY_SPLICE
 * splice(2) through a pipe; RELAY_PER_FRAME one write per frame. */
static void run_relay(const char *listen_addr, const char *next_hop,
                      int mode) {
  int use_splice = mode == RELAY_SPLICE;
  ncgt_fdec *dec[2];
  check(ncgt_fdec_new(&dec[0], NCGT_FRAME_MAX_DEFAULT), "ncgt_fdec_new");
  check(ncgt_fdec_new(&dec[1], NCGT_FRAME_MAX_DEFAULT), "ncgt_fdec_new");
  int in = tcp_listen_accept(listen_addr), out = tcp_connect(next_hop);
  int one = 1;
  setsockopt(in, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  uint8_t *buf = malloc(RBUF_LEN);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = in}, evs[2];
  if (buf == NULL || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev) < 0)
    fail("relay setup");
  ev.data.fd = out;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, out, &ev) < 0)
    fail("epoll_ctl");
  int pin[2], pout[2];
  if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0)
    fail("pipe2");
  fcntl(pin[1], F_SETPIPE_SZ, 1 << 20);
  fcntl(pout[1], F_SETPIPE_SZ, 1 << 20);
  while (!stop) {
    int n = epoll_wait(ep, evs, 2, -1);
    for (int i = 0; i < n; i++) {
      int from = evs[i].data.fd, to = from == in ? out : in;
      if (use_splice) {
        if (!splice_once(from, to, from == in ? pin : pout))
          exit(0);
        continue;
      }
      ssize_t r = read(from, buf, RBUF_LEN);
      if (r <= 0)
        exit(0);
      if (mode == RELAY_PER_FRAME) {
        write_frames(dec[from == in], to, buf, (size_t)r);
        continue;
      }
      write_all(to, buf, (size_t)r);
    }
  }
  free(buf);
  ncgt_fdec_del(dec[0]);
  ncgt_fdec_del(dec[1]);
}

static void set_keys(fwd *f, unsigned tf, int server) {
  /* Benchmark-only fixed keys: this program never carries real traffic. */
  uint8_t k1[NCGT_KEY_BYTES], k2[NCGT_KEY_BYTES];
  for (int i = 0; i < NCGT_KEY_BYTES; i++) {
    k1[i] = (uint8_t)(0x11 * i + 1);
    k2[i] = (uint8_t)(0x23 * i + 7);
  }
  check(ncgt_dirkey_set(&f->tx, tf, server ? k2 : k1), "ncgt_dirkey_set");
  check(ncgt_dirkey_set(&f->rx, tf, server ? k1 : k2), "ncgt_dirkey_set");
}

int main(int argc, char **argv) {
  const char *tap = NULL, *lis = NULL, *con = NULL, *mac = "02:00:00:00:00:01";
  unsigned tf = NCGT_TRANSFORM_AES256GCM;
  int server = 0, relay = 0, use_conn = 0, opt;
  fwd f;
  memset(&f, 0, sizeof(f));
  f.batch = 1;
  while ((opt = getopt(argc, argv, "i:a:l:c:t:b:gpwsrSFC")) != -1) {
    switch (opt) {
    case 'i': tap = optarg; break;
    case 'a': mac = optarg; break;
    case 'l': lis = optarg; break;
    case 'c': con = optarg; break;
    case 't': tf = strcmp(optarg, "chacha") == 0
                       ? NCGT_TRANSFORM_CHACHA20POLY1305
                       : NCGT_TRANSFORM_AES256GCM; break;
    case 'b': f.batch = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
    case 'g': f.vnet = 1; break;
    case 'p': f.inplace = 1; break;
    case 'w': f.write_each = 1; break;
    case 'C': use_conn = 1; break;
    case 's': server = 1; break;
    case 'r': relay = RELAY_COPY; break;
    case 'S': relay = RELAY_SPLICE; break;
    case 'F': relay = RELAY_PER_FRAME; break;
    default: return usage();
    }
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  if (relay) {
    if (lis == NULL || con == NULL)
      return usage();
    run_relay(lis, con, relay);
    return 0;
  }
  if (tap == NULL || (lis == NULL) == (con == NULL))
    return usage();
  parse_mac(mac, f.mac);
  memcpy(f.peer_mac, f.mac, 6);
  f.peer_mac[5] ^= 0x80; /* any unicast address other than ours */
  f.tap = tap_open(tap, f.mac, f.vnet);
  set_keys(&f, tf, server);
  check(ncgt_fdec_new(&f.dec, NCGT_FRAME_MAX_DEFAULT), "ncgt_fdec_new");
  f.sbuf = malloc(SBUF_LEN);
  f.rbuf = malloc(RBUF_LEN);
  f.obuf = malloc(MAX_DG + 256);
  f.tbuf = malloc(ETH_HLEN_ + MAX_DG + 16);
  if (!f.sbuf || !f.rbuf || !f.obuf || !f.tbuf)
    fail("malloc");
  if (use_conn) {
    run_conn_endpoint(&f, lis, con, tf);
    goto out;
  }
  f.sock = lis ? tcp_listen_accept(lis) : tcp_connect(con);
  int one = 1;
  setsockopt(f.sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (fcntl(f.sock, F_SETFL, O_NONBLOCK) < 0)
    fail("fcntl");
  run_endpoint(&f);
out:
  ncgt_fdec_del(f.dec);
  ncgt_dirkey_clear(&f.tx);
  ncgt_dirkey_clear(&f.rx);
  free(f.sbuf); free(f.rbuf); free(f.obuf); free(f.tbuf);
  return 0;
}
