/*
 * Asynchronous name resolution for the event loop. getaddrinfo(3) blocks
 * for as long as the DNS server takes to answer (seconds, with retries);
 * called from a callback it would stall every session of the process. So
 * lookups run on a few resolver threads: the loop thread queues a
 * request, a worker runs getaddrinfo, and the answer comes back through
 * an eventfd the loop watches; the callback then runs on the loop thread
 * like every other event. No callback ever runs on a worker.
 *
 * Why threads and not getaddrinfo_a(3): glibc's getaddrinfo_a runs
 * the same blocking getaddrinfo on threads of its own, but its
 * gai_cancel cannot cancel a lookup already running and its
 * notification (a signal or a new thread per answer) fits an epoll loop
 * worse than an eventfd. c-ares would be a new dependency and would skip
 * nsswitch (/etc/hosts, systemd-resolved, mDNS). See doc/host.md.
 *
 * One resolver per loop, created on the first lookup (a program that
 * never looks a name up starts no thread). Ownership: a request belongs
 * to the resolver; the caller holds a handle until the callback ran or
 * it cancelled the request, and must not use it after either.
 */
#ifndef NCG_RESOLVE_H
#define NCG_RESOLVE_H

#include <stdint.h>

#include "addr.h"
#include "loop.h"

typedef struct ncg_resolve_req ncg_resolve_req;

/* The answer, on the loop thread: rc 0 and *addr (valid only during the
 * call), or rc -1 and `why` (static text). */
typedef void (*ncg_resolve_fn)(void *obj, int rc, const ncg_addr *addr,
                               const char *why);
/* What a worker runs: 0 and *out, or -1 and *why (static text). The
 * default is getaddrinfo on a TCP service; tests put their own. Runs on a
 * worker thread: touch nothing of the loop's. */
typedef int (*ncg_lookup_fn)(const char *host, uint16_t port, ncg_addr *out,
                             const char **why);

/* Most worker threads per loop: one slow name holds one worker, the other
 * names still resolve. */
enum { NCG_RESOLVE_THREADS = 4 };

/* Starts looking `host` up (a name or a numeric address) for `port`;
 * fn(obj, ...) runs later from the loop unless cancelled first. Returns
 * the handle, or NULL (out of memory, no thread, host too long) with
 * errno set. */
ncg_resolve_req *ncg_resolve(ncg_loop *l, const char *host, uint16_t port,
                             ncg_resolve_fn fn, void *obj);
/* The caller lost interest (its session ended first): fn will not run.
 * Frees a request still queued at once; one a worker is running is freed
 * when its lookup returns. *q is set to NULL; NULL is fine. */
void ncg_resolve_cancel(ncg_resolve_req **q);
/* Requests not yet freed (queued, running, or answered and not yet
 * dispatched), for tests and the status output. */
size_t ncg_resolve_pending(const ncg_loop *l);
/* Resolver threads alive in this process (every loop's), for tests: a
 * released resolver's workers exit once their lookups return. */
size_t ncg_resolve_workers(void);
/* Test hook: the lookup the workers run (NULL: getaddrinfo). Call before
 * the first ncg_resolve on this loop. 0 or -1. */
int ncg_resolve_set_lookup(ncg_loop *l, ncg_lookup_fn fn);
/* From ncg_loop_fini: drops every request (no callback runs) and lets the
 * workers go; a worker still inside getaddrinfo frees what is left when
 * it returns, so closing a loop never waits for DNS. */
void ncg_resolver_release(ncg_loop *l);
/* The default lookup: getaddrinfo(host, port, SOCK_STREAM). */
int ncg_lookup_getaddrinfo(const char *host, uint16_t port, ncg_addr *out,
                           const char **why);

#endif /* NCG_RESOLVE_H */
