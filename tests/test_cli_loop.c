/* The programs' event loop and TCP streams (host/loop.c, host/stream.c):
 * timer order, re-arming and stopping; a loopback connection carrying
 * bytes both ways; the bounded queue's soft and hard limits; a listener
 * out of descriptors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "stream.h"
#include "sys.h"

typedef struct fired {
  int order[8];
  int n;
} fired;

typedef struct tctx {
  fired *f;
  int id;
} tctx;

static void on_timer(void *obj, ncgt_tstamp now) {
  tctx *t = obj;
  (void)now;
  t->f->order[t->f->n++] = t->id;
}

static void timers_fire_in_order(void **state) {
  (void)state;
  ncg_loop l;
  fired f = { .n = 0 };
  tctx c[5];
  ncg_timer t[5];
  assert_int_equal(ncg_loop_init(&l), 0);
  ncgt_tstamp now = ncg_now();
  /* deadlines: 4 3 1 0 2 (x 1 ms), then move #0 last and stop #4 */
  static const int delay[5] = { 4, 3, 1, 0, 2 };
  for (int i = 0; i < 5; i++) {
    c[i] = (tctx){ &f, i };
    ncg_timer_init(&t[i], on_timer, &c[i]);
    assert_int_equal(
        ncg_timer_set(&l, &t[i], now + (ncgt_tstamp)delay[i] * NCGT_MILLISECONDS),
        0);
  }
  assert_int_equal(ncg_timer_set(&l, &t[0], now + 9 * NCGT_MILLISECONDS), 0);
  ncg_timer_stop(&l, &t[4]);
  ncg_timer_stop(&l, &t[4]); /* idempotent */
  for (int i = 0; i < 50 && f.n < 4; i++)
    assert_int_equal(ncg_loop_once(&l, 20), 0);
  assert_int_equal(f.n, 4);
  assert_int_equal(f.order[0], 3);
  assert_int_equal(f.order[1], 2);
  assert_int_equal(f.order[2], 1);
  assert_int_equal(f.order[3], 0);
  assert_int_equal(l.nheap, 0);
  ncg_loop_fini(&l);
}

typedef struct peer {
  ncg_stream s;
  int connected, errors, drained;
  uint8_t got[64];
  size_t ngot;
} peer;

static void p_connected(ncg_stream *s, void *obj) {
  (void)s;
  ((peer *)obj)->connected = 1;
}
static void p_data(ncg_stream *s, uint8_t *d, size_t n, void *obj) {
  peer *p = obj;
  (void)s;
  size_t room = sizeof(p->got) - p->ngot;
  memcpy(p->got + p->ngot, d, n < room ? n : room);
  p->ngot += n < room ? n : room;
}
static void p_error(ncg_stream *s, int err, void *obj) {
  (void)err;
  ((peer *)obj)->errors++;
  ncg_stream_close(s);
}
static void p_drain(ncg_stream *s, void *obj) {
  (void)s;
  ((peer *)obj)->drained++;
}

static const ncg_stream_ops ops = { p_connected, p_data, p_error, p_drain };

static peer server_side;
static ncg_loop *accept_loop;

static void on_accept(int fd, const ncg_addr *a, void *obj) {
  (void)obj;
  assert_int_equal(ncg_stream_adopt(&server_side.s, accept_loop, fd, a, 4096,
                                    &ops, &server_side), 0);
}

static void loopback_stream(void **state) {
  (void)state;
  ncg_loop l;
  ncg_listener ls;
  ncg_addr a;
  const char *why;
  peer cl;
  memset(&cl, 0, sizeof(cl));
  memset(&server_side, 0, sizeof(server_side));
  assert_int_equal(ncg_loop_init(&l), 0);
  accept_loop = &l;
  assert_int_equal(ncg_addr_parse("127.0.0.1:1", &a, &why), 0);
  ((struct sockaddr_in *)&a.ss)->sin_port = 0;
  assert_int_equal(ncg_listener_open(&ls, &l, &a, on_accept, NULL), 0);
  a.len = sizeof(a.ss);
  assert_int_equal(getsockname(ls.fd, (struct sockaddr *)&a.ss, &a.len), 0);
  assert_int_equal(ncg_stream_connect(&cl.s, &l, &a, 4096, &ops, &cl), 0);
  for (int i = 0; i < 100 && !(cl.connected && server_side.s.q); i++)
    ncg_loop_once(&l, 10);
  assert_true(cl.connected);
  assert_int_equal(ncg_stream_write(&cl.s, (const uint8_t *)"hello", 5), 0);
  assert_int_equal(ncg_stream_write(&server_side.s, (const uint8_t *)"back", 4),
                   0);
  for (int i = 0; i < 100 && (server_side.ngot < 5 || cl.ngot < 4); i++)
    ncg_loop_once(&l, 10);
  assert_memory_equal(server_side.got, "hello", 5);
  assert_memory_equal(cl.got, "back", 4);

  /* Stop reading on the server: the client's kernel buffers and then its
   * 4 KiB queue fill. Datagrams are refused above 2 KiB, everything
   * above 4 KiB. */
  ncg_stream_pause(&server_side.s, 1);
  uint8_t chunk[1024];
  memset(chunk, 0xab, sizeof(chunk));
  int refused = 0;
  for (int i = 0; i < 100000 && !refused; i++)
    refused = ncg_stream_write(&cl.s, chunk, sizeof(chunk)) != 0;
  assert_true(refused);
  assert_true(ncg_stream_queued(&cl.s) > 4096 - sizeof(chunk));
  assert_false(ncg_stream_room(&cl.s, 1));
  /* Reading again drains it and reports the drain once. */
  ncg_stream_pause(&server_side.s, 0);
  for (int i = 0; i < 1000 && ncg_stream_queued(&cl.s) > 0; i++)
    ncg_loop_once(&l, 10);
  assert_int_equal(ncg_stream_queued(&cl.s), 0);
  assert_int_equal(cl.drained, 1);
  assert_true(ncg_stream_room(&cl.s, 1000));

  /* The client goes away: the server sees the end of the stream. */
  ncg_stream_close(&cl.s);
  for (int i = 0; i < 1000 && server_side.errors == 0; i++)
    ncg_loop_once(&l, 10);
  assert_int_equal(server_side.errors, 1);
  assert_int_equal(server_side.s.fd, -1);
  ncg_listener_close(&ls, &l);
  ncg_loop_fini(&l);
}

static int accepted;
static void accept_close(int fd, const ncg_addr *a, void *obj) {
  (void)a;
  (void)obj;
  accepted++;
  close(fd);
}

/* Loop passes within `ms` milliseconds, each waiting at most 20 ms. */
static int passes_in(ncg_loop *l, int ms) {
  int n = 0;
  ncgt_tstamp end = ncg_now() + (ncgt_tstamp)ms * NCGT_MILLISECONDS;
  while (ncg_now() < end) {
    ncg_loop_once(l, 20);
    n++;
  }
  return n;
}

/* Issue 18.1: out of descriptors, accept(2) failed with EMFILE while the
 * connection stayed queued on a level-triggered listener: the loop woke
 * at once, forever. Now the listener pauses, then accepts once a
 * descriptor is free again. */
static void listener_out_of_fds(void **state) {
  (void)state;
  ncg_loop l;
  ncg_listener ls;
  ncg_addr a;
  const char *why;
  struct rlimit was, low;
  int spare[256], nspare = 0;
  assert_int_equal(ncg_loop_init(&l), 0);
  assert_int_equal(ncg_addr_parse("127.0.0.1:1", &a, &why), 0);
  ((struct sockaddr_in *)&a.ss)->sin_port = 0;
  assert_int_equal(ncg_listener_open(&ls, &l, &a, accept_close, NULL), 0);
  a.len = sizeof(a.ss);
  assert_int_equal(getsockname(ls.fd, (struct sockaddr *)&a.ss, &a.len), 0);
  int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(c >= 0);
  assert_int_equal(connect(c, (struct sockaddr *)&a.ss, a.len), 0);

  assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
  low = was;
  low.rlim_cur = 128;
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  int fd;
  while (nspare < 256 && (fd = dup(c)) >= 0)
    spare[nspare++] = fd;
  assert_int_equal(errno, EMFILE);

  int n = passes_in(&l, 300); /* spinning: thousands */
  assert_int_equal(accepted, 0);
  assert_true(ls.starved >= 1 && ls.starved <= 5);
  assert_true(n < 40);

  while (nspare > 0)
    close(spare[--nspare]);
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
  for (int i = 0; i < 50 && accepted == 0; i++)
    ncg_loop_once(&l, 20);
  assert_int_equal(accepted, 1);
  assert_false(ls.paused);
  close(c);
  ncg_listener_close(&ls, &l);
  ncg_loop_fini(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(timers_fire_in_order),
    cmocka_unit_test(loopback_stream),
    cmocka_unit_test(listener_out_of_fds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
