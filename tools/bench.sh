#!/usr/bin/env bash
# `make bench`: xtcpd against the Linux kernel's TCP, side by side on the
# same testbed, with the same client, in the same run. Prints figures and
# ratios; asserts nothing (speed is not a test).
#
#   handshakes  wrk -H 'Connection: close': every request a new connection
#               (handshake, request, response, close); requests/s is
#               connections/s. Servers: xtcpd's http service (cookies never,
#               then always) and tools/kernel_httpd.c on kernel sockets,
#               which sends the same 16-byte response.
#   SYN flood   the same, while hping3 floods the server's port with SYNs
#               from side b for the whole run (bounded by time).
#
# Both servers sit behind the same interface and XDP program (the kernel's
# port is passed up by XDP_PASS). BENCH_RUNS (3), BENCH_SECONDS (5) and
# BENCH_CONNS (32) set the size; the figures are medians of the runs.
set -Eeuo pipefail
. "$(dirname "$0")/../tests/integration/lib.sh"
trap - ERR

RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-32}
XPORT=80
KPORT=8080
KHTTPD=$BUILD/kernel_httpd

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'
}

# requests/s of one wrk run against IP_A:PORT, as an integer.
wrk_rate() {
	on_b timeout $((SECS + 15)) wrk -t1 -c"$CONNS" -d"${SECS}s" \
		-H 'Connection: close' "http://$IP_A:$1/" 2>/dev/null |
		awk '/^Requests\/sec:/ { printf "%d\n", $2 }'
}

# The same, with hping3 flooding PORT for the whole run.
wrk_rate_flooded() {
	local port=$1 flood
	spawn b flood hping3.log timeout $((SECS + 4)) hping3 -q -S -p "$port" --flood "$IP_A"
	wrk_rate "$port"
	reap "$flood" INT 5
}

runs() {	# runs FN PORT: one rate per run, then the median
	local fn=$1 port=$2 i
	for i in $(seq "$RUNS"); do "$fn" "$port"; done | median
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

say() { printf '%s\n' "$*"; }

[ -x "$KHTTPD" ] || fail "$KHTTPD is missing: run make"
tb_up bench
spawn a KHTTPD_PID khttpd.log "$KHTTPD" "$KPORT"
wait_for "kernel_httpd ready" 5 grep -q ready "$WORKDIR/khttpd.log"

say "xtcp bench: $RUNS runs of ${SECS}s each, wrk -c$CONNS, medians; $(nproc) CPUs"
say "testbed: $IF_A ($IP_A) <- $IF_B ($IP_B), $(uname -r)"
say ""

# Connections live 2 MSL in TIME-WAIT on xtcpd's side; --msl 1 keeps the
# table small at these rates (the kernel keeps its own TIME-WAIT).
start_xtcpd xtcpd-never.log --listen "$XPORT:http" --syncookies never --msl 1
xt_never=$(runs wrk_rate "$XPORT")
stop_xtcpd
start_xtcpd xtcpd-always.log --listen "$XPORT:http" --syncookies always --msl 1
xt_always=$(runs wrk_rate "$XPORT")
kernel=$(runs wrk_rate "$KPORT")

say "handshakes/s (connect, GET, response, close)"
printf '  %-34s %10s\n' "Linux kernel (kernel_httpd)" "$kernel"
printf '  %-34s %10s  x%s\n' "xtcpd, cookies never" "$xt_never" "$(ratio "$xt_never" "$kernel")"
printf '  %-34s %10s  x%s\n' "xtcpd, cookies always" "$xt_always" "$(ratio "$xt_always" "$kernel")"
say ""

xt_flood=$(runs wrk_rate_flooded "$XPORT")
stop_xtcpd
kernel_flood=$(runs wrk_rate_flooded "$KPORT")

say "handshakes/s under a SYN flood (hping3 --flood on the same port)"
printf '  %-34s %10s\n' "Linux kernel (tcp_syncookies=1)" "$kernel_flood"
printf '  %-34s %10s  x%s\n' "xtcpd, cookies always" "$xt_flood" "$(ratio "$xt_flood" "$kernel_flood")"
