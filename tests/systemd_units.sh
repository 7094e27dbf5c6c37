#!/usr/bin/env bash
# The shipped systemd units (contrib/systemd) pass `systemd-analyze
# verify --man=no` (the man pages are checked in the package test) with
# no message at all, and the exit statuses their
# RestartPreventExitStatus= names are the ones the programs really use:
# 2 for a bad command line, 3 for a bad configuration, 0 for --check.
# Usage: systemd_units.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
T=$(mktemp -d /tmp/ncg-units.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The units name the installed programs; point them at the built ones.
sbindir=$(sed -n 's|^ExecStart=\(.*\)/ncg-server .*|\1|p' \
  "$BUILD/contrib/systemd/ncg-server.service")
[ -n "$sbindir" ] || fail "no ExecStart in ncg-server.service"
for u in ncg-server.service ncg-relay.service ncg-client@.service; do
  sed "s|$sbindir/|$BUILD/cli/|g" "$BUILD/contrib/systemd/$u" >"$T/$u"
done
ln -s "ncg-client@.service" "$T/ncg-client@office.service"
for u in ncg-server.service ncg-relay.service ncg-client@office.service; do
  out=$(cd "$T" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "./$u" 2>&1)
  rc=$?
  echo "$u: rc=$rc ${out:-(no messages)}"
  [ $rc = 0 ] && [ -z "$out" ] || fail "systemd-analyze verify $u"
done

# systemctl reload: every program takes SIGHUP (doc/configuration.md
# "Reloading").
for u in ncg-server.service ncg-relay.service ncg-client@.service; do
  grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$T/$u" ||
    fail "$u has no ExecReload=/bin/kill -HUP \$MAINPID"
done
grep -q '^RestartPreventExitStatus=2 3 4 5$' "$T/ncg-client@.service" ||
  fail "client unit's RestartPreventExitStatus"
for p in ncg-server ncg-relay ncg-client; do
  "$BUILD/cli/$p" --no-such-option >/dev/null 2>&1; rc=$?
  [ $rc = 2 ] || fail "$p usage error exits $rc, not 2"
  "$BUILD/cli/$p" -c "$T/missing.conf" >/dev/null 2>&1; rc=$?
  [ $rc = 3 ] || fail "$p configuration error exits $rc, not 3"
done
"$BUILD/cli/ncg-server" genkey >"$T/s.key"
"$BUILD/cli/ncg-server" pubkey <"$T/s.key" >"$T/s.pub"
printf '[alice]\npublic_key = %s\n' "$(cat "$T/s.pub")" >"$T/users"
cat >"$T/server.conf" <<EOC
[server]
name = office
private_key_file = $T/s.key
listen = 127.0.0.1:4433
users = $T/users
[adapter]
address = 10.99.0.1/24
EOC
out=$("$BUILD/cli/ncg-server" --check -c "$T/server.conf") ||
  fail "--check on a good configuration"
[ "$(echo "$out" | tail -1)" = "ncg-server: $T/server.conf: configuration OK" ] ||
  fail "--check said: $out"
echo PASS
