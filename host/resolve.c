/* Resolver threads, a request queue and an eventfd into the loop
 * (resolve.h). */
#include "resolve.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef enum { RQ_QUEUED, RQ_RUNNING, RQ_DONE } rq_state;

typedef struct ncg_resolver ncg_resolver;

struct ncg_resolve_req {
  ncg_resolve_req *next; /* in the queue or the done list */
  ncg_resolver *r;
  rq_state state;
  ncg_resolve_fn fn; /* NULL: cancelled */
  void *obj;
  uint16_t port;
  int rc;
  const char *why;
  ncg_addr addr;
  char host[256];
};

/* Shared by the loop thread and the workers; every field below `mu` is
 * guarded by it. Freed by whoever drops the last reference: the loop
 * holds one until ncg_resolver_release, each worker one. */
struct ncg_resolver {
  ncg_loop *loop;
  ncg_watch watch;
  int efd;
  ncg_lookup_fn lookup;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  ncg_resolve_req *qhead, *qtail; /* queued, oldest first */
  ncg_resolve_req *done;          /* answered, any order */
  unsigned threads, idle, refs;
  size_t queued; /* length of the queue */
  size_t live; /* requests not yet freed */
  int stopping;
};

int ncg_lookup_getaddrinfo(const char *host, uint16_t port, ncg_addr *out,
                           const char **why) {
  char hp[sizeof(((ncg_resolve_req *)0)->host) + 16];
  snprintf(hp, sizeof(hp), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
           port);
  return ncg_addr_resolve(hp, out, why); /* getaddrinfo, blocking */
}

/* Drops one reference (mu held); the last one frees everything. Returns
 * 1 when freed (mu is gone then). */
static int resolver_unref(ncg_resolver *r) {
  if (--r->refs > 0)
    return 0;
  pthread_mutex_unlock(&r->mu);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  close(r->efd);
  free(r);
  return 1;
}

/* Workers alive in the process, every loop's (ncg_resolve_workers). */
static pthread_mutex_t workers_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t workers_alive;

static void workers_add(int d) {
  pthread_mutex_lock(&workers_mu);
  workers_alive += (size_t)d;
  pthread_mutex_unlock(&workers_mu);
}

size_t ncg_resolve_workers(void) {
  pthread_mutex_lock(&workers_mu);
  size_t n = workers_alive;
  pthread_mutex_unlock(&workers_mu);
  return n;
}

static void req_free(ncg_resolver *r, ncg_resolve_req *q) {
  r->live--;
  free(q);
}

static void *resolver_worker(void *arg) {
  ncg_resolver *r = arg;
  pthread_mutex_lock(&r->mu);
  for (;;) {
    while (!r->qhead && !r->stopping) {
      r->idle++;
      pthread_cond_wait(&r->cv, &r->mu);
      r->idle--;
    }
    if (r->stopping)
      break;
    ncg_resolve_req *q = r->qhead;
    r->qhead = q->next;
    if (!r->qhead)
      r->qtail = NULL;
    r->queued--;
    q->state = RQ_RUNNING;
    ncg_lookup_fn lookup = r->lookup;
    pthread_mutex_unlock(&r->mu);

    ncg_addr a;
    const char *why = "host name lookup failed";
    int rc = lookup(q->host, q->port, &a, &why);

    pthread_mutex_lock(&r->mu);
    if (r->stopping || !q->fn) { /* nobody waits for it any more */
      req_free(r, q);
      continue;
    }
    q->rc = rc;
    q->why = why;
    if (rc == 0)
      q->addr = a;
    q->state = RQ_DONE;
    q->next = r->done;
    r->done = q;
    uint64_t one = 1;
    /* A full counter (2^64 - 2) cannot happen; EAGAIN would only mean
     * the loop is already woken. */
    if (write(r->efd, &one, sizeof(one)) < 0) {
    }
  }
  r->threads--;
  if (!resolver_unref(r))
    pthread_mutex_unlock(&r->mu);
  workers_add(-1);
  return NULL;
}

/* The eventfd is readable: run the callbacks of answered requests. */
static void resolver_ready(void *obj, uint32_t events) {
  ncg_resolver *r = obj;
  uint64_t n;
  (void)events;
  if (read(r->efd, &n, sizeof(n)) < 0) {
  }
  pthread_mutex_lock(&r->mu);
  ncg_resolve_req *list = r->done;
  r->done = NULL;
  pthread_mutex_unlock(&r->mu);
  /* Only this thread touches answered requests, so a callback that
   * cancels another one of this list just clears its fn. */
  while (list) {
    ncg_resolve_req *q = list;
    list = q->next;
    if (q->fn) {
      ncg_resolve_fn fn = q->fn;
      q->fn = NULL;
      fn(q->obj, q->rc, q->rc == 0 ? &q->addr : NULL, q->why);
    }
    pthread_mutex_lock(&r->mu);
    req_free(r, q);
    pthread_mutex_unlock(&r->mu);
  }
}

static ncg_resolver *resolver_get(ncg_loop *l) {
  if (l->resolver)
    return l->resolver;
  ncg_resolver *r = calloc(1, sizeof(*r));
  if (!r)
    return NULL;
  r->loop = l;
  r->lookup = ncg_lookup_getaddrinfo;
  r->refs = 1;
  r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (r->efd < 0) {
    free(r);
    return NULL;
  }
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  if (ncg_watch_add(l, &r->watch, r->efd, EPOLLIN, resolver_ready, r) != 0) {
    int e = errno;
    pthread_mutex_lock(&r->mu);
    resolver_unref(r);
    errno = e;
    return NULL;
  }
  l->resolver = r;
  return r;
}

/* A worker for the new request when fewer are idle than requests wait
 * (an idle one may not have woken for the last one yet) (mu held).
 * Workers block every signal: the loop takes them through its
 * signalfd. */
static int resolver_spawn(ncg_resolver *r) {
  if (r->idle > r->queued || r->threads >= NCG_RESOLVE_THREADS)
    return 0;
  pthread_attr_t at;
  pthread_t tid;
  sigset_t all, old;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&at, 256 * 1024);
  sigfillset(&all);
  workers_add(1);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&tid, &at, resolver_worker, r);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&at);
  if (rc != 0) {
    workers_add(-1);
    return r->threads > 0 ? 0 : (errno = rc, -1); /* the others will do */
  }
  r->threads++;
  r->refs++;
  return 0;
}

ncg_resolve_req *ncg_resolve(ncg_loop *l, const char *host, uint16_t port,
                             ncg_resolve_fn fn, void *obj) {
  size_t hl = strlen(host);
  ncg_resolver *r;
  if (hl >= sizeof(((ncg_resolve_req *)0)->host)) {
    errno = ENAMETOOLONG;
    return NULL;
  }
  if (!(r = resolver_get(l)))
    return NULL;
  ncg_resolve_req *q = calloc(1, sizeof(*q));
  if (!q)
    return NULL;
  memcpy(q->host, host, hl + 1);
  q->port = port;
  q->fn = fn;
  q->obj = obj;
  q->r = r;
  pthread_mutex_lock(&r->mu);
  if (resolver_spawn(r) != 0) {
    int e = errno;
    pthread_mutex_unlock(&r->mu);
    free(q);
    errno = e;
    return NULL;
  }
  q->state = RQ_QUEUED;
  if (r->qtail)
    r->qtail->next = q;
  else
    r->qhead = q;
  r->qtail = q;
  r->queued++;
  r->live++;
  pthread_cond_signal(&r->cv);
  pthread_mutex_unlock(&r->mu);
  return q;
}

void ncg_resolve_cancel(ncg_resolve_req **pq) {
  ncg_resolve_req *q = *pq;
  if (!q)
    return;
  *pq = NULL;
  ncg_resolver *r = q->r;
  pthread_mutex_lock(&r->mu);
  q->fn = NULL;
  q->obj = NULL;
  if (q->state == RQ_QUEUED) {
    ncg_resolve_req **pp = &r->qhead, *prev = NULL;
    while (*pp != q) {
      prev = *pp;
      pp = &(*pp)->next;
    }
    *pp = q->next;
    if (r->qtail == q)
      r->qtail = prev;
    r->queued--;
    req_free(r, q);
  }
  /* RUNNING: the worker frees it; DONE: resolver_ready frees it. */
  pthread_mutex_unlock(&r->mu);
}

size_t ncg_resolve_pending(const ncg_loop *l) {
  ncg_resolver *r = l->resolver;
  if (!r)
    return 0;
  pthread_mutex_lock(&r->mu);
  size_t n = r->live;
  pthread_mutex_unlock(&r->mu);
  return n;
}

int ncg_resolve_set_lookup(ncg_loop *l, ncg_lookup_fn fn) {
  ncg_resolver *r = resolver_get(l);
  if (!r)
    return -1;
  pthread_mutex_lock(&r->mu);
  r->lookup = fn ? fn : ncg_lookup_getaddrinfo;
  pthread_mutex_unlock(&r->mu);
  return 0;
}

void ncg_resolver_release(ncg_loop *l) {
  ncg_resolver *r = l->resolver;
  if (!r)
    return;
  l->resolver = NULL;
  ncg_watch_del(l, &r->watch);
  pthread_mutex_lock(&r->mu);
  r->stopping = 1;
  while (r->qhead) {
    ncg_resolve_req *q = r->qhead;
    r->qhead = q->next;
    req_free(r, q);
  }
  r->qtail = NULL;
  r->queued = 0;
  while (r->done) {
    ncg_resolve_req *q = r->done;
    r->done = q->next;
    req_free(r, q);
  }
  pthread_cond_broadcast(&r->cv);
  if (!resolver_unref(r))
    pthread_mutex_unlock(&r->mu);
}
