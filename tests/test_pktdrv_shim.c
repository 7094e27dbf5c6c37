/*
 * The packet-driver shim (pktdrv/pd_shim.c, pd_policy.c): the policy
 * table and its INI form, and the policy in both directions, with a fake
 * lower driver, a loopback tunnel stand-in and a fake tunnel-side link:
 *  protected out -> tunnel; bypass out -> lower; drop out -> nowhere;
 *  protected in from lower -> dropped and counted; tunnel in -> stack;
 *  tunnel-side ARP/DHCP -> link (the pseudo adapter's place);
 *  pass-through ARP/DHCP -> lower; address rewriting with checksums.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pd_shim.h"
#include "pktdrv_testutil.h"

#include "ncgt_inet.h"

static const uint8_t MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t GW[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t T_IP[2] = {0x08, 0x00};
static const uint8_t T_ARP[2] = {0x08, 0x06};


static const char *const CONF = "; test policy\n"
                                "[output]\n"
                                "default = bypass\n"
                                "10.8.0.0/16 = protect\n"
                                "10.8.9.0/24 = drop\n"
                                "192.0.2.66 = drop\n"
                                "[input]\n"
                                "default = bypass\n"
                                "10.8.0.0/16 = protect\n"
                                "198.51.100.0/24 = drop\n"
                                "[tunnel]\n"
                                "mac = 02:4e:43:00:00:07\n"
                                "dhcp = lower\n";

/* ---- config ------------------------------------------------------------ */

static void test_config_parse(void **state) {
  (void)state;
  pdrv_config c;
  char err[160] = "";
  assert_int_equal(pdrv_config_parse(&c, CONF, err, sizeof(err)), 0);
  assert_int_equal(c.nrules[PDRV_OUT], 3);
  assert_int_equal(c.nrules[PDRV_IN], 2);
  const uint8_t mac[6] = {0x02, 0x4e, 0x43, 0x00, 0x00, 0x07};
  assert_memory_equal(c.tunnel_mac, mac, 6);
  assert_int_equal(c.dhcp_tunnel, 0);
  /* longest prefix wins; default otherwise */
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_OUT, IP(10, 8, 1, 1)),
                   PDRV_PROTECT);
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_OUT, IP(10, 8, 9, 1)),
                   PDRV_DROP);
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_OUT, IP(192, 0, 2, 66)),
                   PDRV_DROP);
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_OUT, IP(192, 0, 2, 67)),
                   PDRV_BYPASS);
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_IN, IP(10, 8, 9, 1)),
                   PDRV_PROTECT);
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_IN, IP(198, 51, 100, 3)),
                   PDRV_DROP);
  /* the two defaults are independent */
  assert_int_equal(pdrv_config_parse(&c,
                                        "[output]\ndefault = protect\n"
                                        "[input]\ndefault = drop\n"
                                        "[tunnel]\ndhcp = tunnel\n"
                                        "address = 10.8.100.2\n",
                                        err, sizeof(err)),
                   0);
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_OUT, IP(1, 2, 3, 4)),
                   PDRV_PROTECT);
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_IN, IP(1, 2, 3, 4)),
                   PDRV_DROP);
  assert_int_equal(c.dhcp_tunnel, 1);
  assert_int_equal(c.tunnel_addr, IP(10, 8, 100, 2));
  /* /0 and first-listed among equal prefixes */
  pdrv_config_init(&c);
  assert_int_equal(pdrv_policy_add(&c, PDRV_OUT, "0.0.0.0/0",
                                      PDRV_PROTECT),
                   0);
  assert_int_equal(pdrv_policy_add(&c, PDRV_OUT, "10.0.0.0/8",
                                      PDRV_DROP),
                   0);
  assert_int_equal(pdrv_policy_add(&c, PDRV_OUT, "10.1.0.0/8",
                                      PDRV_BYPASS),
                   0);
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_OUT, IP(9, 9, 9, 9)),
                   PDRV_PROTECT);
  assert_int_equal(pdrv_policy_lookup(&c, PDRV_OUT, IP(10, 9, 9, 9)),
                   PDRV_DROP);
}

static void expect_error(const char *text, const char *msg) {
  pdrv_config c;
  char err[160] = "";
  assert_int_equal(pdrv_config_parse(&c, text, err, sizeof(err)), -1);
  assert_non_null(strstr(err, msg));
}

static void test_config_errors(void **state) {
  (void)state;
  expect_error("[output]\ndefault = tunnel\n", "line 2: action must be");
  expect_error("[output]\n\n10.0.0.0/33 = protect\n", "line 3: bad prefix");
  expect_error("[input]\n10.0.0/8 = protect\n", "line 2: bad prefix");
  expect_error("[input]\n10.0.0.0/8x = protect\n", "bad prefix");
  expect_error("[policy]\nx = y\n", "line 2: unknown section");
  expect_error("[tunnel]\nmtu = 1400\n", "unknown key");
  expect_error("[tunnel]\nmac = 01:00:5e:00:00:01\n", "bad MAC");
  expect_error("[tunnel]\nmac = 02:00:5e:00:00\n", "bad MAC");
  expect_error("[tunnel]\ndhcp = both\n", "dhcp must be");
  expect_error("[tunnel]\naddress = 10.8.100\n", "bad address");
  expect_error("[output\n", "line 1: syntax error");
  pdrv_config c;
  char err[64];
  assert_int_equal(pdrv_config_load(&c, "/nonexistent/pd.ini", err,
                                       sizeof(err)),
                   -1);
  /* a full table is an error, not an overflow */
  pdrv_config_init(&c);
  const uint8_t reserved[6] = {0x02, 0x4e, 0x43, 0x47, 0x00, 0x01};
  assert_memory_equal(c.tunnel_mac, reserved, 6); /* the adapter's */
  for (int i = 0; i < PDRV_POLICY_MAX; i++)
    assert_int_equal(pdrv_policy_add(&c, PDRV_IN, "10.0.0.1",
                                        PDRV_DROP),
                     0);
  assert_int_equal(pdrv_policy_add(&c, PDRV_IN, "10.0.0.1",
                                      PDRV_DROP),
                   -1);
  assert_int_equal(pdrv_action_parse("PROTECT"), PDRV_PROTECT);
  assert_string_equal(pdrv_action_name(PDRV_DROP), "drop");
}

/* ---- fakes -------------------------------------------------------------- */

static capture lower_cap, tunnel_cap, link_cap;
static int lower_mode;

static int lower_set_mode(int mode, void *ctx) {
  (void)ctx;
  lower_mode = mode;
  return 0;
}
static pdrv_shim *shim;
static const uint8_t LINK_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xad};

/* Fake link (where the pseudo adapter sits): records each frame; answers
 * ARP with a reply from LINK_MAC; strips IPv4 frames into the tunnel;
 * frames tunnel datagrams with LINK_MAC as source. */
static int link_from_stack(uint8_t *f, size_t len, void *ctx) {
  capture *c = ctx;
  c->n++;
  memcpy(c->last, f, len);
  c->len = len;
  if (c->fail)
    return -1;
  if (f[12] == 0x08 && f[13] == 0x00)
    return pdrv_shim_link_to_tunnel(shim, f + 14, len - 14);
  uint8_t reply[42] = {0};
  memcpy(reply, MAC, 6);
  memcpy(reply + 6, LINK_MAC, 6);
  memcpy(reply + 12, T_ARP, 2);
  reply[21] = 2; /* op = reply */
  (void)pdrv_shim_link_to_stack(shim, reply, sizeof(reply));
  return 0;
}
static capture link_in;
static int link_from_tunnel(const uint8_t *dg, size_t len, void *ctx) {
  (void)ctx;
  uint8_t f[PDRV_FRAME_MAX];
  link_in.n++;
  memcpy(f, MAC, 6);
  memcpy(f + 6, LINK_MAC, 6);
  memcpy(f + 12, T_IP, 2);
  memcpy(f + 14, dg, len);
  return pdrv_shim_link_to_stack(shim, f, len + 14) > 0 ? 0 : -1;
}

static stack st;

static int setup_conf(const char *text) {
  memset(&lower_cap, 0, sizeof(lower_cap));
  memset(&tunnel_cap, 0, sizeof(tunnel_cap));
  memset(&link_cap, 0, sizeof(link_cap));
  memset(&link_in, 0, sizeof(link_in));
  memset(&st, 0, sizeof(st));
  pdrv_config c;
  char err[128];
  assert_int_equal(pdrv_config_parse(&c, text, err, sizeof(err)), 0);
  pdrv_lower lower = {cap_send, lower_set_mode, NULL, &lower_cap};
  assert_int_equal(pdrv_shim_new(&shim, &c, &lower, MAC, "shim"), 0);
  pdrv_tunnel t = {cap_send, &tunnel_cap};
  pdrv_shim_set_tunnel(shim, &t);
  pdrv_link l = {link_from_stack, link_from_tunnel, &link_cap};
  pdrv_shim_set_link(shim, &l);
  assert_int_equal(stack_open(pdrv_shim_driver(shim), &st), PDRV_OK);
  return 0;
}

static int setup(void **state) {
  (void)state;
  return setup_conf(CONF);
}

static int teardown(void **state) {
  (void)state;
  pdrv_shim_del(shim);
  shim = NULL;
  return 0;
}

/* Ethernet + IPv4 + UDP(sport, dport) + payload, padded to `pad` bytes. */
static size_t ip_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src,
                       uint32_t ipsrc, uint32_t ipdst, uint16_t dport,
                       size_t payload, size_t pad) {
  size_t total = 20 + 8 + payload;
  size_t n = 14 + total;
  memset(f, 0, n > pad ? n : pad);
  memcpy(f, dst, 6);
  memcpy(f + 6, src, 6);
  memcpy(f + 12, T_IP, 2);
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  ip[2] = (uint8_t)(total >> 8);
  ip[3] = (uint8_t)total;
  ip[8] = 64;
  ip[9] = 17;
  for (int i = 0; i < 4; i++) {
    ip[12 + i] = (uint8_t)(ipsrc >> (24 - 8 * i));
    ip[16 + i] = (uint8_t)(ipdst >> (24 - 8 * i));
  }
  ip[20] = 0x30;
  ip[21] = 0x39;
  ip[22] = (uint8_t)(dport >> 8);
  ip[23] = (uint8_t)dport;
  for (size_t i = 0; i < payload; i++)
    ip[28 + i] = (uint8_t)i;
  return n > pad ? n : pad;
}

static size_t arp_request(uint8_t *f, uint32_t target) {
  memset(f, 0, 42);
  memcpy(f, BCAST, 6);
  memcpy(f + 6, MAC, 6);
  memcpy(f + 12, T_ARP, 2);
  uint8_t *a = f + 14;
  a[1] = 1;    /* Ethernet */
  a[2] = 0x08; /* IPv4 */
  a[4] = 6;
  a[5] = 4;
  a[7] = 1; /* request */
  memcpy(a + 8, MAC, 6);
  for (int i = 0; i < 4; i++)
    a[24 + i] = (uint8_t)(target >> (24 - 8 * i));
  return 42;
}

static pdrv_shim_stats stats(void) {
  pdrv_shim_stats s;
  pdrv_shim_get_stats(shim, &s);
  return s;
}

/* ---- output ------------------------------------------------------------- */

static void test_out_protected_to_tunnel(void **state) {
  (void)state;
  pdrv *pd = pdrv_shim_driver(shim);
  uint8_t f[100];
  /* 10-byte payload: a 38-byte datagram padded to a 60-byte frame */
  size_t n = ip_frame(f, GW, MAC, IP(192, 168, 1, 2), IP(10, 8, 1, 5), 80,
                      10, 60);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  /* through the link, re-addressed to the tunnel side's MAC, unpadded */
  const uint8_t tmac[6] = {0x02, 0x4e, 0x43, 0x00, 0x00, 0x07};
  assert_int_equal(link_cap.n, 1);
  assert_int_equal(link_cap.len, 14 + 38);
  assert_memory_equal(link_cap.last, tmac, 6);
  assert_memory_equal(link_cap.last + 6, f + 6, 38 + 8);
  /* and on into the tunnel */
  assert_int_equal(tunnel_cap.n, 1);
  assert_int_equal(tunnel_cap.len, 38);
  assert_memory_equal(tunnel_cap.last, f + 14, 38);
  assert_int_equal(lower_cap.n, 0); /* never in clear */
  assert_int_equal(stats().out_protected, 1);
  assert_int_equal(stats().out_link, 1);
  /* without a link the shim strips the header itself */
  pdrv_shim_set_link(shim, NULL);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(link_cap.n, 1);
  assert_int_equal(tunnel_cap.n, 2);
  assert_int_equal(tunnel_cap.len, 38);
  assert_memory_equal(tunnel_cap.last, f + 14, 38);
}

static void test_out_bypass_to_lower(void **state) {
  (void)state;
  pdrv *pd = pdrv_shim_driver(shim);
  uint8_t f[100];
  size_t n = ip_frame(f, GW, MAC, IP(192, 168, 1, 2), IP(192, 0, 2, 1), 80,
                      10, 60);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(lower_cap.n, 1);
  assert_int_equal(lower_cap.len, 60); /* the frame untouched */
  assert_memory_equal(lower_cap.last, f, 60);
  assert_int_equal(tunnel_cap.n, 0);
  assert_int_equal(stats().out_bypass, 1);
  /* non-IP frames pass straight through too */
  const uint8_t ip6[2] = {0x86, 0xdd};
  memcpy(f + 12, ip6, 2);
  assert_int_equal(pdrv_send_pkt(pd, f, 60), PDRV_OK);
  assert_int_equal(lower_cap.n, 2);
}

static void test_out_drop_and_tunnel_down(void **state) {
  (void)state;
  pdrv *pd = pdrv_shim_driver(shim);
  uint8_t f[100];
  size_t n = ip_frame(f, GW, MAC, IP(192, 168, 1, 2), IP(10, 8, 9, 9), 80, 4,
                      0);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  n = ip_frame(f, GW, MAC, IP(192, 168, 1, 2), IP(192, 0, 2, 66), 80, 4, 0);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(stats().out_policy_drop, 2);
  assert_int_equal(lower_cap.n + tunnel_cap.n, 0);
  /* the tunnel refuses: CANT_SEND, counted, not sent in clear */
  tunnel_cap.fail = 1;
  n = ip_frame(f, GW, MAC, IP(192, 168, 1, 2), IP(10, 8, 1, 5), 80, 4, 0);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_CANT_SEND);
  assert_int_equal(stats().out_tunnel_down, 1);
  assert_int_equal(lower_cap.n, 0);
  pdrv_shim_set_tunnel(shim, NULL); /* no tunnel at all */
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_CANT_SEND);
  assert_int_equal(stats().out_tunnel_down, 2);
  /* malformed IPv4 (total length beyond the frame): dropped, counted */
  f[14 + 2] = 0x7f;
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(stats().out_malformed, 1);
  assert_int_equal(lower_cap.n, 0);
}

/* Review P-1: with a protect (or drop) default, frames the policy table
 * cannot classify (IPv6, 802.1Q-tagged, other EtherTypes) never pass in
 * clear, in either direction; ARP still does. */
static void test_fail_closed_non_ipv4(void **state) {
  (void)state;
  teardown(state);
  setup_conf("[output]\ndefault = protect\n192.168.1.0/24 = bypass\n"
             "[input]\ndefault = protect\n192.168.1.0/24 = bypass\n"
             "[tunnel]\ndhcp = lower\n");
  pdrv *pd = pdrv_shim_driver(shim);
  uint8_t f[100];
  size_t n = ip_frame(f, GW, MAC, IP(192, 168, 1, 2), IP(192, 0, 2, 1), 80,
                      10, 60);
  static const uint8_t types[][2] = {{0x86, 0xdd}, {0x81, 0x00}, {0x88, 0xb5}};
  for (size_t i = 0; i < 3; i++) {
    memcpy(f + 12, types[i], 2);
    assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_CANT_SEND);
  }
  assert_int_equal(lower_cap.n, 0);
  assert_int_equal(stats().out_non_ipv4_drop, 3);
  assert_int_equal(stats().out_bypass, 0);
  /* inbound: an IPv6 frame from the lower driver is dropped, counted */
  uint64_t before = stats().in_lower;
  memcpy(f + 12, types[0], 2);
  assert_int_equal(pdrv_shim_from_lower(shim, f, n), -1);
  assert_int_equal(stats().in_non_ipv4_drop, 1);
  assert_int_equal(stats().in_lower, before);
  /* ARP for a bypassed address still reaches the lower link */
  n = arp_request(f, IP(192, 168, 1, 1));
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(lower_cap.n, 1);
  assert_true(pdrv_shim_from_lower(shim, f, n) >= 0);
  assert_int_equal(stats().in_non_ipv4_drop, 1);
}

static void test_arp_sides(void **state) {
  (void)state;
  pdrv *pd = pdrv_shim_driver(shim);
  uint8_t f[64];
  /* tunnel side: given to the link, its reply reaches the ARP handle */
  size_t n = arp_request(f, IP(10, 8, 0, 1));
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(link_cap.n, 1);
  assert_memory_equal(link_cap.last, f, n);
  assert_int_equal(st.got_arp, 1);
  assert_int_equal(st.buf[21], 2);
  assert_memory_equal(st.buf + 6, LINK_MAC, 6);
  assert_int_equal(lower_cap.n, 0);
  /* pass-through side: to the lower driver untouched */
  n = arp_request(f, IP(192, 168, 1, 254));
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(lower_cap.n, 1);
  assert_memory_equal(lower_cap.last, f, n);
  assert_int_equal(link_cap.n, 1);
  /* a link failure is CANT_SEND and counted; nothing leaks */
  link_cap.fail = 1;
  n = arp_request(f, IP(10, 8, 0, 1));
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_CANT_SEND);
  assert_int_equal(stats().out_link_failed, 1);
  /* no link: tunnel-side ARP is dropped and counted, never leaked */
  pdrv_shim_set_link(shim, NULL);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(stats().out_unanswered, 1);
  assert_int_equal(lower_cap.n, 1);
}

static void test_dhcp_sides(void **state) {
  (void)state;
  pdrv *pd = pdrv_shim_driver(shim);
  uint8_t f[400];
  /* dhcp = lower: a DISCOVER goes to the real network */
  size_t n = ip_frame(f, BCAST, MAC, 0, IP(255, 255, 255, 255), 67, 300, 0);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(lower_cap.n, 1);
  assert_int_equal(link_cap.n, 0);
  teardown(NULL);
  setup_conf("[tunnel]\ndhcp = tunnel\n");
  pd = pdrv_shim_driver(shim);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(link_cap.n, 1);
  assert_int_equal(lower_cap.n, 0);
  assert_int_equal(stats().out_link, 1);
}

/* ---- input -------------------------------------------------------------- */

static void test_in_from_lower(void **state) {
  (void)state;
  uint8_t f[100];
  size_t n = ip_frame(f, MAC, GW, IP(192, 0, 2, 1), IP(192, 168, 1, 2), 80, 4,
                      60);
  assert_int_equal(pdrv_shim_from_lower(shim, f, n), st.ip);
  assert_int_equal(st.got_ip, 1);
  assert_memory_equal(st.buf, f, n);
  /* a protected source that did not come through the tunnel: dropped */
  n = ip_frame(f, MAC, GW, IP(10, 8, 1, 5), IP(192, 168, 1, 2), 80, 4, 60);
  assert_int_equal(pdrv_shim_from_lower(shim, f, n), -1);
  assert_int_equal(st.got_ip, 1);
  assert_int_equal(stats().in_spoofed, 1);
  n = ip_frame(f, MAC, GW, IP(198, 51, 100, 9), IP(192, 168, 1, 2), 80, 4, 60);
  assert_int_equal(pdrv_shim_from_lower(shim, f, n), -1);
  assert_int_equal(stats().in_policy_drop, 1);
  f[14] = 0x65; /* IPv6 version nibble in an IPv4 frame */
  assert_int_equal(pdrv_shim_from_lower(shim, f, n), -1);
  assert_int_equal(stats().in_malformed, 1);
  /* ARP from the LAN goes up untouched */
  n = arp_request(f, IP(192, 168, 1, 2));
  assert_int_equal(pdrv_shim_from_lower(shim, f, n), st.arp);
  assert_int_equal(stats().in_lower, 2);
}

static void test_in_from_tunnel(void **state) {
  (void)state;
  uint8_t f[100];
  size_t n = ip_frame(f, MAC, GW, IP(10, 8, 1, 5), IP(192, 168, 1, 2), 80, 10,
                      0);
  const uint8_t *dg = f + 14;
  size_t dglen = n - 14;
  /* with a link, the link frames it */
  assert_int_equal(pdrv_shim_from_tunnel(shim, dg, dglen), 0);
  assert_int_equal(link_in.n, 1);
  assert_int_equal(st.got_ip, 1);
  assert_memory_equal(st.buf + 6, LINK_MAC, 6);
  assert_memory_equal(st.buf + 14, dg, dglen);
  /* without, the shim rebuilds: to us, from the tunnel MAC, IPv4 */
  pdrv_shim_set_link(shim, NULL);
  assert_int_equal(pdrv_shim_from_tunnel(shim, dg, dglen), st.ip);
  assert_int_equal(st.len, n);
  const uint8_t tmac[6] = {0x02, 0x4e, 0x43, 0x00, 0x00, 0x07};
  assert_memory_equal(st.buf, MAC, 6);
  assert_memory_equal(st.buf + 6, tmac, 6);
  assert_memory_equal(st.buf + 12, T_IP, 2);
  assert_memory_equal(st.buf + 14, dg, dglen);
  assert_int_equal(stats().in_tunnel, 2);
  /* the tunnel may only carry protected sources */
  n = ip_frame(f, MAC, GW, IP(192, 0, 2, 1), IP(192, 168, 1, 2), 80, 10, 0);
  assert_int_equal(pdrv_shim_from_tunnel(shim, f + 14, n - 14), -1);
  assert_int_equal(stats().in_tunnel_spoofed, 1);
  assert_int_equal(st.got_ip, 2);
  /* truncated datagram */
  assert_int_equal(pdrv_shim_from_tunnel(shim, f + 14, 19), -1);
  assert_int_equal(stats().in_malformed, 1);
  /* too big for one frame */
  static uint8_t big[2000];
  memcpy(big, f + 14, 20);
  big[2] = (uint8_t)(sizeof(big) >> 8);
  big[3] = (uint8_t)sizeof(big);
  big[12] = 10;
  big[13] = 8;
  assert_int_equal(pdrv_shim_from_tunnel(shim, big, sizeof(big)), -1);
  assert_int_equal(stats().in_tunnel_too_big, 1);
}

/* Where the transport checksum of dg sits (UDP 6, TCP 16 after the
 * 20-byte IPv4 header). */
static size_t l4_csum(const uint8_t *dg) { return dg[9] == 6 ? 36 : 26; }

/* Fills in valid IPv4 header and UDP/TCP checksums of the datagram. */
static void fix_checksums(uint8_t *dg) {
  size_t total = (size_t)dg[2] << 8 | dg[3];
  dg[10] = dg[11] = 0;
  ncgt_put_u16(dg + 10, ncgt_csum_fold(ncgt_csum_add(0, dg, 20)));
  ncgt_put_u16(dg + l4_csum(dg), 0);
  uint32_t sum = ncgt_csum_pseudo4(dg + 12, dg + 16, dg[9], total - 20);
  ncgt_put_u16(dg + l4_csum(dg),
               ncgt_csum_fold(ncgt_csum_add(sum, dg + 20, total - 20)));
}

/* Both checksums verify (sum to zero / 0xffff complemented). */
static void assert_checksums_ok(const uint8_t *dg) {
  size_t total = (size_t)dg[2] << 8 | dg[3];
  assert_int_equal(ncgt_csum_fold(ncgt_csum_add(0, dg, 20)), 0);
  uint32_t sum = ncgt_csum_pseudo4(dg + 12, dg + 16, dg[9], total - 20);
  assert_int_equal(ncgt_csum_fold(ncgt_csum_add(sum, dg + 20, total - 20)),
                   0);
}

/* With a tunnel address, protected datagrams leave with it as source and
 * come back to the stack's own address, checksums still valid. UDP (the
 * frame as built) or TCP (protocol byte changed: the 20 bytes after the
 * IPv4 header are then read as a TCP header). */
static void address_rewriting(uint8_t proto) {
  pdrv *pd = pdrv_shim_driver(shim);
  pdrv_shim_set_tunnel_addr(shim, IP(10, 8, 100, 2));
  uint8_t f[100];
  size_t n = ip_frame(f, GW, MAC, IP(192, 168, 1, 2), IP(10, 8, 1, 5), 7, 13,
                      0);
  f[14 + 9] = proto;
  fix_checksums(f + 14);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(tunnel_cap.n, 1);
  const uint8_t taddr[4] = {10, 8, 100, 2};
  assert_memory_equal(tunnel_cap.last + 12, taddr, 4);
  assert_memory_equal(tunnel_cap.last + 16, f + 14 + 16, 4);
  assert_checksums_ok(tunnel_cap.last);
  assert_memory_equal(tunnel_cap.last + 20, f + 14 + 20, 6); /* ports ... */
  assert_memory_equal(tunnel_cap.last + 38, f + 14 + 38, 3); /* payload */
  /* the reply to the tunnel address reaches the stack at its own */
  uint8_t echo[100];
  memcpy(echo, tunnel_cap.last, tunnel_cap.len);
  memcpy(echo + 12, tunnel_cap.last + 16, 4);
  memcpy(echo + 16, tunnel_cap.last + 12, 4);
  fix_checksums(echo);
  assert_int_equal(pdrv_shim_from_tunnel(shim, echo, tunnel_cap.len), 0);
  assert_int_equal(st.got_ip, 1);
  const uint8_t stack_addr[4] = {192, 168, 1, 2};
  assert_memory_equal(st.buf + 14 + 16, stack_addr, 4);
  assert_memory_equal(st.buf + 14 + 12, echo + 12, 4);
  assert_checksums_ok(st.buf + 14);
  /* the original frame the stack passed in was not modified */
  assert_memory_equal(f + 14 + 12, stack_addr, 4);
}

static void test_address_rewriting_udp(void **state) {
  (void)state;
  address_rewriting(17);
}

static void test_address_rewriting_tcp(void **state) {
  (void)state;
  address_rewriting(6);
}

/* Loopback tunnel stand-in: what the stack sends to a protected host comes
 * back from it through the tunnel, and reaches the stack. */
static void test_loopback_tunnel_round_trip(void **state) {
  (void)state;
  pdrv *pd = pdrv_shim_driver(shim);
  uint8_t f[100];
  size_t n = ip_frame(f, GW, MAC, IP(192, 168, 1, 2), IP(10, 8, 1, 5), 7, 16,
                      0);
  assert_int_equal(pdrv_send_pkt(pd, f, n), PDRV_OK);
  assert_int_equal(tunnel_cap.n, 1);
  uint8_t echo[PDRV_FRAME_MAX];
  memcpy(echo, tunnel_cap.last, tunnel_cap.len);
  memcpy(echo + 12, tunnel_cap.last + 16, 4); /* swap addresses */
  memcpy(echo + 16, tunnel_cap.last + 12, 4);
  assert_int_equal(pdrv_shim_from_tunnel(shim, echo, tunnel_cap.len), 0);
  assert_int_equal(st.got_ip, 1);
  assert_memory_equal(st.buf + 14 + 20, f + 14 + 20, n - 34);
  pdrv_stats ps;
  assert_int_equal(pdrv_get_statistics(pd, st.ip, &ps), PDRV_OK);
  assert_int_equal(ps.packets_out, 1);
  assert_int_equal(ps.packets_in, 1);
}

static void test_modes_reach_lower(void **state) {
  (void)state;
  pdrv *pd = pdrv_shim_driver(shim);
  assert_int_equal(pdrv_set_rcv_mode(pd, st.ip, 6), PDRV_OK);
  assert_int_equal(lower_mode, 6);
  /* this fake lower has no multicast */
  const uint8_t m[6] = {0x01, 0, 0x5e, 0, 0, 1};
  assert_int_equal(pdrv_set_multicast_list(pd, m, 6),
                   PDRV_NO_MULTICAST);
}

/* xorshift32: a fixed pseudo-random sequence, so failures reproduce. */
static uint32_t rnd(uint32_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return *x;
}

/* An address the policy (CONF) has a rule for, or not. */
static uint32_t random_addr(uint32_t *x) {
  static const uint32_t addrs[] = {IP(10, 8, 1, 5), IP(10, 8, 9, 9),
                                   IP(192, 0, 2, 66), IP(198, 51, 100, 7),
                                   IP(192, 168, 1, 2)};
  return addrs[rnd(x) % (sizeof(addrs) / sizeof(addrs[0]))];
}

/* A random frame, often close enough to IPv4/ARP to reach the parsers:
 * EtherType, version/IHL, total length, ARP op and addresses drawn from
 * small sets, everything else random. Returns its length (0..1600). */
static size_t random_frame(uint8_t *f, uint32_t *x) {
  size_t len = rnd(x) % 1601;
  for (size_t i = 0; i < len; i++)
    f[i] = (uint8_t)rnd(x);
  int arp = rnd(x) % 4 == 0;
  if (len >= 14 && rnd(x) % 4)
    f[12] = 0x08, f[13] = arp ? 0x06 : 0x00;
  if (arp && len >= 42) {
    f[20] = 0, f[21] = (uint8_t)(1 + rnd(x) % 2);
    ncgt_put_u32(f + 38, random_addr(x));
  } else if (len >= 34 && rnd(x) % 4) {
    f[14] = (uint8_t)(0x40 | (rnd(x) % 4 ? 5 : rnd(x) % 16));
    size_t total = rnd(x) % 2 ? len - 14 : rnd(x) % 1600;
    ncgt_put_u16(f + 16, (uint16_t)total);
    ncgt_put_u32(f + 26, random_addr(x));
    ncgt_put_u32(f + 30, random_addr(x));
  }
  return len;
}

/* Property: every frame from the lower driver or datagram from the tunnel
 * ends in exactly one input counter, every frame the shim is given by
 * send_pkt in exactly one output counter; nothing crashes (ASan build). */
static void test_random_frames_accounted(void **state) {
  (void)state;
  pdrv *pd = pdrv_shim_driver(shim);
  pdrv_shim_set_link(shim, NULL);
  uint32_t x = 0x2545F491u;
  static uint8_t f[1601];
  uint64_t n_in = 0, n_out = 0;
  for (int i = 0; i < 20000; i++) {
    size_t len = random_frame(f, &x);
    tunnel_cap.fail = (int)(rnd(&x) % 2);
    switch (rnd(&x) % 3) {
    case 0:
      (void)pdrv_shim_from_lower(shim, f, len);
      n_in++;
      break;
    case 1:
      (void)pdrv_shim_from_tunnel(shim, f + 14 * (len >= 14),
                                     len - 14 * (len >= 14));
      n_in++;
      break;
    default:
      (void)pdrv_send_pkt(pd, f, len);
      n_out += len >= 14 && len <= PDRV_FRAME_MAX;
    }
  }
  pdrv_shim_stats s = stats();
  assert_int_equal(s.in_lower + s.in_spoofed + s.in_policy_drop +
                       s.in_malformed + s.in_tunnel + s.in_tunnel_spoofed +
                       s.in_tunnel_too_big,
                   n_in);
  assert_int_equal(s.out_bypass + s.out_protected + s.out_policy_drop +
                       s.out_tunnel_down + s.out_malformed + s.out_unanswered,
                   n_out);
  /* the sets were chosen so that every path was taken */
  assert_true(s.in_lower && s.in_spoofed && s.in_policy_drop &&
              s.in_malformed && s.in_tunnel && s.in_tunnel_spoofed &&
              s.in_tunnel_too_big);
  assert_true(s.out_bypass && s.out_protected && s.out_policy_drop &&
              s.out_tunnel_down && s.out_malformed && s.out_unanswered);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_config_parse),
      cmocka_unit_test(test_config_errors),
      cmocka_unit_test_setup_teardown(test_out_protected_to_tunnel, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_out_bypass_to_lower, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_out_drop_and_tunnel_down, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_fail_closed_non_ipv4, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_arp_sides, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dhcp_sides, setup, teardown),
      cmocka_unit_test_setup_teardown(test_in_from_lower, setup, teardown),
      cmocka_unit_test_setup_teardown(test_in_from_tunnel, setup, teardown),
      cmocka_unit_test_setup_teardown(test_address_rewriting_udp, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_address_rewriting_tcp, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_loopback_tunnel_round_trip, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_modes_reach_lower, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_random_frames_accounted, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
