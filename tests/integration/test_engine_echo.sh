#!/usr/bin/env bash
# Bulk data through xtcpd's echo and discard against the kernel's TCP on
# side b, and the half-close.
#
#   1. echo: 10 MB of random bytes sent by socat, which shuts its write side
#      down at the end of the file; the same 10 MB (sha256) come back, then
#      xtcpd's FIN ends socat
#   2. half-close: nc -N sends 2 MB and shuts its write side at once; all
#      2 MB still come back; a 6-byte message shut right after it, too
#   3. discard: socat -u sends 10 MB and exits 0; b's socket ends in
#      TIME-WAIT, so xtcpd acknowledged every byte and the FIN, and closed
#   4. no connection state left on either side, no RST from xtcpd
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

ECHO_PORT=7
DISCARD_PORT=9
MB=$((1024 * 1024))

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
# MSL 1: the TIME_WAITs xtcpd may hold are gone 2 s later.
start_xtcpd xtcpd.log --msl 1 --listen "$ECHO_PORT:echo" --listen "$DISCARD_PORT:discard"

# 1. 10 MB each way, then xtcpd's FIN.
echo_bulk "$ECHO_PORT" $((10 * MB))
pass "echo: 10 MB each way, sha256 equal, then xtcpd's FIN (${ECHO_MS} ms)"

# 2. Half-close: the FIN arrives long before the echo is done.
head -c $((2 * MB)) /dev/urandom >"$WORKDIR/in2"
rc=0
on_b timeout 30 nc -N "$IP_A" "$ECHO_PORT" <"$WORKDIR/in2" >"$WORKDIR/out2" || rc=$?
[ "$rc" -ne 124 ] ||
	fail "half-close 2 MB: nc still running after 30 s, $(size "$WORKDIR/out2") bytes back"
assert_eq "half-close 2 MB: nc exit status" "$rc" 0
assert_eq "half-close 2 MB: bytes back" "$(size "$WORKDIR/out2")" $((2 * MB))
assert_eq "half-close 2 MB: sha256 back" "$(sha "$WORKDIR/out2")" "$(sha "$WORKDIR/in2")"
reply=$(printf 'hello\n' | on_b timeout 10 nc -N "$IP_A" "$ECHO_PORT") ||
	fail "half-close 'hello': nc exit $?"
assert_eq "half-close 'hello': reply" "$reply" hello
# b closed first: its sockets end in TIME-WAIT, xtcpd's in CLOSED.
wait_for "b's sockets to :$ECHO_PORT all in TIME-WAIT" 5 b_only_time_wait "$ECHO_PORT"
pass "half-close: 2 MB and 'hello' sent then shut, all echoed back"

# 3. discard: 10 MB one way.
t0=$(now_ms)
rc=0
on_b timeout 60 socat -u -b 65536 "OPEN:$WORKDIR/echo.in" "TCP:$IP_A:$DISCARD_PORT" || rc=$?
assert_eq "discard 10 MB: socat -u exit status" "$rc" 0
# socat is gone, but its socket may still be sending: TIME-WAIT says b's
# FIN, after the last byte, was acknowledged and xtcpd's FIN came back.
wait_for "b's socket to :$DISCARD_PORT in TIME-WAIT (all 10 MB acknowledged)" 30 \
	b_only_time_wait "$DISCARD_PORT"
[ -n "$(b_socks "$DISCARD_PORT")" ] ||
	fail "discard: no socket on b to :$DISCARD_PORT at all, not even TIME-WAIT"
pass "discard: 10 MB, socat -u exit 0, every byte acknowledged, closed ($(ms_since "$t0") ms)"

# 4. Nothing left (TIME_WAIT, if any, lasts 2 s with --msl 1).
wait_for "no connection left in xtcpd" 10 conns_open
assert_eq "xtcpd resets_sent" "$(xt_stat resets_sent)" 0
pass "no connection left, no RST; $(stats_line passive_opens retransmits fast_retransmits ooo_segments)"

stop_xtcpd
