#!/usr/bin/env bash
# Builds the Debian packages (debian/) with dpkg-buildpackage, installs
# them with dpkg into a throwaway root (its own --instdir and --admindir,
# maintainer scripts run chrootless with DPKG_ROOT set), and checks the
# result: the three packages are installed, each holds what it should,
# the installed programs find the installed libncgtun.so.0 (ldd), and
# the installed `ncg-server --check` accepts a configuration made with
# the installed `ncg-server genkey`.
# Usage: tests/packaging/deb.sh [SOURCE_DIR]. Needs dpkg-dev, debhelper
# and the build dependencies in debian/control (scripts/install-deps).
set -uo pipefail
SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
for t in dpkg-buildpackage dh; do
  command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done
T=$(mktemp -d /tmp/ncg-deb.XXXXXX)
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
start=$(date +%s)

# A clean copy: dpkg-buildpackage writes into the tree and next to it.
mkdir "$T/src"
tar -C "$SRC" --exclude='./.git' --exclude='./build*' --exclude='./obj-*' \
  --exclude='./debian/tmp' -cf - . | tar -C "$T/src" -xf -
echo "== dpkg-buildpackage -us -uc -b"
(cd "$T/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
  dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
  { tail -40 "$T/build.log"; fail "dpkg-buildpackage"; }
ls "$T"/*.deb
for p in libncgtun0 libncgtun-dev ncgtun; do
  ls "$T/${p}_"*.deb >/dev/null 2>&1 || fail "no $p package"
done

echo "== contents"
for p in libncgtun0 libncgtun-dev ncgtun; do
  dpkg-deb -c "$T/${p}_"*.deb >"$T/$p.list" || fail "dpkg-deb -c $p"
done
has() { grep -Eq -- "$2" "$T/$1.list" || fail "$1 lacks $2"; }
lacks() { grep -Eq -- "$2" "$T/$1.list" && fail "$1 has $2"; true; }
has libncgtun0 '/usr/lib/[^/]+/libncgtun\.so\.0\.'
lacks libncgtun0 'include|\.a$|ncg-server'
has libncgtun-dev '/usr/include/ncgtun/conn\.h$'
has libncgtun-dev '/pkgconfig/ncgtun\.pc$'
for f in usr/sbin/ncg-server usr/sbin/ncg-client usr/sbin/ncg-relay \
    lib/systemd/system/ncg-server.service lib/systemd/system/ncg-relay.service \
    'lib/systemd/system/ncg-client@\.service' usr/lib/sysusers.d/ncgtun.conf \
    etc/ncgtun/server.conf.example usr/share/bash-completion/completions/ncg-client \
    usr/share/man/man8/ncg-server.8 usr/share/man/man5/ncgtun.conf.5 \
    usr/share/man/man5/ncgtun-users.5 'usr/lib/[^/]+/wireshark/plugins/ncgtun\.lua'; do
  has ncgtun "\./$f"
done
lacks ncgtun 'libncgtun\.so'

echo "== dpkg -i into a throwaway root"
R=$T/root
mkdir -p "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/info" "$R/etc"
touch "$R/var/lib/dpkg/status"
# The root has no libc of its own: dependencies are the host's.
dpkg --root="$R" --force-script-chrootless --force-depends \
  --log="$T/dpkg.log" -i "$T"/libncgtun0_*.deb "$T"/libncgtun-dev_*.deb \
  "$T"/ncgtun_*.deb >"$T/install.log" 2>&1 ||
  { cat "$T/install.log"; fail "dpkg -i"; }
for p in libncgtun0 libncgtun-dev ncgtun; do
  st=$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Status}' $p)
  echo "$p: $st"
  [ "$st" = "install ok installed" ] || fail "$p not installed"
done
grep -q '^ncgtun:' "$R/etc/passwd" 2>/dev/null ||
  fail "postinst did not create the ncgtun account in the root"

echo "== the installed programs"
libdir=$(dirname "$(find "$R/usr/lib" -name 'libncgtun.so.0' | head -1)")
export LD_LIBRARY_PATH=$libdir
# Output captured first: with pipefail, `ldd | grep -q` fails whenever
# grep exits before ldd has written everything (SIGPIPE).
for p in ncg-server ncg-client ncg-relay; do
  libs=$(ldd "$R/usr/sbin/$p")
  grep -q "libncgtun.so.0 => $libdir/" <<<"$libs" ||
    fail "$p does not load the installed libncgtun.so.0"
  grep -q "not found" <<<"$libs" && fail "$p: a library is missing"
done
ver=$("$R/usr/sbin/ncg-server" -V)
grep -q "libncgtun" <<<"$ver" || fail "ncg-server -V"
(umask 077; "$R/usr/sbin/ncg-server" genkey >"$T/server.key") || fail genkey
"$R/usr/sbin/ncg-client" pubkey <"$T/server.key" >"$T/alice.pub"
printf '[alice]\npublic_key = %s\n' "$(cat "$T/alice.pub")" >"$T/users"
sed -e "s|/etc/ncgtun/server.key|$T/server.key|" \
    -e "s|/etc/ncgtun/users|$T/users|" -e "s|/var/lib/ncgtun|$T|" \
    "$R/etc/ncgtun/server.conf.example" >"$T/server.conf"
out=$("$R/usr/sbin/ncg-server" --check -c "$T/server.conf") ||
  fail "installed ncg-server --check: $out"
echo "$out"
"$R/usr/sbin/ncg-relay" --check -c "$R/etc/ncgtun/relay.conf.example" ||
  fail "installed ncg-relay --check on the example"
echo "took $(( $(date +%s) - start ))s"
echo PASS
