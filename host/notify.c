/* The sd_notify datagram protocol (notify.h). */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sys.h"

static struct {
  struct sockaddr_un sa;
  socklen_t salen; /* 0: notification off */
  int fd;
  unsigned long long watchdog_usec;
  ncg_timer watchdog;
} nt = { .fd = -1 };

/* $NOTIFY_SOCKET: an absolute path, or '@' + an abstract name. */
static int notify_addr(const char *path) {
  size_t len = strlen(path);
  if (len < 2 || len >= sizeof(nt.sa.sun_path) ||
      (path[0] != '/' && path[0] != '@'))
    return -1;
  memset(&nt.sa, 0, sizeof(nt.sa));
  nt.sa.sun_family = AF_UNIX;
  memcpy(nt.sa.sun_path, path, len);
  if (path[0] == '@')
    nt.sa.sun_path[0] = '\0';
  nt.salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
                         (path[0] == '/'));
  return 0;
}

static void watchdog_tick(void *obj, ncgt_tstamp now) {
  ncg_loop *l = obj;
  ncg_notify("WATCHDOG=1");
  /* Half the interval, as sd_watchdog_enabled(3) recommends. */
  ncg_timer_set(l, &nt.watchdog,
                now + (ncgt_tstamp)nt.watchdog_usec * 1000 / 2);
}

static unsigned long long env_u64(const char *name, int *bad) {
  const char *s = getenv(name);
  char *end;
  if (!s)
    return 0;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || *s == '-')
    *bad = 1;
  return v;
}

int ncg_notify_init(ncg_loop *l) {
  const char *path = getenv("NOTIFY_SOCKET");
  ncg_timer_init(&nt.watchdog, watchdog_tick, l);
  nt.salen = 0;
  nt.watchdog_usec = 0;
  if (!path)
    return 0;
  if (notify_addr(path) != 0) {
    ncg_warn("event=notify error=\"bad NOTIFY_SOCKET\" (not notifying)");
    nt.salen = 0;
    return -1;
  }
  nt.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (nt.fd < 0) {
    ncg_warn("event=notify error=\"%s\" (not notifying)", strerror(errno));
    nt.salen = 0;
    return -1;
  }
  int bad = 0;
  unsigned long long usec = env_u64("WATCHDOG_USEC", &bad);
  unsigned long long pid = env_u64("WATCHDOG_PID", &bad);
  if (bad || (usec > 0 && usec < 1000)) {
    ncg_warn("event=notify error=\"bad WATCHDOG_USEC or WATCHDOG_PID\" "
             "(no watchdog)");
    return 0;
  }
  if (usec > 0 && (pid == 0 || pid == (unsigned long long)getpid())) {
    nt.watchdog_usec = usec;
    watchdog_tick(l, ncg_now());
  }
  ncg_debug("event=notify socket=%s watchdog_usec=%llu", path,
            nt.watchdog_usec);
  return 0;
}

void ncg_notify(const char *fmt, ...) {
  if (nt.salen == 0)
    return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
  if (sendto(nt.fd, msg, len, MSG_NOSIGNAL, (const struct sockaddr *)&nt.sa,
             nt.salen) < 0)
    ncg_debug("event=notify-failed error=\"%s\"", strerror(errno));
}

unsigned long long ncg_notify_watchdog_usec(void) { return nt.watchdog_usec; }
