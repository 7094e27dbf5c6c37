/* Minimised reproducers of library bugs the libFuzzer targets found
 * (doc/fuzzing.md "A crash: reproduce, minimise, turn into a unit test"),
 * each fed to the function its target feeds, with the exact outcome of the
 * fixed code. */
#include <stdlib.h>

#include "adapter_harness.h"

/* fuzz_adapter_stack: a DHCPREQUEST (SELECTING: server id 10.77.0.1,
 * requested 10.77.0.2) whose chaddr 29:54:00:12:34:56 is a multicast
 * address. The DHCP emulator answered with an ACK sent unicast (RFC 2131
 * 4.1) to that multicast MAC. Like the ARP emulator with a multicast
 * sender address, it must drop the request as malformed. */
static const uint8_t dhcp_multicast_chaddr[342] = {
    /* Ethernet: broadcast from the stack's MAC, IPv4 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
    0x08, 0x00,
    /* IPv4 0.0.0.0 -> 255.255.255.255, UDP */
    0x45, 0x00, 0x01, 0x48, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x39, 0xa5,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
    /* UDP 68 -> 67 */
    0x00, 0x44, 0x00, 0x43, 0x01, 0x34, 0xdb, 0x79,
    /* BOOTREQUEST, Ethernet, xid, flags BROADCAST, ciaddr 0.0.0.64 */
    0x01, 0x01, 0x06, 0x00, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x80, 0x00,
    0x00, 0x00, 0x00, 0x40,
    /* chaddr: multicast bit set */
    [70] = 0x29, 0x54, 0x00, 0x12, 0x34, 0x56,
    /* cookie, DHCPREQUEST, requested address, server id, PRL, END */
    [278] = 0x63, 0x82, 0x53, 0x63, 0x35, 0x01, 0x03, 0x32, 0x04, 0x0a, 0x4d,
    0x00, 0x02, 0x36, 0x04, 0x0a, 0x4d, 0x00, 0x01, 0x37, 0x05, 0x01, 0x03,
    0x06, 0x0f, 0x79, 0xff};

static void feed(harness *h, const uint8_t *f, size_t n) {
  uint8_t *b = malloc(n); /* exact size: ASan sees overreads */
  assert_non_null(b);
  memcpy(b, f, n);
  assert_int_equal(ncgt_adapter_from_stack(h->ad, b, n), 0);
  free(b);
}

static void fuzz_regression_dhcp_multicast_chaddr(void **state) {
  (void)state;
  harness h;
  h_new(&h, NCGT_ADAPTER_CLIENT, 1);
  feed(&h, dhcp_multicast_chaddr, sizeof dhcp_multicast_chaddr);
  assert_int_equal(h.nstack, 0);
  assert_int_equal(h_stats(&h).drop_dhcp_malformed, 1);
  assert_int_equal(h_stats(&h).dhcp_acks, 0);

  /* the same request from a unicast chaddr is answered */
  uint8_t ok[sizeof dhcp_multicast_chaddr];
  memcpy(ok, dhcp_multicast_chaddr, sizeof ok);
  ok[70] = 0x52;
  feed(&h, ok, sizeof ok);
  assert_int_equal(h.nstack, 1);
  assert_int_equal(h_stats(&h).dhcp_acks, 1);
  assert_memory_equal(h.stack[0], ok + 70, 6); /* unicast to chaddr */
  ncgt_adapter_del(h.ad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fuzz_regression_dhcp_multicast_chaddr),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
