/* The three programs' configuration files (host/server_conf.c,
 * host/client_conf.c, host/relay_conf.c, host/progconf.c, host/hosts.c):
 * good files give the expected values and defaults; each mistake gives
 * "FILE:LINE: [section] key: what". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client_conf.h"
#include "relay_conf.h"
#include "server_conf.h"

#define KEY_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_B "ERERERERERERERERERERERERERERERERERERERERERE="

static char tmpdir[64];

static const char *write_tmp(const char *name, const char *text) {
  static char path[128];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static int setup(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/ncg-test-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Loads `text` with `load` and checks the message contains `want`. */
#define EXPECT_BAD(load, conf, text, want)                                     \
  do {                                                                         \
    ncg_ini ini_;                                                              \
    const char *p_ = write_tmp("bad.conf", text);                              \
    assert_int_equal(load(conf, p_, &ini_), -1);                               \
    if (!strstr(ini_.msg, want))                                               \
      fail_msg("got '%s', want '%s'", ini_.msg, want);                         \
  } while (0)

static void server_file(void **state) {
  (void)state;
  ncg_server_conf c;
  ncg_ini ini;
  const char *path = write_tmp("server.conf",
                               "[server]\n"
                               "name = office\n"
                               "private_key = " KEY_A "\n"
                               "listen = 0.0.0.0:4433, [::]:4433\n"
                               "users = /etc/users\n"
                               "[adapter]\n"
                               "address = 10.99.0.1/24\n"
                               "routes = 192.168.50.0/24\n"
                               "routes = 192.168.51.0/24\n"
                               "dns = 192.168.50.53\n"
                               "address6 = fd00:99::1/64\n"
                               "routes6 = fd50::/64\n"
                               "dns6 = fd50::53, fd50::54\n"
                               "autonomous = yes\n"
                               "[timers]\n"
                               "keepalive = 0.5\n"
                               "dead_peer = 4\n");
  assert_int_equal(ncg_server_conf_load(&c, path, &ini), 0);
  assert_string_equal(c.name, "office");
  assert_int_equal(c.private_key[31], 31);
  assert_int_equal(c.listen.n, 2);
  assert_int_equal(c.listen.v[1].ss.ss_family, AF_INET6);
  assert_int_equal(c.address, 0x0a630001u);
  assert_int_equal(c.plen, 24);
  /* pool defaults to the subnet without network and broadcast */
  assert_int_equal(c.pool_first, 0x0a630001u);
  assert_int_equal(c.pool_last, 0x0a6300feu);
  assert_int_equal(c.nroutes, 2);
  assert_int_equal(c.ndns, 1);
  assert_int_equal(c.plen6, 64);
  assert_int_equal(c.address6[3], 0x99);
  assert_int_equal(c.address6[15], 1);
  assert_int_equal(c.nroutes6, 1);
  assert_int_equal(c.ndns6, 2);
  assert_int_equal(c.dns6[1][15], 0x54);
  assert_true(c.autonomous);
  assert_int_equal(c.mtu, 1400);
  assert_string_equal(c.device, "ncgs0");
  assert_true(c.forwarding);
  assert_int_equal(c.timers.keepalive_interval, 500000000ull);
  assert_int_equal(c.timers.dead_peer_timeout, 4000000000ull);

  static const char base[] = "[server]\nprivate_key = " KEY_A
                             "\nlisten = 0.0.0.0:1\nusers = u\n";
  char text[512];
  EXPECT_BAD(ncg_server_conf_load, &c, base, "[adapter] address is required");
  snprintf(text, sizeof(text), "%s[adapter]\naddress = 10.0.0.1/8\n", base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             ":6: [adapter] address: the tunnel subnet must be /16 to /30");
  snprintf(text, sizeof(text),
           "%s[adapter]\naddress = 10.0.0.1/24\naddress6 = fd::1/127\n", base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             ":7: [adapter] address6: the IPv6 tunnel prefix must be /16 to "
             "/126");
  snprintf(text, sizeof(text),
           "%s[adapter]\naddress = 10.0.0.1/24\naddress6 = fd::1/80\n"
           "autonomous = yes\n",
           base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             "autonomous = yes needs address6 with a /64 prefix");
  snprintf(text, sizeof(text),
           "%s[adapter]\naddress = 10.0.0.1/24\npool = 10.0.1.5-10.0.1.9\n",
           base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             "pool must lie inside the subnet");
  /* Issue 18 item 6: a pool member's pool must not overlap the ranges
   * its peers hand out (the default pool, the whole subnet, does). */
  snprintf(text, sizeof(text),
           "%s[adapter]\naddress = 10.99.0.1/24\npool = 10.99.0.10-10.99.0.129"
           "\npeer_pools = 10.99.0.130-10.99.0.250, 10.99.1.10-10.99.1.20\n",
           base);
  assert_int_equal(ncg_server_conf_load(&c, write_tmp("ok.conf", text), &ini),
                   0);
  assert_int_equal(c.npeer_pools, 2);
  assert_int_equal(c.peer_pools[0].first, 0x0a630082u);
  assert_int_equal(c.peer_pools[1].last, 0x0a630114u);
  snprintf(text, sizeof(text),
           "%s[adapter]\naddress = 10.99.0.1/24\npool = 10.99.0.10-10.99.0.130"
           "\npeer_pools = 10.99.0.130-10.99.0.250\n",
           base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             "pool 10.99.0.10-10.99.0.130 overlaps peer_pools "
             "10.99.0.130-10.99.0.250");
  snprintf(text, sizeof(text),
           "%s[adapter]\naddress = 10.99.0.1/24\n"
           "peer_pools = 10.99.0.200-10.99.0.250\n",
           base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             "pool 10.99.0.1-10.99.0.254 overlaps peer_pools");
  snprintf(text, sizeof(text),
           "%s[adapter]\naddress = 10.99.0.1/24\npeer_pools = 10.99.0.9\n",
           base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             ":7: [adapter] peer_pools: expected FIRST-LAST");
  snprintf(text, sizeof(text), "%s[adapter]\nmtu = 100\n", base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             ":6: [adapter] mtu: number out of range (576-65535)");
  snprintf(text, sizeof(text), "%s[timers]\nkeepalive = soon\n", base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             ":6: [timers] keepalive: expected seconds");
  snprintf(text, sizeof(text), "%sprivate_key = " KEY_B "\n", base);
  EXPECT_BAD(ncg_server_conf_load, &c, text,
             ":5: [server] private_key: key given twice");
  EXPECT_BAD(ncg_server_conf_load, &c, "[server]\nlisten = 1.2.3.4\n",
             ":2: [server] listen: 1.2.3.4: expected host:port");
  EXPECT_BAD(ncg_server_conf_load, &c, "[srv]\nx = 1\n",
             ":2: [srv] x: unknown section");
  EXPECT_BAD(ncg_server_conf_load, &c,
             "[server]\nprivate_key_file = /nonexistent\n",
             ":2: [server] private_key_file: /nonexistent: cannot open");
}

static void client_file(void **state) {
  (void)state;
  ncg_client_conf c;
  ncg_ini ini;
  ncg_addr a;
  const char *why;
  const char *path = write_tmp("client.conf",
                               "[client]\n"
                               "user = alice\n"
                               "private_key = " KEY_A "\n"
                               "server_public_key = " KEY_B "\n"
                               "path = relay1, office\n"
                               "dhcp = external\n"
                               "[hosts]\n"
                               "relay1 = 192.0.2.1:4433\n"
                               "office = [2001:db8::2]:443\n"
                               "[timers]\n"
                               "reconnect_min = 0.2\n");
  assert_int_equal(ncg_client_conf_load(&c, path, &ini), 0);
  assert_string_equal(c.user, "alice");
  assert_int_equal(c.npath, 2);
  assert_string_equal(c.path[1], "office");
  assert_true(c.dhcp_external);
  assert_false(c.has_psk);
  assert_int_equal(c.server_key[0], 0x11);
  assert_int_equal(c.timers.reconnect_min, 200000000ull);
  assert_string_equal(c.device, "ncg0");
  assert_true(c.origin[0] != '\0');
  assert_int_equal(ncg_hosts_resolve(&c.hosts, "office", &a, &why), 0);
  assert_int_equal(a.ss.ss_family, AF_INET6);
  assert_int_equal(ncg_hosts_resolve(&c.hosts, "198.51.100.1:9", &a, &why), 0);
  assert_int_equal(ncg_hosts_resolve(&c.hosts, "no.such.name.invalid", &a,
                                     &why), -1);
  ncg_client_conf_free(&c);

  /* A direct tunnel: server alone makes the path. */
  path = write_tmp("client2.conf", "[client]\nuser = bob\nprivate_key = " KEY_A
                                   "\nserver_public_key = " KEY_B
                                   "\nserver = office\n");
  assert_int_equal(ncg_client_conf_load(&c, path, &ini), 0);
  assert_int_equal(c.npath, 1);
  assert_string_equal(c.path[0], "office");
  assert_false(c.dhcp_external);
  ncg_client_conf_free(&c);

  EXPECT_BAD(ncg_client_conf_load, &c, "[client]\nuser = a b\n",
             ":2: [client] user: names contain no spaces");
  EXPECT_BAD(ncg_client_conf_load, &c, "[client]\ndhcp = maybe\n",
             ":2: [client] dhcp: expected builtin or external");
  EXPECT_BAD(ncg_client_conf_load, &c, "[hosts]\nx = 1.2.3.4:0\n",
             ":2: [hosts] x: port must be a number");
  EXPECT_BAD(ncg_client_conf_load, &c, "[hosts]\nx = 1.2.3.4:1\nx = 1.2.3.4:2\n",
             ":3: [hosts] x: given twice");
  EXPECT_BAD(ncg_client_conf_load, &c,
             "[client]\nuser = a\nprivate_key = " KEY_A "\n",
             "server_public_key is required");
}

static void relay_file(void **state) {
  (void)state;
  ncg_relay_conf c;
  ncg_ini ini;
  const char *path = write_tmp("relay.conf",
                               "[relay]\n"
                               "name = relay1\n"
                               "listen = 0.0.0.0:4433\n"
                               "allow = office\n"
                               "[pools]\n"
                               "farm = a, b\n"
                               "  c\n"
                               "[hosts]\n"
                               "a = 10.0.0.1:4433\n");
  assert_int_equal(ncg_relay_conf_load(&c, path, &ini), 0);
  assert_string_equal(c.name, "relay1");
  assert_int_equal(c.nallow, 1);
  assert_int_equal(c.nmembers, 3);
  assert_string_equal(c.members[2].pool, "farm");
  assert_string_equal(c.members[2].member, "c");
  assert_int_equal(c.max_sessions, 1024);
  ncg_relay_conf_free(&c);
  EXPECT_BAD(ncg_relay_conf_load, &c, "[relay]\nname = r\nlisten = 0.0.0.0:1\n",
             "allow or [pools] is required");
  EXPECT_BAD(ncg_relay_conf_load, &c, "[relay]\nmax_sessions = 0\n",
             ":2: [relay] max_sessions: number out of range");
  EXPECT_BAD(ncg_relay_conf_load, &c, "[relay]\nname = r\nlog_level = loud\n",
             ":3: [relay] log_level: expected error, warn, info or debug");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(server_file),
    cmocka_unit_test(client_file),
    cmocka_unit_test(relay_file),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
