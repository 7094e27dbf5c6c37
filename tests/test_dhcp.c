/* DHCP server emulator (lib/ncgt_dhcp.c). Requests are built field by
 * field as RFC 2131 section 2 lays them out; each reply reaching the
 * to_stack callback is checked field by field: Ethernet and IP
 * addressing (RFC 2131 4.1), checksums, BOOTP fields (table 3) and the
 * options in order. */
#include "adapter_harness.h"

static harness H;

enum { BOOTP_OFF = 14 + 20 + 8 };
#define XID 0xDEADBEEFu

typedef struct req {
  uint8_t op, htype;
  uint16_t flags;
  uint32_t ciaddr, giaddr, ip_src, ip_dst, cookie;
  uint16_t sport;
  const uint8_t *opts; /* including END */
  size_t optlen;
  const uint8_t *sname, *file; /* copied into the fields when set */
  size_t sname_len, file_len;
} req;

static req base_req(const uint8_t *opts, size_t optlen) {
  req r = {1, 1, 0, 0, 0, 0, 0xFFFFFFFFu, 0x63825363u, 68, opts, optlen,
           NULL, NULL, 0, 0};
  return r;
}

/* Builds the frame; returns its length. */
static size_t build(uint8_t *f, const req *r) {
  size_t blen = 236 + 4 + r->optlen, ulen = 8 + blen;
  memset(f, 0, BOOTP_OFF + blen);
  h_eth(f, H_BCAST, H_STACK_MAC, 0x0800);
  h_ip4(f + 14, r->ip_src, r->ip_dst, 17, 20 + ulen, 0);
  uint8_t *u = f + 34, *b = f + BOOTP_OFF;
  h_put16(u, r->sport);
  h_put16(u + 2, 67);
  h_put16(u + 4, (uint16_t)ulen);
  b[0] = r->op;
  b[1] = r->htype;
  b[2] = 6;
  h_put32(b + 4, XID);
  h_put16(b + 10, r->flags);
  h_put32(b + 12, r->ciaddr);
  h_put32(b + 24, r->giaddr);
  memcpy(b + 28, H_STACK_MAC, 6);
  if (r->sname)
    memcpy(b + 44, r->sname, r->sname_len);
  if (r->file)
    memcpy(b + 108, r->file, r->file_len);
  h_put32(b + 236, r->cookie);
  memcpy(b + 240, r->opts, r->optlen);
  return BOOTP_OFF + blen;
}

static int send(const req *r) {
  uint8_t f[1024];
  size_t n = build(f, r);
  return ncgt_adapter_from_stack(H.ad, f, n);
}

/* A parsed reply. */
typedef struct reply {
  const uint8_t *eth_dst;
  uint32_t ip_src, ip_dst;
  const uint8_t *b; /* BOOTP */
  size_t blen;
  uint8_t codes[64];
  const uint8_t *val[64];
  uint8_t vlen[64];
  size_t nopts;
} reply;

static void parse_reply(reply *p, size_t idx) {
  const uint8_t *f = H.stack[idx];
  size_t len = H.stack_len[idx];
  memset(p, 0, sizeof *p);
  assert_true(len >= BOOTP_OFF + 300 && len <= 14 + 576);
  assert_memory_equal(f + 6, H_SERVER_MAC, 6);
  assert_int_equal(h_be16(f + 12), 0x0800);
  const uint8_t *ip = f + 14;
  assert_int_equal(ip[0], 0x45);
  assert_int_equal(h_be16(ip + 2), len - 14);
  assert_int_equal(ip[9], 17);
  assert_true(h_ip4_ok(ip));
  assert_true(h_l4_ok(ip));
  assert_int_equal(h_be16(f + 34), 67);
  assert_int_equal(h_be16(f + 36), 68);
  assert_int_equal(h_be16(f + 38), len - 34);
  p->eth_dst = f;
  p->ip_src = h_be32(ip + 12);
  p->ip_dst = h_be32(ip + 16);
  p->b = f + BOOTP_OFF;
  p->blen = len - BOOTP_OFF;
  assert_int_equal(p->b[0], 2); /* BOOTREPLY */
  assert_int_equal(h_be32(p->b + 4), XID);
  assert_memory_equal(p->b + 28, H_STACK_MAC, 6);
  assert_int_equal(h_be32(p->b + 236), 0x63825363u);
  size_t o = 240;
  for (;;) {
    assert_true(o < p->blen);
    uint8_t c = p->b[o++];
    if (c == 255)
      break;
    assert_true(c != 0 && o < p->blen && p->nopts < 64);
    p->codes[p->nopts] = c;
    p->vlen[p->nopts] = p->b[o];
    p->val[p->nopts] = p->b + o + 1;
    o += 1 + p->b[o];
    assert_true(o <= p->blen);
    p->nopts++;
  }
  while (o < p->blen) /* only PAD after END */
    assert_int_equal(p->b[o++], 0);
}

static const uint8_t *opt(const reply *p, uint8_t code, uint8_t *len) {
  for (size_t i = 0; i < p->nopts; i++)
    if (p->codes[i] == code) {
      *len = p->vlen[i];
      return p->val[i];
    }
  return NULL;
}

static uint32_t opt32(const reply *p, uint8_t code) {
  uint8_t l = 0;
  const uint8_t *v = opt(p, code, &l);
  assert_non_null(v);
  assert_int_equal(l, 4);
  return h_be32(v);
}

/* udhcpc-like DISCOVER: PRL subnet, router, DNS, domain, MTU, 121. */
static const uint8_t discover_opts[] = {
    53, 1, 1, 61, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
    55, 6, 1, 3, 6, 15, 26, 121, 255,
};

static void discover_gets_offer(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(discover_opts, sizeof discover_opts);
  assert_int_equal(send(&r), 0);
  assert_int_equal(H.nstack, 1);
  parse_reply(&p, 0);
  /* no broadcast bit: unicast to chaddr / yiaddr (RFC 2131 4.1) */
  assert_memory_equal(p.eth_dst, H_STACK_MAC, 6);
  assert_int_equal(p.ip_dst, IP4(10, 77, 0, 2));
  assert_int_equal(p.ip_src, IP4(10, 77, 0, 1));
  assert_int_equal(h_be32(p.b + 12), 0);                /* ciaddr */
  assert_int_equal(h_be32(p.b + 16), IP4(10, 77, 0, 2)); /* yiaddr */
  /* 53, 54, 61 echo, 51, 1, then the PRL order (3 absent: no default
   * route), then the defaults 58, 59 */
  static const uint8_t order[] = {53, 54, 61, 51, 1, 6, 15, 26, 121, 58, 59};
  assert_int_equal(p.nopts, sizeof order);
  assert_memory_equal(p.codes, order, sizeof order);
  assert_int_equal(opt(&p, 53, &l)[0], 2); /* OFFER */
  assert_int_equal(opt32(&p, 54), IP4(10, 77, 0, 1));
  assert_int_equal(opt32(&p, 51), 600);
  assert_int_equal(opt32(&p, 58), 300);
  assert_int_equal(opt32(&p, 59), 525);
  assert_int_equal(opt32(&p, 1), 0xFFFFFF00u);
  assert_int_equal(opt32(&p, 6), IP4(10, 88, 0, 53));
  assert_memory_equal(opt(&p, 61, &l), discover_opts + 5, 7);
  const uint8_t *v = opt(&p, 26, &l);
  assert_int_equal(l, 2);
  assert_int_equal(h_be16(v), 1400);
  v = opt(&p, 15, &l);
  assert_int_equal(l, 12);
  assert_memory_equal(v, "corp.example", 12);
  static const uint8_t routes[] = {16, 10, 88, 10, 77, 0, 1,
                                   24, 192, 168, 77, 10, 77, 0, 1};
  v = opt(&p, 121, &l);
  assert_int_equal(l, sizeof routes);
  assert_memory_equal(v, routes, sizeof routes);
  assert_null(opt(&p, 249, &l)); /* not asked for */
  assert_int_equal(h_stats(&H).dhcp_offers, 1);
  assert_int_equal(H.ntun, 0);
  ncgt_adapter_del(H.ad);
}

static void broadcast_flag_and_249(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0;
  static const uint8_t o[] = {53, 1, 1, 55, 3, 249, 3, 1, 255};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(o, sizeof o);
  r.flags = 0x8000;
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0);
  assert_memory_equal(p.eth_dst, H_BCAST, 6);
  assert_int_equal(p.ip_dst, 0xFFFFFFFFu);
  assert_int_equal(h_be16(p.b + 10), 0x8000); /* flags echoed */
  static const uint8_t order[] = {53, 54, 51, 1, 249, 58, 59, 6, 15, 26, 121};
  assert_int_equal(p.nopts, sizeof order);
  assert_memory_equal(p.codes, order, sizeof order);
  const uint8_t *v249 = opt(&p, 249, &l), *v121 = NULL;
  uint8_t l121 = 0;
  v121 = opt(&p, 121, &l121);
  assert_int_equal(l, l121);
  assert_memory_equal(v249, v121, l);
  ncgt_adapter_del(H.ad);
}

static const uint8_t select_ok[] = {53, 1, 3, 50, 4, 10, 77, 0, 2,
                                    54, 4, 10, 77, 0, 1, 255};

static void selecting_request(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0, o[sizeof select_ok];
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(select_ok, sizeof select_ok);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0);
  assert_int_equal(opt(&p, 53, &l)[0], 5); /* ACK */
  assert_int_equal(h_be32(p.b + 16), IP4(10, 77, 0, 2));
  assert_int_equal(p.ip_dst, IP4(10, 77, 0, 2));
  /* another address: NAK, broadcast, no yiaddr, only 53 and 54 */
  memcpy(o, select_ok, sizeof o);
  o[8] = 7;
  r = base_req(o, sizeof o);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 1);
  assert_int_equal(opt(&p, 53, &l)[0], 6);
  assert_int_equal(p.nopts, 2);
  assert_int_equal(h_be32(p.b + 16), 0);
  assert_int_equal(p.ip_dst, 0xFFFFFFFFu);
  assert_memory_equal(p.eth_dst, H_BCAST, 6);
  /* the client chose another server: silence */
  memcpy(o, select_ok, sizeof o);
  o[14] = 99;
  r = base_req(o, sizeof o);
  assert_int_equal(send(&r), 0);
  assert_int_equal(H.nstack, 2);
  ncgt_adapter_stats st = h_stats(&H);
  assert_int_equal(st.dhcp_acks, 1);
  assert_int_equal(st.dhcp_naks, 1);
  assert_int_equal(st.drop_dhcp_not_for_us, 1);
  ncgt_adapter_del(H.ad);
}

static void init_reboot(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0;
  static const uint8_t ok[] = {53, 1, 3, 50, 4, 10, 77, 0, 2, 255};
  static const uint8_t stale[] = {53, 1, 3, 50, 4, 10, 66, 0, 2, 255};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(ok, sizeof ok);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0);
  assert_int_equal(opt(&p, 53, &l)[0], 5);
  r = base_req(stale, sizeof stale);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 1);
  assert_int_equal(opt(&p, 53, &l)[0], 6);
  ncgt_adapter_del(H.ad);
}

static void renewing_and_rebinding(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0;
  static const uint8_t o[] = {53, 1, 3, 255};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  /* RENEWING: unicast to the server's tunnel address */
  req r = base_req(o, sizeof o);
  r.ciaddr = r.ip_src = IP4(10, 77, 0, 2);
  r.ip_dst = IP4(10, 77, 0, 1);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0);
  assert_int_equal(opt(&p, 53, &l)[0], 5);
  assert_int_equal(h_be32(p.b + 12), IP4(10, 77, 0, 2)); /* ciaddr kept */
  assert_int_equal(p.ip_dst, IP4(10, 77, 0, 2));
  assert_memory_equal(p.eth_dst, H_STACK_MAC, 6);
  /* REBINDING: broadcast, even with the broadcast bit: to ciaddr */
  r.ip_dst = 0xFFFFFFFFu;
  r.flags = 0x8000;
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 1);
  assert_int_equal(p.ip_dst, IP4(10, 77, 0, 2));
  /* a stale lease from before a reconnect: NAK */
  r.ciaddr = r.ip_src = IP4(10, 77, 0, 3);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 2);
  assert_int_equal(opt(&p, 53, &l)[0], 6);
  assert_int_equal(p.ip_dst, 0xFFFFFFFFu);
  /* a request with neither ciaddr nor an address: malformed */
  r = base_req(o, sizeof o);
  assert_int_equal(send(&r), 0);
  assert_int_equal(H.nstack, 3);
  assert_int_equal(h_stats(&H).drop_dhcp_malformed, 1);
  ncgt_adapter_del(H.ad);
}

static void inform(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0;
  static const uint8_t o[] = {53, 1, 8, 55, 2, 6, 15, 255};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(o, sizeof o);
  r.ciaddr = r.ip_src = IP4(10, 77, 0, 2);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0);
  assert_int_equal(opt(&p, 53, &l)[0], 5);
  assert_int_equal(h_be32(p.b + 16), 0); /* no yiaddr */
  assert_null(opt(&p, 51, &l));          /* no lease (RFC 2131 4.3.5) */
  assert_null(opt(&p, 58, &l));
  assert_null(opt(&p, 59, &l));
  assert_non_null(opt(&p, 121, &l));
  assert_int_equal(p.ip_dst, IP4(10, 77, 0, 2));
  r.ciaddr = IP4(10, 77, 0, 4); /* someone else's */
  assert_int_equal(send(&r), 0);
  r.ciaddr = 0;
  assert_int_equal(send(&r), 0);
  assert_int_equal(H.nstack, 1);
  ncgt_adapter_stats st = h_stats(&H);
  assert_int_equal(st.dhcp_inform_acks, 1);
  assert_int_equal(st.drop_dhcp_not_for_us, 1);
  assert_int_equal(st.drop_dhcp_malformed, 1);
  ncgt_adapter_del(H.ad);
}

static void release_and_decline(void **state) {
  (void)state;
  static const uint8_t rel[] = {53, 1, 7, 54, 4, 10, 77, 0, 1, 255};
  static const uint8_t dec[] = {53, 1, 4, 50, 4, 10, 77, 0, 2,
                                54, 4, 10, 77, 0, 1, 255};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(rel, sizeof rel);
  r.ciaddr = IP4(10, 77, 0, 2);
  assert_int_equal(send(&r), 0);
  r = base_req(dec, sizeof dec);
  assert_int_equal(send(&r), 0);
  assert_int_equal(H.nstack, 0);
  ncgt_adapter_stats st = h_stats(&H);
  assert_int_equal(st.dhcp_releases, 1);
  assert_int_equal(st.dhcp_declines, 1);
  assert_int_equal(H.nlog_warn, 1); /* a DECLINE is worth a warning */
  ncgt_adapter_del(H.ad);
}

static void not_for_us_or_unsupported(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(discover_opts, sizeof discover_opts);
  r.op = 2; /* BOOTREPLY */
  assert_int_equal(send(&r), 0);
  r = base_req(discover_opts, sizeof discover_opts);
  r.giaddr = IP4(10, 77, 0, 9); /* relayed */
  assert_int_equal(send(&r), 0);
  r = base_req(discover_opts, sizeof discover_opts);
  r.sport = 67; /* from a relay agent's port */
  assert_int_equal(send(&r), 0);
  assert_int_equal(h_stats(&H).drop_dhcp_not_for_us, 3);
  r = base_req(discover_opts, sizeof discover_opts);
  r.htype = 6; /* IEEE 802 */
  assert_int_equal(send(&r), 0);
  r = base_req(discover_opts, sizeof discover_opts);
  r.cookie = 0x01020304; /* plain BOOTP vendor area */
  assert_int_equal(send(&r), 0);
  static const uint8_t offer[] = {53, 1, 2, 255};
  static const uint8_t bootp[] = {255};
  r = base_req(offer, sizeof offer);
  assert_int_equal(send(&r), 0);
  r = base_req(bootp, sizeof bootp);
  assert_int_equal(send(&r), 0);
  assert_int_equal(h_stats(&H).drop_dhcp_unsupported, 4);
  assert_int_equal(H.nstack, 0);
  ncgt_adapter_del(H.ad);
}

static void malformed_dropped(void **state) {
  (void)state;
  uint8_t f[1024];
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  static const uint8_t no_end[] = {53, 1, 1};
  static const uint8_t over[] = {53, 1, 1, 55, 40, 1, 2, 255};
  static const uint8_t dup53[] = {53, 1, 1, 53, 1, 1, 255};
  static const uint8_t bad50[] = {53, 1, 3, 50, 3, 10, 77, 0, 255};
  static const uint8_t bad61[] = {53, 1, 1, 61, 1, 1, 255};
  const uint8_t *bad[] = {no_end, over, dup53, bad50, bad61};
  size_t badlen[] = {sizeof no_end, sizeof over, sizeof dup53, sizeof bad50,
                     sizeof bad61};
  for (size_t i = 0; i < 5; i++) {
    req r = base_req(bad[i], badlen[i]);
    assert_int_equal(send(&r), 0);
  }
  assert_int_equal(h_stats(&H).drop_dhcp_malformed, 5);
  /* UDP length disagreeing with the IP length */
  req r = base_req(discover_opts, sizeof discover_opts);
  size_t n = build(f, &r);
  h_put16(f + 38, (uint16_t)(h_be16(f + 38) - 1));
  assert_int_equal(ncgt_adapter_from_stack(H.ad, f, n), 0);
  assert_int_equal(h_stats(&H).drop_dhcp_malformed, 6);
  /* every truncation of the BOOTP message, IP and UDP lengths kept
   * consistent: never a reply, never a read past the end */
  n = build(f, &r);
  for (size_t cut = BOOTP_OFF; cut < n; cut++) {
    uint8_t *g = test_malloc(cut);
    memcpy(g, f, cut);
    h_put16(g + 16, (uint16_t)(cut - 14));
    h_put16(g + 24, 0);
    h_put16(g + 24, (uint16_t)~h_fold(h_sum(0, g + 14, 20)));
    h_put16(g + 38, (uint16_t)(cut - 34));
    assert_int_equal(ncgt_adapter_from_stack(H.ad, g, cut), 0);
    test_free(g);
  }
  assert_int_equal(H.nstack, 0);
  assert_int_equal(h_stats(&H).drop_dhcp_malformed, 6 + (n - BOOTP_OFF));
  ncgt_adapter_del(H.ad);
}

/* Option 57 below 576 is ignored (RFC 2131: 576 is the floor); with a
 * config too big for 576 bytes, options that do not fit are left out
 * rather than the message growing past what the client accepts. */
static void respects_message_size(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0, buf[NCGT_CC_ENCODED_MAX];
  ncgt_client_config cc;
  static const uint8_t o[] = {53, 1, 1, 57, 2, 0x01, 0x00,
                              55, 3, 121, 249, 6, 255};
  static const uint8_t o_big[] = {53, 1, 1, 57, 2, 0x05, 0xDC,
                                  55, 3, 121, 249, 6, 255};
  h_new(&H, NCGT_ADAPTER_CLIENT, 0);
  h_config(&cc);
  cc.nroutes = NCGT_CC_ROUTES_MAX;
  for (size_t i = 0; i < cc.nroutes; i++)
    cc.routes[i] = (ncgt_route4){IP4(172, 16, i, 1), 32, IP4(10, 77, 0, 1)};
  ssize_t n = ncgt_client_config_encode(buf, sizeof buf, &cc);
  assert_int_equal(ncgt_adapter_set_client_data(H.ad, buf, (size_t)n), 0);
  req r = base_req(o, sizeof o);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0); /* checks <= 576 bytes of IP */
  assert_non_null(opt(&p, 121, &l));
  assert_null(opt(&p, 249, &l)); /* no room for the second copy */
  assert_non_null(opt(&p, 6, &l));
  r = base_req(o_big, sizeof o_big); /* client takes 1500 */
  assert_int_equal(send(&r), 0);
  assert_true(H.stack_len[1] > 14 + 576);
  assert_int_equal(H.stack[1][14 + 20 + 8 + 240 + 3 + 6 + 6 + 6], 121);
  ncgt_adapter_del(H.ad);
}

static void no_answer_before_client_data(void **state) {
  (void)state;
  h_new(&H, NCGT_ADAPTER_CLIENT, 0);
  req r = base_req(discover_opts, sizeof discover_opts);
  assert_int_equal(send(&r), 0);
  assert_int_equal(H.nstack, 0);
  assert_int_equal(h_stats(&H).drop_no_config, 1);
  ncgt_adapter_del(H.ad);
}

/* A reconnect gives another address: the old lease is NAKed. */
static void new_client_data_naks_old_lease(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0, buf[NCGT_CC_ENCODED_MAX];
  ncgt_client_config cc;
  static const uint8_t o[] = {53, 1, 3, 255};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  h_config(&cc);
  cc.client_addr = IP4(10, 77, 0, 3);
  ssize_t n = ncgt_client_config_encode(buf, sizeof buf, &cc);
  assert_int_equal(ncgt_adapter_set_client_data(H.ad, buf, (size_t)n), 0);
  req r = base_req(o, sizeof o);
  r.ciaddr = r.ip_src = IP4(10, 77, 0, 2);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0);
  assert_int_equal(opt(&p, 53, &l)[0], 6);
  /* invalid client data is refused and the old data kept */
  assert_int_equal(ncgt_adapter_set_client_data(H.ad, buf, 5),
                   NCGT_ERR_TRUNCATED);
  ncgt_adapter_del(H.ad);
}

/* Option 26 is the adapter's tunnel MTU: the server's, or the settings'
 * when the client data has none, so the stack's MTU and the MTU that
 * frag-needed reports agree (issue 18 item 3). */
static void mtu_option_is_the_tunnels(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0, buf[NCGT_CC_ENCODED_MAX];
  ncgt_client_config cc;
  static const uint16_t pushed[] = {0, 1300};
  static const uint16_t want[] = {1400, 1300};
  h_new(&H, NCGT_ADAPTER_CLIENT, 0);
  for (size_t i = 0; i < 2; i++) {
    h_config(&cc);
    cc.mtu = pushed[i];
    ssize_t n = ncgt_client_config_encode(buf, sizeof buf, &cc);
    assert_int_equal(ncgt_adapter_set_client_data(H.ad, buf, (size_t)n), 0);
    req r = base_req(discover_opts, sizeof discover_opts);
    assert_int_equal(send(&r), 0);
    parse_reply(&p, i);
    const uint8_t *v = opt(&p, 26, &l);
    assert_non_null(v);
    assert_int_equal(l, 2);
    assert_int_equal(h_be16(v), want[i]);
  }
  ncgt_adapter_del(H.ad);
}

/* ---- option overload (RFC 2131 4.1, option 52) and split options (RFC
 * 3396), issue 18 item 7 ---- */

/* Index of the first option after 53, 54 (61), 51 and 1 in a reply:
 * where the parameter request list's order shows. */
static size_t codes_after_mask(const reply *p) {
  for (size_t i = 0; i < p->nopts; i++)
    if (p->codes[i] == 1)
      return i + 1;
  fail();
  return 0;
}

/* The message type in `file` (overload 1): the DISCOVER gets its OFFER. */
static void overload_file(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0;
  static const uint8_t o[] = {52, 1, 1, 255};
  static const uint8_t file[] = {53, 1, 1, 55, 2, 249, 26, 255};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(o, sizeof o);
  r.file = file, r.file_len = sizeof file;
  assert_int_equal(send(&r), 0);
  assert_int_equal(H.nstack, 1);
  parse_reply(&p, 0);
  assert_int_equal(opt(&p, 53, &l)[0], 2); /* OFFER */
  size_t at = codes_after_mask(&p);
  assert_int_equal(p.codes[at], 249); /* the PRL from `file` */
  assert_int_equal(p.codes[at + 1], 26);
  assert_int_equal(h_stats(&H).dhcp_offers, 1);
  ncgt_adapter_del(H.ad);
}

/* The PRL in `sname` (overload 2); `file` is not options then, whatever
 * it holds. */
static void overload_sname(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0;
  static const uint8_t o[] = {53, 1, 1, 52, 1, 2, 255};
  static const uint8_t sname[] = {55, 1, 249, 255};
  static const uint8_t file[] = {53, 1, 7, 255}; /* a boot file name */
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(o, sizeof o);
  r.sname = sname, r.sname_len = sizeof sname;
  r.file = file, r.file_len = sizeof file;
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0);
  assert_int_equal(opt(&p, 53, &l)[0], 2);
  assert_int_equal(p.codes[codes_after_mask(&p)], 249);
  ncgt_adapter_del(H.ad);
}

/* Overload 3: options, then `file`, then `sname` make one buffer (RFC
 * 3396 section 5); `sname` may end with its field, no END. One PRL
 * split over all three, in that order. */
static void overload_both_concatenated(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0;
  static const uint8_t o[] = {52, 1, 3, 55, 1, 15, 255};
  static const uint8_t file[] = {53, 1, 1, 55, 1, 249, 255};
  static const uint8_t sname[] = {55, 2, 26, 6};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(o, sizeof o);
  r.file = file, r.file_len = sizeof file;
  r.sname = sname, r.sname_len = sizeof sname;
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0);
  assert_int_equal(opt(&p, 53, &l)[0], 2);
  static const uint8_t order[] = {15, 249, 26, 6};
  assert_memory_equal(p.codes + codes_after_mask(&p), order, sizeof order);
  ncgt_adapter_del(H.ad);
}

/* Split options in the options field alone: a PRL in two instances, a
 * client identifier in two (echoed whole, RFC 6842), a requested
 * address in two. */
static void split_options(void **state) {
  (void)state;
  reply p;
  uint8_t l = 0;
  static const uint8_t o[] = {53, 1, 1, 55, 1, 26, 55, 1, 249,
                              61, 3, 1, 0x52, 0x54,
                              61, 4, 0x00, 0x12, 0x34, 0x56, 255};
  static const uint8_t id[] = {1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  static const uint8_t sel[] = {53, 1, 3, 50, 2, 10, 77, 50, 2, 0, 2,
                                54, 4, 10, 77, 0, 1, 255};
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r = base_req(o, sizeof o);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 0);
  size_t at = codes_after_mask(&p);
  assert_int_equal(p.codes[at], 26);
  assert_int_equal(p.codes[at + 1], 249);
  const uint8_t *v = opt(&p, 61, &l);
  assert_non_null(v);
  assert_int_equal(l, sizeof id);
  assert_memory_equal(v, id, sizeof id);
  r = base_req(sel, sizeof sel);
  assert_int_equal(send(&r), 0);
  parse_reply(&p, 1);
  assert_int_equal(opt(&p, 53, &l)[0], 5); /* ACK for 10.77.0.2 */
  assert_int_equal(h_be32(p.b + 16), IP4(10, 77, 0, 2));
  ncgt_adapter_del(H.ad);
}

/* Overload and concatenation errors are dropped as malformed, no reply. */
static void overload_malformed(void **state) {
  (void)state;
  static const uint8_t ov0[] = {53, 1, 1, 52, 1, 0, 255};
  static const uint8_t ov4[] = {53, 1, 1, 52, 1, 4, 255};
  static const uint8_t ov_len2[] = {53, 1, 1, 52, 2, 1, 1, 255};
  static const uint8_t ov_file[] = {52, 1, 1, 255};
  static const uint8_t ov_both[] = {52, 1, 3, 255};
  static const uint8_t file_52[] = {53, 1, 1, 52, 1, 2, 255};
  static const uint8_t file_ok[] = {53, 1, 1, 255};
  static const uint8_t sname_53[] = {53, 1, 1, 255}; /* 53 twice: len 2 */
  static const uint8_t split_id1[] = {53, 1, 1, 61, 1, 1, 255};
  uint8_t file_over[128] = {0}, prl_long[2 * 202 + 4];
  file_over[125] = 55; /* runs past the end of `file` */
  file_over[126] = 5;
  memcpy(prl_long, (uint8_t[]){53, 1, 1}, 3); /* 2 x 200 codes > 255 */
  for (size_t i = 0; i < 2; i++) {
    prl_long[3 + i * 202] = 55;
    prl_long[4 + i * 202] = 200;
    memset(prl_long + 5 + i * 202, 6, 200);
  }
  prl_long[sizeof prl_long - 1] = 255;
  h_new(&H, NCGT_ADAPTER_CLIENT, 1);
  req r[] = {base_req(ov0, sizeof ov0),       base_req(ov4, sizeof ov4),
             base_req(ov_len2, sizeof ov_len2), base_req(ov_file, sizeof ov_file),
             base_req(ov_file, sizeof ov_file), base_req(ov_both, sizeof ov_both),
             base_req(split_id1, sizeof split_id1),
             base_req(prl_long, sizeof prl_long)};
  r[3].file = file_52, r[3].file_len = sizeof file_52;
  r[4].file = file_over, r[4].file_len = sizeof file_over;
  r[5].file = file_ok, r[5].file_len = sizeof file_ok;
  r[5].sname = sname_53, r[5].sname_len = sizeof sname_53;
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
    assert_int_equal(send(&r[i]), 0);
  assert_int_equal(H.nstack, 0);
  assert_int_equal(h_stats(&H).drop_dhcp_malformed, sizeof r / sizeof r[0]);
  ncgt_adapter_del(H.ad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(discover_gets_offer),
      cmocka_unit_test(broadcast_flag_and_249),
      cmocka_unit_test(selecting_request),
      cmocka_unit_test(init_reboot),
      cmocka_unit_test(renewing_and_rebinding),
      cmocka_unit_test(inform),
      cmocka_unit_test(release_and_decline),
      cmocka_unit_test(not_for_us_or_unsupported),
      cmocka_unit_test(malformed_dropped),
      cmocka_unit_test(respects_message_size),
      cmocka_unit_test(no_answer_before_client_data),
      cmocka_unit_test(new_client_data_naks_old_lease),
      cmocka_unit_test(mtu_option_is_the_tunnels),
      cmocka_unit_test(overload_file),
      cmocka_unit_test(overload_sname),
      cmocka_unit_test(overload_both_concatenated),
      cmocka_unit_test(split_options),
      cmocka_unit_test(overload_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
