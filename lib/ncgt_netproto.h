/*
 * Wire constants of the protocols the pseudo network adapter speaks with
 * the local stack (patent Figs. 15-18): Ethernet II, ARP (RFC 826),
 * IPv4 (RFC 791), IPv6 (RFC 8200), ICMP (RFC 792, RFC 1191), ICMPv6
 * (RFC 4443), UDP (RFC 768), TCP (RFC 9293), DHCP (RFC 2131 / 2132 /
 * 3442). Every number the adapter puts on or reads off the wire is named
 * here once; sizes are computed from field widths.
 */
#ifndef NCGT_NETPROTO_H
#define NCGT_NETPROTO_H

/* Ethernet II. */
enum {
  NCGT_ETH_ALEN = 6,
  NCGT_ETH_HLEN = NCGT_ETH_ALEN + NCGT_ETH_ALEN + 2,
  NCGT_ETHERTYPE_IPV4 = 0x0800,
  NCGT_ETHERTYPE_ARP = 0x0806,
  NCGT_ETHERTYPE_IPV6 = 0x86DD,
  /* Largest IP datagram in a reply the adapter builds itself (DHCP). */
  NCGT_ETH_MTU = 1500,
};

/* ARP over Ethernet for IPv4, RFC 826. */
enum {
  NCGT_ARP_HTYPE_ETHER = 1,
  NCGT_ARP_PTYPE_IPV4 = NCGT_ETHERTYPE_IPV4,
  NCGT_ARP_PLEN_IPV4 = 4,
  NCGT_ARP_OP_REQUEST = 1,
  NCGT_ARP_OP_REPLY = 2,
  /* htype, ptype, hlen, plen, op, sha, spa, tha, tpa */
  NCGT_ARP_LEN = 2 + 2 + 1 + 1 + 2 + 2 * (NCGT_ETH_ALEN + NCGT_ARP_PLEN_IPV4),
};

/* IPv4, RFC 791. */
enum {
  NCGT_IPV4_HLEN = 20, /* without options */
  NCGT_IPV4_HLEN_MAX = 60,
  NCGT_IPV4_ADDR_LEN = 4,
  NCGT_IPV4_FLAG_DF = 0x4000,
  NCGT_IPV4_FLAG_MF = 0x2000,
  NCGT_IPV4_OFFSET_MASK = 0x1FFF,
  NCGT_IPV4_TTL_DEFAULT = 64,
  NCGT_IPV4_MIN_MTU = 68,      /* RFC 791: every host accepts this */
  NCGT_IPV4_ICMP_ERR_MAX = 576, /* RFC 1812 4.3.2.3: error size limit */
  /* Options: copied flag (RFC 791 p.15), end of list, no-operation. */
  NCGT_IPOPT_COPIED = 0x80,
  NCGT_IPOPT_EOL = 0,
  NCGT_IPOPT_NOP = 1,
};

/* IPv6, RFC 8200. */
enum {
  NCGT_IPV6_HLEN = 40,
  NCGT_IPV6_ADDR_LEN = 16,
  NCGT_IPV6_MIN_MTU = 1280,
  NCGT_IPV6_HOPLIMIT_DEFAULT = 64,
  /* ff00::/8 multicast; fe80::/10 link-local (RFC 4291 2.4) */
  NCGT_IPV6_MCAST_BYTE0 = 0xFF,
  NCGT_IPV6_LL_BYTE0 = 0xFE,
  NCGT_IPV6_LL_MASK1 = 0xC0,
  NCGT_IPV6_LL_BYTE1 = 0x80,
};

/* Neighbor Discovery, RFC 4861 (with RFC 4191 route information and
 * RFC 8106 RDNSS/DNSSL). Option lengths count 8-byte units. */
enum {
  NCGT_IPV6_HOPLIMIT_AT = 7,
  NCGT_ND_HOPLIMIT = 255, /* 6.1.1 / 7.1.1: only on-link senders */
  NCGT_ND_RS = 133,
  NCGT_ND_RA = 134,
  NCGT_ND_NS = 135,
  NCGT_ND_NA = 136,
  NCGT_ND_REDIRECT = 137,
  NCGT_ND_RS_LEN = 8,  /* type code csum reserved */
  NCGT_ND_NS_LEN = 24, /* + target */
  NCGT_ND_NA_LEN = 24,
  NCGT_ND_RA_LEN = 16,
  NCGT_ND_OPT_UNIT = 8,
  NCGT_ND_OPT_SLLA = 1,
  NCGT_ND_OPT_TLLA = 2,
  NCGT_ND_OPT_PREFIX = 3,
  NCGT_ND_OPT_MTU = 5,
  NCGT_ND_OPT_ROUTE_INFO = 24, /* RFC 4191 2.3 */
  NCGT_ND_OPT_RDNSS = 25,      /* RFC 8106 5.1 */
  NCGT_ND_OPT_DNSSL = 31,      /* RFC 8106 5.2 */
  NCGT_ND_NA_FLAG_ROUTER = 0x80,
  NCGT_ND_NA_FLAG_SOLICITED = 0x40,
  NCGT_ND_NA_FLAG_OVERRIDE = 0x20,
  NCGT_ND_PI_FLAG_ONLINK = 0x80,
  NCGT_ND_PI_FLAG_AUTO = 0x40,
  NCGT_ND_RA_HOPLIMIT = 64, /* Cur Hop Limit advertised */
};

/* IP protocol numbers. */
enum {
  NCGT_IPPROTO_ICMP = 1,
  NCGT_IPPROTO_TCP = 6,
  NCGT_IPPROTO_UDP = 17,
  NCGT_IPPROTO_ICMPV6 = 58,
};

/* ICMP (RFC 792) and ICMPv6 (RFC 4443). */
enum {
  NCGT_ICMP_HLEN = 8,
  NCGT_ICMP_DEST_UNREACH = 3,
  NCGT_ICMP_FRAG_NEEDED = 4, /* code; next-hop MTU in bytes 6-7, RFC 1191 */
  /* Query types (RFC 792, RFC 950): the only ICMP an error may be about */
  NCGT_ICMP_ECHO_REPLY = 0,
  NCGT_ICMP_ECHO = 8,
  NCGT_ICMP_TIMESTAMP = 13,
  NCGT_ICMP_TIMESTAMP_REPLY = 14,
  NCGT_ICMP_MASK_REQUEST = 17,
  NCGT_ICMP_MASK_REPLY = 18,
  NCGT_ICMPV6_PACKET_TOO_BIG = 2,
  NCGT_ICMPV6_INFO_MIN = 128, /* types below are error messages */
};

/* UDP and TCP. */
enum {
  NCGT_UDP_HLEN = 8,
  NCGT_TCP_HLEN = 20,
  NCGT_TCP_DOFF_AT = 12, /* data offset (high nibble), then flags */
  NCGT_TCP_CSUM_AT = 16,
  NCGT_TCP_FLAG_SYN = 0x02,
  NCGT_TCPOPT_EOL = 0,
  NCGT_TCPOPT_NOP = 1,
  NCGT_TCPOPT_MSS = 2,
  NCGT_TCPOPT_MSS_LEN = 4,
};

/* DHCP, RFC 2131 section 2 (BOOTP layout) and RFC 2132 options. */
enum {
  NCGT_DHCP_SERVER_PORT = 67,
  NCGT_DHCP_CLIENT_PORT = 68,
  NCGT_BOOTREQUEST = 1,
  NCGT_BOOTREPLY = 2,
  NCGT_DHCP_CHADDR_LEN = 16,
  NCGT_DHCP_SNAME_LEN = 64,
  NCGT_DHCP_FILE_LEN = 128,
  /* op htype hlen hops xid secs flags ciaddr yiaddr siaddr giaddr chaddr
   * sname file */
  NCGT_DHCP_FIXED_LEN = 1 + 1 + 1 + 1 + 4 + 2 + 2 + 4 * 4 +
                        NCGT_DHCP_CHADDR_LEN + NCGT_DHCP_SNAME_LEN +
                        NCGT_DHCP_FILE_LEN,
  NCGT_DHCP_COOKIE_LEN = 4,
  NCGT_DHCP_FLAG_BROADCAST = 0x8000,
  /* RFC 2131 2: a client accepts at least 576-byte messages; RFC 1542
   * 2.1: a BOOTP message is at least 300 bytes (pad after END). */
  NCGT_DHCP_MIN_MAX_MSG = 576,
  NCGT_BOOTP_MIN_LEN = 300,
};
#define NCGT_DHCP_MAGIC_COOKIE 0x63825363u

/* DHCP message types, option 53 (RFC 2132 9.6). */
typedef enum ncgt_dhcp_msg {
  NCGT_DHCPDISCOVER = 1,
  NCGT_DHCPOFFER = 2,
  NCGT_DHCPREQUEST = 3,
  NCGT_DHCPDECLINE = 4,
  NCGT_DHCPACK = 5,
  NCGT_DHCPNAK = 6,
  NCGT_DHCPRELEASE = 7,
  NCGT_DHCPINFORM = 8,
} ncgt_dhcp_msg;

/* DHCP option codes used here (RFC 2132, RFC 3442, RFC 6842). */
typedef enum ncgt_dhcp_opt {
  NCGT_DHO_PAD = 0,
  NCGT_DHO_SUBNET_MASK = 1,
  NCGT_DHO_ROUTER = 3,
  NCGT_DHO_DNS = 6,
  NCGT_DHO_DOMAIN = 15,
  NCGT_DHO_MTU = 26,
  NCGT_DHO_REQUESTED_ADDR = 50,
  NCGT_DHO_LEASE_TIME = 51,
  NCGT_DHO_OVERLOAD = 52,
  NCGT_DHO_MSG_TYPE = 53,
  NCGT_DHO_SERVER_ID = 54,
  NCGT_DHO_PARAM_REQ = 55,
  NCGT_DHO_MAX_MSG_SIZE = 57,
  NCGT_DHO_T1 = 58,
  NCGT_DHO_T2 = 59,
  NCGT_DHO_CLIENT_ID = 61,
  NCGT_DHO_CLASSLESS_ROUTES = 121, /* RFC 3442 */
  /* libncgtun's IPv6 client data, in the site-specific range (RFC 3942:
   * 224-254); only between ncgtun peers, never on a DHCP wire.
   * doc/protocol.md "Client data". */
  NCGT_DHO_NCGT_V6_ADDR = 224,
  NCGT_DHO_NCGT_V6_ROUTES = 225,
  NCGT_DHO_NCGT_V6_DNS = 226,
  NCGT_DHO_MS_CLASSLESS_ROUTES = 249, /* same encoding, old Windows */
  NCGT_DHO_END = 255,
} ncgt_dhcp_opt;

#endif /* NCGT_NETPROTO_H */
