/*
 * ncg-client: the initiator (Fig. 11) behind a TAP pseudo adapter
 * (Figs. 15-18). The adapter answers the local stack's ARP and DHCP from
 * the client data; IP datagrams go through the tunnel. The library
 * reconnects with backoff by itself (auto_reconnect); the server gives the
 * user the same address each time, so inner TCP connections survive a
 * transport break or a move to another network.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "notify.h"
#include "prog.h"
#include "sys.h"

/* What the operator should check after a CLOSE of this status (issue 13:
 * a close is never silent; doc/state-machines.md "Client lifecycle"). */
static const char *close_hint(unsigned status) {
  switch (status) {
  case NCGT_CLOSE_AUTH_FAILED:
    return "check user name, client key, and the server's public key; "
           "or no transform in common (transforms)";
  case NCGT_CLOSE_END_SESSION:
    return "the server ended the session (user removed or disconnected)";
  case NCGT_CLOSE_REPLACED:
    return "the same user connected from elsewhere; two machines must not "
           "share a client key";
  case NCGT_CLOSE_RELAY_REFUSED:
    return "a relay's allow list does not permit this path";
  case NCGT_CLOSE_UNREACHABLE:
    return "a relay could not reach the next hop";
  case NCGT_CLOSE_VERSION:
    return "the server speaks another protocol version";
  case NCGT_CLOSE_SERVER_FULL:
    return "the server has no free session or address";
  case NCGT_CLOSE_HANDSHAKE_TIMEOUT:
    return "no answer: is the server up and the path right?";
  case NCGT_CLOSE_INTEGRITY:
  case NCGT_CLOSE_PROTOCOL:
    return "the stream was altered or broken in transit";
  default:
    return NULL;
  }
}

/* The exit status for a session the library will not resume. */
static int ended_exit_code(unsigned status) {
  return status == NCGT_CLOSE_REPLACED ? NCG_EXIT_REPLACED : NCG_EXIT_ENDED;
}

static void cli_after(ncg_tunnel *t) {
  cli_prog *p = (cli_prog *)t;
  ncgt_state st = ncgt_conn_state(t->conn);
  if (p->stopping && (st == NCGT_ST_DEAD || st == NCGT_ST_IDLE)) {
    ncg_loop_stop(&p->loop);
    return;
  }
  /* Dead with nothing scheduled: the library will not reconnect (the
   * server ended the session for good, or the user was replaced). Never
   * sit dead holding routes: undo what was applied and exit, with a
   * status of its own that the unit does not restart on. */
  if (p->stopping || st != NCGT_ST_DEAD)
    return;
  int again = ncgt_conn_get_expiry(t->conn) != NCGT_TSTAMP_MAX;
  if (again && !p->close_pending)
    return; /* said already */
  p->close_pending = 0;
  const char *hint = close_hint(p->last_close);
  if (again) {
    ncg_warn("%s event=reconnecting after_status=%s%s%s%s", t->ctx,
             ncgt_close_status_name(p->last_close), hint ? " (" : "",
             hint ? hint : "", hint ? ")" : "");
    ncg_notify("STATUS=tunnel closed (%s), reconnecting",
               ncgt_close_status_name(p->last_close));
  } else {
    int code = ended_exit_code(p->last_close);
    ncg_warn("%s event=ended status=%s exit=%d (not reconnecting%s%s)",
             t->ctx, ncgt_close_status_name(p->last_close), code,
             hint ? ": " : "", hint ? hint : "");
    p->exit_code = code;
    p->stopping = 1;
    cli_net_unapply(p);
    ncg_notify("STOPPING=1\nSTATUS=the server ended the session (%s)",
               ncgt_close_status_name(p->last_close));
    ncg_loop_stop(&p->loop);
  }
}

/* Fig. 11 195 TCP Open: connect to the first hop. A name that needs DNS
 * is looked up off the loop; the connect follows from the loop
 * (ncg_tunnel_open). */
static int cb_open_transport(ncgt_conn *c, const char *next_hop, void *ud) {
  cli_prog *p = ud;
  const char *why = NULL;
  (void)c;
  p->attempt_at = ncg_now();
  if (ncg_tunnel_open(&p->t, &p->conf.hosts, next_hop, &why) == 0)
    return 0;
  ncg_warn("user=%s hop=%s event=connect-failed error=\"%s\"", p->conf.user,
           next_hop, why ? why : strerror(errno));
  return -1; /* a transport failure: the library retries (conn.h) */
}

/* Opened in place in the socket's read buffer: the adapter writes the
 * Ethernet header in front of it and hands it to the TAP, no copy. */
static int cb_recv_dgram(ncgt_conn *c, const ncgt_datagram *d, void *ud) {
  cli_prog *p = ud;
  (void)c;
  int rc = ncgt_adapter_from_tunnel_dgram(p->adapter, d, 0);
  if (rc != 0)
    ncg_debug("%s event=adapter-callback-failed dir=from-tunnel", p->t.ctx);
  return 0;
}

/* Fig. 23: the client data arrived with RESPONSE. */
static void cb_authorized(ncgt_conn *c, const uint8_t *cd, size_t len,
                          int rekey, void *ud) {
  cli_prog *p = ud;
  ncgt_client_config cc;
  char as[16];
  if (rekey) {
    ncg_debug("%s event=rekeyed", p->t.ctx);
    return;
  }
  /* The kernel hands over super-segments only to a tunnel that takes
   * them (NCGT_FEATURE_GSO was agreed). */
  int gso = (ncgt_conn_features(c) & NCGT_FEATURE_GSO) != 0;
  if (ncg_tap_set_offload(&p->tap, gso) != 0)
    ncg_warn("%s event=tap-offload error=\"%s\"", p->t.ctx, strerror(errno));
  int rc = ncgt_client_config_decode(&cc, cd, len);
  if (rc == 0)
    rc = ncgt_adapter_set_client_data(p->adapter, cd, len);
  if (rc != 0) {
    ncg_err("%s event=bad-client-data error=\"%s\"", p->t.ctx,
            ncgt_strerror(rc));
    return;
  }
  p->tunnel_addr = cc.client_addr;
  ncg_info("%s event=authorized address=%s/%u server=%s transform=%s "
           "gso=%s",
           p->t.ctx, ncg_ip4_str(cc.client_addr, as), cc.prefix_len,
           p->conf.server[0] ? p->conf.server : p->conf.path[p->conf.npath - 1],
           ncgt_transform_name(ncgt_conn_transform(c)), gso ? "on" : "off");
  cli_net_ipv6(p, !p->conf.dhcp_external);
  if (!p->conf.dhcp_external && cli_net_apply(p, &cc) == 0)
    cli_dns_apply(p, &cc);
  else if (cli_net_mtu(p) == 0) /* the server's MTU, whatever the DHCP
                                 * client does with option 26 */
    ncg_info("%s event=link device=%s mtu=%u", p->t.ctx, p->tap.name,
             ncgt_adapter_mtu(p->adapter));
  /* Authorised (Fig. 11 AUTHORIZED): units ordered After= us can use the
   * tunnel now. Sent again after each reconnect; systemd ignores that. */
  ncg_notify("READY=1\nSTATUS=authorised as %s, address %s/%u",
             p->conf.user, as, cc.prefix_len);
}

/* What happens next (reconnect or exit) is known only once the library
 * has scheduled it, after this callback: cli_after says it. */
static void cb_closed(ncgt_conn *c, const ncgt_close_info *ci, void *ud) {
  cli_prog *p = ud;
  (void)c;
  p->last_close = ci->status;
  p->close_pending = 1;
  ncg_tunnel_log_closed(&p->t, ci);
}

static int ad_to_stack(const uint8_t *frame, size_t len, void *ud) {
  cli_prog *p = ud;
  ncg_tap_write(&p->tap, frame, len);
  return 0;
}

static int ad_to_stack_gso(const ncgt_gso *g, const uint8_t *frame,
                           size_t len, void *ud) {
  cli_prog *p = ud;
  ncg_tap_write_gso(&p->tap, g, frame, len);
  return 0;
}

/* In the TAP's read buffer, with room to be sealed there. */
static int ad_to_tunnel(const ncgt_datagram *d, void *ud) {
  cli_prog *p = ud;
  ncg_tunnel_send_dgram(&p->t, d);
  return 0;
}

static void tap_ready(void *obj, uint32_t events) {
  cli_prog *p = obj;
  (void)events;
  ncg_tap_pump(&p->tap, p->adapter);
}

/* The address our TCP connection leaves from went away: reconnect now. */
static void on_addr_deleted(const ncg_ip *gone, void *obj) {
  cli_prog *p = obj;
  ncg_ip local;
  if (ncg_sock_local_ip(p->t.s.fd, &local) != 0 ||
      local.family != gone->family ||
      memcmp(local.bytes, gone->bytes, gone->family == AF_INET ? 4 : 16) != 0)
    return;
  ncg_warn("%s event=local-address-gone (reconnecting)", p->t.ctx);
  ncg_stream_close(&p->t.s);
  ncgt_conn_transport_error(p->t.conn, ncg_now());
  /* At once, not after reconnect_min: nothing is wrong with the server,
   * and if no other address exists yet the connect fails at once
   * (ENETUNREACH) and the normal backoff applies from there. */
  if (ncgt_conn_network_changed(p->t.conn, ncg_now()) < 0)
    ncg_warn("%s event=reconnect-failed", p->t.ctx);
  ncg_tunnel_after(&p->t);
}

/* Events come in bursts (an address brings its prefix route, a link its
 * addresses): act once, shortly after the first, and at most once a
 * second, so a chatty network cannot make us reconnect in a loop. */
#define NET_SETTLE (100 * NCGT_MILLISECONDS)
#define NET_KICK_SPACING (1 * NCGT_SECONDS)

/* An address or route appeared or a link came up: a client backing off
 * after failed attempts tries again now with a fresh backoff, and a
 * connect begun before the event (its SYN may have left by a path that
 * was down) starts over. */
static void on_net_timer(void *obj, ncgt_tstamp now) {
  cli_prog *p = obj;
  ncgt_tstamp changed = p->net_changed_at;
  p->net_changed_at = 0;
  p->net_kick_at = now;
  ncgt_state st = ncgt_conn_state(p->t.conn);
  if (p->stopping)
    return;
  if (st == NCGT_ST_TCP_OPEN && p->attempt_at < changed) {
    ncg_info("%s event=network-up (restarting the pending connect)",
             p->t.ctx);
    ncg_stream_close(&p->t.s);
    ncgt_conn_transport_error(p->t.conn, now);
  } else if (st != NCGT_ST_DEAD) {
    return;
  }
  int rc = ncgt_conn_network_changed(p->t.conn, now);
  if (rc == 1)
    ncg_info("%s event=network-up (reconnecting now)", p->t.ctx);
  else if (rc < 0)
    ncg_warn("%s event=reconnect-failed", p->t.ctx);
  ncg_tunnel_after(&p->t);
}

static void on_net_up(int ifindex, void *obj) {
  cli_prog *p = obj;
  if (ifindex == p->tap.ifindex || p->net_changed_at)
    return; /* our own adapter; or already scheduled */
  ncgt_tstamp now = ncg_now();
  ncgt_tstamp when = now + NET_SETTLE;
  if (p->net_kick_at && when < p->net_kick_at + NET_KICK_SPACING)
    when = p->net_kick_at + NET_KICK_SPACING;
  p->net_changed_at = now;
  ncg_timer_set(&p->loop, &p->net_timer, when);
}

static void ad_log(ncgt_log_level lvl, const char *msg, void *ud) {
  cli_prog *p = ud;
  ncg_log_lib(lvl, msg, p->t.ctx);
}

static int cli_adapter_setup(cli_prog *p) {
  ncgt_adapter_settings s;
  ncgt_adapter_settings_default(&s, NCGT_ADAPTER_CLIENT);
  s.mss_clamp = p->conf.mss_clamp;
  memcpy(s.stack_mac, p->tap.mac, 6);
  static const ncgt_adapter_callbacks cb = {
    .version = NCGT_ADAPTER_CALLBACKS_V3,
    .to_stack = ad_to_stack,
    .to_tunnel_dgram = ad_to_tunnel,
    .log = ad_log,
    .to_stack_gso = ad_to_stack_gso,
  };
  int rc = ncgt_adapter_new(&p->adapter, &s, &cb, p);
  if (rc != 0) {
    ncg_err("event=adapter error=\"%s\"", ncgt_strerror(rc));
    return -1;
  }
  /* The default tunnel MTU until the server's arrives with the client
   * data, not the TAP's 1500. */
  if (cli_net_mtu(p) != 0)
    return -1;
  return ncg_watch_add(&p->loop, &p->tap_watch, p->tap.fd, EPOLLIN, tap_ready,
                       p);
}

int cli_conn_new(cli_prog *p, const ncg_client_conf *c, ncgt_conn **out) {
  static ncgt_conn_callbacks cb;
  ncg_tunnel_callbacks(&cb);
  cb.open_transport = cb_open_transport;
  cb.recv_dgram = cb_recv_dgram;
  cb.authorized = cb_authorized;
  cb.closed = cb_closed;
  return ncg_client_conf_conn_new(c, p->conf.offload ? NCGT_FEATURE_GSO : 0,
                                  &cb, p, out);
}

static int cli_conn_setup(cli_prog *p) {
  int rc = cli_conn_new(p, &p->conf, &p->t.conn);
  if (rc == 0)
    rc = ncgt_conn_start(p->t.conn, ncg_now());
  if (rc != 0) {
    ncg_err("event=start error=\"%s\"", ncgt_strerror(rc));
    return -1;
  }
  ncg_tunnel_after(&p->t);
  return 0;
}

static void on_stop_timer(void *obj, ncgt_tstamp now) {
  (void)now;
  ncg_loop_stop(obj);
}

int cli_setup(cli_prog *p) {
  p->tap.fd = p->nl.fd = p->aw.fd = -1;
  ncg_tunnel_init(&p->t, &p->loop, p->conf.queue_limit, cli_after);
  snprintf(p->t.ctx, sizeof(p->t.ctx), "user=%s peer=-", p->conf.user);
  ncg_timer_init(&p->stop_timer, on_stop_timer, &p->loop);
  ncg_timer_init(&p->net_timer, on_net_timer, p);
  if (ncg_tap_open_vnet(&p->tap, p->conf.device, p->conf.offload) != 0) {
    ncg_tap_log_open_error(p->conf.device);
    return -1;
  }
  if (ncg_nl_open(&p->nl) != 0 ||
      ncg_nl_link_set(&p->nl, p->tap.ifindex, 1, 0) != 0) {
    ncg_err("event=link-up device=%s error=\"%s\"", p->tap.name,
            strerror(errno));
    return -1;
  }
  ncg_tap_gso_setup(&p->tap, &p->nl);
  ncg_info("event=adapter device=%s dhcp=%s offload=%s", p->tap.name,
           p->conf.dhcp_external ? "external" : "builtin",
           p->conf.offload ? "yes" : "no");
  if (ncg_addrwatch_open(&p->aw, &p->loop, on_addr_deleted, on_net_up, p) !=
      0)
    ncg_warn("event=addrwatch error=\"%s\" (moves are noticed by the "
             "dead-peer timer only)", strerror(errno));
  if (cli_adapter_setup(p) != 0)
    return -1;
  return cli_conn_setup(p);
}

void cli_shutdown(cli_prog *p) {
  if (p->stopping)
    return;
  p->stopping = 1;
  ncg_notify("STOPPING=1\nSTATUS=closing the tunnel");
  ncgt_state st = ncgt_conn_state(p->t.conn);
  if (st == NCGT_ST_DEAD || st == NCGT_ST_IDLE) {
    ncg_loop_stop(&p->loop);
    return;
  }
  ncgt_conn_close(p->t.conn, NCGT_CLOSE_END_SESSION, ncg_now());
  ncg_tunnel_after(&p->t);
  ncg_timer_set(&p->loop, &p->stop_timer, ncg_now() + 2 * NCGT_SECONDS);
}

void cli_teardown(cli_prog *p) {
  cli_dns_restore(p);
  if (p->adapter)
    ncg_tap_log_stats(&p->tap, p->adapter);
  ncg_tunnel_fini(&p->t);
  ncgt_conn_del(p->t.conn);
  p->t.conn = NULL;
  ncg_timer_stop(&p->loop, &p->net_timer);
  ncg_addrwatch_close(&p->aw, &p->loop);
  ncg_watch_del(&p->loop, &p->tap_watch);
  ncgt_adapter_del(p->adapter);
  ncg_tap_close(&p->tap); /* the kernel removes the device, its address and
                             routes */
  ncg_nl_close(&p->nl);
  ncg_client_conf_free(&p->conf);
  ncg_ctl_close(&p->ctl);
  ncg_loop_fini(&p->loop);
}
