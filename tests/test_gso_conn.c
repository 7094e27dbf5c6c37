/*
 * GSO negotiation (doc/protocol.md "GSO datagrams") between a client and
 * a server over simnet: both offer -> both see NCGT_FEATURE_GSO and a GSO
 * datagram crosses; either side without it -> neither has it and sending
 * one is refused; a flipped GSO flag in REQUEST or RESPONSE fails the
 * handshake (the flags are bound by it); a receiver that did not
 * negotiate refuses the protocol.
 */
#include "simtest.h"

#include "ncgt_conn_int.h"

/* A 40-byte IPv4/TCP super-segment with its descriptor. */
static size_t gso_dg(uint8_t *dg, uint8_t ipver) {
  ncgt_gso g = {.ipver = ipver, .type = NCGT_GSO_TCPV4,
                .flags = NCGT_GSO_F_NEEDS_CSUM, .hdr_len = 40,
                .gso_size = 1360, .csum_start = 20, .csum_offset = 16};
  assert_int_equal(ncgt_gso_encode(dg, NCGT_GSO_DESC_LEN, &g),
                   NCGT_GSO_DESC_LEN);
  memset(dg + NCGT_GSO_DESC_LEN, 0, 40);
  dg[NCGT_GSO_DESC_LEN] = 0x45;
  return NCGT_GSO_DESC_LEN + 40;
}

static sim_ep *gso_world(world *w, uint32_t cfeat, uint32_t sfeat,
                         const sim_fault *f) {
  ncgt_server_settings ss;
  memset(&ss, 0, sizeof(ss));
  ss.version = NCGT_SERVER_SETTINGS_V2;
  ss.features = sfeat;
  w_init_srv(w, 7, NULL, &ss);
  ncgt_client_settings cs = w_settings(w, 0);
  cs.version = NCGT_CLIENT_SETTINGS_V2;
  cs.features = cfeat;
  cs.auto_reconnect = 0;
  sim_ep *c = sim_add_client(w->s, &cs);
  if (f)
    sim_add_fault(w->s, f);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(c), sim_now(w->s)), 0);
  return c;
}

static void both_offer(void **st) {
  (void)st;
  world w;
  uint8_t dg[128];
  sim_ep *c = gso_world(&w, NCGT_FEATURE_GSO, NCGT_FEATURE_GSO, NULL);
  w_until_auth(&w, c);
  sim_run_for(w.s, T_S(1));
  ncgt_conn *cc = sim_ep_conn(c);
  sim_ep *se = sim_server_find_ep(w.srv, "alice");
  assert_non_null(se);
  assert_int_equal(ncgt_conn_features(cc), NCGT_FEATURE_GSO);
  assert_int_equal(ncgt_conn_features(sim_ep_conn(se)), NCGT_FEATURE_GSO);
  ncgt_conn_stats before, after;
  ncgt_conn_get_stats(sim_ep_conn(se), &before);
  size_t n = gso_dg(dg, 4);
  assert_int_equal(ncgt_conn_send_datagram(cc, NCGT_DATA_PROTO_GSO, dg, n,
                                           sim_now(w.s)), 0);
  /* A descriptor that does not fit its packet is refused at the sender */
  dg[0] = 6;
  assert_int_equal(ncgt_conn_send_datagram(cc, NCGT_DATA_PROTO_GSO, dg, n,
                                           sim_now(w.s)), NCGT_ERR_BAD_VALUE);
  sim_run_for(w.s, T_S(1));
  ncgt_conn_get_stats(sim_ep_conn(se), &after);
  assert_int_equal(after.datagrams_recv, before.datagrams_recv + 1);
  assert_int_equal(ncgt_conn_state(sim_ep_conn(se)), NCGT_ST_AUTHORIZED);
  w_done(&w);
}

static void one_side_only(void **st) {
  (void)st;
  static const uint32_t sides[2][2] = {{NCGT_FEATURE_GSO, 0},
                                       {0, NCGT_FEATURE_GSO}};
  for (int i = 0; i < 2; i++) {
    world w;
    uint8_t dg[128];
    sim_ep *c = gso_world(&w, sides[i][0], sides[i][1], NULL);
    w_until_auth(&w, c);
    sim_run_for(w.s, T_S(1));
    ncgt_conn *cc = sim_ep_conn(c);
    sim_ep *se = sim_server_find_ep(w.srv, "alice");
    assert_non_null(se);
    assert_int_equal(ncgt_conn_features(cc), 0);
    assert_int_equal(ncgt_conn_features(sim_ep_conn(se)), 0);
    size_t n = gso_dg(dg, 4);
    assert_int_equal(ncgt_conn_send_datagram(cc, NCGT_DATA_PROTO_GSO, dg, n,
                                             sim_now(w.s)),
                     NCGT_ERR_NOT_NEGOTIATED);
    assert_int_equal(ncgt_conn_send_datagram(sim_ep_conn(se),
                                             NCGT_DATA_PROTO_GSO, dg, n,
                                             sim_now(w.s)),
                     NCGT_ERR_NOT_NEGOTIATED);
    /* The receive side applies the same check (ncgt_conn_on_data closes
     * with PROTOCOL when it fails). */
    assert_int_equal(ncgt_feat_check_dg(sim_ep_conn(se), NCGT_DATA_PROTO_GSO,
                                        dg, n),
                     NCGT_ERR_NOT_NEGOTIATED);
    assert_int_equal(ncgt_feat_check_dg(sim_ep_conn(se), NCGT_DATA_PROTO_IPV4,
                                        dg, n), 0);
    w_done(&w);
  }
}

/* The GSO bit is bit 1 of the u16 flags at offset 6: byte 7, mask 0x02. */
static void tampered_flag_fails(void **st) {
  (void)st;
  static const struct {
    int dir;
    uint8_t type;
  } cases[] = {{SIM_UP, NCGT_FRAME_REQUEST}, {SIM_DOWN, NCGT_FRAME_RESPONSE}};
  for (size_t i = 0; i < 2; i++) {
    world w;
    sim_fault f = {SIM_F_CORRUPT, "S", 0, cases[i].dir, cases[i].type, 0, 7,
                   0x02};
    sim_ep *c = gso_world(&w, NCGT_FEATURE_GSO, NCGT_FEATURE_GSO, &f);
    sim_run_for(w.s, T_S(30));
    assert_int_equal(ncgt_conn_state(sim_ep_conn(c)), NCGT_ST_DEAD);
    assert_int_equal(ep_ci(c)->status, NCGT_CLOSE_AUTH_FAILED);
    assert_null(sim_server_find_ep(w.srv, "alice"));
    w_done(&w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(both_offer),
      cmocka_unit_test(one_side_only),
      cmocka_unit_test(tampered_flag_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
