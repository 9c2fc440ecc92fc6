#!/usr/bin/env bash
# examples/ built as outside programs against an installed libxtcp:
#
#   0. make install DESTDIR=…; examples/ built with pkg-config from that
#      tree only (PKG_CONFIG_PATH + PKG_CONFIG_SYSROOT_DIR), run with its
#      libxtcp.so
#   1. xtcp-httpd serves a directory to curl on side b: sha256 of three
#      files (one of 1 MiB, one a directory's index.html) intact
#   2. HEAD: 200, Content-Length of the file, no body
#   3. 404 for a missing file; 403 for "../", "%2e%2e/" and a symlink out
#      of the directory, whose target is never sent
#   4. keep-alive: five requests, one connection (curl's num_connects)
#   5. SIGTERM: xtcp-httpd exits 0 and its XDP program is gone
#   6. xtcp-fetch, the stack driven from the caller's poll loop: four
#      files from a Linux HTTP server on side b, two connections at a
#      time, bodies' sha256 intact
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

D=$WORKDIR/destdir
L=$D/usr/local/lib
BIN=$WORKDIR/bin
PORT=8080

# 0.
make -s -C "$REPO" install DESTDIR="$D" >"$WORKDIR/install.log" 2>&1 || {
	cat "$WORKDIR/install.log" >&2
	fail "make install DESTDIR failed"
}
mkdir -p "$BIN"
# Under make check SAN=1 the installed library is sanitized: so must the
# programs be that load it (ASan's runtime has to come first).
PKG_CONFIG_PATH=$L/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D \
	make -s -C "$REPO/examples" OUT="$BIN" \
	${XTCP_SAN_FLAGS:+CFLAGS="-O2 -g -Wall -Wextra -Werror $XTCP_SAN_FLAGS"} \
	>"$WORKDIR/build.log" 2>&1 || {
	cat "$WORKDIR/build.log" >&2
	fail "the examples do not build against the installed libxtcp"
}
deps=$(LD_LIBRARY_PATH=$L ldd "$BIN/xtcp-httpd")	# (grep -q would SIGPIPE ldd)
grep -q "libxtcp.so.0 => $L/libxtcp.so.0" <<<"$deps" ||
	fail "xtcp-httpd is not linked against the installed libxtcp.so.0: $deps"
pass "examples built from the DESTDIR tree with pkg-config, linked to its libxtcp.so.0"

ROOT=$WORKDIR/www
mkdir -p "$ROOT/sub"
head -c 1048576 /dev/urandom >"$ROOT/big.bin"
head -c 3000 /dev/urandom >"$ROOT/small.bin"
echo "index of sub" >"$ROOT/sub/index.html"
echo "secret: must never be served" >"$WORKDIR/secret"
ln -s "$WORKDIR/secret" "$ROOT/escape"

tb_up "$TB"
spawn a HTTPD_PID httpd.log env LD_LIBRARY_PATH="$L" "$BIN/xtcp-httpd" -i "$IF_A" -p "$PORT" -d "$ROOT"
wait_for "xtcp-httpd serving" 10 grep -q serving "$WORKDIR/httpd.log"
URL=http://$IP_A:$PORT

# 1.
for f in big.bin small.bin sub/; do
	on_b timeout 20 curl -sSf --max-time 15 -o "$WORKDIR/got" "$URL/$f" || fail "GET /$f: curl exit $?"
	src=$ROOT/$f
	[ -d "$src" ] && src=$src/index.html
	assert_eq "sha256 of /$f" "$(sha256sum <"$WORKDIR/got")" "$(sha256sum <"$src")"
done
pass "three files served intact (1 MiB, 3000 bytes, a directory's index.html)"

# 2.
on_b timeout 10 curl -sS --max-time 5 -I -o /dev/null -D "$WORKDIR/head.hdr" \
	-w '%{size_download}\n' "$URL/big.bin" >"$WORKDIR/head.size" || fail "HEAD: curl exit $?"
head -n 1 "$WORKDIR/head.hdr" | grep -q '^HTTP/1.1 200' || fail "HEAD: $(head -n 1 "$WORKDIR/head.hdr")"
grep -qi '^Content-Length: 1048576' "$WORKDIR/head.hdr" || fail "HEAD: no Content-Length: 1048576"
assert_eq "HEAD body bytes" "$(cat "$WORKDIR/head.size")" 0
pass "HEAD: 200, Content-Length 1048576, no body"

# 3.
code() { on_b timeout 10 curl -s --max-time 5 --path-as-is -o "$WORKDIR/body" -w '%{http_code}' "$URL$1"; }
assert_eq "GET /nothing-here" "$(code /nothing-here)" 404
for p in /../secret /sub/../../secret /%2e%2e/secret /escape; do
	assert_eq "GET $p" "$(code "$p")" 403
	! grep -q secret "$WORKDIR/body" || fail "GET $p sent the secret"
done
pass "404 for a missing file; 403 for ../, %2e%2e/ and a symlink out"

# 4.
on_b timeout 20 curl -sS --max-time 15 -w '%{http_code} %{num_connects}\n' \
	-o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
	"$URL/small.bin" "$URL/big.bin" "$URL/sub/" "$URL/small.bin" "$URL/nothing" >"$WORKDIR/ka" ||
	fail "keep-alive curl: exit $?"
assert_eq "status codes on one connection" "$(awk '{ print $1 }' "$WORKDIR/ka" | paste -sd ' ')" "200 200 200 200 404"
assert_eq "connections for five requests" "$(awk '{ n += $2 } END { print n }' "$WORKDIR/ka")" 1
pass "keep-alive: five requests (a 404 among them) on one connection"

# 5.
reap "$HTTPD_PID" TERM 10
assert_eq "xtcp-httpd exit status after SIGTERM" "$REAP_STATUS" 0
! xdp_attached || fail "XDP still attached after xtcp-httpd exited"
pass "xtcp-httpd stopped on SIGTERM, exit 0, XDP detached"

# 6.
spawn b KHTTP_PID khttp.log /usr/bin/python3 -m http.server --bind "$IP_B" --directory "$ROOT" 8000
wait_for "python http.server on side b" 10 on_b curl -sf -o /dev/null "http://$IP_B:8000/small.bin"
mkdir -p "$WORKDIR/fetched"
on_a timeout 30 env LD_LIBRARY_PATH="$L" "$BIN/xtcp-fetch" -i "$IF_A" -s "$IP_B:8000" -c 2 \
	-o "$WORKDIR/fetched" -t 20 /big.bin /small.bin /sub/index.html /big.bin >"$WORKDIR/fetch.out" 2>&1 || {
	sed 's/^/  | /' "$WORKDIR/fetch.out" >&2
	fail "xtcp-fetch: exit $?"
}
sed 's/^/    fetch: /' "$WORKDIR/fetch.out"
i=0
for f in big.bin small.bin sub/index.html big.bin; do
	assert_eq "sha256 of fetched /$f" "$(sha256sum <"$WORKDIR/fetched/$i")" "$(sha256sum <"$ROOT/$f")"
	i=$((i + 1))
done
pass "xtcp-fetch (caller-driven loop): four files from Linux, two at a time, intact"
