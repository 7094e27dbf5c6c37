/*
 * Integration helper: the pseudo network adapter, client role, on a real
 * TAP device, with fixed client data and no tunnel (datagrams for the
 * tunnel are counted and dropped). Used by dhcp_clients.sh inside a
 * network namespace to show that unmodified DHCP clients configure the
 * interface from the emulators' answers.
 *
 *   tap_adapter IFNAME SECONDS PCAP
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
  (void)proto, (void)dg, (void)len;
  h->tunnel_dgrams++; /* no tunnel in this test */
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
  STAT(drop_ip_malformed); STAT(drop_callback);
  printf("tunnel_dgrams=%lu\n", h->tunnel_dgrams);
}

int main(int argc, char **argv) {
  host h = {.fd = -1};
  ncgt_adapter *ad = NULL;
  ncgt_adapter_settings s;
  ncgt_adapter_callbacks cb = {NCGT_ADAPTER_CALLBACKS_VERSION, to_stack,
                               to_tunnel, log_cb};
  uint8_t frame[65536];
  if (argc != 4) {
    fprintf(stderr, "usage: %s IFNAME SECONDS PCAP\n", argv[0]);
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
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_CLIENT);
  s.mtu = 1400;
  if (ncgt_adapter_new(&ad, &s, &cb, &h) != 0)
    return 1;
  install_client_data(ad);
  time_t end = time(NULL) + atoi(argv[2]);
  while (!stop && time(NULL) < end) {
    struct pollfd p = {.fd = h.fd, .events = POLLIN};
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
