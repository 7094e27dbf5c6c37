/* The control socket (cli/ctlreq.c, cli/ctl.c, cli/status.c; doc/status.md):
 * the request parser's answers, the default paths, names from the wire
 * escaped in every output format, and a real socket on a real loop: mode
 * 0600, an answer per request, errors for bad ones, an over-long request
 * answered without a reset, a stale socket file replaced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.h"
#include "sys.h"

static void parse_requests(void **state) {
  (void)state;
  static const struct {
    const char *line;
    int ok;
    ncg_ctl_verb verb;
    ncg_ctl_format fmt;
    const char *user_or_why;
  } cases[] = {
      {"status", 1, NCG_CTL_STATUS, NCG_FMT_TEXT, ""},
      {"status json", 1, NCG_CTL_STATUS, NCG_FMT_JSON, ""},
      {"  status   prometheus \r", 1, NCG_CTL_STATUS, NCG_FMT_PROMETHEUS, ""},
      {"status text", 1, NCG_CTL_STATUS, NCG_FMT_TEXT, ""},
      {"disconnect alice", 1, NCG_CTL_DISCONNECT, NCG_FMT_TEXT, "alice"},
      {"reconnect", 1, NCG_CTL_RECONNECT, NCG_FMT_TEXT, ""},
      {"", 0, 0, 0, "empty request"},
      {"   ", 0, 0, 0, "empty request"},
      {"Status", 0, 0, 0, "unknown verb (status, disconnect, reconnect)"},
      {"status xml", 0, 0, 0, "status takes text, json or prometheus"},
      {"status json x", 0, 0, 0, "too many arguments"},
      {"disconnect", 0, 0, 0, "disconnect takes a user name (1-255 bytes)"},
      {"reconnect now", 0, 0, 0, "reconnect takes no argument"},
      {"status\tjson", 0, 0, 0, "request is not printable ASCII"},
      {"disconnect b\xc3\xb6" "b", 0, 0, 0, "request is not printable ASCII"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ncg_ctl_req r;
    const char *why = NULL;
    int rc = ncg_ctl_parse((const uint8_t *)cases[i].line,
                           strlen(cases[i].line), &r, &why);
    if (cases[i].ok) {
      assert_int_equal(rc, 0);
      assert_int_equal(r.verb, cases[i].verb);
      assert_int_equal(r.format, cases[i].fmt);
      assert_string_equal(r.user, cases[i].user_or_why);
    } else {
      assert_int_equal(rc, -1);
      assert_string_equal(why, cases[i].user_or_why);
    }
  }
  /* A NUL inside, a 256-byte name, a 511-byte and a 512-byte line. */
  ncg_ctl_req r;
  const char *why = NULL;
  assert_int_equal(ncg_ctl_parse((const uint8_t *)"status\0json", 11, &r,
                                 &why), -1);
  char line[600] = "disconnect ";
  memset(line + 11, 'u', 256);
  assert_int_equal(ncg_ctl_parse((uint8_t *)line, 11 + 256, &r, &why), -1);
  assert_int_equal(ncg_ctl_parse((uint8_t *)line, 11 + 255, &r, &why), 0);
  assert_int_equal(strlen(r.user), 255);
  memset(line, ' ', sizeof(line));
  memcpy(line, "status", 6);
  assert_int_equal(ncg_ctl_parse((uint8_t *)line, 511, &r, &why), 0);
  assert_int_equal(ncg_ctl_parse((uint8_t *)line, 512, &r, &why), -1);
  assert_string_equal(why, "request too long");
}

static void default_paths(void **state) {
  (void)state;
  char p[NCG_CTL_PATH_MAX];
  ncg_ctl_default_path(p, "ncg-server", "/etc/ncgtun/server.conf");
  assert_string_equal(p, "/run/ncgtun/ncg-server.sock");
  ncg_ctl_default_path(p, "ncg-relay", "x");
  assert_string_equal(p, "/run/ncgtun/ncg-relay.sock");
  ncg_ctl_default_path(p, "ncg-client", "/etc/ncgtun/office.conf");
  assert_string_equal(p, "/run/ncgtun/ncg-client-office.sock");
  ncg_ctl_default_path(p, "ncg-client", "home");
  assert_string_equal(p, "/run/ncgtun/ncg-client-home.sock");
}

static int cb_send(ncgt_conn *c, const uint8_t *d, size_t n, void *ud) {
  (void)c, (void)d, (void)n, (void)ud;
  return 0;
}

static int cb_open(ncgt_conn *c, const char *hop, void *ud) {
  (void)c, (void)hop, (void)ud;
  return 0;
}

static int cb_recv(ncgt_conn *c, uint8_t proto, const uint8_t *dg, size_t n,
                   void *ud) {
  (void)c, (void)proto, (void)dg, (void)n, (void)ud;
  return 0;
}

/* A client conn whose origin and path hold bytes that need escaping. */
static void render_escapes(void **state) {
  (void)state;
  ncgt_conn_callbacks cb;
  ncg_tunnel_callbacks(&cb);
  cb.send = cb_send;
  cb.open_transport = cb_open;
  cb.recv_datagram = cb_recv;
  const char *path[] = {"r\"1", "o\\ffice"};
  ncgt_client_settings s = {
      .version = NCGT_CLIENT_SETTINGS_V1,
      .origin = "lap\x7ftop",
      .path = path,
      .npath = 2,
      .user = "bob",
  };
  ncg_loop l;
  assert_int_equal(ncg_loop_init(&l), 0);
  ncg_tunnel t;
  ncg_tunnel_init(&t, &l, 65536, NULL);
  assert_int_equal(ncgt_conn_client_new(&t.conn, &s, &cb, &t), 0);
  ncg_st_tunnel st = {.t = &t, .addr = 0x0a63000a};
  ncg_status status = {.program = "ncg-client", .name = "b\"o\nb",
                       .now = 5 * NCGT_SECONDS, .started = 0,
                       .tunnels = &st, .ntunnels = 1};
  ncg_buf b = {0};
  ncg_status_render(&b, &status, NCG_FMT_JSON);
  assert_false(b.oom);
  assert_non_null(strstr(b.p, "\"name\":\"b\\\"o\\u000ab\""));
  assert_non_null(strstr(b.p, "\"origin\":\"lap\\u007ftop\""));
  assert_non_null(strstr(b.p, "\"path\":[\"r\\\"1\",\"o\\\\ffice\"]"));
  assert_non_null(strstr(b.p, "\"address\":\"10.99.0.10\""));
  assert_non_null(strstr(b.p, "\"connected_s\":null"));
  assert_non_null(strstr(b.p, "\"uptime_s\":5.000"));
  assert_int_equal(b.p[b.n - 1], '\n');
  assert_ptr_equal(strchr(b.p, '\n'), b.p + b.n - 1); /* one line */
  ncg_buf_free(&b);
  ncg_status_render(&b, &status, NCG_FMT_TEXT);
  assert_non_null(strstr(b.p, "ncg-client: b\"o?b\n"));
  assert_non_null(strstr(b.p, "path: lap?top -> r\"1 -> o\\ffice\n"));
  assert_non_null(strstr(b.p, "state: IDLE\n"));
  ncg_buf_free(&b);
  ncg_status_render(&b, &status, NCG_FMT_PROMETHEUS);
  assert_non_null(strstr(b.p, "ncg_tunnels 0\n"));
  assert_non_null(
      strstr(b.p, "ncg_tunnel_bytes_total{user=\"bob\",direction=\"tx\"} 0\n"));
  ncg_buf_free(&b);
  ncgt_conn_del(t.conn);
  ncg_loop_fini(&l);
}

/* ---- a real socket ---- */

static int ctl_fn(const ncg_ctl_req *req, ncg_buf *out, void *obj) {
  int *calls = obj;
  ++*calls;
  if (req->verb != NCG_CTL_STATUS) {
    ncg_buf_printf(out, "no such verb here");
    return -1;
  }
  ncg_buf_printf(out, "fine %d\n", (int)req->format);
  return 0;
}

static int ask_fd(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  return fd;
}

/* Sends `req`, runs the loop, returns what came back (static buffer). */
static const char *ask(ncg_loop *l, const char *path, const char *req,
                       size_t len) {
  static char ans[4096];
  int fd = ask_fd(path);
  size_t off = 0;
  while (off < len) { /* the server reads while we write */
    ssize_t n = send(fd, req + off, len - off, MSG_DONTWAIT);
    if (n > 0)
      off += (size_t)n;
    ncg_loop_once(l, 5);
  }
  shutdown(fd, SHUT_WR);
  size_t got = 0;
  for (int i = 0; i < 200; i++) {
    ncg_loop_once(l, 5);
    ssize_t n = recv(fd, ans + got, sizeof(ans) - 1 - got, MSG_DONTWAIT);
    if (n == 0)
      break;
    assert_true(n > 0 || errno == EAGAIN);
    if (n > 0)
      got += (size_t)n;
  }
  close(fd);
  ans[got] = '\0';
  return ans;
}

static void socket_round_trip(void **state) {
  (void)state;
  char dir[] = "/tmp/ncg-ctl-XXXXXX";
  assert_non_null(mkdtemp(dir));
  ncg_ops_conf oc;
  memset(&oc, 0, sizeof(oc));
  snprintf(oc.control, sizeof(oc.control), "%s/sub/x.sock", dir);
  oc.control_set = 1;
  ncg_loop l;
  assert_int_equal(ncg_loop_init(&l), 0);
  ncg_ctl c;
  int calls = 0;
  assert_int_equal(ncg_ctl_open(&c, &l, &oc, ctl_fn, &calls), 0);
  struct stat sb;
  assert_int_equal(stat(oc.control, &sb), 0);
  assert_true(S_ISSOCK(sb.st_mode));
  assert_int_equal(sb.st_mode & 0777, 0600);

  assert_string_equal(ask(&l, oc.control, "status json\n", 12),
                      "ok\nfine 1\n");
  assert_string_equal(ask(&l, oc.control, "status", 6), "ok\nfine 0\n");
  assert_string_equal(ask(&l, oc.control, "reconnect\n", 10),
                      "error: no such verb here\n");
  assert_string_equal(ask(&l, oc.control, "\x01\x02\n", 3),
                      "error: request is not printable ASCII\n");
  static char big[100000];
  memset(big, 'a', sizeof(big));
  assert_string_equal(ask(&l, oc.control, big, sizeof(big)),
                      "error: request too long (at most 511 bytes)\n");
  assert_int_equal(calls, 3); /* the parser refused the other two */
  assert_int_equal(c.bad_requests, 3);
  /* Silent connections take slots but do not stop the others. */
  int idle[4];
  for (int i = 0; i < 4; i++)
    idle[i] = ask_fd(oc.control);
  assert_string_equal(ask(&l, oc.control, "status\n", 7), "ok\nfine 0\n");
  for (int i = 0; i < 4; i++)
    close(idle[i]);
  /* A second instance at the same (configured) path does not start. */
  ncg_ctl c2;
  assert_int_equal(ncg_ctl_open(&c2, &l, &oc, ctl_fn, &calls), -1);
  ncg_ctl_close(&c2);
  assert_int_equal(stat(oc.control, &sb), 0); /* the first one's is kept */
  ncg_ctl_close(&c);
  assert_int_equal(stat(oc.control, &sb), -1); /* removed at close */
  /* A stale socket file (nobody listening) is replaced. */
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", oc.control);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  close(fd);
  assert_int_equal(ncg_ctl_open(&c, &l, &oc, ctl_fn, &calls), 0);
  assert_string_equal(ask(&l, oc.control, "status\n", 7), "ok\nfine 0\n");
  ncg_ctl_close(&c);
  ncg_loop_fini(&l);
  char sub[64];
  snprintf(sub, sizeof(sub), "%s/sub", dir);
  rmdir(sub);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parse_requests),
      cmocka_unit_test(default_paths),
      cmocka_unit_test(render_escapes),
      cmocka_unit_test(socket_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
