/*
 * ncg-relay: the patent's tunnel relay (EP 0 838 930 Fig. 13). Accepts
 * TCP connections, lets the library read the RELAY frame and choose the
 * forwarding address (a configured next hop, or the live, least-loaded
 * member of a server pool), connects onward and forwards bytes both ways
 * without being able to read them. Many tunnels in one epoll loop.
 *
 * Back-pressure between the two sides: when one side's output queue is
 * above its soft limit we stop reading from the other side until it
 * drains, so a slow server or client never makes the relay buffer
 * without bound.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <ncgtun/conn.h>

#include "ctl.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "prog.h"
#include "relay_conf.h"
#include "reload.h"
#include "resolve.h"
#include "stream.h"
#include "sys.h"

typedef struct relay_prog relay_prog;

typedef struct rsess_host {
  struct rsess_host *next, **pprev; /* every session, for shutdown */
  relay_prog *rp;
  ncgt_rsess *rs;
  ncg_stream side[2]; /* NCGT_SIDE_IN, NCGT_SIDE_OUT */
  ncg_timer timer;
  ncg_resolve_req *dns; /* the next hop's DNS lookup, or NULL */
  int dying; /* destroy scheduled */
  /* log prefix "peer=... hop=...", the hop escaped (ncg_log_esc) */
  char ctx[NCG_ADDR_STRLEN + NCG_LOG_ESC_MAX + 16];
} rsess_host;

struct relay_prog {
  ncg_loop loop;
  ncg_relay_conf conf;
  ncgt_relay *relay;
  ncg_listener ls[NCG_LISTEN_MAX];
  size_t nls;
  rsess_host *sessions;
  size_t nsess;
  int stopping;
  ncg_timer stop_timer;
  ncg_ctl ctl; /* control socket (doc/status.md) */
  ncgt_tstamp started;
  uint64_t closes[NCGT_STATS_CLOSE_SLOTS];
  uint64_t refused;
  uint64_t bytes_done[2]; /* of ended sessions, by the side they came from */
  const char *config_path; /* for SIGHUP */
  int cmdline_level;       /* -l, or -1 */
};

static const char relay_help[] =
    "Usage: ncg-relay [-c FILE] [-l LEVEL] [--check]\n"
    "       ncg-relay status [--json|--prometheus] [-c FILE] [-s SOCKET]\n"
    "The libncgtun tunnel relay (EP 0 838 930 Fig. 13): forwards tunnels\n"
    "to allowed next hops and server pools without reading them.\n"
    "\n"
    "  -c, --config FILE     configuration (default /etc/ncgtun/relay.conf)\n"
    "  -l, --log-level LVL   error, warn, info or debug (overrides the file)\n"
    "  -h, --help            this text\n"
    "  -V, --version         version\n"
    "      --check           load the configuration, report errors, exit\n"
    "  status                every session, from the control socket "
    "(--json,\n"
    "                        --prometheus); see doc/status.md\n"
    "\n"
    "Signals: SIGHUP reloads the configuration (allow, pools, hosts and\n"
    "limits at once; sessions whose next hop is no longer allowed are\n"
    "closed; settings that need a restart are logged and kept);\n"
    "SIGTERM/SIGINT close every tunnel and exit.\n"
    "See ncg-relay(8) and ncgtun.conf(5).\n";

static void sess_after(rsess_host *h);
static void relay_reload(relay_prog *rp);

static void sess_destroy(void *obj) {
  rsess_host *h = obj;
  ncgt_rsess_stats st;
  ncgt_rsess_get_stats(h->rs, &st);
  h->rp->bytes_done[0] += st.bytes_from[NCGT_SIDE_IN];
  h->rp->bytes_done[1] += st.bytes_from[NCGT_SIDE_OUT];
  *h->pprev = h->next;
  if (h->next)
    h->next->pprev = h->pprev;
  ncg_timer_stop(&h->rp->loop, &h->timer);
  ncg_resolve_cancel(&h->dns);
  ncg_stream_close(&h->side[NCGT_SIDE_IN]);
  ncg_stream_close(&h->side[NCGT_SIDE_OUT]);
  ncgt_rsess_del(h->rs);
  h->rp->nsess--;
  if (h->rp->stopping && h->rp->nsess == 0)
    ncg_loop_stop(&h->rp->loop);
  free(h);
}

static void sess_on_timer(void *obj, ncgt_tstamp now) {
  rsess_host *h = obj;
  ncgt_rsess_handle_expiry(h->rs, now);
  sess_after(h);
}

/* After every call into the session: re-arm its timer, and free it once
 * it is dead (from the loop, never inside a callback). */
static void sess_after(rsess_host *h) {
  if (h->dying)
    return;
  if (ncgt_rsess_state(h->rs) == NCGT_ST_DEAD) {
    const ncgt_close_info *ci = ncgt_rsess_close_info(h->rs);
    ncg_info("%s event=closed status=%s%s", h->ctx,
             ci ? ncgt_close_status_name(ci->status) : "none",
             ci && ci->remote ? " remote=1" : "");
    ncg_status_count_close(h->rp->closes,
                           ci ? ci->status : NCGT_CLOSE_TRANSPORT);
    h->dying = 1;
    ncg_resolve_cancel(&h->dns); /* ended before DNS answered */
    ncg_timer_stop(&h->rp->loop, &h->timer);
    ncg_loop_defer(&h->rp->loop, sess_destroy, h);
    return;
  }
  ncg_timer_set(&h->rp->loop, &h->timer, ncgt_rsess_get_expiry(h->rs));
}

static rsess_host *side_host(ncg_stream *s, ncgt_side *side) {
  /* Each stream's obj is its host; find which side it is. */
  rsess_host *h = s->obj;
  *side = s == &h->side[NCGT_SIDE_IN] ? NCGT_SIDE_IN : NCGT_SIDE_OUT;
  return h;
}

static void side_connected(ncg_stream *s, void *obj) {
  rsess_host *h = obj;
  (void)s;
  ncg_info("%s event=forwarding", h->ctx);
  ncgt_rsess_connected(h->rs, ncg_now());
  sess_after(h);
}

static void side_data(ncg_stream *s, uint8_t *d, size_t n, void *obj) {
  ncgt_side side;
  rsess_host *h = side_host(s, &side);
  (void)obj;
  ncgt_rsess_recv(h->rs, side, d, n, ncg_now());
  sess_after(h);
}

static void side_error(ncg_stream *s, int err, void *obj) {
  ncgt_side side;
  rsess_host *h = side_host(s, &side);
  (void)obj;
  ncg_stream_close(s);
  if (side == NCGT_SIDE_OUT && ncgt_rsess_state(h->rs) ==
                                   NCGT_ST_FORWARD_CONNECT) {
    ncg_warn("%s event=connect-failed error=\"%s\"", h->ctx,
             strerror(err ? err : ECONNREFUSED));
    ncgt_rsess_connect_failed(h->rs, ncg_now());
  } else {
    ncg_debug("%s event=transport-%s %s", h->ctx,
              side == NCGT_SIDE_IN ? "in" : "out",
              err ? strerror(err) : "eof");
    ncgt_rsess_transport_error(h->rs, side, ncg_now());
  }
  sess_after(h);
}

/* One side drained: read the other one again. */
static void side_drain(ncg_stream *s, void *obj) {
  ncgt_side side;
  rsess_host *h = side_host(s, &side);
  (void)obj;
  ncg_stream_pause(&h->side[side == NCGT_SIDE_IN ? NCGT_SIDE_OUT
                                                 : NCGT_SIDE_IN], 0);
}

static const ncg_stream_ops side_ops = { side_connected, side_data,
                                         side_error, side_drain };

/* Connects the out side; 0, or -1 with errno. */
static int sess_connect_out(rsess_host *h, const ncg_addr *to) {
  if (ncg_stream_connect(&h->side[NCGT_SIDE_OUT], &h->rp->loop, to,
                         h->rp->conf.queue_limit, &side_ops, h) != 0)
    return -1;
  ncg_debug("%s event=connecting addr=%s", h->ctx,
            h->side[NCGT_SIDE_OUT].peer_str);
  return 0;
}

/* The next hop's DNS answer, from the loop: the other sessions went on
 * meanwhile. */
static void sess_resolved(void *obj, int rc, const ncg_addr *to,
                          const char *why) {
  rsess_host *h = obj;
  h->dns = NULL;
  if (ncgt_rsess_state(h->rs) != NCGT_ST_FORWARD_CONNECT)
    return;
  if (rc == 0 && sess_connect_out(h, to) == 0)
    return;
  ncg_warn("%s event=connect-failed error=\"%s\"", h->ctx,
           rc != 0 ? why : strerror(errno));
  ncgt_rsess_connect_failed(h->rs, ncg_now());
  sess_after(h);
}

static int cb_connect(ncgt_rsess *rs, const char *next_hop, void *ud) {
  rsess_host *h = ud;
  ncg_addr to;
  const char *why = NULL;
  char *hop = strstr(h->ctx, " hop=");
  if (hop)
    *hop = '\0';
  size_t used = strlen(h->ctx);
  char esc[NCG_LOG_ESC_MAX];
  snprintf(h->ctx + used, sizeof(h->ctx) - used, " hop=%s",
           ncg_log_esc(next_hop, esc, sizeof(esc)));
  (void)rs;
  ncg_resolve_cancel(&h->dns);
  int rc = ncg_hosts_lookup(&h->rp->conf.hosts, &h->rp->loop, next_hop, &to,
                            sess_resolved, h, &h->dns, &why);
  if (rc == 1) {
    ncg_debug("%s event=resolving", h->ctx);
    return 0; /* sess_resolved connects or reports the failure */
  }
  if (rc != 0 || sess_connect_out(h, &to) != 0) {
    ncg_warn("%s event=connect-failed error=\"%s\"", h->ctx,
             why ? why : strerror(errno));
    /* Non-zero = connect failed: the library marks the member failed and
     * tries another one, or refuses the tunnel (conn.h, connect). */
    return -1;
  }
  return 0;
}

static int cb_send(ncgt_rsess *rs, ncgt_side side, const uint8_t *data,
                   size_t len, void *ud) {
  rsess_host *h = ud;
  (void)rs;
  ncg_stream *s = &h->side[side];
  if (ncg_stream_write(s, data, len) != 0)
    return -1; /* beyond the hard limit: the tunnel fails */
  if (!ncg_stream_room(s, 0)) /* above the soft limit: stop the source */
    ncg_stream_pause(&h->side[side == NCGT_SIDE_IN ? NCGT_SIDE_OUT
                                                   : NCGT_SIDE_IN], 1);
  return 0;
}

static void cb_close(ncgt_rsess *rs, ncgt_side side, void *ud) {
  rsess_host *h = ud;
  (void)rs;
  if (side == NCGT_SIDE_OUT)
    ncg_resolve_cancel(&h->dns); /* e.g. connect_timeout ran out first */
  ncg_stream_close(&h->side[side]);
}

static void cb_state(ncgt_rsess *rs, ncgt_state from, ncgt_state to,
                     void *ud) {
  rsess_host *h = ud;
  (void)rs;
  ncg_debug("%s state %s -> %s", h->ctx, ncgt_state_name(from),
            ncgt_state_name(to));
}

static void on_accept(int fd, const ncg_addr *peer, void *obj) {
  relay_prog *rp = obj;
  char ps[NCG_ADDR_STRLEN];
  ncg_addr_str(peer, ps, sizeof(ps));
  if (rp->stopping || rp->nsess >= rp->conf.max_sessions) {
    ncg_warn("peer=%s event=refused reason=%s", ps,
             rp->stopping ? "stopping" : "max_sessions");
    rp->refused++;
    close(fd);
    return;
  }
  rsess_host *h = calloc(1, sizeof(*h));
  if (!h) {
    close(fd);
    return;
  }
  h->rp = rp;
  h->side[NCGT_SIDE_OUT].fd = -1;
  snprintf(h->ctx, sizeof(h->ctx), "peer=%s", ps);
  ncg_timer_init(&h->timer, sess_on_timer, h);
  if (ncg_stream_adopt(&h->side[NCGT_SIDE_IN], &rp->loop, fd, peer,
                       rp->conf.queue_limit, &side_ops, h) != 0) {
    free(h);
    return;
  }
  if (ncgt_relay_accept(rp->relay, &h->rs, h, ncg_now()) != 0) {
    ncg_stream_close(&h->side[NCGT_SIDE_IN]);
    free(h);
    return;
  }
  rp->nsess++;
  h->next = rp->sessions;
  if (h->next)
    h->next->pprev = &h->next;
  h->pprev = &rp->sessions;
  rp->sessions = h;
  ncg_debug("%s event=accepted", h->ctx);
  sess_after(h);
}

static void on_signal(int signo, void *obj) {
  relay_prog *rp = obj;
  ncg_info("event=signal signal=%s", strsignal(signo));
  if (signo == SIGHUP && !rp->stopping)
    relay_reload(rp);
  if (signo != SIGTERM && signo != SIGINT)
    return;
  rp->stopping = 1;
  ncg_notify("STOPPING=1\nSTATUS=closing %zu sessions", rp->nsess);
  for (size_t i = 0; i < rp->nls; i++)
    ncg_listener_close(&rp->ls[i], &rp->loop);
  /* A relay cannot send an authenticated CLOSE for tunnels it cannot
   * read: it ends both transports and the ends notice. */
  for (rsess_host *h = rp->sessions; h; h = h->next) {
    if (h->dying)
      continue;
    ncgt_rsess_transport_error(h->rs, NCGT_SIDE_IN, ncg_now());
    sess_after(h);
  }
  if (rp->nsess == 0)
    ncg_loop_stop(&rp->loop);
  /* Whatever is left after a second does not hold the exit. */
  ncg_timer_set(&rp->loop, &rp->stop_timer, ncg_now() + NCGT_SECONDS);
}

static int relay_ctl(const ncg_ctl_req *req, ncg_buf *out, void *obj) {
  relay_prog *rp = obj;
  if (req->verb != NCG_CTL_STATUS) {
    ncg_buf_printf(out, "ncg-relay does not take this verb");
    return -1;
  }
  ncg_st_rsess *v = calloc(rp->nsess ? rp->nsess : 1, sizeof(*v));
  if (!v) {
    ncg_buf_printf(out, "out of memory");
    return -1;
  }
  size_t n = 0;
  for (rsess_host *h = rp->sessions; h && n < rp->nsess; h = h->next) {
    if (h->dying)
      continue;
    v[n].rs = h->rs;
    v[n].peer = h->side[NCGT_SIDE_IN].peer_str;
    n++;
  }
  ncg_status s = {
    .program = "ncg-relay",
    .name = rp->conf.name,
    .now = ncg_now(),
    .started = rp->started,
    .sessions = v,
    .nsessions = n,
    .is_relay = 1,
    .relay_refused = rp->refused,
    .relay_bytes_done = {rp->bytes_done[0], rp->bytes_done[1]},
  };
  memcpy(s.closes, rp->closes, sizeof(s.closes));
  ncg_status_render(out, &s, req->format);
  free(v);
  return 0;
}

/* For `ncg-relay status`: the control path of a configuration. */
static int load_ops(const char *config, ncg_ops_conf *oc) {
  static ncg_relay_conf c;
  ncg_ini ini;
  if (ncg_relay_conf_load(&c, config, &ini) != 0) {
    fprintf(stderr, "ncg-relay: %s\n", ini.msg);
    return -1;
  }
  *oc = c.ops;
  ncg_relay_conf_free(&c);
  return 0;
}

static void on_stop_timer(void *obj, ncgt_tstamp now) {
  (void)now;
  ncg_loop_stop(obj);
}

static void relay_settings(const ncg_relay_conf *c, ncgt_relay_settings *s) {
  ncgt_relay_settings_default(s); /* 0 below keeps the library default */
  s->name = c->name;
  s->relay_timeout = (ncgt_tstamp)c->relay_timeout * NCGT_SECONDS;
  s->connect_timeout = (ncgt_tstamp)c->connect_timeout * NCGT_SECONDS;
  s->fail_holdoff = (ncgt_tstamp)c->fail_holdoff * NCGT_SECONDS;
}

/* Where the relay may forward: allow, then every pool's members. */
static int relay_hops(ncgt_relay *r, const ncg_relay_conf *c) {
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < c->nallow; i++)
    rc = ncgt_relay_allow(r, c->allow[i]);
  for (size_t i = 0; rc == 0 && i < c->nmembers; i++)
    rc = ncgt_relay_add_pool_member(r, c->members[i].pool,
                                    c->members[i].member);
  return rc;
}

/* Sessions whose forwarding address the new configuration no longer
 * allows are closed (both transports; the ends notice and reconnect,
 * maybe by another path). Sessions still choosing choose from the new
 * set; the others keep forwarding. */
static size_t relay_close_disallowed(relay_prog *rp) {
  size_t n = 0;
  for (rsess_host *h = rp->sessions; h; h = h->next) {
    if (h->dying || ncgt_rsess_hop_allowed(h->rs))
      continue;
    ncg_warn("%s event=closing reason=hop-not-allowed (reload)", h->ctx);
    ncgt_rsess_transport_error(h->rs, NCGT_SIDE_IN, ncg_now());
    sess_after(h);
    n++;
  }
  return n;
}

/* SIGHUP (doc/configuration.md "Reloading"): the file is read again; a
 * broken file, or one the library refuses, changes nothing. */
static void relay_reload(relay_prog *rp) {
  static ncg_relay_conf nc, merged; /* large: off the stack */
  ncg_ini ini;
  ncg_conf_diff d;
  ncg_reload_notify_start(rp->config_path);
  if (ncg_relay_conf_load(&nc, rp->config_path, &ini) != 0) {
    ncg_err("event=reload-refused error=\"%s\" (nothing changed)", ini.msg);
    ncg_notify("READY=1\nSTATUS=reload refused (see the log)");
    return;
  }
  if (!nc.ops.control[0])
    ncg_ctl_default_path(nc.ops.control, "ncg-relay", rp->config_path);
  ncg_conf_merge(ncg_relay_conf_fields, ncg_relay_conf_nfields, sizeof(nc),
                 &rp->conf, &nc, &merged, &d);
  ncgt_relay_clear_allowed(rp->relay);
  int rc = relay_hops(rp->relay, &merged);
  if (rc != 0) {
    ncg_err("event=reload-refused error=\"%s\" (nothing changed)",
            ncgt_strerror(rc));
    ncgt_relay_clear_allowed(rp->relay);
    if (relay_hops(rp->relay, &rp->conf) != 0) /* it took them before */
      ncg_err("event=reload error=\"cannot restore the old next hops\"");
    ncg_relay_conf_free(&nc);
    ncg_notify("READY=1\nSTATUS=reload refused (see the log)");
    return;
  }
  ncgt_relay_settings s;
  relay_settings(&merged, &s);
  if (ncgt_relay_update(rp->relay, &s) != 0)
    ncg_err("event=reload error=\"timeouts unchanged\"");
  ncg_reload_log_kept(ncg_relay_conf_fields, ncg_relay_conf_nfields,
                      &rp->conf, &nc, &d);
  ncg_hosts_disown(&merged.hosts, &rp->conf.hosts, &nc.hosts);
  ncg_relay_conf_free(&rp->conf);
  ncg_relay_conf_free(&nc);
  rp->conf = merged;
  ncg_reload_log_settings(rp->cmdline_level, rp->conf.log_level,
                          rp->conf.log_target);
  size_t closed = relay_close_disallowed(rp);
  ncg_info("event=reloaded changed=\"%s\" closed=%zu",
           d.names[NCG_RELOAD_LIVE], closed);
  ncg_notify("READY=1\nSTATUS=%zu sessions as %s", rp->nsess, rp->conf.name);
}

static int relay_setup(relay_prog *rp) {
  static const ncgt_relay_callbacks cb = {
    .version = NCGT_RELAY_CALLBACKS_V1,
    .connect = cb_connect,
    .send = cb_send,
    .close = cb_close,
    .state_changed = cb_state,
    .log = ncg_log_lib_plain,
  };
  const ncg_relay_conf *c = &rp->conf;
  /* doc/configuration.md, "How the timeouts relate": a client (10 s
   * handshake by default) that gives up first never reaches the next
   * member. */
  if (c->connect_timeout >= 10)
    ncg_warn("event=config connect_timeout=%u: not below the clients' "
             "default handshake timeout (10 s); a silent pool member makes "
             "them give up before the next member is tried",
             (unsigned)c->connect_timeout);
  ncgt_relay_settings s;
  relay_settings(c, &s);
  int rc = ncgt_relay_new(&rp->relay, &s, &cb, NULL);
  if (rc == 0)
    rc = relay_hops(rp->relay, c);
  if (rc != 0) {
    ncg_err("event=relay-setup error=\"%s\"", ncgt_strerror(rc));
    return -1;
  }
  for (size_t i = 0; i < c->listen.n; i++) {
    char as[NCG_ADDR_STRLEN];
    ncg_addr_str(&c->listen.v[i], as, sizeof(as));
    if (ncg_listener_open(&rp->ls[i], &rp->loop, &c->listen.v[i], on_accept,
                          rp) != 0) {
      ncg_err("event=listen addr=%s error=\"%s\"", as, strerror(errno));
      return -1;
    }
    rp->nls++;
    ncg_info("event=listening addr=%s name=%s", as, c->name);
  }
  ncg_notify("READY=1\nSTATUS=listening on %zu addresses as %s", rp->nls,
             c->name);
  return 0;
}

int main(int argc, char **argv) {
  static relay_prog rp;
  ncg_cmdline cl;
  ncg_ini ini;
  if (argc >= 2 && ncg_ctl_is_command(argv[1]))
    return ncg_ctl_command("ncg-relay", argc, argv, "/etc/ncgtun/relay.conf",
                           load_ops);
  int rc = ncg_prog_start(argc, argv, "ncg-relay", "/etc/ncgtun/relay.conf",
                          relay_help, 0, &cl);
  if (rc >= 0)
    return rc;
  if (ncg_relay_conf_load(&rp.conf, cl.config, &ini) != 0) {
    fprintf(stderr, "ncg-relay: %s\n", ini.msg);
    return NCG_EXIT_CONFIG;
  }
  if (cl.check) {
    printf("ncg-relay: would run: name=%s", rp.conf.name);
    ncg_prog_print_listen(&rp.conf.listen);
    printf(" allow=");
    for (size_t i = 0; i < rp.conf.nallow; i++)
      printf("%s%s", i ? "," : "", rp.conf.allow[i]);
    printf(" pool_members=%zu\n", rp.conf.nmembers);
    ncg_relay_conf_free(&rp.conf);
    return ncg_prog_checked("ncg-relay", cl.config);
  }
  ncg_timer_init(&rp.stop_timer, on_stop_timer, &rp.loop);
  if (!rp.conf.ops.control[0])
    ncg_ctl_default_path(rp.conf.ops.control, "ncg-relay", cl.config);
  rp.started = ncg_now();
  rp.config_path = cl.config;
  rp.cmdline_level = cl.log_level;
  if (ncg_prog_loop_init(&rp.loop, &cl, rp.conf.log_level,
                         rp.conf.log_target, on_signal, &rp) ||
      relay_setup(&rp) != 0 ||
      ncg_ctl_open(&rp.ctl, &rp.loop, &rp.conf.ops, relay_ctl, &rp) != 0) {
    ncg_ctl_close(&rp.ctl);
    return 1;
  }
  /* Two descriptors a session: the side in and the side out. */
  ncg_prog_fd_budget(rp.conf.max_sessions, 2, NCG_PROG_FDS_FIXED + rp.nls);
  rc = ncg_loop_run(&rp.loop);
  ncg_info("event=exit");
  while (rp.sessions) {
    rp.sessions->dying = 1;
    sess_destroy(rp.sessions);
  }
  ncgt_relay_del(rp.relay);
  ncg_ctl_close(&rp.ctl);
  ncg_relay_conf_free(&rp.conf);
  ncg_loop_fini(&rp.loop);
  return rc == 0 ? 0 : 1;
}
