/*
 * Packet Driver Specification 1.11 emulation: handle table, packet-type
 * demultiplexing, receive modes, the two-call receiver and the interface
 * statistics. What lies below (lower driver, tunnel, policy) is reached
 * only through pdrv_port.
 */
#include "pktdrv.h"

#include <stdlib.h>
#include <string.h>

enum { TYPE_MAX = PDRV_FRAME_MAX - PDRV_TYPE_OFFSET };

typedef struct pd_handle {
  int in_use;
  pdrv_receiver receiver;
  void *user_data;
  size_t typelen;
  uint8_t type[TYPE_MAX];
} pd_handle;

struct pdrv {
  pdrv_port port;
  uint8_t addr[PDRV_ADDR_LEN];
  uint8_t number;
  char name[PDRV_NAME_MAX];
  int mode;
  int terminated;
  uint8_t mcast[PDRV_MAX_MULTICAST][PDRV_ADDR_LEN];
  size_t nmcast;
  pdrv_stats stats;
  pd_handle h[PDRV_MAX_HANDLES];
};

static const char *const err_names[] = {
    "OK",           "BAD_HANDLE", "NO_CLASS",    "NO_TYPE",
    "NO_NUMBER",    "BAD_TYPE",   "NO_MULTICAST", "CANT_TERMINATE",
    "BAD_MODE",     "NO_SPACE",   "TYPE_INUSE",  "BAD_COMMAND",
    "CANT_SEND",    "CANT_SET",   "BAD_ADDRESS", "CANT_RESET",
};

const char *pdrv_strerror(int err) {
  if (err < 0 || (size_t)err >= sizeof(err_names) / sizeof(err_names[0]))
    return "UNKNOWN";
  return err_names[err];
}

int pdrv_new(pdrv **ppd, const pdrv_port *port,
                const uint8_t addr[PDRV_ADDR_LEN], uint8_t number,
                const char *name) {
  pdrv *pd = calloc(1, sizeof(*pd));
  if (!pd)
    return -1;
  pd->port = *port;
  memcpy(pd->addr, addr, PDRV_ADDR_LEN);
  pd->number = number;
  strncpy(pd->name, name ? name : "NCGTUN", sizeof(pd->name) - 1);
  pd->mode = PDRV_MODE_BROADCAST; /* 1.11: mode 3 is the default */
  *ppd = pd;
  return 0;
}

void pdrv_del(pdrv *pd) { free(pd); }

/* Handles are slot index + 1, so 0 is never a valid handle. */
static pd_handle *get_handle(const pdrv *pd, int handle) {
  if (pd->terminated || handle < 1 || handle > PDRV_MAX_HANDLES)
    return NULL;
  const pd_handle *h = &pd->h[handle - 1];
  return h->in_use ? (pd_handle *)h : NULL;
}

size_t pdrv_handle_count(const pdrv *pd) {
  size_t n = 0;
  for (size_t i = 0; i < PDRV_MAX_HANDLES; i++)
    n += pd->h[i].in_use ? 1 : 0;
  return n;
}

void pdrv_own_address(const pdrv *pd, uint8_t addr[PDRV_ADDR_LEN]) {
  memcpy(addr, pd->addr, PDRV_ADDR_LEN);
}

int pdrv_driver_info(const pdrv *pd, pdrv_info *out) {
  out->version = 1;
  out->if_class = PDRV_CLASS_ETHERNET;
  out->if_type = PDRV_TYPE_NCGTUN;
  out->if_number = pd->number;
  out->name = pd->name;
  out->functionality =
      pd->terminated ? PDRV_FUNC_NOT_INSTALLED : PDRV_FUNC_EXTENDED;
  return PDRV_OK;
}

/* ---- access_type / release_type -------------------------------------- */

static int same_type(const pd_handle *h, const uint8_t *type, size_t len) {
  return h->typelen == len && (len == 0 || memcmp(h->type, type, len) == 0);
}

static int check_interface(const pdrv *pd, int if_class, int if_type,
                           int if_number) {
  if (if_class != PDRV_CLASS_ETHERNET)
    return PDRV_NO_CLASS;
  if (if_type != PDRV_TYPE_ANY && if_type != PDRV_TYPE_NCGTUN)
    return PDRV_NO_TYPE;
  if (if_number != PDRV_NUMBER_ANY && if_number != pd->number)
    return PDRV_NO_NUMBER;
  return PDRV_OK;
}

int pdrv_access_type(pdrv *pd, int if_class, int if_type,
                        int if_number, const uint8_t *type, size_t typelen,
                        pdrv_receiver receiver, void *user_data,
                        int *handle) {
  if (pd->terminated)
    return PDRV_BAD_COMMAND;
  int err = check_interface(pd, if_class, if_type, if_number);
  if (err)
    return err;
  if (!receiver || (typelen > 0 && !type) || typelen > TYPE_MAX)
    return PDRV_BAD_TYPE;
  pd_handle *free_slot = NULL;
  for (size_t i = 0; i < PDRV_MAX_HANDLES; i++) {
    pd_handle *h = &pd->h[i];
    if (h->in_use && same_type(h, type, typelen))
      return PDRV_TYPE_INUSE;
    if (!h->in_use && !free_slot)
      free_slot = h;
  }
  if (!free_slot)
    return PDRV_NO_SPACE;
  free_slot->in_use = 1;
  free_slot->receiver = receiver;
  free_slot->user_data = user_data;
  free_slot->typelen = typelen;
  if (typelen)
    memcpy(free_slot->type, type, typelen);
  *handle = (int)(free_slot - pd->h) + 1;
  return PDRV_OK;
}

int pdrv_release_type(pdrv *pd, int handle) {
  pd_handle *h = get_handle(pd, handle);
  if (!h)
    return PDRV_BAD_HANDLE;
  memset(h, 0, sizeof(*h));
  return PDRV_OK;
}

int pdrv_terminate(pdrv *pd, int handle) {
  pd_handle *h = get_handle(pd, handle);
  if (!h)
    return PDRV_BAD_HANDLE;
  if (pdrv_handle_count(pd) > 1)
    return PDRV_CANT_TERMINATE;
  memset(h, 0, sizeof(*h));
  pd->terminated = 1;
  if (pd->port.terminated)
    pd->port.terminated(pd->port.ctx);
  return PDRV_OK;
}

/* ---- send ------------------------------------------------------------ */

int pdrv_send_pkt(pdrv *pd, const uint8_t *buf, size_t len) {
  if (pd->terminated)
    return PDRV_BAD_COMMAND;
  if (!buf || len < PDRV_ETH_HDR_LEN || len > PDRV_FRAME_MAX ||
      pd->port.send(buf, len, pd->port.ctx) != 0) {
    pd->stats.errors_out++;
    return PDRV_CANT_SEND;
  }
  pd->stats.packets_out++;
  pd->stats.bytes_out += (uint32_t)len;
  return PDRV_OK;
}

/* ---- receive --------------------------------------------------------- */

static const uint8_t bcast[PDRV_ADDR_LEN] = {0xff, 0xff, 0xff,
                                                0xff, 0xff, 0xff};

static int in_mcast_list(const pdrv *pd, const uint8_t *dst) {
  for (size_t i = 0; i < pd->nmcast; i++)
    if (memcmp(pd->mcast[i], dst, PDRV_ADDR_LEN) == 0)
      return 1;
  return 0;
}

/* Does the receive mode (set_rcv_mode) let a frame to `dst` in? */
static int mode_accepts(const pdrv *pd, const uint8_t *dst) {
  int group = dst[0] & 1;
  int broadcast = memcmp(dst, bcast, PDRV_ADDR_LEN) == 0;
  switch (pd->mode) {
  case PDRV_MODE_PROMISC:
    return 1;
  case PDRV_MODE_ALL_MULTICAST:
    if (group)
      return 1;
    break;
  case PDRV_MODE_MULTICAST:
    if (broadcast || (group && in_mcast_list(pd, dst)))
      return 1;
    break;
  case PDRV_MODE_BROADCAST:
    if (broadcast)
      return 1;
    break;
  case PDRV_MODE_DIRECT:
    break;
  default: /* OFF */
    return 0;
  }
  return !group && memcmp(dst, pd->addr, PDRV_ADDR_LEN) == 0;
}

/* The handle whose type is the longest match for the frame (typelen-0
 * handles match everything with the shortest possible match). Equal types
 * cannot both be open, so there is no tie; on a tie the lowest handle
 * would win. */
static pd_handle *find_handle(pdrv *pd, const uint8_t *frame, size_t len) {
  pd_handle *best = NULL;
  size_t avail = len - PDRV_TYPE_OFFSET;
  for (size_t i = 0; i < PDRV_MAX_HANDLES; i++) {
    pd_handle *h = &pd->h[i];
    if (!h->in_use || h->typelen > avail)
      continue;
    if (h->typelen &&
        memcmp(h->type, frame + PDRV_TYPE_OFFSET, h->typelen) != 0)
      continue;
    if (!best || h->typelen > best->typelen)
      best = h;
  }
  return best;
}

int pdrv_input(pdrv *pd, const uint8_t *frame, size_t len) {
  if (pd->terminated)
    return -1;
  if (len < PDRV_ETH_HDR_LEN || len > PDRV_FRAME_MAX) {
    pd->stats.errors_in++;
    return -1;
  }
  if (!mode_accepts(pd, frame))
    return -1;
  pd_handle *h = find_handle(pd, frame, len);
  if (!h)
    return -1;
  int handle = (int)(h - pd->h) + 1;
  /* Copy what the second call needs: the receiver may release its handle
   * from inside the first call. */
  pdrv_receiver rcv = h->receiver;
  void *ud = h->user_data;
  size_t cap = len;
  uint8_t *buf = rcv(handle, PDRV_RCV_GET_BUFFER, len, NULL, &cap, ud);
  if (!buf) {
    pd->stats.packets_lost++;
    return -1;
  }
  size_t n = cap < len ? cap : len;
  memcpy(buf, frame, n);
  pd->stats.packets_in++;
  pd->stats.bytes_in += (uint32_t)n;
  rcv(handle, PDRV_RCV_COPIED, n, buf, &cap, ud);
  return handle;
}

/* ---- address, reset, modes, multicast, statistics ------------------- */

int pdrv_get_address(const pdrv *pd, int handle, uint8_t *buf,
                        size_t cap, size_t *len) {
  if (!get_handle(pd, handle))
    return PDRV_BAD_HANDLE;
  if (cap < PDRV_ADDR_LEN)
    return PDRV_NO_SPACE;
  memcpy(buf, pd->addr, PDRV_ADDR_LEN);
  *len = PDRV_ADDR_LEN;
  return PDRV_OK;
}

int pdrv_reset_interface(pdrv *pd, int handle) {
  if (!get_handle(pd, handle))
    return PDRV_BAD_HANDLE;
  if (pdrv_handle_count(pd) > 1)
    return PDRV_CANT_RESET;
  if (pd->port.reset && pd->port.reset(pd->port.ctx) != 0)
    return PDRV_CANT_RESET;
  pd->mode = PDRV_MODE_BROADCAST;
  pd->nmcast = 0;
  if (pd->port.set_mode)
    (void)pd->port.set_mode(pd->mode, pd->port.ctx);
  if (pd->port.set_multicast)
    (void)pd->port.set_multicast(&pd->mcast[0][0], 0, pd->port.ctx);
  return PDRV_OK;
}

int pdrv_set_rcv_mode(pdrv *pd, int handle, int mode) {
  if (!get_handle(pd, handle))
    return PDRV_BAD_HANDLE;
  if (mode < PDRV_MODE_OFF || mode > PDRV_MODE_PROMISC)
    return PDRV_BAD_MODE;
  if (pd->port.set_mode && pd->port.set_mode(mode, pd->port.ctx) != 0)
    return PDRV_BAD_MODE;
  pd->mode = mode;
  return PDRV_OK;
}

int pdrv_get_rcv_mode(const pdrv *pd, int handle, int *mode) {
  if (!get_handle(pd, handle))
    return PDRV_BAD_HANDLE;
  *mode = pd->mode;
  return PDRV_OK;
}

int pdrv_set_multicast_list(pdrv *pd, const uint8_t *addrs,
                               size_t len) {
  if (pd->terminated)
    return PDRV_BAD_COMMAND;
  if (!pd->port.set_multicast)
    return PDRV_NO_MULTICAST;
  if (len % PDRV_ADDR_LEN != 0 || (len && !addrs))
    return PDRV_BAD_ADDRESS;
  size_t n = len / PDRV_ADDR_LEN;
  if (n > PDRV_MAX_MULTICAST)
    return PDRV_NO_SPACE;
  for (size_t i = 0; i < n; i++)
    if (!(addrs[i * PDRV_ADDR_LEN] & 1))
      return PDRV_BAD_ADDRESS;
  uint8_t list[PDRV_MAX_MULTICAST][PDRV_ADDR_LEN];
  if (n)
    memcpy(list, addrs, len);
  if (pd->port.set_multicast(&list[0][0], n, pd->port.ctx) != 0)
    return PDRV_NO_SPACE;
  memcpy(pd->mcast, list, len);
  pd->nmcast = n;
  return PDRV_OK;
}

int pdrv_get_multicast_list(const pdrv *pd, const uint8_t **addrs,
                               size_t *len) {
  if (pd->terminated)
    return PDRV_BAD_COMMAND;
  if (!pd->port.set_multicast)
    return PDRV_NO_MULTICAST;
  *addrs = &pd->mcast[0][0];
  *len = pd->nmcast * PDRV_ADDR_LEN;
  return PDRV_OK;
}

int pdrv_get_statistics(const pdrv *pd, int handle, pdrv_stats *st) {
  if (!get_handle(pd, handle))
    return PDRV_BAD_HANDLE;
  *st = pd->stats;
  return PDRV_OK;
}

int pdrv_set_address(pdrv *pd, int handle, const uint8_t *addr,
                        size_t len) {
  if (!get_handle(pd, handle))
    return PDRV_BAD_HANDLE;
  if (!addr || len != PDRV_ADDR_LEN || (addr[0] & 1))
    return PDRV_BAD_ADDRESS;
  if (!pd->port.set_address)
    return PDRV_BAD_COMMAND;
  if (pdrv_handle_count(pd) > 1 ||
      pd->port.set_address(addr, pd->port.ctx) != 0)
    return PDRV_CANT_SET;
  memcpy(pd->addr, addr, PDRV_ADDR_LEN);
  return PDRV_OK;
}
