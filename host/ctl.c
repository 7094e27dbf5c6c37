/* Control socket and metrics responder (ctl.h). */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sys.h"

typedef struct ctl_conn {
  struct ctl_conn *next, **pprev;
  ncg_ctl *ctl;
  ncg_watch watch;
  ncg_timer idle;
  int fd;
  int http;
  int dying;
  uint8_t in[NCG_CTL_HTTP_MAX];
  size_t nin;
  ncg_buf out;
  size_t sent;
  int answered; /* out holds the whole answer */
  size_t drained; /* bytes read and dropped after the answer */
} ctl_conn;

void ncg_ctl_default_path(char out[NCG_CTL_PATH_MAX], const char *prog,
                          const char *config) {
  if (strcmp(prog, "ncg-client") != 0) {
    snprintf(out, NCG_CTL_PATH_MAX, "/run/ncgtun/%s.sock", prog);
    return;
  }
  const char *base = strrchr(config, '/');
  base = base ? base + 1 : config;
  size_t n = strlen(base);
  if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
    n -= 5;
  snprintf(out, NCG_CTL_PATH_MAX, "/run/ncgtun/ncg-client-%.*s.sock",
           (int)(n < 64 ? n : 64), base);
}

static void conn_free(void *obj) {
  ctl_conn *cc = obj;
  ncg_buf_free(&cc->out);
  free(cc);
}

static void conn_detach(ctl_conn *cc) {
  cc->dying = 1;
  *cc->pprev = cc->next;
  if (cc->next)
    cc->next->pprev = cc->pprev;
  ncg_watch_del(cc->ctl->loop, &cc->watch);
  ncg_timer_stop(cc->ctl->loop, &cc->idle);
  close(cc->fd);
  cc->ctl->nconns--;
}

/* Freed from the loop: events of this batch may still name it. */
static void conn_end(ctl_conn *cc) {
  if (cc->dying)
    return;
  conn_detach(cc);
  if (ncg_loop_defer(cc->ctl->loop, conn_free, cc) != 0)
    ncg_debug("event=control-leak"); /* the loop is out of memory */
}

/* After the answer: reads and drops what the peer still sends until its
 * end, so the answer is not lost to a reset (closing a socket with
 * unread bytes resets it). Bounded by the idle timer and a byte count. */
static void conn_drain(ctl_conn *cc) {
  uint8_t sink[4096];
  for (;;) {
    ssize_t n = recv(cc->fd, sink, sizeof(sink), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        cc->drained < 1024 * 1024)
      return;
    if (n <= 0 || (cc->drained += (size_t)n) >= 1024 * 1024)
      break;
  }
  conn_end(cc);
}

/* Writes what it can; once everything is out, ends our side and drains
 * the peer's. */
static void conn_flush(ctl_conn *cc) {
  while (cc->sent < cc->out.n) {
    ssize_t n = send(cc->fd, cc->out.p + cc->sent, cc->out.n - cc->sent,
                     MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ncg_watch_mod(cc->ctl->loop, &cc->watch, EPOLLOUT);
      return;
    }
    if (n <= 0)
      break;
    cc->sent += (size_t)n;
  }
  if (cc->sent < cc->out.n) { /* the peer went away */
    conn_end(cc);
    return;
  }
  shutdown(cc->fd, SHUT_WR);
  ncg_watch_mod(cc->ctl->loop, &cc->watch, EPOLLIN);
  conn_drain(cc);
}

static void answer_ctl(ctl_conn *cc, size_t linelen) {
  ncg_ctl *c = cc->ctl;
  ncg_ctl_req req;
  const char *why = NULL;
  ncg_buf body = {0};
  int rc = ncg_ctl_parse(cc->in, linelen, &req, &why);
  if (rc == 0)
    rc = c->fn(&req, &body, c->obj);
  else
    ncg_buf_printf(&body, "%s", why);
  if (body.oom) {
    rc = -1;
    ncg_buf_free(&body);
    ncg_buf_printf(&body, "out of memory");
  }
  if (rc != 0) {
    c->bad_requests++;
    ncg_warn("event=control-refused reason=\"%s\"", body.p ? body.p : "");
    ncg_buf_printf(&cc->out, "error: %s\n", body.p ? body.p : "");
  } else {
    ncg_buf_printf(&cc->out, "ok\n");
    if (body.n)
      ncg_buf_put(&cc->out, body.p, body.n);
  }
  ncg_buf_free(&body);
}

static const char *http_status(int code) {
  switch (code) {
  case 200: return "OK";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 431: return "Request Header Fields Too Large";
  case 503: return "Service Unavailable";
  }
  return "Bad Request";
}

static void http_reply(ctl_conn *cc, int code, const char *type,
                       const ncg_buf *body) {
  size_t len = body ? body->n : strlen(http_status(code)) + 1;
  ncg_buf_printf(&cc->out,
                 "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: "
                 "%zu\r\nConnection: close\r\n\r\n",
                 code, http_status(code), type, len);
  if (body)
    ncg_buf_put(&cc->out, body->p, body->n);
  else
    ncg_buf_printf(&cc->out, "%s\n", http_status(code));
}

/* The request line of a complete head: GET /metrics only. */
static void answer_http(ctl_conn *cc) {
  static const char get[] = "GET ";
  const char *p = (const char *)cc->in;
  const char *eol = memchr(p, '\r', cc->nin);
  size_t l = eol ? (size_t)(eol - p) : 0;
  if (l < sizeof(get) - 1 || memcmp(p, get, sizeof(get) - 1) != 0) {
    http_reply(cc, 405, "text/plain", NULL);
    return;
  }
  const char *target = p + 4, *sp = memchr(target, ' ', l - 4);
  size_t tl = sp ? (size_t)(sp - target) : l - 4;
  if (!(tl == 8 && memcmp(target, "/metrics", 8) == 0)) {
    http_reply(cc, 404, "text/plain", NULL);
    return;
  }
  ncg_ctl_req req = {.verb = NCG_CTL_STATUS, .format = NCG_FMT_PROMETHEUS};
  ncg_buf body = {0};
  if (cc->ctl->fn(&req, &body, cc->ctl->obj) != 0 || body.oom)
    http_reply(cc, 503, "text/plain", NULL);
  else
    http_reply(cc, 200, "text/plain; version=0.0.4; charset=utf-8", &body);
  ncg_buf_free(&body);
}

/* Reads; once a whole request is in, answers it. */
static void conn_read(ctl_conn *cc) {
  for (;;) {
    size_t room = sizeof(cc->in) - cc->nin;
    if (room == 0)
      break;
    ssize_t n = recv(cc->fd, cc->in + cc->nin, room, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return; /* more later */
    if (n == 0 && cc->nin > 0 && !cc->http) { /* the end ends the line */
      answer_ctl(cc, cc->nin);
      break;
    }
    if (n <= 0) { /* closed before a whole request: nothing to answer */
      conn_end(cc);
      return;
    }
    cc->nin += (size_t)n;
    if (!cc->http) {
      uint8_t *nl = memchr(cc->in, '\n', cc->nin);
      if (nl) {
        answer_ctl(cc, (size_t)(nl - cc->in));
        break;
      }
      if (cc->nin >= NCG_CTL_REQ_MAX) {
        cc->ctl->bad_requests++;
        ncg_warn("event=control-refused reason=\"request too long\"");
        ncg_buf_printf(&cc->out, "error: request too long (at most %d "
                                 "bytes)\n", NCG_CTL_REQ_MAX - 1);
        break;
      }
    } else {
      for (size_t i = 3; i < cc->nin; i++)
        if (memcmp(cc->in + i - 3, "\r\n\r\n", 4) == 0) {
          answer_http(cc);
          goto reply;
        }
    }
  }
  if (cc->http && cc->out.n == 0)
    http_reply(cc, cc->nin < sizeof(cc->in) ? 400 : 431, "text/plain", NULL);
reply:
  cc->answered = 1;
  conn_flush(cc);
}

static void conn_io(void *obj, uint32_t events) {
  ctl_conn *cc = obj;
  if (cc->dying)
    return;
  if (cc->answered) {
    if (cc->out.oom)
      conn_end(cc);
    else if (cc->sent < cc->out.n)
      conn_flush(cc);
    else
      conn_drain(cc);
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
    conn_read(cc);
}

static void conn_idle(void *obj, ncgt_tstamp now) {
  (void)now;
  conn_end(obj);
}

static void conn_adopt(ncg_ctl *c, int fd, int http) {
  ctl_conn *cc = NULL;
  if (c->nconns >= NCG_CTL_CONNS || !(cc = calloc(1, sizeof(*cc)))) {
    ncg_warn("event=control-refused reason=\"%s\"",
             cc ? "too many connections" : "out of memory");
    close(fd);
    return;
  }
  cc->ctl = c;
  cc->fd = fd;
  cc->http = http;
  ncg_timer_init(&cc->idle, conn_idle, cc);
  if (ncg_watch_add(c->loop, &cc->watch, fd, EPOLLIN, conn_io, cc) != 0) {
    close(fd);
    free(cc);
    return;
  }
  c->nconns++;
  cc->next = c->conns;
  if (cc->next)
    cc->next->pprev = &cc->next;
  cc->pprev = &c->conns;
  c->conns = cc;
  ncg_timer_set(c->loop, &cc->idle,
                ncg_now() + (ncgt_tstamp)NCG_CTL_IDLE_MS * NCGT_MILLISECONDS);
}

static void ctl_accept(void *obj, uint32_t events) {
  ncg_ctl *c = obj;
  (void)events;
  for (int i = 0; i < 16; i++) {
    int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;
    conn_adopt(c, fd, 0);
  }
}

static void http_accept(int fd, const ncg_addr *peer, void *obj) {
  (void)peer;
  conn_adopt(obj, fd, 1);
}

/* A socket file at `path` nobody answers on is left from a crash. */
static int ctl_stale(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 0;
  int live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
  close(fd);
  return !live;
}

static int ctl_listen(ncg_ctl *c, const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sa.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(sa.sun_path, path, strlen(path) + 1);
  char dir[sizeof(sa.sun_path)];
  memcpy(dir, sa.sun_path, sizeof(dir));
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
      return -1;
  }
  struct stat sb;
  if (lstat(path, &sb) == 0) {
    if (!S_ISSOCK(sb.st_mode) || !ctl_stale(path)) {
      errno = EADDRINUSE;
      return -1;
    }
    unlink(path);
  }
  c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    return -1;
  mode_t old = umask(0177); /* born 0600: no window for others */
  int rc = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
  umask(old);
  if (rc != 0 || chmod(path, 0600) != 0 || listen(c->fd, 16) != 0)
    return -1;
  snprintf(c->path, sizeof(c->path), "%s", path);
  return ncg_watch_add(c->loop, &c->watch, c->fd, EPOLLIN, ctl_accept, c);
}

int ncg_ctl_open(ncg_ctl *c, ncg_loop *l, const ncg_ops_conf *oc,
                 ncg_ctl_fn fn, void *obj) {
  memset(c, 0, sizeof(*c));
  c->loop = l;
  c->fn = fn;
  c->obj = obj;
  c->fd = -1;
  c->http.fd = -1;
  if (oc->control_off) {
    ncg_info("event=control-socket path=off");
  } else if (ctl_listen(c, oc->control) != 0) {
    /* Only a path the configuration asked for is worth not starting:
     * at the default one another instance may be running. */
    ncg_log(oc->control_set ? NCGT_LOG_ERROR : NCGT_LOG_WARN,
            "event=control-socket path=%s error=\"%s\"%s", oc->control,
            errno == EADDRINUSE ? "in use by a running program"
                                : strerror(errno),
            oc->control_set ? "" : " (running without a control socket; "
                                   "set control = PATH)");
    if (c->fd >= 0)
      close(c->fd);
    c->fd = -1;
    if (oc->control_set)
      return -1;
  } else {
    ncg_info("event=control-socket path=%s", c->path);
  }
  if (oc->has_metrics) {
    char as[NCG_ADDR_STRLEN];
    ncg_addr_str(&oc->metrics, as, sizeof(as));
    if (ncg_listener_open(&c->http, l, &oc->metrics, http_accept, c) != 0) {
      ncg_err("event=metrics-listen addr=%s error=\"%s\"", as,
              strerror(errno));
      return -1;
    }
    c->has_http = 1;
    ncg_info("event=metrics-listen addr=%s", as);
  }
  return 0;
}

void ncg_ctl_close(ncg_ctl *c) {
  if (!c->loop)
    return; /* never opened */
  while (c->conns) {
    ctl_conn *cc = c->conns;
    conn_detach(cc);
    conn_free(cc);
  }
  if (c->fd >= 0) {
    ncg_watch_del(c->loop, &c->watch);
    close(c->fd);
    c->fd = -1;
    unlink(c->path);
  }
  if (c->has_http) {
    ncg_listener_close(&c->http, c->loop);
    c->has_http = 0;
  }
}
