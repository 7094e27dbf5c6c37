/* pd_tunnel.h when the cli/ common library is not built: no tunnel. */
#include "pd_tunnel.h"

#include <stdio.h>

int pd_tunnel_open(pd_tunnel **out, const char *client_conf,
                   pdrv_shim *shim, pdrv_adlink *adl, char *err,
                   size_t errlen) {
  (void)out;
  (void)client_conf;
  (void)shim;
  (void)adl;
  snprintf(err, errlen, "built without the cli/ tunnel code (no -C)");
  return -1;
}
void pd_tunnel_close(pd_tunnel *t) { (void)t; }
int pd_tunnel_fd(const pd_tunnel *t) {
  (void)t;
  return -1;
}
int pd_tunnel_timeout_ms(const pd_tunnel *t) {
  (void)t;
  return 100;
}
void pd_tunnel_dispatch(pd_tunnel *t) { (void)t; }
int pd_tunnel_up(const pd_tunnel *t) {
  (void)t;
  return 0;
}
