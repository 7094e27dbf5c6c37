/* Status codes, versions and wire-constant names (ncgtun.h). */
#include <ncgtun/ncgtun.h>

const char *ncgt_version_str(void) { return NCGT_VERSION; }

uint32_t ncgt_version_num(void) { return NCGT_VERSION_NUM; }

const char *ncgt_strerror(int status) {
  switch (status) {
  case NCGT_OK: return "success";
  case NCGT_ERR_INVALID_ARGUMENT: return "invalid argument";
  case NCGT_ERR_NOBUF: return "output buffer too small";
  case NCGT_ERR_NOMEM: return "out of memory";
  case NCGT_ERR_CALLBACK_FAILURE: return "a callback failed";
  case NCGT_ERR_INVALID_STATE: return "not allowed in this state";
  case NCGT_ERR_CALLBACK_DROPPED: return "a callback refused a frame (dropped)";
  case NCGT_ERR_INTERNAL: return "internal error";
  case NCGT_ERR_UNSUPPORTED: return "unsupported";
  case NCGT_ERR_TRUNCATED: return "truncated input";
  case NCGT_ERR_FRAME_TOO_LARGE: return "frame larger than the maximum";
  case NCGT_ERR_FRAME_TOO_SMALL: return "frame length below header size";
  case NCGT_ERR_UNKNOWN_TYPE: return "unknown frame type";
  case NCGT_ERR_BAD_VERSION: return "unsupported protocol version";
  case NCGT_ERR_BAD_OFFSET: return "offset out of range";
  case NCGT_ERR_OVERLAP: return "overlapping fields";
  case NCGT_ERR_UNTERMINATED: return "string not terminated";
  case NCGT_ERR_TRAILING_BYTES: return "trailing bytes after contents";
  case NCGT_ERR_BAD_LENGTH: return "inconsistent length";
  case NCGT_ERR_BAD_FLAGS: return "reserved flags set";
  case NCGT_ERR_BAD_VALUE: return "field value out of range";
  case NCGT_ERR_TOO_MANY: return "too many entries";
  case NCGT_ERR_BAD_NAME: return "empty or over-long name";
  case NCGT_ERR_CRYPTO: return "cryptographic library failure";
  case NCGT_ERR_DECRYPT: return "integrity check failed";
  case NCGT_ERR_AUTH: return "authentication failed";
  case NCGT_ERR_REPLAY: return "replayed handshake";
  case NCGT_ERR_NO_TRANSFORM: return "no transform in common";
  case NCGT_ERR_KEY_EXHAUSTED: return "key usage limit reached";
  case NCGT_ERR_BAD_KEY: return "malformed or weak key";
  case NCGT_ERR_PROTO: return "protocol violation";
  case NCGT_ERR_CLOSED: return "connection closed";
  case NCGT_ERR_TIMEOUT: return "timed out";
  case NCGT_ERR_RELAY_REFUSED: return "relay refused the path";
  case NCGT_ERR_NO_ROUTE: return "no reachable next hop";
  case NCGT_ERR_NOT_NEGOTIATED: return "feature not negotiated";
  case NCGT_ERR_FULL: return "queue or table full";
  }
  return "unknown status";
}

int ncgt_err_is_fatal(int status) {
  switch (status) {
  case NCGT_OK:
  case NCGT_ERR_NOBUF:
  case NCGT_ERR_CALLBACK_DROPPED:
  case NCGT_ERR_FULL:
  case NCGT_ERR_INVALID_ARGUMENT:
  case NCGT_ERR_INVALID_STATE:
    return 0;
  }
  return status < 0;
}

const char *ncgt_close_status_name(unsigned status) {
  static const char *const names[] = {
    [NCGT_CLOSE_END_SESSION] = "end-session",
    [NCGT_CLOSE_AUTH_FAILED] = "auth-failed",
    [NCGT_CLOSE_INTEGRITY] = "integrity-failure",
    [NCGT_CLOSE_PROTOCOL] = "protocol-error",
    [NCGT_CLOSE_IDLE_TIMEOUT] = "idle-timeout",
    [NCGT_CLOSE_SHUTTING_DOWN] = "shutting-down",
    [NCGT_CLOSE_SERVER_FULL] = "server-full",
    [NCGT_CLOSE_REDIRECT] = "redirect",
    [NCGT_CLOSE_KEY_EXPIRED] = "key-expired",
    [NCGT_CLOSE_RELAY_REFUSED] = "relay-refused",
    [NCGT_CLOSE_UNREACHABLE] = "unreachable",
    [NCGT_CLOSE_REPLACED] = "replaced",
    [NCGT_CLOSE_HANDSHAKE_TIMEOUT] = "handshake-timeout",
    [NCGT_CLOSE_VERSION] = "version-mismatch",
    [NCGT_CLOSE_TRANSPORT] = "transport-error",
    [NCGT_CLOSE_RESET] = "reset",
  };
  if (status < sizeof(names) / sizeof(names[0]) && names[status])
    return names[status];
  return "unknown";
}

const char *ncgt_transform_name(unsigned transform) {
  switch (transform) {
  case NCGT_TRANSFORM_AES256GCM: return "aes-256-gcm";
  case NCGT_TRANSFORM_CHACHA20POLY1305: return "chacha20-poly1305";
  }
  return "unknown";
}
