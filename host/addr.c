/* Transport address text (addr.h). */
#include "addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ncg_hostport_split(const char *s, char *host, size_t hostcap,
                       uint16_t *port, const char **why) {
  const char *colon, *h = s;
  size_t hlen;
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    if (!close) {
      *why = "missing ']' after an IPv6 address";
      return -1;
    }
    h = s + 1;
    hlen = (size_t)(close - h);
    colon = close + 1;
    if (*colon != ':') {
      *why = "expected ':port' after ']'";
      return -1;
    }
  } else {
    colon = strrchr(s, ':');
    if (!colon) {
      *why = "expected host:port";
      return -1;
    }
    if (memchr(s, ':', (size_t)(colon - s))) {
      *why = "an IPv6 address needs brackets: [addr]:port";
      return -1;
    }
    hlen = (size_t)(colon - s);
  }
  if (hlen == 0 || hlen >= hostcap) {
    *why = hlen == 0 ? "empty host" : "host too long";
    return -1;
  }
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  char *end;
  const char *p = colon + 1;
  if (*p < '0' || *p > '9') {
    *why = "port must be a number 1-65535";
    return -1;
  }
  unsigned long v = strtoul(p, &end, 10);
  if (*end != '\0' || v == 0 || v > 65535) {
    *why = "port must be a number 1-65535";
    return -1;
  }
  *port = (uint16_t)v;
  return 0;
}

static int addr_lookup(const char *s, ncg_addr *out, const char **why,
                       int flags) {
  char host[256];
  uint16_t port;
  if (ncg_hostport_split(s, host, sizeof(host), &port, why) != 0)
    return -1;
  char portstr[8];
  snprintf(portstr, sizeof(portstr), "%u", port);
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = flags };
  struct addrinfo *res = NULL;
  int rc = getaddrinfo(host, portstr, &hints, &res);
  if (rc != 0 || !res) {
    *why = (flags & AI_NUMERICHOST) ? "not a numeric IPv4 or IPv6 address"
                                    : "host name not found";
    return -1;
  }
  memset(out, 0, sizeof(*out));
  memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
  out->len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

int ncg_addr_parse(const char *s, ncg_addr *out, const char **why) {
  return addr_lookup(s, out, why, AI_NUMERICHOST | AI_NUMERICSERV);
}

int ncg_addr_resolve(const char *s, ncg_addr *out, const char **why) {
  return addr_lookup(s, out, why, AI_NUMERICSERV);
}

const char *ncg_addr_str(const ncg_addr *a, char *buf, size_t cap) {
  char host[INET6_ADDRSTRLEN];
  if (a->ss.ss_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
    snprintf(buf, cap, "%s:%u", host, ntohs(sin->sin_port));
  } else if (a->ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
    snprintf(buf, cap, "[%s]:%u", host, ntohs(sin6->sin6_port));
  } else {
    snprintf(buf, cap, "-");
  }
  return buf;
}
