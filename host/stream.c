/* Non-blocking TCP streams with a bounded queue, and listeners
 * (stream.h). */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "sys.h"

enum {
  STREAM_READ_CHUNK = 64 * 1024,
  STREAM_READS_PER_EVENT = 4, /* fairness between tunnels */
  LISTEN_BACKLOG = 128,
  ACCEPTS_PER_EVENT = 64,
};

static void stream_set_events(ncg_stream *s) {
  uint32_t ev = 0;
  if (s->connecting || s->qlen > 0)
    ev |= EPOLLOUT;
  if (!s->connecting && !s->paused)
    ev |= EPOLLIN | EPOLLRDHUP;
  ncg_watch_mod(s->loop, &s->watch, ev);
}

static int sock_tune(int fd) {
  int one = 1;
  return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Sends as much of the ring as the kernel takes. 0, or an errno. */
static int stream_flush(ncg_stream *s) {
  while (s->qlen > 0) {
    size_t first = s->qcap - s->qhead;
    if (first > s->qlen)
      first = s->qlen;
    ssize_t n = send(s->fd, s->q + s->qhead, first, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      return errno;
    }
    s->qhead = (s->qhead + (size_t)n) % s->qcap;
    s->qlen -= (size_t)n;
  }
  s->qhead = 0;
  return 0;
}

static void stream_report(ncg_stream *s, int err) {
  if (s->fd >= 0)
    s->ops->on_error(s, err, s->obj);
}

/* After the queue shrank: tell the owner once it is below the soft limit
 * again (the relay resumes the other side), and wait for EPOLLOUT only
 * while bytes remain. */
static void stream_drained(ncg_stream *s) {
  if (s->above_soft && s->qlen < s->qsoft) {
    s->above_soft = 0;
    if (s->ops->on_drain)
      s->ops->on_drain(s, s->obj);
  }
  if (s->fd >= 0)
    stream_set_events(s);
}

/* Writes made during one pass of the loop (a burst of frames from the
 * TAP, say) leave in one send(2) at the end of the pass, not one each. */
static void stream_flush_deferred(void *obj) {
  ncg_stream *s = obj;
  s->flush_pending = 0;
  if (s->fd < 0 || s->connecting || s->failed)
    return;
  int err = stream_flush(s);
  if (err) {
    s->failed = err;
    stream_report(s, err); /* from the loop: safe to call the owner */
    return;
  }
  stream_drained(s);
}

static void stream_read(ncg_stream *s) {
  /* One thread, one loop. on_data may change the bytes (opened in place). */
  static uint8_t buf[STREAM_READ_CHUNK];
  for (int i = 0; i < STREAM_READS_PER_EVENT && s->fd >= 0 && !s->paused;
       i++) {
    ssize_t n = recv(s->fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        stream_report(s, errno);
      return;
    }
    if (n == 0) {
      stream_report(s, 0);
      return;
    }
    s->ops->on_data(s, buf, (size_t)n, s->obj);
  }
}

static void stream_io(void *obj, uint32_t events) {
  ncg_stream *s = obj;
  if (s->connecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
      return;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
      err = errno;
    if (err == 0 && (events & (EPOLLERR | EPOLLHUP)))
      err = ECONNREFUSED;
    if (err != 0) {
      stream_report(s, err);
      return;
    }
    s->connecting = 0;
    stream_set_events(s);
    s->ops->on_connected(s, s->obj);
    return;
  }
  if (events & EPOLLOUT) {
    int err = stream_flush(s);
    if (err) {
      stream_report(s, err);
      return;
    }
    stream_drained(s);
  }
  if (s->fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
    stream_read(s);
  /* An error, or a hang-up we will not read our way to (paused). */
  if (s->fd >= 0 &&
      ((events & EPOLLERR) || (s->paused && (events & EPOLLHUP))))
    stream_report(s, ECONNRESET);
}

static int stream_init(ncg_stream *s, ncg_loop *l, int fd, size_t qcap,
                       const ncg_stream_ops *ops, void *obj) {
  memset(s, 0, sizeof(*s));
  s->loop = l;
  s->fd = fd;
  s->ops = ops;
  s->obj = obj;
  s->qcap = qcap ? qcap : NCG_STREAM_QCAP_DEFAULT;
  s->qsoft = s->qcap / 2;
  s->q = malloc(s->qcap);
  if (!s->q)
    return -1;
  return 0;
}

int ncg_stream_connect(ncg_stream *s, ncg_loop *l, const ncg_addr *to,
                       size_t qcap, const ncg_stream_ops *ops, void *obj) {
  s->fd = -1;
  int fd = socket(to->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  0);
  if (fd < 0)
    return -1;
  if (stream_init(s, l, fd, qcap, ops, obj) != 0)
    goto fail;
  s->peer = *to;
  ncg_addr_str(to, s->peer_str, sizeof(s->peer_str));
  sock_tune(fd);
  if (connect(fd, (const struct sockaddr *)&to->ss, to->len) != 0 &&
      errno != EINPROGRESS)
    goto fail;
  s->connecting = 1;
  if (ncg_watch_add(l, &s->watch, fd, EPOLLOUT, stream_io, s) != 0)
    goto fail;
  return 0;
fail:;
  int saved = errno;
  free(s->q);
  s->q = NULL;
  close(fd);
  s->fd = -1;
  errno = saved;
  return -1;
}

int ncg_stream_adopt(ncg_stream *s, ncg_loop *l, int fd, const ncg_addr *peer,
                     size_t qcap, const ncg_stream_ops *ops, void *obj) {
  if (stream_init(s, l, fd, qcap, ops, obj) != 0 ||
      ncg_watch_add(l, &s->watch, fd, EPOLLIN | EPOLLRDHUP, stream_io, s) !=
          0) {
    free(s->q);
    s->q = NULL;
    close(fd);
    s->fd = -1;
    return -1;
  }
  s->peer = *peer;
  ncg_addr_str(peer, s->peer_str, sizeof(s->peer_str));
  sock_tune(fd);
  return 0;
}

/* Sends from the caller's buffer; returns how much the kernel took. An
 * error other than a full buffer sets s->failed. */
static size_t stream_send_direct(ncg_stream *s, const uint8_t *data,
                                 size_t len) {
  size_t sent = 0;
  while (sent < len) {
    ssize_t n = send(s->fd, data + sent, len - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        s->failed = errno;
      break;
    }
    sent += (size_t)n;
  }
  return sent;
}

static void ring_append(ncg_stream *s, const uint8_t *data, size_t len) {
  size_t tail = (s->qhead + s->qlen) % s->qcap;
  size_t first = s->qcap - tail;
  if (first > len)
    first = len;
  memcpy(s->q + tail, data, first);
  memcpy(s->q, data + first, len - first);
  s->qlen += len;
}

int ncg_stream_write(ncg_stream *s, const uint8_t *data, size_t len) {
  if (s->fd < 0 || s->failed)
    return -1;
  /* Full: hand the kernel what it takes now before giving up. Errors are
   * reported by the deferred flush, never from inside a library call. */
  if (len > s->qcap - s->qlen && !s->connecting && stream_flush(s) != 0)
    return -1;
  if (len > s->qcap - s->qlen)
    return -1;
  if (len >= NCG_STREAM_DIRECT_MIN && s->qlen == 0 && !s->connecting) {
    size_t sent = stream_send_direct(s, data, len);
    if (s->failed) /* as a failed flush above: the caller closes */
      return -1;
    if (sent == len)
      return 0;
    data += sent;
    len -= sent;
  }
  ring_append(s, data, len);
  if (s->qlen >= s->qsoft)
    s->above_soft = 1;
  if (!s->connecting && !s->flush_pending &&
      ncg_loop_defer(s->loop, stream_flush_deferred, s) == 0)
    s->flush_pending = 1;
  else if (!s->flush_pending)
    stream_set_events(s); /* connecting, or no memory to defer: EPOLLOUT */
  return 0;
}

int ncg_stream_room(const ncg_stream *s, size_t len) {
  return s->fd >= 0 && !s->failed && s->qlen + len <= s->qsoft;
}

size_t ncg_stream_queued(const ncg_stream *s) { return s->qlen; }

void ncg_stream_pause(ncg_stream *s, int paused) {
  if (s->fd < 0 || s->paused == paused)
    return;
  s->paused = paused;
  stream_set_events(s);
}

void ncg_stream_close(ncg_stream *s) {
  if (s->fd < 0)
    return;
  ncg_watch_del(s->loop, &s->watch);
  /* Best effort: hand what is queued (a CLOSE frame, usually) to the
   * kernel before closing. */
  if (!s->connecting && !s->failed && s->qlen > 0)
    stream_flush(s);
  close(s->fd);
  s->fd = -1;
  free(s->q);
  s->q = NULL;
  s->qlen = 0;
}

/* ---- listeners ---- */

/* Out of descriptors (EMFILE, ENFILE) or kernel memory: the pending
 * connection stays queued and a level-triggered listener would wake us at
 * once, forever. Stop watching it for a while instead (as nginx does);
 * connections wait in the backlog until a descriptor is free again. */
static int accept_starved(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static void listener_pause(ncg_listener *ls, int err) {
  ncgt_tstamp now = ncg_now();
  ls->starved++;
  if (ncg_timer_set(ls->loop, &ls->resume,
                    now + NCG_LISTEN_PAUSE_MS * NCGT_MILLISECONDS) != 0)
    return; /* no timer: stay in epoll rather than never resume */
  ncg_watch_mod(ls->loop, &ls->watch, 0);
  ls->paused = 1;
  if (now < ls->log_after)
    return;
  char as[NCG_ADDR_STRLEN];
  ncg_addr_str(&ls->addr, as, sizeof(as));
  ncg_warn("event=accept-paused addr=%s error=\"%s\" pause_ms=%d count=%llu "
           "(logged at most every %d s)",
           as, strerror(err), NCG_LISTEN_PAUSE_MS,
           (unsigned long long)ls->starved, NCG_LISTEN_LOG_EVERY_S);
  ls->log_after = now + (ncgt_tstamp)NCG_LISTEN_LOG_EVERY_S * NCGT_SECONDS;
}

static void listener_resume(void *obj, ncgt_tstamp now) {
  ncg_listener *ls = obj;
  (void)now;
  ls->paused = 0;
  ncg_watch_mod(ls->loop, &ls->watch, EPOLLIN);
}

static void listener_io(void *obj, uint32_t events) {
  ncg_listener *ls = obj;
  (void)events;
  for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
    ncg_addr peer;
    peer.len = sizeof(peer.ss);
    int fd = accept4(ls->fd, (struct sockaddr *)&peer.ss, &peer.len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      if (accept_starved(errno))
        listener_pause(ls, errno);
      return; /* EAGAIN: the queue is empty */
    }
    ls->on_accept(fd, &peer, ls->obj);
  }
}

int ncg_listener_open(ncg_listener *ls, ncg_loop *l, const ncg_addr *a,
                      void (*on_accept)(int, const ncg_addr *, void *),
                      void *obj) {
  int one = 1;
  memset(ls, 0, sizeof(*ls));
  ls->loop = l;
  ncg_timer_init(&ls->resume, listener_resume, ls);
  ls->addr = *a;
  ls->on_accept = on_accept;
  ls->obj = obj;
  ls->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  0);
  if (ls->fd < 0)
    return -1;
  setsockopt(ls->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (a->ss.ss_family == AF_INET6)
    setsockopt(ls->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(ls->fd, (const struct sockaddr *)&a->ss, a->len) != 0 ||
      listen(ls->fd, LISTEN_BACKLOG) != 0 ||
      ncg_watch_add(l, &ls->watch, ls->fd, EPOLLIN, listener_io, ls) != 0) {
    int saved = errno;
    close(ls->fd);
    ls->fd = -1;
    errno = saved;
    return -1;
  }
  ls->addr.len = sizeof(ls->addr.ss); /* the port chosen for port 0 */
  if (getsockname(ls->fd, (struct sockaddr *)&ls->addr.ss, &ls->addr.len) != 0)
    ls->addr = *a;
  return 0;
}

void ncg_listener_close(ncg_listener *ls, ncg_loop *l) {
  if (ls->fd < 0)
    return;
  ncg_watch_del(l, &ls->watch);
  ncg_timer_stop(l, &ls->resume);
  close(ls->fd);
  ls->fd = -1;
}
