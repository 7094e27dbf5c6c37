/*
 * The shim with libncgtun's pseudo adapter as its tunnel-side link
 * (pktdrv/pd_link_adapter.c): the stack's ARP for an address across
 * the tunnel is answered by the adapter's ARP emulator with the reserved
 * MAC and never reaches the LAN; its DHCP (dhcp = tunnel) by the DHCP
 * emulator from the client data; protected datagrams reach the tunnel with
 * the tunnel address as source; the tunnel's datagrams come back framed
 * from the reserved MAC to the stack's own address. Fake lower driver,
 * loopback tunnel stand-in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pd_link_adapter.h"
#include "pktdrv_testutil.h"


static const uint8_t MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t GW[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe};
static const uint8_t SERVER_MAC[6] = NCGT_SERVER_MAC_DEFAULT;
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static capture lower_cap, tunnel_cap;

static pdrv_shim *shim;
static pdrv_adlink *adl;
static stack st;

static int setup(void **state) {
  (void)state;
  memset(&lower_cap, 0, sizeof(lower_cap));
  memset(&tunnel_cap, 0, sizeof(tunnel_cap));
  memset(&st, 0, sizeof(st));
  pdrv_config c;
  char err[128];
  assert_int_equal(pdrv_config_parse(&c,
                                        "[output]\n10.8.0.0/16 = protect\n"
                                        "[input]\n10.8.0.0/16 = protect\n"
                                        "[tunnel]\ndhcp = tunnel\n"
                                        "mac = 02:4e:43:47:00:01\n",
                                        err, sizeof(err)),
                   0);
  pdrv_lower lower = {cap_send, NULL, NULL, &lower_cap};
  assert_int_equal(pdrv_shim_new(&shim, &c, &lower, MAC, "shim"), 0);
  pdrv_tunnel t = {cap_send, &tunnel_cap};
  pdrv_shim_set_tunnel(shim, &t);
  assert_int_equal(pdrv_adlink_new(&adl, shim, c.tunnel_mac, MAC, 0), 0);
  /* client data: 10.8.100.2/24, server 10.8.100.1, route 10.8.0.0/16 */
  ncgt_client_config cc;
  memset(&cc, 0, sizeof(cc));
  cc.client_addr = IP(10, 8, 100, 2);
  cc.prefix_len = 24;
  cc.server_addr = IP(10, 8, 100, 1);
  cc.mtu = 1400;
  cc.lease_s = 3600;
  cc.nroutes = 1;
  cc.routes[0].dest = IP(10, 8, 0, 0);
  cc.routes[0].prefix_len = 16;
  cc.routes[0].gateway = IP(10, 8, 100, 1);
  uint8_t opts[NCGT_CC_ENCODED_MAX];
  ssize_t n = ncgt_client_config_encode(opts, sizeof(opts), &cc);
  assert_true(n > 0);
  assert_int_equal(pdrv_adlink_set_client_data(adl, opts, (size_t)n), 0);
  assert_int_equal(stack_open(pdrv_shim_driver(shim), &st), PDRV_OK);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  pdrv_adlink_del(adl);
  pdrv_shim_del(shim);
  return 0;
}

static void put32(uint8_t *b, uint32_t v) {
  b[0] = (uint8_t)(v >> 24);
  b[1] = (uint8_t)(v >> 16);
  b[2] = (uint8_t)(v >> 8);
  b[3] = (uint8_t)v;
}

static void test_arp_answered_by_adapter(void **state) {
  (void)state;
  uint8_t f[42] = {0};
  memcpy(f, BCAST, 6);
  memcpy(f + 6, MAC, 6);
  f[12] = 0x08;
  f[13] = 0x06;
  uint8_t *a = f + 14;
  a[1] = 1;
  a[2] = 0x08;
  a[4] = 6;
  a[5] = 4;
  a[7] = 1;
  memcpy(a + 8, MAC, 6);
  put32(a + 14, IP(10, 8, 100, 2));
  put32(a + 24, IP(10, 8, 100, 1));
  assert_int_equal(pdrv_send_pkt(pdrv_shim_driver(shim), f, 42),
                   PDRV_OK);
  assert_int_equal(lower_cap.n, 0); /* not on the LAN */
  assert_int_equal(st.got_arp, 1);
  /* an ARP reply: "10.8.100.1 is at the reserved MAC" */
  assert_memory_equal(st.buf, MAC, 6);
  assert_int_equal(st.buf[14 + 7], 2);
  assert_memory_equal(st.buf + 14 + 8, SERVER_MAC, 6);
  uint8_t spa[4];
  put32(spa, IP(10, 8, 100, 1));
  assert_memory_equal(st.buf + 14 + 14, spa, 4);
  ncgt_adapter_stats as;
  pdrv_adlink_get_stats(adl, &as);
  assert_int_equal(as.arp_replies, 1);
}

/* Ethernet + IPv4 + UDP, valid IPv4 header checksum, UDP checksum 0. */
static size_t udp_frame(uint8_t *f, const uint8_t *dst, uint32_t src_ip,
                        uint32_t dst_ip, uint16_t sport, uint16_t dport,
                        size_t payload) {
  size_t total = 28 + payload;
  memset(f, 0, 14 + total);
  memcpy(f, dst, 6);
  memcpy(f + 6, MAC, 6);
  f[12] = 0x08;
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  ip[2] = (uint8_t)(total >> 8);
  ip[3] = (uint8_t)total;
  ip[8] = 64;
  ip[9] = 17;
  put32(ip + 12, src_ip);
  put32(ip + 16, dst_ip);
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2)
    sum += (uint32_t)ip[i] << 8 | ip[i + 1];
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = (uint8_t)(~sum >> 8);
  ip[11] = (uint8_t)~sum;
  ip[20] = (uint8_t)(sport >> 8);
  ip[21] = (uint8_t)sport;
  ip[22] = (uint8_t)(dport >> 8);
  ip[23] = (uint8_t)dport;
  ip[24] = (uint8_t)((8 + payload) >> 8);
  ip[25] = (uint8_t)(8 + payload);
  return 14 + total;
}

static void test_dhcp_answered_by_adapter(void **state) {
  (void)state;
  /* a DHCPDISCOVER from 0.0.0.0 */
  uint8_t f[400];
  size_t n = udp_frame(f, BCAST, 0, IP(255, 255, 255, 255), 68, 67, 300);
  uint8_t *b = f + 14 + 28;
  b[0] = 1; /* BOOTREQUEST */
  b[1] = 1;
  b[2] = 6;
  b[4] = 0x12; /* xid */
  memcpy(b + 28, MAC, 6);
  const uint8_t cookie_and_discover[] = {99, 130, 83, 99, 53, 1, 1, 255};
  memcpy(b + 236, cookie_and_discover, sizeof(cookie_and_discover));
  assert_int_equal(pdrv_send_pkt(pdrv_shim_driver(shim), f, n),
                   PDRV_OK);
  assert_int_equal(lower_cap.n, 0);
  ncgt_adapter_stats as;
  pdrv_adlink_get_stats(adl, &as);
  assert_int_equal(as.dhcp_offers, 1);
  assert_int_equal(st.got_ip, 1);
  /* the OFFER carries yiaddr = the tunnel address */
  uint8_t yiaddr[4];
  put32(yiaddr, IP(10, 8, 100, 2));
  assert_memory_equal(st.buf + 14 + 28 + 16, yiaddr, 4);
}

static void test_datagrams_both_ways(void **state) {
  (void)state;
  /* the stack (LAN address 192.168.1.2) sends via its LAN gateway */
  uint8_t f[200];
  size_t n = udp_frame(f, GW, IP(192, 168, 1, 2), IP(10, 8, 1, 5), 4000, 7,
                       20);
  assert_int_equal(pdrv_send_pkt(pdrv_shim_driver(shim), f, n),
                   PDRV_OK);
  assert_int_equal(lower_cap.n, 0);
  assert_int_equal(tunnel_cap.n, 1);
  assert_int_equal(tunnel_cap.len, n - 14);
  uint8_t taddr[4];
  put32(taddr, IP(10, 8, 100, 2)); /* source = the tunnel address */
  assert_memory_equal(tunnel_cap.last + 12, taddr, 4);
  assert_memory_equal(tunnel_cap.last + 16, f + 14 + 16, 4);
  assert_memory_equal(tunnel_cap.last + 28, f + 14 + 28, 20);
  /* reply from 10.8.1.5 to the tunnel address */
  uint8_t r[200];
  size_t rn = udp_frame(r, MAC, IP(10, 8, 1, 5), IP(10, 8, 100, 2), 7, 4000,
                        20);
  assert_int_equal(pdrv_shim_from_tunnel(shim, r + 14, rn - 14), 0);
  assert_int_equal(st.got_ip, 1);
  assert_memory_equal(st.buf, MAC, 6);
  assert_memory_equal(st.buf + 6, SERVER_MAC, 6);
  uint8_t laddr[4];
  put32(laddr, IP(192, 168, 1, 2)); /* back to the stack's own address */
  assert_memory_equal(st.buf + 14 + 16, laddr, 4);
  ncgt_adapter_stats as;
  pdrv_adlink_get_stats(adl, &as);
  assert_int_equal(as.to_tunnel, 1);
  assert_int_equal(as.to_stack, 1);
  /* tunnel down: CANT_SEND, nothing on the LAN */
  pdrv_shim_set_tunnel(shim, NULL);
  assert_int_equal(pdrv_send_pkt(pdrv_shim_driver(shim), f, n),
                   PDRV_CANT_SEND);
  assert_int_equal(lower_cap.n, 0);
  pdrv_shim_stats ss;
  pdrv_shim_get_stats(shim, &ss);
  assert_int_equal(ss.out_tunnel_down, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_arp_answered_by_adapter, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_dhcp_answered_by_adapter, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_datagrams_both_ways, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
