/*
 * ncg-loadgen (issue 17 item 6): N real tunnels over real TCP from one
 * process to a real ncg-server, through the public API and the host
 * library (host/tunnel.c), in one epoll loop. Tunnel i is user PREFIXi
 * (the users file lists them, one shared key pair); tunnels are opened at
 * RATE per second, each sends one ICMP echo a second to ECHO (the
 * server's tunnel address, answered by the server's own stack), and at
 * the end it prints handshake rate and latency percentiles, echo round
 * trips, tunnels lost, and, with -p, the server's CPU time and RSS from
 * /proc. Round trips are sampled once every tunnel is up (steady state).
 * Exit 0 only when every tunnel came up, none was lost and every echo was
 * answered in the end; timings are printed, never judged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <ncgtun/adapter.h>
#include <ncgtun/conn.h>
#include <ncgtun/inet.h>
#include <ncgtun/keys.h>

#include "addr.h"
#include "keytext.h"
#include "log.h"
#include "loop.h"
#include "sys.h"
#include "tunnel.h"

typedef struct lg_tun {
  ncg_tunnel t; /* first: the library's user_data */
  ncg_timer echo_timer;
  struct lg *g;
  uint32_t idx, addr;
  char user[32];
  ncgt_tstamp started, authorized, sent_at;
  uint16_t seq, waiting; /* waiting: seq of the echo in flight + 1 */
  int up, lost;
} lg_tun;

typedef struct lg {
  ncg_loop loop;
  ncgt_conn_callbacks cb;
  ncg_addr server;
  const char *dest;
  uint32_t echo; /* host order */
  lg_tun *v;
  size_t n, opened, up, lost, failed_starts, hs_failed;
  double rate;
  ncgt_tstamp t0, last_up, end;
  uint64_t echoes_sent, echoes_ok, echoes_late, replies_late;
  uint32_t *hs_us, *rtt_us; /* samples */
  size_t nrtt, caprtt;
  int pid;
  int steady; /* every tunnel up: round trips are sampled from here */
} lg;

static ncgt_client_settings lg_settings;

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(uint32_t *v, size_t n, double p) {
  if (n == 0)
    return 0;
  qsort(v, n, sizeof(*v), cmp_u32);
  size_t i = (size_t)(p * (double)(n - 1) + 0.5);
  return v[i] / 1000.0;
}

static void lg_after(ncg_tunnel *t) { (void)t; }

static void send_echo(lg_tun *x, ncgt_tstamp now) {
  uint8_t p[20 + 8 + 16];
  memset(p, 0, sizeof(p));
  p[0] = 0x45;
  p[2] = 0;
  p[3] = sizeof(p);
  p[8] = 64;
  p[9] = 1; /* ICMP */
  uint32_t s = htonl(x->addr), d = htonl(x->g->echo);
  memcpy(p + 12, &s, 4);
  memcpy(p + 16, &d, 4);
  uint16_t c = htons(ncgt_csum_fold(ncgt_csum_add(0, p, 20)));
  memcpy(p + 10, &c, 2);
  uint8_t *ic = p + 20;
  ic[0] = 8; /* echo request */
  ic[4] = (uint8_t)(x->idx >> 8);
  ic[5] = (uint8_t)x->idx;
  x->seq++;
  ic[6] = (uint8_t)(x->seq >> 8);
  ic[7] = (uint8_t)x->seq;
  memcpy(ic + 8, "ncg-loadgen echo", 16);
  c = htons(ncgt_csum_fold(ncgt_csum_add(0, ic, 8 + 16)));
  memcpy(ic + 2, &c, 2);
  if (x->waiting && x->g->steady)
    x->g->echoes_late++; /* the previous one took over a second */
  x->waiting = (uint16_t)(x->seq + 1);
  x->sent_at = now;
  x->g->echoes_sent += x->g->steady;
  ncg_tunnel_send_datagram(&x->t, NCGT_DATA_PROTO_IPV4, p, sizeof(p));
}

static void on_echo_timer(void *obj, ncgt_tstamp now) {
  lg_tun *x = obj;
  if (!x->up || now >= x->g->end)
    return;
  send_echo(x, now);
  ncg_timer_set(&x->g->loop, &x->echo_timer, now + NCGT_SECONDS);
}

static int cb_open(ncgt_conn *c, const char *hop, void *ud) {
  lg_tun *x = ud;
  (void)c;
  (void)hop;
  return ncg_tunnel_connect(&x->t, &x->g->server);
}

static int cb_recv(ncgt_conn *c, uint8_t proto, const uint8_t *dg, size_t len,
                   void *ud) {
  lg_tun *x = ud;
  lg *g = x->g;
  (void)c;
  if (proto != NCGT_DATA_PROTO_IPV4 || len < 28 || dg[9] != 1)
    return 0;
  size_t ihl = (size_t)(dg[0] & 15) * 4;
  if (len < ihl + 8 || dg[ihl] != 0) /* echo reply */
    return 0;
  uint16_t seq = (uint16_t)(dg[ihl + 6] << 8 | dg[ihl + 7]);
  if (x->waiting != (uint16_t)(seq + 1)) {
    if (g->steady && (uint16_t)(x->seq - seq) < 1000)
      g->replies_late++; /* an echo we had given up on came back */
    return 0;
  }
  x->waiting = 0;
  g->echoes_ok += g->steady;
  if (g->steady && g->nrtt < g->caprtt)
    g->rtt_us[g->nrtt++] =
        (uint32_t)((ncg_now() - x->sent_at) / NCGT_MICROSECONDS);
  return 0;
}

static void cb_authorized(ncgt_conn *c, const uint8_t *cd, size_t len,
                          int rekey, void *ud) {
  lg_tun *x = ud;
  lg *g = x->g;
  ncgt_client_config cc;
  (void)c;
  if (rekey || x->up)
    return;
  if (ncgt_client_config_decode(&cc, cd, len) != 0)
    return;
  x->addr = cc.client_addr;
  x->up = 1;
  x->authorized = ncg_now();
  g->hs_us[g->up++] =
      (uint32_t)((x->authorized - x->started) / NCGT_MICROSECONDS);
  g->last_up = x->authorized;
  /* spread the echoes over the second */
  ncg_timer_set(&g->loop, &x->echo_timer,
                x->authorized + (ncgt_tstamp)(x->idx % 1000) *
                                    NCGT_MILLISECONDS);
}

static void cb_closed(ncgt_conn *c, const ncgt_close_info *ci, void *ud) {
  lg_tun *x = ud;
  (void)c;
  if (!x->up && !x->lost) { /* the handshake failed (no reconnect) */
    x->lost = 1;
    if (x->g->hs_failed++ == 0)
      ncg_warn("%s event=handshake-failed status=%s", x->user,
               ncgt_close_status_name(ci->status));
  } else if (x->up && !x->lost && x->g->end > ncg_now()) {
    x->lost = 1;
    x->g->lost++;
    ncg_warn("%s event=lost status=%s", x->user,
             ncgt_close_status_name(ci->status));
  }
}

/* Opens the tunnels due by `now` at g->rate per second. */
static void on_ramp(lg *g, ncgt_tstamp now) {
  /* how many should be open by now at g->rate per second */
  double due = (double)(now - g->t0) / NCGT_SECONDS * g->rate + 1;
  while (g->opened < g->n && (double)g->opened < due) {
    lg_tun *x = &g->v[g->opened];
    x->started = now;
    lg_settings.user = x->user; /* copied by ncgt_conn_client_new */
    int rc = ncgt_conn_client_new(&x->t.conn, &lg_settings, &g->cb, x);
    if (rc == 0)
      rc = ncgt_conn_start(x->t.conn, now);
    if (rc != 0) {
      if (g->failed_starts++ == 0)
        ncg_err("%s event=start-failed error=\"%s\"", x->user,
                ncgt_strerror(rc));
      x->lost = 1; /* counted as not up */
    } else {
      ncg_tunnel_after(&x->t);
    }
    g->opened++;
  }
}

/* utime + stime in clock ticks, and VmRSS in KiB, of process `pid`. */
static int proc_sample(int pid, double *cpu_s, long *rss_kb) {
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  unsigned long ut = 0, st = 0;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                   &ut, &st) != 2)
    return -1;
  *cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
  snprintf(path, sizeof(path), "/proc/%d/status", pid);
  if (!(f = fopen(path, "r")))
    return -1;
  *rss_kb = -1;
  while (fgets(buf, sizeof(buf), f))
    if (sscanf(buf, "VmRSS: %ld", rss_kb) == 1)
      break;
  fclose(f);
  return 0;
}

static void usage(void) {
  fprintf(stderr,
          "usage: ncg-loadgen -s IP:PORT -d SERVER_NAME -K SERVER_PUB -k KEYFILE\n"
          "         -e ECHO_IP [-n N] [-u PREFIX] [-r RATE] [-t SECONDS] "
          "[-p SERVER_PID]\n");
  exit(2);
}

int main(int argc, char **argv) {
  static lg g;
  const char *srv = NULL, *pubtext = NULL, *keyfile = NULL, *prefix = "u",
             *echo = NULL, *why = NULL;
  double secs = 5;
  int opt;
  g.n = 20;
  g.rate = 500;
  while ((opt = getopt(argc, argv, "s:d:K:k:e:n:u:r:t:p:")) != -1) {
    switch (opt) {
    case 's': srv = optarg; break;
    case 'd': g.dest = optarg; break;
    case 'K': pubtext = optarg; break;
    case 'k': keyfile = optarg; break;
    case 'e': echo = optarg; break;
    case 'n': g.n = strtoul(optarg, NULL, 10); break;
    case 'u': prefix = optarg; break;
    case 'r': g.rate = atof(optarg); break;
    case 't': secs = atof(optarg); break;
    case 'p': g.pid = atoi(optarg); break;
    default: usage();
    }
  }
  struct in_addr ea;
  if (!srv || !g.dest || !pubtext || !keyfile || !echo || g.n == 0 ||
      g.n > 65535 || g.rate <= 0 || inet_pton(AF_INET, echo, &ea) != 1)
    usage();
  g.echo = ntohl(ea.s_addr);
  if (ncg_addr_parse(srv, &g.server, &why) != 0) {
    fprintf(stderr, "ncg-loadgen: %s: %s\n", srv, why);
    return 2;
  }
  ncg_log_init("ncg-loadgen", NCGT_LOG_WARN);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < g.n + 32) {
      fprintf(stderr, "ncg-loadgen: ulimit -n %llu is below %zu tunnels\n",
              (unsigned long long)rl.rlim_cur, g.n);
      return 2;
    }
  }
  ncgt_client_settings_default(&lg_settings);
  static const char *path[1];
  path[0] = g.dest;
  lg_settings.origin = "loadgen";
  lg_settings.path = path;
  lg_settings.npath = 1;
  if (ncg_parse_key(pubtext, lg_settings.server_public_key, &why) != 0 ||
      ncg_read_key_file(keyfile, lg_settings.private_key, &why) != 0) {
    fprintf(stderr, "ncg-loadgen: key: %s\n", why);
    return 2;
  }
  ncg_tunnel_callbacks(&g.cb);
  g.cb.open_transport = cb_open;
  g.cb.recv_datagram = cb_recv;
  g.cb.authorized = cb_authorized;
  g.cb.closed = cb_closed;
  g.v = calloc(g.n, sizeof(*g.v));
  g.hs_us = calloc(g.n, sizeof(*g.hs_us));
  g.caprtt = g.n * (size_t)(secs + 2) + 16;
  g.rtt_us = calloc(g.caprtt, sizeof(*g.rtt_us));
  if (!g.v || !g.hs_us || !g.rtt_us || ncg_loop_init(&g.loop) != 0)
    return 2;
  /* Users are distinct names in one struct: the settings point at each
   * tunnel's name when it opens (ncgt_conn_client_new copies it). */
  for (size_t i = 0; i < g.n; i++) {
    lg_tun *x = &g.v[i];
    ncg_tunnel_init(&x->t, &g.loop, 1 << 20, lg_after);
    ncg_timer_init(&x->echo_timer, on_echo_timer, x);
    x->g = &g;
    x->idx = (uint32_t)i;
    snprintf(x->user, sizeof(x->user), "%s%zu", prefix, i + 1);
  }
  double cpu0 = 0, cpu1 = 0, cpu2 = 0;
  long rss0 = 0, rss1 = 0, rss2 = 0;
  if (g.pid)
    proc_sample(g.pid, &cpu0, &rss0);
  g.t0 = ncg_now();
  g.end = NCGT_TSTAMP_MAX;
  ncgt_tstamp limit = g.t0 + (ncgt_tstamp)(g.n / g.rate + 30) * NCGT_SECONDS;
  while (g.up + g.lost + g.failed_starts + g.hs_failed < g.n &&
         ncg_now() < limit) {
    if (g.opened < g.n)
      on_ramp(&g, ncg_now());
    ncg_loop_once(&g.loop, g.opened < g.n ? 2 : 50);
  }
  ncgt_tstamp ramp_end = ncg_now();
  if (g.pid)
    proc_sample(g.pid, &cpu1, &rss1);
  g.end = ramp_end + (ncgt_tstamp)(secs * NCGT_SECONDS);
  g.steady = 1;
  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  while (ncg_now() < g.end)
    ncg_loop_once(&g.loop, 50);
  /* replies still in flight when the last echoes went out */
  ncgt_tstamp grace = ncg_now() + NCGT_SECONDS;
  while (ncg_now() < grace)
    ncg_loop_once(&g.loop, 50);
  if (g.pid)
    proc_sample(g.pid, &cpu2, &rss2);
  getrusage(RUSAGE_SELF, &ru1);
  size_t unanswered = 0;
  uint64_t drops = 0;
  for (size_t i = 0; i < g.n; i++) {
    unanswered += g.v[i].waiting != 0;
    drops += g.v[i].t.dropped_backpressure + g.v[i].t.dropped_down;
  }
  double hs_secs = (double)(g.last_up - g.t0) / NCGT_SECONDS;
  size_t up = g.up;
  printf("tunnels %zu up %zu lost %zu handshake_failures %zu "
         "start_failures %zu\n",
         g.n, up, g.lost, g.hs_failed, g.failed_starts);
  printf("handshakes %zu in %.2f s = %.0f/s (offered %.0f/s) p50 %.1f ms p99 "
         "%.1f ms\n",
         up, hs_secs, hs_secs > 0 ? (double)up / hs_secs : 0, g.rate,
         pct(g.hs_us, up, 0.5), pct(g.hs_us, up, 0.99));
  printf("loadgen dropped before sending %llu\n", (unsigned long long)drops);
  printf("loadgen cpu during the ramp %.2f s, steady %.2f s\n",
         (double)ru0.ru_utime.tv_sec + ru0.ru_utime.tv_usec / 1e6 +
             (double)ru0.ru_stime.tv_sec + ru0.ru_stime.tv_usec / 1e6,
         (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
             (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
             (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
             (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6);
  printf("steady echoes (1/s per tunnel) sent %llu answered %llu unanswered %zu over_1s %llu (of which came back later %llu) "
         "rtt p50 %.2f ms p99 %.2f ms\n",
         (unsigned long long)g.echoes_sent, (unsigned long long)g.echoes_ok,
         unanswered, (unsigned long long)g.echoes_late,
         (unsigned long long)g.replies_late,
         pct(g.rtt_us, g.nrtt, 0.5), pct(g.rtt_us, g.nrtt, 0.99));
  if (g.pid && up > 0)
    printf("server cpu ramp %.2f s (%.0f us/handshake) steady %.2f s for "
           "%.1f s (%.1f us/echo) rss %ld KiB -> %ld KiB (%.1f KiB/tunnel)\n",
           cpu1 - cpu0, (cpu1 - cpu0) * 1e6 / (double)up, cpu2 - cpu1,
           (double)(ncg_now() - ramp_end) / NCGT_SECONDS,
           g.echoes_ok ? (cpu2 - cpu1) * 1e6 / (double)g.echoes_ok : 0, rss0,
           rss2, (double)(rss2 - rss0) / (double)up);
  for (size_t i = 0; i < g.n; i++) {
    ncg_timer_stop(&g.loop, &g.v[i].echo_timer);
    if (g.v[i].t.conn)
      ncgt_conn_close(g.v[i].t.conn, NCGT_CLOSE_END_SESSION, ncg_now());
  }
  ncgt_tstamp bye = ncg_now() + NCGT_SECONDS / 2;
  while (ncg_now() < bye)
    ncg_loop_once(&g.loop, 20);
  for (size_t i = 0; i < g.n; i++) {
    ncg_tunnel_fini(&g.v[i].t);
    ncgt_conn_del(g.v[i].t.conn);
  }
  ncg_loop_fini(&g.loop);
  free(g.v);
  free(g.hs_us);
  free(g.rtt_us);
  /* Timings are reported, not judged (a shared CI machine): the run
   * passes when every tunnel came up and stayed up and every echo was
   * answered in the end. */
  return up == g.n && g.lost == 0 && unanswered == 0 ? 0 : 1;
}
