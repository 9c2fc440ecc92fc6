#!/usr/bin/env bash
# `make bench`, applications: connections/s of real HTTP servers, the
# client the same for all (build/xtcp-bench crr --engine kernel --path,
# which reads each whole response by its Content-Length):
#
#   nginx         nginx (Debian's nginx-light, one worker) on the Linux
#                 kernel's TCP, on side a's address
#   xtcp-httpd    examples/httpd.c, built against the installed libxtcp
#                 (make install DESTDIR=...), serving the same directory
#   nginx+proxy   xtcpd --listen 80:proxy=127.0.0.1:8080 in front of the
#                 same nginx on side a's loopback: xtcp terminates the
#                 client's TCP, nginx serves over kernel sockets
#
# GET /BENCH_FILE_BYTES-byte file (128), BENCH_CONNS (32) connections,
# closed loop, BENCH_SECONDS (5) after BENCH_WARMUP (1). Every round runs
# the three one after the other, the order reversed every other round (a
# shared machine drifts); ratios to nginx within a round, medians over
# BENCH_ROUNDS (3). The server (whichever it is, nginx with its worker)
# is pinned to CPU 0, the client to CPU 1, each veth's NAPI a thread
# beside its side (as in bench_handshake.sh); server CPU per connection is
# CPU 0's busy time over the connections. Writes bench/results/apps.md
# and apps-raw.jsonl. Asserts nothing. Run it alone on the machine.
set -Eeuo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
# shellcheck source=tools/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
trap - ERR

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-5}
WARM=${BENCH_WARMUP:-1}
CONNS=${BENCH_CONNS:-32}
FILE_BYTES=${BENCH_FILE_BYTES:-128}
OUT=${BENCH_OUT:-$REPO/bench/results}
SRV_CPU=0
CLI_CPU=1
PORT=80
NGX_LO=8080
XBENCH=$BUILD/xtcp-bench
PASS_OBJ=$BUILD/bpf/pass.bpf.o
RAW=$OUT/apps-raw.jsonl
LIMIT=$(awk -v s="$SECS" -v w="$WARM" 'BEGIN { printf "%d", s + w + 30 }')
CASES=(nginx xtcp-httpd nginx+proxy)

say() { printf '%s\n' "$*"; }

command -v nginx >/dev/null || fail "no nginx: make deps"
[ -x "$XBENCH" ] || fail "no $XBENCH: run make"
mkdir -p "$OUT"
TB=benchapps
tb_up "$TB"
W=$WORKDIR

# The examples, from an installed tree, as an outside program builds them.
make -s -C "$REPO" install DESTDIR="$W/destdir" >"$W/install.log" 2>&1 ||
	fail "make install DESTDIR: $(tail -n 5 "$W/install.log")"
LIBDIR=$W/destdir/usr/local/lib
mkdir -p "$W/bin"
PKG_CONFIG_PATH=$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$W/destdir \
	make -s -C "$REPO/examples" OUT="$W/bin" >"$W/build.log" 2>&1 ||
	fail "examples: $(tail -n 5 "$W/build.log")"

# The client closes first, so its side keeps TIME-WAIT: a run makes tens
# of thousands of connections, more than a port range holds for 60 s.
# Reuse a TIME-WAIT port for a new connect after 1 s (timestamps make it
# safe), and give the client every port.
on_b sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65000"

mkdir -p "$W/www" "$W/ngx"
head -c "$FILE_BYTES" /dev/zero | tr '\0' 'x' >"$W/www/file"
cat >"$W/ngx/nginx.conf" <<CONF
user root;
worker_processes 1;
daemon off;
pid $W/ngx/nginx.pid;
error_log $W/ngx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	server {
		listen $IP_A:$PORT backlog=4096;
		listen 127.0.0.1:$NGX_LO backlog=4096;
		root $W/www;
	}
}
CONF
spawn a NGX_PID nginx.log taskset -c "$SRV_CPU" nginx -c "$W/ngx/nginx.conf" \
	-e "$W/ngx/error.log"
wait_for "nginx" 10 on_a curl -sf -o /dev/null "http://127.0.0.1:$NGX_LO/file"

# --- one server at a time on side a's address ------------------------------

HTTPD_PID=
up() {
	case $1 in
	nginx)
		ip -n "$NS_A" link set dev "$IF_A" xdpdrv obj "$PASS_OBJ" sec xdp
		napi_pin "$NS_A" "$IF_A" "$SRV_CPU" ;;
	xtcp-httpd)
		spawn a HTTPD_PID httpd.log env LD_LIBRARY_PATH="$LIBDIR" \
			taskset -c "$SRV_CPU" "$W/bin/xtcp-httpd" -i "$IF_A" \
			-p "$PORT" -d "$W/www"
		wait_for "xtcp-httpd" 10 grep -q serving "$W/httpd.log"
		napi_pin "$NS_A" "$IF_A" "$SRV_CPU" ;;
	nginx+proxy)
		start_xtcpd xtcpd.log --listen "$PORT:proxy=127.0.0.1:$NGX_LO" \
			--syncookies always --msl 1 >/dev/null
		taskset -apc "$SRV_CPU" "$XTCPD_PID" >/dev/null
		napi_pin "$NS_A" "$IF_A" "$SRV_CPU" ;;
	esac
}

down() {
	case $1 in
	nginx) ip -n "$NS_A" link set dev "$IF_A" xdpdrv off ;;
	xtcp-httpd) reap "$HTTPD_PID" TERM 10; HTTPD_PID=; rm -f "$W/httpd.log" ;;
	nginx+proxy) stop_xtcpd >/dev/null ;;
	esac
}

# run ROUND CASE: one measurement, its JSON line into RAW.
run() {
	local json
	up "$2"
	json=$(on_b timeout "$LIMIT" taskset -c "$CLI_CPU" "$XBENCH" crr \
		--engine kernel --server "$IP_A" --port "$PORT" --path /file \
		--conns "$CONNS" --duration "$SECS" --warmup "$WARM" \
		--server-cpu "$SRV_CPU" --json 2>"$W/human.log") ||
		fail "xtcp-bench against $2: $(cat "$W/human.log")"
	down "$2"
	say "  round $1 $2: $(cat "$W/human.log")"
	printf '{"round":%d,"case":"%s",%s\n' "$1" "$2" "${json#\{}" >>"$RAW"
}

napi_pin "$NS_B" "$IF_B" "$CLI_CPU"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
: >"$RAW"
t0=$(date +%s)
for ((r = 1; r <= ROUNDS; r++)); do
	order=("${CASES[@]}")
	[ $((r % 2)) -eq 1 ] || order=("${CASES[2]}" "${CASES[1]}" "${CASES[0]}")
	for c in "${order[@]}"; do run "$r" "$c"; done
done

# --- the table --------------------------------------------------------------

python3 - "$RAW" "$OUT/apps.md" "$DATE" "$COMMIT" "$ROUNDS" "$FILE_BYTES" \
	"$CONNS" "$(($(date +%s) - t0))" <<'PY'
import json, statistics, sys
raw, md, date, commit, rounds, size, conns, took = sys.argv[1:]
runs = [json.loads(l) for l in open(raw)]
by = {}
for r in runs:
    by.setdefault(r["case"], {})[r["round"]] = r
def rate(r): return r["ops_per_s"]
lines = [f"GET /{size}-byte file, {conns} connections, kernel-socket client "
         f"(xtcp-bench crr --path); {date}, {commit}; medians of {rounds} rounds ({took} s)",
         "", "| server | connections/s | × nginx | server CPU µs/conn | client CPU µs/conn |",
         "|---|---:|---:|---:|---:|"]
base = by["nginx"]
for case in ("nginx", "xtcp-httpd", "nginx+proxy"):
    rs = by[case]
    rates = [rate(r) for r in rs.values()]
    ratios = [rate(r) / rate(base[k]) for k, r in rs.items() if k in base]
    srv = [r["server_us_per_op"] for r in rs.values()]
    cli = [r["client_us_per_op"] for r in rs.values()]
    lines.append(f"| {case} | {statistics.median(rates):,.0f} | "
                 f"×{statistics.median(ratios):.2f} | {statistics.median(srv):.1f} | "
                 f"{statistics.median(cli):.1f} |")
open(md, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
