/* INI loading and value parsers (conf.h). */
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ncgtun/frame.h>

static int conf_ini_cb(void *user, const char *section, const char *key,
                       const char *value) {
  ncg_ini *ini = user;
  if (ini->why[0])
    return 1; /* keep only the first mistake */
  return ini->on_kv(ini, section, key, value) == 0;
}

/* libinih reads lines into a fixed buffer (INI_MAX_LINE, 200 bytes in
 * Debian's build, chosen when the library was compiled) and treats what
 * did not fit as the next line: a commented-out line's tail became a
 * key. We hand it whole lines only; a longer line, or a NUL byte, stops
 * the parse and is the error, with its own line number. */
typedef struct conf_reader {
  FILE *f;
  ncg_ini *ini; /* gets the line number of each line handed over */
  int line;     /* lines handed to inih */
  int bad_line; /* the line that stopped the parse, or 0 */
  int bad_nul;  /* it holds a NUL byte (else: it is too long) */
} conf_reader;

static char *conf_read_line(char *str, int num, void *stream) {
  conf_reader *r = stream;
  size_t max = NCG_INI_LINE_MAX, n = 0;
  int ch = EOF;
  if (r->bad_line || num < 3)
    return NULL;
  if (max > (size_t)num - 2) /* room for "\n" and NUL */
    max = (size_t)num - 2;
  while ((ch = getc(r->f)) != EOF && ch != '\n') {
    if (ch == '\0' || n == max) {
      r->bad_line = r->line + 1;
      r->bad_nul = ch == '\0';
      return NULL;
    }
    str[n++] = (char)ch;
  }
  if (ch == EOF && n == 0)
    return NULL;
  if (ch == '\n')
    str[n++] = '\n';
  str[n] = '\0';
  r->line++;
  r->ini->line = r->line;
  return str;
}

/* Control bytes from the file (or a path named in it) are printed as
 * \xHH, never raw to a terminal or a log. */
static void conf_escape(char *out, size_t cap, const char *in) {
  size_t o = 0;
  for (; *in && o + 1 < cap; in++) {
    unsigned char ch = (unsigned char)*in;
    if (ch >= 0x20 && ch != 0x7f) {
      out[o++] = (char)ch;
      continue;
    }
    if (o + 5 >= cap)
      break;
    snprintf(out + o, cap - o, "\\x%02x", ch);
    o += 4;
  }
  out[o] = '\0';
}

static int conf_parse(ncg_ini *ini, const char *path, char *msg, size_t cap) {
  FILE *f = fopen(path, "r");
  struct stat st;
  if (!f) {
    snprintf(msg, cap, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    snprintf(msg, cap, "%s: is a directory, not a configuration file", path);
    return -1;
  }
  conf_reader r = { .f = f, .ini = ini };
  int rc = ini_parse_stream(conf_read_line, &r, conf_ini_cb, ini);
  int read_err = ferror(f) ? errno : 0;
  fclose(f);
  if (rc == -2)
    snprintf(msg, cap, "%s: out of memory", path);
  else if (rc > 0 && ini->why[0])
    snprintf(msg, cap, "%s:%d: %s", path, rc, ini->why);
  else if (rc > 0)
    snprintf(msg, cap,
             "%s:%d: syntax error (expected [section] or key = value)", path,
             rc);
  else if (r.bad_line && r.bad_nul)
    snprintf(msg, cap, "%s:%d: NUL byte in the line", path, r.bad_line);
  else if (r.bad_line)
    snprintf(msg, cap, "%s:%d: line too long (at most %d characters)", path,
             r.bad_line, NCG_INI_LINE_MAX);
  else if (read_err)
    snprintf(msg, cap, "%s: cannot read: %s", path, strerror(read_err));
  else
    return 0;
  return -1;
}

int ncg_ini_load(ncg_ini *ini, const char *path, ncg_ini_kv_fn on_kv,
                 void *obj) {
  char raw[sizeof(ini->msg)];
  ini->file = path;
  ini->on_kv = on_kv;
  ini->obj = obj;
  ini->why[0] = ini->msg[0] = '\0';
  if (conf_parse(ini, path, raw, sizeof(raw)) == 0)
    return 0;
  conf_escape(ini->msg, sizeof(ini->msg), raw);
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

int ncg_parse_ip6_cidr(const char *s, int strict, uint8_t addr[16],
                       unsigned *plen, const char **why) {
  char host[INET6_ADDRSTRLEN];
  const char *slash = strchr(s, '/');
  size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
  uint32_t len = 128;
  if (hlen >= sizeof(host) || (memcpy(host, s, hlen), host[hlen] = '\0',
                               inet_pton(AF_INET6, host, addr) != 1)) {
    *why = "expected an IPv6 address or prefix such as fd00:99::1/64";
    return -1;
  }
  if (slash && ncg_parse_u32(slash + 1, 0, 128, &len, why) != 0) {
    *why = "prefix length must be 0-128";
    return -1;
  }
  for (unsigned i = len; strict && i < 128; i++) {
    if (addr[i / 8] & (0x80u >> (i % 8))) {
      *why = "host bits set after the prefix length";
      return -1;
    }
  }
  *plen = len;
  return 0;
}

const char *ncg_ip6_str(const uint8_t a[16], char buf[46]) {
  if (!inet_ntop(AF_INET6, a, buf, 46))
    strcpy(buf, "?");
  return buf;
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
