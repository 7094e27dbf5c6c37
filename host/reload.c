/* SIGHUP reloads: the settings tables and their comparison (reload.h). */
#include "reload.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "notify.h"

#define F(type, sec, key, member, kind)                                      \
  { "[" sec "] " key, offsetof(type, member),                              \
    sizeof(((type *)0)->member), kind, NULL,                               \
    _Alignof(__typeof__(((type *)0)->member)) }

/* A setting named by its section alone ("[timers]", "[pools]"). */
#define FS(type, sec, member, kind)                                          \
  { "[" sec "]", offsetof(type, member), sizeof(((type *)0)->member), kind, \
    NULL, _Alignof(__typeof__(((type *)0)->member)) }
/* control and metrics_listen (ncg_ops_conf) in section `sec`; the first
 * entry has the alignment of the struct it begins, the last one runs to
 * its end (tail padding, zero in every loaded file). */
#define OPS(type, sec)                                                       \
  { "[" sec "] control", offsetof(type, ops.control),                       \
    sizeof(((type *)0)->ops.control), NCG_RELOAD_RESTART, NULL,              \
    _Alignof(ncg_ops_conf) },                                                \
      F(type, sec, "control", ops.control_set, NCG_RELOAD_RESTART),         \
      F(type, sec, "control", ops.control_off, NCG_RELOAD_RESTART),         \
      F(type, sec, "metrics_listen", ops.metrics, NCG_RELOAD_RESTART),      \
      { "[" sec "] metrics_listen", offsetof(type, ops.has_metrics),        \
        sizeof(ncg_ops_conf) - offsetof(ncg_ops_conf, has_metrics),          \
        NCG_RELOAD_RESTART, NULL, _Alignof(int) }

#define S(sec, key, member, kind) F(ncg_server_conf, sec, key, member, kind)
/* ncg-server: client data and limits apply to tunnels and handshakes from
 * now on; what the TAP, the listeners, the pool or the identity were
 * built from needs a restart. The private key is compared by its public
 * key (cli/server_reload.c): the running copy is wiped after start. */
const ncg_conf_field ncg_server_conf_fields[] = {
  S("server", "name", name, NCG_RELOAD_RESTART),
  S("server", "private_key", private_key, NCG_RELOAD_RESTART),
  S("server", "private_key", has_key, NCG_RELOAD_RESTART),
  S("server", "listen", listen, NCG_RELOAD_RESTART),
  S("server", "users", users_path, NCG_RELOAD_LIVE),
  S("server", "state_file", state_path, NCG_RELOAD_RESTART),
  /* where state_file was set, for messages only */
  S("server", "state_file", state_line, NCG_RELOAD_LIVE),
  S("server", "max_sessions", max_sessions, NCG_RELOAD_LIVE),
  S("server", "queue_limit", queue_limit, NCG_RELOAD_LIVE),
  S("server", "max_pending", max_pending, NCG_RELOAD_RESTART),
  S("server", "transforms", transforms, NCG_RELOAD_RESTART),
  S("server", "max_pending_per_address", max_pending_per_addr,
    NCG_RELOAD_RESTART),
  S("server", "forwarding", forwarding, NCG_RELOAD_RESTART),
  S("server", "log_level", log_level, NCG_RELOAD_LIVE),
  S("server", "log_target", log_target, NCG_RELOAD_LIVE),
  S("adapter", "device", device, NCG_RELOAD_RESTART),
  S("adapter", "address", address, NCG_RELOAD_RESTART),
  S("adapter", "address", plen, NCG_RELOAD_RESTART),
  S("adapter", "pool", pool_first, NCG_RELOAD_RESTART),
  S("adapter", "pool", pool_last, NCG_RELOAD_RESTART),
  S("adapter", "peer_pools", peer_pools, NCG_RELOAD_RESTART),
  S("adapter", "peer_pools", npeer_pools, NCG_RELOAD_RESTART),
  S("adapter", "mtu", mtu, NCG_RELOAD_RESTART),
  S("adapter", "lease_time", lease_time, NCG_RELOAD_LIVE),
  S("adapter", "mss_clamp", mss_clamp, NCG_RELOAD_RESTART),
  S("adapter", "default_route", default_route, NCG_RELOAD_LIVE),
  S("adapter", "offload", offload, NCG_RELOAD_RESTART),
  S("adapter", "routes", routes, NCG_RELOAD_LIVE),
  S("adapter", "routes", nroutes, NCG_RELOAD_LIVE),
  S("adapter", "dns", dns, NCG_RELOAD_LIVE),
  S("adapter", "dns", ndns, NCG_RELOAD_LIVE),
  S("adapter", "domain", domain, NCG_RELOAD_LIVE),
  S("adapter", "address6", address6, NCG_RELOAD_RESTART),
  S("adapter", "address6", plen6, NCG_RELOAD_RESTART),
  S("adapter", "routes6", routes6, NCG_RELOAD_LIVE),
  S("adapter", "routes6", nroutes6, NCG_RELOAD_LIVE),
  S("adapter", "dns6", dns6, NCG_RELOAD_LIVE),
  S("adapter", "dns6", ndns6, NCG_RELOAD_LIVE),
  S("adapter", "autonomous", autonomous, NCG_RELOAD_LIVE),
  FS(ncg_server_conf, "timers", timers, NCG_RELOAD_LIVE),
  OPS(ncg_server_conf, "server"),
};
const size_t ncg_server_conf_nfields =
    sizeof(ncg_server_conf_fields) / sizeof(ncg_server_conf_fields[0]);

#define C(sec, key, member, kind) F(ncg_client_conf, sec, key, member, kind)
/* ncg-client: whatever the handshake is made of takes a new tunnel; the
 * TAP and the control socket need a restart. [hosts] is live: it is read
 * at each connect (cli/client_reload.c reconnects when the first hop's
 * entry changed). */
const ncg_conf_field ncg_client_conf_fields[] = {
  C("client", "user", user, NCG_RELOAD_RECONNECT),
  C("client", "transforms", transforms, NCG_RELOAD_RECONNECT),
  C("client", "up_script", up_script, NCG_RELOAD_RESTART),
  C("client", "down_script", down_script, NCG_RELOAD_RESTART),
  C("client", "private_key", private_key, NCG_RELOAD_RECONNECT),
  C("client", "private_key", has_key, NCG_RELOAD_RECONNECT),
  C("client", "server_public_key", server_key, NCG_RELOAD_RECONNECT),
  C("client", "server_public_key", has_server_key, NCG_RELOAD_RECONNECT),
  C("client", "psk", psk, NCG_RELOAD_RECONNECT),
  C("client", "psk", has_psk, NCG_RELOAD_RECONNECT),
  C("client", "path", path, NCG_RELOAD_RECONNECT),
  C("client", "path", npath, NCG_RELOAD_RECONNECT),
  C("client", "server", server, NCG_RELOAD_RECONNECT),
  C("client", "origin", origin, NCG_RELOAD_RECONNECT),
  C("client", "dhcp", dhcp_external, NCG_RELOAD_RESTART),
  C("client", "log_level", log_level, NCG_RELOAD_LIVE),
  C("client", "log_target", log_target, NCG_RELOAD_LIVE),
  OPS(ncg_client_conf, "client"),
  C("client", "queue_limit", queue_limit, NCG_RELOAD_LIVE),
  C("adapter", "device", device, NCG_RELOAD_RESTART),
  C("adapter", "mss_clamp", mss_clamp, NCG_RELOAD_RESTART),
  C("adapter", "offload", offload, NCG_RELOAD_RESTART),
  { "[hosts]", offsetof(ncg_client_conf, hosts), sizeof(ncg_hosts),
    NCG_RELOAD_LIVE, ncg_hosts_equal, _Alignof(ncg_hosts) },
  FS(ncg_client_conf, "timers", timers, NCG_RELOAD_RECONNECT),
};
const size_t ncg_client_conf_nfields =
    sizeof(ncg_client_conf_fields) / sizeof(ncg_client_conf_fields[0]);

#define R(sec, key, member, kind) F(ncg_relay_conf, sec, key, member, kind)
/* ncg-relay: where it may forward, and its limits, apply at once (the
 * sessions whose hop is no longer allowed are closed by ncg-relay);
 * its name and listeners need a restart. */
const ncg_conf_field ncg_relay_conf_fields[] = {
  R("relay", "name", name, NCG_RELOAD_RESTART),
  R("relay", "listen", listen, NCG_RELOAD_RESTART),
  R("relay", "allow", allow, NCG_RELOAD_LIVE),
  R("relay", "allow", nallow, NCG_RELOAD_LIVE),
  FS(ncg_relay_conf, "pools", members, NCG_RELOAD_LIVE),
  FS(ncg_relay_conf, "pools", nmembers, NCG_RELOAD_LIVE),
  { "[hosts]", offsetof(ncg_relay_conf, hosts), sizeof(ncg_hosts),
    NCG_RELOAD_LIVE, ncg_hosts_equal, _Alignof(ncg_hosts) },
  R("relay", "max_sessions", max_sessions, NCG_RELOAD_LIVE),
  R("relay", "relay_timeout", relay_timeout, NCG_RELOAD_LIVE),
  R("relay", "connect_timeout", connect_timeout, NCG_RELOAD_LIVE),
  R("relay", "fail_holdoff", fail_holdoff, NCG_RELOAD_LIVE),
  R("relay", "queue_limit", queue_limit, NCG_RELOAD_LIVE),
  R("relay", "log_level", log_level, NCG_RELOAD_LIVE),
  R("relay", "log_target", log_target, NCG_RELOAD_LIVE),
  OPS(ncg_relay_conf, "relay"),
};
const size_t ncg_relay_conf_nfields =
    sizeof(ncg_relay_conf_fields) / sizeof(ncg_relay_conf_fields[0]);

int ncg_hosts_equal(const void *a, const void *b) {
  const ncg_hosts *x = a, *y = b;
  if (x->n != y->n)
    return 0;
  for (size_t i = 0; i < x->n; i++) {
    size_t j = 0;
    while (j < y->n && strcmp(x->v[i].name, y->v[j].name) != 0)
      j++;
    if (j == y->n ||
        memcmp(&x->v[i].addr, &y->v[j].addr, sizeof(x->v[i].addr)) != 0)
      return 0;
  }
  return 1;
}

void ncg_hosts_disown(const ncg_hosts *kept, ncg_hosts *old_h,
                      ncg_hosts *new_h) {
  ncg_hosts *h = kept->v == new_h->v ? new_h : old_h;
  memset(h, 0, sizeof(*h));
}

static int field_equal(const ncg_conf_field *f, const void *a,
                       const void *b) {
  const unsigned char *pa = (const unsigned char *)a + f->off;
  const unsigned char *pb = (const unsigned char *)b + f->off;
  return f->equal ? f->equal(pa, pb) : memcmp(pa, pb, f->size) == 0;
}

/* Appends `name` once to a comma-separated list, "..." when full.
 * 0 when it was there already ("[adapter] routes" is two fields). */
static int names_add(char *list, const char *name) {
  size_t used = strlen(list), n = strlen(name);
  const char *p = list;
  while ((p = strstr(p, name)) != NULL) {
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
      return 0;
    p += n;
  }
  if (used + n + 5 >= NCG_RELOAD_NAMES_MAX) {
    if (used + 4 < NCG_RELOAD_NAMES_MAX && !strstr(list, "..."))
      strcat(list, used ? ",..." : "...");
    return 1;
  }
  if (used)
    list[used++] = ',';
  memcpy(list + used, name, n + 1);
  return 1;
}

void ncg_conf_merge(const ncg_conf_field *f, size_t nf, size_t size,
                    const void *old_conf, const void *new_conf, void *out,
                    ncg_conf_diff *d) {
  memset(d, 0, sizeof(*d));
  memcpy(out, old_conf, size);
  for (size_t i = 0; i < nf; i++) {
    if (field_equal(&f[i], old_conf, new_conf))
      continue;
    if (names_add(d->names[f[i].kind], f[i].name))
      d->changed[f[i].kind]++;
    if (f[i].kind != NCG_RELOAD_RESTART)
      memcpy((unsigned char *)out + f[i].off,
             (const unsigned char *)new_conf + f[i].off, f[i].size);
  }
  /* Every byte no field covers: padding (zero in both, the loaders
   * memset first) or a setting missing from the table. */
  const unsigned char *a = old_conf, *b = new_conf;
  for (size_t off = 0; off < size && !d->unknown; off++) {
    size_t i = 0;
    while (i < nf && !(off >= f[i].off && off < f[i].off + f[i].size))
      i++;
    if (i == nf && a[off] != b[off])
      d->unknown = 1;
  }
}

void ncg_reload_log_kept(const ncg_conf_field *f, size_t nf,
                         const void *old_conf, const void *new_conf,
                         const ncg_conf_diff *d) {
  if (d->changed[NCG_RELOAD_RESTART]) {
    char seen[NCG_RELOAD_NAMES_MAX] = "";
    for (size_t i = 0; i < nf; i++) {
      if (f[i].kind != NCG_RELOAD_RESTART ||
          field_equal(&f[i], old_conf, new_conf))
        continue;
      if (names_add(seen, f[i].name)) /* once per name */
        ncg_warn("event=reload-kept setting=\"%s\" (changing it needs a "
                 "restart; the old value stays)",
                 f[i].name);
    }
  }
  if (d->unknown)
    ncg_warn("event=reload-kept setting=other (a changed setting this "
             "version cannot reload; restart to apply it)");
}

void ncg_reload_notify_start(const char *what) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ncg_notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading %s",
             (unsigned long long)ts.tv_sec * 1000000ull +
                 (unsigned long long)ts.tv_nsec / 1000ull,
             what);
}

void ncg_reload_log_settings(int cmdline_level, int conf_level,
                             int conf_target) {
  ncg_log_set_level(cmdline_level >= 0 ? (ncgt_log_level)cmdline_level
                                       : (ncgt_log_level)conf_level);
  ncg_log_set_target((ncg_log_target)conf_target);
}
