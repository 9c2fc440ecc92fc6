#!/usr/bin/env bash
# `make bench`, handshakes: build/xtcp-bench against xtcpd and against the
# Linux kernel, on the veth testbed, in the same run. Prints a table and
# writes it, with JSON and a PNG plot, under bench/results/. Asserts
# nothing (speed is not a test).
#
# Side a is the server, pinned to CPU 0: xtcpd (http on 80, echo on 7,
# discard on 9), or the Linux kernel with the same bytes on the same ports
# (tools/kernel_httpd.c, tools/kernel_echo.c, behind an XDP_PASS program
# as xtcpd's own XDP program would be). Side b is xtcp-bench, pinned to
# CPU 1. Both veths run threaded NAPI, each thread pinned beside its side,
# so that /proc/stat's CPU 0 is the server's work and CPU 1 the client's
# (with softirq NAPI, a veth's receive work runs on the CPU that sent to
# it: the client's XDP would run on the server's CPU, and the other way
# round). The NAPI threads run SCHED_FIFO (BENCH_NAPI_PRIO, 50; 0 leaves
# them SCHED_OTHER), as softirq work preempts processes; left to CFS,
# a busy machine delays them by milliseconds.
#
# Cases (BENCH_CASES picks some), each BENCH_SECONDS (5) after
# BENCH_WARMUP (1) seconds:
#   crr         the xdp engine, BENCH_CONNS (128) connections, closed loop
#               (more overflow the veths' 256-frame rings: the last ACK
#               and the next SYN travel together)
#   crr_flood_R the same during a SYN flood of R SYN/s (BENCH_FLOODS:
#               300000 1000000) from random 198.18.0.0/15 sources
#   synflood    a flat-out flood alone; SYN-ACKs/s (Linux: tcp_syncookies=2,
#               elsewhere 1, its default)
#   rr          1-byte ping-pong on one kernel-socket connection (echo)
#   bulk        one kernel-socket connection writing (discard)
# Each round runs every case against both servers, one right after the
# other (which goes first alternates between rounds): a shared machine
# drifts, so ratios are taken within a round, then the median over
# BENCH_ROUNDS (3) rounds. Each round also measures xtcp-bench's own
# ceiling: the same crr against `xtcp-bench responder` (a stateless
# server in XDP), alone and during each flood (the client shares its CPU
# with the flood it sends and the SYN-ACKs it counts: what is left of the
# ceiling is what any server could reach). About 5 minutes with the defaults.
#
# Run it alone on the machine (and under the testbed lock where several
# people share one). BENCH_OUT (bench/results) is where results go;
# XTCPD_ARGS ("--syncookies always --msl 1") what xtcpd gets besides its
# ports.
set -Eeuo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
# shellcheck source=tools/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
trap - ERR

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-5}
WARM=${BENCH_WARMUP:-1}
CONNS=${BENCH_CONNS:-128}
NAPI_PRIO=${BENCH_NAPI_PRIO:-50}
FLOODS=${BENCH_FLOODS:-300000 1000000}
OUT=${BENCH_OUT:-$REPO/bench/results}
read -r -a XTCPD_EXTRA <<<"${XTCPD_ARGS:---syncookies always --msl 1}"
SRV_CPU=0
CLI_CPU=1
HTTP=80
ECHO=7
DISCARD=9
XBENCH=$BUILD/xtcp-bench
KHTTPD=$BUILD/kernel_httpd
KECHO=$BUILD/kernel_echo
PASS_OBJ=$BUILD/bpf/pass.bpf.o
RAW=$OUT/handshake-raw.jsonl
# Seconds one xtcp-bench run may take before it is stopped.
LIMIT=$(awk -v s="$SECS" -v w="$WARM" 'BEGIN { printf "%d", s + w + 30 }')

say() { printf '%s\n' "$*"; }

# --- the two sides ---------------------------------------------------------

all_ready() {	# all_ready LOG...: whether every LOG says "ready"
	local f
	for f in "$@"; do grep -q ready "$f" || return 1; done
}

KPIDS=()
linux_up() {	# linux_up SYNCOOKIES
	local pid
	on_a sysctl -qw net.ipv4.tcp_syncookies="$1"
	ip -n "$NS_A" link set dev "$IF_A" xdpdrv obj "$PASS_OBJ" sec xdp
	napi_pin "$NS_A" "$IF_A" "$SRV_CPU"
	spawn a pid khttpd.log taskset -c "$SRV_CPU" "$KHTTPD" "$HTTP"
	KPIDS+=("$pid")
	spawn a pid kecho.log taskset -c "$SRV_CPU" "$KECHO" "$ECHO"
	KPIDS+=("$pid")
	spawn a pid kdiscard.log taskset -c "$SRV_CPU" "$KECHO" "$DISCARD" discard
	KPIDS+=("$pid")
	wait_for "the Linux servers" 5 all_ready "$WORKDIR/khttpd.log" \
		"$WORKDIR/kecho.log" "$WORKDIR/kdiscard.log"
}

linux_down() {
	local pid
	for pid in "${KPIDS[@]}"; do reap "$pid"; done
	KPIDS=()
	rm -f "$WORKDIR"/k*.log
	ip -n "$NS_A" link set dev "$IF_A" xdpdrv off
	on_a sysctl -qw net.ipv4.tcp_syncookies=1
}

xtcpd_up() {
	start_xtcpd xtcpd.log --listen "$HTTP:http" --listen "$ECHO:echo" \
		--listen "$DISCARD:discard" "${XTCPD_EXTRA[@]}" >/dev/null
	taskset -apc "$SRV_CPU" "$XTCPD_PID" >/dev/null
	napi_pin "$NS_A" "$IF_A" "$SRV_CPU"
}

xtcpd_down() {
	stop_xtcpd >/dev/null
}

RSP_PID=
responder_up() {
	spawn a RSP_PID responder.log taskset -c "$SRV_CPU" "$XBENCH" responder \
		--iface "$IF_A" --port "$HTTP"
	wait_for "xtcp-bench responder" 5 grep -q ready "$WORKDIR/responder.log"
	napi_pin "$NS_A" "$IF_A" "$SRV_CPU"
}

responder_down() {
	reap "$RSP_PID" INT
	rm -f "$WORKDIR/responder.log"
}

# --- cases ---------------------------------------------------------------------

CASES=(crr)
for r in $FLOODS; do CASES+=("crr_flood_$r"); done
CASES+=(synflood rr bulk)
# BENCH_CASES: a subset, by name ("rr bulk"); the table shows what ran.
[ -z "${BENCH_CASES:-}" ] || read -r -a CASES <<<"$BENCH_CASES"

case_args() {	# case_args CASE: xtcp-bench's arguments for it
	case $1 in
	crr) echo "crr --engine xdp --conns $CONNS --port $HTTP" ;;
	crr_flood_*) echo "crr --engine xdp --conns $CONNS --port $HTTP --flood-rate ${1#crr_flood_}" ;;
	synflood) echo "synflood --port $HTTP" ;;
	rr) echo "rr --port $ECHO" ;;
	bulk) echo "bulk --port $DISCARD" ;;
	esac
}

# measure ROUND SERVER CASE: one xtcp-bench run, its JSON line labelled.
measure() {
	local round=$1 server=$2 cs=$3 line args
	read -r -a args <<<"$(case_args "$cs")"
	line=$(on_b timeout "$LIMIT" taskset -c "$CLI_CPU" "$XBENCH" \
		"${args[@]}" --iface "$IF_B" --server "$IP_A" --server-cpu "$SRV_CPU" \
		--duration "$SECS" --warmup "$WARM" --json 2>>"$WORKDIR/human.log") ||
		{ say "  $server $cs: xtcp-bench failed"; tail -n 3 "$WORKDIR/human.log" || true; return 0; }
	printf '{"round":%d,"server":"%s","case":"%s",%s\n' "$round" "$server" "$cs" \
		"${line#\{}" >>"$RAW"
	printf '  %-9s %-18s %s\n' "$server" "$cs" "$(tail -n 1 "$WORKDIR/human.log")"
}

run_case() {	# run_case ROUND SERVER CASE
	local syncookies=1
	[ "$3" != synflood ] || syncookies=2
	case $2 in
	linux) linux_up "$syncookies" ;;
	xtcpd) xtcpd_up ;;
	esac
	measure "$@"
	case $2 in
	linux) linux_down ;;
	xtcpd) xtcpd_down ;;
	esac
}

# --- summary -------------------------------------------------------------------

# The table, one row a line: what|linux|xtcpd|xtcpd/linux|value (value
# for rows with one figure), medians over rounds of the per-round figures
# and ratios. mawk-compatible.
summarize() {
	awk -v floods="$FLOODS" '
	function val(line, key,    m) {
		if (!match(line, "\"" key "\":-?[0-9.]+"))
			return ""
		m = substr(line, RSTART, RLENGTH)
		sub(/^"[^"]*":/, "", m)
		return m + 0
	}
	function median(list,    n, a, i, j, t) {
		n = split(list, a, " ")
		if (!n) return ""
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		r = val($0, "round")
		match($0, /"server":"[a-z]+"/); s = substr($0, RSTART + 10, RLENGTH - 11)
		match($0, /"case":"[a-z_0-9]+"/); c = substr($0, RSTART + 8, RLENGTH - 9)
		rounds[r] = 1
		v[r, s, c, "rate"] = val($0, "ops_per_s")
		v[r, s, c, "us"] = val($0, "server_us_per_op")
		v[r, s, c, "cpu"] = val($0, "server_cpu") * 100
		v[r, s, c, "p50"] = val($0, "p50")
		v[r, s, c, "p99"] = val($0, "p99")
		v[r, s, c, "gbit"] = val($0, "gbit_s")
		seen[r, s, c] = 1
	}
	# row LABEL CASE METRIC [BASECASE]: medians, and of the ratios.
	function row(label, c, m, base,    r, l, x, rl, rx, lv, xv) {
		l = x = rl = rx = ""
		for (r in rounds) {
			if (!((r, "linux", c) in seen) || !((r, "xtcpd", c) in seen))
				continue
			lv = v[r, "linux", c, m]; xv = v[r, "xtcpd", c, m]
			if (base != "") {
				if (!((r, "linux", base) in seen) || !((r, "xtcpd", base) in seen))
					continue
				lv = v[r, "linux", base, m] ? lv / v[r, "linux", base, m] : 0
				xv = v[r, "xtcpd", base, m] ? xv / v[r, "xtcpd", base, m] : 0
			}
			l = l " " lv; x = x " " xv
			if (lv > 0) rx = rx " " xv / lv
		}
		if (l == "") return
		printf "%s|%s|%s|%s|\n", label, median(l), median(x), median(rx)
	}
	END {
		row("crr connections/s", "crr", "rate")
		row("crr server CPU %", "crr", "cpu")
		row("crr server CPU us per connection", "crr", "us")
		row("crr latency p50 us", "crr", "p50")
		row("crr latency p99 us", "crr", "p99")
		n = split(floods, fl, " ")
		for (i = 1; i <= n; i++) {
			row("crr connections/s during " fl[i] " SYN/s", "crr_flood_" fl[i], "rate")
			row("  the same, / without the flood", "crr_flood_" fl[i], "rate", "crr")
			row("  server CPU %", "crr_flood_" fl[i], "cpu")
		}
		row("SYN-ACKs/s, flat-out flood", "synflood", "rate")
		row("server CPU us per SYN-ACK", "synflood", "us")
		row("rr transactions/s", "rr", "rate")
		row("rr latency p50 us", "rr", "p50")
		row("rr latency p99 us", "rr", "p99")
		row("bulk Gbit/s", "bulk", "gbit")
		row("bulk server CPU us per MiB", "bulk", "us")
		l = ""
		for (r in rounds)
			if ((r, "responder", "crr") in seen) l = l " " v[r, "responder", "crr", "rate"]
		if (l != "")
			printf "xtcp-bench ceiling: crr connections/s against an XDP responder||||%s\n", median(l)
		# The same client against the same stateless responder during the
		# floods: what the client (and the link) can still do beside them.
		for (i = 1; i <= n; i++) {
			l = ""
			for (r in rounds)
				if ((r, "responder", "crr") in seen && (r, "responder", "crr_flood_" fl[i]) in seen &&
				    v[r, "responder", "crr", "rate"] > 0)
					l = l " " v[r, "responder", "crr_flood_" fl[i], "rate"] / v[r, "responder", "crr", "rate"]
			if (l != "")
				printf "  ceiling during %s SYN/s, / without the flood||||%s\n", fl[i], median(l)
		}
	}' "$RAW"
}

# fmt N: a figure as the table shows it (thousands with commas).
fmt() {
	awk -v x="$1" 'BEGIN {
		if (x == "") { print ""; exit }
		if (x < 10) { printf "%.2f\n", x; exit }
		if (x < 1000) { printf "%.1f\n", x; exit }
		s = sprintf("%d", x + 0.5)
		while (match(s, /[0-9][0-9][0-9][0-9](,|$)/))
			s = substr(s, 1, RSTART) "," substr(s, RSTART + 1)
		print s }'
}

write_table() {	# write_table TABLE -> markdown on stdout
	local what l x r extra
	printf '| | Linux kernel | xtcpd | xtcpd / Linux |\n|---|---:|---:|---:|\n'
	while IFS='|' read -r what l x r extra; do
		if [ -n "${extra:-}" ]; then
			printf '| %s | | %s | |\n' "$what" "$(fmt "$extra")"
		else
			printf '| %s | %s | %s | %s |\n' "$what" "$(fmt "$l")" "$(fmt "$x")" \
				"$([ -z "$r" ] || printf '×%.2f' "$r")"
		fi
	done <"$1"
}

write_json() {	# write_json TABLE -> JSON on stdout
	local what l x r extra first=1
	printf '{"date":"%s","commit":"%s","kernel":"%s","cpus":%s,"rounds":%s,' \
		"$DATE" "$COMMIT" "$(uname -r)" "$(nproc)" "$ROUNDS"
	printf '"seconds":%s,"conns":%s,"rows":[' "$SECS" "$CONNS"
	while IFS='|' read -r what l x r extra; do
		[ "$first" = 1 ] || printf ','
		first=0
		printf '{"what":"%s","linux":%s,"xtcpd":%s,"ratio":%s,"value":%s}' \
			"$(printf '%s' "$what" | sed 's/^ *//')" "${l:-null}" "${x:-null}" \
			"${r:-null}" "${extra:-null}"
	done <"$1"
	printf ']}\n'
}

write_plot() {	# write_plot TABLE PNG
	local dat=$WORKDIR/plot.dat what l x r extra
	: >"$dat"
	while IFS='|' read -r what l x r extra; do
		case $what in
		"crr connections/s") printf '"at rest"\t%s\t%s\n' "$l" "$x" >>"$dat" ;;
		"crr connections/s during "*)
			printf '"%s k SYN/s flood"\t%s\t%s\n' \
				"$(echo "$what" | awk '{ print $(NF - 1) / 1000 }')" "$l" "$x" >>"$dat" ;;
		esac
	done <"$1"
	gnuplot <<-EOF
		set terminal pngcairo size 900,500
		set output "$2"
		set title "crr (connect, 64 B request, 128 B response, close), connections/s\n$DATE, $COMMIT, $(nproc) CPUs, medians of $ROUNDS rounds"
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set ylabel "connections/s"
		set yrange [0:*]
		set grid ytics
		set key top right
		plot "$dat" using 2:xtic(1) title "Linux kernel", "" using 3 title "xtcpd"
	EOF
}

# --- main ----------------------------------------------------------------------

for bin in "$XBENCH" "$KHTTPD" "$KECHO" "$XTCPD_BIN" "$PASS_OBJ"; do
	[ -e "$bin" ] || fail "$bin is missing: run make"
done
command -v gnuplot >/dev/null || fail "gnuplot is missing: run make deps"
mkdir -p "$OUT"
: >"$RAW"
DATE=$(date -u +%Y-%m-%d)
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)

tb_up bench
# Flood sources are anywhere in 198.18.0.0/15: the Linux server answers
# them through side b, whose XDP program counts and drops the answers.
ip -n "$NS_A" route add 198.18.0.0/15 via "$IP_B"
napi_pin "$NS_B" "$IF_B" "$CLI_CPU"

say "xtcp bench, handshakes: $ROUNDS rounds, ${SECS}s per case after ${WARM}s,"
say "crr with $CONNS connections; server on CPU $SRV_CPU, client on CPU $CLI_CPU;"
say "$(nproc) CPUs, $(uname -r), $COMMIT; $IF_A ($IP_A) <- $IF_B ($IP_B)"
t0=$(date +%s)
for round in $(seq "$ROUNDS"); do
	say "round $round"
	if [ $((round % 2)) = 1 ]; then order="linux xtcpd"; else order="xtcpd linux"; fi
	for cs in "${CASES[@]}"; do
		for server in $order; do run_case "$round" "$server" "$cs"; done
	done
	case " ${CASES[*]} " in *" crr"*) ;; *) continue ;; esac
	responder_up
	for cs in "${CASES[@]}"; do
		case $cs in crr | crr_flood_*) measure "$round" responder "$cs" ;; esac
	done
	responder_down
done

summarize >"$WORKDIR/table.txt"
write_table "$WORKDIR/table.txt" >"$OUT/handshake.md"
write_json "$WORKDIR/table.txt" >"$OUT/handshake.json"
write_plot "$WORKDIR/table.txt" "$OUT/handshake.png"
say ""
say "$DATE, $COMMIT, $(nproc) CPUs, $(uname -r); medians of $ROUNDS rounds; $(($(date +%s) - t0)) s"
cat "$OUT/handshake.md"
say ""
say "written: $OUT/handshake.md, handshake.json, handshake.png, handshake-raw.jsonl"
