/*
 * Internals of the pseudo network adapter shared by its files:
 * ncgt_adapter.c (Ethernet strip/rebuild, dispatch, anti-spoofing),
 * ncgt_arp.c (ARP server emulator), ncgt_dhcp.c (DHCP server emulator),
 * ncgt_ipmtu.c (MTU: ICMP errors, fragmentation, MSS clamping).
 */
#ifndef NCGT_ADAPTER_INT_H
#define NCGT_ADAPTER_INT_H

#include <ncgtun/adapter.h>

#include "ncgt_cursor.h"
#include "ncgt_netproto.h"

/* The DHCP emulator's view of the one client on the link, changed only
 * through ncgt_dhcp_set_state (which logs). Informational: every answer
 * is computed from the client data, not from this state. */
typedef enum ncgt_dhcp_state {
  NCGT_DHCP_IDLE = 0,
  NCGT_DHCP_OFFERED,  /* OFFER sent */
  NCGT_DHCP_BOUND,    /* ACK sent */
  NCGT_DHCP_NAKED,    /* NAK sent: the client restarts from INIT */
  NCGT_DHCP_RELEASED, /* RELEASE received */
  NCGT_DHCP_DECLINED, /* DECLINE received: the client saw a conflict */
} ncgt_dhcp_state;

enum {
  /* Replies the emulators build: at most an Ethernet-MTU datagram. */
  NCGT_ADAPTER_REPLY_MAX = NCGT_ETH_HLEN + NCGT_ETH_MTU,
  /* Rebuilt frames from the tunnel and fragments: any IP datagram. */
  NCGT_ADAPTER_FRAME_MAX = NCGT_ETH_HLEN + 0xFFFF,
};

struct ncgt_adapter {
  ncgt_adapter_settings s;
  ncgt_adapter_callbacks cb;
  void *user_data;
  const uint8_t *peer_mac; /* the MAC we present: s.server_mac (client
                            * role) or s.client_mac (server role) */
  uint8_t stack_mac[NCGT_ETH_ALEN];
  int stack_mac_known;
  int have_cc; /* client role: client data installed */
  ncgt_client_config cc;
  /* The stack's own address and subnet: cc.client_addr (client role) or
   * s.server_addr (server role). 0 while unknown. */
  uint32_t local_addr;
  uint8_t prefix_len;
  /* The tunnel MTU in force: the client data's option 26 once installed
   * (client role), else s.mtu. Governs ICMP errors, fragmentation, MSS
   * clamping and the GSO segment check. */
  uint16_t mtu;
  int have_c6; /* client role: the client data carries IPv6 */
  ncgt_client_config6 c6;
  /* The IPv6 address of the tunnel in the current from_tunnel6 call
   * (NULL outside it, or when the tunnel has none). */
  const uint8_t *tunnel_addr6;
  ncgt_dhcp_state dhcp_state;
  ncgt_adapter_stats st;
  /* The host's frame being handled by from_stack_ex and the room it left
   * around it: what to_tunnel_dgram may reuse. */
  uint8_t *in_frame;
  size_t in_len, in_headroom, in_tailroom;
  uint8_t reply[NCGT_ADAPTER_REPLY_MAX];
  uint8_t frame[NCGT_ADAPTER_FRAME_MAX];
};

/* A validated IPv4 / IPv6 datagram (header fields the adapter uses). */
typedef struct ncgt_ip {
  uint8_t *p;       /* datagram start */
  size_t len;       /* total length from the header (padding trimmed) */
  size_t hlen;      /* IPv4: IHL * 4; IPv6: 40 */
  uint8_t version;  /* 4 or 6 */
  uint8_t proto;    /* IPv4 protocol / IPv6 next header */
  uint16_t frag;    /* IPv4 flags + fragment offset word */
  const uint8_t *src, *dst; /* into p */
} ncgt_ip;

/* ncgt_adapter_gso.c. With g (may be NULL): completes a partial
 * checksum (returns 0: a plain packet now), or checks a super-segment
 * (returns 1), or counts a drop (returns -1). */
int ncgt_adapter_gso_in(ncgt_adapter *ad, const ncgt_gso *g, ncgt_ip *ip);
/* A checked super-segment to the tunnel / to the stack, counting. */
int ncgt_adapter_gso_to_tunnel(ncgt_adapter *ad, const ncgt_gso *g,
                               const ncgt_ip *ip);
int ncgt_adapter_gso_to_stack(ncgt_adapter *ad, const ncgt_gso *g,
                              const uint8_t *frame, size_t len);
/* from_tunnel after the descriptor (g NULL: a plain datagram). */
int ncgt_adapter_tunnel_in(ncgt_adapter *ad, const ncgt_gso *g,
                           const uint8_t *dg, size_t len,
                           uint32_t tunnel_addr);

/* Parses the IP header of p[0..len); trims len to the header's total
 * length. Returns 0 or NCGT_ERR_TRUNCATED / NCGT_ERR_BAD_VERSION /
 * NCGT_ERR_BAD_LENGTH. */
int ncgt_ip_parse(ncgt_ip *ip, uint8_t *p, size_t len);

void ncgt_adapter_logf(ncgt_adapter *ad, ncgt_log_level level,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Destination MAC for frames to the stack: learnt/configured, else
 * broadcast. */
const uint8_t *ncgt_adapter_stack_mac(const ncgt_adapter *ad);
/* Hands frame[0..len) to the stack / datagram to the tunnel, counting. */
int ncgt_adapter_emit(ncgt_adapter *ad, const uint8_t *frame, size_t len);
int ncgt_adapter_to_tunnel(ncgt_adapter *ad, uint8_t proto, uint8_t *dg,
                           size_t len, const ncgt_gso *g, const ncgt_ip *ip);

/* ncgt_arp.c: one ARP packet (after the Ethernet header). */
int ncgt_arp_input(ncgt_adapter *ad, const uint8_t *arp, size_t len);

/* ncgt_ndp.c: is this datagram from the stack neighbour discovery
 * (ICMPv6 133-137 right after the IPv6 header)? */
int ncgt_ndp_is_nd(const ncgt_ip *ip);
/* One ND message from the stack; eth_src is the frame's source MAC. */
int ncgt_ndp_input(ncgt_adapter *ad, const ncgt_ip *ip,
                   const uint8_t *eth_src);
/* An RA to `dst_ip` / `dst_mac` (client role, IPv6 configured). */
int ncgt_ndp_send_ra(ncgt_adapter *ad, const uint8_t *dst_ip,
                     const uint8_t *dst_mac);

/* ncgt_dhcp.c: a UDP datagram to port 67 from the stack. */
int ncgt_dhcp_input(ncgt_adapter *ad, const ncgt_ip *ip);
void ncgt_dhcp_set_state(ncgt_adapter *ad, ncgt_dhcp_state st);

/* ncgt_ipmtu.c: a datagram from the stack larger than the tunnel MTU:
 * ICMP / ICMPv6 error to the stack, fragments to the tunnel, or a drop. */
int ncgt_ipmtu_too_big(ncgt_adapter *ad, const ncgt_ip *ip);
/* Clamps the MSS option of a TCP SYN in place (checksum updated, RFC
 * 1624). Returns 1 when it changed the datagram, else 0. */
int ncgt_mss_clamp(const ncgt_ip *ip, uint16_t mtu);

#endif /* NCGT_ADAPTER_INT_H */
