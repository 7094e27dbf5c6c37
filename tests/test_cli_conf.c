/* Program configuration: value parsers, INI error messages, the users
 * file and the address pool (host/conf.c, host/users.c, host/pool.c,
 * host/addr.c, host/keytext.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "conf.h"
#include "keytext.h"
#include "pool.h"
#include "users.h"

/* Base64 of bytes 0x00..0x1f and of 32 x 0x11. */
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

static void values(void **state) {
  (void)state;
  const char *why = NULL;
  int b = -1;
  uint32_t v, a;
  unsigned plen;
  assert_int_equal(ncg_parse_bool("yes", &b, &why), 0);
  assert_int_equal(b, 1);
  assert_int_equal(ncg_parse_bool("off", &b, &why), 0);
  assert_int_equal(b, 0);
  assert_int_equal(ncg_parse_bool("maybe", &b, &why), -1);
  assert_string_equal(why, "expected yes or no");

  assert_int_equal(ncg_parse_u32("1400", 576, 65535, &v, &why), 0);
  assert_int_equal(v, 1400);
  assert_int_equal(ncg_parse_u32("100", 576, 65535, &v, &why), -1);
  assert_string_equal(why, "number out of range");
  assert_int_equal(ncg_parse_u32("12x", 0, 99, &v, &why), -1);
  assert_int_equal(ncg_parse_u32("-1", 0, 99, &v, &why), -1);
  assert_int_equal(ncg_parse_u32("99999999999999999999", 0, UINT32_MAX, &v,
                                 &why), -1);

  assert_int_equal(ncg_parse_ip4_cidr("10.99.0.1/24", 0, &a, &plen, &why), 0);
  assert_int_equal(a, 0x0a630001u);
  assert_int_equal(plen, 24);
  assert_int_equal(ncg_parse_ip4_cidr("10.99.0.1/24", 1, &a, &plen, &why), -1);
  assert_string_equal(why, "host bits set after the prefix length");
  assert_int_equal(ncg_parse_ip4_cidr("10.99.0.0/33", 0, &a, &plen, &why), -1);
  assert_int_equal(ncg_parse_ip4_cidr("10.1.2.3", 1, &a, &plen, &why), 0);
  assert_int_equal(plen, 32);
  assert_int_equal(ncg_parse_ip4_cidr("10.1.2/8", 1, &a, &plen, &why), -1);
  assert_int_equal(ncg_ip4_mask(0), 0);
  assert_int_equal(ncg_ip4_mask(24), 0xffffff00u);

  char name[300];
  assert_int_equal(ncg_parse_name("office", name, sizeof(name), &why), 0);
  assert_string_equal(name, "office");
  assert_int_equal(ncg_parse_name("a b", name, sizeof(name), &why), -1);
  assert_int_equal(ncg_parse_name("", name, sizeof(name), &why), -1);
}

static void lists(void **state) {
  (void)state;
  const char *p = " relay1, office ,,pool\t x";
  char tok[8];
  const char *want[] = { "relay1", "office", "pool", "x" };
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(ncg_list_next(&p, tok, sizeof(tok)), 1);
    assert_string_equal(tok, want[i]);
  }
  assert_int_equal(ncg_list_next(&p, tok, sizeof(tok)), 0);
  p = "waytoolongitem";
  assert_int_equal(ncg_list_next(&p, tok, sizeof(tok)), -1);
}

static void addresses(void **state) {
  (void)state;
  ncg_addr a;
  const char *why = NULL;
  char buf[NCG_ADDR_STRLEN];
  assert_int_equal(ncg_addr_parse("192.0.2.1:4433", &a, &why), 0);
  assert_string_equal(ncg_addr_str(&a, buf, sizeof(buf)), "192.0.2.1:4433");
  assert_int_equal(ncg_addr_parse("[2001:db8::1]:80", &a, &why), 0);
  assert_string_equal(ncg_addr_str(&a, buf, sizeof(buf)), "[2001:db8::1]:80");
  assert_int_equal(ncg_addr_parse("2001:db8::1:80", &a, &why), -1);
  assert_string_equal(why, "an IPv6 address needs brackets: [addr]:port");
  assert_int_equal(ncg_addr_parse("192.0.2.1", &a, &why), -1);
  assert_int_equal(ncg_addr_parse("192.0.2.1:0", &a, &why), -1);
  assert_int_equal(ncg_addr_parse("192.0.2.1:65536", &a, &why), -1);
  assert_int_equal(ncg_addr_parse("[::1:80", &a, &why), -1);
  assert_int_equal(ncg_addr_parse("example.invalid:80", &a, &why), -1);
  assert_string_equal(why, "not a numeric IPv4 or IPv6 address");
  assert_int_equal(ncg_addr_resolve("localhost:80", &a, &why), 0);
}

static void keys(void **state) {
  (void)state;
  uint8_t k[32];
  char text[NCGT_KEY_B64_LEN + 1];
  const char *why = NULL;
  assert_int_equal(ncg_parse_key(KEY_A, k, &why), 0);
  for (int i = 0; i < 32; i++)
    assert_int_equal(k[i], i);
  ncg_key_to_text(k, text);
  assert_string_equal(text, KEY_A);
  assert_int_equal(ncg_parse_key("AAEC", k, &why), -1);
  assert_int_equal(ncg_parse_key("!AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                                 k, &why), -1);
  /* 33 bytes of base64 without padding is not a 32-byte key */
  assert_int_equal(ncg_parse_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A",
                                 k, &why), -1);
  const char *path = write_tmp("key", KEY_B "\n");
  assert_int_equal(ncg_read_key_file(path, k, &why), 0);
  assert_int_equal(k[31], 0x11);
}

/* A config handler that accepts [s] a = ... only. */
static int demo_kv(ncg_ini *ini, const char *section, const char *key,
                   const char *value) {
  (void)value;
  if (strcmp(section, "s") == 0 && strcmp(key, "a") == 0)
    return 0;
  return ncg_ini_unknown(ini, section, key);
}

static void ini_errors_name_file_and_line(void **state) {
  (void)state;
  ncg_ini ini;
  const char *path = write_tmp("a.conf", "[s]\na = 1\n\n; c\nb = 2\n");
  assert_int_equal(ncg_ini_load(&ini, path, demo_kv, NULL), -1);
  char want[256];
  snprintf(want, sizeof(want), "%s:5: [s] b: unknown key", path);
  assert_string_equal(ini.msg, want);

  path = write_tmp("b.conf", "[s]\na = 1\nthis is not ini\n");
  assert_int_equal(ncg_ini_load(&ini, path, demo_kv, NULL), -1);
  assert_non_null(strstr(ini.msg, "b.conf:3: syntax error"));

  assert_int_equal(ncg_ini_load(&ini, "/nonexistent/x.conf", demo_kv, NULL),
                   -1);
  assert_string_equal(ini.msg,
                      "/nonexistent/x.conf: cannot open: No such file or "
                      "directory");
}

/* Records every key and value handed over, as "key=value;". */
static char seen[4096];

static int record_kv(ncg_ini *ini, const char *section, const char *key,
                     const char *value) {
  (void)ini;
  (void)section;
  size_t n = strlen(seen);
  snprintf(seen + n, sizeof(seen) - n, "%s=%s;", key, value);
  return 0;
}

/* Loads `len` bytes of text with record_kv; the result of ncg_ini_load. */
static int load_text(ncg_ini *ini, const char *name, const char *text,
                     size_t len, const char **path) {
  static char p[128];
  snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, len, f), len);
  fclose(f);
  *path = p;
  seen[0] = '\0';
  return ncg_ini_load(ini, p, record_kv, NULL);
}

static void expect_msg(const ncg_ini *ini, const char *path, const char *rest) {
  char want[512];
  snprintf(want, sizeof(want), "%s%s", path, rest);
  assert_string_equal(ini->msg, want);
}

/* Issue 18.2: a commented-out line of 199+ characters had its tail
 * applied (`allow = evil`), or glued to the previous key when the tail
 * began with a space; the error named the next line. */
static void ini_long_lines_are_errors(void **state) {
  (void)state;
  ncg_ini ini;
  const char *path;
  char text[1024], pad[256];
  memset(pad, 'c', sizeof(pad));

  /* ';' + 197 'c' + " allow = evil" on line 4 */
  int n = snprintf(text, sizeof(text), "[s]\na = 1\n\n;%.*s allow = evil\n"
                   "b = 2\n", 197, pad);
  assert_int_equal(load_text(&ini, "long1.conf", text, (size_t)n, &path), -1);
  expect_msg(&ini, path, ":4: line too long (at most 198 characters)");
  assert_string_equal(seen, "a=1;");

  /* the tail starts with spaces: once a continuation of `a` */
  n = snprintf(text, sizeof(text), "[s]\na = 1\n;%.*s   evil\n", 197, pad);
  assert_int_equal(load_text(&ini, "long2.conf", text, (size_t)n, &path), -1);
  expect_msg(&ini, path, ":3: line too long (at most 198 characters)");
  assert_null(strstr(seen, "evil"));

  /* exactly 198 characters is a line; the next line keeps its number */
  n = snprintf(text, sizeof(text), "[s]\n;%.*s\nbogus = 1\n", 197, pad);
  assert_int_equal(ncg_ini_load(&ini, write_tmp("long3.conf", text), demo_kv,
                                NULL), -1);
  assert_non_null(strstr(ini.msg, "long3.conf:3: [s] bogus: unknown key"));

  /* 199, on the last line without a newline: still an error */
  n = snprintf(text, sizeof(text), "[s]\na = %.*s", 195, pad);
  assert_int_equal(load_text(&ini, "long4.conf", text, (size_t)n, &path), -1);
  expect_msg(&ini, path, ":2: line too long (at most 198 characters)");
  assert_string_equal(seen, "");

  /* an earlier mistake is reported first */
  n = snprintf(text, sizeof(text), "[s]\nbogus = 1\n;%.*s\n", 250, pad);
  assert_int_equal(ncg_ini_load(&ini, write_tmp("long5.conf", text), demo_kv,
                                NULL), -1);
  assert_non_null(strstr(ini.msg, "long5.conf:2: [s] bogus: unknown key"));
}

static void ini_bytes_and_directories(void **state) {
  (void)state;
  ncg_ini ini;
  const char *path;
  static const char nul[] = "[s]\na = 1\nb = x\0evil\nc = 3\n";
  assert_int_equal(load_text(&ini, "nul.conf", nul, sizeof(nul) - 1, &path),
                   -1);
  expect_msg(&ini, path, ":3: NUL byte in the line");
  assert_string_equal(seen, "a=1;");

  /* control bytes from the file are escaped in the message */
  assert_int_equal(ncg_ini_load(&ini, write_tmp("ctl.conf",
                                                "[s]\nb\033[2J\x01 = 1\n"),
                                demo_kv, NULL), -1);
  assert_non_null(strstr(ini.msg, ":2: [s] b\\x1b[2J\\x01: unknown key"));
  for (const char *p = ini.msg; *p; p++)
    assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);

  assert_int_equal(ncg_ini_load(&ini, tmpdir, demo_kv, NULL), -1);
  expect_msg(&ini, tmpdir, ": is a directory, not a configuration file");
}

/* Many users in no order: each is found by name after the load sorts
 * them (bsearch), and names that are absent, prefixes or too long are
 * not. */
static void users_many_found_by_name(void **state) {
  (void)state;
  enum { N = 500 };
  static char text[N * 80];
  size_t off = 0;
  for (int i = N - 1; i >= 0; i--)
    off += (size_t)snprintf(text + off, sizeof(text) - off,
                            "[u%d]\npublic_key = " KEY_A "\n",
                            (i * 7919) % N);
  ncg_users u;
  ncg_ini ini;
  assert_int_equal(ncg_users_load(&u, write_tmp("users.many", text), &ini), 0);
  assert_int_equal(u.n, N);
  char name[16];
  for (int i = 0; i < N; i++) {
    snprintf(name, sizeof(name), "u%d", i);
    const ncg_user *x = ncg_users_find(&u, name);
    assert_non_null(x);
    assert_string_equal(x->name, name);
  }
  assert_null(ncg_users_find(&u, "u"));
  assert_null(ncg_users_find(&u, "u5000"));
  char longname[300];
  memset(longname, 'u', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  assert_null(ncg_users_find(&u, longname));
  ncg_users_free(&u);
}

static void users_file(void **state) {
  (void)state;
  ncg_users u;
  ncg_ini ini;
  const char *path = write_tmp("users",
                               "# office users\n"
                               "[alice]\n"
                               "public_key = " KEY_A "\n"
                               "psk = " KEY_B "\n"
                               "address = 10.99.0.20\n"
                               "routes = 192.168.60.0/24, 10.8.0.0/16\n"
                               "routes = 172.16.0.0/12\n"
                               "[bob]\n"
                               "public_key = " KEY_B "\n");
  assert_int_equal(ncg_users_load(&u, path, &ini), 0);
  assert_int_equal(u.n, 2);
  const ncg_user *a = ncg_users_find(&u, "alice");
  assert_non_null(a);
  assert_true(a->has_psk);
  assert_int_equal(a->psk[0], 0x11);
  assert_int_equal(a->public_key[1], 1);
  assert_int_equal(a->address, 0x0a630014u);
  assert_int_equal(a->nroutes, 3);
  assert_int_equal(a->routes[1].dst, 0x0a080000u);
  assert_int_equal(a->routes[2].plen, 12);
  const ncg_user *b = ncg_users_find(&u, "bob");
  assert_non_null(b);
  assert_false(b->has_psk);
  assert_int_equal(b->address, 0);
  assert_null(ncg_users_find(&u, "carol"));
  assert_ptr_equal(ncg_users_find_address(&u, 0x0a630014u), a);
  ncg_users_free(&u);

  static const struct {
    const char *text, *want;
  } bad[] = {
    { "[a]\npublic_key = xyz\n", ":2: [a] public_key: a key is 44" },
    { "[a]\npublic_key = " KEY_A "\nfoo = 1\n", ":3: [a] foo: unknown key" },
    { "[a]\npsk = " KEY_A "\n", "[a]: public_key missing" },
    { "[a]\npublic_key = " KEY_A "\naddress = 10.0.0.300\n",
      ":3: [a] address: expected an IPv4 address" },
    { "[a]\npublic_key = " KEY_A "\naddress = 10.0.0.3\n[b]\npublic_key = "
      KEY_B "\naddress = 10.0.0.3\n",
      ":6: [b] address: address already given to a" },
    { "[a]\npublic_key = " KEY_A "\n[b]\npublic_key = " KEY_A
      "\n[a]\naddress = 10.0.0.9\n", ":6: [a] address: user listed twice" },
    { "[a]\npublic_key = " KEY_A "\nroutes = 10.0.0.1/8\n",
      ":3: [a] routes: host bits set" },
    { "public_key = " KEY_A "\n", ":1: [] public_key: a key outside" },
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    path = write_tmp("users.bad", bad[i].text);
    assert_int_equal(ncg_users_load(&u, path, &ini), -1);
    if (!strstr(ini.msg, bad[i].want))
      fail_msg("case %zu: got '%s', want '%s'", i, ini.msg, bad[i].want);
    ncg_users_free(&u);
  }
}

static void pool_is_stable(void **state) {
  (void)state;
  ncg_users u;
  ncg_ini ini;
  ncg_pool p;
  size_t skipped;
  char state_path[128];
  const char *path = write_tmp("users.pool",
                               "[alice]\npublic_key = " KEY_A "\n"
                               "[bob]\npublic_key = " KEY_B "\n"
                               "[carol]\npublic_key = " KEY_B "\n"
                               "address = 10.99.0.12\n");
  assert_int_equal(ncg_users_load(&u, path, &ini), 0);
  snprintf(state_path, sizeof(state_path), "%s/pool.state", tmpdir);
  unlink(state_path);
  /* A pool of 4 addresses, one of them the server's. */
  assert_int_equal(ncg_pool_init(&p, 0x0a63000au, 0x0a63000du, 0x0a63000au,
                                 state_path, &skipped), 0);
  uint32_t a = ncg_pool_address(&p, &u, &u.v[0]);
  uint32_t b = ncg_pool_address(&p, &u, &u.v[1]);
  uint32_t c = ncg_pool_address(&p, &u, &u.v[2]);
  assert_int_equal(c, 0x0a63000cu); /* fixed */
  assert_true(a >= 0x0a63000bu && a <= 0x0a63000du);
  assert_true(b >= 0x0a63000bu && b <= 0x0a63000du);
  assert_int_not_equal(a, b);
  assert_int_not_equal(a, c);
  assert_int_not_equal(b, c);
  assert_int_equal(ncg_pool_address(&p, &u, &u.v[0]), a);
  ncg_pool_free(&p);

  /* A restart reads the same assignments back; bob is asked first now. */
  assert_int_equal(ncg_pool_init(&p, 0x0a63000au, 0x0a63000du, 0x0a63000au,
                                 state_path, &skipped), 0);
  assert_int_equal(skipped, 0);
  assert_int_equal(ncg_pool_address(&p, &u, &u.v[1]), b);
  assert_int_equal(ncg_pool_address(&p, &u, &u.v[0]), a);
  /* Full: a fourth user gets nothing. */
  ncg_user dave = { .name = "dave" };
  assert_int_equal(ncg_pool_address(&p, &u, &dave), 0);
  ncg_pool_free(&p);

  /* Malformed state lines are skipped, not fatal. */
  write_tmp("pool.state", "alice 10.99.0.11\ngarbage\nbob 1.2.3.4\n");
  assert_int_equal(ncg_pool_init(&p, 0x0a63000au, 0x0a63000du, 0x0a63000au,
                                 state_path, &skipped), 0);
  assert_int_equal(skipped, 2);
  assert_int_equal(ncg_pool_address(&p, &u, &u.v[0]), 0x0a63000bu);
  ncg_pool_free(&p);

  /* A state file that cannot be written: the address is still given (and
   * still derived from the name), and the failure is reported. */
  assert_int_equal(ncg_pool_init(&p, 0x0a63000au, 0x0a63000du, 0x0a63000au,
                                 "/nonexistent/dir/pool.state", &skipped), 0);
  uint32_t a2 = ncg_pool_address(&p, &u, &u.v[0]);
  assert_true(a2 >= 0x0a63000bu && a2 <= 0x0a63000du);
  assert_int_equal(p.save_errno, ENOENT);
  ncg_pool_free(&p);
  ncg_users_free(&u);
}

/* Issue 15: per-user IPv6 addresses: fixed, else derived from the name,
 * always in the prefix, never the server's, never another's fixed one. */
static void ipv6_users_and_addresses(void **state) {
  (void)state;
  ncg_users u;
  ncg_ini ini;
  const char *path = write_tmp("users.v6",
                               "[alice]\npublic_key = " KEY_A "\n"
                               "address6 = fd00:99::20\n"
                               "routes6 = fd60::/64, fd61::/48\n"
                               "[bob]\npublic_key = " KEY_B "\n");
  assert_int_equal(ncg_users_load(&u, path, &ini), 0);
  const ncg_user *a = ncg_users_find(&u, "alice");
  const ncg_user *b = ncg_users_find(&u, "bob");
  static const uint8_t fixed[16] = {0xfd, 0, 0, 0x99, [15] = 0x20};
  static const uint8_t server[16] = {0xfd, 0, 0, 0x99, [15] = 1};
  assert_true(a->has_address6);
  assert_memory_equal(a->address6, fixed, 16);
  assert_int_equal(a->nroutes6, 2);
  assert_int_equal(a->routes6[1].plen, 48);
  assert_int_equal(a->routes6[1].dst[1], 0x61);
  assert_false(b->has_address6);
  assert_ptr_equal(ncg_users_find_address6(&u, fixed), a);

  uint8_t out[16], again[16];
  assert_int_equal(ncg_pool_address6(server, 64, server, &u, a, out), 0);
  assert_memory_equal(out, fixed, 16);
  assert_int_equal(ncg_pool_address6(server, 64, server, &u, b, out), 0);
  assert_memory_equal(out, server, 8); /* in the prefix */
  assert_memory_not_equal(out, server, 16);
  assert_int_equal(ncg_pool_address6(server, 64, server, &u, b, again), 0);
  assert_memory_equal(out, again, 16); /* stable */
  /* a /126 leaves 3 identifiers, minus the server's: still one for bob */
  assert_int_equal(ncg_pool_address6(server, 126, server, &u, b, out), 0);
  assert_memory_equal(out, server, 15);
  assert_true(out[15] == 2 || out[15] == 3);
  ncg_users_free(&u);

  static const struct {
    const char *text, *want;
  } bad[] = {
    { "[a]\npublic_key = " KEY_A "\naddress6 = fd00::1/64\n",
      ":3: [a] address6: an address, without /LEN" },
    { "[a]\npublic_key = " KEY_A "\naddress6 = 10.0.0.1\n",
      ":3: [a] address6: expected an IPv6 address" },
    { "[a]\npublic_key = " KEY_A "\naddress6 = fd::3\n[b]\npublic_key = "
      KEY_B "\naddress6 = fd::3\n",
      ":6: [b] address6: address already given to a" },
    { "[a]\npublic_key = " KEY_A "\nroutes6 = fd60::1/64\n",
      ":3: [a] routes6: host bits set" },
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    path = write_tmp("users.bad6", bad[i].text);
    assert_int_equal(ncg_users_load(&u, path, &ini), -1);
    if (!strstr(ini.msg, bad[i].want))
      fail_msg("case %zu: got '%s', want '%s'", i, ini.msg, bad[i].want);
    ncg_users_free(&u);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(ipv6_users_and_addresses),
    cmocka_unit_test(values),
    cmocka_unit_test(lists),
    cmocka_unit_test(addresses),
    cmocka_unit_test(keys),
    cmocka_unit_test(ini_errors_name_file_and_line),
    cmocka_unit_test(ini_long_lines_are_errors),
    cmocka_unit_test(ini_bytes_and_directories),
    cmocka_unit_test(users_file),
    cmocka_unit_test(users_many_found_by_name),
    cmocka_unit_test(pool_is_stable),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
