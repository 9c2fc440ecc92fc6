#!/usr/bin/env bash
# xtcp-bench counts what happened, checked against the servers' own
# counters over its whole run (the JSON's "total", warm-up and drain in):
#
#   1. crr, xdp engine, against xtcpd (cookies always): the connections it
#      completed are exactly the ones xtcpd opened (passive_opens), and
#      every SYN it sent became one (no timeouts)
#   2. crr, xdp engine, against the Linux kernel (tools/kernel_httpd.c):
#      completed == TcpPassiveOpens
#   3. crr, kernel engine, against the Linux kernel: completed <=
#      TcpPassiveOpens <= completed + the connections still open at the end
#   4. synflood at 20000 SYN/s against xtcpd: the SYN-ACKs counted by the
#      client's XDP == xtcpd's tx_synack_cookie, at least half of the SYNs
#   5. the same against Linux with tcp_syncookies=2: == SyncookiesSent
#   1b. --path (kernel engine): whole HTTP responses by Content-Length; a
#      404 counts as an error
#
# Each load lasts 1 s (0.3 s of warm-up before it). No speed is asserted.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

XBENCH=$BUILD/xtcp-bench
PORT=80
CONNS=16
FLOOD_RATE=20000

[ -x "$XBENCH" ] || fail "no $XBENCH: run make"
tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
# Flood sources come from all of 198.18.0.0/15: Linux answers them via b.
ip -n "$NS_A" route add 198.18.0.0/15 via "$IP_B"

# jnum JSON KEY: the number after "KEY": in the "total" part of JSON.
jnum() {
	local total=${1#*\"total\":}
	[[ $total =~ \"$2\":([0-9]+) ]] || fail "no $2 in: $1"
	echo "${BASH_REMATCH[1]}"
}

# ctr_a NAME: kernel counter NAME (nstat's name) in side a's namespace.
ctr_a() {
	on_a nstat -asz "$1" | awk -v n="$1" '$1 == n { print $2; f = 1 } END { exit !f }'
}

xtcpd_opens() { xtcpctl stats | awk '$1 == "passive_opens" { print $2 }'; }
xtcpd_cookies() { xt_stat tx_synack_cookie; }
linux_opens() { ctr_a TcpPassiveOpens; }
linux_cookies() { ctr_a TcpExtSyncookiesSent; }

# counted COUNTER ARG...: bench ARG..., its JSON line in OUT, and in GREW
# how much the server's COUNTER (a function above) grew meanwhile.
counted() {
	local counter=$1 after
	shift
	BEFORE=$("$counter")
	OUT=$(bench "$@")
	after=$("$counter")
	GREW=$((after - BEFORE))
}

# settled COUNTER WANT: xtcpd publishes its counters every 100 ms, so the
# last of a run may land after the bench returns: wait (bounded) until
# COUNTER has grown by WANT since BEFORE, then take GREW again (an
# over-count still fails the assert that follows).
grown() { [ $(($("$1") - BEFORE)) -ge "$2" ]; }
settled() {
	wait_for "$1 to grow by $2" 3 grown "$1" "$2"
	GREW=$(($("$1") - BEFORE))
}

# bench ARG...: xtcp-bench on side b, its JSON line.
bench() {
	on_b timeout 30 "$XBENCH" "$@" --iface "$IF_B" --server "$IP_A" \
		--port "$PORT" --duration 1 --warmup 0.3 --json 2>"$WORKDIR/human.log" ||
		fail "xtcp-bench $1 failed: $(cat "$WORKDIR/human.log")"
	sed 's/^/  | /' "$WORKDIR/human.log" >&2
}

# 1. xdp engine against xtcpd.
start_xtcpd xtcpd.log --listen "$PORT:http" --syncookies always --msl 1
counted xtcpd_opens crr --engine xdp --conns "$CONNS"
done_=$(jnum "$OUT" completed)
assert_ge "crr connections completed against xtcpd" "$done_" 100
settled xtcpd_opens "$done_"
assert_eq "xtcpd passive opens = completed" "$GREW" "$done_"
assert_eq "SYNs sent = completed" "$(jnum "$OUT" syn_sent)" "$done_"
assert_eq "slots restarted" "$(jnum "$OUT" timeouts)" 0
pass "xdp engine: $done_ connections, each one xtcpd opened"

# 1b. --path: any HTTP server's response, read to its Content-Length;
# xtcpd's http answers GET /N with N bytes, and 404 to what it cannot.
counted xtcpd_opens crr --engine kernel --conns 4 --path /5000
done_=$(jnum "$OUT" ops)
assert_ge "crr --path /5000 connections completed" "$done_" 100
assert_eq "crr --path /5000 errors" "$(jnum "$OUT" errors)" 0
counted xtcpd_opens crr --engine kernel --conns 4 --path /nothing-here
assert_eq "crr --path to a 404: none completed" "$(jnum "$OUT" ops)" 0
assert_ge "crr --path to a 404: counted as errors" "$(jnum "$OUT" errors)" 100
pass "kernel engine --path: $done_ whole 5000-byte responses; a 404 is an error"

# 4. Flood against xtcpd.
counted xtcpd_cookies synflood --flood-rate "$FLOOD_RATE"
sent=$(jnum "$OUT" flood_sent)
synacks=$(jnum "$OUT" flood_synack)
assert_ge "SYN-ACKs counted" "$synacks" $((sent / 2))
assert_eq "SYN-ACKs counted = xtcpd's cookie SYN-ACKs" "$synacks" "$GREW"
pass "synflood: $sent SYNs, $synacks SYN-ACKs counted, as many as xtcpd sent"
stop_xtcpd

# The Linux side: XDP_PASS on a (frames sent with XDP_TX reach a veth only
# when it runs XDP), kernel_httpd serving the same bytes.
ip -n "$NS_A" link set dev "$IF_A" xdpdrv obj "$BUILD/bpf/pass.bpf.o" sec xdp
spawn a KHTTPD khttpd.log "$BUILD/kernel_httpd" "$PORT"
wait_for "kernel_httpd ready" 5 grep -q ready "$WORKDIR/khttpd.log"

# 2. xdp engine against Linux.
counted linux_opens crr --engine xdp --conns "$CONNS"
done_=$(jnum "$OUT" completed)
assert_ge "crr connections completed against Linux" "$done_" 100
assert_eq "Linux passive opens = completed" "$GREW" "$done_"
pass "xdp engine: $done_ connections, each one Linux opened"

# 3. kernel engine against Linux.
counted linux_opens crr --engine kernel --conns "$CONNS"
done_=$(jnum "$OUT" ops)
assert_ge "kernel engine connections completed" "$done_" 100
assert_ge "Linux passive opens >= completed" "$GREW" "$done_"
assert_ge "completed + open at the end >= Linux passive opens" \
	"$((done_ + CONNS))" "$GREW"
assert_eq "kernel engine errors" "$(jnum "$OUT" errors)" 0
pass "kernel engine: $done_ connections, Linux opened $GREW"

# 5. Flood against Linux, every SYN answered with a cookie.
on_a sysctl -qw net.ipv4.tcp_syncookies=2
counted linux_cookies synflood --flood-rate "$FLOOD_RATE"
synacks=$(jnum "$OUT" flood_synack)
assert_ge "SYN-ACKs counted from Linux" "$synacks" $(($(jnum "$OUT" flood_sent) / 2))
assert_eq "SYN-ACKs counted = Linux's SyncookiesSent" "$synacks" "$GREW"
pass "synflood: $synacks SYN-ACKs counted, as many as Linux sent"

# xtcp-bench put the testbed's XDP_PASS back on b.
ip -n "$NS_B" -d link show dev "$IF_B" | grep -q 'prog/xdp .* name xtcp_pass ' ||
	fail "the testbed's xtcp_pass is not back on $IF_B after xtcp-bench"
pass "done"
