/* Event loop: epoll, timer heap, signalfd, deferred work (loop.h). */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "resolve.h"
#include "sys.h"

enum { LOOP_BATCH = 64 };

int ncg_loop_init(ncg_loop *l) {
  memset(l, 0, sizeof(*l));
  l->sigfd = -1;
  l->epfd = epoll_create1(EPOLL_CLOEXEC);
  return l->epfd < 0 ? -1 : 0;
}

void ncg_loop_fini(ncg_loop *l) {
  ncg_resolver_release(l); /* never waits for a lookup in progress */
  if (l->sigfd >= 0)
    close(l->sigfd);
  if (l->epfd >= 0)
    close(l->epfd);
  free(l->heap);
  free(l->defer);
  memset(l, 0, sizeof(*l));
  l->epfd = l->sigfd = -1;
}

static void loop_sig_ready(void *obj, uint32_t events) {
  ncg_loop *l = obj;
  (void)events;
  struct signalfd_siginfo si;
  while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
    l->on_signal((int)si.ssi_signo, l->sig_obj);
}

int ncg_loop_signals(ncg_loop *l, const int *sigs, size_t n,
                     void (*fn)(int signo, void *obj), void *obj) {
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < n; i++)
    sigaddset(&set, sigs[i]);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
    return -1;
  l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (l->sigfd < 0)
    return -1;
  l->on_signal = fn;
  l->sig_obj = obj;
  return ncg_watch_add(l, &l->sigwatch, l->sigfd, EPOLLIN, loop_sig_ready, l);
}

int ncg_watch_add(ncg_loop *l, ncg_watch *w, int fd, uint32_t events,
                  ncg_io_fn fn, void *obj) {
  struct epoll_event ev = { .events = events, .data.ptr = w };
  w->fd = fd;
  w->events = events;
  w->fn = fn;
  w->obj = obj;
  if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    w->fn = NULL;
    return -1;
  }
  return 0;
}

int ncg_watch_mod(ncg_loop *l, ncg_watch *w, uint32_t events) {
  if (!w->fn || w->events == events)
    return 0;
  struct epoll_event ev = { .events = events, .data.ptr = w };
  if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) != 0)
    return -1;
  w->events = events;
  return 0;
}

void ncg_watch_del(ncg_loop *l, ncg_watch *w) {
  if (!w->fn)
    return;
  epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
  w->fn = NULL;
}

/* ---- timer heap ---- */

void ncg_timer_init(ncg_timer *t, ncg_timer_fn fn, void *obj) {
  t->when = NCGT_TSTAMP_MAX;
  t->slot = 0;
  t->fn = fn;
  t->obj = obj;
}

static void heap_place(ncg_loop *l, size_t i, ncg_timer *t) {
  l->heap[i] = t;
  t->slot = i;
}

static void heap_up(ncg_loop *l, size_t i) {
  ncg_timer *t = l->heap[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (l->heap[parent]->when <= t->when)
      break;
    heap_place(l, i, l->heap[parent]);
    i = parent;
  }
  heap_place(l, i, t);
}

static void heap_down(ncg_loop *l, size_t i) {
  ncg_timer *t = l->heap[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= l->nheap)
      break;
    if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[c]->when)
      c++;
    if (t->when <= l->heap[c]->when)
      break;
    heap_place(l, i, l->heap[c]);
    i = c;
  }
  heap_place(l, i, t);
}

void ncg_timer_stop(ncg_loop *l, ncg_timer *t) {
  if (t->when == NCGT_TSTAMP_MAX)
    return;
  size_t i = t->slot;
  t->when = NCGT_TSTAMP_MAX;
  ncg_timer *last = l->heap[--l->nheap];
  if (last != t) {
    heap_place(l, i, last);
    heap_up(l, i);
    heap_down(l, last->slot);
  }
}

int ncg_timer_set(ncg_loop *l, ncg_timer *t, ncgt_tstamp when) {
  if (when == NCGT_TSTAMP_MAX) {
    ncg_timer_stop(l, t);
    return 0;
  }
  if (t->when != NCGT_TSTAMP_MAX) {
    t->when = when;
    heap_up(l, t->slot);
    heap_down(l, t->slot);
    return 0;
  }
  if (ncg_grow(&l->heap, &l->capheap, l->nheap, sizeof(*l->heap)) != 0)
    return -1;
  t->when = when;
  heap_place(l, l->nheap++, t);
  heap_up(l, t->slot);
  return 0;
}

int ncg_loop_defer(ncg_loop *l, ncg_defer_fn fn, void *obj) {
  if (ncg_grow(&l->defer, &l->capdefer, l->ndefer, sizeof(*l->defer)) != 0)
    return -1;
  l->defer[l->ndefer++] = (ncg_defer){ fn, obj };
  return 0;
}

static void run_deferred(ncg_loop *l) {
  /* A deferred callback may defer more work: index, not pointer. */
  for (size_t i = 0; i < l->ndefer; i++)
    l->defer[i].fn(l->defer[i].obj);
  l->ndefer = 0;
}

static void run_timers(ncg_loop *l) {
  ncgt_tstamp now = ncg_now();
  /* A callback may re-arm its timer for `now`: bound the work per pass
   * so one busy timer cannot starve the epoll wait. */
  size_t budget = l->nheap + 16;
  while (l->nheap > 0 && l->heap[0]->when <= now && budget-- > 0) {
    ncg_timer *t = l->heap[0];
    ncg_timer_stop(l, t);
    t->fn(t->obj, now);
  }
}

static int next_wait_ms(const ncg_loop *l, int max_ms) {
  if (l->ndefer > 0)
    return 0;
  if (l->nheap == 0)
    return max_ms;
  ncgt_tstamp now = ncg_now(), when = l->heap[0]->when;
  if (when <= now)
    return 0;
  /* Round up so we never wake just before the deadline and spin. */
  ncgt_tstamp ms = (when - now + NCGT_MILLISECONDS - 1) / NCGT_MILLISECONDS;
  if (ms > 60000)
    ms = 60000;
  if (max_ms >= 0 && (ncgt_tstamp)max_ms < ms)
    return max_ms;
  return (int)ms;
}

int ncg_loop_once(ncg_loop *l, int max_ms) {
  struct epoll_event evs[LOOP_BATCH];
  int n = epoll_wait(l->epfd, evs, LOOP_BATCH, next_wait_ms(l, max_ms));
  if (n < 0 && errno != EINTR)
    return -1;
  for (int i = 0; i < n; i++) {
    ncg_watch *w = evs[i].data.ptr;
    if (w->fn)
      w->fn(w->obj, evs[i].events);
  }
  run_timers(l);
  run_deferred(l);
  return 0;
}

int ncg_loop_run(ncg_loop *l) {
  while (!l->stop)
    if (ncg_loop_once(l, -1) != 0)
      return -1;
  return 0;
}

void ncg_loop_stop(ncg_loop *l) { l->stop = 1; }
