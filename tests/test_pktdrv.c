/*
 * Packet Driver Specification 1.11 emulation (pktdrv/pktdrv.c): every
 * call and every error code, the two-call receiver and its refusal path,
 * type demultiplexing with several handles and two stacks, receive modes,
 * statistics. The port below is a fake that records what was sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pktdrv.h"

static const uint8_t MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t OTHER[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t MCAST1[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
static const uint8_t MCAST2[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x02};
static const uint8_t T_IP[2] = {0x08, 0x00};
static const uint8_t T_ARP[2] = {0x08, 0x06};
static const uint8_t T_IP6[2] = {0x86, 0xdd};

/* ---- fake port -------------------------------------------------------- */

typedef struct fake_port {
  int send_fail, mode_fail, mcast_fail, addr_fail, reset_fail;
  int sent;
  uint8_t last[PDRV_FRAME_MAX];
  size_t last_len;
  int last_mode;
  size_t nmcast;
  int terminated;
} fake_port;

static int fp_send(const uint8_t *f, size_t len, void *ctx) {
  fake_port *p = ctx;
  if (p->send_fail)
    return -1;
  p->sent++;
  memcpy(p->last, f, len);
  p->last_len = len;
  return 0;
}
static int fp_mode(int mode, void *ctx) {
  fake_port *p = ctx;
  if (p->mode_fail)
    return -1;
  p->last_mode = mode;
  return 0;
}
static int fp_mcast(const uint8_t *a, size_t n, void *ctx) {
  fake_port *p = ctx;
  (void)a;
  if (p->mcast_fail)
    return -1;
  p->nmcast = n;
  return 0;
}
static int fp_addr(const uint8_t a[6], void *ctx) {
  fake_port *p = ctx;
  (void)a;
  return p->addr_fail ? -1 : 0;
}
static int fp_reset(void *ctx) {
  fake_port *p = ctx;
  return p->reset_fail ? -1 : 0;
}
static void fp_term(void *ctx) { ((fake_port *)ctx)->terminated = 1; }

typedef struct fixture {
  fake_port port;
  pdrv *pd;
} fixture;

static fixture fx;

static int setup_full(void **state) {
  memset(&fx, 0, sizeof(fx));
  pdrv_port port = {fp_send, fp_mode,  fp_mcast, fp_addr,
                       fp_reset, fp_term, &fx.port};
  assert_int_equal(pdrv_new(&fx.pd, &port, MAC, 1, "test"), 0);
  *state = &fx;
  return 0;
}

/* A port with only `send`: no multicast, no address change. */
static int setup_basic(void **state) {
  memset(&fx, 0, sizeof(fx));
  pdrv_port port = {.send = fp_send, .ctx = &fx.port};
  assert_int_equal(pdrv_new(&fx.pd, &port, MAC, 1, "basic"), 0);
  *state = &fx;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  pdrv_del(fx.pd);
  return 0;
}

/* ---- a recording receiver (one per "stack") --------------------------- */

typedef struct stack {
  int refuse;          /* first call returns NULL */
  size_t bufcap;       /* 0 = take the whole frame */
  int calls[2];        /* per flag */
  int last_handle;
  size_t first_len, copied_len;
  uint8_t *copied_buf;
  uint8_t buf[PDRV_FRAME_MAX];
  int seq_ok;          /* second call came after a first for the same pkt */
  int pending;
} stack;

static uint8_t *receiver(int handle, int flag, size_t len, uint8_t *buf,
                         size_t *cap, void *ud) {
  stack *s = ud;
  s->calls[flag]++;
  s->last_handle = handle;
  if (flag == PDRV_RCV_GET_BUFFER) {
    assert_null(buf);
    assert_int_equal(*cap, len);
    s->first_len = len;
    if (s->refuse)
      return NULL;
    if (s->bufcap)
      *cap = s->bufcap;
    s->pending = 1;
    return s->buf;
  }
  s->seq_ok = s->pending && buf == s->buf;
  s->pending = 0;
  s->copied_len = len;
  s->copied_buf = buf;
  return NULL;
}

static int open_type(stack *s, const uint8_t *type, size_t len) {
  int h = -1;
  int rc = pdrv_access_type(fx.pd, PDRV_CLASS_ETHERNET,
                               PDRV_TYPE_ANY, PDRV_NUMBER_ANY, type,
                               len, receiver, s, &h);
  return rc == PDRV_OK ? h : -rc;
}

/* Builds a frame dst, src OTHER, then the given type/payload bytes. */
static size_t frame(uint8_t *f, const uint8_t *dst, const uint8_t *body,
                    size_t blen, size_t total) {
  memset(f, 0xab, total);
  memcpy(f, dst, 6);
  memcpy(f + 6, OTHER, 6);
  memcpy(f + 12, body, blen);
  return total;
}

/* ---- tests ------------------------------------------------------------ */

static void test_error_names(void **state) {
  (void)state;
  assert_string_equal(pdrv_strerror(PDRV_OK), "OK");
  assert_string_equal(pdrv_strerror(1), "BAD_HANDLE");
  assert_string_equal(pdrv_strerror(10), "TYPE_INUSE");
  assert_string_equal(pdrv_strerror(15), "CANT_RESET");
  assert_string_equal(pdrv_strerror(16), "UNKNOWN");
  /* the specification's numbers (Appendix C) */
  assert_int_equal(PDRV_BAD_HANDLE, 1);
  assert_int_equal(PDRV_NO_CLASS, 2);
  assert_int_equal(PDRV_NO_TYPE, 3);
  assert_int_equal(PDRV_NO_NUMBER, 4);
  assert_int_equal(PDRV_BAD_TYPE, 5);
  assert_int_equal(PDRV_NO_MULTICAST, 6);
  assert_int_equal(PDRV_CANT_TERMINATE, 7);
  assert_int_equal(PDRV_BAD_MODE, 8);
  assert_int_equal(PDRV_NO_SPACE, 9);
  assert_int_equal(PDRV_TYPE_INUSE, 10);
  assert_int_equal(PDRV_BAD_COMMAND, 11);
  assert_int_equal(PDRV_CANT_SEND, 12);
  assert_int_equal(PDRV_CANT_SET, 13);
  assert_int_equal(PDRV_BAD_ADDRESS, 14);
  assert_int_equal(PDRV_CANT_RESET, 15);
}

static void test_driver_info(void **state) {
  (void)state;
  pdrv_info info;
  assert_int_equal(pdrv_driver_info(fx.pd, &info), PDRV_OK);
  assert_int_equal(info.if_class, PDRV_CLASS_ETHERNET);
  assert_int_equal(info.if_type, PDRV_TYPE_NCGTUN);
  assert_int_equal(info.if_number, 1);
  assert_string_equal(info.name, "test");
  assert_int_equal(info.functionality, PDRV_FUNC_EXTENDED);
  assert_int_equal(info.version, 1);
}

static void test_access_type_errors(void **state) {
  (void)state;
  stack s = {0};
  int h = 0;
  assert_int_equal(pdrv_access_type(fx.pd, 11, PDRV_TYPE_ANY, 0, T_IP,
                                       2, receiver, &s, &h),
                   PDRV_NO_CLASS);
  assert_int_equal(pdrv_access_type(fx.pd, 1, 14, 0, T_IP, 2, receiver,
                                       &s, &h),
                   PDRV_NO_TYPE);
  assert_int_equal(pdrv_access_type(fx.pd, 1, PDRV_TYPE_ANY, 2, T_IP, 2,
                                       receiver, &s, &h),
                   PDRV_NO_NUMBER);
  assert_int_equal(pdrv_access_type(fx.pd, 1, PDRV_TYPE_ANY, 0, T_IP, 2,
                                       NULL, &s, &h),
                   PDRV_BAD_TYPE);
  assert_int_equal(pdrv_access_type(fx.pd, 1, PDRV_TYPE_ANY, 0, NULL, 2,
                                       receiver, &s, &h),
                   PDRV_BAD_TYPE);
  uint8_t huge[PDRV_FRAME_MAX] = {0};
  assert_int_equal(pdrv_access_type(fx.pd, 1, PDRV_TYPE_ANY, 0, huge,
                                       PDRV_FRAME_MAX - 12 + 1, receiver,
                                       &s, &h),
                   PDRV_BAD_TYPE);
  /* the exact type and number are accepted as well as the wildcards, and
   * a type of the longest possible length is fine */
  assert_int_equal(pdrv_access_type(fx.pd, 1, PDRV_TYPE_NCGTUN, 1, huge,
                                       PDRV_FRAME_MAX - 12, receiver, &s,
                                       &h),
                   PDRV_OK);
  assert_int_equal(h, 1);
  assert_int_equal(pdrv_handle_count(fx.pd), 1);
}

static void test_type_inuse_and_release(void **state) {
  (void)state;
  stack a = {0}, b = {0};
  int hip = open_type(&a, T_IP, 2);
  assert_true(hip > 0);
  assert_int_equal(open_type(&b, T_IP, 2), -PDRV_TYPE_INUSE);
  int hall = open_type(&b, NULL, 0);
  assert_true(hall > 0);
  assert_int_equal(open_type(&a, NULL, 0), -PDRV_TYPE_INUSE);
  /* a longer type extending an open one is not a conflict */
  const uint8_t ip45[3] = {0x08, 0x00, 0x45};
  assert_true(open_type(&b, ip45, 3) > 0);
  assert_int_equal(pdrv_release_type(fx.pd, hip), PDRV_OK);
  assert_int_equal(pdrv_release_type(fx.pd, hip), PDRV_BAD_HANDLE);
  assert_int_equal(pdrv_release_type(fx.pd, 0), PDRV_BAD_HANDLE);
  assert_int_equal(pdrv_release_type(fx.pd, 17), PDRV_BAD_HANDLE);
  assert_int_equal(pdrv_release_type(fx.pd, -3), PDRV_BAD_HANDLE);
  /* released: the type can be accessed again */
  assert_true(open_type(&b, T_IP, 2) > 0);
}

static void test_no_space(void **state) {
  (void)state;
  stack s = {0};
  uint8_t t[2] = {0x90, 0};
  for (int i = 0; i < PDRV_MAX_HANDLES; i++) {
    t[1] = (uint8_t)i;
    assert_int_equal(open_type(&s, t, 2), i + 1);
  }
  t[1] = 0xff;
  assert_int_equal(open_type(&s, t, 2), -PDRV_NO_SPACE);
}

static void test_send_pkt(void **state) {
  (void)state;
  uint8_t f[PDRV_FRAME_MAX + 1];
  size_t n = frame(f, OTHER, T_IP, 2, 60);
  assert_int_equal(pdrv_send_pkt(fx.pd, f, n), PDRV_OK);
  assert_int_equal(fx.port.sent, 1);
  assert_int_equal(fx.port.last_len, 60);
  assert_memory_equal(fx.port.last, f, 60);
  assert_int_equal(pdrv_send_pkt(fx.pd, f, 13), PDRV_CANT_SEND);
  assert_int_equal(pdrv_send_pkt(fx.pd, f, PDRV_FRAME_MAX + 1),
                   PDRV_CANT_SEND);
  assert_int_equal(pdrv_send_pkt(fx.pd, NULL, 60), PDRV_CANT_SEND);
  fx.port.send_fail = 1;
  assert_int_equal(pdrv_send_pkt(fx.pd, f, n), PDRV_CANT_SEND);
  assert_int_equal(fx.port.sent, 1);

  stack s = {0};
  int h = open_type(&s, T_IP, 2);
  pdrv_stats st;
  assert_int_equal(pdrv_get_statistics(fx.pd, h, &st), PDRV_OK);
  assert_int_equal(st.packets_out, 1);
  assert_int_equal(st.bytes_out, 60);
  assert_int_equal(st.errors_out, 4);
  assert_int_equal(pdrv_get_statistics(fx.pd, h + 1, &st),
                   PDRV_BAD_HANDLE);
}

static void test_receiver_two_calls(void **state) {
  (void)state;
  stack s = {0};
  int h = open_type(&s, T_IP, 2);
  uint8_t f[100];
  size_t n = frame(f, MAC, T_IP, 2, sizeof(f));
  assert_int_equal(pdrv_input(fx.pd, f, n), h);
  assert_int_equal(s.calls[0], 1);
  assert_int_equal(s.calls[1], 1);
  assert_int_equal(s.first_len, 100);
  assert_int_equal(s.copied_len, 100);
  assert_true(s.seq_ok);
  assert_memory_equal(s.buf, f, 100);
  assert_int_equal(s.last_handle, h);

  /* a smaller buffer (v1.10+ CX on return): the copy is truncated */
  memset(s.buf, 0, sizeof(s.buf));
  s.bufcap = 40;
  assert_int_equal(pdrv_input(fx.pd, f, n), h);
  assert_int_equal(s.copied_len, 40);
  assert_memory_equal(s.buf, f, 40);
  assert_int_equal(s.buf[40], 0);

  /* refusal: no second call, counted as lost */
  s.refuse = 1;
  assert_int_equal(pdrv_input(fx.pd, f, n), -1);
  assert_int_equal(s.calls[0], 3);
  assert_int_equal(s.calls[1], 2);
  pdrv_stats st;
  assert_int_equal(pdrv_get_statistics(fx.pd, h, &st), PDRV_OK);
  assert_int_equal(st.packets_lost, 1);
  assert_int_equal(st.packets_in, 2);
  assert_int_equal(st.bytes_in, 140);
  /* runt frames are input errors */
  assert_int_equal(pdrv_input(fx.pd, f, 13), -1);
  assert_int_equal(pdrv_get_statistics(fx.pd, h, &st), PDRV_OK);
  assert_int_equal(st.errors_in, 1);
}

/* One stack registers IP and ARP, a second stack IPv6 and "all"; frames
 * go to exactly one handle each, the longest matching type winning. */
static void test_two_stacks_type_filter(void **state) {
  (void)state;
  stack a = {0}, b = {0}, c = {0};
  int a_ip = open_type(&a, T_IP, 2);
  int a_arp = open_type(&a, T_ARP, 2);
  int b_ip6 = open_type(&b, T_IP6, 2);
  int b_all = open_type(&b, NULL, 0);
  assert_true(a_ip > 0 && a_arp > 0 && b_ip6 > 0 && b_all > 0);
  uint8_t f[64];
  frame(f, MAC, T_IP, 2, sizeof(f));
  assert_int_equal(pdrv_input(fx.pd, f, sizeof(f)), a_ip);
  frame(f, BCAST, T_ARP, 2, sizeof(f));
  assert_int_equal(pdrv_input(fx.pd, f, sizeof(f)), a_arp);
  frame(f, MAC, T_IP6, 2, sizeof(f));
  assert_int_equal(pdrv_input(fx.pd, f, sizeof(f)), b_ip6);
  const uint8_t other_type[2] = {0x88, 0xcc};
  frame(f, MAC, other_type, 2, sizeof(f));
  assert_int_equal(pdrv_input(fx.pd, f, sizeof(f)), b_all);
  assert_int_equal(a.calls[1], 2);
  assert_int_equal(b.calls[1], 2);

  /* a third stack takes IPv4 with IHL 5 only: longest match wins */
  const uint8_t ip45[3] = {0x08, 0x00, 0x45};
  int c_ip45 = open_type(&c, ip45, 3);
  assert_true(c_ip45 > 0);
  frame(f, MAC, ip45, 3, sizeof(f));
  assert_int_equal(pdrv_input(fx.pd, f, sizeof(f)), c_ip45);
  const uint8_t ip46[3] = {0x08, 0x00, 0x46};
  frame(f, MAC, ip46, 3, sizeof(f));
  assert_int_equal(pdrv_input(fx.pd, f, sizeof(f)), a_ip);
  /* a frame too short for the 3-byte type still matches the 2-byte one */
  frame(f, MAC, ip45, 2, 14);
  assert_int_equal(pdrv_input(fx.pd, f, 14), a_ip);

  /* without the catch-all, an unclaimed type reaches nobody */
  assert_int_equal(pdrv_release_type(fx.pd, b_all), PDRV_OK);
  frame(f, MAC, other_type, 2, sizeof(f));
  assert_int_equal(pdrv_input(fx.pd, f, sizeof(f)), -1);
}

/* Mode -> which of (to us, to other, broadcast, listed mcast, other
 * mcast) get in. */
static void test_receive_modes(void **state) {
  (void)state;
  stack s = {0};
  int h = open_type(&s, NULL, 0);
  int mode = 0;
  assert_int_equal(pdrv_get_rcv_mode(fx.pd, h, &mode), PDRV_OK);
  assert_int_equal(mode, PDRV_MODE_BROADCAST); /* default 3 */
  assert_int_equal(pdrv_set_multicast_list(fx.pd, MCAST1, 6), PDRV_OK);
  static const int expect[7][5] = {
      {0},
      {0, 0, 0, 0, 0}, /* 1 off */
      {1, 0, 0, 0, 0}, /* 2 direct */
      {1, 0, 1, 0, 0}, /* 3 + broadcast */
      {1, 0, 1, 1, 0}, /* 4 + listed multicast */
      {1, 0, 1, 1, 1}, /* 5 + all multicast */
      {1, 1, 1, 1, 1}, /* 6 promiscuous */
  };
  const uint8_t *dsts[5] = {MAC, OTHER, BCAST, MCAST1, MCAST2};
  for (int m = 1; m <= 6; m++) {
    assert_int_equal(pdrv_set_rcv_mode(fx.pd, h, m), PDRV_OK);
    assert_int_equal(fx.port.last_mode, m);
    assert_int_equal(pdrv_get_rcv_mode(fx.pd, h, &mode), PDRV_OK);
    assert_int_equal(mode, m);
    for (int d = 0; d < 5; d++) {
      uint8_t f[60];
      frame(f, dsts[d], T_IP, 2, sizeof(f));
      int got = pdrv_input(fx.pd, f, sizeof(f));
      assert_int_equal(got == h, expect[m][d]);
    }
  }
  assert_int_equal(pdrv_set_rcv_mode(fx.pd, h, 0), PDRV_BAD_MODE);
  assert_int_equal(pdrv_set_rcv_mode(fx.pd, h, 7), PDRV_BAD_MODE);
  fx.port.mode_fail = 1;
  assert_int_equal(pdrv_set_rcv_mode(fx.pd, h, 2), PDRV_BAD_MODE);
  assert_int_equal(pdrv_get_rcv_mode(fx.pd, h, &mode), PDRV_OK);
  assert_int_equal(mode, 6); /* unchanged */
  assert_int_equal(pdrv_set_rcv_mode(fx.pd, 9, 3), PDRV_BAD_HANDLE);
  assert_int_equal(pdrv_get_rcv_mode(fx.pd, 9, &mode), PDRV_BAD_HANDLE);
}

static void test_multicast_list(void **state) {
  (void)state;
  uint8_t list[(PDRV_MAX_MULTICAST + 1) * 6];
  for (int i = 0; i <= PDRV_MAX_MULTICAST; i++) {
    memcpy(list + i * 6, MCAST1, 6);
    list[i * 6 + 5] = (uint8_t)i;
  }
  assert_int_equal(pdrv_set_multicast_list(fx.pd, list, 12), PDRV_OK);
  assert_int_equal(fx.port.nmcast, 2);
  const uint8_t *got = NULL;
  size_t len = 0;
  assert_int_equal(pdrv_get_multicast_list(fx.pd, &got, &len), PDRV_OK);
  assert_int_equal(len, 12);
  assert_memory_equal(got, list, 12);
  assert_int_equal(pdrv_set_multicast_list(fx.pd, list, 7),
                   PDRV_BAD_ADDRESS);
  assert_int_equal(pdrv_set_multicast_list(fx.pd, MAC, 6),
                   PDRV_BAD_ADDRESS);
  assert_int_equal(pdrv_set_multicast_list(fx.pd, list, sizeof(list)),
                   PDRV_NO_SPACE);
  fx.port.mcast_fail = 1;
  assert_int_equal(pdrv_set_multicast_list(fx.pd, list, 6),
                   PDRV_NO_SPACE);
  assert_int_equal(pdrv_get_multicast_list(fx.pd, &got, &len), PDRV_OK);
  assert_int_equal(len, 12); /* unchanged after failures */
}

static void test_no_multicast(void **state) {
  (void)state;
  const uint8_t *got;
  size_t len;
  assert_int_equal(pdrv_set_multicast_list(fx.pd, MCAST1, 6),
                   PDRV_NO_MULTICAST);
  assert_int_equal(pdrv_get_multicast_list(fx.pd, &got, &len),
                   PDRV_NO_MULTICAST);
  /* and no address change on this port */
  stack s = {0};
  int h = open_type(&s, T_IP, 2);
  assert_int_equal(pdrv_set_address(fx.pd, h, OTHER, 6),
                   PDRV_BAD_COMMAND);
  /* modes are accepted without a set_mode callback */
  assert_int_equal(pdrv_set_rcv_mode(fx.pd, h, 6), PDRV_OK);
}

static void test_get_address(void **state) {
  (void)state;
  stack s = {0};
  int h = open_type(&s, T_IP, 2);
  uint8_t buf[6];
  size_t len = 0;
  assert_int_equal(pdrv_get_address(fx.pd, h, buf, 5, &len),
                   PDRV_NO_SPACE);
  assert_int_equal(pdrv_get_address(fx.pd, h + 1, buf, 6, &len),
                   PDRV_BAD_HANDLE);
  assert_int_equal(pdrv_get_address(fx.pd, h, buf, 6, &len), PDRV_OK);
  assert_int_equal(len, 6);
  assert_memory_equal(buf, MAC, 6);
}

static void test_set_address(void **state) {
  (void)state;
  stack s = {0};
  int h = open_type(&s, T_IP, 2);
  int h2 = open_type(&s, T_ARP, 2);
  const uint8_t newmac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  assert_int_equal(pdrv_set_address(fx.pd, h, newmac, 5),
                   PDRV_BAD_ADDRESS);
  assert_int_equal(pdrv_set_address(fx.pd, h, MCAST1, 6),
                   PDRV_BAD_ADDRESS);
  assert_int_equal(pdrv_set_address(fx.pd, h, newmac, 6),
                   PDRV_CANT_SET); /* two handles open */
  assert_int_equal(pdrv_release_type(fx.pd, h2), PDRV_OK);
  fx.port.addr_fail = 1;
  assert_int_equal(pdrv_set_address(fx.pd, h, newmac, 6),
                   PDRV_CANT_SET);
  fx.port.addr_fail = 0;
  assert_int_equal(pdrv_set_address(fx.pd, h, newmac, 6), PDRV_OK);
  uint8_t buf[6];
  size_t len;
  assert_int_equal(pdrv_get_address(fx.pd, h, buf, 6, &len), PDRV_OK);
  assert_memory_equal(buf, newmac, 6);
  /* frames to the new address are now "to us" in mode 2 */
  assert_int_equal(pdrv_set_rcv_mode(fx.pd, h, 2), PDRV_OK);
  uint8_t f[60];
  frame(f, newmac, T_IP, 2, sizeof(f));
  assert_int_equal(pdrv_input(fx.pd, f, sizeof(f)), h);
  assert_int_equal(pdrv_set_address(fx.pd, 12, newmac, 6),
                   PDRV_BAD_HANDLE);
}

static void test_reset_interface(void **state) {
  (void)state;
  stack s = {0};
  int h = open_type(&s, T_IP, 2);
  int h2 = open_type(&s, T_ARP, 2);
  assert_int_equal(pdrv_set_rcv_mode(fx.pd, h, 6), PDRV_OK);
  assert_int_equal(pdrv_set_multicast_list(fx.pd, MCAST1, 6), PDRV_OK);
  assert_int_equal(pdrv_reset_interface(fx.pd, h), PDRV_CANT_RESET);
  assert_int_equal(pdrv_release_type(fx.pd, h2), PDRV_OK);
  fx.port.reset_fail = 1;
  assert_int_equal(pdrv_reset_interface(fx.pd, h), PDRV_CANT_RESET);
  fx.port.reset_fail = 0;
  assert_int_equal(pdrv_reset_interface(fx.pd, h), PDRV_OK);
  int mode = 0;
  assert_int_equal(pdrv_get_rcv_mode(fx.pd, h, &mode), PDRV_OK);
  assert_int_equal(mode, PDRV_MODE_BROADCAST);
  assert_int_equal(fx.port.last_mode, PDRV_MODE_BROADCAST);
  const uint8_t *got;
  size_t len = 99;
  assert_int_equal(pdrv_get_multicast_list(fx.pd, &got, &len), PDRV_OK);
  assert_int_equal(len, 0);
  assert_int_equal(pdrv_reset_interface(fx.pd, 0), PDRV_BAD_HANDLE);
}

static void test_terminate(void **state) {
  (void)state;
  stack s = {0};
  int h = open_type(&s, T_IP, 2);
  int h2 = open_type(&s, T_ARP, 2);
  assert_int_equal(pdrv_terminate(fx.pd, 9), PDRV_BAD_HANDLE);
  assert_int_equal(pdrv_terminate(fx.pd, h), PDRV_CANT_TERMINATE);
  assert_int_equal(pdrv_handle_count(fx.pd), 2); /* nothing changed */
  assert_int_equal(fx.port.terminated, 0);
  assert_int_equal(pdrv_release_type(fx.pd, h2), PDRV_OK);
  assert_int_equal(pdrv_terminate(fx.pd, h), PDRV_OK);
  assert_int_equal(fx.port.terminated, 1);
  pdrv_info info;
  assert_int_equal(pdrv_driver_info(fx.pd, &info), PDRV_OK);
  assert_int_equal(info.functionality, PDRV_FUNC_NOT_INSTALLED);
  uint8_t f[60];
  frame(f, MAC, T_IP, 2, sizeof(f));
  assert_int_equal(pdrv_send_pkt(fx.pd, f, sizeof(f)), PDRV_BAD_COMMAND);
  assert_int_equal(open_type(&s, T_IP, 2), -PDRV_BAD_COMMAND);
  assert_int_equal(pdrv_input(fx.pd, f, sizeof(f)), -1);
  assert_int_equal(pdrv_release_type(fx.pd, h), PDRV_BAD_HANDLE);
  assert_int_equal(pdrv_set_multicast_list(fx.pd, MCAST1, 6),
                   PDRV_BAD_COMMAND);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_error_names),
      cmocka_unit_test_setup_teardown(test_driver_info, setup_full, teardown),
      cmocka_unit_test_setup_teardown(test_access_type_errors, setup_full,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_type_inuse_and_release, setup_full,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_no_space, setup_full, teardown),
      cmocka_unit_test_setup_teardown(test_send_pkt, setup_full, teardown),
      cmocka_unit_test_setup_teardown(test_receiver_two_calls, setup_full,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_two_stacks_type_filter, setup_full,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_receive_modes, setup_full,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_multicast_list, setup_full,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_no_multicast, setup_basic,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_get_address, setup_full, teardown),
      cmocka_unit_test_setup_teardown(test_set_address, setup_full, teardown),
      cmocka_unit_test_setup_teardown(test_reset_interface, setup_full,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_terminate, setup_full, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
