#!/usr/bin/env bash
# Memory per idle connection, xtcpd's and the Linux kernel's, on the veth
# testbed (issue 12). Run it under the testbed lock:
#
#   flock /tmp/xtcp-testbed.lock tools/mem_per_conn.sh [--max-per-conn B] N...
#
# For each stack in turn, a server on side a listens on port 9 (xtcpd's
# discard service; tools/kernel_httpd, which holds connections with epoll,
# for Linux), and build/conn_hold on side b opens connections from several
# addresses of the testbed's /24 and holds them idle, no byte sent, until
# the server holds each N given (ascending; 0 is the baseline). At each
# point it reads:
#
#   - xtcpd: VmRSS of the process (/proc/PID/status); per connection is the
#     growth since 0 divided by N. The BPF maps (bpftool's memlock, summed
#     over the pins) are preallocated: a fixed part, printed apart.
#   - Linux: the kernel's slab memory (/proc/slabinfo: pages of every
#     cache) and the TCP memory pages (/proc/net/sockstat `mem`). The
#     client's sockets live in the same kernel, so the client's share is
#     what the same counters grew by while xtcpd was the server; the
#     Linux server's is the rest, plus kernel_httpd's own RSS growth.
#
# Prints a table, then "per-conn xtcpd N B" and "per-conn linux N B" lines.
# Fails when a connection is not established, not counted by xtcpd's state
# counters, or lost while held, and, with --max-per-conn, when xtcpd's
# figure exceeds B bytes (not under SAN=1, where RSS means nothing).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"

PORT=9
PER_SRC=25000		# connections per client address (ports to spare)
PER_PROC=15000		# connections per process, client or Linux server
MAX_PER_CONN=
COUNTS=()
while [ $# -gt 0 ]; do
	case $1 in
	--max-per-conn) MAX_PER_CONN=$2; shift 2 ;;
	*[!0-9]* | '') fail "usage: $0 [--max-per-conn BYTES] N..." ;;
	*) COUNTS+=("$1"); shift ;;
	esac
done
[ ${#COUNTS[@]} -gt 0 ] || fail "usage: $0 [--max-per-conn BYTES] N..."
mapfile -t COUNTS < <(printf '%s\n' "${COUNTS[@]}" | sort -n | uniq)
MAX_N=${COUNTS[-1]}
HOLD_BIN=$BUILD/conn_hold
KHTTPD_BIN=$BUILD/kernel_httpd
[ -x "$HOLD_BIN" ] && [ -x "$KHTTPD_BIN" ] || fail "no $HOLD_BIN or $KHTTPD_BIN: run make"

# --- what is measured ------------------------------------------------------

rss_kib() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

# slab_snap FILE: each slab cache's pages, "name KiB" (num_slabs * pages
# per slab), kept in WORKDIR/FILE; prints their sum.
slab_snap() {
	awk -v pk="$(($(getconf PAGESIZE) / 1024))" \
		'NR > 2 { print $1, $15 * $6 * pk }' /proc/slabinfo >"$WORKDIR/$1"
	awk '{ kib += $2 } END { print kib }' "$WORKDIR/$1"
}

# The caches a kernel socket held by a process lives in: the socket, its
# inode and dentry, the file, the epoll item, a port's bind buckets. Other
# caches move with whatever else the machine runs (proc inodes, vmas).
SOCK_CACHES='^(TCP|request_sock_TCP|sock_inode_cache|lsm_inode_cache|dentry|filp|lsm_file_cache|eventpoll_epi|eventpoll_pwq|ep_head|tcp_bind_bucket|tcp_bind2_bucket)$'

# sock_slab FILE: the sum of SOCK_CACHES in a slab_snap file, KiB.
sock_slab() {
	awk -v re="$SOCK_CACHES" '$1 ~ re { kib += $2 } END { print kib + 0 }' \
		"$WORKDIR/$1"
}

# slab_delta FILE0 FILE1: "name KiB" of the caches that grew between them.
slab_delta() {
	awk 'NR == FNR { was[$1] = $2; next }
		$2 > was[$1] { print $1, $2 - was[$1] }' "$WORKDIR/$1" "$WORKDIR/$2"
}

# The kernel's TCP memory (/proc/net/sockstat mem), in KiB.
tcp_mem_kib() {
	awk -v pk="$(($(getconf PAGESIZE) / 1024))" \
		'$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1) * pk }' \
		/proc/net/sockstat
}

# bpftool's memlock of every map xtcpd pinned, in KiB; each one's in
# WORKDIR/maps.txt.
maps_kib() {
	local f total=0 b
	: >"$WORKDIR/maps.txt"
	for f in "$PIN_DIR"/*; do
		b=$(bpftool -j map show pinned "$f" | jq '.bytes_memlock // 0')
		printf '%-12s %8d KiB  (%s entries)\n' "${f##*/}" $((b / 1024)) \
			"$(bpftool -j map show pinned "$f" | jq '.max_entries')" >>"$WORKDIR/maps.txt"
		total=$((total + b))
	done
	echo $((total / 1024))
}

# --- the client ------------------------------------------------------------

# Client addresses on side b: enough for MAX_N at PER_SRC each, from .10 up.
client_addrs() {
	local n=$(((MAX_N + PER_SRC - 1) / PER_SRC)) i list=
	[ "$n" -ge 1 ] || n=1
	for ((i = 0; i < n; i++)); do
		on_b ip addr add "${IP_B%.*}.$((10 + i))/$PREFIX" dev "$IF_B" 2>/dev/null || true
		list+=${list:+,}${IP_B%.*}.$((10 + i))
	done
	on_b sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
	CLIENT_ADDRS=$list
}

HOLD_PIDS=()
HELD=0

# Whether conn_hold's LOG says it is done opening (either way), or it ended.
hold_settled() {
	grep -Eq '^(established|failed)' "$1" || ! alive "$2"
}

# hold_to N: more conn_holds, so that N connections are held in all, at
# most PER_PROC each (a process here may not raise its fd limit past the
# hard one, 20000 on this machine).
hold_to() {
	local want=$1 left=$(($1 - HELD)) k=0 n pid log logs=() pids=() i
	while [ "$left" -gt 0 ]; do
		n=$((left < PER_PROC ? left : PER_PROC))
		log=hold$want.$k.log
		spawn b pid "$log" "$HOLD_BIN" -d "$IP_A:$PORT" -s "$CLIENT_ADDRS" \
			-n "$n" -t 120
		HOLD_PIDS+=("$pid")
		logs+=("$WORKDIR/$log")
		pids+=("$pid")
		left=$((left - n))
		k=$((k + 1))
	done
	for i in "${!pids[@]}"; do
		if ! (wait_for "conn_hold to open its connections" 130 hold_settled \
			"${logs[i]}" "${pids[i]}") || ! grep -q '^established' "${logs[i]}"; then
			[ -z "$XTCPD_PID" ] || xtcpctl stats | grep -v ' 0$' | sed 's/^/  | /' >&2
			fail "conn_hold: $(cat "${logs[i]}")"
		fi
	done
	HELD=$want
}

# Ends every conn_hold; each must have lost no connection while it held.
release_all() {
	local pid
	for pid in "${HOLD_PIDS[@]}"; do
		reap "$pid" TERM 30
		[ "$REAP_STATUS" = 0 ] || fail "conn_hold $pid: status $REAP_STATUS: connections lost while held"
	done
	HOLD_PIDS=()
	HELD=0
}

# --- the two servers -----------------------------------------------------------

xt_established_is() {
	local v
	v=$(xt_stat conns_established) || return 1
	echo "conns_established = $v"
	[ "$v" -eq "$1" ]
}

linux_established_is() {
	local v
	v=$(on_a ss -Htn state established "( sport = :$PORT )" | wc -l)
	echo "established on :$PORT = $v"
	[ "$v" -eq "$1" ]
}

declare -A XT_RSS XT_SLAB XT_ALL XT_TCPMEM LX_RSS LX_SLAB LX_ALL LX_TCPMEM
XT_MAPS=0

measure_xtcpd() {
	local n
	# No cookies: a cookie ACK lost to a full RX ring would leave the
	# client established and xtcpd without the connection (README,
	# Limitations); a SYN-ACK from xtcpd is retransmitted until acked.
	start_xtcpd xtcpd.log --listen "$PORT:discard" --syncookies never \
		--max-conns "$((MAX_N + 1000))"
	XT_MAPS=$(maps_kib)
	for n in "${COUNTS[@]}"; do
		hold_to "$n"
		wait_for "xtcpd counting $n established" 30 xt_established_is "$n"
		XT_RSS[$n]=$(rss_kib "$XTCPD_PID")
		XT_ALL[$n]=$(slab_snap "slab.xtcpd.$n")
		XT_SLAB[$n]=$(sock_slab "slab.xtcpd.$n")
		XT_TCPMEM[$n]=$(tcp_mem_kib)
		pass "xtcpd holds $n idle connections: VmRSS ${XT_RSS[$n]} KiB"
	done
	release_all
	stop_xtcpd
}

# The Linux servers' RSS in all, KiB.
linux_rss_kib() {
	local pid total=0
	for pid in "${KHTTPD_PIDS[@]}"; do
		total=$((total + $(rss_kib "$pid")))
	done
	echo "$total"
}

# kernel_httpd, in as many processes (SO_REUSEPORT) as MAX_N needs fds.
measure_linux() {
	local n pid k nproc=$(((MAX_N + PER_PROC - 1) / PER_PROC))
	[ "$nproc" -ge 1 ] || nproc=1
	KHTTPD_PIDS=()
	on_a sysctl -qw net.core.somaxconn=4096
	for ((k = 0; k < nproc; k++)); do
		spawn a pid "khttpd$k.log" bash -c \
			"ulimit -n $((PER_PROC * 4 / 3)) && exec '$KHTTPD_BIN' $PORT 4096"
		KHTTPD_PIDS+=("$pid")
		wait_for "kernel_httpd $k ready" 10 grep -q ready "$WORKDIR/khttpd$k.log"
	done
	for n in "${COUNTS[@]}"; do
		hold_to "$n"
		wait_for "Linux holding $n established" 30 linux_established_is "$n"
		LX_RSS[$n]=$(linux_rss_kib)
		LX_ALL[$n]=$(slab_snap "slab.linux.$n")
		LX_SLAB[$n]=$(sock_slab "slab.linux.$n")
		LX_TCPMEM[$n]=$(tcp_mem_kib)
		pass "Linux holds $n idle connections ($nproc kernel_httpd)"
	done
	release_all
	for pid in "${KHTTPD_PIDS[@]}"; do
		reap "$pid" TERM 10
	done
}

# --- the report ------------------------------------------------------------

# bytes per connection: KiB grown from 0 to n, over n.
per_conn() {
	local kib=$1 n=$2
	[ "$n" -gt 0 ] && echo $((kib * 1024 / n)) || echo -
}

# The Linux server's kernel memory from z to n, KiB, over the slab caches
# in array SLAB (LX_SLAB or LX_ALL; XT_ the same): what the kernel grew by
# with it, less what it grew by with xtcpd (the client's share); plus the
# TCP memory pages and kernel_httpd's RSS.
linux_kib() {
	local n=$1 z=$2 lx=$3 xt=$4
	local -n l=$lx x=$xt
	echo $((l[$n] - l[$z] - (x[$n] - x[$z]) +
		LX_TCPMEM[$n] - LX_TCPMEM[$z] - (XT_TCPMEM[$n] - XT_TCPMEM[$z]) +
		LX_RSS[$n] - LX_RSS[$z]))
}

report() {
	local n z=${COUNTS[0]} xt xt_b lx_b all_b
	printf '%-8s %11s %13s %10s %14s %14s\n' conns "xtcpd RSS" "xtcpd B/conn" \
		"maps" "Linux B/conn" "(all slab)"
	for n in "${COUNTS[@]}"; do
		xt=$((XT_RSS[$n] - XT_RSS[$z]))
		xt_b=$(per_conn "$xt" "$((n - z))")
		lx_b=$(per_conn "$(linux_kib "$n" "$z" LX_SLAB XT_SLAB)" "$((n - z))")
		all_b=$(per_conn "$(linux_kib "$n" "$z" LX_ALL XT_ALL)" "$((n - z))")
		printf '%-8s %7s KiB %13s %6s KiB %14s %14s\n' "$n" "${XT_RSS[$n]}" \
			"$xt_b" "$XT_MAPS" "$lx_b" "($all_b)"
	done
	for n in "${COUNTS[@]}"; do
		[ "$n" -gt "$z" ] || continue
		echo "per-conn xtcpd $n $(per_conn "$((XT_RSS[$n] - XT_RSS[$z]))" "$((n - z))")"
		echo "per-conn linux $n $(per_conn "$(linux_kib "$n" "$z" LX_SLAB XT_SLAB)" "$((n - z))")"
	done
	echo "maps: $XT_MAPS KiB preallocated for $((MAX_N + 1000 > 65536 ? MAX_N + 1000 : 65536)) connections, whatever the number held:"
	sed 's/^/  /' "$WORKDIR/maps.txt"
	slab_breakdown
}

# Per connection at the largest count, the slab caches that grew by more
# than 10 bytes a connection with Linux as the server, less their growth
# with xtcpd (the client's share).
slab_breakdown() {
	local z=${COUNTS[0]} n=$MAX_N
	[ "$n" -gt "$z" ] || return 0
	echo "Linux server's slab per connection at $n (bytes; with xtcpd / with Linux):"
	join -a 2 -e 0 -o 0,1.2,2.2 \
		<(slab_delta "slab.xtcpd.$z" "slab.xtcpd.$n" | sort) \
		<(slab_delta "slab.linux.$z" "slab.linux.$n" | sort) |
		awk -v n="$((n - z))" '{ d = ($3 - $2) * 1024 / n }
			d > 10 { printf "  %-20s %6d   (%d / %d KiB)\n", $1, d, $2, $3 }' |
		sort -k2,2nr
}

check_bound() {
	local n z=${COUNTS[0]} b
	[ -n "$MAX_PER_CONN" ] || return 0
	if [ -n "${XTCP_SAN_FLAGS:-}" ]; then
		pass "sanitized build: RSS per connection printed, not checked"
		return 0
	fi
	for n in "${COUNTS[@]}"; do
		[ "$n" -gt "$z" ] || continue
		b=$(per_conn "$((XT_RSS[$n] - XT_RSS[$z]))" "$((n - z))")
		[ "$b" -le "$MAX_PER_CONN" ] ||
			fail "xtcpd: $b bytes per idle connection at $n, want <= $MAX_PER_CONN"
		pass "xtcpd: $b bytes per idle connection at $n (<= $MAX_PER_CONN)"
	done
}

tb_up "$TB"
client_addrs
measure_xtcpd
measure_linux
report | tee "$WORKDIR/report.txt"
check_bound
