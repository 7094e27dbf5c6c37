/*
 * Node names to transport addresses. Paths, pool members and redirect
 * targets name nodes ("relay1", "office-a"); the [hosts] section of a
 * program's configuration maps a name to "ip:port", and names it does
 * not list are looked up as "host:port" text or with getaddrinfo on the
 * default port.
 */
#ifndef NCG_HOSTS_H
#define NCG_HOSTS_H

#include <stddef.h>

#include <ncgtun/frame.h>

#include "addr.h"
#include "conf.h"
#include "resolve.h"

enum { NCG_DEFAULT_PORT = 4433 };

typedef struct ncg_host {
  char name[NCGT_NAME_MAX + 1];
  ncg_addr addr;
} ncg_host;

typedef struct ncg_hosts {
  ncg_host *v;
  size_t n, cap;
} ncg_hosts;

/* A [hosts] line: name = ip:port (numeric, so the file alone says where
 * traffic goes). 0, or ncg_ini_fail. */
int ncg_hosts_kv(ncg_hosts *h, ncg_ini *ini, const char *key,
                 const char *value);
void ncg_hosts_free(ncg_hosts *h);
/* Looks `name` up: [hosts] first, then "host:port" text, then the name
 * as a host on NCG_DEFAULT_PORT. 0, or -1 with *why. Blocking when a
 * DNS lookup is needed: never from a loop callback (use
 * ncg_hosts_lookup); the programs no longer call it. */
int ncg_hosts_resolve(const ncg_hosts *h, const char *name, ncg_addr *out,
                      const char **why);
/* The same lookup for a program's loop, never blocking: returns 0 with
 * *out filled when [hosts] or the text itself gives the address; 1 when
 * a DNS lookup was started (*req set; fn(obj, ...) runs later from the
 * loop unless ncg_resolve_cancel(req) first); -1 with *why. */
int ncg_hosts_lookup(const ncg_hosts *h, ncg_loop *l, const char *name,
                     ncg_addr *out, ncg_resolve_fn fn, void *obj,
                     ncg_resolve_req **req, const char **why);

#endif /* NCG_HOSTS_H */
