/*
 * Shared by the adapter's tests (test_arp.c, test_dhcp.c, test_adapter.c):
 * an adapter whose callbacks record what reaches the stack and the tunnel,
 * fixed addresses, and an independent checksum to verify what came out.
 */
#ifndef NCGT_ADAPTER_HARNESS_H
#define NCGT_ADAPTER_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ncgtun/adapter.h>

#define IP4(a, b, c, d)                                                        \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

enum { H_MAX_OUT = 16, H_OUT_LEN = 2048 };

typedef struct harness {
  ncgt_adapter *ad;
  size_t nstack, ntun;
  uint8_t stack[H_MAX_OUT][H_OUT_LEN]; /* first H_OUT_LEN bytes of each */
  size_t stack_len[H_MAX_OUT];
  uint8_t tun[H_MAX_OUT][H_OUT_LEN];
  size_t tun_len[H_MAX_OUT];
  uint8_t tun_proto[H_MAX_OUT];
  int fail_stack, fail_tunnel;
  int nlog_warn;
} harness;

static const uint8_t H_STACK_MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t H_SERVER_MAC[6] = NCGT_SERVER_MAC_DEFAULT;
static const uint8_t H_CLIENT_MAC[6] = NCGT_CLIENT_MAC_DEFAULT;
static const uint8_t H_BCAST[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

static inline int h_to_stack(const uint8_t *f, size_t len, void *ud) {
  harness *h = ud;
  if (h->fail_stack)
    return -1;
  if (h->nstack < H_MAX_OUT) {
    memcpy(h->stack[h->nstack], f, len < H_OUT_LEN ? len : H_OUT_LEN);
    h->stack_len[h->nstack] = len;
  }
  h->nstack++;
  return 0;
}

static inline int h_to_tunnel(uint8_t proto, const uint8_t *d, size_t len,
                              void *ud) {
  harness *h = ud;
  if (h->fail_tunnel)
    return -1;
  if (h->ntun < H_MAX_OUT) {
    memcpy(h->tun[h->ntun], d, len < H_OUT_LEN ? len : H_OUT_LEN);
    h->tun_len[h->ntun] = len;
    h->tun_proto[h->ntun] = proto;
  }
  h->ntun++;
  return 0;
}

static inline void h_log(ncgt_log_level level, const char *msg, void *ud) {
  harness *h = ud;
  (void)msg;
  if (level <= NCGT_LOG_WARN)
    h->nlog_warn++;
}

/* The client data of the integration test: 10.77.0.2/24, server
 * 10.77.0.1, routes 10.88/16 and 192.168.77/24 via the server, MTU 1400,
 * DNS 10.88.0.53, domain corp.example, lease 600. */
static inline void h_config(ncgt_client_config *cc) {
  memset(cc, 0, sizeof *cc);
  cc->client_addr = IP4(10, 77, 0, 2);
  cc->prefix_len = 24;
  cc->server_addr = IP4(10, 77, 0, 1);
  cc->mtu = 1400;
  cc->lease_s = 600;
  cc->ndns = 1;
  cc->dns[0] = IP4(10, 88, 0, 53);
  memcpy(cc->domain, "corp.example", 12);
  cc->domain_len = 12;
  cc->nroutes = 2;
  cc->routes[0] = (ncgt_route4){IP4(10, 88, 0, 0), 16, IP4(10, 77, 0, 1)};
  cc->routes[1] = (ncgt_route4){IP4(192, 168, 77, 0), 24, IP4(10, 77, 0, 1)};
}

static inline void h_new(harness *h, ncgt_adapter_role role, int with_cc) {
  ncgt_adapter_settings s;
  ncgt_adapter_callbacks cb = {NCGT_ADAPTER_CALLBACKS_VERSION, h_to_stack,
                               h_to_tunnel, h_log, NULL, NULL};
  memset(h, 0, sizeof *h);
  ncgt_adapter_settings_default(&s, role);
  if (role == NCGT_ADAPTER_SERVER) {
    s.server_addr = IP4(10, 77, 0, 1);
    s.server_prefix_len = 24;
  }
  assert_int_equal(ncgt_adapter_new(&h->ad, &s, &cb, h), 0);
  if (with_cc) {
    ncgt_client_config cc;
    uint8_t buf[NCGT_CC_ENCODED_MAX];
    h_config(&cc);
    ssize_t n = ncgt_client_config_encode(buf, sizeof buf, &cc);
    assert_true(n > 0);
    assert_int_equal(ncgt_adapter_set_client_data(h->ad, buf, (size_t)n), 0);
  }
}

static inline ncgt_adapter_stats h_stats(const harness *h) {
  ncgt_adapter_stats st;
  ncgt_adapter_get_stats(h->ad, &st, sizeof st);
  return st;
}

static inline uint16_t h_be16(const uint8_t *b) {
  return (uint16_t)(b[0] << 8 | b[1]);
}
static inline uint32_t h_be32(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
         b[3];
}
static inline void h_put16(uint8_t *b, uint16_t v) {
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}
static inline void h_put32(uint8_t *b, uint32_t v) {
  h_put16(b, (uint16_t)(v >> 16));
  h_put16(b + 2, (uint16_t)v);
}

/* Plain RFC 1071 sum, written independently of lib/ncgt_inet.c. */
static inline uint32_t h_sum(uint32_t s, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
  return s;
}
static inline uint16_t h_fold(uint32_t s) {
  while (s >> 16)
    s = (s & 0xFFFF) + (s >> 16);
  return (uint16_t)s;
}
/* IPv4 header checksum verifies. */
static inline int h_ip4_ok(const uint8_t *ip) {
  return h_fold(h_sum(0, ip, (size_t)(ip[0] & 15) * 4)) == 0xFFFF;
}
/* TCP/UDP/ICMPv6 checksum with pseudo header verifies (IPv4 or v6). */
static inline int h_l4_ok(const uint8_t *ip) {
  if ((ip[0] >> 4) == 4) {
    size_t hl = (size_t)(ip[0] & 15) * 4, tot = h_be16(ip + 2);
    uint32_t s = h_sum(0, ip + 12, 8) + ip[9] + (uint32_t)(tot - hl);
    if (ip[9] == 1) /* ICMP: no pseudo header */
      s = 0;
    return h_fold(h_sum(s, ip + hl, tot - hl)) == 0xFFFF;
  }
  size_t plen = h_be16(ip + 4);
  uint32_t s = h_sum(0, ip + 8, 32) + ip[6] + (uint32_t)plen;
  return h_fold(h_sum(s, ip + 40, plen)) == 0xFFFF;
}

/* Writes a 14-byte Ethernet header. */
static inline void h_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src,
                         uint16_t type) {
  memcpy(f, dst, 6);
  memcpy(f + 6, src, 6);
  h_put16(f + 12, type);
}

/* Writes a 20-byte IPv4 header with a correct checksum. */
static inline void h_ip4(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto,
                         size_t tot, uint16_t frag) {
  memset(ip, 0, 20);
  ip[0] = 0x45;
  h_put16(ip + 2, (uint16_t)tot);
  h_put16(ip + 4, 0x1234);
  h_put16(ip + 6, frag);
  ip[8] = 64;
  ip[9] = proto;
  h_put32(ip + 12, src);
  h_put32(ip + 16, dst);
  h_put16(ip + 10, (uint16_t)~h_fold(h_sum(0, ip, 20)));
}

#endif /* NCGT_ADAPTER_HARNESS_H */
