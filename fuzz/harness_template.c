/*
 * TEMPLATE for a libFuzzer target that drives a state machine (handshake
 * responder, adapter emulators, client/server endpoints). Copy it to
 * fuzz/fuzz_<name>.c, add <name> to `fuzz_targets` in fuzz/meson.build,
 * add seeds under fuzz/corpus/fuzz_<name>/ (doc/fuzzing.md).
 *
 * It is built (so it keeps compiling) but, lacking the fuzz_ prefix, not
 * run by fuzz/run-all. As a stand-in system under test it drives the
 * stream decoder; replace the three marked places.
 *
 * The shape, after lwIP's and ngtcp2's fuzzers:
 *  - the input is a script of records [u8 op][u16 delay ms][u8 len][bytes],
 *    so time, events and bytes all come from the fuzzer;
 *  - host callbacks fail at random (fuzz_in_fail) to cover error paths;
 *  - after every step the harness checks invariants stronger than "did
 *    not crash": legal state, well-formed output, bounded memory.
 */
#include <ncgtun/frame.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Host-side context the callbacks see through user_data. */
typedef struct harness {
  fuzz_in *in;       /* callbacks read their decisions from the input */
  ncgt_tstamp now;   /* fuzzer-driven monotonic clock */
  size_t frames;     /* what the callbacks observed */
} harness;

/* (1) Replace with the object's callbacks. Each one checks what it is
 * handed (e.g. decode every frame sent) and fails now and then. */
static int on_frame(harness *h, const uint8_t *f, size_t flen) {
  ncgt_frame_hdr hdr;
  FUZZ_CHECK(ncgt_frame_check_hdr(f, flen, NCGT_FRAME_MAX_LIMIT, &hdr) == 0);
  FUZZ_CHECK(hdr.length == flen);
  h->frames++;
  return fuzz_in_fail(h->in) ? NCGT_ERR_CALLBACK_FAILURE : 0;
}

enum { OP_BYTES, OP_TIMER, OP_COUNT_ };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in;
  harness h = {&in, 0, 0};
  fuzz_in_init(&in, data, size);

  /* (2) Replace with creating the object under test, under a fixed key
   * or configuration so that valid inputs exist (seed them). */
  ncgt_fdec *dec = NULL;
  FUZZ_CHECK(ncgt_fdec_new(&dec, 4096) == 0);

  int dead = 0;
  while (fuzz_in_left(&in) > 0 && !dead) {
    uint8_t op = fuzz_in_u8(&in) % OP_COUNT_;
    h.now += (ncgt_tstamp)fuzz_in_u16(&in) * NCGT_MILLISECONDS;
    size_t n = 0;
    const uint8_t *p = fuzz_in_bytes(&in, fuzz_in_u8(&in), &n);
    /* (3) Replace with the object's entry points: receive bytes, handle
     * expiry at h.now, transport events... then check its invariants. */
    switch (op) {
    case OP_BYTES: {
      uint8_t *chunk = fuzz_dup(p, n); /* exact size: ASan sees overreads */
      size_t off = 0;
      while (off < n && !dead) {
        const uint8_t *f = NULL;
        size_t flen = 0;
        ssize_t used = ncgt_fdec_feed(dec, chunk + off, n - off, &f, &flen);
        if (used < 0 || (f && on_frame(&h, f, flen) != 0))
          dead = 1; /* a fatal status: the object must stay inert */
        else
          off += (size_t)used;
      }
      free(chunk);
      break;
    }
    case OP_TIMER: /* e.g. ncgt_conn_handle_expiry(c, h.now) */
      break;
    }
    FUZZ_CHECK(ncgt_fdec_pending(dec) < 4096); /* invariant after a step */
  }
  ncgt_fdec_del(dec); /* and leaks are reported by ASan */
  return 0;
}
