/*
 * Tunnel-side link over libncgtun's pseudo adapter (see the header).
 */
#include "pd_link_adapter.h"

#include <stdlib.h>
#include <string.h>

#include <ncgtun/frame.h>

struct pdrv_adlink {
  pdrv_shim *shim;
  ncgt_adapter *ad;
};

/* Adapter -> stack: ARP/DHCP replies, ICMP, datagrams from the tunnel. */
static int ad_to_stack(const uint8_t *frame, size_t len, void *user_data) {
  pdrv_adlink *l = user_data;
  (void)pdrv_shim_link_to_stack(l->shim, frame, len);
  return 0; /* a frame no stack wanted is not the adapter's failure */
}

/* Adapter -> tunnel. The shim's policy only sends IPv4 this way. */
static int ad_to_tunnel(uint8_t proto, const uint8_t *dg, size_t len,
                        void *user_data) {
  pdrv_adlink *l = user_data;
  if (proto != NCGT_DATA_PROTO_IPV4)
    return -1;
  return pdrv_shim_link_to_tunnel(l->shim, dg, len) == 0 ? 0 : -1;
}

static int link_from_stack(uint8_t *frame, size_t len, void *ctx) {
  pdrv_adlink *l = ctx;
  return ncgt_adapter_from_stack(l->ad, frame, len) < 0 ? -1 : 0;
}

static int link_from_tunnel(const uint8_t *dg, size_t len, void *ctx) {
  pdrv_adlink *l = ctx;
  return ncgt_adapter_from_tunnel(l->ad, dg, len, 0) < 0 ? -1 : 0;
}

int pdrv_adlink_new(pdrv_adlink **out, pdrv_shim *shim,
                       const uint8_t server_mac[6], const uint8_t stack_mac[6],
                       uint16_t mtu) {
  pdrv_adlink *l = calloc(1, sizeof(*l));
  if (!l)
    return NCGT_ERR_NOMEM;
  ncgt_adapter_settings s;
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_CLIENT);
  memcpy(s.server_mac, server_mac, sizeof(s.server_mac));
  memcpy(s.stack_mac, stack_mac, sizeof(s.stack_mac));
  if (mtu)
    s.mtu = mtu;
  ncgt_adapter_callbacks cb = {
      .version = NCGT_ADAPTER_CALLBACKS_VERSION,
      .to_stack = ad_to_stack,
      .to_tunnel = ad_to_tunnel,
  };
  int rc = ncgt_adapter_new(&l->ad, &s, &cb, l);
  if (rc != 0) {
    free(l);
    return rc;
  }
  l->shim = shim;
  pdrv_link link = {link_from_stack, link_from_tunnel, l};
  pdrv_shim_set_link(shim, &link);
  *out = l;
  return 0;
}

void pdrv_adlink_del(pdrv_adlink *l) {
  if (!l)
    return;
  pdrv_shim_set_link(l->shim, NULL);
  ncgt_adapter_del(l->ad);
  free(l);
}

int pdrv_adlink_set_client_data(pdrv_adlink *l, const uint8_t *opts,
                                   size_t len) {
  ncgt_client_config cc;
  int rc = ncgt_client_config_decode(&cc, opts, len);
  if (rc != 0)
    return rc;
  rc = ncgt_adapter_set_client_data(l->ad, opts, len);
  if (rc != 0)
    return rc;
  pdrv_shim_set_tunnel_addr(l->shim, cc.client_addr);
  return 0;
}

void pdrv_adlink_get_stats(const pdrv_adlink *l,
                              ncgt_adapter_stats *st) {
  ncgt_adapter_get_stats(l->ad, st, sizeof(*st));
}
