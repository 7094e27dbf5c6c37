/*
 * libFuzzer target: the pseudo network adapter (lib/ncgt_adapter.c, ARP
 * and DHCP emulators, MTU handling), both roles, after the template in
 * fuzz/harness_template.c.
 *
 * Input: [u16 MTU selector][u32 failure seed], then records
 * [u8 op][u16 len][len bytes]; op selects client/server adapter and
 * from_stack / from_tunnel / set_client_data. Callbacks fail about once
 * in 16 calls by a generator seeded from the input (seed 0: never), so a
 * failing callback does not shift the records. Invariants beyond "no
 * crash":
 *  - every frame to the stack has an Ethernet header from the reserved
 *    MAC, and an IPv4 one (ours) has a valid header checksum and a valid
 *    UDP/ICMP checksum; an ARP one is a 42-byte reply;
 *  - every datagram to the tunnel fits the MTU in force (the client
 *    adapter's: its client data's option 26), its protocol matches its
 *    version nibble, and an IPv4 one keeps a valid header checksum;
 *  - the frame/datagram totals equal the number of calls.
 */
#include <ncgtun/adapter.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct harness {
  uint32_t *fail;     /* xorshift state shared by both adapters; 0: off */
  const uint8_t *mac; /* the reserved MAC this adapter presents */
  uint16_t mtu;
  size_t in_len;      /* length of the datagram from_tunnel was given */
  int from_tunnel;    /* inside from_tunnel: to_stack gets a rebuild */
} harness;

static const uint8_t server_mac[6] = NCGT_SERVER_MAC_DEFAULT;
static const uint8_t client_mac[6] = NCGT_CLIENT_MAC_DEFAULT;

static uint32_t sum(uint32_t s, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
  return s;
}
static uint16_t fold(uint32_t s) {
  while (s >> 16)
    s = (s & 0xFFFF) + (s >> 16);
  return (uint16_t)s;
}

/* A datagram the adapter built itself: header and L4 checksums. */
static void check_own_ip(const uint8_t *ip, size_t len) {
  if ((ip[0] >> 4) == 4) {
    FUZZ_CHECK(len >= 28 && ip[0] == 0x45);
    FUZZ_CHECK((size_t)(ip[2] << 8 | ip[3]) == len);
    FUZZ_CHECK(fold(sum(0, ip, 20)) == 0xFFFF);
    FUZZ_CHECK(ip[9] == 1 || ip[9] == 17);
    uint32_t s = ip[9] == 17 ? sum(0, ip + 12, 8) + 17 + (uint32_t)(len - 20)
                             : 0;
    FUZZ_CHECK(fold(sum(s, ip + 20, len - 20)) == 0xFFFF);
  } else {
    FUZZ_CHECK(len >= 48 && len <= 1280 && ip[6] == 58);
    FUZZ_CHECK((size_t)(ip[4] << 8 | ip[5]) + 40 == len);
    uint32_t s = sum(0, ip + 8, 32) + 58 + (uint32_t)(len - 40);
    FUZZ_CHECK(fold(sum(s, ip + 40, len - 40)) == 0xFFFF);
  }
}

static void check_frame(const harness *h, const uint8_t *f, size_t len) {
  FUZZ_CHECK(len >= 14);
  FUZZ_CHECK(memcmp(f + 6, h->mac, 6) == 0);
  uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
  FUZZ_CHECK(type == 0x0800 || type == 0x86DD || type == 0x0806);
  if (h->from_tunnel) { /* Fig. 18: header + the datagram, no more */
    FUZZ_CHECK(type != 0x0806 && len - 14 <= h->in_len);
    return;
  }
  if (type == 0x0806) {
    FUZZ_CHECK(len == 42 && f[21] == 2); /* ARP reply */
    FUZZ_CHECK(memcmp(f + 22, h->mac, 6) == 0);
    return;
  }
  check_own_ip(f + 14, len - 14); /* DHCP reply or ICMP error */
}

static int fail_now(const harness *h) {
  uint32_t x = *h->fail;
  if (x == 0)
    return 0;
  x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
  *h->fail = x;
  return (x & 15) == 0;
}

static int to_stack(const uint8_t *f, size_t len, void *ud) {
  harness *h = ud;
  check_frame(h, f, len);
  return fail_now(h) ? -1 : 0;
}

static int to_tunnel(uint8_t proto, const uint8_t *dg, size_t len, void *ud) {
  harness *h = ud;
  FUZZ_CHECK(len >= 1 && len <= h->mtu);
  FUZZ_CHECK(proto == 4 || proto == 6);
  FUZZ_CHECK(dg[0] >> 4 == proto);
  if (proto == 4) {
    FUZZ_CHECK(len >= 20 && (size_t)(dg[0] & 15) * 4 <= len);
    FUZZ_CHECK((size_t)(dg[2] << 8 | dg[3]) == len);
  }
  return fail_now(h) ? -1 : 0;
}

/* 10.77.0.2/24, server 10.77.0.1, route 10.88/16, MTU 1400. */
static const uint8_t client_data[] = {
    50, 4, 10, 77, 0, 2, 1, 4, 255, 255, 255, 0, 54, 4, 10, 77, 0, 1,
    6,  4, 10, 88, 0, 53, 26, 2, 5, 120, 121, 7, 16, 10, 88, 10, 77, 0, 1,
    255,
};

static ncgt_adapter *make(harness *h, ncgt_adapter_role role) {
  ncgt_adapter *ad = NULL;
  ncgt_adapter_settings s;
  ncgt_adapter_callbacks cb = {NCGT_ADAPTER_CALLBACKS_VERSION, to_stack,
                               to_tunnel, NULL, NULL};
  ncgt_adapter_settings_default(&s, role);
  s.mtu = h->mtu;
  s.server_addr = 0x0A4D0001;
  s.server_prefix_len = 24;
  FUZZ_CHECK(ncgt_adapter_new(&ad, &s, &cb, h) == 0);
  h->mac = role == NCGT_ADAPTER_CLIENT ? server_mac : client_mac;
  return ad;
}

enum { OP_STACK, OP_TUNNEL, OP_CLIENT_DATA, OP_COUNT_ };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in;
  fuzz_in_init(&in, data, size);
  uint16_t mtu = (uint16_t)(576 + fuzz_in_u16(&in) % 9000);
  uint32_t fail = fuzz_in_u32(&in);
  harness hc = {&fail, NULL, mtu, 0, 0}, hs = {&fail, NULL, mtu, 0, 0};
  ncgt_adapter *c = make(&hc, NCGT_ADAPTER_CLIENT);
  ncgt_adapter *s = make(&hs, NCGT_ADAPTER_SERVER);
  FUZZ_CHECK(ncgt_adapter_set_client_data(c, client_data,
                                          sizeof client_data) == 0);
  hc.mtu = ncgt_adapter_mtu(c); /* the client data's 1400 governs */
  FUZZ_CHECK(hc.mtu == 1400);
  uint64_t calls[2][2] = {{0, 0}, {0, 0}};
  while (fuzz_in_left(&in) > 0) {
    uint8_t sel = fuzz_in_u8(&in);
    int server = sel & 0x80;
    ncgt_adapter *ad = server ? s : c;
    size_t n = 0;
    const uint8_t *p = fuzz_in_bytes(&in, fuzz_in_u16(&in), &n);
    uint8_t *buf = fuzz_dup(p, n); /* exact size: ASan sees overreads */
    int rv = 0;
    switch ((sel & 0x7F) % OP_COUNT_) {
    case OP_STACK:
      rv = ncgt_adapter_from_stack(ad, buf, n);
      calls[!!server][0]++;
      break;
    case OP_TUNNEL: {
      harness *h = server ? &hs : &hc;
      h->from_tunnel = 1;
      h->in_len = n;
      rv = ncgt_adapter_from_tunnel(ad, buf, n, 0x0A4D0002);
      h->from_tunnel = 0;
      calls[!!server][1]++;
      break;
    }
    case OP_CLIENT_DATA:
      if (!server && ncgt_adapter_set_client_data(ad, buf, n) < 0)
        rv = 0; /* refused: the old data stays in force */
      hc.mtu = ncgt_adapter_mtu(c);
      break;
    }
    FUZZ_CHECK(rv == 0 || rv == NCGT_ERR_CALLBACK_FAILURE);
    free(buf);
  }
  ncgt_adapter_stats st;
  ncgt_adapter_get_stats(c, &st, sizeof st);
  FUZZ_CHECK(st.stack_frames == calls[0][0] && st.tunnel_dgrams == calls[0][1]);
  ncgt_adapter_get_stats(s, &st, sizeof st);
  FUZZ_CHECK(st.stack_frames == calls[1][0] && st.tunnel_dgrams == calls[1][1]);
  ncgt_adapter_del(c);
  ncgt_adapter_del(s);
  return 0;
}
