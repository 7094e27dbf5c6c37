#!/usr/bin/env bash
# Issue 13, no root needed: --check / -t print what would run and exit 0
# or 3 without touching the system; semantic mistakes are caught at load
# with FILE:LINE (a user's fixed address outside the subnet or equal to
# the server's; a state_file in a missing directory); genkey warns about
# a file others can read and names a stray argument; -V names the
# program.
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
S=$BUILD/cli/ncg-server C=$BUILD/cli/ncg-client R=$BUILD/cli/ncg-relay
T=$(mktemp -d /tmp/ncg-check.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# expect RC REGEX CMD...: exit status and a line of the output
expect() {
  local rc=$1 re=$2 out got; shift 2
  out=$("$@" 2>&1); got=$?
  echo "\$ ${*##*/} -> $got"; echo "$out"
  [ "$got" = "$rc" ] || fail "$* exited $got, expected $rc"
  echo "$out" | grep -Eq -- "$re" || fail "$*: no /$re/"
}

(umask 077; "$S" genkey >"$T/s.key") || fail genkey
"$S" pubkey <"$T/s.key" >"$T/s.pub"
cp "$T/s.key" "$T/a.key"
cat >"$T/server.conf" <<EOC
[server]
name = office
private_key_file = $T/s.key
listen = 127.0.0.1:4433
users = $T/users
state_file = $T/leases
[adapter]
address = 10.99.0.1/24
EOC
printf '[alice]\npublic_key = %s\naddress = 10.99.0.20\n' "$(cat "$T/s.pub")" \
  >"$T/users"
cat >"$T/client.conf" <<EOC
[client]
user = alice
private_key_file = $T/a.key
server_public_key = $(cat "$T/s.pub")
path = relay1, office
[hosts]
relay1 = 127.0.0.1:4500
EOC
printf '[relay]\nname = relay1\nlisten = 127.0.0.1:4500\nallow = office\n' \
  >"$T/relay.conf"

echo "== good configurations: what would run, exit 0"
expect 0 "would run: name=office listen=127.0.0.1:4433 device=ncgs0 address=10.99.0.1/24 .*users=1" \
  "$S" --check -c "$T/server.conf"
expect 0 "configuration OK" "$S" -t -c "$T/server.conf"
expect 0 "would run: user=alice path=relay1,office server=office" \
  "$C" -t -c "$T/client.conf"
expect 0 "would run: name=relay1 listen=127.0.0.1:4500 allow=office" \
  "$R" -t -c "$T/relay.conf"
[ -e "$T/leases" ] && fail "--check wrote the state file"

echo "== a fixed address outside the subnet, or the server's own"
printf '[alice]\npublic_key = %s\n\naddress = 10.98.0.20\n' "$(cat "$T/s.pub")" \
  >"$T/users"
expect 3 "users:4: \[alice\] address: 10.98.0.20 is outside the tunnel subnet 10.99.0.1/24" \
  "$S" -t -c "$T/server.conf"
printf '[alice]\npublic_key = %s\naddress = 10.99.0.1\n' "$(cat "$T/s.pub")" \
  >"$T/users"
expect 3 "users:3: \[alice\] address: 10.99.0.1 is the server's own address" \
  "$S" -t -c "$T/server.conf"
printf '[alice]\npublic_key = %s\naddress = 10.99.0.255\n' "$(cat "$T/s.pub")" \
  >"$T/users"
expect 3 "users:3: \[alice\] address: 10.99.0.255 is the network or broadcast" \
  "$S" -t -c "$T/server.conf"
printf '[alice]\npublic_key = %s\n' "$(cat "$T/s.pub")" >"$T/users"

echo "== state_file in a missing directory"
sed -i "s|^state_file = .*|state_file = $T/nope/leases|" "$T/server.conf"
expect 3 "server.conf:6: \[server\] state_file: directory $T/nope does not exist" \
  "$S" -t -c "$T/server.conf"

echo "== genkey, pubkey, -V"
expect 2 "genkey: unexpected argument 'foo' .*genkey > foo" "$C" genkey foo
expect 2 "pubkey: unexpected argument 'bar' .*pubkey < bar" "$S" pubkey bar
out=$( (umask 022; "$C" genkey >"$T/open.key") 2>&1)
echo "$out" | grep -q "warning: standard output is a file with mode 0644, readable by others" ||
  fail "no warning for a key file others can read: $out"
out=$( (umask 077; "$C" genkey >"$T/closed.key") 2>&1)
[ -z "$out" ] || fail "warning for a private file: $out"
out=$("$C" genkey | cat 2>&1 >/dev/null)
[ -z "$out" ] || fail "warning for a pipe: $out"
expect 0 "^ncg-server \(libncgtun " "$S" -V
out=$(cd "$BUILD/cli" && ./ncg-relay -V)
[ "${out%% *}" = ncg-relay ] || fail "-V said: $out"
echo PASS
