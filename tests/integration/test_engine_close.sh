#!/usr/bin/env bash
# Who closes first, and what each side is left with, against the kernel's
# TCP on side b; and a port nobody serves.
#
#   1. banner: the client (which never shuts its write side) reads
#      "xtcp banner\r\n", then EOF
#   2. on the wire: xtcpd's FIN comes first, exactly one FIN each way, the
#      last segment is xtcpd's ACK of b's FIN, no RST
#   3. the kernel, having had the FIN first, went CLOSE-WAIT -> LAST-ACK ->
#      CLOSED: no socket at all left on b to :13
#   4. xtcpd holds the connection in TIME_WAIT for 2 MSL (--msl 1: 2 s,
#      neither much less nor much more), then nothing is left
#   5. a port nobody listens on: side a's kernel, which still owns it,
#      answers the SYN with a RST at once; curl exits 7
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

PORT=13
UNUSED_PORT=8081
MSL=1
BANNER=$'xtcp banner\r\n'

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --msl "$MSL" --listen "$PORT:banner"

capture TCPDUMP_PID close.pcap "tcp and host $IP_A and port $PORT"

# 1. socat -u reads until EOF and never sends, nor shuts down, first.
tw0=$(xt_stat conns_time_wait)
assert_eq "conns_time_wait before" "$tw0" 0
rc=0
on_b timeout 10 socat -u "TCP:$IP_A:$PORT" - >"$WORKDIR/banner" || rc=$?
[ "$rc" -ne 124 ] || fail "banner: client saw no EOF in 10 s (got '$(od -c "$WORKDIR/banner" | head -n 2)')"
assert_eq "banner: socat exit status" "$rc" 0
printf '%s' "$BANNER" | cmp -s - "$WORKDIR/banner" ||
	fail "banner: got $(od -c "$WORKDIR/banner" | head -n 3)"
pass "banner: 'xtcp banner\\r\\n', then EOF"

# 4a. TIME_WAIT on xtcpd's side (it has 2 s; stats come every ~100 ms).
wait_for "conns_time_wait >= 1 after the banner" 2 stat_ge conns_time_wait 1
pass "xtcpd in TIME_WAIT (closed first)"

# 3. b's socket: CLOSE-WAIT -> LAST-ACK -> CLOSED once xtcpd ACKs b's FIN.
wait_for "no socket left on b to $IP_A:$PORT" 5 b_no_socks "$PORT"
pass "b's kernel: no socket left to $IP_A:$PORT (not even TIME-WAIT)"

# 4b. TIME_WAIT lasts 2 MSL: gone within 2 MSL + margin (the deadline);
# not before 2 MSL after b's FIN (timed on the wire, below).
wait_for "conns_time_wait back to 0 within 2 MSL + 3 s" $((2 * MSL + 3)) stat_eq conns_time_wait 0
t_gone=$(now_ms)
wait_for "no connection left in xtcpd" 5 conns_open

# 2. The wire.
reap "$TCPDUMP_PID" INT
fins_a=$(pcap_count close.pcap "src host $IP_A and tcp[tcpflags] & tcp-fin != 0")
fins_b=$(pcap_count close.pcap "src host $IP_B and tcp[tcpflags] & tcp-fin != 0")
rsts=$(pcap_count close.pcap "tcp[tcpflags] & tcp-rst != 0")
first_fin=$(pcap_show close.pcap "tcp[tcpflags] & tcp-fin != 0" | sed -n 1p)
last=$(pcap_show close.pcap | tail -n 1)
{
	echo "  --- the connection, as b saw it ---"
	pcap_show close.pcap | sed 's/^/  | /'
} >"$WORKDIR/wire.txt"
wire_fail() {
	cat "$WORKDIR/wire.txt" >&2
	fail "$@"
}
[ "$fins_a" -eq 1 ] || wire_fail "FINs: $fins_a from a, $fins_b from b; want 1 each"
[ "$fins_b" -eq 1 ] || wire_fail "FINs: $fins_a from a, $fins_b from b; want 1 each"
[ "$rsts" -eq 0 ] || wire_fail "$rsts RST segments"
case $first_fin in
*" IP $IP_A.$PORT > "*) ;;
*) wire_fail "the first FIN is not xtcpd's: $first_fin" ;;
esac
case $last in
*" IP $IP_A.$PORT > "*"Flags [.]"*) ;;
*) wire_fail "the last segment is not xtcpd's ACK of b's FIN: $last" ;;
esac
pass "wire: xtcpd's FIN first, one FIN each way, xtcpd ACKs b's FIN last, no RST"

# b's FIN put xtcpd in TIME_WAIT; 0 was seen at t_gone (stats lag ~100 ms,
# which only makes it later).
fin_b_ms=$(pcap_first_ms close.pcap "src host $IP_B and tcp[tcpflags] & tcp-fin != 0") ||
	wire_fail "no FIN from b in the capture"
held=$((t_gone - fin_b_ms))
[ "$held" -ge $((2 * MSL * 1000 - 200)) ] ||
	fail "TIME_WAIT over ${held} ms after b's FIN: 2 MSL is $((2 * MSL * 1000)) ms"
pass "TIME_WAIT held ~${held} ms after b's FIN (2 MSL = $((2 * MSL)) s), then no connection left"

# 5. Nobody listens on UNUSED_PORT: side a's kernel refuses, at once, with
# a RST (curl 7 is any failure to connect; the capture says which).
capture TCPDUMP_PID refused.pcap "tcp and host $IP_A and port $UNUSED_PORT"
t0=$(now_ms)
rc=0
on_b timeout 10 curl -sS --max-time 8 "http://$IP_A:$UNUSED_PORT/" >/dev/null 2>"$WORKDIR/refused.err" || rc=$?
took=$(ms_since "$t0")
assert_eq "curl to :$UNUSED_PORT: exit status (7: could not connect; $(cat "$WORKDIR/refused.err"))" "$rc" 7
[ "$took" -lt 2000 ] || fail "curl to :$UNUSED_PORT took ${took} ms to fail"
wait_for "a RST from $IP_A:$UNUSED_PORT in the capture" 5 \
	pcap_ge refused.pcap "src host $IP_A and tcp[tcpflags] & tcp-rst != 0" 1
reap "$TCPDUMP_PID" INT
assert_ge "pass_unowned (the SYN to :$UNUSED_PORT went to the kernel)" "$(xt_stat pass_unowned)" 1
pass "port $UNUSED_PORT: refused with a RST in ${took} ms, curl exit 7"

stop_xtcpd
