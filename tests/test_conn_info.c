/*
 * The getters behind the programs' `status` command (doc/status.md):
 * connected-since and key ages, the last CLOSE kept across a reconnect,
 * origin and path on both ends, the server's handshake counters by
 * result, and a relay session's origin and byte counts.
 */
#include "simtest.h"

static void since_and_key_age(void **st) {
  (void)st;
  world w;
  w_init(&w, 40, NULL);
  w.t.rekey_after = T_S(5);
  sim_ep *c = w_client(&w, 0);
  ncgt_conn *cc = sim_ep_conn(c);
  assert_int_equal(ncgt_conn_authorized_at(cc), NCGT_TSTAMP_MAX);
  assert_int_equal(ncgt_conn_keys_at(cc), NCGT_TSTAMP_MAX);
  assert_null(ncgt_conn_last_close(cc));
  w_until_auth(&w, c);
  ncgt_tstamp since = ncgt_conn_authorized_at(cc);
  assert_true(since <= sim_now(w.s));
  assert_int_equal(ncgt_conn_keys_at(cc), since);
  sim_run_for(w.s, T_S(12)); /* two rekeys */
  ncgt_conn_stats cs;
  ncgt_conn_get_stats(cc, &cs);
  assert_true(cs.rekeys >= 2);
  assert_int_equal(ncgt_conn_authorized_at(cc), since);
  assert_true(ncgt_conn_keys_at(cc) > since + T_S(9));
  /* The server's conn: the same since (it authorised first), same rekeys */
  ncgt_conn *sc = sim_ep_conn(sim_server_find_ep(w.srv, "alice"));
  assert_true(ncgt_conn_authorized_at(sc) <= since);
  assert_true(ncgt_conn_keys_at(sc) > since + T_S(9));
  w_done(&w);
}

static void last_close_survives_reconnect(void **st) {
  (void)st;
  world w;
  w_init(&w, 41, NULL);
  sim_ep *c = w_client(&w, 0);
  w_until_auth(&w, c);
  ncgt_conn *cc = sim_ep_conn(c);
  ncgt_tstamp first = ncgt_conn_authorized_at(cc);
  sim_run_for(w.s, T_S(1));
  ncgt_conn *sc = sim_ep_conn(sim_server_find_ep(w.srv, "alice"));
  /* The server ends the session (the simulated server frees the conn
   * once it is dead); the client reconnects by itself. */
  assert_int_equal(ncgt_conn_close(sc, NCGT_CLOSE_IDLE_TIMEOUT, sim_now(w.s)),
                   0);
  assert_true(sim_run(w.s, is_dead, c, T_S(5)));
  w_until_auth(&w, c);
  assert_null(ncgt_conn_close_info(cc)); /* not over now ... */
  const ncgt_close_info *lc = ncgt_conn_last_close(cc); /* ... but kept */
  assert_non_null(lc);
  assert_int_equal(lc->status, NCGT_CLOSE_IDLE_TIMEOUT);
  assert_int_equal(lc->remote, 1);
  assert_true(ncgt_conn_authorized_at(cc) > first);
  ncgt_conn_stats cs;
  ncgt_conn_get_stats(cc, &cs);
  assert_int_equal(cs.reconnects, 1);
  w_done(&w);
}

static void handshake_counters(void **st) {
  (void)st;
  world w;
  w_init(&w, 42, NULL);
  ncgt_server_stats ss;
  ncgt_server_get_stats(sim_server_get(w.srv), &ss);
  assert_int_equal(ss.handshakes_ok, 0);
  sim_ep *c = w_client(&w, 0);
  w_until_auth(&w, c);
  ncgt_client_settings cs = w_settings(&w, 1);
  cs.user = "mallory"; /* unknown user */
  cs.auto_reconnect = 0;
  sim_ep *m = sim_add_client(w.s, &cs);
  assert_int_equal(ncgt_conn_start(sim_ep_conn(m), sim_now(w.s)), 0);
  assert_true(sim_run(w.s, is_dead, m, T_S(30)));
  sim_run_for(w.s, T_S(1));
  ncgt_server_get_stats(sim_server_get(w.srv), &ss);
  assert_int_equal(ss.handshakes_ok, 1);
  assert_int_equal(ss.handshakes_failed[NCGT_CLOSE_AUTH_FAILED], 1);
  uint64_t other = 0;
  for (size_t i = 0; i < NCGT_STATS_CLOSE_SLOTS; i++)
    if (i != NCGT_CLOSE_AUTH_FAILED)
      other += ss.handshakes_failed[i];
  assert_int_equal(other, 0);
  /* A rekey is not a handshake of its own. */
  ncgt_server_get_stats(NULL, &ss); /* no crash, no change */
  assert_int_equal(ss.handshakes_ok, 1);
  w_done(&w);
}

static void path_and_relay_session(void **st) {
  (void)st;
  world w;
  w_init(&w, 43, NULL);
  ncgt_relay_settings rst;
  memset(&rst, 0, sizeof(rst));
  rst.version = NCGT_RELAY_SETTINGS_V1;
  rst.name = "R";
  sim_relay *r = sim_add_relay(w.s, "R", &rst);
  assert_int_equal(ncgt_relay_allow(sim_relay_get(r), "S"), 0);
  w.path[0] = "R";
  w.path[1] = "S";
  w.npath = 2;
  sim_ep *c = w_client(&w, 2);
  w_until_auth(&w, c);
  sim_run_for(w.s, T_S(1));
  ncgt_conn *cc = sim_ep_conn(c);
  ncgt_conn *sc = sim_ep_conn(sim_server_find_ep(w.srv, "carol"));
  ncgt_conn *ends[2] = {cc, sc};
  for (int i = 0; i < 2; i++) {
    assert_string_equal(ncgt_conn_origin(ends[i]), "client");
    assert_string_equal(ncgt_conn_path_hop(ends[i], 0), "R");
    assert_string_equal(ncgt_conn_path_hop(ends[i], 1), "S");
    assert_null(ncgt_conn_path_hop(ends[i], 2));
  }
  ncgt_rsess *rs = sim_relay_newest(r);
  assert_non_null(rs);
  assert_string_equal(ncgt_rsess_origin(rs), "client");
  assert_string_equal(ncgt_rsess_next_hop(rs), "S");
  /* Every frame either end sent after RELAY crossed the relay. */
  ncgt_rsess_stats rss;
  ncgt_rsess_get_stats(rs, &rss);
  ncgt_conn_stats cst, sst;
  ncgt_conn_get_stats(cc, &cst);
  ncgt_conn_get_stats(sc, &sst);
  assert_int_equal(rss.frames_from[NCGT_SIDE_OUT], sst.frames_sent);
  assert_int_equal(rss.bytes_from[NCGT_SIDE_OUT], sst.bytes_sent);
  assert_int_equal(rss.frames_from[NCGT_SIDE_IN], cst.frames_sent - 1);
  /* ... and RELAY, which the relay re-emits and does not count. */
  uint8_t relay[256];
  ncgt_frame_relay fr = {.origin = "client", .npath = 2, .path = {"R", "S"}};
  ssize_t rlen = ncgt_relay_encode(relay, sizeof(relay), &fr);
  assert_true(rlen > 0);
  assert_int_equal(rss.bytes_from[NCGT_SIDE_IN] + (uint64_t)rlen,
                   cst.bytes_sent);
  assert_int_equal(cst.bytes_sent, sst.bytes_recv);
  w_done(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(since_and_key_age),
      cmocka_unit_test(last_close_survives_reconnect),
      cmocka_unit_test(handshake_counters),
      cmocka_unit_test(path_and_relay_session),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
