/*
 * libncgtun: a sans-I/O VPN tunnel protocol library.
 *
 * This is the umbrella header and the home of what every module shares:
 * version, status codes, timestamps, logging and the wire constants that
 * a host program can act on (frame types, CLOSE statuses, transforms).
 *
 * Conventions (see doc/api.md):
 *  - every exported name starts with ncgt_ / NCGT_;
 *  - functions that can fail return 0 (or a length) on success and a
 *    negative enum ncgt_status value on failure;
 *  - handles are opaque, created by *_new() and freed by *_del();
 *  - callbacks take `void *user_data` last; bytes handed to a callback are
 *    valid only for the duration of that callback;
 *  - the library never reads a clock, opens a file or a socket, or prints:
 *    time comes in as an ncgt_tstamp argument, randomness through a
 *    callback, and log lines go out through a callback.
 */
#ifndef NCGTUN_NCGTUN_H
#define NCGTUN_NCGTUN_H

#include <stddef.h>
#include <stdint.h>

#include <ncgtun/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define NCGT_EXTERN
#elif defined(__GNUC__)
#define NCGT_EXTERN __attribute__((visibility("default")))
#else
#define NCGT_EXTERN
#endif

#if defined(__GNUC__)
#define NCGT_WUR __attribute__((warn_unused_result))
#else
#define NCGT_WUR
#endif

/* Monotonic time in nanoseconds, supplied by the host on every call that
 * can start or observe a timer. The origin is arbitrary. */
typedef uint64_t ncgt_tstamp;
#define NCGT_NANOSECONDS ((ncgt_tstamp)1ULL)
#define NCGT_MICROSECONDS ((ncgt_tstamp)1000ULL)
#define NCGT_MILLISECONDS ((ncgt_tstamp)1000000ULL)
#define NCGT_SECONDS ((ncgt_tstamp)1000000000ULL)
/* "no timer armed" */
#define NCGT_TSTAMP_MAX UINT64_MAX

/* Returns the library's runtime version as "MAJOR.MINOR.PATCH". */
NCGT_EXTERN const char *ncgt_version_str(void);
/* Returns NCGT_VERSION_NUM of the library that is actually loaded. */
NCGT_EXTERN uint32_t ncgt_version_num(void);

/*
 * Status codes. 0 is success; every error is negative. Codes in the
 * -100 range are about malformed input from the wire (each class of
 * malformation has its own code so tests and logs can tell them apart);
 * -200 are cryptographic; -300 are state/usage; -400 are resources.
 */
typedef enum ncgt_status {
  NCGT_OK = 0,

  /* API usage */
  NCGT_ERR_INVALID_ARGUMENT = -1,
  NCGT_ERR_NOBUF = -2,          /* caller's output buffer too small */
  NCGT_ERR_NOMEM = -3,          /* allocation failed */
  /* A host callback returned non-zero and the object ended because of it
   * (a conn is DYING/DEAD, a relay session is over). Fatal. */
  NCGT_ERR_CALLBACK_FAILURE = -4,
  NCGT_ERR_INVALID_STATE = -5,  /* call not allowed in the current state */
  /* -6 was NCGT_ERR_AGAIN (never returned); not reused. */
  NCGT_ERR_INTERNAL = -7,
  NCGT_ERR_UNSUPPORTED = -8,
  /* A host callback refused one frame: that frame was dropped and
   * counted, the object is unchanged and usable (the adapter). */
  NCGT_ERR_CALLBACK_DROPPED = -9,

  /* Malformed wire input (frame codec) */
  NCGT_ERR_TRUNCATED = -100,      /* fewer bytes than a field needs */
  NCGT_ERR_FRAME_TOO_LARGE = -101, /* length field above configured max */
  NCGT_ERR_FRAME_TOO_SMALL = -102, /* length field below the header size */
  NCGT_ERR_UNKNOWN_TYPE = -103,
  NCGT_ERR_BAD_VERSION = -104,
  NCGT_ERR_BAD_OFFSET = -105,     /* offset/index outside its buffer */
  NCGT_ERR_OVERLAP = -106,        /* two fields share bytes */
  NCGT_ERR_UNTERMINATED = -107,   /* string without NUL in its buffer */
  NCGT_ERR_TRAILING_BYTES = -108, /* frame longer than its contents */
  NCGT_ERR_BAD_LENGTH = -109,     /* inner length inconsistent with frame */
  NCGT_ERR_BAD_FLAGS = -110,      /* reserved flag bits set */
  NCGT_ERR_BAD_VALUE = -111,      /* field value outside its range */
  NCGT_ERR_TOO_MANY = -112,       /* e.g. more path entries than allowed */
  NCGT_ERR_BAD_NAME = -113,       /* empty or over-long name */

  /* Cryptography / authentication */
  NCGT_ERR_CRYPTO = -200,          /* the crypto library failed */
  NCGT_ERR_DECRYPT = -201,         /* AEAD tag mismatch: integrity failure */
  NCGT_ERR_AUTH = -202,            /* handshake authentication failed */
  NCGT_ERR_REPLAY = -203,          /* replayed handshake (old timestamp) */
  NCGT_ERR_NO_TRANSFORM = -204,    /* no transform in common */
  NCGT_ERR_KEY_EXHAUSTED = -205,   /* counter limit reached */
  NCGT_ERR_BAD_KEY = -206,         /* key text malformed / weak key */

  /* Protocol state */
  NCGT_ERR_PROTO = -300,           /* frame not allowed in this state */
  NCGT_ERR_CLOSED = -301,          /* connection is closed */
  NCGT_ERR_TIMEOUT = -302,
  NCGT_ERR_RELAY_REFUSED = -303,   /* relay: path not allowed / name absent */
  NCGT_ERR_NO_ROUTE = -304,        /* relay: no live next hop */
  NCGT_ERR_NOT_NEGOTIATED = -305,  /* feature the handshake did not agree */

  /* Resources */
  NCGT_ERR_FULL = -400,            /* a bounded queue or table is full */
} ncgt_status;

/* A static, human-readable description of a status code. Never NULL. */
NCGT_EXTERN const char *ncgt_strerror(int status);
/* Non-zero when `status` means the call ended the object that returned it
 * (a conn is DYING/DEAD: an initiator may still be started again; a relay
 * session is over). Zero for 0 and for errors after which nothing changed:
 * INVALID_ARGUMENT, INVALID_STATE, NOBUF, FULL, CALLBACK_DROPPED. */
NCGT_EXTERN int ncgt_err_is_fatal(int status);

/* Log levels, lowest is most severe (syslog-like). */
typedef enum ncgt_log_level {
  NCGT_LOG_ERROR = 0,
  NCGT_LOG_WARN = 1,
  NCGT_LOG_INFO = 2,
  NCGT_LOG_DEBUG = 3,
} ncgt_log_level;

/* Log sink: one line per call, no trailing newline, valid during the call.
 * The library never logs key material. */
typedef void (*ncgt_log_cb)(ncgt_log_level level, const char *msg,
                            void *user_data);

/* ---------------------------------------------------------------------
 * Wire constants (doc/protocol.md). Values never change within a version.
 * --------------------------------------------------------------------- */

#define NCGT_PROTO_VERSION 1

/* Frame types, patent Figs. 6-10. */
typedef enum ncgt_frame_type {
  NCGT_FRAME_RELAY = 1,    /* Fig. 6 */
  NCGT_FRAME_REQUEST = 2,  /* Fig. 7 */
  NCGT_FRAME_RESPONSE = 3, /* Fig. 8 */
  NCGT_FRAME_DATA = 4,     /* Fig. 9 */
  NCGT_FRAME_CLOSE = 5,    /* Fig. 10 */
} ncgt_frame_type;

/* Status carried in a CLOSE frame (Fig. 10, field 193). A host can act on
 * these: retry later, follow a redirect, ask the user for a new key... */
typedef enum ncgt_close_status {
  NCGT_CLOSE_END_SESSION = 0,   /* the user or operator ended the session */
  NCGT_CLOSE_AUTH_FAILED = 1,   /* handshake refused (never says why) */
  NCGT_CLOSE_INTEGRITY = 2,     /* a DATA or CLOSE digest failed */
  NCGT_CLOSE_PROTOCOL = 3,      /* malformed frame or frame out of place */
  NCGT_CLOSE_IDLE_TIMEOUT = 4,  /* peer silent too long (dead peer) */
  NCGT_CLOSE_SHUTTING_DOWN = 5, /* server or relay is exiting */
  NCGT_CLOSE_SERVER_FULL = 6,   /* try again after retry_after seconds */
  NCGT_CLOSE_REDIRECT = 7,      /* reconnect to the host:port in `info` */
  NCGT_CLOSE_KEY_EXPIRED = 8,   /* keys out of lifetime and no rekey */
  NCGT_CLOSE_RELAY_REFUSED = 9, /* relay will not forward this path */
  NCGT_CLOSE_UNREACHABLE = 10,  /* relay could not reach any next hop */
  NCGT_CLOSE_REPLACED = 11,     /* same user connected again elsewhere */
  NCGT_CLOSE_HANDSHAKE_TIMEOUT = 12, /* a waiting state timed out */
  NCGT_CLOSE_VERSION = 13,      /* unsupported protocol version */
  NCGT_CLOSE_TRANSPORT = 14,    /* local only: transport broke (never sent) */
  NCGT_CLOSE_RESET = 15,        /* an operator reset the session: the
                                   initiator reconnects (ncg-server
                                   disconnect USER) */
} ncgt_close_status;

/* Name of a CLOSE status ("auth-failed", ...), or "unknown". */
NCGT_EXTERN const char *ncgt_close_status_name(unsigned status);

/* Data transforms (patent's "cryptographic transforms", Fig. 7 field 132).
 * Offered as a bit mask; the responder picks one. */
typedef enum ncgt_transform {
  NCGT_TRANSFORM_AES256GCM = 1u << 0,
  NCGT_TRANSFORM_CHACHA20POLY1305 = 1u << 1,
} ncgt_transform;
#define NCGT_TRANSFORMS_ALL                                                    \
  (NCGT_TRANSFORM_AES256GCM | NCGT_TRANSFORM_CHACHA20POLY1305)

/* Name of one transform ("aes-256-gcm", "chacha20-poly1305") or "unknown". */
NCGT_EXTERN const char *ncgt_transform_name(unsigned transform);

#ifdef __cplusplus
}
#endif

#endif /* NCGTUN_NCGTUN_H */
