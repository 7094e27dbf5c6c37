/*
 * ARP server emulator (patent Fig. 17 steps 324-328): a request for an
 * address that lives across the tunnel gets a reply with the reserved MAC,
 * as if that node were on the same Ethernet.
 *
 * It never answers:
 *  - an RFC 5227 probe (sender IP 0) or announcement / gratuitous ARP
 *    (sender IP == target IP): a reply means "address in use", and real
 *    DHCP clients then DECLINE their lease (RFC 2131 4.4.1);
 *  - a request for the stack's own address (client: its tunnel address;
 *    server: the server's), for the same reason;
 *  - before the client data is known (client role): we would not know
 *    which address is the client's own.
 */
#include <string.h>

#include "ncgt_adapter_int.h"
#include "ncgt_inet.h"

typedef struct arp_pkt {
  uint16_t htype, ptype, op;
  uint8_t hlen, plen;
  const uint8_t *sha, *spa, *tha, *tpa;
} arp_pkt;

static int arp_parse(arp_pkt *a, const uint8_t *p, size_t len) {
  ncgt_rd r;
  ncgt_rd_init(&r, p, len);
  ncgt_rd_u16(&r, &a->htype);
  ncgt_rd_u16(&r, &a->ptype);
  ncgt_rd_u8(&r, &a->hlen);
  ncgt_rd_u8(&r, &a->plen);
  ncgt_rd_u16(&r, &a->op);
  NCGT_ENSURE(r.err);
  NCGT_ENSURE_COND(a->htype == NCGT_ARP_HTYPE_ETHER &&
                       a->ptype == NCGT_ARP_PTYPE_IPV4 &&
                       a->hlen == NCGT_ETH_ALEN &&
                       a->plen == NCGT_ARP_PLEN_IPV4,
                   NCGT_ERR_BAD_VALUE);
  ncgt_rd_ptr(&r, &a->sha, NCGT_ETH_ALEN);
  ncgt_rd_ptr(&r, &a->spa, NCGT_ARP_PLEN_IPV4);
  ncgt_rd_ptr(&r, &a->tha, NCGT_ETH_ALEN);
  ncgt_rd_ptr(&r, &a->tpa, NCGT_ARP_PLEN_IPV4);
  NCGT_ENSURE(r.err);
  /* The requester's hardware address must be one we can answer to. */
  NCGT_ENSURE_COND(!(a->sha[0] & 1), NCGT_ERR_BAD_VALUE);
  return 0;
}

/* Do we stand for `tpa`? Client: every address across the tunnel, i.e.
 * every ordinary unicast address but the client's own and its subnet's
 * network/broadcast addresses. Server: the other hosts of the server's
 * tunnel subnet (the tunnel clients). */
static int stands_for(const ncgt_adapter *ad, uint32_t tpa) {
  uint32_t m = ncgt_prefix_mask(ad->prefix_len);
  int in_subnet = (tpa & m) == (ad->local_addr & m);
  if (ncgt_ip4_is_special(tpa))
    return 0;
  if (in_subnet && ((tpa & ~m) == 0 || (tpa & ~m) == ~m))
    return 0;
  return ad->s.role == NCGT_ADAPTER_CLIENT || in_subnet;
}

int ncgt_arp_input(ncgt_adapter *ad, const uint8_t *p, size_t len) {
  arp_pkt a;
  ncgt_wr w;
  if (arp_parse(&a, p, len) < 0) {
    ad->st.drop_arp_malformed++;
    return 0;
  }
  if (a.op != NCGT_ARP_OP_REQUEST) {
    ad->st.drop_arp_not_request++;
    return 0;
  }
  uint32_t spa = ncgt_ip4_get(a.spa), tpa = ncgt_ip4_get(a.tpa);
  if (spa == 0 || spa == tpa) { /* RFC 5227 2.1.1 probe, 2.3 announce */
    ad->st.drop_arp_probe++;
    return 0;
  }
  if (ad->local_addr == 0) {
    ad->st.drop_no_config++;
    return 0;
  }
  if (tpa == ad->local_addr) {
    ad->st.drop_arp_own++;
    return 0;
  }
  if (!stands_for(ad, tpa)) {
    ad->st.drop_arp_not_ours++;
    return 0;
  }
  /* RFC 826 "packet reception": swap sender and target, op = reply. */
  ncgt_wr_init(&w, ad->reply, sizeof ad->reply);
  ncgt_wr_eth(&w, a.sha, ad->peer_mac, NCGT_ETHERTYPE_ARP);
  ncgt_wr_u16(&w, NCGT_ARP_HTYPE_ETHER);
  ncgt_wr_u16(&w, NCGT_ARP_PTYPE_IPV4);
  ncgt_wr_u8(&w, NCGT_ETH_ALEN);
  ncgt_wr_u8(&w, NCGT_ARP_PLEN_IPV4);
  ncgt_wr_u16(&w, NCGT_ARP_OP_REPLY);
  ncgt_wr_bytes(&w, ad->peer_mac, NCGT_ETH_ALEN);
  ncgt_wr_bytes(&w, a.tpa, NCGT_ARP_PLEN_IPV4);
  ncgt_wr_bytes(&w, a.sha, NCGT_ETH_ALEN);
  ncgt_wr_bytes(&w, a.spa, NCGT_ARP_PLEN_IPV4);
  NCGT_ENSURE_COND(w.err == 0, NCGT_ERR_INTERNAL);
  ad->st.arp_replies++;
  return ncgt_adapter_emit(ad, ad->reply, w.off);
}
