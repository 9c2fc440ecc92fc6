#!/usr/bin/env bash
# Forged RSTs (RFC 5961 §3) against a live connection between the kernel's
# TCP on side b and xtcpd's http, and against a tuple nobody holds. The
# RSTs come from b with hping3, on the live connection's tuple; their
# sequence numbers are placed against RCV.NXT and RCV.WND as XDP reads them
# (the pinned conns and conn_win maps). During a download the client sends
# nothing, so RCV.NXT stays put.
#
#   a. outside the window (RCV.NXT + 2^30, RCV.NXT - 1, RCV.NXT + RCV.WND):
#      XDP drops each (drop_rst_window +3); xtcpd never sees them
#   b. inside the window, not RCV.NXT (RCV.NXT + 1000,
#      RCV.NXT + RCV.WND - 1): xtcpd answers each with a challenge ACK
#      (challenge_acks +2; on the wire, a's next segment acknowledges
#      RCV.NXT: during the download it may be a data segment) and the
#      connection lives on
#   c. for a tuple xtcpd does not hold: XDP drops it (drop_rst_unknown +1)
#      and nothing goes back
#   the download (24 MB at 2 MB/s) completes through all of it, its sha256
#   that of GET /N's pattern, and xtcpd accepted no RST (resets_received 0)
#   d. a RST at exactly RCV.NXT on a second download: xtcpd resets the
#      connection (resets_received 1), its tuple leaves conns
#   e. on an idle echo connection, a RST inside the window (RCV.NXT +
#      1000) gets a bare ACK <SEQ=SND.NXT><ACK=RCV.NXT> and nothing else;
#      the connection still echoes
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"
# shellcheck source=tests/integration/lib_fastpath.sh
. "$(dirname "$0")/lib_fastpath.sh"

PORT=80
BODY=$((24 * 1000 * 1000))
RATE=2M
ECHO_PORT=7
# A port of b's that no connection uses (below b's ephemeral range).
UNKNOWN_PORT=20080

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --msl 1 --listen "$PORT:http" --listen "$ECHO_PORT:echo"

# Segments from a with nothing in them but an ACK: no SYN, FIN, RST, PSH,
# no payload.
A_BARE="src host $IP_A and tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst|tcp-push) == 0 and tcp[tcpflags] & tcp-ack != 0 and ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) == 0"

# next_from_a PCAP BPORT SEQ: the first segment from a to b's BPORT after
# the RST with sequence number SEQ, as tcpdump -S prints it.
next_from_a() {
	tcpdump -n -S -r "$(workfile "$1")" 2>/dev/null |
		awk -v rst="$IP_B.$2 > $IP_A.*Flags \\[R\\], seq $3," -v from="$IP_A.[0-9]* > $IP_B.$2:" '
			found { next }	# (reads on: tcpdump must not die of SIGPIPE)
			$0 ~ rst { seen = 1; next }
			seen && $0 ~ from { print; found = 1 }
			END { exit !found }'
}

capture TCPDUMP_PID rst.pcap "tcp and host $IP_A and port $PORT"

# b_receiving SPORT: whether b's socket on SPORT has received data (xtcpd
# has the request and sends the body).
b_receiving() {
	on_b ss -Htni "( sport = :$1 )" | grep -o 'bytes_received:[1-9][0-9]*'
}

# follow LPORT: the connection of b's one client to a's LPORT, once its
# data flows: b's port in SPORT, the conn_win slot in SLOT, RCV.NXT and
# RCV.WND in RN and WND.
follow() {
	wait_for "b's client connected to :$1" 5 b_client_port "$1"
	SPORT=$(b_client_port "$1")
	wait_for "the connection :$SPORT -> :$1 in conns with its slot" 5 conn_slot "$SPORT" "$1"
	SLOT=$(conn_slot "$SPORT" "$1")
	wait_for "data flowing to b's :$SPORT" 5 b_receiving "$SPORT"
	read -r RN WND < <(conn_win "$SLOT")
	[ -n "$WND" ] || fail "no RCV.NXT, RCV.WND for slot $SLOT"
	echo "connection $IP_B:$SPORT -> $IP_A:$1: slot $SLOT, RCV.NXT $RN, RCV.WND $WND"
}

# The download.
spawn b CURL_PID curl.err timeout 60 curl -sS --max-time 50 --limit-rate "$RATE" \
	-o "$WORKDIR/body" -w '%{http_code} %{size_download}\n' "http://$IP_A:$PORT/$BODY"
follow "$PORT"
assert_ge "RCV.WND" "$WND" 2000

# still_alive: the download is still running, the connection established.
still_alive() {
	alive "$CURL_PID" || fail "the download ended early: $(cat "$WORKDIR/curl.err")"
	assert_eq "conns_established" "$(xt_stat conns_established)" 1
	conn_slot "$SPORT" "$PORT" >/dev/null || fail "the connection left conns"
}
# win_now: RCV.NXT and RCV.WND again, which must not have moved.
win_now() {
	local rn wnd
	read -r rn wnd < <(conn_win "$SLOT")
	assert_eq "RCV.NXT" "$rn" "$RN"
	WND=$wnd
}

# a. Outside the window: dropped in XDP.
d0=$(xt_stat drop_rst_window)
ch0=$(xt_stat challenge_acks)
n=0
for off in 1073741824 4294967295 WND; do
	win_now
	[ "$off" != WND ] || off=$WND
	forge_rst forged.log "$SPORT" "$PORT" "$(seq_add "$RN" "$off")"
	n=$((n + 1))
	wait_for "drop_rst_window = $d0 + $n (RST at RCV.NXT + $off)" 5 stat_eq drop_rst_window $((d0 + n))
	still_alive
done
assert_eq "challenge_acks after RSTs outside the window" "$(xt_stat challenge_acks)" "$ch0"
assert_eq "resets_received after RSTs outside the window" "$(xt_stat resets_received)" 0
pass "a. RSTs at RCV.NXT + 2^30, RCV.NXT - 1, RCV.NXT + RCV.WND: dropped by XDP ($(stats_line drop_rst_window challenge_acks)), the download goes on"

# b. Inside the window, not exact: a challenge ACK for each. xtcpd may
# send it on the next data segment (what it owes is an ACK of RCV.NXT),
# so on the wire: the first segment from a after each RST acknowledges
# RCV.NXT. (e. checks the bare challenge ACK of an idle connection.)
n=0
for off in 1000 WND-1; do
	win_now
	[ "$off" != WND-1 ] || off=$((WND - 1))
	seq=$(seq_add "$RN" "$off")
	forge_rst forged.log "$SPORT" "$PORT" "$seq"
	n=$((n + 1))
	wait_for "challenge_acks = $ch0 + $n (RST at RCV.NXT + $off)" 5 stat_eq challenge_acks $((ch0 + n))
	wait_for "a segment from a after the RST at $seq" 5 next_from_a rst.pcap "$SPORT" "$seq"
	line=$(next_from_a rst.pcap "$SPORT" "$seq")
	case $line in
	*" ack $RN,"*) ;;
	*) fail "the first segment from a after the RST at RCV.NXT + $off does not acknowledge RCV.NXT $RN: $line" ;;
	esac
	still_alive
done
assert_eq "drop_rst_window after RSTs inside the window" "$(xt_stat drop_rst_window)" $((d0 + 3))
assert_eq "resets_received after RSTs inside the window" "$(xt_stat resets_received)" 0
pass "b. RSTs at RCV.NXT + 1000 and RCV.NXT + RCV.WND - 1: a challenge ACK for each ($(stats_line challenge_acks)), a's next segments acknowledge $RN, the download goes on"

# c. A tuple nobody holds.
u0=$(xt_stat drop_rst_unknown)
t0=$(xt_stat tx_rst_unknown)
forge_rst forged.log "$UNKNOWN_PORT" "$PORT" 123456789
wait_for "drop_rst_unknown = $u0 + 1" 5 stat_eq drop_rst_unknown $((u0 + 1))
assert_eq "tx_rst_unknown after a RST for an unknown tuple" "$(xt_stat tx_rst_unknown)" "$t0"
assert_eq "segments from a to :$UNKNOWN_PORT" \
	"$(pcap_count rst.pcap "src host $IP_A and dst port $UNKNOWN_PORT")" 0
still_alive
pass "c. a RST for an unknown tuple: dropped by XDP, nothing sent back"

# The download completes, intact.
t0=$(now_ms)
wait_exit "$CURL_PID" 45 || fail "the download still runs 45 s later: $(cat "$WORKDIR/curl.err")"
reap "$CURL_PID"
assert_eq "curl exit status" "$REAP_STATUS" 0
assert_eq "curl: status and size" "$(cat "$WORKDIR/curl.err")" "200 $BODY"
assert_eq "body sha256" "$(sha "$WORKDIR/body")" "$(pattern "$BODY" | sha256sum | cut -d ' ' -f 1)"
assert_eq "resets_received" "$(xt_stat resets_received)" 0
pass "the download completed through the forged RSTs: $BODY bytes, sha256 right ($(stats_line drop_rst_window challenge_acks drop_rst_unknown resets_received))"

# d. Exactly RCV.NXT: the connection is reset.
spawn b CURL2_PID curl2.err timeout 30 curl -sS --max-time 20 --limit-rate "$RATE" \
	-o /dev/null "http://$IP_A:$PORT/$BODY"
follow "$PORT"
forge_rst forged.log "$SPORT" "$PORT" "$RN"
wait_for "resets_received = 1" 5 stat_eq resets_received 1
wait_for "conns_established = 0" 5 stat_eq conns_established 0
conn_slot "$SPORT" "$PORT" >/dev/null && fail "the reset connection is still in conns"
reap "$CURL2_PID"
pass "d. a RST at exactly RCV.NXT $RN: xtcpd reset the connection, its tuple left conns"

reap "$TCPDUMP_PID" INT

# e. An idle echo connection (socat, fed from a FIFO this shell holds on
# fd 5): a RST inside its window, not exact, gets one bare ACK
# <SEQ=SND.NXT><ACK=RCV.NXT> and nothing else; the connection still
# echoes.
capture TCPDUMP_PID idle.pcap "tcp and host $IP_A and port $ECHO_PORT"
held_client "$ECHO_PORT"
printf 'before\n' >&5
wait_for "the echo of 'before'" 5 grep -qx before "$WORKDIR/client.log"
follow "$ECHO_PORT"
# b's last ACK, of a's echo, is SND.NXT.
wait_for "b's ACK of the echo" 5 pcap_ge idle.pcap "src host $IP_B and tcp[tcpflags] & tcp-ack != 0" 3
snd_nxt=$(tcpdump -n -S -r "$WORKDIR/idle.pcap" "src host $IP_B and tcp[tcpflags] & tcp-ack != 0" 2>/dev/null |
	sed -n 's/.* ack \([0-9]*\),.*/\1/p' | tail -n 1)
ch0=$(xt_stat challenge_acks)
from_a0=$(pcap_count idle.pcap "src host $IP_A")
bare0=$(pcap_count idle.pcap "$A_BARE and tcp[4:4] = $snd_nxt and tcp[8:4] = $RN")
seq=$(seq_add "$RN" 1000)
forge_rst forged.log "$SPORT" "$ECHO_PORT" "$seq"
wait_for "challenge_acks = $ch0 + 1" 5 stat_eq challenge_acks $((ch0 + 1))
wait_for "a segment from a after the RST" 5 next_from_a idle.pcap "$SPORT" "$seq"
sleep 0.5
assert_eq "segments from a after the in-window RST on the idle connection" \
	$(($(pcap_count idle.pcap "src host $IP_A") - from_a0)) 1
# (tcpdump prints no seq for a segment without data; the filter reads it.)
assert_eq "bare ACKs from a with seq $snd_nxt (SND.NXT), ack $RN (RCV.NXT), after it" \
	$(($(pcap_count idle.pcap "$A_BARE and tcp[4:4] = $snd_nxt and tcp[8:4] = $RN") - bare0)) 1
printf 'after\n' >&5
wait_for "the echo of 'after'" 5 grep -qx after "$WORKDIR/client.log"
exec 5>&-
wait_exit "$CLIENT_PID" 10 || fail "socat still runs 10 s after its input ended"
reap "$CLIENT_PID"
assert_eq "socat exit status" "$REAP_STATUS" 0
reap "$TCPDUMP_PID" INT
assert_eq "resets_received" "$(xt_stat resets_received)" 1
pass "e. idle connection, RST at RCV.NXT + 1000: one bare challenge ACK (seq $snd_nxt, ack $RN), then it still echoes"

wait_for "no connection left in xtcpd" 10 conns_open
stop_xtcpd
