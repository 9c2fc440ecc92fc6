#!/usr/bin/env bash
# make install (issue 10):
#
#   1. DESTDIR: every file in its place, the unit pointing at PREFIX's
#      xtcpd and /etc/xtcp/IF.conf, the man pages render
#   2. PREFIX (no DESTDIR, so the unit's paths exist): systemd-analyze
#      verify accepts the unit without a word
#   1b. libxtcp: headers, static and shared library with its soname,
#       xtcp.pc that pkg-config reads from the DESTDIR tree; the .so
#       exports exactly the functions xtcp.h declares
#   3. the installed xtcpd loads the installed XDP object, reads the
#      example configuration and serves
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

D=$WORKDIR/destdir
P=$WORKDIR/prefix

# 1.
make -s -C "$REPO" install DESTDIR="$D" >"$WORKDIR/make1.log" 2>&1 || {
	cat "$WORKDIR/make1.log" >&2
	fail "make install DESTDIR failed"
}
for f in usr/local/sbin/xtcpd usr/local/sbin/xtcpctl usr/local/lib/xtcp/xtcp.bpf.o \
	usr/local/share/man/man8/xtcpd.8 usr/local/share/man/man8/xtcpctl.8 \
	usr/local/lib/systemd/system/xtcpd@.service \
	usr/local/share/doc/xtcp/xtcpd.conf.example etc/xtcp/xtcpd.conf.example; do
	[ -f "$D/$f" ] || fail "make install DESTDIR=… did not install /$f"
done
[ -x "$D/usr/local/sbin/xtcpd" ] && [ -x "$D/usr/local/sbin/xtcpctl" ] || fail "binaries not executable"
grep -qx 'ExecStart=/usr/local/sbin/xtcpd --config /etc/xtcp/%i.conf --iface %i' \
	"$D/usr/local/lib/systemd/system/xtcpd@.service" || fail "the unit's ExecStart"
for m in xtcpd xtcpctl; do
	out=$(MANWIDTH=80 man --warnings -l "$D/usr/local/share/man/man8/$m.8" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "man $m: $out"
done
pass "DESTDIR: $(cd "$D" && find . -type f | wc -l) files in place, man pages render"

# 1b.
L=$D/usr/local/lib
for f in include/xtcp/xtcp.h lib/libxtcp.a lib/libxtcp.so.0.1.0 lib/pkgconfig/xtcp.pc; do
	[ -f "$D/usr/local/$f" ] || fail "make install DESTDIR=… did not install /usr/local/$f"
done
[ "$(readlink "$L/libxtcp.so.0")" = libxtcp.so.0.1.0 ] && [ "$(readlink "$L/libxtcp.so")" = libxtcp.so.0 ] ||
	fail "libxtcp.so symlinks"
readelf -d "$L/libxtcp.so.0.1.0" | grep -q 'Library soname: \[libxtcp.so.0\]' || fail "libxtcp's soname"
pc() { PKG_CONFIG_PATH=$L/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D pkg-config "$@"; }
pc --cflags xtcp | grep -q -- "-I$D/usr/local/include\b" || fail "pkg-config --cflags xtcp: $(pc --cflags xtcp)"
pc --libs xtcp | grep -q -- "-L$L -lxtcp" || fail "pkg-config --libs xtcp: $(pc --libs xtcp)"
pass "libxtcp: headers, libxtcp.a, libxtcp.so (soname libxtcp.so.0), xtcp.pc"
# The shared library's exports are exactly the functions xtcp.h declares.
exported=$(nm -D --defined-only "$L/libxtcp.so.0.1.0" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u)
declared=$(grep -o '\bxt_[a-z0-9_]*(' "$D/usr/local/include/xtcp/xtcp.h" | tr -d '(' | sort -u)
[ "$exported" = "$declared" ] ||
	fail "libxtcp.so exports other than xtcp.h's functions: $(diff <(echo "$declared") <(echo "$exported") | grep '^[<>]' | head -n 5 | tr '\n' ' ')"
pass "libxtcp.so exports the $(wc -l <<<"$exported") functions of xtcp.h and nothing else"

# 2.
make -s -C "$REPO" install PREFIX="$P" SYSCONFDIR="$P/etc" >"$WORKDIR/make2.log" 2>&1 || {
	cat "$WORKDIR/make2.log" >&2
	fail "make install PREFIX failed"
}
unit=$P/lib/systemd/system/xtcpd@.service
# It only warns about some lines it cannot parse: any output is a failure.
if ! MANPATH=$P/share/man systemd-analyze verify "$unit" >"$WORKDIR/verify.log" 2>&1 ||
	[ -s "$WORKDIR/verify.log" ]; then
	sed 's/^/  | /' "$WORKDIR/verify.log" >&2
	fail "systemd-analyze verify refused the unit"
fi
pass "systemd-analyze verify accepts $unit"

# 3. The installed binary, the installed object, the example config.
tb_up "$TB"
XTCPD_BIN=$P/sbin/xtcpd
start_xtcpd xtcpd.log --config "$P/etc/xtcp/xtcpd.conf.example"
grep -q "info: XDP object: $P/sbin/../lib/xtcp/xtcp.bpf.o" "$XTCPD_LOG" ||
	fail "the installed xtcpd did not load the installed object"
on_b timeout 5 curl -sf "http://$IP_A/" | grep -q 'hello from xtcp' || fail "no answer on :80"
stop_xtcpd
pass "the installed xtcpd: the installed XDP object, the example config, serves"
