/* INI loading and value parsers (conf.h). */
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ncgtun/frame.h>

static int conf_ini_cb(void *user, const char *section, const char *key,
                       const char *value) {
  ncg_ini *ini = user;
  if (ini->why[0])
    return 1; /* keep only the first mistake */
  return ini->on_kv(ini, section, key, value) == 0;
}

int ncg_ini_load(ncg_ini *ini, const char *path, ncg_ini_kv_fn on_kv,
                 void *obj) {
  ini->file = path;
  ini->on_kv = on_kv;
  ini->obj = obj;
  ini->why[0] = ini->msg[0] = '\0';
  int rc = ini_parse(path, conf_ini_cb, ini);
  if (rc == 0)
    return 0;
  if (rc == -1)
    snprintf(ini->msg, sizeof(ini->msg), "%s: cannot open: %s", path,
             strerror(errno));
  else if (rc == -2)
    snprintf(ini->msg, sizeof(ini->msg), "%s: out of memory", path);
  else if (ini->why[0])
    snprintf(ini->msg, sizeof(ini->msg), "%s:%d: %s", path, rc, ini->why);
  else
    snprintf(ini->msg, sizeof(ini->msg),
             "%s:%d: syntax error (expected [section] or key = value; lines "
             "are at most 199 characters)",
             path, rc);
  return -1;
}

int ncg_ini_fail(ncg_ini *ini, const char *section, const char *key,
                 const char *fmt, ...) {
  if (ini->why[0])
    return -1;
  int n = snprintf(ini->why, sizeof(ini->why), "[%s] %s: ", section, key);
  if (n < 0 || (size_t)n >= sizeof(ini->why))
    return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ini->why + n, sizeof(ini->why) - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

int ncg_ini_unknown(ncg_ini *ini, const char *section, const char *key) {
  return ncg_ini_fail(ini, section, key, "unknown key");
}

int ncg_parse_bool(const char *s, int *out, const char **why) {
  static const char *const yes[] = { "yes", "true", "on", "1" };
  static const char *const no[] = { "no", "false", "off", "0" };
  for (size_t i = 0; i < 4; i++) {
    if (strcmp(s, yes[i]) == 0) {
      *out = 1;
      return 0;
    }
    if (strcmp(s, no[i]) == 0) {
      *out = 0;
      return 0;
    }
  }
  *why = "expected yes or no";
  return -1;
}

int ncg_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out,
                  const char **why) {
  char *end;
  if (*s < '0' || *s > '9') {
    *why = "expected a number";
    return -1;
  }
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end != '\0') {
    *why = "expected a number";
    return -1;
  }
  if (errno == ERANGE || v < min || v > max) {
    *why = "number out of range";
    return -1;
  }
  *out = (uint32_t)v;
  return 0;
}

int ncg_parse_ip4(const char *s, uint32_t *out, const char **why) {
  struct in_addr a;
  if (inet_pton(AF_INET, s, &a) != 1) {
    *why = "expected an IPv4 address such as 10.99.0.1";
    return -1;
  }
  *out = ntohl(a.s_addr);
  return 0;
}

uint32_t ncg_ip4_mask(unsigned plen) {
  return plen == 0 ? 0 : (uint32_t)(0xffffffffu << (32 - plen));
}

int ncg_parse_ip4_cidr(const char *s, int strict, uint32_t *addr,
                       unsigned *plen, const char **why) {
  char host[INET_ADDRSTRLEN];
  const char *slash = strchr(s, '/');
  size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
  uint32_t len = 32;
  if (hlen >= sizeof(host)) {
    *why = "expected an IPv4 prefix such as 192.168.1.0/24";
    return -1;
  }
  memcpy(host, s, hlen);
  host[hlen] = '\0';
  if (ncg_parse_ip4(host, addr, why) != 0)
    return -1;
  if (slash && ncg_parse_u32(slash + 1, 0, 32, &len, why) != 0) {
    *why = "prefix length must be 0-32";
    return -1;
  }
  if (strict && (*addr & ~ncg_ip4_mask(len)) != 0) {
    *why = "host bits set after the prefix length";
    return -1;
  }
  *plen = len;
  return 0;
}

int ncg_parse_name(const char *s, char *out, size_t cap, const char **why) {
  size_t n = strlen(s);
  if (n == 0 || n > NCGT_NAME_MAX || n >= cap) {
    *why = "names are 1-255 characters";
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch <= ' ' || ch == ',' || ch == 0x7f) {
      *why = "names contain no spaces, commas or control characters";
      return -1;
    }
  }
  memcpy(out, s, n + 1);
  return 0;
}

int ncg_parse_str(const char *s, char *out, size_t cap, const char **why) {
  size_t n = strlen(s);
  if (n == 0 || n >= cap) {
    *why = n == 0 ? "empty value" : "value too long";
    return -1;
  }
  memcpy(out, s, n + 1);
  return 0;
}

static int is_sep(char c) {
  return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int ncg_list_next(const char **p, char *tok, size_t cap) {
  const char *s = *p;
  while (*s && is_sep(*s))
    s++;
  if (!*s) {
    *p = s;
    return 0;
  }
  size_t n = 0;
  while (s[n] && !is_sep(s[n]))
    n++;
  *p = s + n;
  if (n >= cap)
    return -1;
  memcpy(tok, s, n);
  tok[n] = '\0';
  return 1;
}

const char *ncg_ip4_str(uint32_t a, char buf[16]) {
  struct in_addr in = { .s_addr = htonl(a) };
  inet_ntop(AF_INET, &in, buf, 16);
  return buf;
}
