/*
 * The GSO descriptor codec (lib/ncgt_gso.c) with fixed bytes, and the
 * adapter's offload paths (lib/ncgt_adapter_gso.c): a super-segment goes
 * to the tunnel whole with its descriptor, gso_size (not its length) is
 * checked against the MTU, a partial checksum is completed before MSS
 * clamping, anti-spoofing applies to super-segments from a tunnel.
 */
#include "adapter_harness.h"

static const uint8_t desc_bytes[NCGT_GSO_DESC_LEN] = {
    4, 1, 1, 0, 0, 40, 0x05, 0x50, 0, 20, 0, 16};
static const ncgt_gso desc = {.ipver = 4, .type = NCGT_GSO_TCPV4,
                              .flags = NCGT_GSO_F_NEEDS_CSUM, .hdr_len = 40,
                              .gso_size = 1360, .csum_start = 20,
                              .csum_offset = 16};

static uint8_t dgbuf[NCGT_GSO_DESC_LEN + 4000];

static int dec(size_t len) {
  ncgt_gso g;
  const uint8_t *p;
  size_t n;
  return ncgt_gso_decode(&g, dgbuf, len, &p, &n);
}

static void codec_fixed_bytes(void **st) {
  (void)st;
  uint8_t out[NCGT_GSO_DESC_LEN];
  assert_int_equal(ncgt_gso_encode(out, sizeof out, &desc), NCGT_GSO_DESC_LEN);
  assert_memory_equal(out, desc_bytes, sizeof out);
  assert_int_equal(ncgt_gso_encode(out, sizeof out - 1, &desc), NCGT_ERR_NOBUF);
  memcpy(dgbuf, desc_bytes, sizeof desc_bytes);
  memset(dgbuf + NCGT_GSO_DESC_LEN, 0, 40);
  dgbuf[NCGT_GSO_DESC_LEN] = 0x45;
  ncgt_gso g;
  const uint8_t *p = NULL;
  size_t n = 0;
  assert_int_equal(ncgt_gso_decode(&g, dgbuf, NCGT_GSO_DESC_LEN + 40, &p, &n),
                   0);
  assert_memory_equal(&g, &desc, sizeof g);
  assert_ptr_equal(p, dgbuf + NCGT_GSO_DESC_LEN);
  assert_int_equal(n, 40);
}

static void codec_rejects_each_class(void **st) {
  (void)st;
  static const struct {
    size_t at;
    uint8_t v;
    int rv;
  } bad[] = {
      {0, 5, NCGT_ERR_BAD_VALUE},     /* IP version */
      {0, 6, NCGT_ERR_BAD_VALUE},     /* TCPV4 over IPv6 */
      {1, 3, NCGT_ERR_BAD_VALUE},     /* unknown type */
      {2, 3, NCGT_ERR_BAD_FLAGS},     /* unknown flag */
      {2, 0, NCGT_ERR_BAD_VALUE},     /* segmenting without NEEDS_CSUM */
      {3, 1, NCGT_ERR_BAD_VALUE},     /* reserved */
      {5, 41, NCGT_ERR_BAD_OFFSET},   /* hdr_len beyond the packet */
      {6, 0, NCGT_ERR_BAD_VALUE},     /* gso_size 0 (with byte 7 zeroed) */
      {11, 6, NCGT_ERR_BAD_VALUE},    /* not TCP's checksum offset */
      {9, 23, NCGT_ERR_BAD_OFFSET},   /* checksum field past the end */
      {12, 0x65, NCGT_ERR_BAD_VALUE}, /* packet is not IPv4 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memcpy(dgbuf, desc_bytes, sizeof desc_bytes);
    memset(dgbuf + NCGT_GSO_DESC_LEN, 0, 40);
    dgbuf[NCGT_GSO_DESC_LEN] = 0x45;
    assert_int_equal(dec(NCGT_GSO_DESC_LEN + 40), 0);
    dgbuf[bad[i].at] = bad[i].v;
    if (bad[i].at == 6)
      dgbuf[7] = 0;
    assert_int_equal(dec(NCGT_GSO_DESC_LEN + 40), bad[i].rv);
  }
  memcpy(dgbuf, desc_bytes, sizeof desc_bytes);
  assert_int_equal(dec(NCGT_GSO_DESC_LEN - 1), NCGT_ERR_TRUNCATED);
  assert_int_equal(dec(NCGT_GSO_DESC_LEN), NCGT_ERR_TRUNCATED); /* no IP */
  /* Checksum-only packets need no segmentation fields. */
  static const uint8_t csum_only[NCGT_GSO_DESC_LEN] = {6, 0, 1, 0, 0, 0,
                                                       0, 0, 0, 40, 0, 6};
  memcpy(dgbuf, csum_only, sizeof csum_only);
  memset(dgbuf + NCGT_GSO_DESC_LEN, 0, 48);
  dgbuf[NCGT_GSO_DESC_LEN] = 0x60;
  assert_int_equal(dec(NCGT_GSO_DESC_LEN + 48), 0);
}

/* ---- adapter ---- */

typedef struct gh {
  harness h;
  size_t ngso;
  ncgt_gso g;
  size_t glen;
  uint8_t gframe[64];
} gh;

static int gh_to_stack_gso(const ncgt_gso *g, const uint8_t *f, size_t len,
                           void *ud) {
  gh *x = ud;
  x->ngso++;
  x->g = *g;
  x->glen = len;
  memcpy(x->gframe, f, sizeof x->gframe);
  return 0;
}

static int gh_to_stack(const uint8_t *f, size_t len, void *ud) {
  return h_to_stack(f, len, &((gh *)ud)->h);
}
static int gh_to_tunnel(uint8_t proto, const uint8_t *d, size_t len,
                        void *ud) {
  return h_to_tunnel(proto, d, len, &((gh *)ud)->h);
}

static void gh_new(gh *x, ncgt_adapter_role role, int with_gso_cb) {
  ncgt_adapter_settings s;
  ncgt_adapter_callbacks cb = {NCGT_ADAPTER_CALLBACKS_V2, gh_to_stack,
                               gh_to_tunnel, NULL,
                               with_gso_cb ? gh_to_stack_gso : NULL, NULL};
  memset(x, 0, sizeof *x);
  ncgt_adapter_settings_default(&s, role);
  s.server_addr = role == NCGT_ADAPTER_SERVER ? IP4(10, 77, 0, 1) : 0;
  s.server_prefix_len = role == NCGT_ADAPTER_SERVER ? 24 : 0;
  assert_int_equal(ncgt_adapter_new(&x->h.ad, &s, &cb, x), 0);
  if (role == NCGT_ADAPTER_CLIENT) {
    ncgt_client_config cc;
    uint8_t buf[NCGT_CC_ENCODED_MAX];
    h_config(&cc);
    ssize_t n = ncgt_client_config_encode(buf, sizeof buf, &cc);
    assert_true(n > 0);
    assert_int_equal(ncgt_adapter_set_client_data(x->h.ad, buf, (size_t)n),
                     0);
  }
}

static uint8_t fr[14 + 4000];

/* Ethernet + IPv4 + TCP (20 bytes, flags, MSS option when SYN) with a
 * partial checksum: the pseudo-header sum, as Linux leaves it. */
static size_t tcp_frame(uint32_t src, uint32_t dst, size_t payload,
                        uint8_t flags) {
  size_t thl = (flags & 0x02) ? 24 : 20, tot = 20 + thl + payload;
  memset(fr, 0xA5, sizeof fr);
  h_eth(fr, H_SERVER_MAC, H_STACK_MAC, 0x0800);
  uint8_t *ip = fr + 14, *tcp = ip + 20;
  h_ip4(ip, src, dst, 6, tot, 0x4000);
  memset(tcp, 0, thl);
  h_put16(tcp, 40000);
  h_put16(tcp + 2, 5001);
  tcp[12] = (uint8_t)(thl / 4 << 4);
  tcp[13] = flags;
  if (thl == 24) {
    tcp[20] = 2;
    tcp[21] = 4;
    h_put16(tcp + 22, 1460);
  }
  uint32_t ps = h_sum(0, ip + 12, 8) + 6 + (uint32_t)(thl + payload);
  h_put16(tcp + 16, h_fold(ps));
  return 14 + tot;
}

static void stack_super_segment_goes_whole(void **st) {
  (void)st;
  gh x;
  gh_new(&x, NCGT_ADAPTER_CLIENT, 1);
  size_t len = tcp_frame(IP4(10, 77, 0, 2), IP4(192, 168, 77, 2), 3000, 0x10);
  ncgt_gso g = desc; /* gso_size 1360: 40 + 1360 = the 1400 MTU */
  assert_int_equal(ncgt_adapter_from_stack_gso(x.h.ad, &g, fr, len), 0);
  assert_int_equal(x.h.ntun, 1);
  assert_int_equal(x.h.tun_proto[0], NCGT_DATA_PROTO_GSO);
  assert_int_equal(x.h.tun_len[0], NCGT_GSO_DESC_LEN + 3040);
  assert_memory_equal(x.h.tun[0], desc_bytes, NCGT_GSO_DESC_LEN);
  assert_int_equal(x.h.tun[0][NCGT_GSO_DESC_LEN], 0x45);
  ncgt_adapter_stats s = h_stats(&x.h);
  assert_int_equal(s.gso_to_tunnel, 1);
  assert_int_equal(s.icmp_frag_needed, 0);
  /* One byte more per segment than the MTU allows: dropped, no ICMP. */
  len = tcp_frame(IP4(10, 77, 0, 2), IP4(192, 168, 77, 2), 3000, 0x10);
  g.gso_size = 1361;
  assert_int_equal(ncgt_adapter_from_stack_gso(x.h.ad, &g, fr, len), 0);
  s = h_stats(&x.h);
  assert_int_equal(x.h.ntun, 1);
  assert_int_equal(s.drop_too_big, 1);
  /* Not TCP where the descriptor says TCP. */
  len = tcp_frame(IP4(10, 77, 0, 2), IP4(192, 168, 77, 2), 3000, 0x10);
  fr[14 + 9] = 17;
  g = desc;
  assert_int_equal(ncgt_adapter_from_stack_gso(x.h.ad, &g, fr, len), 0);
  assert_int_equal(h_stats(&x.h).drop_gso_malformed, 1);
  assert_int_equal(x.h.ntun, 1);
  ncgt_adapter_del(x.h.ad);
}

/* fuzz_gso (doc/fuzzing.md): a descriptor from the stack whose hdr_len
 * (a hint) is larger than the packet went to the tunnel as a
 * NCGT_DATA_PROTO_GSO datagram that ncgt_gso_decode, on this side
 * (ncgt_conn_send_datagram) and the peer's, refuses as BAD_OFFSET. The
 * adapter must drop it as malformed instead. */
static void fuzz_regression_gso_hdr_len_beyond_packet(void **st) {
  (void)st;
  gh x;
  gh_new(&x, NCGT_ADAPTER_CLIENT, 1);
  size_t len = tcp_frame(IP4(10, 77, 0, 2), IP4(192, 168, 77, 2), 3000, 0x10);
  ncgt_gso g = desc;
  g.hdr_len = (uint16_t)(len - 14 + 1); /* one byte past the packet */
  assert_int_equal(ncgt_adapter_from_stack_gso(x.h.ad, &g, fr, len), 0);
  assert_int_equal(x.h.ntun, 0);
  assert_int_equal(h_stats(&x.h).drop_gso_malformed, 1);
  /* the largest hdr_len that fits still goes through, and decodes */
  len = tcp_frame(IP4(10, 77, 0, 2), IP4(192, 168, 77, 2), 3000, 0x10);
  g.hdr_len = (uint16_t)(len - 14);
  assert_int_equal(ncgt_adapter_from_stack_gso(x.h.ad, &g, fr, len), 0);
  assert_int_equal(x.h.ntun, 1);
  ncgt_gso back;
  const uint8_t *pkt = NULL;
  size_t n = 0;
  assert_int_equal(ncgt_gso_decode(&back, x.h.tun[0], x.h.tun_len[0], &pkt,
                                   &n),
                   0);
  ncgt_adapter_del(x.h.ad);
}

static void partial_checksum_completed_then_clamped(void **st) {
  (void)st;
  gh x;
  gh_new(&x, NCGT_ADAPTER_CLIENT, 1);
  size_t len = tcp_frame(IP4(10, 77, 0, 2), IP4(192, 168, 77, 2), 0, 0x02);
  ncgt_gso g = {.ipver = 4, .type = NCGT_GSO_NONE,
                .flags = NCGT_GSO_F_NEEDS_CSUM, .csum_start = 20,
                .csum_offset = 16};
  assert_false(h_l4_ok(fr + 14));
  assert_int_equal(ncgt_adapter_from_stack_gso(x.h.ad, &g, fr, len), 0);
  assert_int_equal(x.h.ntun, 1);
  assert_int_equal(x.h.tun_proto[0], NCGT_DATA_PROTO_IPV4);
  assert_true(h_l4_ok(x.h.tun[0]));
  assert_int_equal(h_be16(x.h.tun[0] + 20 + 22), 1360); /* MSS clamped */
  ncgt_adapter_stats s = h_stats(&x.h);
  assert_int_equal(s.csum_completed, 1);
  assert_int_equal(s.mss_clamped, 1);
  ncgt_adapter_del(x.h.ad);
}

static void tunnel_super_segment_to_stack(void **st) {
  (void)st;
  gh x;
  gh_new(&x, NCGT_ADAPTER_SERVER, 1);
  size_t len = tcp_frame(IP4(10, 77, 0, 20), IP4(192, 168, 77, 2), 3000, 0x10);
  memcpy(dgbuf, desc_bytes, NCGT_GSO_DESC_LEN);
  memcpy(dgbuf + NCGT_GSO_DESC_LEN, fr + 14, len - 14);
  size_t dl = NCGT_GSO_DESC_LEN + len - 14;
  assert_int_equal(
      ncgt_adapter_from_tunnel_gso(x.h.ad, dgbuf, dl, IP4(10, 77, 0, 20)), 0);
  assert_int_equal(x.ngso, 1);
  assert_memory_equal(&x.g, &desc, sizeof desc);
  assert_int_equal(x.glen, len);
  assert_int_equal(h_be16(x.gframe + 12), 0x0800);
  assert_int_equal(x.gframe[14], 0x45);
  assert_int_equal(h_stats(&x.h).gso_to_stack, 1);
  /* Anti-spoofing: another tunnel's address. */
  assert_int_equal(
      ncgt_adapter_from_tunnel_gso(x.h.ad, dgbuf, dl, IP4(10, 77, 0, 21)), 0);
  assert_int_equal(x.ngso, 1);
  assert_int_equal(h_stats(&x.h).drop_spoofed, 1);
  /* A malformed descriptor. */
  dgbuf[3] = 1;
  assert_int_equal(
      ncgt_adapter_from_tunnel_gso(x.h.ad, dgbuf, dl, IP4(10, 77, 0, 20)), 0);
  assert_int_equal(h_stats(&x.h).drop_gso_malformed, 1);
  assert_int_equal(x.ngso, 1);
  ncgt_adapter_del(x.h.ad);
  /* Without a to_stack_gso callback the call is refused. */
  gh_new(&x, NCGT_ADAPTER_SERVER, 0);
  assert_int_equal(
      ncgt_adapter_from_tunnel_gso(x.h.ad, dgbuf, dl, IP4(10, 77, 0, 20)),
      NCGT_ERR_UNSUPPORTED);
  ncgt_adapter_del(x.h.ad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(codec_fixed_bytes),
      cmocka_unit_test(codec_rejects_each_class),
      cmocka_unit_test(stack_super_segment_goes_whole),
      cmocka_unit_test(fuzz_regression_gso_hdr_len_beyond_packet),
      cmocka_unit_test(partial_checksum_completed_then_clamped),
      cmocka_unit_test(tunnel_super_segment_to_stack),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
