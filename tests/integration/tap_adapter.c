/*
 * Integration helper: the pseudo network adapter, client role, on a real
 * TAP device, with fixed client data and no tunnel (datagrams for the
 * tunnel are counted and dropped). Used by dhcp_clients.sh inside a
 * network namespace to show that unmodified DHCP clients configure the
 * interface from the emulators' answers.
 *
 *   tap_adapter IFNAME SECONDS PCAP [server]
 *
 * With "server", the adapter takes the server role instead (the TAP is the
 * server's own, 10.77.0.1/24, assigned by the script): every 500 ms it
 * injects, as if out of the tunnel given 10.77.0.2, an ICMP echo request
 * from 10.77.0.2 and a spoofed one from 10.77.0.3, and counts the echo
 * replies the kernel sends back into the tunnel.
 *
 * Creates IFNAME (TAP, no packet info), brings it up, answers for SECONDS
 * or until SIGTERM/SIGINT, records every frame in both directions in PCAP
 * (classic libpcap format, Ethernet), then prints the adapter's counters
 * as name=value lines on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ncgtun/adapter.h>

#define IP4(a, b, c, d)                                                        \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

typedef struct host {
  int fd;
  FILE *pcap;
  unsigned long tunnel_dgrams;
  unsigned long echo_replies[2]; /* to 10.77.0.2, to 10.77.0.3 */
} host;

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void pcap_u32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }
static void pcap_u16(FILE *f, uint16_t v) { fwrite(&v, 2, 1, f); }

static void pcap_open(host *h, const char *path) {
  h->pcap = fopen(path, "wb");
  if (!h->pcap) {
    perror(path);
    exit(1);
  }
  pcap_u32(h->pcap, 0xA1B2C3D4u); /* native byte order, microseconds */
  pcap_u16(h->pcap, 2);
  pcap_u16(h->pcap, 4);
  pcap_u32(h->pcap, 0);
  pcap_u32(h->pcap, 0);
  pcap_u32(h->pcap, 65535);
  pcap_u32(h->pcap, 1); /* LINKTYPE_ETHERNET */
}

static void pcap_frame(host *h, const uint8_t *f, size_t len) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  pcap_u32(h->pcap, (uint32_t)ts.tv_sec);
  pcap_u32(h->pcap, (uint32_t)(ts.tv_nsec / 1000));
  pcap_u32(h->pcap, (uint32_t)len);
  pcap_u32(h->pcap, (uint32_t)len);
  fwrite(f, 1, len, h->pcap);
  fflush(h->pcap);
}

static int to_stack(const uint8_t *frame, size_t len, void *user_data) {
  host *h = user_data;
  pcap_frame(h, frame, len);
  return write(h->fd, frame, len) == (ssize_t)len ? 0 : -1;
}

static int to_tunnel(uint8_t proto, const uint8_t *dg, size_t len,
                     void *user_data) {
  host *h = user_data;
  h->tunnel_dgrams++; /* no tunnel in this test */
  /* server role: an ICMP echo reply (type 0) to one of our two senders */
  if (proto == 4 && len >= 28 && dg[9] == 1 && dg[20] == 0 &&
      dg[16] == 10 && dg[17] == 77 && dg[18] == 0 &&
      (dg[19] == 2 || dg[19] == 3))
    h->echo_replies[dg[19] - 2]++;
  return 0;
}

static void log_cb(ncgt_log_level level, const char *msg, void *user_data) {
  (void)user_data;
  fprintf(stderr, "[%d] %s\n", (int)level, msg);
}

static int tap_open(const char *name) {
  struct ifreq ifr;
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return -1;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    close(fd);
    return -1;
  }
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
    close(fd);
    return -1;
  }
  ifr.ifr_flags |= IFF_UP;
  int rv = ioctl(s, SIOCSIFFLAGS, &ifr);
  close(s);
  if (rv < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Client data as the server would send it (Fig. 23). */
static void install_client_data(ncgt_adapter *ad) {
  ncgt_client_config cc;
  uint8_t buf[NCGT_CC_ENCODED_MAX];
  memset(&cc, 0, sizeof cc);
  cc.client_addr = IP4(10, 77, 0, 2);
  cc.prefix_len = 24;
  cc.server_addr = IP4(10, 77, 0, 1);
  cc.mtu = 1400;
  cc.lease_s = 600;
  cc.ndns = 1;
  cc.dns[0] = IP4(10, 88, 0, 53);
  memcpy(cc.domain, "corp.example", 12);
  cc.domain_len = 12;
  cc.nroutes = 2;
  cc.routes[0] = (ncgt_route4){IP4(10, 88, 0, 0), 16, IP4(10, 77, 0, 1)};
  cc.routes[1] = (ncgt_route4){IP4(192, 168, 77, 0), 24, IP4(10, 77, 0, 1)};
  ssize_t n = ncgt_client_config_encode(buf, sizeof buf, &cc);
  if (n < 0 || ncgt_adapter_set_client_data(ad, buf, (size_t)n) != 0) {
    fprintf(stderr, "client data: %s\n", ncgt_strerror((int)n));
    exit(1);
  }
}

static uint16_t csum(const uint8_t *p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i < n; i++)
    s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
  while (s >> 16)
    s = (s & 0xFFFF) + (s >> 16);
  return (uint16_t)~s;
}

/* An ICMP echo request 10.77.0.<src> -> 10.77.0.1 out of the tunnel that
 * was given 10.77.0.2. */
static void inject_echo(ncgt_adapter *ad, uint8_t src, uint16_t seq) {
  uint8_t dg[20 + 8 + 32] = {0x45, 0, 0, sizeof dg, 0, 0, 0x40, 0, 64, 1};
  dg[12] = 10, dg[13] = 77, dg[14] = 0, dg[15] = src;
  dg[16] = 10, dg[17] = 77, dg[18] = 0, dg[19] = 1;
  uint16_t c = csum(dg, 20);
  dg[10] = (uint8_t)(c >> 8), dg[11] = (uint8_t)c;
  uint8_t *icmp = dg + 20;
  icmp[0] = 8;
  icmp[4] = 0x4E, icmp[5] = src;
  icmp[6] = (uint8_t)(seq >> 8), icmp[7] = (uint8_t)seq;
  for (size_t i = 8; i < 40; i++)
    icmp[i] = (uint8_t)i;
  c = csum(icmp, 40);
  icmp[2] = (uint8_t)(c >> 8), icmp[3] = (uint8_t)c;
  if (ncgt_adapter_from_tunnel(ad, dg, sizeof dg, IP4(10, 77, 0, 2)) != 0)
    fprintf(stderr, "from_tunnel: callback failure\n");
}

#define STAT(f) printf(#f "=%llu\n", (unsigned long long)st.f)
static void print_stats(const ncgt_adapter *ad, const host *h) {
  ncgt_adapter_stats st;
  ncgt_adapter_get_stats(ad, &st, sizeof st);
  STAT(stack_frames); STAT(to_stack); STAT(to_tunnel);
  STAT(arp_replies); STAT(dhcp_offers); STAT(dhcp_acks); STAT(dhcp_naks);
  STAT(dhcp_inform_acks); STAT(dhcp_releases); STAT(dhcp_declines);
  STAT(drop_arp_probe); STAT(drop_arp_own); STAT(drop_arp_malformed);
  STAT(drop_dhcp_malformed); STAT(drop_dhcp_not_for_us);
  STAT(drop_dhcp_unsupported); STAT(drop_not_unicast); STAT(drop_ethertype);
  STAT(drop_ip_malformed); STAT(drop_callback); STAT(drop_spoofed);
  printf("tunnel_dgrams=%lu\n", h->tunnel_dgrams);
  printf("echo_replies_ok=%lu\necho_replies_spoofed=%lu\n", h->echo_replies[0],
         h->echo_replies[1]);
}

int main(int argc, char **argv) {
  host h = {.fd = -1};
  ncgt_adapter *ad = NULL;
  ncgt_adapter_settings s;
  ncgt_adapter_callbacks cb = {NCGT_ADAPTER_CALLBACKS_VERSION, to_stack,
                               to_tunnel, log_cb, NULL, NULL};
  uint8_t frame[65536];
  int server = argc == 5 && strcmp(argv[4], "server") == 0;
  if (argc != 4 && !server) {
    fprintf(stderr, "usage: %s IFNAME SECONDS PCAP [server]\n", argv[0]);
    return 2;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  h.fd = tap_open(argv[1]);
  if (h.fd < 0) {
    perror("tap");
    return 1;
  }
  pcap_open(&h, argv[3]);
  ncgt_adapter_settings_default(
      &s, server ? NCGT_ADAPTER_SERVER : NCGT_ADAPTER_CLIENT);
  s.mtu = 1400;
  s.server_addr = IP4(10, 77, 0, 1);
  s.server_prefix_len = 24;
  if (ncgt_adapter_new(&ad, &s, &cb, &h) != 0)
    return 1;
  if (!server)
    install_client_data(ad);
  time_t end = time(NULL) + atoi(argv[2]);
  uint16_t seq = 0;
  time_t next_inject = 0;
  while (!stop && time(NULL) < end) {
    struct pollfd p = {.fd = h.fd, .events = POLLIN};
    if (server && time(NULL) >= next_inject) { /* about once a second */
      inject_echo(ad, 2, seq);
      inject_echo(ad, 3, seq++);
      next_inject = time(NULL) + 1;
    }
    if (poll(&p, 1, 200) <= 0)
      continue;
    ssize_t n = read(h.fd, frame, sizeof frame);
    if (n <= 0)
      continue;
    pcap_frame(&h, frame, (size_t)n);
    if (ncgt_adapter_from_stack(ad, frame, (size_t)n) != 0)
      fprintf(stderr, "from_stack: callback failure (%s)\n", strerror(errno));
  }
  print_stats(ad, &h);
  ncgt_adapter_del(ad);
  fclose(h.pcap);
  close(h.fd);
  return 0;
}
