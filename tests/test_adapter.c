/* The adapter's dispatch (lib/ncgt_adapter.c) and MTU handling
 * (lib/ncgt_ipmtu.c): Ethernet strip and rebuild, drops, anti-spoofing,
 * ICMP "fragmentation needed" / ICMPv6 "packet too big", fragmentation,
 * MSS clamping. */
#include "adapter_harness.h"

static harness H;
static uint8_t F[4096];

static const uint32_t CLIENT = IP4(10, 77, 0, 2), LAN = IP4(10, 88, 1, 7);

/* An IPv4 frame from the stack to `dst`, `tot` bytes of IP, payload
 * bytes numbered. Returns the frame length (plus `pad` zero bytes). */
static size_t v4_frame(uint32_t src, uint32_t dst, uint8_t proto, size_t tot,
                       uint16_t frag, size_t pad) {
  h_eth(F, H_SERVER_MAC, H_STACK_MAC, 0x0800);
  for (size_t i = 34; i < 14 + tot; i++)
    F[i] = (uint8_t)i;
  h_ip4(F + 14, src, dst, proto, tot, frag);
  memset(F + 14 + tot, 0, pad);
  return 14 + tot + pad;
}

static const uint8_t V6_SRC[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t V6_DST[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                   0, 0, 0, 0, 0, 0, 0, 7};

static size_t v6_frame(const uint8_t *dst, uint8_t nh, size_t plen) {
  h_eth(F, H_SERVER_MAC, H_STACK_MAC, 0x86DD);
  uint8_t *ip = F + 14;
  memset(ip, 0, 40);
  ip[0] = 0x60;
  h_put16(ip + 4, (uint16_t)plen);
  ip[6] = nh;
  ip[7] = 64;
  memcpy(ip + 8, V6_SRC, 16);
  memcpy(ip + 24, dst, 16);
  for (size_t i = 0; i < plen; i++)
    ip[40 + i] = (uint8_t)i;
  return 14 + 40 + plen;
}

static void settings_validated(void **state) {
  (void)state;
  ncgt_adapter *ad = NULL;
  ncgt_adapter_settings s;
  ncgt_adapter_callbacks cb = {NCGT_ADAPTER_CALLBACKS_VERSION, h_to_stack,
                               h_to_tunnel, NULL, NULL, NULL};
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_CLIENT);
  assert_int_equal(s.mtu, 1400);
  assert_memory_equal(s.server_mac, H_SERVER_MAC, 6);
  assert_int_equal(s.server_mac[0] & 3, 2); /* locally administered unicast */
  assert_int_equal(s.client_mac[0] & 3, 2);
  s.mtu = 500;
  assert_int_equal(ncgt_adapter_new(&ad, &s, &cb, NULL),
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_CLIENT);
  s.server_mac[0] = 0x03; /* multicast */
  assert_int_equal(ncgt_adapter_new(&ad, &s, &cb, NULL),
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_CLIENT);
  memcpy(s.client_mac, s.server_mac, 6);
  assert_int_equal(ncgt_adapter_new(&ad, &s, &cb, NULL),
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_SERVER); /* no address */
  assert_int_equal(ncgt_adapter_new(&ad, &s, &cb, NULL),
                   NCGT_ERR_INVALID_ARGUMENT);
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_CLIENT);
  s.version = 0; /* not a versioned struct: uninitialised */
  assert_int_equal(ncgt_adapter_new(&ad, &s, &cb, NULL),
                   NCGT_ERR_INVALID_ARGUMENT);
  /* a newer caller's struct is read up to the fields known here */
  s.version = 99;
  assert_int_equal(ncgt_adapter_new(&ad, &s, &cb, NULL), 0);
  ncgt_adapter_del(ad);
  ad = NULL;
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_CLIENT);
  cb.to_tunnel = NULL;
  assert_int_equal(ncgt_adapter_new(&ad, &s, &cb, NULL),
                   NCGT_ERR_INVALID_ARGUMENT);
  assert_null(ad);
  /* set_client_data is for the client role only */
  h_new(&H, NCGT_ADAPTER_SERVER, 0);
  assert_int_equal(ncgt_adapter_set_client_data(H.ad, F, 0),
                   NCGT_ERR_INVALID_STATE);
  ncgt_adapter_del(H.ad);
}

/* Fig. 17: the Ethernet header is stripped, Ethernet padding too. */
static void ip_goes_to_tunnel(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  size_t n = v4_frame(CLIENT, LAN, 17, 28, 0, 18); /* padded to 60 */
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(H.ntun, 1);
  assert_int_equal(H.tun_proto[0], 4);
  assert_int_equal(H.tun_len[0], 28);
  assert_memory_equal(H.tun[0], F + 14, 28);
  n = v6_frame(V6_DST, 17, 100);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(H.ntun, 2);
  assert_int_equal(H.tun_proto[1], 6);
  assert_int_equal(H.tun_len[1], 140);
  /* DHCP to an address that is not the server's goes through too */
  n = v4_frame(CLIENT, LAN, 17, 28, 0, 0);
  h_put16(F + 36, 67);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(H.ntun, 3);
  ncgt_adapter_stats st = h_stats(&H);
  assert_int_equal(st.stack_frames, 3);
  assert_int_equal(st.to_tunnel, 3);
  assert_int_equal(H.nstack, 0);
  ncgt_adapter_del(H.ad);
}

static void drops_are_counted(void **state) {
  (void)state;
  static const uint8_t other_mac[6] = {0x52, 0x54, 0, 0, 0, 9};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  size_t n = v4_frame(CLIENT, LAN, 17, 28, 0, 0);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, 13), 0); /* runt */
  memcpy(F, other_mac, 6);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  memcpy(F, H_SERVER_MAC, 6);
  h_put16(F + 12, 0x8100); /* VLAN */
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  h_put16(F + 12, 0x88CC); /* LLDP */
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  h_put16(F + 12, 0x86DD); /* IPv4 bytes under the IPv6 type */
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  n = v4_frame(CLIENT, LAN, 17, 28, 0, 0);
  h_put16(F + 16, 29); /* total length beyond the frame */
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  n = v4_frame(CLIENT, LAN, 17, 28, 0, 0);
  F[14] = 0x44; /* IHL 4 */
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  /* broadcast, subnet broadcast, multicast, IPv6 multicast/link-local */
  n = v4_frame(CLIENT, 0xFFFFFFFFu, 17, 28, 0, 0);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  n = v4_frame(CLIENT, IP4(10, 77, 0, 255), 17, 28, 0, 0);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  n = v4_frame(CLIENT, IP4(239, 1, 2, 3), 17, 28, 0, 0);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  static const uint8_t mc6[16] = {0xFF, 0x02, 0, 0, 0, 0, 0, 0,
                                  0,    0,    0, 0, 0, 0, 0, 0x16};
  static const uint8_t ll6[16] = {0xFE, 0x80, 0, 0, 0, 0, 0, 0,
                                  0,    0,    0, 0, 0, 0, 0, 1};
  n = v6_frame(mc6, 58, 20);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  n = v6_frame(ll6, 58, 20);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  ncgt_adapter_stats st = h_stats(&H);
  assert_int_equal(st.drop_runt, 1);
  assert_int_equal(st.drop_not_for_us, 1);
  assert_int_equal(st.drop_ethertype, 2);
  assert_int_equal(st.drop_ip_malformed, 3);
  assert_int_equal(st.drop_not_unicast, 5);
  assert_int_equal(H.ntun + H.nstack, 0);
  ncgt_adapter_del(H.ad);
}

/* Fig. 18: an Ethernet header around the datagram, from the reserved MAC
 * to the stack's (learnt; broadcast until known). */
static void tunnel_to_stack(void **state) {
  (void)state;
  uint8_t dg[60];
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  v4_frame(LAN, CLIENT, 17, sizeof dg, 0, 0);
  memcpy(dg, F + 14, sizeof dg);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, dg, sizeof dg, 0), 0);
  assert_int_equal(H.nstack, 1);
  assert_int_equal(H.stack_len[0], 14 + sizeof dg);
  assert_memory_equal(H.stack[0], H_BCAST, 6);
  assert_memory_equal(H.stack[0] + 6, H_SERVER_MAC, 6);
  assert_int_equal(h_be16(H.stack[0] + 12), 0x0800);
  assert_memory_equal(H.stack[0] + 14, dg, sizeof dg);
  size_t n = v4_frame(CLIENT, LAN, 17, 28, 0, 0); /* teaches the MAC */
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, dg, sizeof dg, 0), 0);
  assert_memory_equal(H.stack[1], H_STACK_MAC, 6);
  /* garbage and IPv6 */
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, dg, 10, 0), 0);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, dg, 0, 0), 0);
  n = v6_frame(V6_SRC, 17, 8);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, F + 14, n - 14, 0), 0);
  assert_int_equal(h_be16(H.stack[2] + 12), 0x86DD);
  ncgt_adapter_stats st = h_stats(&H);
  assert_int_equal(st.drop_ip_malformed, 2);
  assert_int_equal(st.tunnel_dgrams, 5);
  assert_int_equal(st.to_stack, 3);
  ncgt_adapter_del(H.ad);
}

/* Seed 002 3.2: a tunnel may only send from the address it was given. */
static void server_anti_spoofing(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_SERVER, 0);
  size_t n = v4_frame(CLIENT, LAN, 17, 40, 0, 0);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, F + 14, n - 14, CLIENT), 0);
  assert_int_equal(H.nstack, 1);
  assert_memory_equal(H.stack[0] + 6, H_CLIENT_MAC, 6);
  /* another client's address, a LAN address, a tunnel with none */
  assert_int_equal(
      ncgt_adapter_from_tunnel(H.ad, F + 14, n - 14, IP4(10, 77, 0, 3)), 0);
  n = v4_frame(LAN, IP4(10, 88, 1, 8), 17, 40, 0, 0);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, F + 14, n - 14, CLIENT), 0);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, F + 14, n - 14, 0), 0);
  n = v6_frame(V6_DST, 17, 8);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, F + 14, n - 14, CLIENT), 0);
  assert_int_equal(H.nstack, 1);
  ncgt_adapter_stats st = h_stats(&H);
  assert_int_equal(st.drop_spoofed, 3);
  assert_int_equal(st.drop_ipv6_server, 1);
  /* the client role does not filter */
  ncgt_adapter_del(H.ad);
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  n = v4_frame(LAN, CLIENT, 17, 40, 0, 0);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, F + 14, n - 14, 0), 0);
  assert_int_equal(H.nstack, 1);
  ncgt_adapter_del(H.ad);
}

/* RFC 1191: DF set, too big -> type 3 code 4 with the next-hop MTU. */
static void frag_needed_for_df(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  size_t n = v4_frame(CLIENT, LAN, 6, 1500, 0x4000, 0);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(H.ntun, 0);
  assert_int_equal(H.nstack, 1);
  const uint8_t *f = H.stack[0], *ip = f + 14, *icmp = ip + 20;
  assert_memory_equal(f, H_STACK_MAC, 6);
  assert_memory_equal(f + 6, H_SERVER_MAC, 6);
  assert_int_equal(H.stack_len[0], 14 + 576);
  assert_int_equal(h_be16(ip + 2), 576);
  assert_int_equal(ip[9], 1);
  assert_int_equal(h_be32(ip + 12), LAN);    /* from the destination */
  assert_int_equal(h_be32(ip + 16), CLIENT); /* to the sender */
  assert_true(h_ip4_ok(ip));
  assert_true(h_l4_ok(ip));
  assert_int_equal(icmp[0], 3);
  assert_int_equal(icmp[1], 4);
  assert_int_equal(h_be16(icmp + 4), 0);
  assert_int_equal(h_be16(icmp + 6), 1400);
  assert_memory_equal(icmp + 8, F + 14, 576 - 28); /* the quoted datagram */
  assert_int_equal(h_stats(&H).icmp_frag_needed, 1);
  /* exactly the MTU passes */
  n = v4_frame(CLIENT, LAN, 6, 1400, 0x4000, 0);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(H.ntun, 1);
  /* no error about an ICMP error */
  n = v4_frame(CLIENT, LAN, 1, 1500, 0x4000, 0);
  F[34] = 3;
  h_put16(F + 24, 0);
  h_put16(F + 24, (uint16_t)~h_fold(h_sum(0, F + 14, 20)));
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  /* but about an echo request, yes */
  F[34] = 8;
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(H.nstack, 2);
  assert_int_equal(h_stats(&H).drop_too_big, 1);
  ncgt_adapter_del(H.ad);
}

/* RFC 4443 3.2: IPv6 too big -> packet too big, whatever the flags. */
static void packet_too_big_v6(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  size_t n = v6_frame(V6_DST, 17, 1500);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(H.ntun, 0);
  assert_int_equal(H.nstack, 1);
  const uint8_t *ip = H.stack[0] + 14, *icmp = ip + 40;
  assert_int_equal(H.stack_len[0], 14 + 1280);
  assert_int_equal(h_be16(H.stack[0] + 12), 0x86DD);
  assert_int_equal(h_be16(ip + 4), 1280 - 40);
  assert_int_equal(ip[6], 58);
  assert_memory_equal(ip + 8, V6_DST, 16);
  assert_memory_equal(ip + 24, V6_SRC, 16);
  assert_int_equal(icmp[0], 2);
  assert_int_equal(icmp[1], 0);
  assert_int_equal(h_be32(icmp + 4), 1400);
  assert_true(h_l4_ok(ip));
  assert_memory_equal(icmp + 8, F + 14, 1280 - 48);
  assert_int_equal(h_stats(&H).icmp6_too_big, 1);
  ncgt_adapter_del(H.ad);
}

/* RFC 791: no DF -> fragments of at most the MTU, 8-byte aligned offsets,
 * options with the copied flag in every fragment, the rest in the first. */
static void fragments_without_df(void **state) {
  (void)state;
  uint8_t whole[3000];
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  /* 28 bytes of header: 20 + a copied option (0x83 LSRR-like, len 3)
   * and a non-copied one (0x07 record route, len 3) + EOL pad */
  size_t tot = 3000;
  v4_frame(CLIENT, LAN, 17, tot, 0, 0);
  uint8_t *ip = F + 14;
  memmove(ip + 28, ip + 20, tot - 28);
  ip[0] = 0x47;
  static const uint8_t opts[8] = {0x83, 3, 0xAA, 0x07, 3, 0xBB, 0, 0};
  memcpy(ip + 20, opts, 8);
  h_put16(ip + 10, 0);
  h_put16(ip + 10, (uint16_t)~h_fold(h_sum(0, ip, 28)));
  memcpy(whole, ip, tot);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, 14 + tot), 0);
  assert_int_equal(H.ntun, 3);
  assert_int_equal(h_stats(&H).fragmented, 1);
  uint8_t re[3000];
  size_t got = 0;
  for (size_t i = 0; i < H.ntun; i++) {
    const uint8_t *fr = H.tun[i];
    size_t hl = (size_t)(fr[0] & 15) * 4, len = h_be16(fr + 2);
    assert_int_equal(len, H.tun_len[i]);
    assert_true(len <= 1400);
    assert_true(h_ip4_ok(fr));
    assert_int_equal(hl, i == 0 ? 28 : 24);
    if (i > 0) /* only the copied option, padded */
      assert_memory_equal(fr + 20, "\x83\x03\xAA\x00", 4);
    uint16_t fo = h_be16(fr + 6);
    assert_int_equal((fo & 0x2000) != 0, i < H.ntun - 1);
    assert_int_equal((size_t)(fo & 0x1FFF) * 8, got);
    memcpy(re + got, fr + hl, len - hl);
    got += len - hl;
  }
  assert_int_equal(got, tot - 28);
  assert_memory_equal(re, whole + 28, got);
  ncgt_adapter_del(H.ad);
}

/* TCP SYN with MSS option `mss` at option offset `at` (NOPs before). */
static size_t syn_frame(uint16_t mss, size_t at, uint8_t flags) {
  size_t thl = 24 + 4, tot = 20 + thl;
  size_t n = v4_frame(CLIENT, LAN, 6, tot, 0x4000, 0);
  uint8_t *t = F + 34;
  memset(t, 0, thl);
  h_put16(t, 40000);
  h_put16(t + 2, 443);
  t[12] = (uint8_t)(thl / 4 << 4);
  t[13] = flags;
  memset(t + 20, 1, thl - 20); /* NOPs */
  t[20 + at] = 2;
  t[21 + at] = 4;
  h_put16(t + 22 + at, mss);
  uint32_t s = h_sum(0, F + 26, 8) + 6 + (uint32_t)thl;
  h_put16(t + 16, (uint16_t)~h_fold(h_sum(s, t, thl)));
  return n;
}

static void mss_clamping(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  for (size_t at = 0; at < 4; at++) { /* even and odd offsets */
    size_t n = syn_frame(1460, at, 0x02);
    assert_true(h_l4_ok(F + 14));
    assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
    const uint8_t *t = H.tun[at] + 20;
    assert_int_equal(h_be16(t + 22 + at), 1400 - 40);
    assert_true(h_l4_ok(H.tun[at]));
  }
  assert_int_equal(h_stats(&H).mss_clamped, 4);
  size_t n = syn_frame(1200, 0, 0x12); /* SYN-ACK with a small MSS */
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(h_be16(H.tun[4] + 20 + 22), 1200);
  n = syn_frame(1460, 0, 0x10); /* not a SYN */
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(h_be16(H.tun[5] + 20 + 22), 1460);
  /* the other direction: a SYN-ACK out of the tunnel */
  n = syn_frame(8960, 1, 0x12);
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, F + 14, n - 14, 0), 0);
  assert_int_equal(h_be16(H.stack[0] + 34 + 22 + 1), 1360);
  assert_true(h_l4_ok(H.stack[0] + 14));
  assert_int_equal(h_stats(&H).mss_clamped, 5);
  ncgt_adapter_del(H.ad);
  /* switched off */
  ncgt_adapter_settings s;
  ncgt_adapter_callbacks cb = {NCGT_ADAPTER_CALLBACKS_VERSION, h_to_stack,
                               h_to_tunnel, NULL, NULL, NULL};
  memset(&H, 0, sizeof H);
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_CLIENT);
  s.mss_clamp = 0;
  assert_int_equal(ncgt_adapter_new(&H.ad, &s, &cb, &H), 0);
  n = syn_frame(1460, 0, 0x02);
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(h_be16(H.tun[0] + 20 + 22), 1460);
  ncgt_adapter_del(H.ad);
}

/* A SYN may carry several MSS options; every one is clamped, since stacks
 * differ on which they honour (fuzz_adapter_tunnel found the first-only
 * clamp). */
static void mss_clamping_every_option(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  size_t n = syn_frame(1200, 0, 0x02); /* first MSS option: already small */
  uint8_t *t = F + 34;
  const size_t thl = 28;
  t[24] = 2; /* second MSS option, too big */
  t[25] = 4;
  h_put16(t + 26, 1460);
  h_put16(t + 16, 0);
  uint32_t sum = h_sum(0, F + 26, 8) + 6 + (uint32_t)thl;
  h_put16(t + 16, (uint16_t)~h_fold(h_sum(sum, t, thl)));
  assert_true(h_l4_ok(F + 14));
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(H.ntun, 1);
  assert_int_equal(h_be16(H.tun[0] + 20 + 22), 1200);
  assert_int_equal(h_be16(H.tun[0] + 20 + 26), 1400 - 40);
  assert_true(h_l4_ok(H.tun[0]));
  assert_int_equal(h_stats(&H).mss_clamped, 1);
  ncgt_adapter_del(H.ad);
}

static void mss_clamping_v6(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  size_t n = v6_frame(V6_DST, 6, 24);
  uint8_t *ip = F + 14, *t = ip + 40;
  memset(t, 0, 24);
  t[12] = 6 << 4;
  t[13] = 0x02;
  t[20] = 2;
  t[21] = 4;
  h_put16(t + 22, 1440);
  uint32_t s = h_sum(0, ip + 8, 32) + 6 + 24;
  h_put16(t + 16, (uint16_t)~h_fold(h_sum(s, t, 24)));
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
  assert_int_equal(h_be16(H.tun[0] + 40 + 22), 1400 - 60);
  assert_true(h_l4_ok(H.tun[0]));
  ncgt_adapter_del(H.ad);
}

/* Installs h_config's client data with tunnel MTU `mtu` (0: no option
 * 26). */
static void set_mtu(uint16_t mtu) {
  ncgt_client_config cc;
  uint8_t buf[NCGT_CC_ENCODED_MAX];
  h_config(&cc);
  cc.mtu = mtu;
  ssize_t n = ncgt_client_config_encode(buf, sizeof buf, &cc);
  assert_true(n > 0);
  assert_int_equal(ncgt_adapter_set_client_data(H.ad, buf, (size_t)n), 0);
}

/* Issue 18 item 3: the MTU the server pushes (client data option 26), not
 * the settings' 1400, governs ICMP errors, fragmentation and MSS
 * clamping. */
static void client_data_mtu_governs(void **state) {
  (void)state;
  static const uint16_t mtus[] = {1300, 1500};
  for (size_t i = 0; i < 2; i++) {
    uint16_t m = mtus[i];
    h_new(&H, NCGT_ADAPTER_CLIENT, 0);
    assert_int_equal(ncgt_adapter_mtu(H.ad), 1400);
    set_mtu(m);
    assert_int_equal(ncgt_adapter_mtu(H.ad), m);
    /* DF: exactly m crosses; m + 1 gets frag-needed, next hop m */
    size_t n = v4_frame(CLIENT, LAN, 6, m, 0x4000, 0);
    assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
    assert_int_equal(H.ntun, 1);
    assert_int_equal(H.tun_len[0], m);
    n = v4_frame(CLIENT, LAN, 6, m + 1u, 0x4000, 0);
    assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
    assert_int_equal(H.ntun, 1);
    assert_int_equal(H.nstack, 1);
    assert_int_equal(H.stack[0][34], 3);
    assert_int_equal(H.stack[0][35], 4);
    assert_int_equal(h_be16(H.stack[0] + 34 + 6), m);
    /* IPv6: packet too big with m */
    n = v6_frame(V6_DST, 17, m + 1u - 40);
    assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
    assert_int_equal(H.nstack, 2);
    assert_int_equal(H.stack[1][14 + 40], 2);
    assert_int_equal(h_be32(H.stack[1] + 14 + 40 + 4), m);
    /* no DF: a first fragment of m bytes (m - 20 is a multiple of 8) */
    n = v4_frame(CLIENT, LAN, 17, m + 1u, 0, 0);
    assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
    assert_int_equal(H.ntun, 3);
    assert_int_equal(H.tun_len[1], m);
    assert_int_equal(H.tun_len[2], 20 + 1);
    /* MSS clamped to m - 40, both directions */
    n = syn_frame(8960, 0, 0x02);
    assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
    assert_int_equal(h_be16(H.tun[3] + 20 + 22), m - 40);
    n = syn_frame(8960, 0, 0x12);
    assert_int_equal(ncgt_adapter_from_tunnel(H.ad, F + 14, n - 14, 0), 0);
    assert_int_equal(h_be16(H.stack[2] + 34 + 22), m - 40);
    assert_true(h_l4_ok(H.stack[2] + 14));
    /* new client data without option 26: the settings' MTU again */
    set_mtu(0);
    assert_int_equal(ncgt_adapter_mtu(H.ad), 1400);
    n = v4_frame(CLIENT, LAN, 6, 1401, 0x4000, 0);
    assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n), 0);
    assert_int_equal(H.nstack, 4);
    assert_int_equal(h_be16(H.stack[3] + 34 + 6), 1400);
    ncgt_adapter_del(H.ad);
  }
}

static void callbacks_fail_cleanly(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  size_t n = v4_frame(CLIENT, LAN, 17, 28, 0, 0);
  H.fail_tunnel = 1;
  assert_int_equal(ncgt_adapter_from_stack(H.ad, F, n),
                   NCGT_ERR_CALLBACK_DROPPED);
  H.fail_stack = 1;
  assert_int_equal(ncgt_adapter_from_tunnel(H.ad, F + 14, 28, 0),
                   NCGT_ERR_CALLBACK_DROPPED);
  ncgt_adapter_stats st;
  memset(&st, 0xAA, sizeof st);
  ncgt_adapter_get_stats(H.ad, &st, 2 * sizeof(uint64_t)); /* old caller */
  assert_int_equal(st.stack_frames, 1);
  assert_int_equal(st.tunnel_dgrams, 1);
  assert_true(st.to_tunnel == 0xAAAAAAAAAAAAAAAAull); /* not written */
  assert_int_equal(h_stats(&H).drop_callback, 2);
  ncgt_adapter_del(H.ad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(settings_validated),
      cmocka_unit_test(ip_goes_to_tunnel),
      cmocka_unit_test(drops_are_counted),
      cmocka_unit_test(tunnel_to_stack),
      cmocka_unit_test(server_anti_spoofing),
      cmocka_unit_test(frag_needed_for_df),
      cmocka_unit_test(packet_too_big_v6),
      cmocka_unit_test(fragments_without_df),
      cmocka_unit_test(mss_clamping),
      cmocka_unit_test(mss_clamping_every_option),
      cmocka_unit_test(mss_clamping_v6),
      cmocka_unit_test(client_data_mtu_governs),
      cmocka_unit_test(callbacks_fail_cleanly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
