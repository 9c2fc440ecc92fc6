#!/usr/bin/env bash
# `make demo` as a newcomer runs it, so that a broken demo fails
# `make check`: tools/demo.sh checks every step it shows and must exit 0.
#
#   1. the demo exits 0 within DEMO_S seconds
#   2. it showed the conns map with state names (ESTABLISHED, TIME-WAIT,
#      then empty) and the counters the curl connections moved
#   3. it left nothing behind: no namespace, no pins
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DEMO_S=60
DEMO_TB=demo	# the testbed tools/demo.sh brings up
OUT=$WORKDIR/demo.out

# Should the demo be killed before its own cleanup ran.
on_exit "$TESTBED" down "$DEMO_TB"

# shows LINE: whether the demo printed LINE (a fixed string, one whole line).
shows() {
	grep -qxF -- "$1" "$OUT" || fail "the demo did not show '$1'"
}

# 1. It runs to the end.
rc=0
timeout -k 10 "$DEMO_S" "$REPO/tools/demo.sh" >"$OUT" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	sed 's/^/  | /' "$OUT" >&2
	fail "tools/demo.sh exited $rc$([ "$rc" -ne 124 ] || echo " (still running after ${DEMO_S}s)")"
fi
pass "tools/demo.sh exit 0"

# 2. What the issue asked of it.
grep -Eq '^   in short: [0-9.]+:[0-9]+ -> [0-9.]+:7 XT_ESTABLISHED$' "$OUT" ||
	fail "no ESTABLISHED echo connection in the demo's conns dump"
grep -Eq '^   in short: [0-9.]+:[0-9]+ -> [0-9.]+:13 XT_TIME_WAIT$' "$OUT" ||
	fail "no TIME-WAIT banner connection in the demo's conns dump"
shows '   in short: no connection'
grep -Eq '^   #1 .*SYN-SENT +── SYN seq 0 .*▶ SYN-RECEIVED$' "$OUT" ||
	fail "the demo's trace did not draw the handshake"
grep -Eq '^   #1 .*▶ CLOSED$' "$OUT" || fail "the demo's trace did not end CLOSED"
grep -q '"state": "XT_ESTABLISHED"' "$OUT" ||
	fail "bpftool's own dump did not name the state"
grep -Eq '^   passive_opens +[0-9]+ -> [0-9]+ +\(\+[1-9][0-9]*\)$' "$OUT" ||
	fail "the demo did not show passive_opens moving"
pass "the demo showed conns with state names and the counters moving"

# 3. Nothing left.
for ns in "xtcp-$DEMO_TB-a" "xtcp-$DEMO_TB-b"; do
	[ ! -e "/run/netns/$ns" ] || fail "the demo left namespace $ns"
done
[ ! -e "$PIN_ROOT/xa-$DEMO_TB" ] || fail "the demo left $PIN_ROOT/xa-$DEMO_TB"
pass "the demo removed its testbed and pins"
