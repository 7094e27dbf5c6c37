/*
 * The control socket and the metrics responder (doc/status.md), both on
 * the program's epoll loop and never blocking it:
 *  - a UNIX stream socket (mode 0600), one request line per connection
 *    (ctlreq.h), answered "ok\n" + body or "error: why\n", then closed;
 *  - optionally a TCP address answering HTTP GET /metrics with the
 *    Prometheus exposition, then closing.
 * Requests are bounded (NCG_CTL_REQ_MAX, HTTP heads NCG_CTL_HTTP_MAX),
 * at most NCG_CTL_CONNS connections are open at once, and an idle one is
 * closed after NCG_CTL_IDLE_MS.
 */
#ifndef NCG_CTL_H
#define NCG_CTL_H

#include <sys/un.h>

#include "addr.h"
#include "ctlreq.h"
#include "loop.h"
#include "progconf.h"
#include "status.h"
#include "stream.h"

enum {
  NCG_CTL_CONNS = 32,
  NCG_CTL_HTTP_MAX = 2048,
  NCG_CTL_IDLE_MS = 5000,
};

/* Answers one request into `out`: 0, or -1 with the reason written to
 * `out` (it becomes "error: ..."). */
typedef int (*ncg_ctl_fn)(const ncg_ctl_req *req, ncg_buf *out, void *obj);

typedef struct ncg_ctl {
  ncg_loop *loop;
  ncg_watch watch;
  int fd;
  char path[NCG_CTL_PATH_MAX];
  ncg_listener http;
  int has_http;
  ncg_ctl_fn fn;
  void *obj;
  size_t nconns;
  struct ctl_conn *conns; /* open connections, for ncg_ctl_close */
  uint64_t bad_requests;
} ncg_ctl;

/* The default control path: /run/ncgtun/PROG.sock, and for ncg-client
 * /run/ncgtun/ncg-client-NAME.sock with NAME the configuration file's
 * name without directory and ".conf". */
void ncg_ctl_default_path(char out[NCG_CTL_PATH_MAX], const char *prog,
                          const char *config);

/* Opens the socket (its directory made 0755 if missing; a stale socket
 * replaced, a live one refused) and the metrics listener. 0 or -1
 * (logged). */
int ncg_ctl_open(ncg_ctl *c, ncg_loop *l, const ncg_ops_conf *oc,
                 ncg_ctl_fn fn, void *obj);
/* Closes the listeners and removes the socket file; open connections
 * are closed by the loop's end. */
void ncg_ctl_close(ncg_ctl *c);

/* `PROG status|disconnect|reconnect ...`: the command side. Returns the
 * exit status. `load` reads the configuration's control path into
 * oc->control (0, or -1 with a message printed). */
int ncg_ctl_command(const char *prog, int argc, char **argv,
                    const char *default_config,
                    int (*load)(const char *config, ncg_ops_conf *oc));

int ncg_ctl_is_command(const char *arg);

#endif /* NCG_CTL_H */
