/*
 * The shim between the packet-driver interface and the lower driver /
 * tunnel (seed 002 sections 3.1-3.3). Frames are untrusted on both sides
 * and are read only through the bounds-checked cursor (pd_bytes.h).
 * Only libncgtun's public API: the checksum update is <ncgtun/inet.h>.
 */
#include "pd_shim.h"

#include <stdlib.h>
#include <string.h>

#include <ncgtun/inet.h>

#include "pd_bytes.h"

/* EtherTypes and the few header fields the policy looks at. */
enum {
  ETHERTYPE_IPV4 = 0x0800,
  ETHERTYPE_ARP = 0x0806,
  IPV4_MIN_HDR = 20,
  IPV4_PROTO_UDP = 17,
  ARP_OP_REQUEST = 1,
  /* Ethernet/IPv4 ARP: htype, ptype, hlen, plen, op, sha, spa, tha, tpa */
  ARP_TPA_OFFSET = 2 + 2 + 1 + 1 + 2 + 6 + 4 + 6,
  DHCP_SERVER_PORT = 67,
  /* Largest datagram one frame carries (Ethernet payload). */
  DATAGRAM_MAX = PDRV_FRAME_MAX - PDRV_ETH_HDR_LEN,
};

struct pdrv_shim {
  pdrv_config cfg;
  pdrv_lower lower;
  pdrv_tunnel tunnel;
  int has_tunnel;
  pdrv_link link;
  int has_link;
  pdrv *pd;
  pdrv_shim_stats st;
  uint32_t tunnel_addr; /* address rewriting, 0 = off (see the header) */
  uint32_t stack_addr;  /* the stack's source, learnt from protected dgs */
  /* Scratch, one per direction so a reply delivered while the stack sends
   * does not overwrite what is being sent. */
  uint8_t out[PDRV_FRAME_MAX]; /* protected frames from the stack */
  uint8_t in[PDRV_FRAME_MAX];  /* rebuilt frames / datagrams to the stack */
};

/* What the shim needs from an IPv4 header. */
typedef struct ipv4_view {
  uint32_t src, dst;
  uint8_t proto;
  uint16_t frag;        /* flags + fragment offset word */
  uint16_t dport;       /* UDP destination port, 0 if not UDP/unknown */
  size_t ihl;           /* header length, 20..60, <= total */
  size_t total;         /* datagram length from the header, <= len */
} ipv4_view;

enum { IPV4_OFFSET_MASK = 0x1fff, IPV4_CSUM_AT = 10, IPV4_SRC_AT = 12,
       IPV4_DST_AT = 16, TCP_CSUM_AT = 16, UDP_CSUM_AT = 6,
       IPV4_PROTO_TCP = 6 };

/* Parses the IPv4 header at dg[0..len): version 4, IHL >= 5, total length
 * within len (trailing Ethernet padding is allowed). Returns 0 or -1. */
static int ipv4_parse(const uint8_t *dg, size_t len, ipv4_view *v) {
  pdrv_rd r;
  pdrv_rd_init(&r, dg, len);
  uint8_t vihl = pdrv_rd_u8(&r);
  pdrv_rd_skip(&r, 1); /* TOS */
  uint16_t total = pdrv_rd_u16(&r);
  pdrv_rd_skip(&r, 2); /* identification */
  v->frag = pdrv_rd_u16(&r);
  pdrv_rd_skip(&r, 1); /* TTL */
  v->proto = pdrv_rd_u8(&r);
  pdrv_rd_skip(&r, 2); /* header checksum */
  v->src = pdrv_rd_u32(&r);
  v->dst = pdrv_rd_u32(&r);
  size_t ihl = (size_t)(vihl & 0x0f) * 4;
  if (r.err || (vihl >> 4) != 4 || ihl < IPV4_MIN_HDR || total < ihl ||
      total > len)
    return -1;
  v->total = total;
  v->ihl = ihl;
  v->dport = 0;
  /* UDP port of a first fragment, for DHCP. */
  if (v->proto == IPV4_PROTO_UDP && (v->frag & IPV4_OFFSET_MASK) == 0) {
    pdrv_rd_init(&r, dg, total);
    pdrv_rd_skip(&r, ihl + 2); /* source port */
    uint16_t dport = pdrv_rd_u16(&r);
    if (!r.err)
      v->dport = dport;
  }
  return 0;
}

/* ---- the port below the packet driver (send_pkt lands here) ---------- */

static int to_lower(pdrv_shim *s, const uint8_t *frame, size_t len) {
  s->st.out_bypass++;
  return s->lower.send(frame, len, s->lower.ctx);
}

/* A tunnel-side frame (ARP/DHCP, or a protected datagram when there is
 * a link): a writable copy goes to the link. */
static int to_link(pdrv_shim *s, const uint8_t *frame, size_t len) {
  if (!s->has_link) {
    s->st.out_unanswered++;
    return 0;
  }
  memcpy(s->out, frame, len);
  s->st.out_link++;
  if (s->link.from_stack(s->out, len, s->link.ctx) != 0) {
    s->st.out_link_failed++;
    return -1;
  }
  return 0;
}

/* Offset of the TCP/UDP checksum that covers the addresses through the
 * pseudo header, if this datagram carries one (first fragment, header
 * present, UDP checksum not 0 = "none"), else 0. */
static size_t l4_csum_at(const uint8_t *dg, const ipv4_view *v) {
  if ((v->frag & IPV4_OFFSET_MASK) != 0)
    return 0;
  if (v->proto == IPV4_PROTO_TCP && v->total >= v->ihl + TCP_CSUM_AT + 2)
    return v->ihl + TCP_CSUM_AT;
  if (v->proto == IPV4_PROTO_UDP && v->total >= v->ihl + UDP_CSUM_AT + 2 &&
      pdrv_get_u16(dg + v->ihl + UDP_CSUM_AT) != 0)
    return v->ihl + UDP_CSUM_AT;
  return 0;
}

/* RFC 1624: replaces the IPv4 address at dg[off..off+4) (source or
 * destination) and updates the header checksum and the TCP/UDP checksum
 * over it. `v` was parsed from dg, so every offset is inside it. */
static void rewrite_addr(uint8_t *dg, const ipv4_view *v, size_t off,
                         uint32_t addr) {
  size_t csum_at = l4_csum_at(dg, v);
  for (size_t i = 0; i < 4; i += 2) {
    uint16_t old_w = pdrv_get_u16(dg + off + i);
    uint16_t new_w = (uint16_t)(addr >> (16 - 8 * i));
    pdrv_put_u16(dg + IPV4_CSUM_AT,
                 ncgt_csum_update16(pdrv_get_u16(dg + IPV4_CSUM_AT), old_w,
                                    new_w));
    if (csum_at)
      pdrv_put_u16(dg + csum_at, ncgt_csum_update16(
                                     pdrv_get_u16(dg + csum_at), old_w, new_w));
    pdrv_put_u16(dg + off + i, new_w);
  }
}

/* A protected datagram: source rewritten to the tunnel address if set,
 * then to the link (which may answer MTU problems itself) or straight to
 * the tunnel. */
static int output_protected(pdrv_shim *s, const uint8_t *frame, size_t len,
                            const ipv4_view *v) {
  memcpy(s->out, frame, len);
  uint8_t *dg = s->out + PDRV_ETH_HDR_LEN;
  if (s->tunnel_addr) {
    s->stack_addr = v->src;
    rewrite_addr(dg, v, IPV4_SRC_AT, s->tunnel_addr);
  }
  if (!s->has_link)
    return pdrv_shim_link_to_tunnel(s, dg, v->total);
  /* The stack addressed its next hop on the LAN; the tunnel side's link
   * takes frames addressed to its reserved MAC (patent Fig. 17 step 322). */
  memcpy(s->out, s->cfg.tunnel_mac, PDRV_ADDR_LEN);
  s->st.out_link++;
  if (s->link.from_stack(s->out, PDRV_ETH_HDR_LEN + v->total,
                         s->link.ctx) != 0) {
    s->st.out_link_failed++;
    return -1;
  }
  return 0;
}

int pdrv_shim_link_to_tunnel(pdrv_shim *s, const uint8_t *dg,
                                size_t len) {
  if (!s->has_tunnel || s->tunnel.send(dg, len, s->tunnel.ctx) != 0) {
    s->st.out_tunnel_down++;
    return -1; /* CANT_SEND: never falls back to the clear path */
  }
  s->st.out_protected++;
  return 0;
}

int pdrv_shim_link_to_stack(pdrv_shim *s, const uint8_t *frame,
                               size_t len) {
  return pdrv_input(s->pd, frame, len);
}

static int output_ipv4(pdrv_shim *s, const uint8_t *frame, size_t len) {
  const uint8_t *dg = frame + PDRV_ETH_HDR_LEN;
  ipv4_view v;
  if (ipv4_parse(dg, len - PDRV_ETH_HDR_LEN, &v) != 0) {
    s->st.out_malformed++;
    return 0; /* dropped, as a driver drops a frame the wire would reject */
  }
  if (s->cfg.dhcp_tunnel && v.dport == DHCP_SERVER_PORT)
    return to_link(s, frame, len);
  switch (pdrv_policy_lookup(&s->cfg, PDRV_OUT, v.dst)) {
  case PDRV_PROTECT:
    return output_protected(s, frame, PDRV_ETH_HDR_LEN + v.total, &v);
  case PDRV_DROP:
    s->st.out_policy_drop++;
    return 0;
  default:
    return to_lower(s, frame, len);
  }
}

/* An ARP request whose target is a protected address belongs to the
 * tunnel side. */
static int arp_for_tunnel(const pdrv_shim *s, const uint8_t *frame,
                          size_t len) {
  pdrv_rd r;
  pdrv_rd_init(&r, frame + PDRV_ETH_HDR_LEN, len - PDRV_ETH_HDR_LEN);
  pdrv_rd_skip(&r, 6);
  uint16_t op = pdrv_rd_u16(&r);
  pdrv_rd_skip(&r, ARP_TPA_OFFSET - 8);
  uint32_t tpa = pdrv_rd_u32(&r);
  return !r.err && op == ARP_OP_REQUEST &&
         pdrv_policy_lookup(&s->cfg, PDRV_OUT, tpa) == PDRV_PROTECT;
}

static int port_send(const uint8_t *frame, size_t len, void *ctx) {
  pdrv_shim *s = ctx;
  uint16_t type = pdrv_get_u16(frame + PDRV_TYPE_OFFSET); /* len >= 14 */
  if (type == ETHERTYPE_IPV4)
    return output_ipv4(s, frame, len);
  if (type == ETHERTYPE_ARP && arp_for_tunnel(s, frame, len))
    return to_link(s, frame, len);
  /* Only IPv4 can be looked up in the policy table. Anything else (IPv6,
   * 802.1Q-tagged frames, other EtherTypes) passes in clear only when the
   * operator's default is bypass: a protect or drop default is fail-closed
   * (review P-1). ARP always passes: the lower link needs it. */
  if (type != ETHERTYPE_ARP && s->cfg.defaults[PDRV_OUT] != PDRV_BYPASS) {
    s->st.out_non_ipv4_drop++;
    return -1; /* CANT_SEND */
  }
  return to_lower(s, frame, len);
}

static int port_set_mode(int mode, void *ctx) {
  pdrv_shim *s = ctx;
  return s->lower.set_mode ? s->lower.set_mode(mode, s->lower.ctx) : 0;
}

static int port_set_multicast(const uint8_t *addrs, size_t n, void *ctx) {
  pdrv_shim *s = ctx;
  return s->lower.set_multicast(addrs, n, s->lower.ctx);
}

/* ---- input ----------------------------------------------------------- */

int pdrv_shim_from_lower(pdrv_shim *s, const uint8_t *frame,
                            size_t len) {
  if (len >= PDRV_ETH_HDR_LEN &&
      pdrv_get_u16(frame + PDRV_TYPE_OFFSET) == ETHERTYPE_IPV4) {
    ipv4_view v;
    if (ipv4_parse(frame + PDRV_ETH_HDR_LEN, len - PDRV_ETH_HDR_LEN,
                   &v) != 0) {
      s->st.in_malformed++;
      return -1;
    }
    switch (pdrv_policy_lookup(&s->cfg, PDRV_IN, v.src)) {
    case PDRV_PROTECT:
      s->st.in_spoofed++;
      return -1;
    case PDRV_DROP:
      s->st.in_policy_drop++;
      return -1;
    default:
      break;
    }
  } else if (len >= PDRV_ETH_HDR_LEN &&
             pdrv_get_u16(frame + PDRV_TYPE_OFFSET) != ETHERTYPE_ARP &&
             s->cfg.defaults[PDRV_IN] != PDRV_BYPASS) {
    s->st.in_non_ipv4_drop++; /* fail-closed, as on output (review P-1) */
    return -1;
  }
  s->st.in_lower++;
  return pdrv_input(s->pd, frame, len);
}

int pdrv_shim_from_tunnel(pdrv_shim *s, const uint8_t *dg, size_t len) {
  ipv4_view v;
  if (ipv4_parse(dg, len, &v) != 0) {
    s->st.in_malformed++;
    return -1;
  }
  if (pdrv_policy_lookup(&s->cfg, PDRV_IN, v.src) != PDRV_PROTECT) {
    s->st.in_tunnel_spoofed++;
    return -1;
  }
  if (v.total > DATAGRAM_MAX) {
    s->st.in_tunnel_too_big++;
    return -1;
  }
  /* Room for the Ethernet header before the datagram, so the built-in
   * path rebuilds in place. */
  uint8_t *copy = s->in + PDRV_ETH_HDR_LEN;
  memcpy(copy, dg, v.total);
  if (s->tunnel_addr && s->stack_addr && v.dst == s->tunnel_addr)
    rewrite_addr(copy, &v, IPV4_DST_AT, s->stack_addr);
  s->st.in_tunnel++;
  if (s->has_link)
    return s->link.from_tunnel(copy, v.total, s->link.ctx) == 0 ? 0 : -1;
  /* Rebuild the Ethernet header the stack expects (patent Fig. 18 step
   * 356: the reserved MAC as source). */
  pdrv_own_address(s->pd, s->in);
  memcpy(s->in + PDRV_ADDR_LEN, s->cfg.tunnel_mac, PDRV_ADDR_LEN);
  pdrv_put_u16(s->in + PDRV_TYPE_OFFSET, ETHERTYPE_IPV4);
  return pdrv_input(s->pd, s->in, PDRV_ETH_HDR_LEN + v.total);
}

/* ---- lifetime -------------------------------------------------------- */

int pdrv_shim_new(pdrv_shim **out, const pdrv_config *cfg,
                     const pdrv_lower *lower,
                     const uint8_t mac[PDRV_ADDR_LEN], const char *name) {
  if (!lower || !lower->send)
    return -1;
  pdrv_shim *s = calloc(1, sizeof(*s));
  if (!s)
    return -1;
  s->cfg = *cfg;
  s->lower = *lower;
  s->tunnel_addr = cfg->tunnel_addr;
  pdrv_port port = {
      .send = port_send,
      .set_mode = port_set_mode,
      .set_multicast = lower->set_multicast ? port_set_multicast : NULL,
      .ctx = s,
  };
  if (pdrv_new(&s->pd, &port, mac, 1, name) != 0) {
    free(s);
    return -1;
  }
  *out = s;
  return 0;
}

void pdrv_shim_del(pdrv_shim *s) {
  if (!s)
    return;
  pdrv_del(s->pd);
  free(s);
}

pdrv *pdrv_shim_driver(pdrv_shim *s) { return s->pd; }

void pdrv_shim_set_tunnel(pdrv_shim *s, const pdrv_tunnel *t) {
  s->has_tunnel = t && t->send;
  if (s->has_tunnel)
    s->tunnel = *t;
}

void pdrv_shim_set_link(pdrv_shim *s, const pdrv_link *l) {
  s->has_link = l && l->from_stack && l->from_tunnel;
  if (s->has_link)
    s->link = *l;
}

void pdrv_shim_set_tunnel_addr(pdrv_shim *s, uint32_t addr) {
  s->tunnel_addr = addr;
}

void pdrv_shim_get_stats(const pdrv_shim *s, pdrv_shim_stats *st) {
  *st = s->st;
}
