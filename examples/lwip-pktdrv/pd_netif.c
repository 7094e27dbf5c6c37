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
  if (flag == PDRV_RCV_GET_BUFFER) {
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
  uint8_t frame[PDRV_FRAME_MAX];
  if (p->tot_len > sizeof(frame))
    return ERR_BUF;
  u16_t n = pbuf_copy_partial(p, frame, p->tot_len, 0);
  pthread_mutex_lock(pn->lock);
  int rc = pdrv_send_pkt(pn->pd, frame, n);
  pthread_mutex_unlock(pn->lock);
  return rc == PDRV_OK ? ERR_OK : ERR_IF;
}

err_t pd_netif_init(struct netif *netif) {
  pd_netif *pn = netif->state;
  pdrv_info info;
  size_t alen = 0;
  err_t err = ERR_IF;
  pthread_mutex_lock(pn->lock);
  (void)pdrv_driver_info(pn->pd, &info);
  if (info.if_class != PDRV_CLASS_ETHERNET ||
      info.functionality == PDRV_FUNC_NOT_INSTALLED)
    goto out;
  if (pdrv_access_type(pn->pd, PDRV_CLASS_ETHERNET, PDRV_TYPE_ANY,
                          PDRV_NUMBER_ANY, TYPE_IP, sizeof(TYPE_IP),
                          receiver, netif, &pn->h_ip) != PDRV_OK)
    goto out;
  if (pdrv_access_type(pn->pd, PDRV_CLASS_ETHERNET, PDRV_TYPE_ANY,
                          PDRV_NUMBER_ANY, TYPE_ARP, sizeof(TYPE_ARP),
                          receiver, netif, &pn->h_arp) != PDRV_OK) {
    (void)pdrv_release_type(pn->pd, pn->h_ip);
    goto out;
  }
  if (pdrv_get_address(pn->pd, pn->h_ip, netif->hwaddr,
                          sizeof(netif->hwaddr), &alen) != PDRV_OK)
    goto out;
  netif->hwaddr_len = (u8_t)alen;
  netif->mtu = PDRV_FRAME_MAX - PDRV_ETH_HDR_LEN;
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
  (void)pdrv_release_type(pn->pd, pn->h_arp);
  (void)pdrv_release_type(pn->pd, pn->h_ip);
  pthread_mutex_unlock(pn->lock);
}
