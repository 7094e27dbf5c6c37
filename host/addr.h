/*
 * Transport addresses: parsing "host:port" text (IPv4 "192.0.2.1:4433",
 * IPv6 "[2001:db8::1]:4433", names through getaddrinfo) and printing them
 * back for logs.
 */
#ifndef NCG_ADDR_H
#define NCG_ADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct ncg_addr {
  struct sockaddr_storage ss;
  socklen_t len;
} ncg_addr;

/* Longest text ncg_addr_str writes: "[v6%scope]:65535" and a NUL. */
enum { NCG_ADDR_STRLEN = INET6_ADDRSTRLEN + 16 };

/* Splits "host:port" / "[v6]:port" into host and port text. Returns 0, or
 * -1 with *why set to a static description of the mistake. */
int ncg_hostport_split(const char *s, char *host, size_t hostcap,
                       uint16_t *port, const char **why);
/* Numeric address with port, for listen/bind: "0.0.0.0:4433",
 * "[::]:4433". 0 or -1 with *why. */
int ncg_addr_parse(const char *s, ncg_addr *out, const char **why);
/* Like ncg_addr_parse, but the host may be a name looked up with
 * getaddrinfo (blocking). 0 or -1 with *why. */
int ncg_addr_resolve(const char *s, ncg_addr *out, const char **why);
/* "192.0.2.1:4433" or "[2001:db8::1]:4433". Returns buf. */
const char *ncg_addr_str(const ncg_addr *a, char *buf, size_t cap);

#endif /* NCG_ADDR_H */
