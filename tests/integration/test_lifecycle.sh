#!/usr/bin/env bash
# xtcpd's stop, start and logs (issue 10, lifecycle):
#
#   1. it says how it attached; with LIBXDP_SKIP_DISPATCHER=1 (and on this
#      kernel anyway) libxdp's fallback: the program alone, and it serves
#   2. SIGTERM during a transfer: new SYNs are reset (curl exits 7), the
#      transfer finishes (all bytes, curl exit 0) and xtcpd's FIN ends it;
#      a peer too slow to finish is reset at --drain-timeout, not before;
#      then xtcpd detaches, unpins and exits 0
#   3. a second SIGTERM ends the drain at once
#   4. --log-level warning keeps info lines out
# (kill -9 and the restart that cleans up after it: test_foundation.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

PORT=80
DRAIN_S=6
FINISH_BYTES=4000000	# at 1 MB/s: about 3 s, within the drain
HUNG_BYTES=20000000	# at 20 kB/s: never

tb_up "$TB"

# 1. The fallback path, forced; xdp-loader sees the one program.
export LIBXDP_SKIP_DISPATCHER=1
start_xtcpd xtcpd.log --listen "$PORT:http" --drain-timeout "$DRAIN_S"
grep -q "info: attached to $IF_A in native mode alone" "$XTCPD_LOG" ||
	fail "xtcpd did not say it attached alone"
on_a xdp-loader status "$IF_A" | grep -q xtcp_xdp ||
	fail "xdp-loader status does not show xtcp_xdp"
on_b timeout 5 curl -sf "http://$IP_A:$PORT/" >/dev/null
pass "attached alone (libxdp's fallback), said so, serves"
unset LIBXDP_SKIP_DISPATCHER

# 2. Two transfers under way, then SIGTERM.
capture TCPDUMP_PID drain.pcap "tcp and host $IP_A and port $PORT"
spawn b FINISH_PID finish.log timeout 20 curl -s --limit-rate 1M \
	-o "$WORKDIR/finish.body" -w '%{size_download}\n' "http://$IP_A:$PORT/$FINISH_BYTES"
spawn b HUNG_PID hung.log timeout 20 curl -s --limit-rate 20K \
	-o "$WORKDIR/hung.body" "http://$IP_A:$PORT/$HUNG_BYTES"
wait_for "both transfers under way" 5 eval \
	'[ "$(stat -c %s "$WORKDIR/finish.body" 2>/dev/null || echo 0)" -gt 0 ] &&
	 [ "$(stat -c %s "$WORKDIR/hung.body" 2>/dev/null || echo 0)" -gt 0 ]'
t0=$(now_ms)
kill -s TERM "$XTCPD_PID"
wait_for "xtcpd says it drains" 2 grep -q "draining 2 connections" "$XTCPD_LOG"
rc=0
on_b timeout 5 curl -s -o /dev/null "http://$IP_A:$PORT/" || rc=$?
assert_eq "a new connection while draining: curl exit (7: refused)" "$rc" 7
pass "draining: a new SYN is reset"

wait_exit "$FINISH_PID" 10 || fail "the finishing transfer did not end"
reap "$FINISH_PID"
assert_eq "finishing curl exit status" "$REAP_STATUS" 0
assert_eq "finishing curl bytes" "$(size "$WORKDIR/finish.body")" "$FINISH_BYTES"
cmp -s <(pattern "$FINISH_BYTES") "$WORKDIR/finish.body" || fail "finish.body is not the pattern"
pass "the transfer under way finished: $FINISH_BYTES bytes, curl exit 0"

wait_exit "$XTCPD_PID" $((DRAIN_S + 5)) || fail "xtcpd still running $((DRAIN_S + 5)) s after SIGTERM"
took=$(ms_since "$t0")
reap "$XTCPD_PID"
XTCPD_PID=
assert_eq "xtcpd exit status after a drain" "$REAP_STATUS" 0
[ "$took" -ge $((DRAIN_S * 1000 - 200)) ] || fail "xtcpd stopped after $took ms, before the drain timeout"
grep -q "warning: drain timeout after $((DRAIN_S * 1000)) ms: 1 connection still open" "$XTCPD_LOG" ||
	fail "xtcpd did not log the drain timeout"
grep -q "resetting 1 open connection" "$XTCPD_LOG" || fail "xtcpd did not log the reset"
grep -q "info: removed $PIN_DIR" "$XTCPD_LOG" || fail "xtcpd did not log the unpin"
[ ! -e "$PIN_DIR" ] || fail "$PIN_DIR left behind"
! xdp_attached || fail "XDP still attached"
pass "xtcpd stopped ${took} ms after SIGTERM, exit 0, detached, unpinned"

# The wire: xtcpd's FIN to the finished transfer; a RST to the slow one,
# at the deadline. (curl itself reads what its buffer holds before it
# sees the reset, so the wire is where to look.)
reap "$TCPDUMP_PID" INT
dports() { # FILTER: the destination ports of xtcpd's segments matching it
	tcpdump -n -r "$WORKDIR/drain.pcap" "src host $IP_A and ($1)" 2>/dev/null |
		awk '{ n = split($5, a, "."); sub(":", "", a[n]); print a[n] }' | sort -u
}
fin_ports=$(dports "tcp[tcpflags] & tcp-fin != 0")
data_ports=$(dports "greater 1000")
hung_port=$(comm -23 <(echo "$data_ports") <(echo "$fin_ports"))
echo "  data to ports: $(echo $data_ports); FIN to: $(echo $fin_ports); so the slow one is $hung_port"
[ "$(wc -w <<<"$fin_ports")" -eq 1 ] || fail "want one FIN from xtcpd, to the finished transfer"
[ "$(wc -w <<<"$hung_port")" -eq 1 ] || fail "want one slow transfer without a FIN"
[ "$(dports "tcp[tcpflags] & tcp-rst != 0 and dst port $fin_ports")" = "" ] ||
	fail "the finished transfer was reset"
# xtcpd closed first: its FIN (with the last bytes) came before curl's, so
# curl saw EOF on an open connection (curl closes first when it is not
# told to).
first_fin=$(tcpdump -n -r "$WORKDIR/drain.pcap" "port $fin_ports and tcp[tcpflags] & tcp-fin != 0" 2>/dev/null |
	awk 'NR == 1 { print $3 }')
assert_eq "the first FIN of the finished transfer came from" "$first_fin" "$IP_A.$PORT"
rst_t=$(tcpdump -tt -n -r "$WORKDIR/drain.pcap" \
	"src host $IP_A and dst port $hung_port and tcp[tcpflags] & tcp-rst != 0" 2>/dev/null |
	awk 'NR == 1 { printf "%.0f", $1 * 1000 }')
[ -n "$rst_t" ] || fail "no RST to the slow transfer"
rst_after=$((rst_t - t0))
[ "$rst_after" -ge $((DRAIN_S * 1000 - 200)) ] || fail "the slow transfer was reset ${rst_after} ms after SIGTERM, before the deadline"
pass "the wire: FIN for the finished transfer; RST for the slow one ${rst_after} ms after SIGTERM"

# 3. A second SIGTERM: no waiting.
start_xtcpd xtcpd2.log --listen "$PORT:http" --drain-timeout 60
spawn b HUNG2_PID hung2.log timeout 20 curl -s --limit-rate 20K \
	-o /dev/null "http://$IP_A:$PORT/$HUNG_BYTES"
wait_for "a connection open" 5 stat_eq conns_established 1
kill -s TERM "$XTCPD_PID"
wait_for "xtcpd says it drains" 2 grep -q "draining 1 connection" "$XTCPD_LOG"
t0=$(now_ms)
kill -s TERM "$XTCPD_PID"
wait_exit "$XTCPD_PID" 2 || fail "xtcpd still running 2 s after a second SIGTERM"
reap "$XTCPD_PID"
XTCPD_PID=
assert_eq "xtcpd exit status after two SIGTERMs" "$REAP_STATUS" 0
grep -q "stopping now, 1 connection open" "$XTCPD_LOG" || fail "no log of the second signal"
pass "second SIGTERM: stopped in $(ms_since "$t0") ms, exit 0"

# 4. Levels.
start_xtcpd xtcpd3.log --listen "$PORT:http" --log-level warning
stop_xtcpd
! grep -q ": info: " "$XTCPD_LOG" || fail "--log-level warning logged info lines"
pass "--log-level warning: no info lines"
