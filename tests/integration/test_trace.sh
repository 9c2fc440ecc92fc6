#!/usr/bin/env bash
# xtcpctl trace (issue 10): a curl connection drawn as a ladder, with
# xtcpd's states as it reports them and the peer's inferred, in order:
#
#   1. --syncookies never: the three-way handshake (SYN-SENT / SYN-RECEIVED
#      / ESTABLISHED), the request and answer, and the four-way close curl
#      starts (FIN-WAIT-1, CLOSE-WAIT, FIN-WAIT-2, LAST-ACK, TIME-WAIT,
#      CLOSED); --count 1 ends the trace with the connection
#   2. the four-way close xtcpd starts (banner), FIN-WAIT-2 included
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PORT=80
tb_up "$TB"

# trace_until_tap_on LOG [ARG...]: xtcpctl trace ARG... in side a, PID in
# TRACE_PID, once xtcpd says the tap is on.
trace_until_tap_on() {
	local log=$1
	shift
	spawn a TRACE_PID "$log" timeout 20 "$XTCPCTL_BIN" --iface "$IF_A" trace "$@"
	wait_for "xtcpd's tap on" 5 grep -q "tap on" "$XTCPD_LOG"
}

# in_order FILE PATTERN...: each extended regex matches a line of FILE,
# each on a later line than the one before.
in_order() {
	local file=$1 from=1 n
	shift
	for re in "$@"; do
		n=$(tail -n +"$from" "$file" | grep -nE -m1 -- "$re" | cut -d: -f1) ||
			fail "no line matching '$re' after line $((from - 1)) of $(basename "$file")"
		from=$((from + n))
	done
}

# 1. The textbook picture, with xtcpd's own SYN-RECEIVED.
start_xtcpd xtcpd.log --syncookies never --listen "$PORT:http"
trace_until_tap_on trace.txt --port "$PORT" --count 1
on_b timeout 5 curl -s -o /dev/null "http://$IP_A:$PORT/1000" || fail "curl failed"
wait_exit "$TRACE_PID" 10 || fail "trace --count 1 did not end with the connection"
reap "$TRACE_PID"
assert_eq "trace exit status" "$REAP_STATUS" 0
sed 's/^/  | /' "$WORKDIR/trace.txt"
A='──▶'
L='◀──'
# xtcpd's http answers the client's FIN with its own FIN on the same ACK,
# so the peer goes FIN-WAIT-1 -> TIME-WAIT (RFC 9293 §3.10.7.4), or
# through FIN-WAIT-2 when the ACK comes alone.
in_order "$WORKDIR/trace.txt" \
	" peer +$IP_B:[0-9]+ +xtcpd $IP_A:$PORT\$" \
	"CLOSED +LISTEN\$" \
	"SYN-SENT +── SYN seq 0 win [0-9]+ <mss [0-9]+,sackOK,TS,wscale [0-9]+> ─+▶ SYN-RECEIVED\$" \
	"ESTABLISHED +◀─+ SYN,ACK seq 0 ack 1 win [0-9]+ <mss [0-9]+.*> ──\$" \
	"── ACK seq 1 ack 1 win [0-9]+ ─+▶ ESTABLISHED\$" \
	"── PSH,ACK seq 1 ack 1 win [0-9]+ len [0-9]+ ─+▶\$" \
	"◀─+ .*ACK seq 1 ack [0-9]+ win [0-9]+ len [0-9]+ ──\$" \
	"FIN-WAIT-1 +── FIN,ACK seq [0-9]+ ack [0-9]+ win [0-9]+ ─+▶ CLOSE-WAIT\$" \
	"(FIN-WAIT-2|TIME-WAIT) +◀─+ (FIN,)?ACK seq [0-9]+ ack [0-9]+ win [0-9]+ ──( LAST-ACK)?\$" \
	"── ACK seq [0-9]+ ack [0-9]+ win [0-9]+ ─+▶ CLOSED\$"
grep -q "TIME-WAIT" "$WORKDIR/trace.txt" || fail "the peer never reached TIME-WAIT"
pass "trace of a curl connection: handshake, data, close, both sides' states in order"
stop_xtcpd

# 2. xtcpd closes first (banner), the peer's ACK and FIN come apart (socat
# -t 1 holds its close a second, longer than Linux delays an ACK): the
# four-way close, xtcpd in FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT.
start_xtcpd xtcpd2.log --msl 1 --listen "7:banner"
trace_until_tap_on trace2.txt --port 7 --count 1
on_b timeout 5 bash -c "sleep 3 | socat -t 1 - TCP:$IP_A:7 >/dev/null" || fail "socat failed"
wait_exit "$TRACE_PID" 10 || fail "trace --count 1 did not end"
reap "$TRACE_PID"
sed 's/^/  | /' "$WORKDIR/trace2.txt"
in_order "$WORKDIR/trace2.txt" \
	"CLOSE-WAIT +◀─+ FIN(,PSH)?,ACK seq 1 ack 1 win [0-9]+ len [0-9]+ ── FIN-WAIT-1\$" \
	"── ACK seq 1 ack [0-9]+ win [0-9]+ ─+▶ FIN-WAIT-2\$" \
	"LAST-ACK +── FIN,ACK seq 1 ack [0-9]+ win [0-9]+ ─+▶ TIME-WAIT\$" \
	"CLOSED +◀─+ ACK seq [0-9]+ ack 2 win [0-9]+ ──\$"
pass "trace: the four-way close xtcpd starts, FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT"
stop_xtcpd
