/*
 * Packet Driver Specification 1.11 emulation: handle table, packet-type
 * demultiplexing, receive modes, the two-call receiver and the interface
 * statistics. What lies below (lower driver, tunnel, policy) is reached
 * only through ncgt_pd_port.
 */
#include "pktdrv.h"

#include <stdlib.h>
#include <string.h>

enum { TYPE_MAX = NCGT_PD_FRAME_MAX - NCGT_PD_TYPE_OFFSET };

typedef struct pd_handle {
  int in_use;
  ncgt_pd_receiver receiver;
  void *user_data;
  size_t typelen;
  uint8_t type[TYPE_MAX];
} pd_handle;

struct ncgt_pd {
  ncgt_pd_port port;
  uint8_t addr[NCGT_PD_ADDR_LEN];
  uint8_t number;
  char name[NCGT_PD_NAME_MAX];
  int mode;
  int terminated;
  uint8_t mcast[NCGT_PD_MAX_MULTICAST][NCGT_PD_ADDR_LEN];
  size_t nmcast;
  ncgt_pd_stats stats;
  pd_handle h[NCGT_PD_MAX_HANDLES];
};

static const char *const err_names[] = {
    "OK",           "BAD_HANDLE", "NO_CLASS",    "NO_TYPE",
    "NO_NUMBER",    "BAD_TYPE",   "NO_MULTICAST", "CANT_TERMINATE",
    "BAD_MODE",     "NO_SPACE",   "TYPE_INUSE",  "BAD_COMMAND",
    "CANT_SEND",    "CANT_SET",   "BAD_ADDRESS", "CANT_RESET",
};

const char *ncgt_pd_strerror(int err) {
  if (err < 0 || (size_t)err >= sizeof(err_names) / sizeof(err_names[0]))
    return "UNKNOWN";
  return err_names[err];
}

int ncgt_pd_new(ncgt_pd **ppd, const ncgt_pd_port *port,
                const uint8_t addr[NCGT_PD_ADDR_LEN], uint8_t number,
                const char *name) {
  ncgt_pd *pd = calloc(1, sizeof(*pd));
  if (!pd)
    return -1;
  pd->port = *port;
  memcpy(pd->addr, addr, NCGT_PD_ADDR_LEN);
  pd->number = number;
  strncpy(pd->name, name ? name : "NCGTUN", sizeof(pd->name) - 1);
  pd->mode = NCGT_PD_MODE_BROADCAST; /* 1.11: mode 3 is the default */
  *ppd = pd;
  return 0;
}

void ncgt_pd_del(ncgt_pd *pd) { free(pd); }

/* Handles are slot index + 1, so 0 is never a valid handle. */
static pd_handle *get_handle(const ncgt_pd *pd, int handle) {
  if (pd->terminated || handle < 1 || handle > NCGT_PD_MAX_HANDLES)
    return NULL;
  const pd_handle *h = &pd->h[handle - 1];
  return h->in_use ? (pd_handle *)h : NULL;
}

size_t ncgt_pd_handle_count(const ncgt_pd *pd) {
  size_t n = 0;
  for (size_t i = 0; i < NCGT_PD_MAX_HANDLES; i++)
    n += pd->h[i].in_use ? 1 : 0;
  return n;
}

void ncgt_pd_own_address(const ncgt_pd *pd, uint8_t addr[NCGT_PD_ADDR_LEN]) {
  memcpy(addr, pd->addr, NCGT_PD_ADDR_LEN);
}

int ncgt_pd_driver_info(const ncgt_pd *pd, ncgt_pd_info *out) {
  out->version = 1;
  out->if_class = NCGT_PD_CLASS_ETHERNET;
  out->if_type = NCGT_PD_TYPE_NCGTUN;
  out->if_number = pd->number;
  out->name = pd->name;
  out->functionality =
      pd->terminated ? NCGT_PD_FUNC_NOT_INSTALLED : NCGT_PD_FUNC_EXTENDED;
  return NCGT_PD_OK;
}

/* ---- access_type / release_type -------------------------------------- */

static int same_type(const pd_handle *h, const uint8_t *type, size_t len) {
  return h->typelen == len && (len == 0 || memcmp(h->type, type, len) == 0);
}

static int check_interface(const ncgt_pd *pd, int if_class, int if_type,
                           int if_number) {
  if (if_class != NCGT_PD_CLASS_ETHERNET)
    return NCGT_PD_NO_CLASS;
  if (if_type != NCGT_PD_TYPE_ANY && if_type != NCGT_PD_TYPE_NCGTUN)
    return NCGT_PD_NO_TYPE;
  if (if_number != NCGT_PD_NUMBER_ANY && if_number != pd->number)
    return NCGT_PD_NO_NUMBER;
  return NCGT_PD_OK;
}

int ncgt_pd_access_type(ncgt_pd *pd, int if_class, int if_type,
                        int if_number, const uint8_t *type, size_t typelen,
                        ncgt_pd_receiver receiver, void *user_data,
                        int *handle) {
  if (pd->terminated)
    return NCGT_PD_BAD_COMMAND;
  int err = check_interface(pd, if_class, if_type, if_number);
  if (err)
    return err;
  if (!receiver || (typelen > 0 && !type) || typelen > TYPE_MAX)
    return NCGT_PD_BAD_TYPE;
  pd_handle *free_slot = NULL;
  for (size_t i = 0; i < NCGT_PD_MAX_HANDLES; i++) {
    pd_handle *h = &pd->h[i];
    if (h->in_use && same_type(h, type, typelen))
      return NCGT_PD_TYPE_INUSE;
    if (!h->in_use && !free_slot)
      free_slot = h;
  }
  if (!free_slot)
    return NCGT_PD_NO_SPACE;
  free_slot->in_use = 1;
  free_slot->receiver = receiver;
  free_slot->user_data = user_data;
  free_slot->typelen = typelen;
  if (typelen)
    memcpy(free_slot->type, type, typelen);
  *handle = (int)(free_slot - pd->h) + 1;
  return NCGT_PD_OK;
}

int ncgt_pd_release_type(ncgt_pd *pd, int handle) {
  pd_handle *h = get_handle(pd, handle);
  if (!h)
    return NCGT_PD_BAD_HANDLE;
  memset(h, 0, sizeof(*h));
  return NCGT_PD_OK;
}

int ncgt_pd_terminate(ncgt_pd *pd, int handle) {
  pd_handle *h = get_handle(pd, handle);
  if (!h)
    return NCGT_PD_BAD_HANDLE;
  if (ncgt_pd_handle_count(pd) > 1)
    return NCGT_PD_CANT_TERMINATE;
  memset(h, 0, sizeof(*h));
  pd->terminated = 1;
  if (pd->port.terminated)
    pd->port.terminated(pd->port.ctx);
  return NCGT_PD_OK;
}

/* ---- send ------------------------------------------------------------ */

int ncgt_pd_send_pkt(ncgt_pd *pd, const uint8_t *buf, size_t len) {
  if (pd->terminated)
    return NCGT_PD_BAD_COMMAND;
  if (!buf || len < NCGT_PD_ETH_HDR_LEN || len > NCGT_PD_FRAME_MAX ||
      pd->port.send(buf, len, pd->port.ctx) != 0) {
    pd->stats.errors_out++;
    return NCGT_PD_CANT_SEND;
  }
  pd->stats.packets_out++;
  pd->stats.bytes_out += (uint32_t)len;
  return NCGT_PD_OK;
}

/* ---- receive --------------------------------------------------------- */

static const uint8_t bcast[NCGT_PD_ADDR_LEN] = {0xff, 0xff, 0xff,
                                                0xff, 0xff, 0xff};

static int in_mcast_list(const ncgt_pd *pd, const uint8_t *dst) {
  for (size_t i = 0; i < pd->nmcast; i++)
    if (memcmp(pd->mcast[i], dst, NCGT_PD_ADDR_LEN) == 0)
      return 1;
  return 0;
}

/* Does the receive mode (set_rcv_mode) let a frame to `dst` in? */
static int mode_accepts(const ncgt_pd *pd, const uint8_t *dst) {
  int group = dst[0] & 1;
  int broadcast = memcmp(dst, bcast, NCGT_PD_ADDR_LEN) == 0;
  switch (pd->mode) {
  case NCGT_PD_MODE_PROMISC:
    return 1;
  case NCGT_PD_MODE_ALL_MULTICAST:
    if (group)
      return 1;
    break;
  case NCGT_PD_MODE_MULTICAST:
    if (broadcast || (group && in_mcast_list(pd, dst)))
      return 1;
    break;
  case NCGT_PD_MODE_BROADCAST:
    if (broadcast)
      return 1;
    break;
  case NCGT_PD_MODE_DIRECT:
    break;
  default: /* OFF */
    return 0;
  }
  return !group && memcmp(dst, pd->addr, NCGT_PD_ADDR_LEN) == 0;
}

/* The handle whose type is the longest match for the frame (typelen-0
 * handles match everything with the shortest possible match). Equal types
 * cannot both be open, so there is no tie; on a tie the lowest handle
 * would win. */
static pd_handle *find_handle(ncgt_pd *pd, const uint8_t *frame, size_t len) {
  pd_handle *best = NULL;
  size_t avail = len - NCGT_PD_TYPE_OFFSET;
  for (size_t i = 0; i < NCGT_PD_MAX_HANDLES; i++) {
    pd_handle *h = &pd->h[i];
    if (!h->in_use || h->typelen > avail)
      continue;
    if (h->typelen &&
        memcmp(h->type, frame + NCGT_PD_TYPE_OFFSET, h->typelen) != 0)
      continue;
    if (!best || h->typelen > best->typelen)
      best = h;
  }
  return best;
}

int ncgt_pd_input(ncgt_pd *pd, const uint8_t *frame, size_t len) {
  if (pd->terminated)
    return -1;
  if (len < NCGT_PD_ETH_HDR_LEN || len > NCGT_PD_FRAME_MAX) {
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
  ncgt_pd_receiver rcv = h->receiver;
  void *ud = h->user_data;
  size_t cap = len;
  uint8_t *buf = rcv(handle, NCGT_PD_RCV_GET_BUFFER, len, NULL, &cap, ud);
  if (!buf) {
    pd->stats.packets_lost++;
    return -1;
  }
  size_t n = cap < len ? cap : len;
  memcpy(buf, frame, n);
  pd->stats.packets_in++;
  pd->stats.bytes_in += (uint32_t)n;
  rcv(handle, NCGT_PD_RCV_COPIED, n, buf, &cap, ud);
  return handle;
}

/* ---- address, reset, modes, multicast, statistics ------------------- */

int ncgt_pd_get_address(const ncgt_pd *pd, int handle, uint8_t *buf,
                        size_t cap, size_t *len) {
  if (!get_handle(pd, handle))
    return NCGT_PD_BAD_HANDLE;
  if (cap < NCGT_PD_ADDR_LEN)
    return NCGT_PD_NO_SPACE;
  memcpy(buf, pd->addr, NCGT_PD_ADDR_LEN);
  *len = NCGT_PD_ADDR_LEN;
  return NCGT_PD_OK;
}

int ncgt_pd_reset_interface(ncgt_pd *pd, int handle) {
  if (!get_handle(pd, handle))
    return NCGT_PD_BAD_HANDLE;
  if (ncgt_pd_handle_count(pd) > 1)
    return NCGT_PD_CANT_RESET;
  if (pd->port.reset && pd->port.reset(pd->port.ctx) != 0)
    return NCGT_PD_CANT_RESET;
  pd->mode = NCGT_PD_MODE_BROADCAST;
  pd->nmcast = 0;
  if (pd->port.set_mode)
    (void)pd->port.set_mode(pd->mode, pd->port.ctx);
  if (pd->port.set_multicast)
    (void)pd->port.set_multicast(&pd->mcast[0][0], 0, pd->port.ctx);
  return NCGT_PD_OK;
}

int ncgt_pd_set_rcv_mode(ncgt_pd *pd, int handle, int mode) {
  if (!get_handle(pd, handle))
    return NCGT_PD_BAD_HANDLE;
  if (mode < NCGT_PD_MODE_OFF || mode > NCGT_PD_MODE_PROMISC)
    return NCGT_PD_BAD_MODE;
  if (pd->port.set_mode && pd->port.set_mode(mode, pd->port.ctx) != 0)
    return NCGT_PD_BAD_MODE;
  pd->mode = mode;
  return NCGT_PD_OK;
}

int ncgt_pd_get_rcv_mode(const ncgt_pd *pd, int handle, int *mode) {
  if (!get_handle(pd, handle))
    return NCGT_PD_BAD_HANDLE;
  *mode = pd->mode;
  return NCGT_PD_OK;
}

int ncgt_pd_set_multicast_list(ncgt_pd *pd, const uint8_t *addrs,
                               size_t len) {
  if (pd->terminated)
    return NCGT_PD_BAD_COMMAND;
  if (!pd->port.set_multicast)
    return NCGT_PD_NO_MULTICAST;
  if (len % NCGT_PD_ADDR_LEN != 0 || (len && !addrs))
    return NCGT_PD_BAD_ADDRESS;
  size_t n = len / NCGT_PD_ADDR_LEN;
  if (n > NCGT_PD_MAX_MULTICAST)
    return NCGT_PD_NO_SPACE;
  for (size_t i = 0; i < n; i++)
    if (!(addrs[i * NCGT_PD_ADDR_LEN] & 1))
      return NCGT_PD_BAD_ADDRESS;
  uint8_t list[NCGT_PD_MAX_MULTICAST][NCGT_PD_ADDR_LEN];
  if (n)
    memcpy(list, addrs, len);
  if (pd->port.set_multicast(&list[0][0], n, pd->port.ctx) != 0)
    return NCGT_PD_NO_SPACE;
  memcpy(pd->mcast, list, len);
  pd->nmcast = n;
  return NCGT_PD_OK;
}

int ncgt_pd_get_multicast_list(const ncgt_pd *pd, const uint8_t **addrs,
                               size_t *len) {
  if (pd->terminated)
    return NCGT_PD_BAD_COMMAND;
  if (!pd->port.set_multicast)
    return NCGT_PD_NO_MULTICAST;
  *addrs = &pd->mcast[0][0];
  *len = pd->nmcast * NCGT_PD_ADDR_LEN;
  return NCGT_PD_OK;
}

int ncgt_pd_get_statistics(const ncgt_pd *pd, int handle, ncgt_pd_stats *st) {
  if (!get_handle(pd, handle))
    return NCGT_PD_BAD_HANDLE;
  *st = pd->stats;
  return NCGT_PD_OK;
}

int ncgt_pd_set_address(ncgt_pd *pd, int handle, const uint8_t *addr,
                        size_t len) {
  if (!get_handle(pd, handle))
    return NCGT_PD_BAD_HANDLE;
  if (!addr || len != NCGT_PD_ADDR_LEN || (addr[0] & 1))
    return NCGT_PD_BAD_ADDRESS;
  if (!pd->port.set_address)
    return NCGT_PD_BAD_COMMAND;
  if (ncgt_pd_handle_count(pd) > 1 ||
      pd->port.set_address(addr, pd->port.ctx) != 0)
    return NCGT_PD_CANT_SET;
  memcpy(pd->addr, addr, NCGT_PD_ADDR_LEN);
  return NCGT_PD_OK;
}
