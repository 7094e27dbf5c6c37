/*
 * Shared by fuzz_relay_session.c and its seed generator (gen_seeds.c):
 * one tunnel relay session (patent Fig. 13) driven by a script.
 *
 * Relay "R" allows "S" and has a pool "P" of "S1", "S2".
 * Script: records [u8 op][u16 delay ms][u8 fail][u16 len][bytes].
 *   delay: time advances, expiries due on the way are handled at their
 *          time; fail: bit 0 send fails, bit 1 connect fails.
 *   op:    FR_IN / FR_OUT bytes from that side (only while it is up),
 *          FR_CONNECTED / FR_CONNECT_FAILED (only while connecting),
 *          FR_ERR_IN / FR_ERR_OUT transport errors, FR_WAIT.
 *
 * Checks: legal relay states, each transition from the last; connect only
 * to an allowed address, from Forward Connect, one at a time; nothing sent
 * on a side that is not up (so nothing after DEAD) and what is sent on
 * each side is a sequence of well-formed frames; after handle_expiry the
 * next expiry is in the future; the member load is back to 0 once the
 * session is dead.
 */
#ifndef NCGT_FUZZ_RELAY_SESSION_H
#define NCGT_FUZZ_RELAY_SESSION_H

#include <ncgtun/conn.h>

#include "fuzz_input.h"

enum { FR_IN, FR_OUT, FR_CONNECTED, FR_CONNECT_FAILED, FR_ERR_IN,
       FR_ERR_OUT, FR_WAIT, FR_OP_COUNT_ };
enum { FR_FAIL_SEND = 1, FR_FAIL_CONNECT = 2 };
enum { FR_DOWN, FR_OPENING, FR_UP };

typedef struct fr {
  ncgt_relay *r;
  ncgt_rsess *rs;
  int side[2];     /* FR_DOWN / FR_OPENING / FR_UP, as the host sees it */
  uint8_t fail;
  ncgt_tstamp now;
  ncgt_state last;
  ncgt_fdec *sent[2];
  void (*sink)(struct fr *f, ncgt_side side, const uint8_t *p, size_t n);
} fr;

static inline int fr_connect(ncgt_rsess *rs, const char *hop, void *ud) {
  fr *f = ud;
  (void)rs;
  FUZZ_CHECK(f->last == NCGT_ST_FORWARD_CONNECT);
  FUZZ_CHECK(f->side[NCGT_SIDE_OUT] == FR_DOWN);
  FUZZ_CHECK(strcmp(hop, "S") == 0 || strcmp(hop, "S1") == 0 ||
             strcmp(hop, "S2") == 0);
  if (f->fail & FR_FAIL_CONNECT)
    return -1;
  f->side[NCGT_SIDE_OUT] = FR_OPENING;
  return 0;
}

static inline int fr_send(ncgt_rsess *rs, ncgt_side side, const uint8_t *p,
                          size_t n, void *ud) {
  fr *f = ud;
  (void)rs;
  FUZZ_CHECK(side == NCGT_SIDE_IN || side == NCGT_SIDE_OUT);
  FUZZ_CHECK(f->side[side] == FR_UP);
  for (size_t off = 0; off < n;) {
    const uint8_t *fb = NULL;
    size_t flen = 0;
    ssize_t used = ncgt_fdec_feed(f->sent[side], p + off, n - off, &fb, &flen);
    FUZZ_CHECK(used >= 0);
    off += (size_t)used;
  }
  if (f->sink)
    f->sink(f, side, p, n);
  return (f->fail & FR_FAIL_SEND) ? -1 : 0;
}

static inline void fr_close(ncgt_rsess *rs, ncgt_side side, void *ud) {
  fr *f = ud;
  (void)rs;
  f->side[side] = FR_DOWN;
}

static inline void fr_state(ncgt_rsess *rs, ncgt_state from, ncgt_state to,
                            void *ud) {
  fr *f = ud;
  (void)rs;
  FUZZ_CHECK(from == f->last);
  FUZZ_CHECK(to == NCGT_ST_RECEIVE_RELAY || to == NCGT_ST_FORWARD_CONNECT ||
             to == NCGT_ST_FORWARD || to == NCGT_ST_CLOSE ||
             to == NCGT_ST_DYING || to == NCGT_ST_DEAD);
  f->last = to;
}

static inline void fr_init(fr *f) {
  static const ncgt_relay_callbacks cb = {.version = NCGT_RELAY_CALLBACKS_V1,
                                          .connect = fr_connect,
                                          .send = fr_send,
                                          .close = fr_close,
                                          .state_changed = fr_state};
  ncgt_relay_settings s = {.version = NCGT_RELAY_SETTINGS_V1, .name = "R"};
  memset(f, 0, sizeof *f);
  FUZZ_CHECK(ncgt_relay_new(&f->r, &s, &cb, NULL) == 0);
  FUZZ_CHECK(ncgt_relay_allow(f->r, "S") == 0);
  FUZZ_CHECK(ncgt_relay_allow(f->r, "S1") == 0);
  FUZZ_CHECK(ncgt_relay_allow(f->r, "S2") == 0);
  FUZZ_CHECK(ncgt_relay_add_pool_member(f->r, "P", "S1") == 0);
  FUZZ_CHECK(ncgt_relay_add_pool_member(f->r, "P", "S2") == 0);
  for (int i = 0; i < 2; i++)
    FUZZ_CHECK(ncgt_fdec_new(&f->sent[i], NCGT_FRAME_MAX_DEFAULT) == 0);
  f->last = NCGT_ST_ACCEPT_WAIT;
  f->side[NCGT_SIDE_IN] = FR_UP;
  FUZZ_CHECK(ncgt_relay_accept(f->r, &f->rs, f, 0) == 0);
}

static inline void fr_fini(fr *f) {
  if (ncgt_rsess_state(f->rs) == NCGT_ST_DEAD) {
    FUZZ_CHECK(ncgt_relay_member_load(f->r, "S") == 0);
    FUZZ_CHECK(ncgt_relay_member_load(f->r, "S1") == 0);
    FUZZ_CHECK(ncgt_relay_member_load(f->r, "S2") == 0);
  }
  ncgt_rsess_del(f->rs);
  ncgt_relay_del(f->r);
  for (int i = 0; i < 2; i++)
    ncgt_fdec_del(f->sent[i]);
}

static inline void fr_step(fr *f, uint8_t op, uint16_t delay_ms, uint8_t fail,
                           const uint8_t *p, size_t n) {
  ncgt_tstamp until = f->now + (ncgt_tstamp)delay_ms * NCGT_MILLISECONDS;
  f->fail = 0;
  for (int i = 0; i < 64; i++) {
    ncgt_tstamp x = ncgt_rsess_get_expiry(f->rs);
    if (x > until)
      break;
    if (x > f->now)
      f->now = x;
    (void)ncgt_rsess_handle_expiry(f->rs, f->now);
    FUZZ_CHECK(ncgt_rsess_get_expiry(f->rs) > f->now);
  }
  f->now = until;
  f->fail = fail;
  uint8_t *b = fuzz_dup(p, n);
  ncgt_side side = (op % FR_OP_COUNT_) == FR_IN || (op % FR_OP_COUNT_) ==
                   FR_ERR_IN ? NCGT_SIDE_IN : NCGT_SIDE_OUT;
  switch (op % FR_OP_COUNT_) {
  case FR_IN:
  case FR_OUT:
    if (f->side[side] == FR_UP)
      (void)ncgt_rsess_recv(f->rs, side, b, n, f->now);
    break;
  case FR_CONNECTED:
    if (f->side[NCGT_SIDE_OUT] == FR_OPENING) {
      f->side[NCGT_SIDE_OUT] = FR_UP;
      (void)ncgt_rsess_connected(f->rs, f->now);
    }
    break;
  case FR_CONNECT_FAILED:
    if (f->side[NCGT_SIDE_OUT] == FR_OPENING) {
      f->side[NCGT_SIDE_OUT] = FR_DOWN;
      (void)ncgt_rsess_connect_failed(f->rs, f->now);
    }
    break;
  case FR_ERR_IN:
  case FR_ERR_OUT:
    if (f->side[side] != FR_DOWN) {
      f->side[side] = FR_DOWN;
      (void)ncgt_rsess_transport_error(f->rs, side, f->now);
    }
    break;
  default:
    break;
  }
  free(b);
  f->fail = 0;
  FUZZ_CHECK(ncgt_rsess_state(f->rs) == f->last);
  if (f->last == NCGT_ST_DEAD)
    FUZZ_CHECK(f->side[0] == FR_DOWN && f->side[1] == FR_DOWN);
}

#endif /* NCGT_FUZZ_RELAY_SESSION_H */
