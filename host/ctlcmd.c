/* `PROG status|disconnect|reconnect`: the control socket's client side
 * (ctl.h, doc/status.md). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"
#include "sys.h"

enum { CMD_TIMEOUT_MS = 10000 };

int ncg_ctl_is_command(const char *arg) {
  return strcmp(arg, "status") == 0 || strcmp(arg, "disconnect") == 0 ||
         strcmp(arg, "reconnect") == 0;
}

static const char *hint(int err, const char *prog) {
  static char buf[160];
  switch (err) {
  case ENOENT:
    snprintf(buf, sizeof(buf),
             "is %s running with this configuration? (it makes the socket "
             "at start; see `control` and -s)", prog);
    return buf;
  case ECONNREFUSED:
    snprintf(buf, sizeof(buf),
             "nothing listens there: %s is not running (stale socket)", prog);
    return buf;
  case EACCES:
  case EPERM:
    return "the socket is mode 0600, owned by root: run as root";
  case ENAMETOOLONG:
    return "path longer than a UNIX socket address allows";
  }
  return "see `control` in the configuration, or give -s PATH";
}

static int cmd_usage(const char *prog) {
  fprintf(stderr,
          "Usage: %s status [--json|--prometheus] [-c FILE] [-s SOCKET]\n"
          "%s",
          prog,
          strcmp(prog, "ncg-server") == 0
              ? "       ncg-server disconnect USER [-c FILE] [-s SOCKET]\n"
              : strcmp(prog, "ncg-client") == 0
                    ? "       ncg-client reconnect [-c FILE] [-s SOCKET]\n"
                    : "");
  return 2;
}

/* Sends `req`, copies the answer's body to stdout (or its error to
 * stderr). 0 ok, 1 refused, 3 no answer. */
static int exchange(const char *prog, const char *path, const char *req) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sa.sun_path)) {
    fprintf(stderr, "%s: control socket %s: %s (%s)\n", prog, path,
            strerror(ENAMETOOLONG), hint(ENAMETOOLONG, prog));
    return 3;
  }
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    int e = errno;
    fprintf(stderr, "%s: cannot connect to control socket %s: %s (%s)\n",
            prog, path, strerror(e), hint(e, prog));
    if (fd >= 0)
      close(fd);
    return 3;
  }
  if (ncg_write_all(fd, req, strlen(req)) != 0) {
    fprintf(stderr, "%s: control socket %s: %s\n", prog, path,
            strerror(errno));
    close(fd);
    return 3;
  }
  shutdown(fd, SHUT_WR);
  ncg_buf in = {0};
  char chunk[4096];
  for (;;) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int pr = poll(&pfd, 1, CMD_TIMEOUT_MS);
    if (pr == 0) {
      fprintf(stderr, "%s: control socket %s: no answer in %d s\n", prog,
              path, CMD_TIMEOUT_MS / 1000);
      close(fd);
      ncg_buf_free(&in);
      return 3;
    }
    ssize_t n = pr < 0 ? -1 : read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    ncg_buf_put(&in, chunk, (size_t)n);
  }
  close(fd);
  int rc;
  if (in.n >= 3 && memcmp(in.p, "ok\n", 3) == 0) {
    fwrite(in.p + 3, 1, in.n - 3, stdout);
    rc = 0;
  } else if (in.n > 7 && memcmp(in.p, "error: ", 7) == 0) {
    fprintf(stderr, "%s: %s", prog, in.p + 7);
    rc = 1;
  } else {
    fprintf(stderr, "%s: control socket %s: no valid answer (%zu bytes)\n",
            prog, path, in.n);
    rc = 3;
  }
  ncg_buf_free(&in);
  return rc;
}

int ncg_ctl_command(const char *prog, int argc, char **argv,
                    const char *default_config,
                    int (*load)(const char *config, ncg_ops_conf *oc)) {
  static const struct option opts[] = {
    { "config", required_argument, NULL, 'c' },
    { "socket", required_argument, NULL, 's' },
    { "json", no_argument, NULL, 'j' },
    { "prometheus", no_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 },
  };
  const char *verb = argv[1], *config = default_config, *sock = NULL;
  const char *fmt = "";
  int ch;
  optind = 2;
  while ((ch = getopt_long(argc, argv, "c:s:", opts, NULL)) != -1) {
    switch (ch) {
    case 'c': config = optarg; break;
    case 's': sock = optarg; break;
    case 'j': fmt = " json"; break;
    case 'p': fmt = " prometheus"; break;
    default: return cmd_usage(prog);
    }
  }
  char req[NCG_CTL_REQ_MAX + 16];
  int nargs = argc - optind;
  if (strcmp(verb, "status") == 0 && nargs == 0)
    snprintf(req, sizeof(req), "status%s\n", fmt);
  else if (strcmp(verb, "disconnect") == 0 && nargs == 1 && !*fmt &&
           strlen(argv[optind]) <= NCGT_NAME_MAX)
    snprintf(req, sizeof(req), "disconnect %s\n", argv[optind]);
  else if (strcmp(verb, "reconnect") == 0 && nargs == 0 && !*fmt)
    snprintf(req, sizeof(req), "reconnect\n");
  else
    return cmd_usage(prog);
  ncg_ops_conf oc;
  memset(&oc, 0, sizeof(oc));
  if (sock)
    snprintf(oc.control, sizeof(oc.control), "%s", sock);
  else if (load(config, &oc) != 0)
    return 1;
  if (oc.control_off) {
    fprintf(stderr, "%s: %s has control = off: no control socket\n", prog,
            config);
    return 3;
  }
  if (!oc.control[0])
    ncg_ctl_default_path(oc.control, prog, config);
  return exchange(prog, oc.control, req);
}
