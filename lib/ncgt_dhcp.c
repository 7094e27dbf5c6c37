/*
 * DHCP server emulator (patent Fig. 17 steps 330-332, Fig. 23 steps
 * 510-514): answers the stack's DHCP requests from the client data the
 * tunnel server sent (RFC 2131; options RFC 2132, RFC 3442, RFC 6842).
 *
 *   DISCOVER                          -> OFFER
 *   REQUEST  SELECTING (server id)    -> ACK, NAK if the address is wrong;
 *                                        silence if another server's id
 *   REQUEST  INIT-REBOOT (addr, no id) -> ACK / NAK
 *   REQUEST  RENEWING/REBINDING (ciaddr) -> ACK / NAK (stale address)
 *   INFORM   (ciaddr = ours)          -> ACK without yiaddr and lease
 *   RELEASE, DECLINE                  -> counted, logged, no reply
 * Replies are addressed as RFC 2131 4.1 says (ciaddr unicast, broadcast
 * flag, else unicast to chaddr/yiaddr; NAK broadcast). Requests may put
 * options in `file` and `sname` (option 52 overload, RFC 2131 4.1) and
 * split one option into several instances (RFC 3396); replies do
 * neither, they leave out what does not fit.
 */
#include <string.h>

#include "ncgt_adapter_int.h"
#include "ncgt_clientdata.h"
#include "ncgt_inet.h"

/* The options the emulator reads. RFC 3396 section 5: every instance
 * of an option is one value, the instances' bytes concatenated in the
 * order options field, `file`, `sname` (RFC 2131 4.1, option 52). */
enum { V_TYPE, V_REQIP, V_SRVID, V_PRL, V_MAX_MSG, V_CLIENT_ID, V_OVERLOAD,
       V_N };

static const struct {
  uint8_t code;
  uint8_t max; /* longest value taken; longer is malformed */
} wanted[V_N] = {
    [V_TYPE] = {NCGT_DHO_MSG_TYPE, 1},
    [V_REQIP] = {NCGT_DHO_REQUESTED_ADDR, 4},
    [V_SRVID] = {NCGT_DHO_SERVER_ID, 4},
    [V_PRL] = {NCGT_DHO_PARAM_REQ, UINT8_MAX},
    [V_MAX_MSG] = {NCGT_DHO_MAX_MSG_SIZE, 2},
    /* echoed in one option 61 (RFC 6842) */
    [V_CLIENT_ID] = {NCGT_DHO_CLIENT_ID, UINT8_MAX},
    [V_OVERLOAD] = {NCGT_DHO_OVERLOAD, 1},
};

typedef struct dhcp_opts {
  int seen[V_N];
  size_t len[V_N];
  uint8_t val[V_N][UINT8_MAX];
} dhcp_opts;

/* What the emulator reads from a request. chaddr borrows the frame. */
typedef struct dhcp_req {
  uint32_t xid;
  uint16_t flags;
  uint32_t ciaddr, giaddr;
  const uint8_t *chaddr; /* 16 bytes */
  uint8_t op, htype, hlen;
  uint8_t type;          /* option 53, 0 = absent (plain BOOTP) */
  int has_reqip, has_srvid;
  uint32_t reqip, srvid;
  uint16_t max_msg;      /* option 57, 0 = absent */
  const uint8_t *prl, *client_id; /* into o; lengths 0 = absent */
  size_t prl_len, client_id_len;
  dhcp_opts o;
} dhcp_req;

static const char *const state_names[] = {
    "idle", "offered", "bound", "naked", "released", "declined",
};

void ncgt_dhcp_set_state(ncgt_adapter *ad, ncgt_dhcp_state st) {
  if (ad->dhcp_state != st)
    ncgt_adapter_logf(ad, NCGT_LOG_INFO, "dhcp: %s -> %s",
                      state_names[ad->dhcp_state], state_names[st]);
  ad->dhcp_state = st;
}

/* Appends one instance of `code` to its value if it is one we read. */
static int opts_add(dhcp_opts *o, uint8_t code, const uint8_t *p,
                    size_t len) {
  for (size_t i = 0; i < V_N; i++) {
    if (wanted[i].code != code)
      continue;
    NCGT_ENSURE_COND(len <= wanted[i].max - o->len[i], NCGT_ERR_BAD_LENGTH);
    if (len)
      memcpy(o->val[i] + o->len[i], p, len);
    o->len[i] += len;
    o->seen[i] = 1;
    return 0;
  }
  return 0;
}

/* One option area: code, length, value ... up to END. The options field
 * needs its END (RFC 2131 4.1) and is the only place for option 52 (RFC
 * 2132 9.3); `file` and `sname` may also just end with the field. An
 * option never spans two areas: a long one is split (RFC 3396). */
static int area_parse(dhcp_opts *o, ncgt_rd *r, int options_field) {
  for (;;) {
    uint8_t code = 0, len = 0;
    const uint8_t *p = NULL;
    if (!options_field && ncgt_rd_left(r) == 0)
      return 0;
    NCGT_ENSURE(ncgt_rd_u8(r, &code));
    if (code == NCGT_DHO_END)
      return 0;
    if (code == NCGT_DHO_PAD)
      continue;
    NCGT_ENSURE(ncgt_rd_u8(r, &len));
    NCGT_ENSURE(ncgt_rd_ptr(r, &p, len));
    NCGT_ENSURE_COND(options_field || code != NCGT_DHO_OVERLOAD,
                     NCGT_ERR_BAD_VALUE);
    NCGT_ENSURE(opts_add(o, code, p, len));
  }
}

/* The whole values' lengths (RFC 2132) into q's fields. */
static int req_values(dhcp_req *q) {
  const dhcp_opts *o = &q->o;
  if (o->seen[V_TYPE]) {
    NCGT_ENSURE_COND(o->len[V_TYPE] == 1 && o->val[V_TYPE][0] != 0,
                     NCGT_ERR_BAD_LENGTH);
    q->type = o->val[V_TYPE][0];
  }
  if ((q->has_reqip = o->seen[V_REQIP]) != 0) {
    NCGT_ENSURE_COND(o->len[V_REQIP] == 4, NCGT_ERR_BAD_LENGTH);
    q->reqip = ncgt_ip4_get(o->val[V_REQIP]);
  }
  if ((q->has_srvid = o->seen[V_SRVID]) != 0) {
    NCGT_ENSURE_COND(o->len[V_SRVID] == 4, NCGT_ERR_BAD_LENGTH);
    q->srvid = ncgt_ip4_get(o->val[V_SRVID]);
  }
  if (o->seen[V_MAX_MSG]) {
    NCGT_ENSURE_COND(o->len[V_MAX_MSG] == 2, NCGT_ERR_BAD_LENGTH);
    q->max_msg = ncgt_get_u16(o->val[V_MAX_MSG]);
  }
  /* RFC 2132 9.8: at least one code; 9.14: type and at least one byte */
  NCGT_ENSURE_COND(!o->seen[V_PRL] || o->len[V_PRL] > 0, NCGT_ERR_BAD_LENGTH);
  NCGT_ENSURE_COND(!o->seen[V_CLIENT_ID] || o->len[V_CLIENT_ID] >= 2,
                   NCGT_ERR_BAD_LENGTH);
  q->prl = o->val[V_PRL];
  q->prl_len = o->len[V_PRL];
  q->client_id = o->val[V_CLIENT_ID];
  q->client_id_len = o->len[V_CLIENT_ID];
  return 0;
}

/* RFC 2131 section 2 layout, then the options field up to END
 * (required), then `file` and `sname` as option 52 says. */
static int req_parse(dhcp_req *q, ncgt_rd *r) {
  uint8_t hops = 0;
  uint16_t secs = 0;
  uint32_t yiaddr = 0, siaddr = 0, cookie = 0;
  const uint8_t *sname = NULL, *file = NULL;
  memset(q, 0, sizeof *q);
  ncgt_rd_u8(r, &q->op);
  ncgt_rd_u8(r, &q->htype);
  ncgt_rd_u8(r, &q->hlen);
  ncgt_rd_u8(r, &hops);
  ncgt_rd_u32(r, &q->xid);
  ncgt_rd_u16(r, &secs);
  ncgt_rd_u16(r, &q->flags);
  ncgt_rd_u32(r, &q->ciaddr);
  ncgt_rd_u32(r, &yiaddr);
  ncgt_rd_u32(r, &siaddr);
  ncgt_rd_u32(r, &q->giaddr);
  ncgt_rd_ptr(r, &q->chaddr, NCGT_DHCP_CHADDR_LEN);
  ncgt_rd_ptr(r, &sname, NCGT_DHCP_SNAME_LEN);
  ncgt_rd_ptr(r, &file, NCGT_DHCP_FILE_LEN);
  ncgt_rd_u32(r, &cookie);
  NCGT_ENSURE(r->err);
  if (cookie != NCGT_DHCP_MAGIC_COOKIE)
    return 0; /* BOOTP vendor area: q->type stays 0 */
  NCGT_ENSURE(area_parse(&q->o, r, 1));
  uint8_t overload = 0;
  ncgt_rd area;
  if (q->o.seen[V_OVERLOAD]) { /* RFC 2132 9.3: 1 file, 2 sname, 3 both */
    overload = q->o.val[V_OVERLOAD][0];
    NCGT_ENSURE_COND(q->o.len[V_OVERLOAD] == 1 && overload >= 1 &&
                         overload <= 3,
                     NCGT_ERR_BAD_VALUE);
  }
  if (overload & 1) {
    ncgt_rd_init(&area, file, NCGT_DHCP_FILE_LEN);
    NCGT_ENSURE(area_parse(&q->o, &area, 0));
  }
  if (overload & 2) {
    ncgt_rd_init(&area, sname, NCGT_DHCP_SNAME_LEN);
    NCGT_ENSURE(area_parse(&q->o, &area, 0));
  }
  return req_values(q);
}

/* ---- replies ---------------------------------------------------------- */

enum {
  HDRS_LEN = NCGT_ETH_HLEN + NCGT_IPV4_HLEN + NCGT_UDP_HLEN,
};

/* Options we may send besides 53/54/61, after 51 and 1 (RFC 2132 3.3: the
 * subnet mask comes before the router), in the client's parameter request
 * list order, then these defaults. 249 only when asked for. */
static const uint8_t default_opts[] = {
    NCGT_DHO_ROUTER, NCGT_DHO_T1,     NCGT_DHO_T2,
    NCGT_DHO_DNS,    NCGT_DHO_DOMAIN, NCGT_DHO_MTU,
    NCGT_DHO_CLASSLESS_ROUTES,
};

static int lease_opt(uint8_t c) {
  return c == NCGT_DHO_LEASE_TIME || c == NCGT_DHO_T1 || c == NCGT_DHO_T2;
}

/* Writes one config option unless already written or not allowed; an
 * option that does not fit the client's maximum message is left out. */
static int put_cfg_opt(ncgt_adapter *ad, ncgt_wr *w, uint8_t *done,
                       uint8_t code, int inform) {
  size_t off = w->off;
  if ((done[code >> 3] & (1u << (code & 7))) || (inform && lease_opt(code)) ||
      code == NCGT_DHO_REQUESTED_ADDR || code == NCGT_DHO_SERVER_ID)
    return 0;
  done[code >> 3] |= (uint8_t)(1u << (code & 7));
  int rv = ncgt_cc_write_opt(w, code, &ad->cc);
  if (rv == NCGT_ERR_NOBUF) {
    w->off = off;
    w->err = 0;
    ncgt_adapter_logf(ad, NCGT_LOG_DEBUG, "dhcp: option %u left out (size)",
                      code);
    return 0;
  }
  return rv < 0 ? rv : 0;
}

static int put_options(ncgt_adapter *ad, ncgt_wr *w, const dhcp_req *q,
                       uint8_t type) {
  uint8_t done[32] = {0};
  int inform = q->type == NCGT_DHCPINFORM;
  ncgt_wr_u8(w, NCGT_DHO_MSG_TYPE);
  ncgt_wr_u8(w, 1);
  ncgt_wr_u8(w, type);
  ncgt_wr_u8(w, NCGT_DHO_SERVER_ID);
  ncgt_wr_u8(w, 4);
  ncgt_wr_u32(w, ad->cc.server_addr);
  if (q->client_id_len) { /* RFC 6842: echo the client identifier */
    ncgt_wr_u8(w, NCGT_DHO_CLIENT_ID);
    ncgt_wr_u8(w, (uint8_t)q->client_id_len);
    ncgt_wr_bytes(w, q->client_id, q->client_id_len);
  }
  NCGT_ENSURE_COND(w->err == 0, NCGT_ERR_INTERNAL);
  if (type == NCGT_DHCPNAK)
    return 0;
  NCGT_ENSURE(put_cfg_opt(ad, w, done, NCGT_DHO_LEASE_TIME, inform));
  NCGT_ENSURE(put_cfg_opt(ad, w, done, NCGT_DHO_SUBNET_MASK, inform));
  for (size_t i = 0; i < q->prl_len; i++)
    NCGT_ENSURE(put_cfg_opt(ad, w, done, q->prl[i], inform));
  for (size_t i = 0; i < sizeof default_opts; i++)
    NCGT_ENSURE(put_cfg_opt(ad, w, done, default_opts[i], inform));
  return 0;
}

static int put_bootp(ncgt_wr *w, const dhcp_req *q, uint32_t ciaddr,
                     uint32_t yiaddr) {
  uint8_t *zero = NULL;
  ncgt_wr_u8(w, NCGT_BOOTREPLY);
  ncgt_wr_u8(w, q->htype);
  ncgt_wr_u8(w, q->hlen);
  ncgt_wr_u8(w, 0); /* hops */
  ncgt_wr_u32(w, q->xid);
  ncgt_wr_u16(w, 0); /* secs */
  ncgt_wr_u16(w, q->flags);
  ncgt_wr_u32(w, ciaddr);
  ncgt_wr_u32(w, yiaddr);
  ncgt_wr_u32(w, 0); /* siaddr: no next boot server */
  ncgt_wr_u32(w, 0); /* giaddr: we only answer unrelayed requests */
  ncgt_wr_bytes(w, q->chaddr, NCGT_DHCP_CHADDR_LEN);
  if (ncgt_wr_reserve(w, &zero, NCGT_DHCP_SNAME_LEN + NCGT_DHCP_FILE_LEN) == 0)
    memset(zero, 0, NCGT_DHCP_SNAME_LEN + NCGT_DHCP_FILE_LEN);
  return ncgt_wr_u32(w, NCGT_DHCP_MAGIC_COOKIE);
}

/* Ethernet, IPv4 and UDP headers in front of `blen` BOOTP bytes. */
static void put_headers(ncgt_adapter *ad, const uint8_t *eth_dst,
                        uint32_t ip_dst, size_t blen) {
  ncgt_wr w;
  uint8_t src[4], dst[4], *udp = NULL;
  ncgt_ip4_put(src, ad->cc.server_addr);
  ncgt_ip4_put(dst, ip_dst);
  ncgt_wr_init(&w, ad->reply, HDRS_LEN);
  ncgt_wr_eth(&w, eth_dst, ad->peer_mac, NCGT_ETHERTYPE_IPV4);
  ncgt_wr_ipv4(&w, src, dst, NCGT_IPPROTO_UDP, NCGT_UDP_HLEN + blen);
  ncgt_wr_reserve(&w, &udp, NCGT_UDP_HLEN);
  ncgt_put_u16(udp, NCGT_DHCP_SERVER_PORT);
  ncgt_put_u16(udp + 2, NCGT_DHCP_CLIENT_PORT);
  ncgt_put_u16(udp + 4, (uint16_t)(NCGT_UDP_HLEN + blen));
  ncgt_put_u16(udp + 6, 0);
  uint32_t sum = ncgt_csum_pseudo4(src, dst, NCGT_IPPROTO_UDP,
                                   NCGT_UDP_HLEN + blen);
  uint16_t c = ncgt_csum_fold(ncgt_csum_add(sum, udp, NCGT_UDP_HLEN + blen));
  ncgt_put_u16(udp + 6, c ? c : 0xFFFF); /* RFC 768: 0 means "none" */
}

static int send_reply(ncgt_adapter *ad, const dhcp_req *q, uint8_t type,
                      uint32_t yiaddr) {
  static const uint8_t bcast[NCGT_ETH_ALEN] = {0xFF, 0xFF, 0xFF,
                                               0xFF, 0xFF, 0xFF};
  ncgt_wr w;
  uint8_t *hdrs = NULL;
  size_t max_ip = q->max_msg > NCGT_DHCP_MIN_MAX_MSG ? q->max_msg
                                                     : NCGT_DHCP_MIN_MAX_MSG;
  if (max_ip > NCGT_ETH_MTU)
    max_ip = NCGT_ETH_MTU;
  /* Table 3 of RFC 2131: ciaddr is echoed in an ACK only. */
  uint32_t ciaddr = type == NCGT_DHCPACK ? q->ciaddr : 0;
  ncgt_wr_init(&w, ad->reply, NCGT_ETH_HLEN + max_ip - 1); /* END kept */
  ncgt_wr_reserve(&w, &hdrs, HDRS_LEN);
  NCGT_ENSURE(put_bootp(&w, q, ciaddr, yiaddr));
  NCGT_ENSURE(put_options(ad, &w, q, type));
  w.cap++;
  ncgt_wr_u8(&w, NCGT_DHO_END);
  while (w.off < HDRS_LEN + NCGT_BOOTP_MIN_LEN) /* RFC 1542 2.1 */
    ncgt_wr_u8(&w, NCGT_DHO_PAD);
  NCGT_ENSURE_COND(w.err == 0, NCGT_ERR_INTERNAL);
  /* RFC 2131 4.1 (giaddr is 0 here): NAK broadcast; ciaddr set: unicast
   * to it; broadcast bit: broadcast; else unicast to chaddr / yiaddr. */
  if (type == NCGT_DHCPNAK || (!q->ciaddr && (q->flags & NCGT_DHCP_FLAG_BROADCAST)))
    put_headers(ad, bcast, 0xFFFFFFFFu, w.off - HDRS_LEN);
  else
    put_headers(ad, q->chaddr, q->ciaddr ? q->ciaddr : yiaddr,
                w.off - HDRS_LEN);
  return ncgt_adapter_emit(ad, ad->reply, w.off);
}

/* ---- requests --------------------------------------------------------- */

static int ack_or_nak(ncgt_adapter *ad, const dhcp_req *q, uint32_t addr,
                      const char *why) {
  if (addr == ad->cc.client_addr) {
    ad->st.dhcp_acks++;
    ncgt_dhcp_set_state(ad, NCGT_DHCP_BOUND);
    return send_reply(ad, q, NCGT_DHCPACK, ad->cc.client_addr);
  }
  ncgt_adapter_logf(ad, NCGT_LOG_INFO, "dhcp: NAK %s for %08x", why, addr);
  ad->st.dhcp_naks++;
  ncgt_dhcp_set_state(ad, NCGT_DHCP_NAKED);
  return send_reply(ad, q, NCGT_DHCPNAK, 0);
}

/* RFC 2131 4.3.2: the client's state is told by which of server id,
 * requested address and ciaddr it filled in. */
static int on_request(ncgt_adapter *ad, const dhcp_req *q) {
  if (q->has_srvid) { /* SELECTING */
    if (q->srvid != ad->cc.server_addr) {
      ad->st.drop_dhcp_not_for_us++; /* it chose another server */
      ncgt_dhcp_set_state(ad, NCGT_DHCP_IDLE);
      return 0;
    }
    if (!q->has_reqip) {
      ad->st.drop_dhcp_malformed++;
      return 0;
    }
    return ack_or_nak(ad, q, q->reqip, "selecting");
  }
  if (q->ciaddr) /* RENEWING (unicast) or REBINDING (broadcast) */
    return ack_or_nak(ad, q, q->ciaddr, "renewing/rebinding");
  if (q->has_reqip) /* INIT-REBOOT */
    return ack_or_nak(ad, q, q->reqip, "init-reboot");
  ad->st.drop_dhcp_malformed++;
  return 0;
}

static int on_inform(ncgt_adapter *ad, const dhcp_req *q) {
  if (q->ciaddr == 0) {
    ad->st.drop_dhcp_malformed++; /* RFC 2131 4.4.3: ciaddr is set */
    return 0;
  }
  if (q->ciaddr != ad->cc.client_addr) {
    ad->st.drop_dhcp_not_for_us++;
    return 0;
  }
  ad->st.dhcp_inform_acks++;
  return send_reply(ad, q, NCGT_DHCPACK, 0); /* no yiaddr, no lease */
}

/* RELEASE / DECLINE carry our server id (RFC 2131 table 5). */
static int on_release_decline(ncgt_adapter *ad, const dhcp_req *q) {
  if (q->has_srvid && q->srvid != ad->cc.server_addr) {
    ad->st.drop_dhcp_not_for_us++;
    return 0;
  }
  if (q->type == NCGT_DHCPRELEASE) {
    ad->st.dhcp_releases++;
    ncgt_dhcp_set_state(ad, NCGT_DHCP_RELEASED);
    return 0;
  }
  /* The client found our address in use on its link: nothing here can
   * fix that, but an operator must hear of it. */
  ad->st.dhcp_declines++;
  ncgt_adapter_logf(ad, NCGT_LOG_WARN, "dhcp: client declined %08x",
                    q->has_reqip ? q->reqip : 0);
  ncgt_dhcp_set_state(ad, NCGT_DHCP_DECLINED);
  return 0;
}

static int dispatch(ncgt_adapter *ad, const dhcp_req *q) {
  switch (q->type) {
  case NCGT_DHCPDISCOVER:
    ad->st.dhcp_offers++;
    ncgt_dhcp_set_state(ad, NCGT_DHCP_OFFERED);
    return send_reply(ad, q, NCGT_DHCPOFFER, ad->cc.client_addr);
  case NCGT_DHCPREQUEST:
    return on_request(ad, q);
  case NCGT_DHCPINFORM:
    return on_inform(ad, q);
  case NCGT_DHCPRELEASE:
  case NCGT_DHCPDECLINE:
    return on_release_decline(ad, q);
  default: /* 0 (plain BOOTP), server-to-client types, unknown */
    ad->st.drop_dhcp_unsupported++;
    return 0;
  }
}

int ncgt_dhcp_input(ncgt_adapter *ad, const ncgt_ip *ip) {
  ncgt_rd r;
  uint16_t sport = 0, dport = 0, ulen = 0, usum = 0;
  dhcp_req q;
  ncgt_rd_init(&r, ip->p, ip->len);
  ncgt_rd_skip(&r, ip->hlen);
  ncgt_rd_u16(&r, &sport);
  ncgt_rd_u16(&r, &dport);
  ncgt_rd_u16(&r, &ulen);
  ncgt_rd_u16(&r, &usum);
  /* The UDP length must agree with the IP length (ip->len is trimmed). */
  if (r.err || ulen < NCGT_UDP_HLEN || ulen != ip->len - ip->hlen ||
      (ip->frag & NCGT_IPV4_FLAG_MF)) {
    ad->st.drop_dhcp_malformed++;
    return 0;
  }
  if (sport != NCGT_DHCP_CLIENT_PORT) { /* a relay agent's, not a client's */
    ad->st.drop_dhcp_not_for_us++;
    return 0;
  }
  if (req_parse(&q, &r) < 0) {
    ad->st.drop_dhcp_malformed++;
    return 0;
  }
  if (q.op != NCGT_BOOTREQUEST || q.giaddr != 0) {
    ad->st.drop_dhcp_not_for_us++;
    return 0;
  }
  if (q.htype != NCGT_ARP_HTYPE_ETHER || q.hlen != NCGT_ETH_ALEN ||
      q.type == 0) {
    ad->st.drop_dhcp_unsupported++;
    return 0;
  }
  /* Replies may go unicast to chaddr (RFC 2131 4.1): like the ARP
   * emulator's requester, it must be an address we can answer to. */
  if (q.chaddr[0] & 1) {
    ad->st.drop_dhcp_malformed++;
    return 0;
  }
  if (!ad->have_cc) {
    ad->st.drop_no_config++;
    return 0;
  }
  return dispatch(ad, &q);
}
