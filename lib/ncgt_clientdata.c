/*
 * Client data codec (patent Fig. 23): the server fills the RESPONSE's
 * client data field "with DHCP information in standard DHCP format": the
 * client's and the server's tunnel addresses and the routes to the
 * private network. We carry them as RFC 2132 option TLVs so the client's
 * DHCP server emulator can answer from them directly.
 */
#include <string.h>

#include "ncgt_clientdata.h"
#include "ncgt_inet.h"
#include "ncgt_netproto.h"

uint32_t ncgt_cc_lease(const ncgt_client_config *cc) {
  return cc->lease_s ? cc->lease_s : NCGT_CC_LEASE_DEFAULT;
}

/* RFC 2131 4.4.5: T1 defaults to 0.5 * lease, T2 to 0.875 * lease. */
uint32_t ncgt_cc_t1(const ncgt_client_config *cc) {
  uint32_t lease = ncgt_cc_lease(cc);
  if (cc->t1_s)
    return cc->t1_s;
  return lease == NCGT_LEASE_INFINITE ? lease : lease / 2;
}

uint32_t ncgt_cc_t2(const ncgt_client_config *cc) {
  uint32_t lease = ncgt_cc_lease(cc);
  if (cc->t2_s)
    return cc->t2_s;
  return lease == NCGT_LEASE_INFINITE ? lease
                                      : (uint32_t)((uint64_t)lease * 7 / 8);
}

static int in_subnet(uint32_t a, uint32_t net, uint8_t prefix_len) {
  uint32_t m = ncgt_prefix_mask(prefix_len);
  return (a & m) == (net & m);
}

/* A host address of the subnet: not special, not the network or the
 * broadcast address. */
static int is_host_in(uint32_t a, uint32_t net, uint8_t prefix_len) {
  uint32_t m = ncgt_prefix_mask(prefix_len);
  return !ncgt_ip4_is_special(a) && in_subnet(a, net, prefix_len) &&
         (a & ~m) != 0 && (a & ~m) != ~m;
}

static int domain_ok(const char *d, size_t len) {
  if (len == 0 || len > NCGT_CC_DOMAIN_MAX)
    return 0;
  for (size_t i = 0; i < len; i++) {
    char c = d[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return 0;
  }
  return 1;
}

static int routes_check(const ncgt_client_config *cc) {
  NCGT_ENSURE_COND(cc->nroutes <= NCGT_CC_ROUTES_MAX, NCGT_ERR_TOO_MANY);
  for (size_t i = 0; i < cc->nroutes; i++) {
    const ncgt_route4 *r = &cc->routes[i];
    NCGT_ENSURE_COND(r->prefix_len <= 32, NCGT_ERR_BAD_VALUE);
    NCGT_ENSURE_COND((r->dest & ~ncgt_prefix_mask(r->prefix_len)) == 0,
                     NCGT_ERR_BAD_VALUE);
    /* The gateway must be on the tunnel link (RFC 3442: 0 = on-link). */
    NCGT_ENSURE_COND(r->gateway == 0 ||
                         (is_host_in(r->gateway, cc->client_addr,
                                     cc->prefix_len) &&
                          r->gateway != cc->client_addr),
                     NCGT_ERR_BAD_VALUE);
  }
  return 0;
}

int ncgt_client_config_check(const ncgt_client_config *cc) {
  NCGT_ENSURE_COND(cc, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE_COND(cc->prefix_len >= 1 && cc->prefix_len <= 30,
                   NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND(is_host_in(cc->client_addr, cc->client_addr,
                              cc->prefix_len) &&
                       is_host_in(cc->server_addr, cc->client_addr,
                                  cc->prefix_len) &&
                       cc->client_addr != cc->server_addr,
                   NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND(cc->mtu == 0 || cc->mtu >= NCGT_CC_MTU_MIN,
                   NCGT_ERR_BAD_VALUE);
  uint32_t lease = ncgt_cc_lease(cc), t1 = ncgt_cc_t1(cc), t2 = ncgt_cc_t2(cc);
  if (lease != NCGT_LEASE_INFINITE)
    NCGT_ENSURE_COND(t1 <= t2 && t2 <= lease, NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND(cc->ndns <= NCGT_CC_DNS_MAX, NCGT_ERR_TOO_MANY);
  for (size_t i = 0; i < cc->ndns; i++)
    NCGT_ENSURE_COND(!ncgt_ip4_is_special(cc->dns[i]), NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE_COND(cc->domain_len == 0 || domain_ok(cc->domain, cc->domain_len),
                   NCGT_ERR_BAD_NAME);
  return routes_check(cc);
}

/* RFC 3442 section 3: width, significant octets of dest, router. */
static int write_routes(ncgt_wr *w, uint8_t code, const ncgt_client_config *cc) {
  size_t len = 0;
  for (size_t i = 0; i < cc->nroutes; i++)
    len += 1 + ((size_t)cc->routes[i].prefix_len + 7) / 8 + 4;
  if (len == 0)
    return 0;
  NCGT_ENSURE_COND(len <= 255, NCGT_ERR_BAD_VALUE);
  NCGT_ENSURE(ncgt_wr_need(w, 2 + len));
  ncgt_wr_u8(w, code);
  ncgt_wr_u8(w, (uint8_t)len);
  for (size_t i = 0; i < cc->nroutes; i++) {
    uint8_t d[4];
    ncgt_ip4_put(d, cc->routes[i].dest);
    ncgt_wr_u8(w, cc->routes[i].prefix_len);
    ncgt_wr_bytes(w, d, ((size_t)cc->routes[i].prefix_len + 7) / 8);
    ncgt_wr_u32(w, cc->routes[i].gateway);
  }
  return w->err ? w->err : 1;
}

static int write_u32_opt(ncgt_wr *w, uint8_t code, uint32_t v) {
  NCGT_ENSURE(ncgt_wr_need(w, 2 + 4));
  ncgt_wr_u8(w, code);
  ncgt_wr_u8(w, 4);
  ncgt_wr_u32(w, v);
  return 1;
}

int ncgt_cc_write_opt(ncgt_wr *w, uint8_t code, const ncgt_client_config *cc) {
  switch (code) {
  case NCGT_DHO_SUBNET_MASK:
    return write_u32_opt(w, code, ncgt_prefix_mask(cc->prefix_len));
  case NCGT_DHO_ROUTER:
    return cc->default_route ? write_u32_opt(w, code, cc->server_addr) : 0;
  case NCGT_DHO_REQUESTED_ADDR:
    return write_u32_opt(w, code, cc->client_addr);
  case NCGT_DHO_SERVER_ID:
    return write_u32_opt(w, code, cc->server_addr);
  case NCGT_DHO_LEASE_TIME:
    return write_u32_opt(w, code, ncgt_cc_lease(cc));
  case NCGT_DHO_T1:
    return write_u32_opt(w, code, ncgt_cc_t1(cc));
  case NCGT_DHO_T2:
    return write_u32_opt(w, code, ncgt_cc_t2(cc));
  case NCGT_DHO_MTU:
    if (!cc->mtu)
      return 0;
    NCGT_ENSURE(ncgt_wr_need(w, 2 + 2));
    ncgt_wr_u8(w, code);
    ncgt_wr_u8(w, 2);
    ncgt_wr_u16(w, cc->mtu);
    return 1;
  case NCGT_DHO_DNS:
    if (!cc->ndns)
      return 0;
    NCGT_ENSURE(ncgt_wr_need(w, 2 + 4 * cc->ndns));
    ncgt_wr_u8(w, code);
    ncgt_wr_u8(w, (uint8_t)(4 * cc->ndns));
    for (size_t i = 0; i < cc->ndns; i++)
      ncgt_wr_u32(w, cc->dns[i]);
    return 1;
  case NCGT_DHO_DOMAIN:
    if (!cc->domain_len)
      return 0;
    NCGT_ENSURE(ncgt_wr_need(w, 2 + cc->domain_len));
    ncgt_wr_u8(w, code);
    ncgt_wr_u8(w, (uint8_t)cc->domain_len);
    ncgt_wr_bytes(w, cc->domain, cc->domain_len);
    return 1;
  case NCGT_DHO_CLASSLESS_ROUTES:
  case NCGT_DHO_MS_CLASSLESS_ROUTES:
    return write_routes(w, code, cc);
  default:
    return 0;
  }
}

/* Encoding order; 58/59 only when set explicitly, 51 only when set. */
static const uint8_t enc_order[] = {
    NCGT_DHO_REQUESTED_ADDR, NCGT_DHO_SUBNET_MASK, NCGT_DHO_SERVER_ID,
    NCGT_DHO_ROUTER,         NCGT_DHO_DNS,         NCGT_DHO_DOMAIN,
    NCGT_DHO_MTU,            NCGT_DHO_LEASE_TIME,  NCGT_DHO_T1,
    NCGT_DHO_T2,             NCGT_DHO_CLASSLESS_ROUTES,
};

ssize_t ncgt_client_config_encode(uint8_t *dst, size_t cap,
                                  const ncgt_client_config *cc) {
  ncgt_wr w;
  NCGT_ENSURE_COND(dst || cap == 0, NCGT_ERR_INVALID_ARGUMENT);
  NCGT_ENSURE(ncgt_client_config_check(cc));
  ncgt_wr_init(&w, dst, cap);
  for (size_t i = 0; i < sizeof enc_order; i++) {
    uint8_t c = enc_order[i];
    if ((c == NCGT_DHO_LEASE_TIME && !cc->lease_s) ||
        (c == NCGT_DHO_T1 && !cc->t1_s) || (c == NCGT_DHO_T2 && !cc->t2_s))
      continue;
    NCGT_ENSURE(ncgt_cc_write_opt(&w, c, cc));
  }
  NCGT_ENSURE(ncgt_wr_u8(&w, NCGT_DHO_END));
  return (ssize_t)w.off;
}

/* ---- decoder ---------------------------------------------------------- */

static int read_routes(ncgt_client_config *cc, const uint8_t *p, size_t len) {
  ncgt_rd r;
  ncgt_rd_init(&r, p, len);
  NCGT_ENSURE_COND(len > 0, NCGT_ERR_BAD_LENGTH);
  cc->nroutes = 0;
  while (ncgt_rd_left(&r) > 0) {
    uint8_t width = 0, d[4] = {0};
    uint32_t gw = 0;
    NCGT_ENSURE_COND(cc->nroutes < NCGT_CC_ROUTES_MAX, NCGT_ERR_TOO_MANY);
    NCGT_ENSURE(ncgt_rd_u8(&r, &width));
    NCGT_ENSURE_COND(width <= 32, NCGT_ERR_BAD_VALUE);
    if (ncgt_rd_copy(&r, d, ((size_t)width + 7) / 8) || ncgt_rd_u32(&r, &gw))
      return NCGT_ERR_BAD_LENGTH;
    ncgt_route4 *rt = &cc->routes[cc->nroutes++];
    rt->prefix_len = width;
    rt->dest = ncgt_ip4_get(d);
    rt->gateway = gw;
  }
  return 0;
}

static int read_mask(uint8_t *prefix_len, uint32_t mask) {
  uint8_t n = 0;
  while (n < 32 && (mask & (0x80000000u >> n)))
    n++;
  NCGT_ENSURE_COND(mask == ncgt_prefix_mask(n), NCGT_ERR_BAD_VALUE);
  *prefix_len = n;
  return 0;
}

/* What the option loop collected before the cross-checks. */
typedef struct cc_seen {
  uint8_t seen[32]; /* bitmap of option codes */
  const uint8_t *r121, *r249;
  size_t r121_len, r249_len;
  uint32_t router;
} cc_seen;

static int fixed_len(uint8_t code) {
  switch (code) {
  case NCGT_DHO_SUBNET_MASK: case NCGT_DHO_ROUTER:
  case NCGT_DHO_REQUESTED_ADDR: case NCGT_DHO_SERVER_ID:
  case NCGT_DHO_LEASE_TIME: case NCGT_DHO_T1: case NCGT_DHO_T2:
    return 4;
  case NCGT_DHO_MTU:
    return 2;
  default:
    return -1;
  }
}

static int read_u32_opt(ncgt_client_config *cc, cc_seen *sn, uint8_t code,
                        uint32_t v) {
  switch (code) {
  case NCGT_DHO_SUBNET_MASK: return read_mask(&cc->prefix_len, v);
  case NCGT_DHO_ROUTER: sn->router = v; cc->default_route = 1; return 0;
  case NCGT_DHO_REQUESTED_ADDR: cc->client_addr = v; return 0;
  case NCGT_DHO_SERVER_ID: cc->server_addr = v; return 0;
  default: break;
  }
  NCGT_ENSURE_COND(v != 0, NCGT_ERR_BAD_VALUE);
  if (code == NCGT_DHO_LEASE_TIME)
    cc->lease_s = v;
  else if (code == NCGT_DHO_T1)
    cc->t1_s = v;
  else
    cc->t2_s = v;
  return 0;
}

static int read_opt(ncgt_client_config *cc, cc_seen *sn, uint8_t code,
                    const uint8_t *p, size_t len) {
  int fl = fixed_len(code);
  if (fl > 0) {
    NCGT_ENSURE_COND(len == (size_t)fl, NCGT_ERR_BAD_LENGTH);
    if (fl == 2) {
      cc->mtu = ncgt_get_u16(p);
      return 0;
    }
    return read_u32_opt(cc, sn, code, ncgt_ip4_get(p));
  }
  switch (code) {
  case NCGT_DHO_DNS:
    NCGT_ENSURE_COND(len > 0 && len % 4 == 0, NCGT_ERR_BAD_LENGTH);
    NCGT_ENSURE_COND(len / 4 <= NCGT_CC_DNS_MAX, NCGT_ERR_TOO_MANY);
    cc->ndns = len / 4;
    for (size_t i = 0; i < cc->ndns; i++)
      cc->dns[i] = ncgt_ip4_get(p + 4 * i);
    return 0;
  case NCGT_DHO_DOMAIN:
    NCGT_ENSURE_COND(domain_ok((const char *)p, len), NCGT_ERR_BAD_NAME);
    memcpy(cc->domain, p, len);
    cc->domain[len] = '\0';
    cc->domain_len = len;
    return 0;
  case NCGT_DHO_CLASSLESS_ROUTES:
    sn->r121 = p, sn->r121_len = len;
    return 0;
  case NCGT_DHO_MS_CLASSLESS_ROUTES:
    sn->r249 = p, sn->r249_len = len;
    return 0;
  default:
    return 0; /* unknown: skipped, for options a later server adds */
  }
}

#define SEEN(sn, c) ((sn)->seen[(c) >> 3] & (1u << ((c) & 7)))

static int read_opts(ncgt_client_config *cc, cc_seen *sn, ncgt_rd *r) {
  for (;;) {
    uint8_t code = 0, len = 0;
    const uint8_t *p = NULL;
    if (ncgt_rd_left(r) == 0)
      return 0; /* END is optional */
    NCGT_ENSURE(ncgt_rd_u8(r, &code));
    if (code == NCGT_DHO_PAD)
      continue;
    if (code == NCGT_DHO_END)
      break;
    NCGT_ENSURE(ncgt_rd_u8(r, &len));
    NCGT_ENSURE(ncgt_rd_ptr(r, &p, len));
    /* RFC 3396 concatenation is not used in client data: a repeat is an
     * error, not a continuation. */
    NCGT_ENSURE_COND(!SEEN(sn, code), NCGT_ERR_BAD_VALUE);
    sn->seen[code >> 3] |= (uint8_t)(1u << (code & 7));
    NCGT_ENSURE(read_opt(cc, sn, code, p, len));
  }
  while (ncgt_rd_left(r) > 0) { /* only PAD may follow END */
    uint8_t b = 0;
    NCGT_ENSURE(ncgt_rd_u8(r, &b));
    NCGT_ENSURE_COND(b == NCGT_DHO_PAD, NCGT_ERR_TRAILING_BYTES);
  }
  return 0;
}

static int decode(ncgt_client_config *cc, const uint8_t *buf, size_t len) {
  cc_seen sn;
  ncgt_rd r;
  memset(&sn, 0, sizeof sn);
  ncgt_rd_init(&r, buf, len);
  NCGT_ENSURE(read_opts(cc, &sn, &r));
  NCGT_ENSURE_COND(SEEN(&sn, NCGT_DHO_REQUESTED_ADDR) &&
                       SEEN(&sn, NCGT_DHO_SUBNET_MASK) &&
                       SEEN(&sn, NCGT_DHO_SERVER_ID),
                   NCGT_ERR_TRUNCATED);
  NCGT_ENSURE_COND(!cc->default_route || sn.router == cc->server_addr,
                   NCGT_ERR_BAD_VALUE);
  /* 249 carries the same routes as 121 for old Windows clients; accept
   * it alone, or equal to 121. */
  if (sn.r121 && sn.r249)
    NCGT_ENSURE_COND(sn.r121_len == sn.r249_len &&
                         memcmp(sn.r121, sn.r249, sn.r121_len) == 0,
                     NCGT_ERR_BAD_VALUE);
  if (sn.r121)
    NCGT_ENSURE(read_routes(cc, sn.r121, sn.r121_len));
  else if (sn.r249)
    NCGT_ENSURE(read_routes(cc, sn.r249, sn.r249_len));
  return ncgt_client_config_check(cc);
}

int ncgt_client_config_decode(ncgt_client_config *cc, const uint8_t *buf,
                              size_t len) {
  NCGT_ENSURE_COND(cc && (buf || len == 0), NCGT_ERR_INVALID_ARGUMENT);
  memset(cc, 0, sizeof *cc);
  int rv = decode(cc, buf, len);
  if (rv < 0)
    memset(cc, 0, sizeof *cc);
  return rv;
}
