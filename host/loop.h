/*
 * The programs' one event loop: epoll for file descriptors, a min-heap
 * of timers on the monotonic clock (what drives every library object's
 * get_expiry / handle_expiry), signalfd for signals, and deferred
 * work that runs after the current batch of events.
 *
 * Ownership: the caller owns every ncg_watch and ncg_timer (usually
 * embedded in a connection object). Once an object is removed with
 * ncg_watch_del / ncg_timer_stop it may be freed, but only from a
 * deferred callback (ncg_loop_defer): events of the same epoll batch may
 * still name it, and the loop skips watches whose callback was cleared.
 */
#ifndef NCG_LOOP_H
#define NCG_LOOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <ncgtun/ncgtun.h>

typedef struct ncg_loop ncg_loop;

/* Called with the epoll event bits (EPOLLIN, EPOLLOUT, EPOLLERR...). */
typedef void (*ncg_io_fn)(void *obj, uint32_t events);
typedef void (*ncg_timer_fn)(void *obj, ncgt_tstamp now);
typedef void (*ncg_defer_fn)(void *obj);

typedef struct ncg_watch {
  int fd;
  uint32_t events;
  ncg_io_fn fn; /* NULL once removed */
  void *obj;
} ncg_watch;

typedef struct ncg_timer {
  ncgt_tstamp when; /* NCGT_TSTAMP_MAX: not armed */
  size_t slot;      /* index in the heap while armed */
  ncg_timer_fn fn;
  void *obj;
} ncg_timer;

typedef struct ncg_defer {
  ncg_defer_fn fn;
  void *obj;
} ncg_defer;

struct ncg_loop {
  int epfd;
  int sigfd;
  ncg_watch sigwatch;
  void (*on_signal)(int signo, void *obj);
  void *sig_obj;
  ncg_timer **heap; /* min-heap on `when` */
  size_t nheap, capheap;
  ncg_defer *defer;
  size_t ndefer, capdefer;
  int stop;
  struct ncg_resolver *resolver; /* resolve.h; NULL until the first lookup */
};

int ncg_loop_init(ncg_loop *l);
void ncg_loop_fini(ncg_loop *l);

/* Blocks `sigs` and delivers them through `fn` from the loop. */
int ncg_loop_signals(ncg_loop *l, const int *sigs, size_t n,
                     void (*fn)(int signo, void *obj), void *obj);

int ncg_watch_add(ncg_loop *l, ncg_watch *w, int fd, uint32_t events,
                  ncg_io_fn fn, void *obj);
int ncg_watch_mod(ncg_loop *l, ncg_watch *w, uint32_t events);
void ncg_watch_del(ncg_loop *l, ncg_watch *w);

void ncg_timer_init(ncg_timer *t, ncg_timer_fn fn, void *obj);
/* Arms (or re-arms) for `when`; NCGT_TSTAMP_MAX disarms. 0 or -1 (ENOMEM) */
int ncg_timer_set(ncg_loop *l, ncg_timer *t, ncgt_tstamp when);
void ncg_timer_stop(ncg_loop *l, ncg_timer *t);

/* Runs fn(obj) after the current batch of events; 0 or -1. */
int ncg_loop_defer(ncg_loop *l, ncg_defer_fn fn, void *obj);

/* One wait + dispatch, blocking at most `max_ms` (-1: until an event or
 * a timer). Returns -1 on a fatal epoll error. */
int ncg_loop_once(ncg_loop *l, int max_ms);
/* Until ncg_loop_stop(). */
int ncg_loop_run(ncg_loop *l);
void ncg_loop_stop(ncg_loop *l);

#endif /* NCG_LOOP_H */
