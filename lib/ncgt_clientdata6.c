/*
 * IPv6 client data (patent Fig. 23, extended): the client's and the
 * server's IPv6 tunnel addresses, the IPv6 routes and DNS servers, as
 * three options in the site-specific range of the same DHCP option list
 * (RFC 3942: 224-254 are for private use). doc/protocol.md "Client data"
 * has the layout:
 *
 *   224 len 34: client address (16), prefix length (1), server address
 *               (16), flags (1: NCGT_CC6_F_*)
 *   225 len n:  routes: width (1), then ceil(width / 8) bytes of the
 *               destination, as RFC 3442 does for IPv4 (no router: the
 *               router is always the server)
 *   226 len 16k: DNS servers
 *
 * The IPv4 decoder skips unknown options, so older clients ignore these.
 */
#include <string.h>

#include "ncgt_clientdata.h"
#include "ncgt_handshake.h"
#include "ncgt_netproto.h"

enum { A6 = 16 };

_Static_assert(NCGT_CC_ENCODED_MAX + NCGT_CC6_ENCODED_MAX <=
                   NCGT_CLIENT_DATA_MAX,
               "IPv4 and IPv6 client data fit RESPONSE");

static int all_zero(const uint8_t *a, size_t n) {
  uint8_t o = 0;
  for (size_t i = 0; i < n; i++)
    o |= a[i];
  return o == 0;
}

/* No bits set beyond prefix_len. */
static int host_bits_zero(const uint8_t *a, unsigned plen) {
  for (unsigned i = plen; i < 128; i++)
    if (a[i / 8] & (0x80u >> (i % 8)))
      return 0;
  return 1;
}

static int same_prefix(const uint8_t *a, const uint8_t *b, unsigned plen) {
  for (unsigned i = 0; i < plen; i++)
    if ((a[i / 8] ^ b[i / 8]) & (0x80u >> (i % 8)))
      return 0;
  return 1;
}

/* Unicast, not unspecified, loopback, link-local (RFC 4291 2.4). */
static int unicast_ok(const uint8_t *a) {
  static const uint8_t loop[A6] = {[15] = 1};
  return a[0] != 0xFF && !(a[0] == 0xFE && (a[1] & 0xC0) == 0x80) &&
         !all_zero(a, A6) && memcmp(a, loop, A6) != 0;
}

/* A host address of the prefix: unicast, inside, and not the
 * subnet-router anycast address (all-zero interface id, RFC 4291
 * 2.6.1). */
static int host_in(const uint8_t *a, const uint8_t *net, unsigned plen) {
  return unicast_ok(a) && same_prefix(a, net, plen) &&
         !host_bits_zero(a, plen);
}

int ncgt_client_config6_check(const ncgt_client_config6 *c6) {
  NCGT_ENSURE_COND(c6, NCGT_ERR_INVALID_ARGUMENT);
  if (c6->prefix_len == 0)
    return 0;
  NCGT_ENSURE_COND(c6->prefix_len >= 16 && c6->prefix_len <= 126,
                   NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND(host_in(c6->client_addr, c6->client_addr, c6->prefix_len) &&
                       host_in(c6->server_addr, c6->client_addr,
                               c6->prefix_len) &&
                       memcmp(c6->client_addr, c6->server_addr, A6) != 0,
                   NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND((c6->flags & ~(NCGT_CC6_F_AUTONOMOUS | NCGT_CC6_F_DEFAULT)) ==
                       0,
                   NCGT_ERR_BAD_VALUE);
  /* RFC 4862 5.5.3 d: SLAAC forms 64-bit interface identifiers. */
  NCGT_ENSURE_COND(!(c6->flags & NCGT_CC6_F_AUTONOMOUS) ||
                       c6->prefix_len == 64,
                   NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND(c6->nroutes <= NCGT_CC6_ROUTES_MAX &&
                       c6->ndns <= NCGT_CC6_DNS_MAX,
                   NCGT_ERR_TOO_MANY);
  for (size_t i = 0; i < c6->nroutes; i++)
    NCGT_ENSURE_COND(c6->routes[i].prefix_len <= 128 &&
                         host_bits_zero(c6->routes[i].dest,
                                        c6->routes[i].prefix_len),
                     NCGT_ERR_BAD_VALUE);
  for (size_t i = 0; i < c6->ndns; i++)
    NCGT_ENSURE_COND(unicast_ok(c6->dns[i]), NCGT_ERR_BAD_VALUE);
  return 0;
}

static int write6(ncgt_wr *w, const ncgt_client_config6 *c6) {
  size_t rlen = 0;
  NCGT_ENSURE(ncgt_wr_need(w, 2 + NCGT_CC6_ADDR_OPT_LEN));
  ncgt_wr_u8(w, NCGT_DHO_NCGT_V6_ADDR);
  ncgt_wr_u8(w, NCGT_CC6_ADDR_OPT_LEN);
  ncgt_wr_bytes(w, c6->client_addr, A6);
  ncgt_wr_u8(w, c6->prefix_len);
  ncgt_wr_bytes(w, c6->server_addr, A6);
  ncgt_wr_u8(w, c6->flags);
  for (size_t i = 0; i < c6->nroutes; i++)
    rlen += 1 + ((size_t)c6->routes[i].prefix_len + 7) / 8;
  if (rlen) {
    NCGT_ENSURE(ncgt_wr_need(w, 2 + rlen));
    ncgt_wr_u8(w, NCGT_DHO_NCGT_V6_ROUTES);
    ncgt_wr_u8(w, (uint8_t)rlen);
    for (size_t i = 0; i < c6->nroutes; i++) {
      ncgt_wr_u8(w, c6->routes[i].prefix_len);
      ncgt_wr_bytes(w, c6->routes[i].dest,
                    ((size_t)c6->routes[i].prefix_len + 7) / 8);
    }
  }
  if (c6->ndns) {
    NCGT_ENSURE(ncgt_wr_need(w, 2 + A6 * c6->ndns));
    ncgt_wr_u8(w, NCGT_DHO_NCGT_V6_DNS);
    ncgt_wr_u8(w, (uint8_t)(A6 * c6->ndns));
    for (size_t i = 0; i < c6->ndns; i++)
      ncgt_wr_bytes(w, c6->dns[i], A6);
  }
  return w->err;
}

ssize_t ncgt_client_config_encode6(uint8_t *dst, size_t cap,
                                   const ncgt_client_config *cc,
                                   const ncgt_client_config6 *c6) {
  ncgt_wr w;
  ssize_t n = ncgt_client_config_encode(dst, cap, cc);
  if (n < 0 || !c6 || c6->prefix_len == 0) {
    if (n >= 0 && c6)
      NCGT_ENSURE(ncgt_client_config6_check(c6));
    return n;
  }
  NCGT_ENSURE(ncgt_client_config6_check(c6));
  /* The IPv4 encoding ends with END: the IPv6 options go before it. */
  ncgt_wr_init(&w, dst, cap);
  w.off = (size_t)n - 1;
  NCGT_ENSURE(write6(&w, c6));
  NCGT_ENSURE(ncgt_wr_u8(&w, NCGT_DHO_END));
  return (ssize_t)w.off;
}

/* ---- decoder ---------------------------------------------------------- */

static int read_routes6(ncgt_client_config6 *c6, const uint8_t *p,
                        size_t len) {
  ncgt_rd r;
  ncgt_rd_init(&r, p, len);
  NCGT_ENSURE_COND(len > 0, NCGT_ERR_BAD_LENGTH);
  while (ncgt_rd_left(&r) > 0) {
    uint8_t width = 0;
    NCGT_ENSURE_COND(c6->nroutes < NCGT_CC6_ROUTES_MAX, NCGT_ERR_TOO_MANY);
    NCGT_ENSURE(ncgt_rd_u8(&r, &width));
    NCGT_ENSURE_COND(width <= 128, NCGT_ERR_BAD_VALUE);
    ncgt_route6 *rt = &c6->routes[c6->nroutes++];
    memset(rt, 0, sizeof *rt);
    rt->prefix_len = width;
    NCGT_ENSURE_COND(ncgt_rd_copy(&r, rt->dest, ((size_t)width + 7) / 8) == 0,
                     NCGT_ERR_BAD_LENGTH);
  }
  return 0;
}

static int read_opt6(ncgt_client_config6 *c6, uint8_t code, const uint8_t *p,
                     size_t len) {
  switch (code) {
  case NCGT_DHO_NCGT_V6_ADDR:
    NCGT_ENSURE_COND(len == NCGT_CC6_ADDR_OPT_LEN, NCGT_ERR_BAD_LENGTH);
    memcpy(c6->client_addr, p, A6);
    c6->prefix_len = p[A6];
    memcpy(c6->server_addr, p + A6 + 1, A6);
    c6->flags = p[2 * A6 + 1];
    /* prefix 0 would read as "absent" */
    NCGT_ENSURE_COND(c6->prefix_len != 0, NCGT_ERR_BAD_VALUE);
    return 0;
  case NCGT_DHO_NCGT_V6_ROUTES:
    return read_routes6(c6, p, len);
  case NCGT_DHO_NCGT_V6_DNS:
    NCGT_ENSURE_COND(len > 0 && len % A6 == 0, NCGT_ERR_BAD_LENGTH);
    NCGT_ENSURE_COND(len / A6 <= NCGT_CC6_DNS_MAX, NCGT_ERR_TOO_MANY);
    c6->ndns = len / A6;
    for (size_t i = 0; i < c6->ndns; i++)
      memcpy(c6->dns[i], p + A6 * i, A6);
    return 0;
  default:
    return 0;
  }
}

static int decode6(ncgt_client_config6 *c6, const uint8_t *buf, size_t len) {
  ncgt_rd r;
  unsigned seen = 0; /* bit per option 224..226 */
  ncgt_rd_init(&r, buf, len);
  while (ncgt_rd_left(&r) > 0) {
    uint8_t code = 0, olen = 0;
    const uint8_t *p = NULL;
    NCGT_ENSURE(ncgt_rd_u8(&r, &code));
    if (code == NCGT_DHO_PAD)
      continue;
    if (code == NCGT_DHO_END)
      break; /* what follows is the IPv4 decoder's to check */
    NCGT_ENSURE(ncgt_rd_u8(&r, &olen));
    NCGT_ENSURE(ncgt_rd_ptr(&r, &p, olen));
    if (code < NCGT_DHO_NCGT_V6_ADDR || code > NCGT_DHO_NCGT_V6_DNS)
      continue;
    unsigned bit = 1u << (code - NCGT_DHO_NCGT_V6_ADDR);
    NCGT_ENSURE_COND(!(seen & bit), NCGT_ERR_BAD_VALUE);
    seen |= bit;
    NCGT_ENSURE(read_opt6(c6, code, p, olen));
  }
  if (seen && !(seen & 1u))
    return NCGT_ERR_TRUNCATED; /* routes or DNS without an address */
  return ncgt_client_config6_check(c6);
}

int ncgt_client_config6_decode(ncgt_client_config6 *c6, const uint8_t *buf,
                               size_t len) {
  NCGT_ENSURE_COND(c6 && (buf || len == 0), NCGT_ERR_INVALID_ARGUMENT);
  memset(c6, 0, sizeof *c6);
  int rv = decode6(c6, buf, len);
  if (rv < 0)
    memset(c6, 0, sizeof *c6);
  return rv;
}
