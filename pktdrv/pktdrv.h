/*
 * The FTP Software PC/TCP Packet Driver Specification, revision 1.11
 * (June 1994), as a C API: the interface an unmodified protocol stack
 * written for packet drivers uses, offered by the packet-driver shim of
 * seed 002 ("it emulates each to the other"). doc/pktdrv.md says which
 * parts of 1.11 are followed and where this deviates.
 *
 * Mapping of the INT 60h calling convention onto C:
 *  - the function number (AH) is the C function;
 *  - registers become arguments and out-parameters;
 *  - "carry set, DH = error" becomes a non-zero return value that is the
 *    specification's error code (Appendix C), with its value; 0 is success.
 *    These are NOT ncgt_status codes: they are the spec's own numbers, so a
 *    stack ported from DOS keeps its error handling.
 *
 * The driver owns no thread. The host delivers received frames with
 * pdrv_input() (the "interrupt"), and the driver calls each stack's
 * receiver twice per packet, as the specification says. Calls are not
 * thread-safe; a host with threads serialises them (examples/lwip-pktdrv).
 *
 * This header belongs to the pktdrv component (pktdrv/, prefix pdrv_;
 * not installed API).
 */
#ifndef PDRV_PKTDRV_H
#define PDRV_PKTDRV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Appendix C: error codes, with the specification's values. */
typedef enum pdrv_err {
  PDRV_OK = 0,
  PDRV_BAD_HANDLE = 1,     /* invalid handle number */
  PDRV_NO_CLASS = 2,       /* no interfaces of specified class found */
  PDRV_NO_TYPE = 3,        /* no interfaces of specified type found */
  PDRV_NO_NUMBER = 4,      /* no interfaces of specified number found */
  PDRV_BAD_TYPE = 5,       /* bad packet type specified */
  PDRV_NO_MULTICAST = 6,   /* this interface does not support multicast */
  PDRV_CANT_TERMINATE = 7, /* this packet driver cannot terminate */
  PDRV_BAD_MODE = 8,       /* an invalid receiver mode was specified */
  PDRV_NO_SPACE = 9,       /* operation failed: insufficient space */
  PDRV_TYPE_INUSE = 10,    /* type previously accessed, not released */
  PDRV_BAD_COMMAND = 11,   /* command out of range or not implemented */
  PDRV_CANT_SEND = 12,     /* the packet couldn't be sent */
  PDRV_CANT_SET = 13,      /* address not changed (>1 handle open) */
  PDRV_BAD_ADDRESS = 14,   /* hardware address bad length or format */
  PDRV_CANT_RESET = 15,    /* couldn't reset interface (>1 handle open) */
} pdrv_err;

/* Spec name of an error code ("TYPE_INUSE"), or "UNKNOWN". */
const char *pdrv_strerror(int err);

/* Appendix B: function numbers (AH), for hosts that dispatch by number. */
enum {
  PDRV_FN_DRIVER_INFO = 1,
  PDRV_FN_ACCESS_TYPE = 2,
  PDRV_FN_RELEASE_TYPE = 3,
  PDRV_FN_SEND_PKT = 4,
  PDRV_FN_TERMINATE = 5,
  PDRV_FN_GET_ADDRESS = 6,
  PDRV_FN_RESET_INTERFACE = 7,
  PDRV_FN_SET_RCV_MODE = 20,
  PDRV_FN_GET_RCV_MODE = 21,
  PDRV_FN_SET_MULTICAST_LIST = 22,
  PDRV_FN_GET_MULTICAST_LIST = 23,
  PDRV_FN_GET_STATISTICS = 24,
  PDRV_FN_SET_ADDRESS = 25,
};

/* Appendix A: interface class. This driver is class 1 (DIX Ethernet):
 * the packet type is matched against the bytes that follow the Ethernet
 * source address (offset 12: the EtherType and what comes after it). */
enum {
  PDRV_CLASS_ETHERNET = 1,
  PDRV_TYPE_ANY = 0xFFFF,   /* if_type wildcard in access_type */
  PDRV_NUMBER_ANY = 0,      /* if_number wildcard in access_type */
  /* Interface type reported by driver_info: 1.11 Appendix A assigns
   * numbers to hardware; this emulated interface has none, so it uses a
   * value outside the assigned list ("NC"). */
  PDRV_TYPE_NCGTUN = 0x4E43,
};

/* driver_info functionality (AL). */
enum {
  PDRV_FUNC_BASIC = 1,
  PDRV_FUNC_EXTENDED = 2,       /* basic + extended: what this offers */
  PDRV_FUNC_HIGH_PERF = 5,
  PDRV_FUNC_ALL = 6,
  PDRV_FUNC_NOT_INSTALLED = 255,
};

/* set_rcv_mode modes. */
typedef enum pdrv_mode {
  PDRV_MODE_OFF = 1,           /* turn off receiver */
  PDRV_MODE_DIRECT = 2,        /* only packets sent to this interface */
  PDRV_MODE_BROADCAST = 3,     /* 2 + broadcast (the default) */
  PDRV_MODE_MULTICAST = 4,     /* 3 + multicasts in the list */
  PDRV_MODE_ALL_MULTICAST = 5, /* 3 + all multicast */
  PDRV_MODE_PROMISC = 6,       /* all packets */
} pdrv_mode;

enum {
  PDRV_ADDR_LEN = 6,        /* Ethernet address */
  PDRV_TYPE_OFFSET = 12,    /* class 1: type bytes start here */
  PDRV_ETH_HDR_LEN = 14,
  PDRV_MAX_HANDLES = 16,
  PDRV_MAX_MULTICAST = 16,  /* multicast list entries */
  PDRV_FRAME_MAX = 1514,    /* largest frame send_pkt takes (no FCS) */
  PDRV_NAME_MAX = 32,
};

/* driver_info() results. */
typedef struct pdrv_info {
  uint16_t version;       /* BX: this driver's version */
  uint8_t if_class;       /* CH */
  uint16_t if_type;       /* DX */
  uint8_t if_number;      /* CL */
  const char *name;       /* DS:SI, static for the driver's lifetime */
  uint8_t functionality;  /* AL */
} pdrv_info;

/* get_statistics() results: the specification's structure (all fields
 * "unsigned long", here uint32_t, wrapping as on DOS). Per interface. */
typedef struct pdrv_stats {
  uint32_t packets_in;   /* frames received and delivered to a receiver */
  uint32_t packets_out;  /* frames sent */
  uint32_t bytes_in;
  uint32_t bytes_out;
  uint32_t errors_in;    /* frames received too short to be Ethernet */
  uint32_t errors_out;   /* send_pkt failures (CANT_SEND) */
  uint32_t packets_lost; /* receiver refused a buffer (first call NULL) */
} pdrv_stats;

/*
 * The receiver (access_type's ES:DI), called twice per packet:
 *
 *  flag == PDRV_RCV_GET_BUFFER (AX == 0): `len` (CX) is the whole frame
 *    length, MAC header included, no FCS; `buf` is NULL. *cap is preset to
 *    `len`. Return a buffer (ES:DI) of *cap bytes, lowering *cap if the
 *    buffer is smaller (v1.10+: the copy is then truncated), or NULL (0:0)
 *    to refuse: the packet is dropped, counted in packets_lost, and there
 *    is no second call.
 *  flag == PDRV_RCV_COPIED (AX == 1): the copy is done; `buf` (DS:SI) is
 *    the buffer returned by the first call and `len` (CX) the number of
 *    bytes actually copied. The return value is ignored.
 *
 * A receiver may call send_pkt from the second call, not from the first.
 * No lookahead buffer is offered (DX == 0), which 1.11 allows.
 */
enum {
  PDRV_RCV_GET_BUFFER = 0,
  PDRV_RCV_COPIED = 1,
};
typedef uint8_t *(*pdrv_receiver)(int handle, int flag, size_t len,
                                     uint8_t *buf, size_t *cap,
                                     void *user_data);

/*
 * What is below the driver: where send_pkt goes and who applies receive
 * modes to the hardware. The shim (pd_shim.h) implements this; tests use a
 * fake. `send` returns 0 or non-zero (-> CANT_SEND). Optional callbacks may
 * be NULL: set_multicast NULL means the interface has no multicast
 * (NO_MULTICAST); set_address NULL means BAD_COMMAND; set_mode NULL means
 * every mode is accepted without telling the hardware.
 */
typedef struct pdrv_port {
  int (*send)(const uint8_t *frame, size_t len, void *ctx);
  int (*set_mode)(int mode, void *ctx);
  /* addrs: n addresses, 6 bytes each, back to back */
  int (*set_multicast)(const uint8_t *addrs, size_t n, void *ctx);
  int (*set_address)(const uint8_t addr[PDRV_ADDR_LEN], void *ctx);
  int (*reset)(void *ctx);
  /* Optional: the driver was terminated (terminate() of the last handle) */
  void (*terminated)(void *ctx);
  void *ctx;
} pdrv_port;

typedef struct pdrv pdrv;

/* Creates a driver instance (one interface) with hardware address `addr`,
 * interface number `number` (driver_info CL; 1 is usual) and `name`.
 * Returns 0 or -1 (allocation). */
int pdrv_new(pdrv **ppd, const pdrv_port *port,
                const uint8_t addr[PDRV_ADDR_LEN], uint8_t number,
                const char *name);
void pdrv_del(pdrv *pd);

/* The "interrupt": a frame arrived for the stacks. Applies the receive
 * mode, finds the handle whose type matches (see access_type) and calls
 * its receiver twice. Returns the handle it went to, or -1 if it was not
 * delivered (filtered, unclaimed, refused or malformed). */
int pdrv_input(pdrv *pd, const uint8_t *frame, size_t len);

/* ---- Basic functions ------------------------------------------------ */

/* AH=1. `handle` is optional in 1.11 and ignored. Never fails. */
int pdrv_driver_info(const pdrv *pd, pdrv_info *out);

/*
 * AH=2. Registers `receiver` for frames whose bytes after the Ethernet
 * source address begin with type[0..typelen). typelen 0 matches every
 * frame. if_class must be 1, if_type this driver's type or 0xFFFF,
 * if_number this driver's number or 0.
 *
 * Matching (doc/pktdrv.md): a frame goes to exactly one handle, the one
 * whose type is the longest that matches; a typelen-0 handle gets what no
 * other handle matched. Registering a type byte-for-byte equal (same
 * length, same bytes) to one already open is TYPE_INUSE; a longer type
 * that extends an open one (0x0800 then 0x0800 0x45) is allowed and wins
 * for the frames it matches.
 *
 * Errors: NO_CLASS, NO_TYPE, NO_NUMBER, BAD_TYPE (typelen > 0 with a NULL
 * type, NULL receiver, or a type longer than any frame can hold after
 * offset 12), NO_SPACE (PDRV_MAX_HANDLES open), TYPE_INUSE. The type
 * bytes are copied.
 */
int pdrv_access_type(pdrv *pd, int if_class, int if_type,
                        int if_number, const uint8_t *type, size_t typelen,
                        pdrv_receiver receiver, void *user_data,
                        int *handle);

/* AH=3. Errors: BAD_HANDLE. */
int pdrv_release_type(pdrv *pd, int handle);

/* AH=4. Sends one whole frame (MAC header included, no FCS),
 * PDRV_ETH_HDR_LEN..PDRV_FRAME_MAX bytes. Errors: CANT_SEND. */
int pdrv_send_pkt(pdrv *pd, const uint8_t *buf, size_t len);

/* AH=5. Releases `handle` and, if it was the last one, terminates the
 * driver (port->terminated is called; every later call but driver_info
 * returns BAD_COMMAND, and driver_info reports functionality 255).
 * Errors: BAD_HANDLE, CANT_TERMINATE (other handles are open: nothing is
 * changed). */
int pdrv_terminate(pdrv *pd, int handle);

/* AH=6. Copies the interface address into buf (cap bytes), *len = 6.
 * Errors: BAD_HANDLE, NO_SPACE (cap < 6). */
int pdrv_get_address(const pdrv *pd, int handle, uint8_t *buf,
                        size_t cap, size_t *len);

/* AH=7. Resets the interface: receive mode 3, empty multicast list,
 * port->reset. Errors: BAD_HANDLE, CANT_RESET (more than one handle open).
 */
int pdrv_reset_interface(pdrv *pd, int handle);

/* ---- Extended functions --------------------------------------------- */

/* AH=20. Per interface. Errors: BAD_HANDLE, BAD_MODE (outside 1..6, or the
 * port refused it). */
int pdrv_set_rcv_mode(pdrv *pd, int handle, int mode);
/* AH=21. Errors: BAD_HANDLE. */
int pdrv_get_rcv_mode(const pdrv *pd, int handle, int *mode);

/* AH=22. `len` bytes of 6-byte multicast addresses. Errors: NO_MULTICAST
 * (the port has no multicast), NO_SPACE (more than PDRV_MAX_MULTICAST),
 * BAD_ADDRESS (len not a multiple of 6, or an address without the group
 * bit). 1.11 takes no handle here. */
int pdrv_set_multicast_list(pdrv *pd, const uint8_t *addrs,
                               size_t len);
/* AH=23. Points *addrs at the driver's list (valid until the next
 * set_multicast_list/reset), *len its length in bytes. Errors:
 * NO_MULTICAST. */
int pdrv_get_multicast_list(const pdrv *pd, const uint8_t **addrs,
                               size_t *len);

/* AH=24. Errors: BAD_HANDLE. */
int pdrv_get_statistics(const pdrv *pd, int handle, pdrv_stats *st);

/* AH=25. Errors: BAD_HANDLE (1.11 takes no handle; this takes one to count
 * open handles the same way reset does), CANT_SET (more than one handle
 * open, or the port failed), BAD_ADDRESS (len != 6 or group bit set),
 * BAD_COMMAND (the port cannot change its address). */
int pdrv_set_address(pdrv *pd, int handle, const uint8_t *addr,
                        size_t len);

/* Not in the spec, for the shim and tests: the number of open handles,
 * and the interface address without needing a handle. */
size_t pdrv_handle_count(const pdrv *pd);
void pdrv_own_address(const pdrv *pd, uint8_t addr[PDRV_ADDR_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* PDRV_PKTDRV_H */
