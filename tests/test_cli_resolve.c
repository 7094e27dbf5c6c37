/* The resolver queue (host/resolve.c) and the non-blocking hosts lookup
 * (host/hosts.c): answers come back on the loop thread; a request
 * cancelled while queued or while its lookup runs never calls back and
 * is freed (ASan's leak check runs on this binary in CI); closing the
 * loop does not wait for a lookup in progress; a slow name does not hold
 * up the others. */
#include <arpa/inet.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hosts.h"
#include "loop.h"
#include "resolve.h"

/* A lookup the test holds until it opens the gate: a DNS server that has
 * not answered yet. Names starting with "fast" answer at once. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open;
static int lookups_started, lookups_done;

static int gated_lookup(const char *host, uint16_t port, ncg_addr *out,
                        const char **why) {
  pthread_mutex_lock(&gate_mu);
  lookups_started++;
  pthread_cond_broadcast(&gate_cv);
  while (!gate_open && strncmp(host, "fast", 4) != 0)
    pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
  int rc = -1;
  if (strstr(host, "bad"))
    *why = "host name not found";
  else
    rc = ncg_addr_parse(port == 1 ? "192.0.2.1:1" : "192.0.2.2:4433", out,
                        why);
  pthread_mutex_lock(&gate_mu);
  lookups_done++;
  pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate_mu);
  return rc;
}

static void gate_reset(void) {
  pthread_mutex_lock(&gate_mu);
  gate_open = 0;
  lookups_started = lookups_done = 0;
  pthread_mutex_unlock(&gate_mu);
}

static void gate_release(void) {
  pthread_mutex_lock(&gate_mu);
  gate_open = 1;
  pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate_mu);
}

/* Waits (really: the workers are threads) until `n` lookups started. */
static void wait_started(int n) {
  pthread_mutex_lock(&gate_mu);
  while (lookups_started < n)
    pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
}

static void wait_done(int n) {
  pthread_mutex_lock(&gate_mu);
  while (lookups_done < n)
    pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
}

typedef struct answer {
  int calls, rc;
  pthread_t thread;
  char addr[NCG_ADDR_STRLEN];
  const char *why;
} answer;

static void on_answer(void *obj, int rc, const ncg_addr *a, const char *why) {
  answer *an = obj;
  an->calls++;
  an->rc = rc;
  an->thread = pthread_self();
  an->why = why;
  if (rc == 0)
    ncg_addr_str(a, an->addr, sizeof(an->addr));
}

/* Runs the loop until `an` was answered or 2 s passed. */
static void run_until(ncg_loop *l, const answer *an) {
  for (int i = 0; i < 200 && an->calls == 0; i++)
    assert_int_equal(ncg_loop_once(l, 10), 0);
}

static void real_getaddrinfo_on_loop_thread(void **state) {
  (void)state;
  ncg_loop l;
  answer an = { 0 }, num = { 0 };
  assert_int_equal(ncg_loop_init(&l), 0);
  assert_non_null(ncg_resolve(&l, "localhost", 4433, on_answer, &an));
  assert_non_null(ncg_resolve(&l, "127.0.0.7", 80, on_answer, &num));
  assert_int_equal(an.calls, 0); /* never inside ncg_resolve */
  run_until(&l, &an);
  run_until(&l, &num);
  assert_int_equal(an.calls, 1);
  assert_int_equal(an.rc, 0);
  assert_true(pthread_equal(an.thread, pthread_self()));
  assert_true(strcmp(an.addr, "127.0.0.1:4433") == 0 ||
              strcmp(an.addr, "[::1]:4433") == 0);
  assert_string_equal(num.addr, "127.0.0.7:80");
  assert_int_equal(ncg_resolve_pending(&l), 0);
  ncg_loop_fini(&l);
}

static void failure_reported_with_reason(void **state) {
  (void)state;
  ncg_loop l;
  answer an = { 0 };
  gate_reset();
  gate_release();
  assert_int_equal(ncg_loop_init(&l), 0);
  assert_int_equal(ncg_resolve_set_lookup(&l, gated_lookup), 0);
  assert_non_null(ncg_resolve(&l, "bad.example", 4433, on_answer, &an));
  run_until(&l, &an);
  assert_int_equal(an.calls, 1);
  assert_int_equal(an.rc, -1);
  assert_string_equal(an.why, "host name not found");
  ncg_loop_fini(&l);
}

static void cancel_while_running_never_calls_back(void **state) {
  (void)state;
  ncg_loop l;
  answer an = { 0 };
  gate_reset();
  assert_int_equal(ncg_loop_init(&l), 0);
  assert_int_equal(ncg_resolve_set_lookup(&l, gated_lookup), 0);
  ncg_resolve_req *q = ncg_resolve(&l, "slow.example", 4433, on_answer, &an);
  assert_non_null(q);
  wait_started(1);
  ncg_resolve_cancel(&q); /* the session died first */
  assert_null(q);
  ncg_resolve_cancel(&q); /* NULL is fine */
  assert_int_equal(ncg_resolve_pending(&l), 1); /* the worker still has it */
  gate_release();
  wait_done(1);
  for (int i = 0; i < 200 && ncg_resolve_pending(&l) > 0; i++)
    assert_int_equal(ncg_loop_once(&l, 10), 0);
  assert_int_equal(ncg_resolve_pending(&l), 0);
  assert_int_equal(an.calls, 0);
  ncg_loop_fini(&l);
}

static void slow_name_does_not_hold_up_others(void **state) {
  (void)state;
  ncg_loop l;
  answer slow[NCG_RESOLVE_THREADS], fast = { 0 }, queued = { 0 };
  ncg_resolve_req *q[NCG_RESOLVE_THREADS], *qq;
  gate_reset();
  memset(slow, 0, sizeof(slow));
  assert_int_equal(ncg_loop_init(&l), 0);
  assert_int_equal(ncg_resolve_set_lookup(&l, gated_lookup), 0);
  /* One slow name holds one worker; the next name gets another. */
  q[0] = ncg_resolve(&l, "slow0.example", 4433, on_answer, &slow[0]);
  wait_started(1);
  assert_non_null(ncg_resolve(&l, "fast.example", 1, on_answer, &fast));
  run_until(&l, &fast);
  assert_int_equal(fast.calls, 1);
  assert_string_equal(fast.addr, "192.0.2.1:1");
  /* Every worker busy: the next request waits in the queue, and a
   * cancel there frees it at once. */
  for (int i = 1; i < NCG_RESOLVE_THREADS; i++)
    q[i] = ncg_resolve(&l, "slow.example", 4433, on_answer, &slow[i]);
  wait_started(NCG_RESOLVE_THREADS + 1);
  qq = ncg_resolve(&l, "queued.example", 4433, on_answer, &queued);
  assert_non_null(qq);
  usleep(20000);
  assert_int_equal(lookups_started, NCG_RESOLVE_THREADS + 1);
  assert_int_equal(ncg_resolve_pending(&l), NCG_RESOLVE_THREADS + 1);
  ncg_resolve_cancel(&qq);
  assert_int_equal(ncg_resolve_pending(&l), NCG_RESOLVE_THREADS);
  ncg_resolve_cancel(&q[1]);
  gate_release();
  for (int i = 0; i < 200 && ncg_resolve_pending(&l) > 0; i++)
    assert_int_equal(ncg_loop_once(&l, 10), 0);
  assert_int_equal(ncg_resolve_pending(&l), 0);
  assert_int_equal(queued.calls, 0);
  assert_int_equal(slow[1].calls, 0);
  for (int i = 0; i < NCG_RESOLVE_THREADS; i++)
    if (i != 1) {
      assert_int_equal(slow[i].calls, 1);
      assert_string_equal(slow[i].addr, "192.0.2.2:4433");
    }
  assert_int_equal(lookups_done, NCG_RESOLVE_THREADS + 1);
  ncg_loop_fini(&l);
}

static void loop_fini_does_not_wait_for_dns(void **state) {
  (void)state;
  ncg_loop l;
  answer an = { 0 }, an2 = { 0 };
  gate_reset();
  assert_int_equal(ncg_loop_init(&l), 0);
  assert_int_equal(ncg_resolve_set_lookup(&l, gated_lookup), 0);
  assert_non_null(ncg_resolve(&l, "slow.example", 4433, on_answer, &an));
  wait_started(1);
  /* a second one queued behind it on another worker, or in the queue */
  assert_non_null(ncg_resolve(&l, "slow2.example", 4433, on_answer, &an2));
  wait_started(2); /* both on workers: each exits on its own */
  ncg_loop_fini(&l); /* the gate is closed: this would hang if it waited */
  gate_release();
  wait_done(2);
  /* every worker frees what it holds and exits (LSan checks the rest) */
  for (int i = 0; i < 200 && ncg_resolve_workers() > 0; i++)
    usleep(10000);
  assert_int_equal(ncg_resolve_workers(), 0);
  assert_int_equal(an.calls, 0);
  assert_int_equal(an2.calls, 0);
}

static void hosts_lookup_sync_and_async(void **state) {
  (void)state;
  ncg_loop l;
  ncg_host e = { .name = "office" };
  ncg_hosts h = { .v = &e, .n = 1, .cap = 1 };
  ncg_addr a;
  const char *why = NULL;
  ncg_resolve_req *q = NULL;
  answer an = { 0 };
  char s[NCG_ADDR_STRLEN];
  gate_reset();
  gate_release();
  assert_int_equal(ncg_addr_parse("10.200.0.1:4433", &e.addr, &why), 0);
  assert_int_equal(ncg_loop_init(&l), 0);
  assert_int_equal(ncg_resolve_set_lookup(&l, gated_lookup), 0);
  /* [hosts] and numeric text: answered at once, no request */
  assert_int_equal(
      ncg_hosts_lookup(&h, &l, "office", &a, on_answer, &an, &q, &why), 0);
  assert_string_equal(ncg_addr_str(&a, s, sizeof(s)), "10.200.0.1:4433");
  assert_int_equal(
      ncg_hosts_lookup(&h, &l, "192.0.2.9:99", &a, on_answer, &an, &q, &why),
      0);
  assert_string_equal(ncg_addr_str(&a, s, sizeof(s)), "192.0.2.9:99");
  assert_int_equal(
      ncg_hosts_lookup(&h, &l, "2001:db8::5", &a, on_answer, &an, &q, &why),
      0);
  assert_string_equal(ncg_addr_str(&a, s, sizeof(s)), "[2001:db8::5]:4433");
  assert_null(q);
  assert_int_equal(ncg_resolve_pending(&l), 0);
  /* a name: a request on the default port, answered from the loop */
  assert_int_equal(
      ncg_hosts_lookup(&h, &l, "relay.example", &a, on_answer, &an, &q, &why),
      1);
  assert_non_null(q);
  run_until(&l, &an);
  assert_int_equal(an.calls, 1);
  assert_string_equal(an.addr, "192.0.2.2:4433");
  ncg_loop_fini(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(real_getaddrinfo_on_loop_thread),
    cmocka_unit_test(failure_reported_with_reason),
    cmocka_unit_test(cancel_while_running_never_calls_back),
    cmocka_unit_test(slow_name_does_not_hold_up_others),
    cmocka_unit_test(loop_fini_does_not_wait_for_dns),
    cmocka_unit_test(hosts_lookup_sync_and_async),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
