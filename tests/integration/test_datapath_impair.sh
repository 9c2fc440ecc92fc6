#!/usr/bin/env bash
# The data path on a bad link: 20 MB each way (4 MB for "all", see ALL_MB)
# through xtcpd's echo, with
# tools/impair (build/impair) impairing side b's veth in both directions,
# under each impairment of issue 8 and all of them at once, with xtcpd as
# the server and as the active opener.
#
#   impairments (both directions):
#     loss1      1% loss
#     loss3dup2  3% loss, 2% duplication
#     reorder25  25% reordered (held back 1 ms)
#     delay10    10 ms ± 5 ms delay (RTT 20 ms ± 7)
#     corrupt1   1% corrupted (a payload byte, or a checksum bit)
#     all        3% loss, 2% dup, 25% reorder, 10 ms ± 5 ms, 1% corrupt
#   modes:
#     server     xtcpd --listen PORT:echo; socat on b sends N MB, shuts
#                its write side, reads the echo
#     active     socat listens on b, sends N MB, shuts, reads the echo;
#                xtcpd --connect IP_B:PORT:echo
#
# Per case, with a fresh xtcpd and a fresh impair: the client ends in time
# (timeout), exit 0, every byte back with sha256 equal; b's TSO and GSO are
# off while it runs (impair, and xtcpd's XDP, turn them off); afterwards no
# connection state in xtcpd, none on b but TIME-WAIT, xtcpd alive and
# exiting 0 on SIGTERM. When segments were corrupted, every one was caught
# by a checksum: b's TcpInCsumErrors grew by impair's a -> b count, and
# xtcpd's bad_csum (plus XDP's drop_bad_csum) by its b -> a count.
# Resets are printed, not asserted: a duplicate or reordered ACK of xtcpd's
# FIN that arrives after LAST-ACK => CLOSED gets a RST, as from any TCP.
#
# Each case prints its time and xtcpd's loss-recovery counters, so a
# regression shows; nothing asserts a speed. A failing case does not stop
# the others: the test fails at the end, naming them.
#
#   XTCP_DATAPATH_MB=N          megabytes each way in every case (default:
#                               20, and 4 for "all", see ALL_MB)
#   XTCP_DATAPATH_CASE_S=N      seconds each transfer may take (default:
#                               several times what it takes here)
#   XTCP_DATAPATH_CASES="server/loss1 active/all"   run only these
#   XTCP_DATAPATH_SEED=N        impair's seed (default: one per case, fixed)
#   XTCP_DATAPATH_TRACE=1       per case, a capture on b (tcpdump -s 128) and
#                               xtcpd -v; keep them with XTCP_KEEP=1
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

IMPAIR_BIN=$BUILD/impair
PORT=5000
RANGE=62000-62099
MB=$((1024 * 1024))
# At 3% loss and a 20 ms RTT a loss-based congestion control moves about
# 0.5 MB/s (Mathis: MSS/RTT * 1.22/sqrt(p)); Linux's CUBIC took 72 s for
# 20 MB each way of "all" here, 14 s for 4 MB. So "all" moves 4 MB by
# default, everything else 20 MB; XTCP_DATAPATH_MB=20 makes every case
# 20 MB (then give run.sh XTCP_TEST_TIMEOUT=600).
ALL_MB=4
# No case starts after this many seconds, so that with the default sizes
# the last one, its evidence and cleanup still end within run.sh's limit.
BUDGET_S=$((${XTCP_TEST_TIMEOUT:-300} - 80))
TRACE=${XTCP_DATAPATH_TRACE:-0}
MODES="server active"
IMPAIRMENTS="loss1 loss3dup2 reorder25 delay10 corrupt1 all"
# xtcpd's counters worth seeing per case (those this xtcpd has).
COUNTERS="retransmits fast_retransmits timeouts rto_expiries tlp_probes
	tlp_recoveries dsacks undos sack_renegings ooo_segments bad_csum
	resets_sent resets_received"

[ -x "$IMPAIR_BIN" ] || fail "no $IMPAIR_BIN: run make"

# impair_args NAME: impair's flags for impairment NAME.
impair_args() {
	case $1 in
	loss1) echo "--loss 1%" ;;
	loss3dup2) echo "--loss 3% --dup 2%" ;;
	reorder25) echo "--reorder 25%" ;;
	delay10) echo "--delay 10ms --jitter 5ms" ;;
	corrupt1) echo "--corrupt 1%" ;;
	all) echo "--loss 3% --dup 2% --reorder 25% --delay 10ms --jitter 5ms --corrupt 1%" ;;
	*) return 1 ;;
	esac
}

# case_mb IMPAIRMENT: megabytes each way.
case_mb() {
	if [ -n "${XTCP_DATAPATH_MB:-}" ]; then
		echo "$XTCP_DATAPATH_MB"
	elif [ "$1" = all ]; then
		echo "$ALL_MB"
	else
		echo 20
	fi
}

# case_deadline IMPAIRMENT MB: seconds the transfer may take, several
# times what it takes here (20 MB: 2 to 16 s alone, "all" 4 MB: 14 s).
case_deadline() {
	if [ "$1" = all ]; then
		echo $((15 + 8 * $2))
	else
		echo $((20 + 2 * $2))
	fi
}

# --- helpers ---------------------------------------------------------------------

# ctr_b NAME: kernel counter NAME (nstat's name) in side b's namespace.
ctr_b() {
	on_b nstat -asz "$1" | awk -v n="$1" '$1 == n { print $2; f = 1 } END { exit !f }'
}

# impair_count LOG DIR NAME: counter NAME of direction DIR (in: a -> b,
# out: b -> a) from impair's last text report in LOG.
impair_count() {
	awk -v d="$2" -v n="$3" '$1 == "impair:" && $2 == d {
		for (i = 3; i < NF; i += 2) if ($i == n) v = $(i + 1) }
		END { if (v == "") exit 1; print v }' "$(workfile "$1")"
}

IMPAIR_PID=
impair_ready() {
	grep -q "ready" "$1" && return 0
	alive "$IMPAIR_PID" || cat "$1"
	return 1
}

# b_offloads: "tso gso" of b's veth, as ethtool -k prints them (off, on,
# "off [fixed]" reads off).
b_offloads() {
	on_b ethtool -k "$IF_B" | awk '
		$1 == "tcp-segmentation-offload:" { t = $2 }
		$1 == "generic-segmentation-offload:" { g = $2 }
		END { print t, g }'
}

# b_left: b's sockets to or from IP_A other than TIME-WAIT and listeners,
# one per line; succeeds when there is none (for wait_for).
b_left() {
	local s
	s=$(on_b ss -Htan state all "( dst $IP_A )" | awk '$1 != "TIME-WAIT" && $1 != "LISTEN"') ||
		return 1
	[ -z "$s" ] || {
		echo "$s"
		return 1
	}
}

# xt_sum NAME...: the sum of these xtcpctl stats counters (absent ones
# count 0).
xt_sum() {
	local out
	out=$(xtcpctl stats) || return 1
	awk -v names=" $* " 'index(names, " " $1 " ") { s += $2 } END { print s + 0 }' <<<"$out"
}

# sum_is N NAME...: whether xt_sum NAME... is N (for wait_for).
sum_is() {
	local want=$1 v
	shift
	v=$(xt_sum "$@") || return 1
	echo "$* = $v, want $want"
	[ "$v" -eq "$want" ]
}

# evidence: what a failed case leaves for whoever reads the log.
EVIDENCE_DONE=
evidence() {
	EVIDENCE_DONE=1
	echo "  --- evidence ---"
	echo "  bytes back: $(size "$OUT" 2>/dev/null || echo none) of $BYTES"
	if [ -n "$XTCPD_PID" ] && alive "$XTCPD_PID"; then
		# shellcheck disable=SC2086 # a list of names
		echo "  xtcpd counters: $(stats_line $COUNTERS segs_in segs_out \
			conns_established conns_fin_wait1 conns_fin_wait2 conns_close_wait \
			conns_last_ack conns_closing conns_time_wait)"
	else
		echo "  xtcpd is not running"
	fi
	echo "  b's sockets (ss -tin):"
	on_b ss -Htin state all "( dst $IP_A )" 2>&1 | paste - - | grep -v '^TIME-WAIT' | sed 's/^/  | /'
	[ "$TRACE" != 1 ] || echo "  capture: $PCAP (kept with XTCP_KEEP=1)"
}

# --- one case --------------------------------------------------------------------------

# run_case MODE IMPAIRMENT SEED: one transfer. Runs in a subshell of its own
# (see below): fail ends the case, not the test, and the case's own
# cleanup stack stops what it started.
run_case() {
	local mode=$1 imp=$2 seed=$3 args verbose=() rc=0 t0 ms csum0 client mb in
	mb=$(case_mb "$imp")
	BYTES=$((mb * MB))
	CASE_S=${XTCP_DATAPATH_CASE_S:-$(case_deadline "$imp" "$mb")}
	in=$WORKDIR/in.$mb
	[ -s "$in" ] || head -c "$BYTES" /dev/urandom >"$in"
	# shellcheck disable=SC2207 # the flags, split on purpose
	args=($(impair_args "$imp")) || fail "no impairment '$imp'"
	OUT=$WORKDIR/out.$mode.$imp
	PCAP=$WORKDIR/$mode.$imp.pcap
	rm -f "$OUT"
	[ "$TRACE" != 1 ] || verbose=(-v)

	spawn host IMPAIR_PID "impair.$mode.$imp.log" "$IMPAIR_BIN" --netns "$NS_B" \
		--dev "$IF_B" --seed "$seed" "${args[@]}"
	wait_for "impair ${args[*]} ready" 5 impair_ready "$(workfile "impair.$mode.$imp.log")"
	if [ "$TRACE" = 1 ]; then
		capture TCPDUMP_PID "$PCAP" "tcp and host $IP_A"
	fi
	csum0=$(ctr_b TcpInCsumErrors)

	case $mode in
	server)
		start_xtcpd "xtcpd.$mode.$imp.log" "${verbose[@]}" --listen "$PORT:echo" >/dev/null
		assert_eq "b's TSO and GSO while xtcpd and impair run" "$(b_offloads)" "off off"
		t0=$(now_ms)
		spawn b client "socat.$mode.$imp.log" timeout $((CASE_S + 10)) bash -c \
			"exec socat -b 65536 -t 600 - TCP:$IP_A:$PORT <$in >$OUT"
		;;
	active)
		spawn b client "socat.$mode.$imp.log" timeout $((CASE_S + 10)) bash -c \
			"exec socat -b 65536 -t 600 TCP-LISTEN:$PORT,reuseaddr - <$in >$OUT"
		wait_for "socat listening on $IP_B:$PORT" 5 \
			on_b bash -c "ss -Hltn 'sport = :$PORT' | grep -q ."
		t0=$(now_ms)
		start_xtcpd "xtcpd.$mode.$imp.log" "${verbose[@]}" \
			--connect "$IP_B:$PORT:echo" --local-ports "$RANGE" >/dev/null
		assert_eq "b's TSO and GSO while xtcpd and impair run" "$(b_offloads)" "off off"
		;;
	esac
	# socat -t: how long it waits for the echo after its own EOF; far
	# beyond CASE_S, so that it only ends in time if xtcpd echoes
	# everything and closes. A client still running at the deadline is
	# looked at while its connection still exists, then stopped.
	if ! wait_exit "$client" "$CASE_S"; then
		evidence
		reap "$client" TERM 5
		fail "$mode/$imp: the client still ran after ${CASE_S}s (stuck connection?)"
	fi
	reap "$client"
	rc=$REAP_STATUS
	ms=$(ms_since "$t0")

	assert_eq "$mode/$imp: client exit status" "$rc" 0
	assert_eq "$mode/$imp: bytes back" "$(size "$OUT")" "$BYTES"
	assert_eq "$mode/$imp: sha256 back" "$(sha "$OUT")" "$(sha "$in")"
	alive "$XTCPD_PID" || fail "$mode/$imp: xtcpd died"
	wait_for "no connection left in xtcpd" 10 conns_open
	wait_for "no socket left on b but TIME-WAIT" 10 b_left

	# Every corrupted segment caught by a checksum: a's in xtcpd (or XDP,
	# for a segment of a connection already gone), b's in its kernel.
	# impair's counts are final once it stopped; a segment it still held
	# then goes nowhere, but none is left this long after the last one.
	reap "$IMPAIR_PID" TERM 5
	assert_eq "impair exit status after SIGTERM" "$REAP_STATUS" 0
	local log=impair.$mode.$imp.log c_in c_out
	c_in=$(impair_count "$log" in corrupted)
	c_out=$(impair_count "$log" out corrupted)
	for n in send_errors kernel_dropped overflow; do
		assert_eq "impair $n" "$(($(impair_count "$log" in "$n") + $(impair_count "$log" out "$n")))" 0
	done
	if [ $((c_in + c_out)) -gt 0 ]; then
		wait_for "xtcpd's bad_csum + drop_bad_csum = $c_out corrupted b -> a" 3 \
			sum_is "$c_out" bad_csum drop_bad_csum
		assert_eq "b's TcpInCsumErrors growth = corrupted a -> b" \
			$(($(ctr_b TcpInCsumErrors) - csum0)) "$c_in"
	fi
	# shellcheck disable=SC2086 # a list of names
	echo "  $mode/$imp: $mb MB each way in $ms ms;" \
		"$(stats_line $COUNTERS)"
	echo "    impair a->b dropped $(impair_count "$log" in dropped) dup $(impair_count "$log" in duplicated)" \
		"reordered $(impair_count "$log" in reordered) corrupted $c_in;" \
		"b->a dropped $(impair_count "$log" out dropped) dup $(impair_count "$log" out duplicated)" \
		"reordered $(impair_count "$log" out reordered) corrupted $c_out"
	stop_xtcpd >/dev/null
	printf '%s MB each way, sha256 equal, closed, nothing left (%s ms)\n' "$mb" "$ms" \
		>"$WORKDIR/result.$mode.$imp"
	rm -f "$OUT"
}

# case_exit: the EXIT trap of a case's subshell: evidence when it failed,
# then its own cleanup stack (not the test's, and WORKDIR stays).
case_exit() {
	local rc=$? i
	trap - ERR
	set +e
	[ "$rc" -eq 0 ] || [ -n "$EVIDENCE_DONE" ] || evidence
	for ((i = ${#_ON_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${_ON_EXIT[i]}"
	done
	exit "$rc"
}

# --- the cases ---------------------------------------------------------------------------

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"

all_cases=
for imp in $IMPAIRMENTS; do
	for mode in $MODES; do
		all_cases="$all_cases $mode/$imp"
	done
done
cases=${XTCP_DATAPATH_CASES:-$all_cases}

# case_seed CASE: impair's seed for CASE, its place in the full list, so
# that a case draws the same whether it runs alone or with the others.
case_seed() {
	local c i=0
	for c in $all_cases; do
		i=$((i + 1))
		[ "$c" != "$1" ] || break
	done
	echo "${XTCP_DATAPATH_SEED:-$i}"
}

failed=
ERR_TRAP=$(trap -p ERR)
t_all=$(now_ms)
for c in $cases; do
	if [ "$(ms_since "$t_all")" -gt $((BUDGET_S * 1000)) ]; then
		echo "  FAIL: case $c not run: the test has run ${BUDGET_S}s already" >&2
		failed="$failed $c"
		continue
	fi
	mode=${c%%/*}
	imp=${c#*/}
	seed=$(case_seed "$c")
	# The case's failure is counted here, not reported again by the ERR
	# trap, which the case itself keeps.
	set +e
	trap - ERR
	(
		set -e
		eval "$ERR_TRAP"
		_ON_EXIT=()
		trap case_exit EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		run_case "$mode" "$imp" "$seed"
	)
	rc=$?
	eval "$ERR_TRAP"
	set -e
	if [ "$rc" -eq 0 ]; then
		pass "$c: $(cat "$WORKDIR/result.$mode.$imp")"
	else
		echo "  FAIL: case $c (impair seed $seed)" >&2
		failed="$failed $c"
	fi
done
echo "  all cases: $(ms_since "$t_all") ms"
[ -z "$failed" ] || fail "cases failed:$failed"
pass "every case: bytes intact both ways, no stuck or leftover connection, xtcpd alive"
