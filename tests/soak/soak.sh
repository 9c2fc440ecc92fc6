#!/usr/bin/env bash
# make soak: the long variants of the fault and attack tests, under load, on
# one veth testbed (issue 12). Minutes, not seconds, and not part of make
# check. Each phase is bounded; the whole run ends within about
#   SOAK_ROUNDS x (SOAK_CRR_S + SOAK_FLOOD_S + 15) + SOAK_RESTARTS x 10
#   + SOAK_UMEM_S + 60 seconds.
#
#   1. one xtcpd, SOAK_ROUNDS rounds of: xtcp-bench crr for SOAK_CRR_S;
#      a SYN flood for SOAK_FLOOD_S while 8 downloads run (exact bodies);
#      the peer vanishing (b's veth down) with three connections open,
#      all freed by their timers. After the last round, against the
#      baseline taken after a warm-up: no connection in xtcpd, in
#      `xtcpctl conns` or in the conns map; xtcpd's RSS within
#      SOAK_RSS_SLACK_PCT percent (plus 4 MB) and its open fds equal
#   2. SOAK_RESTARTS times: kill -9 in the middle of downloads, restart;
#      the next downloads are exact, nothing is left open
#   3. --umem-frames 16 for SOAK_UMEM_S: parallel downloads in a loop, all
#      exact; connections back to 0, RSS back within the same bound
#
# Run it as root, alone on the testbed:
#   flock /tmp/xtcp-testbed.lock make soak [SOAK_ROUNDS=3 SOAK_CRR_S=60 ...]
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/../integration/lib_engine.sh"

SOAK_ROUNDS=${SOAK_ROUNDS:-3}
SOAK_CRR_S=${SOAK_CRR_S:-60}
SOAK_FLOOD_S=${SOAK_FLOOD_S:-20}
SOAK_FLOOD_RATE=${SOAK_FLOOD_RATE:-20000}
SOAK_RESTARTS=${SOAK_RESTARTS:-3}
SOAK_UMEM_S=${SOAK_UMEM_S:-60}
SOAK_RSS_SLACK_PCT=${SOAK_RSS_SLACK_PCT:-25}
HTTP=80
ECHO=7
PAR=8
SIZE=2000000
XBENCH=$BUILD/xtcp-bench
KEEPALIVE=1,1,2		# idle, interval, count
ARGS=(--listen "$HTTP:http" --listen "$ECHO:echo" --msl 1 --retries 4
	--rto-min 50 --keepalive "$KEEPALIVE")

[ -x "$XBENCH" ] || fail "no $XBENCH: run make"
[ "$(id -u)" -eq 0 ] || fail "make soak needs root (namespaces, XDP)"
tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
# Flood sources come from all of 198.18.0.0/15: Linux answers them via b.
ip -n "$NS_A" route add 198.18.0.0/15 via "$IP_B"
pattern "$SIZE" >"$WORKDIR/want"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$XTCPD_PID/status"; }
fds() { find "/proc/$XTCPD_PID/fd" -mindepth 1 | wc -l; }
elapsed() { echo "$((($(now_ms) - T_START) / 1000)) s"; }
conns_entries() {
	local out
	out=$(bpftool -j map dump pinned "$PIN_DIR/conns") || return 1
	{ grep -o '"rport":' <<<"$out" || :; } | wc -l
}
# Nothing open: state counts, xtcpctl conns, the conns map.
all_freed() {
	conns_open || return 1
	[ "$(xtcpctl --json conns)" = '{"conns":[]}' ] || return 1
	[ "$(conns_entries)" -eq 0 ]
}

# bench ARG...: xtcp-bench on side b for SECS (the caller's), its JSON.
bench() {
	local secs=$1
	shift
	on_b timeout $((secs + 30)) "$XBENCH" "$@" --iface "$IF_B" --server "$IP_A" \
		--port "$HTTP" --duration "$secs" --warmup 0.5 --json 2>>"$WORKDIR/bench.log" ||
		fail "xtcp-bench $1: $(tail -n 5 "$WORKDIR/bench.log")"
}
jtotal() { # JSON KEY: KEY's number in the "total" part
	local t=${1#*\"total\":}
	[[ $t =~ \"$2\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

# downloads TAG: PAR downloads at once, in the background; PIDs in DL_PIDS.
downloads() {
	local i pid
	DL_PIDS=()
	for i in $(seq 1 "$PAR"); do
		spawn b pid "dl.$1.$i.log" timeout 120 curl -sS --max-time 110 \
			-o "$WORKDIR/body.$1.$i" "http://$IP_A:$HTTP/$SIZE"
		DL_PIDS+=("$pid")
	done
}
# downloads_exact TAG: they all end, exit 0, bodies exact; files removed.
downloads_exact() {
	local i=0 pid
	for pid in "${DL_PIDS[@]}"; do
		i=$((i + 1))
		wait_exit "$pid" 120 || fail "$1: download $i still runs"
		reap "$pid"
		assert_eq "$1: download $i: curl exit" "$REAP_STATUS" 0
		cmp -s "$WORKDIR/want" "$WORKDIR/body.$1.$i" ||
			fail "$1: download $i is not the pattern"
		rm -f "$WORKDIR/body.$1.$i"
	done
}
# downloads_stop: end them, whatever state they are in.
downloads_stop() {
	local pid
	for pid in "${DL_PIDS[@]}"; do reap "$pid" TERM 2; done
	rm -f "$WORKDIR"/body.*
}

# peer_gone: three connections (a stream through echo, a reader that does
# not read, an idle one), b's veth down; all freed by their timers.
peer_gone() {
	local s1 s2 s3 t0
	on_b sysctl -qw net.ipv4.tcp_rmem="4096 65536 131072"
	# shellcheck disable=SC2016 # expanded by the inner bash
	spawn b s1 pg1.log timeout 30 bash -c \
		'exec socat -b 65536 - "TCP:$0:$1" </dev/zero >/dev/null' "$IP_A" "$ECHO"
	spawn b s3 pg3.log timeout 30 socat -u "TCP:$IP_A:$ECHO" -
	wait_for "two connections up" 10 stat_ge conns_established 2
	# Last, and the peer goes as soon as its window closed: the
	# zero-window probes back off while they are answered.
	spawn b s2 pg2.log timeout 30 curl -s --limit-rate 1 -o /dev/null "http://$IP_A:$HTTP/60000000"
	wait_for "the reader's window closed" 10 eval \
		"xtcpctl conns --state established | grep -q 'timers:.*persist'"
	t0=$(now_ms)
	ip -n "$NS_B" link set dev "$IF_B" down
	wait_for "all freed after the peer went away" 20 all_freed
	echo "    peer gone: freed in $(ms_since "$t0") ms"
	ip -n "$NS_B" link set dev "$IF_B" up
	wait_for "the link back" 5 eval \
		"ip -n '$NS_B' link show dev '$IF_B' | grep -q 'state UP'"
	reap "$s1" TERM 2
	reap "$s2" TERM 2
	reap "$s3" TERM 2
	on_b sysctl -qw net.ipv4.tcp_rmem="4096 131072 6291456"
}

T_START=$(now_ms)
on_exit ip -n "$NS_B" link set dev "$IF_B" up

# 1. One xtcpd through rounds of load and faults.
start_xtcpd xtcpd.log "${ARGS[@]}"
bench 5 crr --engine xdp --conns 16 >/dev/null
downloads warmup
downloads_exact warmup
wait_for "warm-up: nothing open" 10 all_freed
rss0=$(rss_kb)
fds0=$(fds)
pass "baseline after a warm-up: RSS $rss0 kB, $fds0 fds"

for r in $(seq 1 "$SOAK_ROUNDS"); do
	out=$(bench "$SOAK_CRR_S" crr --engine xdp --conns 32)
	echo "    round $r: crr $(jtotal "$out" completed) connections in ${SOAK_CRR_S} s," \
		"timeouts $(jtotal "$out" timeouts)"
	downloads "flood$r"
	out=$(bench "$SOAK_FLOOD_S" synflood --flood-rate "$SOAK_FLOOD_RATE")
	downloads_exact "flood$r"
	echo "    round $r: $PAR downloads exact under a flood of $(jtotal "$out" flood_sent) SYNs"
	peer_gone
	alive "$XTCPD_PID" || fail "round $r: xtcpd died"
	wait_for "round $r: nothing open" 10 all_freed
	pass "round $r at $(elapsed): RSS $(rss_kb) kB, $(fds) fds ($(stats_line timeouts keepalive_drops tx_no_frame xsk_fill_empty))"
done
rss1=$(rss_kb)
fds1=$(fds)
[ "$fds1" -eq "$fds0" ] || fail "xtcpd's fds: $fds0 at the baseline, $fds1 after $SOAK_ROUNDS rounds"
[ "$rss1" -le $((rss0 + rss0 * SOAK_RSS_SLACK_PCT / 100 + 4096)) ] ||
	fail "xtcpd's RSS: $rss0 kB at the baseline, $rss1 kB after $SOAK_ROUNDS rounds"
pass "after $SOAK_ROUNDS rounds: nothing open, RSS $rss0 -> $rss1 kB, fds $fds0 -> $fds1"
stop_xtcpd

# 2. Restarts after kill -9 in the middle of downloads.
start_xtcpd xtcpd-r0.log "${ARGS[@]}"
for r in $(seq 1 "$SOAK_RESTARTS"); do
	downloads "kill$r"
	wait_for "downloads under way" 10 stat_ge conns_established 1
	kill_xtcpd KILL
	downloads_stop
	start_xtcpd "xtcpd-r$r.log" "${ARGS[@]}"
	downloads "after$r"
	downloads_exact "after$r"
	wait_for "restart $r: nothing open" 10 all_freed
done
pass "$SOAK_RESTARTS restarts after kill -9 mid-transfer, each followed by exact downloads"
stop_xtcpd

# 3. A tiny UMEM under load.
start_xtcpd xtcpd-umem.log --umem-frames 16 "${ARGS[@]}"
downloads umem0
downloads_exact umem0
wait_for "tiny UMEM warm-up: nothing open" 10 all_freed
rss0=$(rss_kb)
deadline=$(($(now_ms) + SOAK_UMEM_S * 1000))
n=0
while [ "$(now_ms)" -lt "$deadline" ]; do
	n=$((n + 1))
	downloads "umem$n"
	downloads_exact "umem$n"
done
wait_for "tiny UMEM: nothing open" 10 all_freed
rss1=$(rss_kb)
[ "$rss1" -le $((rss0 + rss0 * SOAK_RSS_SLACK_PCT / 100 + 4096)) ] ||
	fail "tiny UMEM: RSS $rss0 kB, then $rss1 kB"
pass "--umem-frames 16: $n rounds of $PAR downloads exact; RSS $rss0 -> $rss1 kB ($(stats_line tx_no_frame xsk_fill_empty retransmits))"
stop_xtcpd
pass "soak done in $(elapsed)"
