/* Program logging (cli/log.c): the journal's <N> prefixes when
 * $JOURNAL_STREAM names stderr, the plain timestamped format otherwise,
 * syslog(3) through a real /dev/log socket (in a private mount
 * namespace), and the escaping of names that came from the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static void test_escape(void **state) {
  (void)state;
  char out[NCG_LOG_ESC_MAX];
  assert_string_equal(ncg_log_esc("alice", out, sizeof(out)), "alice");
  assert_string_equal(ncg_log_esc("relay-1.example:4433", out, sizeof(out)),
                      "relay-1.example:4433");
  assert_string_equal(ncg_log_esc("", out, sizeof(out)), "\"\"");
  /* a forged "event=" in a name stays inside one quoted value */
  assert_string_equal(ncg_log_esc("x event=authorized", out, sizeof(out)),
                      "\"x event=authorized\"");
  assert_string_equal(ncg_log_esc("a\"b\\c", out, sizeof(out)),
                      "\"a\\\"b\\\\c\"");
  assert_string_equal(ncg_log_esc("l1\nl2\x7f\xff", out, sizeof(out)),
                      "\"l1\\x0al2\\x7f\\xff\"");
  /* cut to fit, still closed */
  char small[8];
  assert_string_equal(ncg_log_esc("a b c d e f", small, sizeof(small)),
                      "\"a b c\"");
  assert_string_equal(ncg_log_esc("\n\n", small, sizeof(small)),
                      "\"\\x0a\"");
  char worst[NCG_LOG_ESC_MAX];
  char name[256];
  memset(name, '\n', 255);
  name[255] = '\0';
  ncg_log_esc(name, worst, sizeof(worst));
  assert_int_equal(strlen(worst), 4 * 255 + 2); /* nothing cut */
}

/* Runs fn with stderr sent to a temporary file; returns its text. */
static char captured[4096];
static void capture(void (*fn)(const char *js), int journal) {
  char path[] = "/tmp/ncg-log-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  unlink(path);
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  char js[64];
  snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino + (journal ? 0 : 1));
  int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  fn(js);
  dup2(saved, STDERR_FILENO);
  close(saved);
  ssize_t n = pread(fd, captured, sizeof(captured) - 1, 0);
  assert_true(n >= 0);
  captured[n] = '\0';
  close(fd);
}

static void log_some(const char *js) {
  setenv("JOURNAL_STREAM", js, 1);
  ncg_log_init("ncg-test", NCGT_LOG_INFO);
  ncg_log_set_target(NCG_LOG_STDERR); /* log_target = stderr: no change */
  ncg_err("event=e");
  ncg_warn("event=w");
  ncg_info("event=i");
  ncg_debug("event=d"); /* filtered */
  unsetenv("JOURNAL_STREAM");
}

static void test_journal(void **state) {
  (void)state;
  capture(log_some, 1);
  assert_string_equal(captured, "<3>error: event=e\n<4>warn: event=w\n"
                                "<6>info: event=i\n");
  assert_int_equal(ncg_log_get_target(), NCG_LOG_JOURNAL);
  /* log_target = syslog does not take lines away from the journal */
  ncg_log_set_target(NCG_LOG_SYSLOG);
  assert_int_equal(ncg_log_get_target(), NCG_LOG_JOURNAL);
}

static void test_not_journal(void **state) {
  (void)state;
  /* JOURNAL_STREAM names some other stream: stderr was redirected */
  capture(log_some, 0);
  assert_null(strchr(captured, '<'));
  assert_non_null(strstr(captured, "Z ncg-test["));
  assert_non_null(strstr(captured, "] warn: event=w\n"));
  assert_null(strstr(captured, "event=d"));
  assert_int_equal(ncg_log_get_target(), NCG_LOG_STDERR);
}

static void test_target_parse(void **state) {
  (void)state;
  assert_int_equal(ncg_log_target_parse("stderr"), NCG_LOG_STDERR);
  assert_int_equal(ncg_log_target_parse("syslog"), NCG_LOG_SYSLOG);
  assert_int_equal(ncg_log_target_parse("journal"), -1);
  assert_int_equal(ncg_log_target_parse(""), -1);
}

/* In a child with its own mount namespace and an empty /dev, our own
 * datagram socket is /dev/log: what syslog(3) sends lands there. */
static int syslog_child(void) {
  if (unshare(CLONE_NEWNS) != 0)
    return 77;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount("tmpfs", "/dev", "tmpfs", 0, NULL) != 0)
    return 77;
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  strcpy(sa.sun_path, "/dev/log");
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
    return 2;
  ncg_log_init("ncg-test", NCGT_LOG_INFO);
  ncg_log_set_target(NCG_LOG_SYSLOG);
  char esc[NCG_LOG_ESC_MAX];
  ncg_warn("user=%s event=refused", ncg_log_esc("ev il", esc, sizeof(esc)));
  char buf[512];
  ssize_t n = recv(s, buf, sizeof(buf) - 1, MSG_DONTWAIT);
  if (n <= 0)
    return 3;
  buf[n] = '\0';
  /* <LOG_DAEMON | LOG_WARNING> = <28>, the program name and pid from
   * openlog(), then our level and key=value text */
  if (strncmp(buf, "<28>", 4) != 0 || !strstr(buf, "ncg-test[") ||
      !strstr(buf, ": warn: user=\"ev il\" event=refused"))
    return 4;
  return 0;
}

static void test_syslog(void **state) {
  (void)state;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(syslog_child());
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77)
    skip(); /* not root: no mount namespace */
  assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_escape),
    cmocka_unit_test(test_journal),
    cmocka_unit_test(test_not_journal),
    cmocka_unit_test(test_target_parse),
    cmocka_unit_test(test_syslog),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
