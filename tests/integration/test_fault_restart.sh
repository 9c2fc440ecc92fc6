#!/usr/bin/env bash
# kill -9 of xtcpd in the middle of transfers, then a restart on the same
# interface (issue 12, faults):
#
#   1. two transfers under way (a download at 200 kB/s from a fixed client
#      port; an echo connection); kill -9: the old program and pins stay
#   2. the restart removes the stale program and pins: a new program and a
#      new conns map, which holds none of the dead connections' tuples
#   3. the stale clients are reset the next time they send: the echo client
#      when it writes, curl at its first keepalive probe (--keepalive-time 1);
#      RSTs from a on the wire, b's sockets gone
#   4. new connections succeed, one from the dead download's very port (a
#      stale entry would steer it wrong): exact bodies, echo works; then no
#      connection is left in xtcpd
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

HTTP=80
ECHO=7
CPORT=45678		# the download's client port, used again after
BIG=20000000		# at 200 kB/s: still under way at the kill
FRESH=1000000

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
ARGS=(--listen "$HTTP:http" --listen "$ECHO:echo")
start_xtcpd xtcpd.log "${ARGS[@]}"

# The id of the XDP program on IF_A, and of the map pinned as NAME.
prog_id() {
	ip -n "$NS_A" -d link show dev "$IF_A" |
		awk '/prog\/xdp/ { for (i = 1; i < NF; i++) if ($i == "id") { print $(i + 1); exit } }'
}
map_id() {
	bpftool map show pinned "$PIN_DIR/$1" | awk -F: 'NR == 1 { print $1 }'
}
# The conns entries whose peer port is $1, from the pinned map.
conns_with_rport() {
	local out
	out=$(bpftool -j map dump pinned "$PIN_DIR/conns") || return 1
	{ grep -o "\"rport\":$1}" <<<"$out" || :; } | wc -l
}

# 1. Two transfers under way.
capture TCPDUMP_PID a.pcap "tcp and src host $IP_A"
held_client "$ECHO"
printf 'before\n' >&5
wait_for "the echo of 'before'" 5 grep -qx before "$WORKDIR/client.log"
spawn b DL_PID dl.log timeout 40 curl -s --local-port "$CPORT" \
	--keepalive-time 1 --limit-rate 200K -o "$WORKDIR/dl.body" \
	"http://$IP_A:$HTTP/$BIG"
# shellcheck disable=SC2016 # expanded by eval
wait_for "the download under way" 5 eval \
	'[ "$(stat -c %s "$WORKDIR/dl.body" 2>/dev/null || echo 0)" -gt 100000 ]'
wait_for "two connections in xtcpd" 3 stat_eq conns_established 2
assert_eq "conns entries for the download's port before the kill" "$(conns_with_rport "$CPORT")" 1
prog0=$(prog_id)
map0=$(map_id conns)
kill_xtcpd KILL
if [ -z "$prog0" ] || [ "$(prog_id)" != "$prog0" ]; then
	fail "the program went with the daemon"
fi
[ "$(map_id conns)" = "$map0" ] || fail "the pins went with the daemon"
pass "kill -9 mid-transfer ($(size "$WORKDIR/dl.body") bytes down): program $prog0 and conns map $map0 left behind"

# 2. The restart replaces them.
start_xtcpd xtcpd2.log "${ARGS[@]}"
grep -q "removing a stale xtcp program from $IF_A" "$XTCPD_LOG" ||
	fail "the restart did not say it removed the stale program"
prog1=$(prog_id)
map1=$(map_id conns)
if [ -z "$prog1" ] || [ "$prog1" = "$prog0" ]; then
	fail "program id $prog1 after the restart (was $prog0)"
fi
if [ -z "$map1" ] || [ "$map1" = "$map0" ]; then
	fail "conns map id $map1 after the restart (was $map0)"
fi
assert_eq "conns entries for the download's port after the restart" "$(conns_with_rport "$CPORT")" 0
pass "restart: program $prog0 -> $prog1, conns $map0 -> $map1, no stale entry"

# 3. The stale clients send and are reset.
printf 'after\n' >&5
wait_exit "$CLIENT_PID" 10 || fail "the echo client still runs 10 s after writing to a dead connection"
reap "$CLIENT_PID"
! grep -qx after "$WORKDIR/client.log" || fail "a dead connection echoed"
wait_exit "$DL_PID" 15 || fail "curl still runs 15 s after the kill (keepalive after 1 s)"
reap "$DL_PID"
dl_rc=$REAP_STATUS
case $dl_rc in
0 | 124) fail "curl exit $dl_rc: want a reset, not success or timeout" ;;
esac
[ "$(size "$WORKDIR/dl.body")" -lt "$BIG" ] || fail "the download completed across a kill -9"
wait_for "no socket left on b to :$ECHO" 5 b_no_socks "$ECHO"
wait_for "no socket left on b to :$HTTP" 5 b_no_socks "$HTTP"
wait_for "a RST to the echo client on the wire" 5 \
	pcap_ge a.pcap "src port $ECHO and tcp[tcpflags] & tcp-rst != 0" 1
wait_for "a RST to port $CPORT on the wire" 5 \
	pcap_ge a.pcap "dst port $CPORT and tcp[tcpflags] & tcp-rst != 0" 1
pass "stale clients reset when they sent: echo client gone, curl exit $dl_rc, b's sockets gone ($(stats_line tx_rst_unknown tx_rst_bad_cookie))"

# 4. New connections, one from the dead download's port.
on_b timeout 20 curl -sS --local-port "$CPORT" -o "$WORKDIR/fresh.body" \
	"http://$IP_A:$HTTP/$FRESH" || fail "a new download from port $CPORT: curl exit $?"
cmp -s <(pattern "$FRESH") "$WORKDIR/fresh.body" || fail "the new download is not the pattern"
reply=$(printf 'again\n' | on_b timeout 5 socat -t 2 - "TCP:$IP_A:$ECHO") || fail "a new echo connection"
assert_eq "echo on a new connection" "$reply" again
wait_for "no connection left in xtcpd" 5 conns_open
pass "new connections: $FRESH bytes from port $CPORT exact, echo works; none left open"
reap "$TCPDUMP_PID" INT
stop_xtcpd
