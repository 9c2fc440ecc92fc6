#!/usr/bin/env bash
# The peer vanishes (issue 12, faults): xtcpd's connections end by their
# own timers and are freed, with short timers (--retries 3 --rto-min 50
# --keepalive 1,1,2) so that it takes seconds.
#
#   1. three connections, then b's veth goes down: an endless stream
#      through echo (xtcpd's data in flight: the RTO gives up), a reader that stopped reading (a closed
#      window: the zero-window probes give up), an idle echo connection
#      (keepalive gives up); within a deadline none is left, in xtcpd's
#      state counts, in `xtcpctl conns` or in the conns map, and the
#      counters say which timer ended which
#   2. the link back: a new connection works; then b's address goes away in
#      the middle of another stream, which the RTO ends the same way
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

HTTP=80
ECHO=7
BIG=60000000		# at 1 byte/s: never finishes in this test
# 3 RTOs from 50 ms, 1 s + 2 x 1 s of keepalive: about 3 s. The zero-window
# probes back off from the RTO (about 120 ms against curl's delayed ACKs)
# while b still answers them, so the peer goes away as soon as the window
# closed; after k answered probes, 3 unanswered take 120 ms x 7 x 2^k.
GONE_S=20

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
# A small receive buffer on b, so that a reader that stops reading closes
# its window within a second.
on_b sysctl -qw net.ipv4.tcp_rmem="4096 65536 131072"
start_xtcpd xtcpd.log --retries 3 --rto-min 50 --keepalive 1,1,2 \
	--listen "$HTTP:http" --listen "$ECHO:echo"

conns_entries() {
	local out
	out=$(bpftool -j map dump pinned "$PIN_DIR/conns") || return 1
	{ grep -o '"rport":' <<<"$out" || :; } | wc -l
}
# No connection left: state counts, xtcpctl conns, the conns map.
all_freed() {
	[ "$(xtcpctl --json conns)" = '{"conns":[]}' ] || {
		xtcpctl conns
		return 1
	}
	conns_open || return 1
	[ "$(conns_entries)" -eq 0 ] || {
		echo "$(conns_entries) entries in conns"
		return 1
	}
}
# stream VAR: zeros through echo and back to /dev/null, until stopped.
stream() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	spawn b "$1" "$1.log" timeout 60 bash -c \
		'exec socat -b 65536 - "TCP:$0:$1" </dev/zero >/dev/null' "$IP_A" "$ECHO"
}
# segs_out_above N: xtcpd has sent more than N segments.
segs_out_above() {
	[ "$(xt_stat segs_out)" -gt "$1" ]
}
link_up() {
	ip -n "$NS_A" link show dev "$IF_A" | grep -q 'state UP' &&
		ip -n "$NS_B" link show dev "$IF_B" | grep -q 'state UP'
}

# 1. Three connections, then the link goes.
stream BULK_PID
wait_for "the stream under way" 5 segs_out_above 1000
held_client "$ECHO"
wait_for "two connections in xtcpd" 5 stat_eq conns_established 2
# curl reads 1 byte a second: b's buffer fills, the window closes.
spawn b SLOW_PID slow.log timeout 60 curl -s --limit-rate 1 -o "$WORKDIR/slow.body" "http://$IP_A:$HTTP/$BIG"
zero_window() {
	xtcpctl conns --state established | grep -q 'timers:.*persist'
}
wait_for "the slow reader's window closed (xtcpd's persist timer runs)" 5 zero_window
t0=$(now_ms)
ip -n "$NS_B" link set dev "$IF_B" down
on_exit ip -n "$NS_B" link set dev "$IF_B" up
xtcpctl conns | sed 's/^/  | /'
assert_eq "connections when the link went down" "$(xt_stat conns_established)" 3
wait_for "every connection freed within ${GONE_S}s of the link going down" "$GONE_S" all_freed
took=$(ms_since "$t0")
wait_for "timeouts >= 2 (the RTO's and the probes')" 2 stat_ge timeouts 2
wait_for "keepalive_drops >= 1" 2 stat_ge keepalive_drops 1
pass "link down: all three freed in ${took} ms ($(stats_line timeouts keepalive_drops rto_expiries conns_established))"

# 2. The link back; then b's address goes away mid-download.
ip -n "$NS_B" link set dev "$IF_B" up
wait_for "both veths up again" 5 link_up
reap "$BULK_PID"
reap "$SLOW_PID"
reap "$CLIENT_PID"
exec 5>&-
reply=$(printf 'back\n' | on_b timeout 5 socat -t 2 - "TCP:$IP_A:$ECHO") || fail "echo after the link came back"
assert_eq "echo after the link came back" "$reply" back
timeouts0=$(xt_stat timeouts)
segs0=$(xt_stat segs_out)
stream BULK2_PID
wait_for "the second stream under way" 5 segs_out_above $((segs0 + 1000))
t0=$(now_ms)
ip -n "$NS_B" addr del "$IP_B/$PREFIX" dev "$IF_B"
on_exit ip -n "$NS_B" addr add "$IP_B/$PREFIX" dev "$IF_B"
wait_for "the stream's connection freed within ${GONE_S}s of b's address going" "$GONE_S" all_freed
took=$(ms_since "$t0")
wait_for "timeouts grew" 2 stat_ge timeouts $((timeouts0 + 1))
pass "address removed: freed by the RTO in ${took} ms ($(stats_line timeouts rto_expiries))"
reap "$BULK2_PID"
stop_xtcpd
