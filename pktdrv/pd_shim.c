/*
 * The shim between the packet-driver interface and the lower driver /
 * tunnel (seed 002 sections 3.1-3.3). Frames are untrusted on both sides
 * and are read only through the bounds-checked cursor.
 */
#include "pd_shim.h"

#include <stdlib.h>
#include <string.h>

#include "ncgt_cursor.h"
#include "ncgt_inet.h"

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
  DATAGRAM_MAX = NCGT_PD_FRAME_MAX - NCGT_PD_ETH_HDR_LEN,
};

struct ncgt_pd_shim {
  ncgt_pd_config cfg;
  ncgt_pd_lower lower;
  ncgt_pd_tunnel tunnel;
  int has_tunnel;
  ncgt_pd_link link;
  int has_link;
  ncgt_pd *pd;
  ncgt_pd_shim_stats st;
  uint32_t tunnel_addr; /* address rewriting, 0 = off (see the header) */
  uint32_t stack_addr;  /* the stack's source, learnt from protected dgs */
  /* Scratch, one per direction so a reply delivered while the stack sends
   * does not overwrite what is being sent. */
  uint8_t out[NCGT_PD_FRAME_MAX]; /* protected frames from the stack */
  uint8_t in[NCGT_PD_FRAME_MAX];  /* rebuilt frames / datagrams to the stack */
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
  ncgt_rd r;
  uint8_t vihl = 0, tos, ttl;
  uint16_t total = 0, id, csum;
  ncgt_rd_init(&r, dg, len);
  ncgt_rd_u8(&r, &vihl);
  ncgt_rd_u8(&r, &tos);
  ncgt_rd_u16(&r, &total);
  ncgt_rd_u16(&r, &id);
  ncgt_rd_u16(&r, &v->frag);
  ncgt_rd_u8(&r, &ttl);
  ncgt_rd_u8(&r, &v->proto);
  ncgt_rd_u16(&r, &csum);
  ncgt_rd_u32(&r, &v->src);
  ncgt_rd_u32(&r, &v->dst);
  size_t ihl = (size_t)(vihl & 0x0f) * 4;
  if (r.err || (vihl >> 4) != 4 || ihl < IPV4_MIN_HDR || total < ihl ||
      total > len)
    return -1;
  v->total = total;
  v->ihl = ihl;
  v->dport = 0;
  /* UDP port of a first fragment, for DHCP. */
  if (v->proto == IPV4_PROTO_UDP && (v->frag & IPV4_OFFSET_MASK) == 0) {
    uint16_t sport = 0, dport = 0;
    ncgt_rd_init(&r, dg, total);
    ncgt_rd_skip(&r, ihl);
    ncgt_rd_u16(&r, &sport);
    ncgt_rd_u16(&r, &dport);
    if (!r.err)
      v->dport = dport;
  }
  return 0;
}

/* ---- the port below the packet driver (send_pkt lands here) ---------- */

static int to_lower(ncgt_pd_shim *s, const uint8_t *frame, size_t len) {
  s->st.out_bypass++;
  return s->lower.send(frame, len, s->lower.ctx);
}

/* A tunnel-side frame (ARP/DHCP, or a protected datagram when there is
 * a link): a writable copy goes to the link. */
static int to_link(ncgt_pd_shim *s, const uint8_t *frame, size_t len) {
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
      ncgt_get_u16(dg + v->ihl + UDP_CSUM_AT) != 0)
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
    uint16_t old_w = ncgt_get_u16(dg + off + i);
    uint16_t new_w = (uint16_t)(addr >> (16 - 8 * i));
    ncgt_put_u16(dg + IPV4_CSUM_AT,
                 ncgt_csum_update16(ncgt_get_u16(dg + IPV4_CSUM_AT), old_w,
                                    new_w));
    if (csum_at)
      ncgt_put_u16(dg + csum_at, ncgt_csum_update16(
                                     ncgt_get_u16(dg + csum_at), old_w, new_w));
    ncgt_put_u16(dg + off + i, new_w);
  }
}

/* A protected datagram: source rewritten to the tunnel address if set,
 * then to the link (which may answer MTU problems itself) or straight to
 * the tunnel. */
static int output_protected(ncgt_pd_shim *s, const uint8_t *frame, size_t len,
                            const ipv4_view *v) {
  memcpy(s->out, frame, len);
  uint8_t *dg = s->out + NCGT_PD_ETH_HDR_LEN;
  if (s->tunnel_addr) {
    s->stack_addr = v->src;
    rewrite_addr(dg, v, IPV4_SRC_AT, s->tunnel_addr);
  }
  if (!s->has_link)
    return ncgt_pd_shim_link_to_tunnel(s, dg, v->total);
  /* The stack addressed its next hop on the LAN; the tunnel side's link
   * takes frames addressed to its reserved MAC (patent Fig. 17 step 322). */
  memcpy(s->out, s->cfg.tunnel_mac, NCGT_PD_ADDR_LEN);
  s->st.out_link++;
  if (s->link.from_stack(s->out, NCGT_PD_ETH_HDR_LEN + v->total,
                         s->link.ctx) != 0) {
    s->st.out_link_failed++;
    return -1;
  }
  return 0;
}

int ncgt_pd_shim_link_to_tunnel(ncgt_pd_shim *s, const uint8_t *dg,
                                size_t len) {
  if (!s->has_tunnel || s->tunnel.send(dg, len, s->tunnel.ctx) != 0) {
    s->st.out_tunnel_down++;
    return -1; /* CANT_SEND: never falls back to the clear path */
  }
  s->st.out_protected++;
  return 0;
}

int ncgt_pd_shim_link_to_stack(ncgt_pd_shim *s, const uint8_t *frame,
                               size_t len) {
  return ncgt_pd_input(s->pd, frame, len);
}

static int output_ipv4(ncgt_pd_shim *s, const uint8_t *frame, size_t len) {
  const uint8_t *dg = frame + NCGT_PD_ETH_HDR_LEN;
  ipv4_view v;
  if (ipv4_parse(dg, len - NCGT_PD_ETH_HDR_LEN, &v) != 0) {
    s->st.out_malformed++;
    return 0; /* dropped, as a driver drops a frame the wire would reject */
  }
  if (s->cfg.dhcp_tunnel && v.dport == DHCP_SERVER_PORT)
    return to_link(s, frame, len);
  switch (ncgt_pd_policy_lookup(&s->cfg, NCGT_PD_OUT, v.dst)) {
  case NCGT_PD_PROTECT:
    return output_protected(s, frame, NCGT_PD_ETH_HDR_LEN + v.total, &v);
  case NCGT_PD_DROP:
    s->st.out_policy_drop++;
    return 0;
  default:
    return to_lower(s, frame, len);
  }
}

/* An ARP request whose target is a protected address belongs to the
 * tunnel side. */
static int arp_for_tunnel(const ncgt_pd_shim *s, const uint8_t *frame,
                          size_t len) {
  ncgt_rd r;
  uint16_t op = 0;
  uint32_t tpa = 0;
  ncgt_rd_init(&r, frame + NCGT_PD_ETH_HDR_LEN, len - NCGT_PD_ETH_HDR_LEN);
  ncgt_rd_skip(&r, 6);
  ncgt_rd_u16(&r, &op);
  ncgt_rd_skip(&r, ARP_TPA_OFFSET - 8);
  ncgt_rd_u32(&r, &tpa);
  return !r.err && op == ARP_OP_REQUEST &&
         ncgt_pd_policy_lookup(&s->cfg, NCGT_PD_OUT, tpa) == NCGT_PD_PROTECT;
}

static int port_send(const uint8_t *frame, size_t len, void *ctx) {
  ncgt_pd_shim *s = ctx;
  uint16_t type = ncgt_get_u16(frame + NCGT_PD_TYPE_OFFSET); /* len >= 14 */
  if (type == ETHERTYPE_IPV4)
    return output_ipv4(s, frame, len);
  if (type == ETHERTYPE_ARP && arp_for_tunnel(s, frame, len))
    return to_link(s, frame, len);
  /* Only IPv4 can be looked up in the policy table. Anything else (IPv6,
   * 802.1Q-tagged frames, other EtherTypes) passes in clear only when the
   * operator's default is bypass: a protect or drop default is fail-closed
   * (review P-1). ARP always passes: the lower link needs it. */
  if (type != ETHERTYPE_ARP && s->cfg.defaults[NCGT_PD_OUT] != NCGT_PD_BYPASS) {
    s->st.out_non_ipv4_drop++;
    return -1; /* CANT_SEND */
  }
  return to_lower(s, frame, len);
}

static int port_set_mode(int mode, void *ctx) {
  ncgt_pd_shim *s = ctx;
  return s->lower.set_mode ? s->lower.set_mode(mode, s->lower.ctx) : 0;
}

static int port_set_multicast(const uint8_t *addrs, size_t n, void *ctx) {
  ncgt_pd_shim *s = ctx;
  return s->lower.set_multicast(addrs, n, s->lower.ctx);
}

/* ---- input ----------------------------------------------------------- */

int ncgt_pd_shim_from_lower(ncgt_pd_shim *s, const uint8_t *frame,
                            size_t len) {
  if (len >= NCGT_PD_ETH_HDR_LEN &&
      ncgt_get_u16(frame + NCGT_PD_TYPE_OFFSET) == ETHERTYPE_IPV4) {
    ipv4_view v;
    if (ipv4_parse(frame + NCGT_PD_ETH_HDR_LEN, len - NCGT_PD_ETH_HDR_LEN,
                   &v) != 0) {
      s->st.in_malformed++;
      return -1;
    }
    switch (ncgt_pd_policy_lookup(&s->cfg, NCGT_PD_IN, v.src)) {
    case NCGT_PD_PROTECT:
      s->st.in_spoofed++;
      return -1;
    case NCGT_PD_DROP:
      s->st.in_policy_drop++;
      return -1;
    default:
      break;
    }
  } else if (len >= NCGT_PD_ETH_HDR_LEN &&
             ncgt_get_u16(frame + NCGT_PD_TYPE_OFFSET) != ETHERTYPE_ARP &&
             s->cfg.defaults[NCGT_PD_IN] != NCGT_PD_BYPASS) {
    s->st.in_non_ipv4_drop++; /* fail-closed, as on output (review P-1) */
    return -1;
  }
  s->st.in_lower++;
  return ncgt_pd_input(s->pd, frame, len);
}

int ncgt_pd_shim_from_tunnel(ncgt_pd_shim *s, const uint8_t *dg, size_t len) {
  ipv4_view v;
  if (ipv4_parse(dg, len, &v) != 0) {
    s->st.in_malformed++;
    return -1;
  }
  if (ncgt_pd_policy_lookup(&s->cfg, NCGT_PD_IN, v.src) != NCGT_PD_PROTECT) {
    s->st.in_tunnel_spoofed++;
    return -1;
  }
  if (v.total > DATAGRAM_MAX) {
    s->st.in_tunnel_too_big++;
    return -1;
  }
  /* Room for the Ethernet header before the datagram, so the built-in
   * path rebuilds in place. */
  uint8_t *copy = s->in + NCGT_PD_ETH_HDR_LEN;
  memcpy(copy, dg, v.total);
  if (s->tunnel_addr && s->stack_addr && v.dst == s->tunnel_addr)
    rewrite_addr(copy, &v, IPV4_DST_AT, s->stack_addr);
  s->st.in_tunnel++;
  if (s->has_link)
    return s->link.from_tunnel(copy, v.total, s->link.ctx) == 0 ? 0 : -1;
  /* Rebuild the Ethernet header the stack expects (patent Fig. 18 step
   * 356: the reserved MAC as source). */
  ncgt_wr w;
  uint8_t addr[NCGT_PD_ADDR_LEN];
  ncgt_pd_own_address(s->pd, addr);
  ncgt_wr_init(&w, s->in, NCGT_PD_ETH_HDR_LEN);
  ncgt_wr_bytes(&w, addr, NCGT_PD_ADDR_LEN);
  ncgt_wr_bytes(&w, s->cfg.tunnel_mac, NCGT_PD_ADDR_LEN);
  ncgt_wr_u16(&w, ETHERTYPE_IPV4);
  return ncgt_pd_input(s->pd, s->in, NCGT_PD_ETH_HDR_LEN + v.total);
}

/* ---- lifetime -------------------------------------------------------- */

int ncgt_pd_shim_new(ncgt_pd_shim **out, const ncgt_pd_config *cfg,
                     const ncgt_pd_lower *lower,
                     const uint8_t mac[NCGT_PD_ADDR_LEN], const char *name) {
  if (!lower || !lower->send)
    return -1;
  ncgt_pd_shim *s = calloc(1, sizeof(*s));
  if (!s)
    return -1;
  s->cfg = *cfg;
  s->lower = *lower;
  s->tunnel_addr = cfg->tunnel_addr;
  ncgt_pd_port port = {
      .send = port_send,
      .set_mode = port_set_mode,
      .set_multicast = lower->set_multicast ? port_set_multicast : NULL,
      .ctx = s,
  };
  if (ncgt_pd_new(&s->pd, &port, mac, 1, name) != 0) {
    free(s);
    return -1;
  }
  *out = s;
  return 0;
}

void ncgt_pd_shim_del(ncgt_pd_shim *s) {
  if (!s)
    return;
  ncgt_pd_del(s->pd);
  free(s);
}

ncgt_pd *ncgt_pd_shim_driver(ncgt_pd_shim *s) { return s->pd; }

void ncgt_pd_shim_set_tunnel(ncgt_pd_shim *s, const ncgt_pd_tunnel *t) {
  s->has_tunnel = t && t->send;
  if (s->has_tunnel)
    s->tunnel = *t;
}

void ncgt_pd_shim_set_link(ncgt_pd_shim *s, const ncgt_pd_link *l) {
  s->has_link = l && l->from_stack && l->from_tunnel;
  if (s->has_link)
    s->link = *l;
}

void ncgt_pd_shim_set_tunnel_addr(ncgt_pd_shim *s, uint32_t addr) {
  s->tunnel_addr = addr;
}

void ncgt_pd_shim_get_stats(const ncgt_pd_shim *s, ncgt_pd_shim_stats *st) {
  *st = s->st;
}
