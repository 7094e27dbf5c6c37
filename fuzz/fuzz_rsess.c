/*
 * libFuzzer target: one relay session (Fig. 13) of a relay allowed to
 * reach "S" and owning pool "P" = {S1, S2}, driven by a script of records
 * [u8 op][u16 delay ms][u8 len][bytes]: bytes on either side in any
 * split, connect results, transport errors, timers. Host callbacks fail
 * at random. Invariants: every send is one well-formed frame, the state
 * is one of Fig. 13, the relay connects only to allowed names, nothing
 * is sent after Dead, and member loads return to zero.
 */
#include <string.h>

#include <ncgtun/conn.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct harness {
  fuzz_in *in;
  ncgt_tstamp now;
  int connecting;
} harness;

static int legal(ncgt_state s) {
  return s == NCGT_ST_RECEIVE_RELAY || s == NCGT_ST_FORWARD_CONNECT ||
         s == NCGT_ST_FORWARD || s == NCGT_ST_CLOSE || s == NCGT_ST_DYING ||
         s == NCGT_ST_DEAD;
}

static int cb_connect(ncgt_rsess *rs, const char *hop, void *ud) {
  harness *h = ud;
  (void)rs;
  FUZZ_CHECK(strcmp(hop, "S") == 0 || strcmp(hop, "S1") == 0 ||
             strcmp(hop, "S2") == 0);
  h->connecting = 1;
  return fuzz_in_fail(h->in) ? -1 : 0;
}

static int cb_send(ncgt_rsess *rs, ncgt_side side, const uint8_t *d, size_t len,
                   void *ud) {
  harness *h = ud;
  ncgt_frame_hdr hdr;
  (void)side;
  FUZZ_CHECK(ncgt_rsess_state(rs) != NCGT_ST_DEAD);
  FUZZ_CHECK(ncgt_frame_check_hdr(d, len, NCGT_FRAME_MAX_LIMIT, &hdr) == 0);
  FUZZ_CHECK(hdr.length == len);
  return fuzz_in_fail(h->in) ? -1 : 0;
}

static void cb_close(ncgt_rsess *rs, ncgt_side side, void *ud) {
  harness *h = ud;
  (void)rs;
  if (side == NCGT_SIDE_OUT)
    h->connecting = 0;
}

static void cb_state(ncgt_rsess *rs, ncgt_state from, ncgt_state to, void *ud) {
  (void)rs;
  (void)ud;
  FUZZ_CHECK(from != to && legal(to));
}

enum {
  OP_IN,
  OP_OUT,
  OP_CONNECTED,
  OP_CONNECT_FAILED,
  OP_ERROR,
  OP_TIMER,
  OP_COUNT_
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in;
  harness h = {&in, 1000 * NCGT_SECONDS, 0};
  fuzz_in_init(&in, data, size);
  ncgt_relay_settings st = {.version = NCGT_RELAY_SETTINGS_V1, .name = "R"};
  st.max_frame = 4096;
  ncgt_relay_callbacks cb = {.version = NCGT_RELAY_CALLBACKS_V1,
                             .connect = cb_connect,
                             .send = cb_send,
                             .close = cb_close,
                             .state_changed = cb_state};
  ncgt_relay *r = NULL;
  ncgt_rsess *rs = NULL;
  FUZZ_CHECK(ncgt_relay_new(&r, &st, &cb, &h) == 0);
  FUZZ_CHECK(ncgt_relay_allow(r, "S") == 0);
  FUZZ_CHECK(ncgt_relay_add_pool_member(r, "P", "S1") == 0);
  FUZZ_CHECK(ncgt_relay_add_pool_member(r, "P", "S2") == 0);
  FUZZ_CHECK(ncgt_relay_accept(r, &rs, &h, h.now) == 0);
  while (fuzz_in_left(&in) > 0) {
    uint8_t op = fuzz_in_u8(&in) % OP_COUNT_;
    h.now += (ncgt_tstamp)fuzz_in_u16(&in) * NCGT_MILLISECONDS;
    size_t n = 0;
    const uint8_t *p = fuzz_in_bytes(&in, fuzz_in_u8(&in), &n);
    uint8_t *chunk = fuzz_dup(p, n);
    switch (op) {
    case OP_IN:
    case OP_OUT:
      (void)ncgt_rsess_recv(rs, op == OP_IN ? NCGT_SIDE_IN : NCGT_SIDE_OUT,
                            chunk, n, h.now);
      break;
    case OP_CONNECTED:
      if (h.connecting && ncgt_rsess_connected(rs, h.now) == 0)
        h.connecting = 0;
      break;
    case OP_CONNECT_FAILED:
      if (h.connecting) {
        h.connecting = 0;
        (void)ncgt_rsess_connect_failed(rs, h.now);
      }
      break;
    case OP_ERROR:
      (void)ncgt_rsess_transport_error(
          rs, n && (p[0] & 1) ? NCGT_SIDE_OUT : NCGT_SIDE_IN, h.now);
      break;
    case OP_TIMER:
      if (ncgt_rsess_get_expiry(rs) <= h.now)
        (void)ncgt_rsess_handle_expiry(rs, h.now);
      break;
    }
    free(chunk);
    FUZZ_CHECK(legal(ncgt_rsess_state(rs)));
  }
  ncgt_state end = ncgt_rsess_state(rs);
  if (end == NCGT_ST_DEAD) {
    FUZZ_CHECK(ncgt_rsess_close_info(rs) != NULL);
    FUZZ_CHECK(ncgt_relay_member_load(r, "S") == 0);
    FUZZ_CHECK(ncgt_relay_member_load(r, "S1") == 0);
    FUZZ_CHECK(ncgt_relay_member_load(r, "S2") == 0);
  }
  ncgt_rsess_del(rs);
  FUZZ_CHECK(ncgt_relay_member_load(r, "S") + ncgt_relay_member_load(r, "S1") +
                 ncgt_relay_member_load(r, "S2") ==
             0);
  ncgt_relay_del(r);
  return 0;
}
