/*
 * lwip-pktdrv: an unmodified lwIP stack (Debian's liblwip, used as
 * packaged) whose only network interface is the packet-driver shim
 * (doc/pktdrv.md). The shim's policy decides, per destination, whether
 * lwIP's traffic goes through the tunnel or straight to the real network
 * through the AF_PACKET lower driver.
 *
 *   lwip-pktdrv -i IFACE -a ADDR/PLEN [-g GW] [-c POLICY.ini]
 *               [-C CLIENT.conf] [-f HOST:PORT [-s TEXT]]...
 *               [-u HOST:PORT]... [-l SECONDS]
 *
 * -u sends one UDP datagram ("probe") to HOST:PORT after the fetches.
 * -C opens the tunnel with an ncg-client configuration file (user, keys,
 * path, [hosts]); its TCP transport uses the host's own sockets, so the
 * host needs an address of its own on the real network (not the one lwIP
 * owns). The fetches start once the tunnel is authorized (or after 15 s).
 *
 * -f connects to HOST:PORT with lwIP's TCP, sends TEXT (-s, given before
 * the -f it applies to) and copies what the peer sends until it closes to
 * stdout. -l keeps the stack running (it answers ARP and ping) for that
 * long afterwards. On exit the driver's and the shim's counters go to
 * stderr as "stat NAME=VALUE" lines, for tests.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lwip/api.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/tcpip.h>

#include "pd_link_adapter.h"
#include "pd_lower_packet.h"
#include "pd_netif.h"
#include "pd_shim.h"
#include "pd_tunnel.h"

enum { MAX_FETCH = 8 };

typedef struct fetch {
  const char *host;
  uint16_t port;
  const char *send;
} fetch;

typedef struct opts {
  const char *ifname, *addr, *gw, *policy, *client_conf;
  fetch f[MAX_FETCH];
  int nfetch;
  fetch probe[MAX_FETCH]; /* -u */
  int nprobe;
  int linger;
} opts;

/* "HOST:PORT" into a fetch slot. */
static int parse_hostport(char *arg, fetch *f, const char *send) {
  char *colon = strrchr(arg, ':');
  if (!colon)
    return -1;
  *colon = '\0';
  f->host = arg;
  f->port = (uint16_t)atoi(colon + 1);
  f->send = send;
  return 0;
}

typedef struct host {
  pthread_mutex_t lock; /* every packet-driver / shim / tunnel call */
  pdrv_packet *lower;
  pdrv_shim *shim;
  pdrv_adlink *adl;
  pd_tunnel *tunnel; /* NULL without -C */
  volatile int stop;
} host;

static void usage(void) {
  fprintf(stderr, "usage: lwip-pktdrv -i IFACE -a ADDR/PLEN [-g GW] "
                  "[-c POLICY.ini] [-C CLIENT.conf] [-s TEXT] "
                  "[-f HOST:PORT]... [-u HOST:PORT]... [-l SECONDS]\n");
  exit(2);
}

static int parse_opts(int argc, char **argv, opts *o) {
  const char *send = NULL;
  int c;
  while ((c = getopt(argc, argv, "i:a:g:c:C:f:s:u:l:")) != -1) {
    switch (c) {
    case 'i': o->ifname = optarg; break;
    case 'a': o->addr = optarg; break;
    case 'g': o->gw = optarg; break;
    case 'c': o->policy = optarg; break;
    case 'C': o->client_conf = optarg; break;
    case 's': send = optarg; break;
    case 'l': o->linger = atoi(optarg); break;
    case 'f':
      if (o->nfetch == MAX_FETCH ||
          parse_hostport(optarg, &o->f[o->nfetch++], send) != 0)
        usage();
      break;
    case 'u':
      if (o->nprobe == MAX_FETCH ||
          parse_hostport(optarg, &o->probe[o->nprobe++], NULL) != 0)
        usage();
      break;
    default: usage();
    }
  }
  if (!o->ifname || !o->addr)
    usage();
  return 0;
}

/* The host's "interrupt": frames from the lower driver go up through the
 * shim to the packet driver and lwIP's receiver; the tunnel's transport
 * and timers run here too. Waits unlocked, works locked. */
static void *rx_thread(void *arg) {
  host *h = arg;
  static uint8_t buf[PDRV_FRAME_MAX + 64];
  struct pollfd pfd[2] = {
      {.fd = pdrv_packet_fd(h->lower), .events = POLLIN},
      {.fd = h->tunnel ? pd_tunnel_fd(h->tunnel) : -1, .events = POLLIN},
  };
  while (!h->stop) {
    int timeout = h->tunnel ? pd_tunnel_timeout_ms(h->tunnel) : 100;
    if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
      break;
    pthread_mutex_lock(&h->lock);
    ssize_t n;
    while ((n = pdrv_packet_recv(h->lower, buf, sizeof(buf))) > 0)
      (void)pdrv_shim_from_lower(h->shim, buf, (size_t)n);
    if (h->tunnel)
      pd_tunnel_dispatch(h->tunnel);
    pthread_mutex_unlock(&h->lock);
  }
  return NULL;
}

/* Waits (at most `secs`) for the tunnel to be authorized. */
static int wait_tunnel(host *h, int secs) {
  for (int i = 0; i < secs * 10; i++) {
    pthread_mutex_lock(&h->lock);
    int up = pd_tunnel_up(h->tunnel);
    pthread_mutex_unlock(&h->lock);
    if (up)
      return 0;
    usleep(100 * 1000);
  }
  return -1;
}

static int do_fetch(const fetch *f) {
  ip_addr_t addr;
  if (!ipaddr_aton(f->host, &addr)) {
    fprintf(stderr, "bad address %s\n", f->host);
    return -1;
  }
  struct netconn *c = netconn_new(NETCONN_TCP);
  if (!c)
    return -1;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  netconn_set_recvtimeout(c, 10000);
  size_t total = 0;
  err_t err = netconn_connect(c, &addr, f->port);
  if (err == ERR_OK && f->send)
    err = netconn_write(c, f->send, strlen(f->send), NETCONN_COPY);
  while (err == ERR_OK) {
    struct pbuf *p = NULL;
    err = netconn_recv_tcp_pbuf(c, &p);
    if (err != ERR_OK)
      break;
    for (struct pbuf *q = p; q; q = q->next)
      fwrite(q->payload, 1, q->len, stdout);
    total += p->tot_len;
    pbuf_free(p);
  }
  fflush(stdout);
  netconn_close(c);
  netconn_delete(c);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  fprintf(stderr, "fetch %s:%u bytes=%zu end=%d seconds=%.3f kbytes_per_s=%.0f\n",
          f->host, f->port, total, (int)err, secs,
          secs > 0 ? (double)total / 1024.0 / secs : 0.0);
  return (err == ERR_CLSD && total > 0) ? 0 : -1;
}

/* One UDP datagram with lwIP's netconn API (it may well be refused by the
 * shim: the point is where it goes). */
static void do_probe(const fetch *f) {
  ip_addr_t addr;
  struct netconn *c = netconn_new(NETCONN_UDP);
  struct netbuf *nb = netbuf_new();
  if (c && nb && ipaddr_aton(f->host, &addr) &&
      netbuf_ref(nb, "probe", 5) == ERR_OK) {
    err_t err = netconn_sendto(c, nb, &addr, f->port);
    fprintf(stderr, "probe %s:%u err=%d\n", f->host, f->port, (int)err);
  }
  if (nb)
    netbuf_delete(nb);
  if (c)
    netconn_delete(c);
}

static void print_stats(host *h, const pd_netif *pn) {
  pdrv_stats ps;
  pdrv_shim_stats ss;
  pthread_mutex_lock(&h->lock);
  pdrv_shim_get_stats(h->shim, &ss);
  (void)pdrv_get_statistics(pdrv_shim_driver(h->shim), pn->h_ip, &ps);
  pthread_mutex_unlock(&h->lock);
  fprintf(stderr,
          "stat packets_in=%u packets_out=%u packets_lost=%u "
          "errors_out=%u\n",
          ps.packets_in, ps.packets_out, ps.packets_lost, ps.errors_out);
  fprintf(stderr,
          "stat out_protected=%llu out_bypass=%llu out_policy_drop=%llu "
          "out_tunnel_down=%llu in_lower=%llu in_spoofed=%llu "
          "in_tunnel=%llu in_tunnel_spoofed=%llu\n",
          (unsigned long long)ss.out_protected,
          (unsigned long long)ss.out_bypass,
          (unsigned long long)ss.out_policy_drop,
          (unsigned long long)ss.out_tunnel_down,
          (unsigned long long)ss.in_lower, (unsigned long long)ss.in_spoofed,
          (unsigned long long)ss.in_tunnel,
          (unsigned long long)ss.in_tunnel_spoofed);
}

static int parse_cidr(const char *s, ip4_addr_t *a, ip4_addr_t *mask) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%s", s);
  char *slash = strchr(buf, '/');
  int plen = 24;
  if (slash) {
    *slash = '\0';
    plen = atoi(slash + 1);
  }
  if (!ip4addr_aton(buf, a) || plen < 0 || plen > 32)
    return -1;
  ip4_addr_set_u32(mask, lwip_htonl(plen ? 0xffffffffu << (32 - plen) : 0));
  return 0;
}

static void tcpip_ready(void *arg) { sys_sem_signal((sys_sem_t *)arg); }

int main(int argc, char **argv) {
  opts o = {0};
  host h = {.lock = PTHREAD_MUTEX_INITIALIZER};
  char err[160];
  parse_opts(argc, argv, &o);

  pdrv_config cfg;
  pdrv_config_init(&cfg);
  if (o.policy && pdrv_config_load(&cfg, o.policy, err, sizeof(err))) {
    fprintf(stderr, "%s: %s\n", o.policy, err);
    return 1;
  }
  if (pdrv_packet_open(&h.lower, o.ifname, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  uint8_t mac[PDRV_ADDR_LEN];
  pdrv_packet_mac(h.lower, mac);
  pdrv_lower lower = pdrv_packet_lower(h.lower);
  if (pdrv_shim_new(&h.shim, &cfg, &lower, mac, "NCGTUN shim") != 0 ||
      pdrv_adlink_new(&h.adl, h.shim, cfg.tunnel_mac, mac, 0) != 0)
    return 1;
  if (o.client_conf && pd_tunnel_open(&h.tunnel, o.client_conf, h.shim,
                                      h.adl, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }

  ip4_addr_t ip, mask, gw;
  if (parse_cidr(o.addr, &ip, &mask) != 0 ||
      !ip4addr_aton(o.gw ? o.gw : "0.0.0.0", &gw))
    usage();

  sys_sem_t ready;
  sys_sem_new(&ready, 0);
  tcpip_init(tcpip_ready, &ready);
  sys_sem_wait(&ready);
  sys_sem_free(&ready);

  static struct netif netif;
  static pd_netif pn;
  pn.pd = pdrv_shim_driver(h.shim);
  pn.lock = &h.lock;
  LOCK_TCPIP_CORE();
  struct netif *ok =
      netif_add(&netif, &ip, &mask, &gw, &pn, pd_netif_init, tcpip_input);
  if (ok) {
    netif_set_default(&netif);
    netif_set_up(&netif);
  }
  UNLOCK_TCPIP_CORE();
  if (!ok) {
    fprintf(stderr, "netif_add failed (packet driver refused)\n");
    return 1;
  }

  pthread_t rx;
  pthread_create(&rx, NULL, rx_thread, &h);
  int rc = 0;
  if (h.tunnel && wait_tunnel(&h, 15) != 0)
    fprintf(stderr, "tunnel not authorized after 15 s\n");
  else if (h.tunnel)
    fprintf(stderr, "tunnel authorized\n");
  for (int i = 0; i < o.nfetch; i++)
    if (do_fetch(&o.f[i]) != 0)
      rc = 1;
  for (int i = 0; i < o.nprobe; i++)
    do_probe(&o.probe[i]);
  if (o.linger > 0)
    sleep((unsigned)o.linger);
  print_stats(&h, &pn);
  h.stop = 1;
  pthread_join(rx, NULL);
  /* The tcpip thread keeps running until exit: lwIP has no shutdown. */
  pd_netif_release(&pn);
  pd_tunnel_close(h.tunnel);
  pdrv_adlink_del(h.adl);
  return rc;
}
