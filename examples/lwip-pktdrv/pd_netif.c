/*
 * lwIP netif over the packet-driver interface (see pd_netif.h).
 */
#include "pd_netif.h"

#include <string.h>

#include <lwip/etharp.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>
#include <netif/ethernet.h>

static const uint8_t TYPE_IP[2] = {0x08, 0x00};
static const uint8_t TYPE_ARP[2] = {0x08, 0x06};

/* Frames between the two receiver calls. The second call gets back the
 * buffer the first returned; this maps it to its pbuf. Nested deliveries
 * (a reply delivered while the stack sends) need more than one slot. */
enum { PENDING = 4 };
static struct pbuf *pending[PENDING];

static struct pbuf *take_pending(const uint8_t *buf) {
  for (int i = 0; i < PENDING; i++)
    if (pending[i] && pending[i]->payload == buf) {
      struct pbuf *p = pending[i];
      pending[i] = NULL;
      return p;
    }
  return NULL;
}

/* The receiver: first call allocates a pbuf for the whole frame (or
 * refuses: the driver counts the packet lost), second call hands the
 * filled pbuf to lwIP's tcpip thread. */
static uint8_t *receiver(int handle, int flag, size_t len, uint8_t *buf,
                         size_t *cap, void *user_data) {
  struct netif *netif = user_data;
  pd_netif *pn = netif->state;
  (void)handle;
  if (flag == NCGT_PD_RCV_GET_BUFFER) {
    int slot = -1;
    for (int i = 0; i < PENDING && slot < 0; i++)
      if (!pending[i])
        slot = i;
    struct pbuf *p =
        slot < 0 ? NULL : pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
    if (!p) {
      pn->rx_dropped++;
      return NULL;
    }
    pending[slot] = p;
    *cap = p->len;
    return p->payload;
  }
  struct pbuf *p = take_pending(buf);
  if (!p)
    return NULL;
  pbuf_realloc(p, (u16_t)len);
  if (netif->input(p, netif) != ERR_OK)
    pbuf_free(p);
  return NULL;
}

static err_t linkoutput(struct netif *netif, struct pbuf *p) {
  pd_netif *pn = netif->state;
  uint8_t frame[NCGT_PD_FRAME_MAX];
  if (p->tot_len > sizeof(frame))
    return ERR_BUF;
  u16_t n = pbuf_copy_partial(p, frame, p->tot_len, 0);
  pthread_mutex_lock(pn->lock);
  int rc = ncgt_pd_send_pkt(pn->pd, frame, n);
  pthread_mutex_unlock(pn->lock);
  return rc == NCGT_PD_OK ? ERR_OK : ERR_IF;
}

err_t pd_netif_init(struct netif *netif) {
  pd_netif *pn = netif->state;
  ncgt_pd_info info;
  size_t alen = 0;
  err_t err = ERR_IF;
  pthread_mutex_lock(pn->lock);
  (void)ncgt_pd_driver_info(pn->pd, &info);
  if (info.if_class != NCGT_PD_CLASS_ETHERNET ||
      info.functionality == NCGT_PD_FUNC_NOT_INSTALLED)
    goto out;
  if (ncgt_pd_access_type(pn->pd, NCGT_PD_CLASS_ETHERNET, NCGT_PD_TYPE_ANY,
                          NCGT_PD_NUMBER_ANY, TYPE_IP, sizeof(TYPE_IP),
                          receiver, netif, &pn->h_ip) != NCGT_PD_OK)
    goto out;
  if (ncgt_pd_access_type(pn->pd, NCGT_PD_CLASS_ETHERNET, NCGT_PD_TYPE_ANY,
                          NCGT_PD_NUMBER_ANY, TYPE_ARP, sizeof(TYPE_ARP),
                          receiver, netif, &pn->h_arp) != NCGT_PD_OK) {
    (void)ncgt_pd_release_type(pn->pd, pn->h_ip);
    goto out;
  }
  if (ncgt_pd_get_address(pn->pd, pn->h_ip, netif->hwaddr,
                          sizeof(netif->hwaddr), &alen) != NCGT_PD_OK)
    goto out;
  netif->hwaddr_len = (u8_t)alen;
  netif->mtu = NCGT_PD_FRAME_MAX - NCGT_PD_ETH_HDR_LEN;
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
                 NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  netif->name[0] = 'p';
  netif->name[1] = 'd';
  netif->output = etharp_output;
  netif->linkoutput = linkoutput;
  err = ERR_OK;
out:
  pthread_mutex_unlock(pn->lock);
  return err;
}

void pd_netif_release(pd_netif *pn) {
  pthread_mutex_lock(pn->lock);
  (void)ncgt_pd_release_type(pn->pd, pn->h_arp);
  (void)ncgt_pd_release_type(pn->pd, pn->h_ip);
  pthread_mutex_unlock(pn->lock);
}
