#!/usr/bin/env bash
# The AF_XDP frame pool runs dry under load (issue 12, faults): xtcpd with
# --umem-frames 16 (8 frames for RX, 8 for TX, against 4096 by default)
# serves parallel downloads and a connect-request-response load. It slows
# down; it must not corrupt, leak or crash.
#
#   1. --umem-frames that is not a power of two in range: exit 2, one line
#   2. two rounds of 8 parallel 2 MB downloads and 2 s of xtcp-bench crr:
#      every body is the exact pattern, crr completes connections, xtcpd
#      stays up, the pool ran dry (tx_no_frame or xsk_fill_empty counted),
#      every connection ends (state counts back to 0). xtcpd's RSS after
#      each round is printed (make soak checks it over many rounds; here
#      the second round's crr may make a hundred times the first's
#      connections, once SYN cookies take the handshakes off the UMEM).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

HTTP=80
FRAMES=16
PAR=8
SIZE=2000000
XBENCH=$BUILD/xtcp-bench

[ -x "$XBENCH" ] || fail "no $XBENCH: run make"
tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"

# 1. Bad values.
for bad in 100 8 0 abc; do
	rc=0
	on_a timeout 5 "$XTCPD_BIN" --iface "$IF_A" --listen "$HTTP:http" \
		--umem-frames "$bad" >/dev/null 2>"$WORKDIR/bad.err" || rc=$?
	assert_eq "xtcpd --umem-frames $bad: exit status" "$rc" 2
	assert_eq "xtcpd --umem-frames $bad: lines on stderr" "$(wc -l <"$WORKDIR/bad.err")" 1
	grep -q "power of two" "$WORKDIR/bad.err" || fail "unclear: $(cat "$WORKDIR/bad.err")"
done
pass "--umem-frames 100, 8, 0, abc: exit 2, '$(cat "$WORKDIR/bad.err")'"

start_xtcpd xtcpd.log --umem-frames "$FRAMES" --msl 1 --listen "$HTTP:http"

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$XTCPD_PID/status"
}

# round N: PAR downloads at once, then crr; checks every body.
round() {
	local i pids=() rc
	for i in $(seq 1 "$PAR"); do
		spawn b "DL_$i" "dl$1.$i.log" timeout 60 curl -sS --max-time 55 \
			-o "$WORKDIR/body$1.$i" "http://$IP_A:$HTTP/$SIZE"
		pids+=("$(eval echo "\$DL_$i")")
	done
	for pid in "${pids[@]}"; do
		wait_exit "$pid" 60 || fail "round $1: a download still runs after 60 s"
		reap "$pid"
		rc=$REAP_STATUS
		assert_eq "round $1: curl exit status" "$rc" 0
	done
	for i in $(seq 1 "$PAR"); do
		cmp -s "$WORKDIR/want" "$WORKDIR/body$1.$i" ||
			fail "round $1: body $i is not the pattern ($(size "$WORKDIR/body$1.$i") bytes)"
	done
	on_b timeout 30 "$XBENCH" crr --engine xdp --iface "$IF_B" --server "$IP_A" \
		--port "$HTTP" --conns 16 --duration 2 --warmup 0.2 --json \
		>"$WORKDIR/crr$1.json" 2>"$WORKDIR/crr$1.log" ||
		fail "round $1: xtcp-bench crr: $(cat "$WORKDIR/crr$1.log")"
	alive "$XTCPD_PID" || fail "round $1: xtcpd died"
	wait_for "round $1: every connection ended" 10 conns_open
	CRR=$(grep -o '"completed":[0-9]*' "$WORKDIR/crr$1.json" | tail -n 1 | cut -d: -f2)
	assert_ge "round $1: crr connections completed" "$CRR" 1
}

pattern "$SIZE" >"$WORKDIR/want"
t0=$(now_ms)
round 1
took1=$(ms_since "$t0")
crr1=$CRR
rss1=$(rss_kb)
t0=$(now_ms)
round 2
took2=$(ms_since "$t0")
rss2=$(rss_kb)
pass "two rounds of $PAR x $SIZE bytes exact, crr $crr1 then $CRR connections (${took1} ms, ${took2} ms); RSS ${rss1} kB then ${rss2} kB"
dry=$(($(xt_stat tx_no_frame) + $(xt_stat xsk_fill_empty)))
[ "$dry" -gt 0 ] || fail "the pool never ran dry: $(stats_line tx_no_frame xsk_fill_empty)"
pass "the pool ran dry and xtcpd coped: $(stats_line tx_no_frame xsk_fill_empty xsk_rx_dropped retransmits rto_expiries)"
stop_xtcpd
