# shellcheck shell=bash
# What the make bench scripts share, sourced after tests/integration/lib.sh.

# napi_pin NS IF CPU: IF's NAPI as a thread, pinned to CPU, SCHED_FIFO
# (NAPI_PRIO, default 50; 0 leaves it SCHED_OTHER) so that it preempts
# processes as softirq work would. With softirq NAPI a veth's receive work
# runs on the CPU that sent to it, and each side's CPU time would hold
# the other's.
# BENCH_NAPI=softirq leaves NAPI in softirq context instead (the CPU
# figures then mix the two sides; latencies lose a thread wakeup each way).
napi_pin() {
	local ns=$1 dev=$2 cpu=$3 p comm pid found=0
	if [ "${BENCH_NAPI:-threaded}" = softirq ]; then
		ip netns exec "$ns" sh -c "echo 0 > /sys/class/net/$dev/threaded"
		return 0
	fi
	ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded"
	for p in /proc/[0-9]*; do
		comm=$(cat "$p/comm" 2>/dev/null) || continue
		pid=${p#/proc/}
		case $comm in
		"napi/$dev"*)
			taskset -pc "$cpu" "$pid" >/dev/null && found=1
			[ "${NAPI_PRIO:-50}" = 0 ] || chrt -f -p "${NAPI_PRIO:-50}" "$pid" ;;
		esac
	done
	[ "$found" = 1 ] || say "  warning: no NAPI thread of $dev to pin"
}
