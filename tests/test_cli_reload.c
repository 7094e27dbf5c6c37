/* SIGHUP reloads (host/reload.c): every setting of the three
 * configurations is in its program's table (nothing reloads silently or
 * is silently ignored), and a merge of two loaded files takes exactly the
 * live settings from the new one and names the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "reload.h"

#define KEY_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_B "ERERERERERERERERERERERERERERERERERERERERERE="

static char tmpdir[64];

static const char *write_tmp(const char *name, const char *text) {
  static char path[2][128];
  static int which;
  char *p = path[which++ & 1];
  snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return p;
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

/* Fields lie inside the struct, never overlap, and what lies between
 * them is smaller than any setting: alignment padding, not a setting
 * someone added to the struct and forgot here. */
static void check_table(const ncg_conf_field *f, size_t nf, size_t size) {
  unsigned char *cover = calloc(size, 1);
  assert_non_null(cover);
  for (size_t i = 0; i < nf; i++) {
    assert_true(f[i].size > 0 && f[i].off + f[i].size <= size);
    assert_true(f[i].kind < NCG_RELOAD_KINDS);
    assert_non_null(f[i].name);
    for (size_t b = f[i].off; b < f[i].off + f[i].size; b++) {
      if (cover[b])
        fail_msg("%s overlaps another field", f[i].name);
      cover[b] = 1;
    }
  }
  /* A gap is padding only when it ends where a member that needs the
   * alignment begins (or at the end, up to the struct's alignment). */
  size_t gap = 0;
  for (size_t b = 0; b <= size; b++) {
    if (b < size && !cover[b]) {
      gap++;
      continue;
    }
    size_t align = 8;
    for (size_t i = 0; b < size && i < nf; i++)
      if (f[i].off == b)
        align = f[i].align;
    if (gap && (gap >= align || b % align != 0))
      fail_msg("bytes %zu-%zu are in no field: a setting missing from the "
               "reload table?", b - gap, b - 1);
    gap = 0;
  }
  free(cover);
}

static void tables_cover_every_setting(void **state) {
  (void)state;
  check_table(ncg_server_conf_fields, ncg_server_conf_nfields,
              sizeof(ncg_server_conf));
  check_table(ncg_client_conf_fields, ncg_client_conf_nfields,
              sizeof(ncg_client_conf));
  check_table(ncg_relay_conf_fields, ncg_relay_conf_nfields,
              sizeof(ncg_relay_conf));
}

static const char server_base[] =
    "[server]\nname = office\nprivate_key = " KEY_A "\n"
    "listen = 127.0.0.1:4433\nusers = /etc/ncgtun/users\n"
    "max_sessions = 10\n[adapter]\naddress = 10.99.0.1/24\n"
    "routes = 192.168.50.0/24\n";

static void server_merge(void **state) {
  (void)state;
  static ncg_server_conf a, b, m;
  ncg_ini ini;
  ncg_conf_diff d;
  assert_int_equal(
      ncg_server_conf_load(&a, write_tmp("a.conf", server_base), &ini), 0);
  /* The same file: nothing changed. */
  assert_int_equal(
      ncg_server_conf_load(&b, write_tmp("b.conf", server_base), &ini), 0);
  ncg_conf_merge(ncg_server_conf_fields, ncg_server_conf_nfields, sizeof(a),
                 &a, &b, &m, &d);
  for (int k = 0; k < NCG_RELOAD_KINDS; k++)
    assert_int_equal(d.changed[k], 0);
  assert_false(d.unknown);
  assert_int_equal(memcmp(&m, &a, sizeof(a)), 0);
  /* Routes, DNS, a limit and the log level (live); the listen address
   * and device (restart). */
  assert_int_equal(
      ncg_server_conf_load(
          &b,
          write_tmp("b.conf",
                    "[server]\nname = office\nprivate_key = " KEY_A "\n"
                    "listen = 127.0.0.1:4434\nusers = /etc/ncgtun/users\n"
                    "max_sessions = 20\nlog_level = debug\n"
                    "[adapter]\naddress = 10.99.0.1/24\ndevice = other0\n"
                    "routes = 192.168.50.0/24, 192.168.51.0/24\n"
                    "dns = 192.168.50.53\n"),
          &ini),
      0);
  ncg_conf_merge(ncg_server_conf_fields, ncg_server_conf_nfields, sizeof(a),
                 &a, &b, &m, &d);
  assert_false(d.unknown);
  assert_int_equal(m.max_sessions, 20);
  assert_int_equal(m.nroutes, 2);
  assert_int_equal(m.routes[1].dst, 0xc0a83300u);
  assert_int_equal(m.ndns, 1);
  assert_int_equal(m.log_level, NCGT_LOG_DEBUG);
  assert_string_equal(m.device, "ncgs0");          /* kept */
  assert_memory_equal(&m.listen, &a.listen, sizeof(a.listen)); /* kept */
  assert_int_equal(d.changed[NCG_RELOAD_RESTART], 2);
  assert_non_null(strstr(d.names[NCG_RELOAD_RESTART], "[server] listen"));
  assert_non_null(strstr(d.names[NCG_RELOAD_RESTART], "[adapter] device"));
  /* routes and nroutes both differ: named once */
  const char *r = strstr(d.names[NCG_RELOAD_LIVE], "[adapter] routes");
  assert_non_null(r);
  assert_null(strstr(r + 1, "[adapter] routes"));
  assert_non_null(strstr(d.names[NCG_RELOAD_LIVE], "[server] max_sessions"));
  assert_non_null(strstr(d.names[NCG_RELOAD_LIVE], "[adapter] dns"));
  assert_int_equal(d.changed[NCG_RELOAD_RECONNECT], 0);
}

/* A setting the table does not know (here: one left out of a copy of
 * the table) is noticed and keeps its old value. */
static void unknown_setting_kept(void **state) {
  (void)state;
  static ncg_server_conf a, b, m;
  ncg_conf_field f[64];
  size_t nf = 0;
  for (size_t i = 0; i < ncg_server_conf_nfields; i++)
    if (strcmp(ncg_server_conf_fields[i].name, "[adapter] domain") != 0)
      f[nf++] = ncg_server_conf_fields[i];
  assert_int_equal(nf + 1, ncg_server_conf_nfields);
  ncg_conf_diff d;
  ncg_ini ini;
  char text[1024];
  assert_int_equal(
      ncg_server_conf_load(&a, write_tmp("a.conf", server_base), &ini), 0);
  snprintf(text, sizeof(text), "%sdomain = example.org\n", server_base);
  assert_int_equal(ncg_server_conf_load(&b, write_tmp("b.conf", text), &ini),
                   0);
  ncg_conf_merge(f, nf, sizeof(a), &a, &b, &m, &d);
  assert_true(d.unknown);
  assert_string_equal(m.domain, "");
  ncg_conf_merge(ncg_server_conf_fields, ncg_server_conf_nfields, sizeof(a),
                 &a, &b, &m, &d);
  assert_false(d.unknown);
  assert_string_equal(m.domain, "example.org");
}

static const char client_base[] =
    "[client]\nuser = alice\nprivate_key = " KEY_A "\n"
    "server_public_key = " KEY_B "\npath = relay1, office\n"
    "origin = laptop\n[hosts]\nrelay1 = 192.0.2.1:4433\n"
    "office = 192.0.2.9:4433\n";

/* Loads client_base with `extra` appended (or `replace` instead) and
 * merges it over client_base. */
static void client_diff(const char *text, ncg_conf_diff *d,
                        ncg_client_conf *m) {
  static ncg_client_conf a, b;
  ncg_ini ini;
  assert_int_equal(
      ncg_client_conf_load(&a, write_tmp("a.conf", client_base), &ini), 0);
  assert_int_equal(ncg_client_conf_load(&b, write_tmp("b.conf", text), &ini),
                   0);
  ncg_conf_merge(ncg_client_conf_fields, ncg_client_conf_nfields, sizeof(a),
                 &a, &b, m, d);
  assert_false(d->unknown);
  ncg_hosts_disown(&m->hosts, &a.hosts, &b.hosts);
  ncg_client_conf_free(&a);
  ncg_client_conf_free(&b);
}

static void client_merge(void **state) {
  (void)state;
  static ncg_client_conf m;
  ncg_conf_diff d;
  char text[1024];
  /* log_level only: live, no new tunnel */
  snprintf(text, sizeof(text), "%s[client]\nlog_level = debug\n",
           client_base);
  client_diff(text, &d, &m);
  assert_int_equal(d.changed[NCG_RELOAD_LIVE], 1);
  assert_int_equal(d.changed[NCG_RELOAD_RECONNECT], 0);
  assert_int_equal(d.changed[NCG_RELOAD_RESTART], 0);
  assert_int_equal(m.log_level, NCGT_LOG_DEBUG);
  ncg_client_conf_free(&m);
  /* [hosts] in another order: the same table */
  client_diff("[client]\nuser = alice\nprivate_key = " KEY_A "\n"
              "server_public_key = " KEY_B "\npath = relay1, office\n"
              "origin = laptop\n[hosts]\noffice = 192.0.2.9:4433\n"
              "relay1 = 192.0.2.1:4433\n",
              &d, &m);
  for (int k = 0; k < NCG_RELOAD_KINDS; k++)
    assert_int_equal(d.changed[k], 0);
  ncg_client_conf_free(&m);
  /* A new path and a new client key: a new tunnel; a new device: kept */
  client_diff("[client]\nuser = alice\nprivate_key = " KEY_B "\n"
              "server_public_key = " KEY_B "\npath = office\n"
              "origin = laptop\n[adapter]\ndevice = ncg7\n[hosts]\n"
              "office = 192.0.2.10:4433\n",
              &d, &m);
  assert_int_equal(d.changed[NCG_RELOAD_RECONNECT], 2);
  assert_non_null(strstr(d.names[NCG_RELOAD_RECONNECT], "[client] path"));
  assert_non_null(
      strstr(d.names[NCG_RELOAD_RECONNECT], "[client] private_key"));
  assert_int_equal(d.changed[NCG_RELOAD_RESTART], 1);
  assert_string_equal(m.device, "ncg0");
  assert_int_equal(m.npath, 1);
  assert_int_equal(m.hosts.n, 1); /* the new table, owned by m */
  ncg_client_conf_free(&m);
}

static void relay_merge(void **state) {
  (void)state;
  static ncg_relay_conf a, b, m;
  ncg_ini ini;
  ncg_conf_diff d;
  assert_int_equal(
      ncg_relay_conf_load(&a,
                          write_tmp("a.conf", "[relay]\nname = r1\n"
                                              "listen = 127.0.0.1:4433\n"
                                              "allow = office, lab\n"),
                          &ini),
      0);
  assert_int_equal(
      ncg_relay_conf_load(&b,
                          write_tmp("b.conf", "[relay]\nname = r2\n"
                                              "listen = 127.0.0.1:4433\n"
                                              "allow = office\n"
                                              "max_sessions = 5\n"
                                              "[pools]\nP = a, b\n"),
                          &ini),
      0);
  ncg_conf_merge(ncg_relay_conf_fields, ncg_relay_conf_nfields, sizeof(a),
                 &a, &b, &m, &d);
  assert_false(d.unknown);
  assert_int_equal(m.nallow, 1);
  assert_int_equal(m.nmembers, 2);
  assert_int_equal(m.max_sessions, 5);
  assert_string_equal(m.name, "r1");
  assert_int_equal(d.changed[NCG_RELOAD_RESTART], 1);
  assert_string_equal(d.names[NCG_RELOAD_RESTART], "[relay] name");
  ncg_relay_conf_free(&a);
  ncg_relay_conf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tables_cover_every_setting),
      cmocka_unit_test(server_merge),
      cmocka_unit_test(unknown_setting_kept),
      cmocka_unit_test(client_merge),
      cmocka_unit_test(relay_merge),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
