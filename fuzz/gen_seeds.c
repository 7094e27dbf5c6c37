/*
 * Writes the seed corpora of the targets that need the library's own
 * cryptography (doc/fuzzing.md): fuzz_handshake_server,
 * fuzz_handshake_client, fuzz_data_open, fuzz_conn_client,
 * fuzz_conn_server and fuzz_relay_session, under the fixed keys of fuzz_fixed.h. The endpoint
 * seeds are a real session recorded in-process: an initiator and a server
 * driven by the very harness code the targets replay (fuzz_conn.h), each
 * one's output becoming the other's script.
 *
 *   build-fuzz/fuzz/gen_seeds fuzz/corpus
 *
 * Deterministic; re-run after a wire or harness change and commit.
 */
#include <errno.h>
#include <sys/stat.h>

#include "fuzz_conn.h"
#include "fuzz_relay_session.h"
#include "ncgt_transform.h"

static const char *outdir;

static void put(const char *target, int idx, const uint8_t *p, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", outdir, target);
  if (mkdir(path, 0755) != 0 && errno != EEXIST)
    abort();
  snprintf(path, sizeof path, "%s/%s/seed-%02d", outdir, target, idx);
  FILE *f = fopen(path, "wb");
  FUZZ_CHECK(f && fwrite(p, 1, n, f) == n && fclose(f) == 0);
}

enum { BIG = 70000 };
static uint8_t buf[BIG], buf2[BIG];

/* REQUESTs under the fixed keys, several shapes. */
static void handshake_seeds(void) {
  uint8_t cpriv[32], epriv[32], spub[32], spriv[32], seph[32], psk[32];
  fz_key(cpriv, FZ_CLIENT_STATIC);
  fz_key(epriv, FZ_CLIENT_EPH);
  fz_pub(spub, FZ_SERVER_STATIC);
  fz_key(spriv, FZ_SERVER_STATIC);
  fz_key(seph, FZ_SERVER_EPH);
  fz_key(psk, FZ_PSK);
  char longname[NCGT_NAME_MAX + 1];
  memset(longname, 'u', NCGT_NAME_MAX);
  longname[NCGT_NAME_MAX] = 0;
  static const uint8_t cd[] = {12, 3, 'p', 'c', '1', 255};
  struct {
    const char *user, *dest;
    uint16_t tr, flags;
    const uint8_t *cd;
    size_t cdlen;
  } rq[] = {{FZ_USER, FZ_DEST, NCGT_TRANSFORMS_ALL, 0, NULL, 0},
            {longname, "server.example", NCGT_TRANSFORM_AES256GCM,
             NCGT_KX_FLAG_REKEY, cd, sizeof cd},
            {"b", FZ_DEST, NCGT_TRANSFORM_CHACHA20POLY1305, 0, NULL, 0}};
  for (int i = 0; i < 3; i++) {
    ncgt_hs hs;
    memset(&hs, 0, sizeof hs);
    ncgt_request_params p = {.s_priv = cpriv, .server_pub = spub,
                             .user = rq[i].user, .dest = rq[i].dest,
                             .transforms = rq[i].tr, .flags = rq[i].flags,
                             .e_priv = epriv, .client_data = rq[i].cd,
                             .client_data_len = rq[i].cdlen};
    memcpy(p.tai64n, FZ_TAI64N, NCGT_TAI64N_LEN);
    ssize_t n = ncgt_request_build(&hs, &p, buf, BIG);
    FUZZ_CHECK(n > 0);
    put("fuzz_handshake_server", i, buf, (size_t)n);
  }
  /* RESPONSEs to the fixed REQUEST: [mode][frame] (fuzz_handshake_client) */
  static const uint8_t rcd[] = {50, 4, 10, 77, 0, 2, 255};
  struct {
    uint8_t mode;
    uint16_t tr;
    int psk;
    const uint8_t *cd;
    size_t cdlen;
  } rs[] = {{0, NCGT_TRANSFORM_AES256GCM, 0, rcd, sizeof rcd},
            {3, NCGT_TRANSFORM_CHACHA20POLY1305, 1, NULL, 0},
            {2, NCGT_TRANSFORM_AES256GCM, 0, NULL, 0}}; /* a downgrade */
  for (int i = 0; i < 3; i++) {
    ncgt_hs hi, hr;
    ssize_t n = fz_fixed_request(&hi, buf, BIG);
    ncgt_frame_request req;
    ncgt_request_info info;
    FUZZ_CHECK(n > 0 && ncgt_request_decode(&req, buf, (size_t)n) == 0);
    memset(&hr, 0, sizeof hr);
    FUZZ_CHECK(ncgt_request_open(&hr, &req, spriv, &info) == 0);
    ncgt_response_params p = {.transform = rs[i].tr, .key_lifetime = 120,
                              .client_data = rs[i].cd,
                              .client_data_len = rs[i].cdlen,
                              .psk = rs[i].psk ? psk : NULL,
                              .e_priv = seph};
    n = ncgt_response_build(&hr, &p, buf2 + 1, BIG - 1);
    FUZZ_CHECK(n > 0);
    buf2[0] = rs[i].mode;
    put("fuzz_handshake_client", i, buf2, (size_t)n + 1);
  }
}

/* DATA and CLOSE sealed under the fixed data key: [sel][frame]. */
static void data_open_seeds(void) {
  uint8_t key[32];
  fz_key(key, FZ_DATA_KEY);
  static const uint8_t dg[] = {0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 17, 0, 0,
                               10, 77, 0, 2, 10, 88, 0, 1, 0, 53, 0, 53,
                               0, 8, 0, 0};
  int idx = 0;
  for (unsigned sel = 0; sel < 32; sel += 5) {
    unsigned tr = (sel & 1) ? NCGT_TRANSFORM_CHACHA20POLY1305
                            : NCGT_TRANSFORM_AES256GCM;
    ncgt_dirkey k = {0};
    FUZZ_CHECK(ncgt_dirkey_set(&k, tr, key) == 0);
    k.counter = (sel >> 2) & 7;
    ssize_t n;
    if (sel & 2)
      n = ncgt_close_seal(&k, sel & 4 ? NCGT_CLOSE_FLAG_KEY_PHASE : 0,
                          NCGT_CLOSE_REDIRECT, 0, (const uint8_t *)"h:1", 3,
                          buf + 1, BIG - 1);
    else if (sel & 4)
      n = ncgt_data_seal(&k, NCGT_DATA_FLAG_KEY_PHASE, NCGT_DATA_PROTO_NONE,
                         NULL, 0, 0, buf + 1, BIG - 1);
    else
      n = ncgt_data_seal(&k, 0, NCGT_DATA_PROTO_IPV4, dg, sizeof dg, 3,
                         buf + 1, BIG - 1);
    FUZZ_CHECK(n > 0);
    buf[0] = (uint8_t)sel;
    put("fuzz_data_open", idx++, buf, (size_t)n + 1);
    ncgt_dirkey_clear(&k);
  }
}

/* ---- a recorded session ---- */

typedef struct script {
  uint8_t b[BIG];
  size_t len;
} script;

static script scr[2];  /* [0] the initiator's input, [1] the server's */
static fc_ep ep[2];
static uint8_t pend[2][BIG]; /* what each endpoint sent, not yet delivered */
static size_t npend[2];

static void sink(fc_ep *e, const uint8_t *p, size_t n) {
  int i = e->server;
  FUZZ_CHECK(npend[i] + n <= BIG);
  memcpy(pend[i] + npend[i], p, n);
  npend[i] += n;
}

static void rec(int who, uint8_t op, uint16_t delay, const uint8_t *p,
                size_t n) {
  script *s = &scr[who];
  FUZZ_CHECK(s->len + 6 + n <= BIG && n <= 0xFFFF);
  uint8_t *w = s->b + s->len;
  w[0] = op;
  w[1] = (uint8_t)(delay >> 8);
  w[2] = (uint8_t)delay;
  w[3] = 0;
  w[4] = (uint8_t)(n >> 8);
  w[5] = (uint8_t)n;
  if (n)
    memcpy(w + 6, p, n);
  s->len += 6 + n;
  fc_step(&ep[who], op, delay, 0, w + 6, n);
}

/* Delivers everything sent so far, both ways, until quiet. */
static void pump(void) {
  for (int round = 0; round < 8 && (npend[0] || npend[1]); round++)
    for (int from = 0; from < 2; from++) {
      if (!npend[from])
        continue;
      static uint8_t tmp[BIG];
      size_t n = npend[from];
      memcpy(tmp, pend[from], n);
      npend[from] = 0;
      rec(!from, FC_RECV, 0, tmp, n);
    }
}

static void both_wait(uint16_t ms) {
  rec(0, FC_WAIT, ms, NULL, 0);
  rec(1, FC_WAIT, ms, NULL, 0);
  pump();
}

static void session_seeds(void) {
  static const uint8_t dg4[] = {0x45, 0, 0, 24, 0, 1, 0, 0, 64, 17, 0, 0,
                                10, 77, 0, 2, 10, 88, 0, 1, 1, 2, 3, 4};
  static const uint8_t dg6[48] = {0x60, 0, 0, 0, 0, 8, 17, 64};
  static const uint8_t end[] = {NCGT_CLOSE_END_SESSION};
  fc_init(&ep[1], 1, sink);
  fc_init(&ep[0], 0, sink); /* sends RELAY + REQUEST */
  pump();
  FUZZ_CHECK(ncgt_conn_state(ep[0].c) == NCGT_ST_AUTHORIZED);
  FUZZ_CHECK(ncgt_conn_state(ep[1].c) == NCGT_ST_AUTHORIZED);
  rec(0, FC_SEND_DG, 10, dg4, sizeof dg4);
  rec(1, FC_SEND_DG, 10, dg6, sizeof dg6);
  pump();
  both_wait(16000); /* keepalives */
  put("fuzz_conn_client", 0, scr[0].b, scr[0].len);
  put("fuzz_conn_server", 0, scr[1].b, scr[1].len);
  for (int i = 0; i < 11; i++) /* past rekey_after: an in-band rekey */
    both_wait(10000);
  rec(0, FC_SEND_DG, 10, dg4, sizeof dg4);
  pump();
  ncgt_conn_stats st;
  ncgt_conn_get_stats(ep[0].c, &st);
  FUZZ_CHECK(st.rekeys == 1);
  rec(0, FC_CLOSE, 10, end, sizeof end);
  pump();
  FUZZ_CHECK(ncgt_conn_state(ep[1].c) == NCGT_ST_DEAD ||
             ncgt_conn_state(ep[1].c) == NCGT_ST_DYING);
  put("fuzz_conn_client", 1, scr[0].b, scr[0].len);
  put("fuzz_conn_server", 1, scr[1].b, scr[1].len);
  fc_fini(&ep[0]);
  fc_fini(&ep[1]);
}

/* ---- relay sessions ---- */

static fr rsess;

/* Appends a record to scr[0] and runs it on the relay session. */
static void rrec(uint8_t op, uint16_t delay, const uint8_t *p, size_t n) {
  script *s = &scr[0];
  FUZZ_CHECK(s->len + 6 + n <= BIG);
  uint8_t *w = s->b + s->len;
  w[0] = op;
  w[1] = (uint8_t)(delay >> 8);
  w[2] = (uint8_t)delay;
  w[3] = 0;
  w[4] = (uint8_t)(n >> 8);
  w[5] = (uint8_t)n;
  if (n)
    memcpy(w + 6, p, n);
  s->len += 6 + n;
  fr_step(&rsess, op, delay, 0, w + 6, n);
}

/* RELAY (origin "client", path R, `dest`) followed by the fixed REQUEST. */
static size_t relay_request(uint8_t *out, const char *dest) {
  ncgt_frame_relay rl = {.origin = "client", .npath = 2,
                         .path = {"R", dest}};
  ssize_t n = ncgt_relay_encode(out, BIG, &rl);
  FUZZ_CHECK(n > 0);
  ncgt_hs hs;
  ssize_t m = fz_fixed_request(&hs, out + n, BIG - (size_t)n);
  FUZZ_CHECK(m > 0);
  return (size_t)(n + m);
}

static void relay_seeds(void) {
  static uint8_t b[BIG];
  uint8_t kx[48], resp[128], cl[64];
  memset(kx, 0x5A, sizeof kx);
  ncgt_frame_response fresp = {.transform = NCGT_TRANSFORM_AES256GCM,
                               .kx = kx, .kxlen = sizeof kx};
  ssize_t nresp = ncgt_response_encode(resp, sizeof resp, &fresp);
  ncgt_frame_close fc = {.status = NCGT_CLOSE_END_SESSION};
  ssize_t ncl = ncgt_close_encode(cl, sizeof cl, &fc);
  FUZZ_CHECK(nresp > 0 && ncl > 0);

  /* 0: straight through to S, frames both ways, then the end */
  scr[0].len = 0;
  fr_init(&rsess);
  size_t n = relay_request(b, "S");
  rrec(FR_IN, 0, b, n);
  rrec(FR_CONNECTED, 5, NULL, 0);
  FUZZ_CHECK(ncgt_rsess_state(rsess.rs) == NCGT_ST_FORWARD);
  rrec(FR_OUT, 5, resp, (size_t)nresp);
  rrec(FR_IN, 5, cl, (size_t)ncl);
  rrec(FR_ERR_IN, 5, NULL, 0);
  FUZZ_CHECK(ncgt_rsess_state(rsess.rs) == NCGT_ST_DEAD);
  fr_fini(&rsess);
  put("fuzz_relay_session", 0, scr[0].b, scr[0].len);

  /* 1: pool P, first member refuses, the second connects; split input */
  scr[0].len = 0;
  fr_init(&rsess);
  n = relay_request(b, "P");
  rrec(FR_IN, 0, b, 7);
  rrec(FR_IN, 1, b + 7, n - 7);
  rrec(FR_CONNECT_FAILED, 5, NULL, 0);
  rrec(FR_CONNECTED, 5, NULL, 0);
  FUZZ_CHECK(ncgt_rsess_state(rsess.rs) == NCGT_ST_FORWARD);
  rrec(FR_OUT, 5, cl, (size_t)ncl);
  rrec(FR_ERR_OUT, 5, NULL, 0);
  fr_fini(&rsess);
  put("fuzz_relay_session", 1, scr[0].b, scr[0].len);

  /* 2: RELAY never completes: the relay timeout */
  scr[0].len = 0;
  fr_init(&rsess);
  rrec(FR_IN, 0, b, 9);
  rrec(FR_WAIT, 11000, NULL, 0);
  FUZZ_CHECK(ncgt_rsess_state(rsess.rs) == NCGT_ST_DEAD);
  fr_fini(&rsess);
  put("fuzz_relay_session", 2, scr[0].b, scr[0].len);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  outdir = argv[1];
  handshake_seeds();
  data_open_seeds();
  session_seeds();
  relay_seeds();
  return 0;
}
