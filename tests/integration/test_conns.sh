#!/usr/bin/env bash
# xtcpctl conns (issue 10):
#
#   1. an http connection xtcpd closes first, followed with --json
#      --interval: ESTABLISHED (queues 0, an RTT), then FIN-WAIT-2 and
#      TIME-WAIT, in that order, then gone
#   2. a slow reader: Send-Q holds the bytes not yet acknowledged, the
#      retransmission timer runs; --state and --port filter; text output
#      has ss's columns
#   3. two xtcpd on two interfaces: conns lists both, --iface one
#   4. without the control socket: the map's tuple and state, '-' for the rest
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

PORT=80
tb_up "$TB"
start_xtcpd xtcpd.log --msl 1 --listen "$PORT:http"

# 1. Idle 1 s, one request with Connection: close, 1 s more: xtcpd's FIN
# first, the client's when socat's -t runs out.
spawn host CONNS_PID conns.jsonl "$XTCPCTL_BIN" --iface "$IF_A" --json \
	conns --port "$PORT" --interval 0.05 --count 120
spawn b CLIENT_PID client.log bash -c "{ sleep 1; printf 'GET /100 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'; sleep 1; } |
	socat -t 1 - TCP:$IP_A:$PORT"
wait_exit "$CLIENT_PID" 10 || fail "the client did not end"
wait_for "the connection gone from conns" 6 eval \
	"tail -n 1 '$WORKDIR/conns.jsonl' | grep -qx '{\"conns\":\[\]}'"
reap "$CONNS_PID" TERM
states=$(grep -o '"state":"[A-Z0-9-]*"' "$WORKDIR/conns.jsonl" | cut -d'"' -f4 | uniq | tr '\n' ' ')
echo "  states seen: $states"
grep -Eq '(^| )ESTABLISHED .*FIN-WAIT-2 .*TIME-WAIT $' <<<"$states" ||
	fail "want ESTABLISHED ... FIN-WAIT-2 ... TIME-WAIT, saw: $states"
est=$(grep -m1 '"state":"ESTABLISHED"' "$WORKDIR/conns.jsonl")
echo "  $est"
grep -q '"recv_q":0,"send_q":0' <<<"$est" || fail "an idle connection with queued bytes"
grep -Eq '"rtt_ms":[0-9.]+,"rttvar_ms":[0-9.]+,"rto_ms":[0-9]{3,}' <<<"$est" || fail "no RTT and RTO for the connection"
grep -Eq '"timers":\{[^}]*"timewait":[0-9]+' "$WORKDIR/conns.jsonl" || fail "no TIME-WAIT timer shown"
pass "followed ESTABLISHED -> FIN-WAIT-2 -> TIME-WAIT -> gone, with queues 0, RTT and RTO, the 2MSL timer"

# 2. A reader at 20 kB/s of 4 MB: our Send-Q fills.
spawn b SLOW_PID slow.log timeout 20 curl -s --limit-rate 20K -o /dev/null "http://$IP_A:$PORT/4000000"
sendq_big() {
	local out
	out=$(xtcpctl --json conns --state established --port "$PORT") || return 1
	echo "$out"
	grep -Eq '"send_q":[0-9]{6,}' <<<"$out" &&
		grep -Eq '"rtt_ms":([1-9]|0\.[0-9]*[1-9])' <<<"$out"
}
wait_for "Send-Q above 100 kB, and an RTT measured" 5 sendq_big
xtcpctl conns --state established | tee "$WORKDIR/conns.txt" | sed 's/^/  | /'
head -n 1 "$WORKDIR/conns.txt" | grep -q '^State  *Recv-Q  *Send-Q  *Local Address:Port  *Peer Address:Port' ||
	fail "no ss-like header"
grep -Eq "^ESTABLISHED +0 +[0-9]{6,} +$IP_A:$PORT +$IP_B:[0-9]+ +$IF_A\$" "$WORKDIR/conns.txt" ||
	fail "no ESTABLISHED line with the Send-Q"
grep -Eq 'rtt:[0-9.]+/[0-9.]+ rto:[0-9]+ mss:1448 cwnd:[0-9]+.* timers:.*\((rtx|persist),[0-9]+ms\)' "$WORKDIR/conns.txt" ||
	fail "no details line with rtt, rto, mss, cwnd and a running timer"
[ "$(xtcpctl conns --state time-wait --port "$PORT" | wc -l)" -eq 1 ] || fail "--state time-wait shows the established one"
[ "$(xtcpctl conns --port 9 | wc -l)" -eq 1 ] || fail "--port 9 shows a connection"
pass "Send-Q of a slow reader, details, filters"

# 3. A second xtcpd on a second testbed.
TB2=${TB:0:8}x2
"$TESTBED" down "$TB2"
on_exit "$TESTBED" down "$TB2"
"$TESTBED" up "$TB2"
eval "$("$TESTBED" env "$TB2" | sed 's/^\([A-Z_]*\)=/T2_\1=/')"
spawn host XTCPD2_PID xtcpd2.log nsenter --net="/run/netns/$T2_NS_A" -- \
	"$XTCPD_BIN" --iface "$T2_IF_A" --listen "$PORT:http"
wait_for "the second xtcpd ready" 10 grep -qw ready "$WORKDIR/xtcpd2.log"
spawn host SLOW3_PID slow3.log ip netns exec "$T2_NS_B" timeout 20 curl -s --limit-rate 20K \
	-o /dev/null "http://$T2_IP_A:$PORT/4000000"
wait_for "a connection on each" 5 eval \
	"[ \"\$(on_a '$XTCPCTL_BIN' conns --state established | awk 'NR > 1 && \$1 == \"ESTABLISHED\" { print \$6 }' | sort -u | wc -l)\" -eq 2 ]"
on_a "$XTCPCTL_BIN" conns --state established | grep -v '^	' | sed 's/^/  | /'
n1=$(on_a "$XTCPCTL_BIN" --iface "$T2_IF_A" conns | grep -v $'^\t' | awk 'NR > 1 { print $6 }' | sort -u)
assert_eq "--iface $T2_IF_A lists only it" "$n1" "$T2_IF_A"
reap "$SLOW3_PID"
reap "$XTCPD2_PID" TERM 10
assert_eq "second xtcpd exit" "$REAP_STATUS" 0
pass "two instances: conns shows both, --iface one"

# 4. Without the daemon's socket (a user who cannot open it sees the same).
mv "/run/xtcp/$IF_A.sock" "/run/xtcp/$IF_A.sock.away"
on_exit bash -c "[ ! -e /run/xtcp/$IF_A.sock.away ] || mv /run/xtcp/$IF_A.sock.away /run/xtcp/$IF_A.sock"
out=$(xtcpctl conns --state established 2>"$WORKDIR/err") || fail "conns failed without the socket"
echo "$out" | sed 's/^/  | /'
grep -Eq "^ESTABLISHED +- +- +$IP_A:$PORT" <<<"$out" || fail "no map-only line"
grep -q "no details from xtcpd's control socket" "$WORKDIR/err" || fail "did not say why"
pass "map only: tuple and state, '-' for the rest, and why"
mv "/run/xtcp/$IF_A.sock.away" "/run/xtcp/$IF_A.sock"
reap "$SLOW_PID"
stop_xtcpd
[ ! -e "/run/xtcp/$IF_A.sock" ] || fail "the control socket outlived xtcpd"
pass "the control socket is gone with xtcpd"
