/*
 * The pseudo network adapter (patent EP 0 838 930, Figs. 14-18, 23).
 *
 * The host program owns an Ethernet-like device for the local TCP/IP stack
 * (a TAP device) and a tunnel. It hands every frame the stack sends to
 * ncgt_adapter_from_stack() and every datagram that comes out of the
 * tunnel to ncgt_adapter_from_tunnel(). The adapter
 *
 *  - strips the Ethernet header and gives IPv4/IPv6 datagrams to the
 *    tunnel (callback to_tunnel), Fig. 17 steps 322, 334-338;
 *  - answers ARP requests itself (ARP server emulator, Fig. 17 step 326)
 *    with a reserved MAC, and DHCP requests (DHCP server emulator, step
 *    332) from the client data the server sent (Fig. 23);
 *  - answers a datagram larger than the tunnel MTU with an ICMP
 *    "fragmentation needed" / ICMPv6 "packet too big" (seed 002 section
 *    4), or fragments it (IPv4 without DF);
 *  - rebuilds an Ethernet header around datagrams from the tunnel and
 *    gives the frame to the stack (callback to_stack), Fig. 18 step 356;
 *  - on the server, drops a datagram from a tunnel whose source address
 *    is not the one that tunnel was given (seed 002 section 3.2).
 *
 * It never blocks, allocates only in _new, and keeps no timers: drive it
 * straight from an epoll loop. Callbacks are called synchronously from
 * inside from_stack / from_tunnel; bytes handed to a callback are valid
 * only during the call; a callback must not call back into the same
 * adapter. doc/adapter.md has the behaviour tables.
 *
 * IPv4 addresses in this API are uint32_t in host byte order
 * (10.77.0.1 == 0x0A4D0001).
 */
#ifndef NCGTUN_ADAPTER_H
#define NCGTUN_ADAPTER_H

#include <ncgtun/frame.h>
#include <ncgtun/ncgtun.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------
 * Client data (Fig. 23): the DHCP options the server puts in RESPONSE.
 * --------------------------------------------------------------------- */

enum {
  NCGT_CC_ROUTES_MAX = 16, /* classless routes (option 121) */
  NCGT_CC_DNS_MAX = 4,     /* DNS servers (option 6) */
  NCGT_CC_DOMAIN_MAX = 64, /* domain name bytes (option 15), no NUL */
  NCGT_CC_MTU_MIN = 576,   /* option 26 accepted range */
  /* Largest encoding of a full config; fits the handshake's 512-byte
   * client data field. */
  NCGT_CC_ENCODED_MAX = 6 * 4 /* 50, 1, 54, 3 */ + (2 + 4 * NCGT_CC_DNS_MAX) +
                        (2 + NCGT_CC_DOMAIN_MAX) + 4 /* 26 */ +
                        6 * 3 /* 51, 58, 59 */ +
                        (2 + 9 * NCGT_CC_ROUTES_MAX) + 1 /* end */,
};
#define NCGT_LEASE_INFINITE 0xFFFFFFFFu

/* One RFC 3442 classless route: dest/prefix_len via gateway
 * (gateway 0 = directly on the tunnel link). */
typedef struct ncgt_route4 {
  uint32_t dest;
  uint8_t prefix_len; /* 0..32; dest has no bits beyond it */
  uint32_t gateway;
} ncgt_route4;

/* The decoded client data. Encoded as RFC 2132 options: 50 client_addr
 * ("requested address"), 1 netmask, 54 and 3 server_addr, 6 dns, 15
 * domain, 26 mtu, 51 lease, 58/59 T1/T2, 121 routes, END. */
typedef struct ncgt_client_config {
  uint32_t client_addr;  /* option 50: the client's tunnel address */
  uint8_t prefix_len;    /* option 1 as a prefix, 1..30 */
  uint32_t server_addr;  /* option 54: the server's tunnel address, in
                          * the client's subnet */
  int default_route;     /* non-zero: option 3 (router = server_addr) is
                          * sent, i.e. the tunnel is the default route for
                          * clients that ignore option 121 (RFC 3442 says a
                          * client that takes 121 ignores 3; add 0.0.0.0/0
                          * to routes as well if you mean it for them). */
  uint16_t mtu;          /* option 26; 0 = absent */
  uint32_t lease_s;      /* option 51; 0 when decoding = absent -> 3600 */
  uint32_t t1_s, t2_s;   /* options 58/59; 0 = derive (RFC 2131 4.4.5:
                          * 0.5 and 0.875 of the lease) */
  size_t nroutes;
  ncgt_route4 routes[NCGT_CC_ROUTES_MAX];
  size_t ndns;
  uint32_t dns[NCGT_CC_DNS_MAX];
  size_t domain_len;
  char domain[NCGT_CC_DOMAIN_MAX + 1]; /* NUL-terminated after decode */
} ncgt_client_config;

/* Default lease when option 51 is absent. */
#define NCGT_CC_LEASE_DEFAULT 3600u

/* Checks `cc` (addresses, prefix, routes, T1 < T2 < lease ...). Returns 0
 * or NCGT_ERR_BAD_VALUE / NCGT_ERR_TOO_MANY / NCGT_ERR_BAD_NAME. */
NCGT_EXTERN NCGT_WUR int ncgt_client_config_check(const ncgt_client_config *cc);

/* Encodes `cc` as DHCP options into dst[0..cap). Returns the length
 * (<= NCGT_CC_ENCODED_MAX) or a negative status (NCGT_ERR_NOBUF, or what
 * ncgt_client_config_check returns). Used by the server. */
NCGT_EXTERN NCGT_WUR ssize_t
ncgt_client_config_encode(uint8_t *dst, size_t cap, const ncgt_client_config *cc);

/* Decodes and validates DHCP options. Strict: every known option has its
 * exact length, no option appears twice, 121 and 249 (accepted in place
 * of 121) parse exactly, nothing but PAD follows END; unknown options are
 * skipped. On failure *cc is zeroed and a specific negative status is
 * returned. Used by the client's DHCP emulator and the client program. */
NCGT_EXTERN NCGT_WUR int ncgt_client_config_decode(ncgt_client_config *cc,
                                                   const uint8_t *buf,
                                                   size_t len);

/* ---------------------------------------------------------------------
 * IPv6 client data: three more options in the same list, in the
 * site-specific range (224 address, 225 routes, 226 DNS; doc/protocol.md
 * "Client data"). A decoder that does not know them skips them, so an
 * older client just stays IPv4-only. A separate struct keeps
 * ncgt_client_config's size (and ABI) as it was.
 * --------------------------------------------------------------------- */

enum {
  NCGT_CC6_ROUTES_MAX = 8, /* option 225 */
  NCGT_CC6_DNS_MAX = 2,    /* option 226 */
  NCGT_CC6_ADDR_OPT_LEN = 16 + 1 + 16 + 1,
  /* What the IPv6 options add at most to NCGT_CC_ENCODED_MAX; both
   * together fit the handshake's 512-byte client data field. */
  NCGT_CC6_ENCODED_MAX = (2 + NCGT_CC6_ADDR_OPT_LEN) +
                         (2 + 17 * NCGT_CC6_ROUTES_MAX) +
                         (2 + 16 * NCGT_CC6_DNS_MAX),
};

/* Option 224 flags. */
#define NCGT_CC6_F_AUTONOMOUS 0x01u /* RA prefix with the A flag (SLAAC) */
#define NCGT_CC6_F_DEFAULT 0x02u    /* the server is the IPv6 default
                                     * router (RA router lifetime > 0) */

/* An IPv6 route into the tunnel, via the server. */
typedef struct ncgt_route6 {
  uint8_t dest[16]; /* no bits beyond prefix_len */
  uint8_t prefix_len; /* 0..128 */
} ncgt_route6;

typedef struct ncgt_client_config6 {
  uint8_t prefix_len;      /* 0: no IPv6 in the tunnel; else 16..126 */
  uint8_t client_addr[16]; /* the client's tunnel address, in the prefix */
  uint8_t server_addr[16]; /* the server's, in the same prefix */
  uint8_t flags;           /* NCGT_CC6_F_* */
  size_t nroutes;
  ncgt_route6 routes[NCGT_CC6_ROUTES_MAX];
  size_t ndns;
  uint8_t dns[NCGT_CC6_DNS_MAX][16];
} ncgt_client_config6;

/* Checks `c6` (prefix_len 0 is valid: no IPv6). NCGT_CC6_F_AUTONOMOUS
 * needs prefix_len 64 (RFC 4862 5.5.3). Returns 0 or
 * NCGT_ERR_BAD_VALUE / NCGT_ERR_TOO_MANY. */
NCGT_EXTERN NCGT_WUR int
ncgt_client_config6_check(const ncgt_client_config6 *c6);

/* Encodes `cc` and, when c6 is not NULL and has a prefix, the IPv6
 * options, as one option list. Returns as ncgt_client_config_encode. */
NCGT_EXTERN NCGT_WUR ssize_t
ncgt_client_config_encode6(uint8_t *dst, size_t cap,
                           const ncgt_client_config *cc,
                           const ncgt_client_config6 *c6);

/* Decodes the IPv6 options of a client data option list (the IPv4
 * options are not checked here; ncgt_client_config_decode does that).
 * Absent: returns 0 with c6->prefix_len 0. Strict as the IPv4 decoder:
 * exact lengths, no repeats, 225/226 only with 224. On failure *c6 is
 * zeroed and a negative status returned. */
NCGT_EXTERN NCGT_WUR int ncgt_client_config6_decode(ncgt_client_config6 *c6,
                                                    const uint8_t *buf,
                                                    size_t len);

/* ---------------------------------------------------------------------
 * The adapter.
 * --------------------------------------------------------------------- */

typedef struct ncgt_adapter ncgt_adapter;

typedef enum ncgt_adapter_role {
  /* Client: the stack is the tunnel client's; DHCP and ARP for the server
   * and everything across the tunnel are answered. */
  NCGT_ADAPTER_CLIENT = 1,
  /* Server: the stack is the tunnel server's own (its TAP holds the
   * server's tunnel address); ARP for tunnel clients' addresses is
   * answered; no DHCP; anti-spoofing on from_tunnel. */
  NCGT_ADAPTER_SERVER = 2,
} ncgt_adapter_role;

enum {
  NCGT_ADAPTER_MTU_DEFAULT = 1400,
};

/* Reserved MACs (patent Fig. 17 step 326: "a predetermined, reserved
 * physical address"). Locally administered unicast (bit 0x02 of the first
 * byte set, 0x01 clear); "NCG" in bytes 1-3. */
#define NCGT_SERVER_MAC_DEFAULT {0x02, 0x4E, 0x43, 0x47, 0x00, 0x01}
#define NCGT_CLIENT_MAC_DEFAULT {0x02, 0x4E, 0x43, 0x47, 0x00, 0x02}

#define NCGT_ADAPTER_SETTINGS_V1 1
#define NCGT_ADAPTER_SETTINGS_V2 2 /* adds server_addr6, server_prefix_len6 */
#define NCGT_ADAPTER_SETTINGS_VERSION NCGT_ADAPTER_SETTINGS_V2 /* newest */
typedef struct ncgt_adapter_settings {
  uint32_t version; /* NCGT_ADAPTER_SETTINGS_VERSION */
  ncgt_adapter_role role;
  /* The MAC the client's stack sees for the server's tunnel address and
   * everything across the tunnel (client role answers ARP with it and
   * sends frames from it). */
  uint8_t server_mac[6];
  /* The MAC the server's stack sees for tunnel clients' addresses. */
  uint8_t client_mac[6];
  /* The local stack's own interface MAC (the TAP's). All zero: learnt from
   * the source of frames the stack sends; until then frames to the stack
   * go to the broadcast address. */
  uint8_t stack_mac[6];
  /* Tunnel MTU: largest IP datagram the tunnel carries, 576..65535. In
   * the client role the client data's MTU replaces it (see
   * ncgt_adapter_set_client_data). */
  uint16_t mtu;
  /* Non-zero: clamp the TCP MSS option of SYNs, both directions, to
   * mtu - 40 (IPv4) / mtu - 60 (IPv6). */
  int mss_clamp;
  /* Server role: the server's tunnel address and prefix on its TAP. ARP
   * is answered for the other addresses of that subnet. */
  uint32_t server_addr;
  uint8_t server_prefix_len; /* 1..30 */
  /* V2. Server role: the server's IPv6 tunnel address and prefix on its
   * TAP (prefix 0: no IPv6; else 16..126). Neighbour solicitations for
   * the prefix's other addresses are answered with client_mac. */
  uint8_t server_addr6[16];
  uint8_t server_prefix_len6;
} ncgt_adapter_settings;

/* Fills defaults: version, role, reserved MACs, stack_mac learnt, MTU
 * 1400, MSS clamping on, no server address. */
NCGT_EXTERN void ncgt_adapter_settings_default(ncgt_adapter_settings *s,
                                               ncgt_adapter_role role);

/* Copied by the size `version` declares (doc/api.md "Versioned structs").
 * NCGT_ADAPTER_CALLBACKS_VERSION names V1 (kept for source
 * compatibility); set V2 to pass to_stack_gso. */
#define NCGT_ADAPTER_CALLBACKS_V1 1
#define NCGT_ADAPTER_CALLBACKS_VERSION NCGT_ADAPTER_CALLBACKS_V1
#define NCGT_ADAPTER_CALLBACKS_V2 2 /* adds to_stack_gso */
#define NCGT_ADAPTER_CALLBACKS_V3 3 /* adds to_tunnel_dgram */
typedef struct ncgt_adapter_callbacks {
  uint32_t version; /* NCGT_ADAPTER_CALLBACKS_VERSION */
  /* Required. An Ethernet frame for the local stack (write it to the
   * TAP). Return 0, or non-zero to refuse it: the frame is dropped and
   * counted (drop_callback), the call returns NCGT_ERR_CALLBACK_DROPPED
   * (not fatal) and the adapter stays usable. The same holds for
   * to_tunnel and to_stack_gso. The adapter must not be deleted from
   * inside its callbacks. */
  int (*to_stack)(const uint8_t *frame, size_t len, void *user_data);
  /* Required unless to_tunnel_dgram (V3) is set, which replaces it. An
   * IP datagram for the tunnel; proto is 4 or 6
   * (NCGT_DATA_PROTO_IPV4 / _IPV6, the DATA frame's protocol byte). In
   * the server role the host picks the tunnel by destination address. */
  int (*to_tunnel)(uint8_t proto, const uint8_t *datagram, size_t len,
                   void *user_data);
  /* Optional. */
  ncgt_log_cb log;
  /* V2, required for ncgt_adapter_from_tunnel_gso: a TCP super-segment
   * for the stack, described by *g (offsets relative to the IP packet,
   * i.e. frame + 14), for a TAP with IFF_VNET_HDR that segments it. */
  int (*to_stack_gso)(const ncgt_gso *g, const uint8_t *frame, size_t len,
                      void *user_data);
  /* V3, optional: when set it is called instead of to_tunnel, with what
   * the adapter parsed: the protocol, the IPv4 destination (the server
   * picks the tunnel by it), a GSO datagram's descriptor (d->gso, already
   * checked and written in front of the packet), and d->headroom /
   * d->tailroom: the writable room around d->dg inside the frame given to
   * ncgt_adapter_from_stack_ex plus the room the host declared around
   * that frame (0 for fragments, which the adapter builds in its own
   * buffer). Hand it to ncgt_conn_send_dgram to seal it where it is. */
  int (*to_tunnel_dgram)(const ncgt_datagram *d, void *user_data);
} ncgt_adapter_callbacks;

/* Counters. Every frame from the stack and every datagram from the tunnel
 * ends in exactly one of: a reply, to_tunnel, to_stack, or one drop_*. */
typedef struct ncgt_adapter_stats {
  uint64_t stack_frames;   /* frames given to from_stack */
  uint64_t tunnel_dgrams;  /* datagrams given to from_tunnel */
  uint64_t to_tunnel;      /* datagrams passed to to_tunnel (fragments
                            * count one each) */
  uint64_t to_stack;       /* frames passed to to_stack (incl. replies) */
  uint64_t arp_replies;
  uint64_t dhcp_offers, dhcp_acks, dhcp_naks, dhcp_inform_acks;
  uint64_t dhcp_releases, dhcp_declines; /* received */
  uint64_t icmp_frag_needed;  /* ICMP type 3 code 4 sent to the stack */
  uint64_t icmp6_too_big;     /* ICMPv6 type 2 sent to the stack */
  uint64_t fragmented;        /* IPv4 datagrams split (no DF) */
  uint64_t mss_clamped;
  /* drops, one reason each */
  uint64_t drop_runt;          /* shorter than an Ethernet header */
  uint64_t drop_not_for_us;    /* unicast Ethernet destination not ours */
  uint64_t drop_ethertype;     /* not IPv4, IPv6 or ARP (incl. VLAN) */
  uint64_t drop_arp_malformed; /* truncated, wrong sizes/types */
  uint64_t drop_arp_not_request; /* replies, unknown ops */
  uint64_t drop_arp_probe;     /* RFC 5227 probe/announcement, gratuitous */
  uint64_t drop_arp_own;       /* request for the stack's own address */
  uint64_t drop_arp_not_ours;  /* target we do not stand for */
  uint64_t drop_no_config;     /* client role before set_client_data */
  uint64_t drop_dhcp_malformed;
  uint64_t drop_dhcp_not_for_us; /* BOOTREPLY, other server id, relayed,
                                  * INFORM from another address */
  uint64_t drop_dhcp_unsupported; /* BOOTP, non-Ethernet, unknown type */
  uint64_t drop_ip_malformed;  /* bad version/lengths, from either side */
  uint64_t drop_not_unicast;   /* broadcast/multicast/link-local into the
                                * tunnel */
  uint64_t drop_too_big;       /* too big and no ICMP allowed (error about
                                * an error, non-first fragment, ...) */
  uint64_t drop_spoofed;       /* server: source is not the tunnel's */
  uint64_t drop_ipv6_server;   /* server: IPv6 from a tunnel given no
                                * IPv6 address */
  uint64_t drop_callback;      /* a callback returned non-zero */
  /* GSO (appended; see ncgt_adapter_from_stack_gso) */
  uint64_t gso_to_tunnel;      /* super-segments passed to to_tunnel */
  uint64_t gso_to_stack;       /* super-segments passed to to_stack_gso */
  uint64_t csum_completed;     /* partial checksums finished here */
  uint64_t drop_gso_malformed; /* descriptor does not fit the packet */
  /* IPv6 and neighbour discovery (appended; doc/adapter.md "NDP") */
  uint64_t ndp_na;             /* neighbour advertisements sent */
  uint64_t ndp_ra;             /* router advertisements sent (solicited
                                * and ncgt_adapter_advertise) */
  uint64_t drop_ndp_malformed; /* RFC 4861 validity checks failed */
  uint64_t drop_ndp_dad;       /* RFC 4862 DAD probe: never answered */
  uint64_t drop_ndp_not_ours;  /* NS for a target we do not stand for,
                                * NA, RA, redirect, RS without IPv6 */
  uint64_t drop_spoofed6;      /* client: IPv6 source from the stack is
                                * not its tunnel address */
} ncgt_adapter_stats;

/* Creates an adapter. `s` and `cb` are copied by the size their version
 * declares. Returns 0, NCGT_ERR_INVALID_ARGUMENT (version 0, role, MTU,
 * missing callback,
 * multicast reserved MAC, server role without server address) or
 * NCGT_ERR_NOMEM. Allocates ~67 KB once; nothing per packet. */
NCGT_EXTERN NCGT_WUR int
ncgt_adapter_new(ncgt_adapter **pad, const ncgt_adapter_settings *s,
                 const ncgt_adapter_callbacks *cb, void *user_data);
NCGT_EXTERN void ncgt_adapter_del(ncgt_adapter *ad);

/* Client role: installs the client data (DHCP options, Fig. 23 step 504)
 * the DHCP emulator answers from; may be called again (a reconnect that
 * gave a new address: old leases then get DHCPNAK). The data's MTU
 * (option 26) becomes the adapter's tunnel MTU, in place of settings.mtu,
 * for ICMP errors, fragmentation and MSS clamping; without option 26,
 * settings.mtu stays and DHCP offers it as option 26. Returns 0 or the
 * decoder's status (the previous data is then kept). */
NCGT_EXTERN NCGT_WUR int ncgt_adapter_set_client_data(ncgt_adapter *ad,
                                                      const uint8_t *opts,
                                                      size_t len);

/* The tunnel MTU in force: settings.mtu, or the client data's once
 * installed. A host gives its TAP device this MTU (after each
 * set_client_data), so the stack's own MTU and the adapter's agree. */
NCGT_EXTERN uint16_t ncgt_adapter_mtu(const ncgt_adapter *ad);

/* One Ethernet frame from the local stack. The frame may be modified in
 * place (MSS clamping). Returns 0 whether the frame was answered, sent to
 * the tunnel or dropped (see the counters), or NCGT_ERR_CALLBACK_DROPPED
 * when a callback refused the frame (counted; the adapter stays usable). */
NCGT_EXTERN NCGT_WUR int ncgt_adapter_from_stack(ncgt_adapter *ad,
                                                 uint8_t *frame, size_t len);

/* A frame from a TAP with IFF_VNET_HDR and offloads: `g` is its
 * virtio_net_hdr with offsets made relative to the IP packet (frame +
 * 14); NULL is ncgt_adapter_from_stack. A partial checksum without
 * segmentation (NCGT_GSO_NONE + NEEDS_CSUM) is completed here and the
 * frame goes on as any other. A TCP super-segment (NCGT_GSO_TCPV4/V6)
 * must be unicast TCP whose segments (headers + gso_size) fit the tunnel
 * MTU; it is never MSS-clamped (SYNs are not segmented) and goes to
 * to_tunnel as NCGT_DATA_PROTO_GSO: the descriptor is written over the
 * end of the Ethernet header, in place, followed by the IP packet. Use it
 * only when the tunnel negotiated NCGT_FEATURE_GSO. Returns as
 * from_stack. */
NCGT_EXTERN NCGT_WUR int ncgt_adapter_from_stack_gso(ncgt_adapter *ad,
                                                     const ncgt_gso *g,
                                                     uint8_t *frame,
                                                     size_t len);

/* ncgt_adapter_from_stack_gso for a frame with `headroom` writable bytes
 * before it and `tailroom` after it in the host's buffer: to_tunnel_dgram
 * (V3) is told that room, so the tunnel can seal the datagram in place. */
NCGT_EXTERN NCGT_WUR int ncgt_adapter_from_stack_ex(ncgt_adapter *ad,
                                                    const ncgt_gso *g,
                                                    uint8_t *frame, size_t len,
                                                    size_t headroom,
                                                    size_t tailroom);

/* A datagram out of the tunnel, in place: what a conn's recv_dgram
 * callback hands over (ncgt_conn_recv_inplace). d->pkt is checked as in
 * from_tunnel(_gso), using the already decoded d->gso, and the Ethernet
 * header is written into the room in front of it, so nothing is copied.
 * Needs d->headroom + (d->pkt - d->dg) >= 14, else NCGT_ERR_NOBUF (a conn
 * gives NCGT_DATAGRAM_RX_HEADROOM); GSO needs to_stack_gso
 * (NCGT_ERR_UNSUPPORTED). Otherwise returns as from_stack. */
NCGT_EXTERN NCGT_WUR int
ncgt_adapter_from_tunnel_dgram(ncgt_adapter *ad, const ncgt_datagram *d,
                               uint32_t tunnel_addr);

/* An NCGT_DATA_PROTO_GSO datagram out of the tunnel (descriptor, then
 * the IP packet): checked as from_tunnel (anti-spoofing on the packet's
 * header), the descriptor against the packet and the tunnel MTU (per
 * segment); a super-segment goes to to_stack_gso (required), a packet
 * with only a partial checksum has it completed and goes to to_stack. */
NCGT_EXTERN NCGT_WUR int ncgt_adapter_from_tunnel_gso(ncgt_adapter *ad,
                                                      const uint8_t *dg,
                                                      size_t len,
                                                      uint32_t tunnel_addr);

/* One IP datagram out of the tunnel (the DATA frame's datagram). In the
 * server role `tunnel_addr` is the IPv4 address that tunnel was given (0:
 * none yet, everything is dropped as spoofed); in the client role it is
 * ignored. Returns as from_stack. */
NCGT_EXTERN NCGT_WUR int ncgt_adapter_from_tunnel(ncgt_adapter *ad,
                                                  const uint8_t *dg,
                                                  size_t len,
                                                  uint32_t tunnel_addr);

/* One datagram out of the tunnel, IPv4 or IPv6 (proto NCGT_DATA_PROTO_
 * IPV4 / _IPV6 / _GSO, the DATA frame's protocol byte): as
 * ncgt_adapter_from_tunnel / _gso, with the tunnel's IPv6 address too.
 * Server role: an IPv6 source must equal tunnel_addr6 (NULL: the tunnel
 * has no IPv6 address; its IPv6 is dropped, drop_ipv6_server). */
NCGT_EXTERN NCGT_WUR int ncgt_adapter_from_tunnel6(ncgt_adapter *ad,
                                                   uint8_t proto,
                                                   const uint8_t *dg,
                                                   size_t len,
                                                   uint32_t tunnel_addr,
                                                   const uint8_t *tunnel_addr6);

/* ncgt_adapter_from_tunnel_dgram with the tunnel's IPv6 address too, as
 * ncgt_adapter_from_tunnel6 (server role: an IPv6 source must equal
 * tunnel_addr6; NULL: the tunnel's IPv6 is dropped). */
NCGT_EXTERN NCGT_WUR int
ncgt_adapter_from_tunnel_dgram6(ncgt_adapter *ad, const ncgt_datagram *d,
                                uint32_t tunnel_addr,
                                const uint8_t *tunnel_addr6);

/* Client role: sends an unsolicited router advertisement to all nodes
 * (RFC 4861 6.2.4) when the client data carries IPv6. The library keeps
 * no clock: the host calls this after each set_client_data and then about
 * every NCGT_ADAPTER_RA_INTERVAL seconds (with jitter), well inside the
 * lifetimes the RA carries (NCGT_ADAPTER_RA_LIFETIME). Returns 0 (also
 * when there is nothing to advertise) or as from_stack. */
NCGT_EXTERN NCGT_WUR int ncgt_adapter_advertise(ncgt_adapter *ad);
enum { NCGT_ADAPTER_RA_INTERVAL = 200, NCGT_ADAPTER_RA_LIFETIME = 1800 };

/* Client role: the IPv6 part of the installed client data (prefix_len 0
 * when none). */
NCGT_EXTERN void ncgt_adapter_client_config6(const ncgt_adapter *ad,
                                             ncgt_client_config6 *out);

/* Copies min(size, sizeof(ncgt_adapter_stats)) bytes of the counters, so
 * a caller built against an older, shorter struct keeps working. */
NCGT_EXTERN void ncgt_adapter_get_stats(const ncgt_adapter *ad,
                                        ncgt_adapter_stats *out, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* NCGTUN_ADAPTER_H */
