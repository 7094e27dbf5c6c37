/*
 * Micro-benchmarks of the data path (issue 9): seal and open of DATA
 * frames (patent Fig. 9) for each transform and datagram size, and the
 * server's side of the handshake (REQUEST in, RESPONSE out; Fig. 12 steps
 * 221-225). A benchmark, not a test: it checks only that every operation
 * succeeds and prints numbers; tests/bench/micro.sh prints them beside
 * `openssl speed` measured in the same run.
 *
 * Time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), like `openssl
 * speed`, which counts user CPU time: on a shared machine that excludes
 * the time other processes run. cycles/byte = CPU seconds x the nominal
 * frequency ("cpu MHz" in /proc/cpuinfo, or -m) / bytes: nominal cycles,
 * not core cycles (this VM exposes no hardware counters). Each cell is
 * the best of `reps` runs of at least `secs` seconds.
 *
 * Output: tab-separated records, one per line:
 *   D  op transform bytes bytes_per_s cycles_per_byte ns_per_op
 *   H  name ops_per_s us_per_op
 *   M  mhz
 *
 *   bench_transform [-s SECONDS] [-r REPS] [-m MHZ] [-z SIZE]
 *                   [-t aes-256-gcm|chacha20-poly1305] [-n 1 (no handshake)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ncgtun/frame.h>
#include <ncgtun/ncgtun.h>

#include "ncgt_handshake.h"
#include "ncgt_transform.h"

static const size_t sizes[] = {64, 576, 1400, 9000, 65000};
static const unsigned transforms[] = {NCGT_TRANSFORM_AES256GCM,
                                      NCGT_TRANSFORM_CHACHA20POLY1305};

static double opt_secs = 0.2;
static int opt_reps = 3;
static double opt_mhz;
static long opt_size;          /* -z: only this datagram size */
static const char *opt_tf;     /* -t: only this transform (its name) */
static int opt_no_hs;          /* -n: skip the handshake */

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpuinfo_mhz(void) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[256];
  double mhz = 0;
  if (f == NULL)
    return 0;
  while (fgets(line, sizeof(line), f) != NULL)
    if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
      break;
  fclose(f);
  return mhz;
}

static void die(const char *what, long rv) {
  fprintf(stderr, "bench_transform: %s failed: %ld (%s)\n", what, rv,
          ncgt_strerror((int)rv));
  exit(1);
}

/* One operation under test, run `n` times. */
typedef void (*bench_fn)(void *ctx, long n);

/* Seconds of CPU per operation: best of opt_reps runs of >= opt_secs. */
static double per_op(bench_fn fn, void *ctx) {
  double best = 1e30;
  for (int r = 0; r < opt_reps; r++) {
    long n = 0, batch = 1;
    double t0 = cpu_now(), t;
    for (;;) {
      fn(ctx, batch);
      n += batch;
      t = cpu_now() - t0;
      if (t >= opt_secs)
        break;
      if (batch < (1L << 20))
        batch *= 2;
    }
    if (t / (double)n < best)
      best = t / (double)n;
  }
  return best;
}

/* --- DATA seal / open ------------------------------------------------ */

typedef struct data_ctx {
  ncgt_dirkey tx, rx;
  uint8_t *dg;     /* the datagram */
  size_t dglen;
  uint8_t *frame;  /* sealed frame */
  size_t framelen;
  size_t cap;
  uint8_t *out;    /* opened datagram */
} data_ctx;

static void do_seal(void *p, long n) {
  data_ctx *c = p;
  for (long i = 0; i < n; i++) {
    ssize_t rv = ncgt_data_seal(&c->tx, 0, NCGT_DATA_PROTO_IPV4, c->dg,
                                c->dglen, 0, c->frame, c->cap);
    if (rv < 0)
      die("ncgt_data_seal", (long)rv);
  }
}

/* The datagram already sits where the frame body goes (the host read it
 * there): no copy besides the cipher's own pass. */
static void do_seal_inplace(void *p, long n) {
  data_ctx *c = p;
  uint8_t *body = c->frame + NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN;
  for (long i = 0; i < n; i++) {
    ssize_t rv = ncgt_data_seal(&c->tx, 0, NCGT_DATA_PROTO_IPV4, body,
                                c->dglen, 0, c->frame, c->cap);
    if (rv < 0)
      die("ncgt_data_seal in place", (long)rv);
  }
}

/* What a receiver does per frame: decode the header, then verify and
 * decrypt. The one sealed frame is opened again and again by rewinding
 * the receive counter (a benchmark-only shortcut through the struct). */
static void do_open(void *p, long n) {
  data_ctx *c = p;
  for (long i = 0; i < n; i++) {
    ncgt_frame_data fd;
    int rv = ncgt_data_decode(&fd, c->frame, c->framelen);
    if (rv < 0)
      die("ncgt_data_decode", rv);
    c->rx.counter = 0;
    rv = ncgt_data_open(&c->rx, c->frame, &fd, c->out, c->cap);
    if (rv < 0)
      die("ncgt_data_open", rv);
  }
}

static void report(const char *op, unsigned tf, size_t dglen, double t) {
  printf("D\t%s\t%s\t%zu\t%.0f\t%.3f\t%.1f\n", op, ncgt_transform_name(tf),
         dglen, (double)dglen / t, t * opt_mhz * 1e6 / (double)dglen, t * 1e9);
  fflush(stdout);
}

static void bench_data(unsigned tf, size_t dglen) {
  static const uint8_t key[NCGT_KEY_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
  data_ctx c;
  memset(&c, 0, sizeof(c));
  c.dglen = dglen;
  c.cap = NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN + dglen;
  c.dg = calloc(1, dglen);
  c.frame = calloc(1, c.cap);
  c.out = calloc(1, c.cap);
  if (c.dg == NULL || c.frame == NULL || c.out == NULL)
    die("calloc", 0);
  for (size_t i = 0; i < dglen; i++)
    c.dg[i] = (uint8_t)(i * 7);
  int rv = ncgt_dirkey_set(&c.tx, tf, key);
  if (rv == 0)
    rv = ncgt_dirkey_set(&c.rx, tf, key);
  if (rv != 0)
    die("ncgt_dirkey_set", rv);

  double t = per_op(do_seal, &c);
  report("seal", tf, dglen, t);
  t = per_op(do_seal_inplace, &c);
  report("seal-inplace", tf, dglen, t);

  c.tx.counter = 0;
  ssize_t len = ncgt_data_seal(&c.tx, 0, NCGT_DATA_PROTO_IPV4, c.dg, dglen, 0,
                               c.frame, c.cap);
  if (len < 0)
    die("ncgt_data_seal", (long)len);
  c.framelen = (size_t)len;
  do_open(&c, 1);
  if (memcmp(c.out, c.dg, dglen) != 0)
    die("open: datagram differs", 0);
  t = per_op(do_open, &c);
  report("open", tf, dglen, t);

  ncgt_dirkey_clear(&c.tx);
  ncgt_dirkey_clear(&c.rx);
  free(c.dg);
  free(c.frame);
  free(c.out);
}

/* --- handshake, server side ------------------------------------------ */

typedef struct hs_ctx {
  uint8_t server_priv[NCGT_KEY_BYTES], server_e[NCGT_KEY_BYTES];
  ncgt_x25519_key *server_key; /* NULL: the identity as bytes */
  const ncgt_ss_cache *cache;  /* NULL: ss computed every time */
  uint8_t ss[NCGT_KEY_BYTES];  /* what the cache below remembers */
  ncgt_frame_request req;
  uint8_t reqbuf[NCGT_REQUEST_FIXED_LEN + 2 * (NCGT_NAME_MAX + 1) +
                 NCGT_KX_MAX];
  uint8_t resp[NCGT_RESPONSE_FIXED_LEN + NCGT_KX_MAX];
  size_t resplen;
} hs_ctx;

static const uint8_t client_data[] = {1, 4, 255, 255, 255, 0, 3, 4,
                                      10, 202, 0, 2, 26, 2, 5, 192};

/* REQUEST in -> authenticated claims -> RESPONSE out -> data keys: what
 * the server computes per handshake (one REQUEST is replayed; the Noise
 * layer keeps no replay state, the conn layer does). */
static void do_server_hs(void *p, long n) {
  hs_ctx *c = p;
  for (long i = 0; i < n; i++) {
    ncgt_hs hs;
    ncgt_request_info info;
    uint8_t tx[NCGT_KEY_BYTES], rx[NCGT_KEY_BYTES];
    memset(&hs, 0, sizeof(hs));
    int rv = c->server_key
                 ? ncgt_request_open_key(&hs, &c->req, c->server_key,
                                         c->cache, &info)
                 : ncgt_request_open(&hs, &c->req, c->server_priv, &info);
    if (rv != 0)
      die("ncgt_request_open", rv);
    ncgt_response_params rp = {
        .transform = NCGT_TRANSFORM_AES256GCM,
        .key_lifetime = 3600,
        .client_data = client_data,
        .client_data_len = sizeof(client_data),
        .e_priv = c->server_e,
    };
    ssize_t len = ncgt_response_build(&hs, &rp, c->resp, sizeof(c->resp));
    if (len < 0)
      die("ncgt_response_build", (long)len);
    c->resplen = (size_t)len;
    rv = ncgt_hs_split(&hs, tx, rx);
    if (rv != 0)
      die("ncgt_hs_split", rv);
    ncgt_hs_wipe(&hs);
  }
}

static int bench_ss_lookup(void *arg, const uint8_t rs[NCGT_KEY_BYTES],
                           uint8_t out[NCGT_KEY_BYTES]) {
  (void)rs;
  memcpy(out, ((hs_ctx *)arg)->ss, NCGT_KEY_BYTES);
  return 0;
}

static void bench_handshake(void) {
  hs_ctx c;
  uint8_t client_priv[NCGT_KEY_BYTES], client_e[NCGT_KEY_BYTES];
  uint8_t server_pub[NCGT_KEY_BYTES];
  memset(&c, 0, sizeof(c));
  for (int i = 0; i < NCGT_KEY_BYTES; i++) {
    c.server_priv[i] = (uint8_t)(0x40 + i);
    c.server_e[i] = (uint8_t)(0x80 + i);
    client_priv[i] = (uint8_t)(0x10 + i);
    client_e[i] = (uint8_t)(0xc0 + i);
  }
  int rv = ncgt_x25519_pub(server_pub, c.server_priv);
  if (rv != 0)
    die("ncgt_x25519_pub", rv);
  ncgt_hs client;
  memset(&client, 0, sizeof(client));
  ncgt_request_params rq = {
      .s_priv = client_priv,
      .server_pub = server_pub,
      .user = "bench-user",
      .dest = "bench-server",
      .transforms = NCGT_TRANSFORMS_ALL,
      .e_priv = client_e,
  };
  ncgt_tai64n(rq.tai64n, 1700000000ull * 1000000000ull);
  ssize_t len = ncgt_request_build(&client, &rq, c.reqbuf, sizeof(c.reqbuf));
  if (len < 0)
    die("ncgt_request_build", (long)len);
  rv = ncgt_request_decode(&c.req, c.reqbuf, (size_t)len);
  if (rv != 0)
    die("ncgt_request_decode", rv);

  do_server_hs(&c, 1);
  /* The initiator accepts what the server built: the numbers below are
   * for handshakes that work. */
  ncgt_frame_response resp;
  ncgt_response_info ri;
  rv = ncgt_response_decode(&resp, c.resp, c.resplen);
  if (rv == 0)
    rv = ncgt_response_open(&client, &resp, NULL, NCGT_TRANSFORMS_ALL, &ri);
  if (rv != 0)
    die("initiator: response", rv);
  ncgt_hs_wipe(&client);

  double t = per_op(do_server_hs, &c);
  printf("H\tserver handshake, static key as bytes (request_open+response_build+split)\t%.0f\t%.1f\n",
         1.0 / t, t * 1e6);
  fflush(stdout);
  /* What ncgt_server does: the identity's key object is made once. */
  rv = ncgt_x25519_key_new(&c.server_key, c.server_priv);
  if (rv != 0)
    die("ncgt_x25519_key_new", rv);
  t = per_op(do_server_hs, &c);
  printf("H\tserver handshake (request_open_key+response_build+split)\t%.0f\t%.1f\n",
         1.0 / t, t * 1e6);
  fflush(stdout);
  /* ncgt_server with the client's key seen before: "ss" remembered. */
  uint8_t cpub[NCGT_KEY_BYTES];
  if (ncgt_x25519_pub(cpub, client_priv) != 0 ||
      ncgt_x25519(c.ss, c.server_priv, cpub) != 0)
    die("ss", -1);
  ncgt_ss_cache cache = {.lookup = bench_ss_lookup, .arg = &c};
  c.cache = &cache;
  t = per_op(do_server_hs, &c);
  printf("H\tserver handshake, known client (ss remembered)\t%.0f\t%.1f\n",
         1.0 / t, t * 1e6);
  fflush(stdout);
  ncgt_x25519_key_del(c.server_key);
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "-s") == 0)
      opt_secs = atof(argv[i + 1]);
    else if (strcmp(argv[i], "-r") == 0)
      opt_reps = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "-m") == 0)
      opt_mhz = atof(argv[i + 1]);
    else if (strcmp(argv[i], "-z") == 0)
      opt_size = atol(argv[i + 1]);
    else if (strcmp(argv[i], "-t") == 0)
      opt_tf = argv[i + 1];
    else if (strcmp(argv[i], "-n") == 0)
      opt_no_hs = atoi(argv[i + 1]);
  }
  if (opt_mhz <= 0)
    opt_mhz = cpuinfo_mhz();
  if (opt_secs <= 0 || opt_reps <= 0 || opt_mhz <= 0) {
    fprintf(stderr, "usage: bench_transform [-s SECONDS] [-r REPS] [-m MHZ]"
                    " [-z SIZE] [-t TRANSFORM] [-n 1]\n");
    return 2;
  }
  printf("M\t%.3f\n", opt_mhz);
  for (size_t t = 0; t < sizeof(transforms) / sizeof(transforms[0]); t++)
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
      if ((opt_size == 0 || (size_t)opt_size == sizes[s]) &&
          (opt_tf == NULL ||
           strcmp(opt_tf, ncgt_transform_name(transforms[t])) == 0))
        bench_data(transforms[t], sizes[s]);
  if (!opt_no_hs)
    bench_handshake();
  return 0;
}
