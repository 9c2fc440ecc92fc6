#!/usr/bin/env bash
# `make bench`, the data path: xtcpd against the Linux kernel's TCP on the
# same impaired testbed, in the same run. 20 MB go through an echo server
# and back (socat on side b, sha256 checked); the time is the client's,
# from connect to the last byte back. Servers on side a: xtcpd's echo
# service, and tools/kernel_echo.c on kernel sockets (TSO/GSO off on a's
# veth, so both stacks send MSS-sized segments). tools/impair on side b
# impairs both directions. One table per congestion control (BENCH_CC,
# "cubic bbr"), xtcpd and the kernel running the same one. Each round runs
# the two servers back to back and the ratio is taken within the round;
# the tables show medians.
# Prints figures; asserts nothing (speed is not a test).
#
#   BENCH_RUNS (3) rounds per case, BENCH_MB (20) megabytes each way,
#   BENCH_CASES to pick cases by name (default: all of them).
set -Eeuo pipefail
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$(dirname "$0")/../tests/integration/lib_engine.sh"
trap - ERR

RUNS=${BENCH_RUNS:-3}
MB=${BENCH_MB:-20}
XPORT=7
KPORT=7007
IMPAIR=$BUILD/impair
KECHO=$BUILD/kernel_echo

# name | impair flags
CASES=(
	"clean|"
	"loss 1%|--loss 1%"
	"loss 3% + dup 2%|--loss 3% --dup 2%"
	"reorder 25%|--reorder 25%"
	"delay 10ms ±5ms|--delay 10ms --jitter 5ms"
)

median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'
}

# The machine's busy jiffies so far (all CPUs: both ends run here).
cpu_busy() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

# echo_time PORT: seconds for MB through the echo on PORT and back, or
# "fail" when the bytes came back wrong or not at all in time.
echo_time() {
	local t0 out=$WORKDIR/echo.out
	t0=$(now_ms)
	if ! on_b timeout 120 socat -b 65536 -t 60 - "TCP:$IP_A:$1" \
		<"$WORKDIR/echo.in" >"$out" 2>/dev/null ||
		! cmp -s "$WORKDIR/echo.in" "$out"; then
		echo fail
		return
	fi
	awk -v ms="$(ms_since "$t0")" 'BEGIN { printf "%.3f\n", ms / 1000 }'
}

# Failed transfers read as "fail"; numbers only in the arithmetic.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "x%.2f", a / b; else print "n/a" }'
}

mbps() {
	awk -v s="$1" -v mb="$MB" 'BEGIN { if (s + 0 > 0) printf "%.0f", mb * 8 * 1.048576 / s; else print "n/a" }'
}

# busy jiffies over seconds: % of one CPU (USER_HZ is 100)
cpu_pct() {
	awk -v j="$1" -v s="$2" 'BEGIN { if (s + 0 > 0) printf "%.0f", j / s; else print "n/a" }'
}

# RTOs so far: the kernel's on side a (TcpExtTCPTimeouts), xtcpd's own.
kernel_rtos() {
	on_a nstat -az TcpExtTCPTimeouts 2>/dev/null | awk '$1 == "TcpExtTCPTimeouts" { print $2 }'
}

start_impair() {
	[ -n "$1" ] || return 0
	# shellcheck disable=SC2086 # the flags are words
	spawn a IMPAIR_PID impair.log "$IMPAIR" --netns "$NS_B" --dev "$IF_B" \
		--seed 1 $1
	wait_for "impair ready" 5 grep -q "impair: ready" "$WORKDIR/impair.log"
}

stop_impair() {
	[ -n "${IMPAIR_PID:-}" ] || return 0
	reap "$IMPAIR_PID" TERM 10
	IMPAIR_PID=
}

[ -x "$IMPAIR" ] && [ -x "$KECHO" ] || fail "$IMPAIR or $KECHO is missing: run make"
tb_up benchdp
on_a ethtool -K "$IF_A" tso off gso off >/dev/null 2>&1 || :
# The kernel's default algorithm here (this VM's is bbr; Debian's, cubic).
KDEF=$(on_a sysctl -n net.ipv4.tcp_congestion_control)
head -c $((MB * 1048576)) /dev/urandom >"$WORKDIR/echo.in"

printf 'xtcp bench, data path: %s MB echoed each way, %s rounds, medians; %s CPUs, %s\n' \
	"$MB" "$RUNS" "$(nproc)" "$(uname -r)"
printf "One table per congestion control, xtcpd (--cc) and the kernel (TCP_CONGESTION)\n"
printf "running the same one; this kernel's default is %s.\n" "$KDEF"

# table CC: every case, xtcpd --cc CC against kernel_echo with CC.
table() {
	local cc=$1 c name flags k x rtos krto0 xrto0 c0 c1 c2
	local -a ks xs rs kc xc
	spawn a KECHO_PID "kecho-$cc.log" "$KECHO" "$KPORT" "$cc"
	wait_for "kernel_echo ($cc) ready" 5 grep -q ready "$WORKDIR/kecho-$cc.log"
	start_xtcpd "xtcpd-$cc.log" --listen "$XPORT:echo" --msl 1 --cc "$cc"
	printf '\n%s\n%-18s %10s %10s %8s %10s %10s %9s %9s %10s\n' "$cc" "impairment" \
		"Linux s" "xtcpd s" "ratio" "Linux Mb/s" "xtcpd Mb/s" "Linux cpu" \
		"xtcpd cpu" "RTOs L/x"
	for c in "${CASES[@]}"; do
		name=${c%%|*}
		flags=${c#*|}
		case ",${BENCH_CASES:-$name}," in *",$name,"*) ;; *) continue ;; esac
		start_impair "$flags"
		ks=() xs=() rs=() kc=() xc=()
		krto0=$(kernel_rtos) xrto0=$(xt_stat rto_expiries)
		for _ in $(seq "$RUNS"); do
			c0=$(cpu_busy)
			k=$(echo_time "$KPORT")
			c1=$(cpu_busy)
			x=$(echo_time "$XPORT")
			c2=$(cpu_busy)
			ks+=("$k") xs+=("$x") rs+=("$(ratio "$x" "$k")")
			kc+=("$(cpu_pct $((c1 - c0)) "$k")")
			xc+=("$(cpu_pct $((c2 - c1)) "$x")")
		done
		stop_impair
		rtos="$(($(kernel_rtos) - krto0))/$(($(xt_stat rto_expiries) - xrto0))"
		k=$(printf '%s\n' "${ks[@]}" | median)
		x=$(printf '%s\n' "${xs[@]}" | median)
		printf '%-18s %10s %10s %8s %10s %10s %8s%% %8s%% %10s\n' "$name" "$k" "$x" \
			"$(printf '%s\n' "${rs[@]}" | tr -d x | median | sed 's/^[0-9]/x&/')" \
			"$(mbps "$k")" "$(mbps "$x")" \
			"$(printf '%s\n' "${kc[@]}" | median)" "$(printf '%s\n' "${xc[@]}" | median)" \
			"$rtos"
		echo "    rounds: Linux ${ks[*]}; xtcpd ${xs[*]}" >&2
	done
	echo "xtcpd: $(stats_line retransmits fast_retransmits rto_expiries tlp_probes tlp_recoveries dsacks undos)"
	stop_xtcpd
	reap "$KECHO_PID" TERM 5
	KECHO_PID=
}

for cc in ${BENCH_CC:-cubic bbr}; do
	table "$cc"
done
echo
echo "(ratio: xtcpd's time / Linux's, within each round; cpu: the machine's busy"
echo " time over the transfer, both ends, in % of one CPU; RTOs: the server's, all"
echo " rounds)"
