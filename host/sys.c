/* Host services for the library's callbacks (sys.h). */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

ncgt_tstamp ncg_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ncgt_tstamp)ts.tv_sec * NCGT_SECONDS + (ncgt_tstamp)ts.tv_nsec;
}

uint64_t ncg_wallclock(void *user_data) {
  (void)user_data;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int ncg_rand(uint8_t *buf, size_t len, void *user_data) {
  (void)user_data;
  while (len > 0) {
    ssize_t n = getrandom(buf, len, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

int ncg_write_all(int fd, const void *buf, size_t len) {
  const uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int ncg_sysctl_write(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = ncg_write_all(fd, value, strlen(value));
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

int ncg_grow(void *pv, size_t *cap, size_t n, size_t elem) {
  void **v = pv;
  if (n < *cap)
    return 0;
  size_t ncap = *cap ? 2 * *cap : 32;
  void *p = realloc(*v, ncap * elem);
  if (!p)
    return -1;
  *v = p;
  *cap = ncap;
  return 0;
}
