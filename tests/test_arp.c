/* ARP server emulator (lib/ncgt_arp.c): fixed request frames in, the
 * reply frame checked byte for byte, or the drop counter that moved. */
#include "adapter_harness.h"

static harness H;

/* The stack (52:54:00:12:34:56, 10.77.0.2) asks who has 10.77.0.1. */
static const uint8_t req_server[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
    0x08, 0x06,                                     /* Ethernet, ARP */
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, /* request */
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 77, 0, 2,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 10, 77, 0, 1,
};

/* 10.77.0.1 is at the reserved server MAC 02:4e:43:47:00:01. */
static const uint8_t reply_server[] = {
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x4e, 0x43, 0x47, 0x00, 0x01,
    0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, /* reply */
    0x02, 0x4e, 0x43, 0x47, 0x00, 0x01, 10, 77, 0, 1,
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 77, 0, 2,
};

enum { SPA = 28, TPA = 38, OP = 21 };

static int send_req(const uint8_t *f, size_t len) {
  uint8_t buf[64];
  memcpy(buf, f, len);
  return ncgt_adapter_from_stack(H.ad, buf, len);
}

/* req_server with sender / target protocol addresses replaced. */
static int send_req_addrs(uint32_t spa, uint32_t tpa) {
  uint8_t buf[sizeof req_server];
  memcpy(buf, req_server, sizeof buf);
  h_put32(buf + SPA, spa);
  h_put32(buf + TPA, tpa);
  return ncgt_adapter_from_stack(H.ad, buf, sizeof buf);
}

static void answers_for_server_address(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  assert_int_equal(send_req(req_server, sizeof req_server), 0);
  assert_int_equal(H.nstack, 1);
  assert_int_equal(H.stack_len[0], sizeof reply_server);
  assert_memory_equal(H.stack[0], reply_server, sizeof reply_server);
  assert_int_equal(h_stats(&H).arp_replies, 1);
  assert_int_equal(H.ntun, 0);
  ncgt_adapter_del(H.ad);
}

static void answers_for_addresses_across_tunnel(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  /* a LAN node behind the server (direct route) and another host of the
   * tunnel subnet */
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 2), IP4(192, 168, 77, 5)), 0);
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 2), IP4(10, 77, 0, 9)), 0);
  assert_int_equal(H.nstack, 2);
  assert_int_equal(h_be32(H.stack[0] + SPA), IP4(192, 168, 77, 5));
  assert_memory_equal(H.stack[0] + 22, H_SERVER_MAC, 6);
  assert_int_equal(h_be32(H.stack[1] + SPA), IP4(10, 77, 0, 9));
  ncgt_adapter_del(H.ad);
}

/* RFC 5227: a reply to a probe or announcement for the client's own
 * address would make the DHCP client DECLINE. */
static void never_answers_probe_or_own_address(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  assert_int_equal(send_req_addrs(0, IP4(10, 77, 0, 2)), 0); /* probe */
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 2), IP4(10, 77, 0, 2)), 0);
  assert_int_equal(send_req_addrs(0, IP4(10, 77, 0, 1)), 0); /* any probe */
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 9), IP4(10, 77, 0, 2)), 0);
  assert_int_equal(H.nstack, 0);
  ncgt_adapter_stats st = h_stats(&H);
  assert_int_equal(st.drop_arp_probe, 3);
  assert_int_equal(st.drop_arp_own, 1);
  assert_int_equal(st.arp_replies, 0);
  ncgt_adapter_del(H.ad);
}

static void ignores_replies_and_gratuitous(void **state) {
  (void)state;
  uint8_t buf[sizeof reply_server];
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  /* a gratuitous ARP reply from the stack */
  memcpy(buf, req_server, sizeof buf);
  buf[OP] = 2;
  h_put32(buf + TPA, IP4(10, 77, 0, 2));
  assert_int_equal(send_req(buf, sizeof buf), 0);
  buf[OP] = 9; /* unknown op */
  assert_int_equal(send_req(buf, sizeof buf), 0);
  assert_int_equal(H.nstack, 0);
  assert_int_equal(h_stats(&H).drop_arp_not_request, 2);
  ncgt_adapter_del(H.ad);
}

static void not_ours_targets(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 2), IP4(10, 77, 0, 255)), 0);
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 2), IP4(10, 77, 0, 0)), 0);
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 2), IP4(224, 0, 0, 1)), 0);
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 2), IP4(127, 0, 0, 1)), 0);
  assert_int_equal(H.nstack, 0);
  assert_int_equal(h_stats(&H).drop_arp_not_ours, 4);
  ncgt_adapter_del(H.ad);
}

static void no_answer_before_client_data(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 0);
  assert_int_equal(send_req(req_server, sizeof req_server), 0);
  assert_int_equal(H.nstack, 0);
  assert_int_equal(h_stats(&H).drop_no_config, 1);
  ncgt_adapter_del(H.ad);
}

static void malformed_dropped(void **state) {
  (void)state;
  uint8_t buf[sizeof req_server];
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  /* every truncation of the ARP packet (Ethernet header intact) */
  for (size_t n = 14; n < sizeof req_server; n++) {
    uint8_t *f = test_malloc(n);
    memcpy(f, req_server, n);
    assert_int_equal(ncgt_adapter_from_stack(H.ad, f, n), 0);
    test_free(f);
  }
  static const size_t fields[] = {15, 17, 18, 19}; /* htype ptype hlen plen */
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    memcpy(buf, req_server, sizeof buf);
    buf[fields[i]] ^= 0x10;
    assert_int_equal(send_req(buf, sizeof buf), 0);
  }
  memcpy(buf, req_server, sizeof buf);
  buf[22] |= 1; /* multicast sender hardware address */
  assert_int_equal(send_req(buf, sizeof buf), 0);
  assert_int_equal(H.nstack, 0);
  assert_int_equal(h_stats(&H).drop_arp_malformed,
                   sizeof req_server - 14 + 4 + 1);
  /* trailing Ethernet padding is fine */
  uint8_t padded[60] = {0};
  memcpy(padded, req_server, sizeof req_server);
  assert_int_equal(send_req(padded, sizeof padded), 0);
  assert_int_equal(H.nstack, 1);
  ncgt_adapter_del(H.ad);
}

/* Server role: the server's kernel asks for a tunnel client's address. */
static void server_answers_for_clients(void **state) {
  (void)state;
  uint8_t buf[sizeof req_server];
  h_new(&H, NCGT_ADAPTER_SERVER, 0);
  memcpy(buf, req_server, sizeof buf);
  h_put32(buf + SPA, IP4(10, 77, 0, 1));
  h_put32(buf + TPA, IP4(10, 77, 0, 2));
  assert_int_equal(send_req(buf, sizeof buf), 0);
  assert_int_equal(H.nstack, 1);
  assert_memory_equal(H.stack[0] + 6, H_CLIENT_MAC, 6);  /* Ethernet src */
  assert_memory_equal(H.stack[0] + 22, H_CLIENT_MAC, 6); /* sender hw */
  assert_int_equal(h_be32(H.stack[0] + SPA), IP4(10, 77, 0, 2));
  /* its own address and addresses outside its subnet: not ours */
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 9), IP4(10, 77, 0, 1)), 0);
  assert_int_equal(send_req_addrs(IP4(10, 77, 0, 1), IP4(10, 99, 0, 1)), 0);
  assert_int_equal(H.nstack, 1);
  assert_int_equal(h_stats(&H).drop_arp_own, 1);
  assert_int_equal(h_stats(&H).drop_arp_not_ours, 1);
  ncgt_adapter_del(H.ad);
}

static void callback_failure_reported(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  H.fail_stack = 1;
  assert_int_equal(send_req(req_server, sizeof req_server),
                   NCGT_ERR_CALLBACK_DROPPED);
  assert_int_equal(h_stats(&H).drop_callback, 1);
  H.fail_stack = 0; /* still usable */
  assert_int_equal(send_req(req_server, sizeof req_server), 0);
  assert_int_equal(H.nstack, 1);
  ncgt_adapter_del(H.ad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(answers_for_server_address),
      cmocka_unit_test(answers_for_addresses_across_tunnel),
      cmocka_unit_test(never_answers_probe_or_own_address),
      cmocka_unit_test(ignores_replies_and_gratuitous),
      cmocka_unit_test(not_ours_targets),
      cmocka_unit_test(no_answer_before_client_data),
      cmocka_unit_test(malformed_dropped),
      cmocka_unit_test(server_answers_for_clients),
      cmocka_unit_test(callback_failure_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
