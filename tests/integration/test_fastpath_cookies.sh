#!/usr/bin/env bash
# SYN cookies at the NIC, xtcpd --syncookies always, against the kernel's
# TCP on side b.
#
#   1. 1000 HTTP requests, each on its own connection (one curl, with
#      "Connection: close"; curl sends its request right behind the
#      handshake's last ACK): all 200 with the 16-byte page, 1000
#      connects; XDP answered 1000 SYNs with cookies and steered 1000
#      cookie ACKs to xtcpd (tx_synack_cookie, redirect_cookie_ack), which
#      opened 1000 connections (passive_opens) without ever holding one in
#      SYN-RECEIVED (1000 "=> ESTABLISHED" in its -v log). The one
#      exception: b's kernel may reuse a port whose last connection xtcpd
#      still holds in TIME-WAIT (xtcpd closes first). That SYN reaches
#      xtcpd, which reopens the tuple statefully (RFC 9293 3.10.7.4,
#      RFC 6191; Linux too answers a TIME-WAIT SYN without a cookie). Such
#      reopenings, and only they, may pass through SYN-RECEIVED, and the
#      cookie counters account for the rest.
#   2. bulk both ways over a cookie connection: 2 MB through echo (socat),
#      sha256 equal
#   3. the client's first data as the handshake's last segment: a SYN and
#      then an ACK carrying 12 bytes, forged with hping3 (the kernel's own
#      pure ACK never arrives); the cookie in its ACK number is good, xtcpd
#      opens the connection with those bytes and echoes them
#   4. a client without timestamps (b's tcp_timestamps=0) still gets window
#      scaling and SACK: the cookie SYN-ACK offers both (tcpdump), b's
#      kernel uses the scale (ss -i), and 2 MB echo intact
#   5. with --msl 1 no connection is left, xtcpd sent no RST
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"
# shellcheck source=tests/integration/lib_fastpath.sh
. "$(dirname "$0")/lib_fastpath.sh"

HTTP_PORT=80
ECHO_PORT=7
N=${XTCP_MANY:-1000}
MB=$((1024 * 1024))
# hping3's port for part 3: below b's ephemeral range, so no kernel socket
# of b's has it.
FORGED_PORT=20007

# Reads xtcpd's -v log; prints "REOPENED STRAY": state changes into
# SYN-RECEIVED that follow "TIME-WAIT => CLOSED" for the same tuple, and
# those that do not. A line reads "xtcpd: debug: 80 <> 45630: A => B".
syn_received_after_time_wait() {
	awk '$4 == "<>" && $7 == "=>" {
		pair = $3 " " $5
		if ($8 == "SYN-RECEIVED") {
			if (last[pair] == "TIME-WAIT CLOSED") reopened++; else stray++
		}
		last[pair] = $6 " " $8
	}
	END { print reopened + 0, stray + 0 }' "$1"
}

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
# -v: xtcpd logs every state change ("LPORT <> RPORT: A => B").
start_xtcpd xtcpd.log -v --syncookies always --msl 1 \
	--listen "$HTTP_PORT:http" --listen "$ECHO_PORT:echo"
wait_for "syncookies_on = 1" 5 stat_eq syncookies_on 1

# 1. N connections, sampled while they run.
synack0=$(xt_stat tx_synack_cookie)
cack0=$(xt_stat redirect_cookie_ack)
opens0=$(xt_stat passive_opens)
t0=$(now_ms)
curl_many curl.out "$N" "$HTTP_PORT"
sample_while "$CURL_PID" 125 conns_syn_recv
wait_exit "$CURL_PID" 5 || fail "curl still running after the sampling ended"
reap "$CURL_PID"
took=$(ms_since "$t0")
assert_eq "curl, $N requests: exit status" "$REAP_STATUS" 0
assert_eq "curl, $N requests: responses (count status connects size)" \
	"$(curl_summary curl.out)" "$N 200 1 16"
pass "$N GET / with Connection: close: $N connections, all 200 with 16 bytes (${took} ms)"

# The log says what the samples may miss between two publications:
# "=> SYN-RECEIVED" only right after "TIME-WAIT => CLOSED" for the tuple.
read -r reopened stray < <(syn_received_after_time_wait "$XTCPD_LOG")
[ "$stray" = 0 ] || fail "xtcpd held $stray connections in SYN-RECEIVED that were not TIME-WAIT reopenings: $(grep -m 3 "=> SYN-RECEIVED" "$XTCPD_LOG")"
cookies=$((N - reopened))
assert_ge "tx_synack_cookie growth ($reopened TIME-WAIT reopenings)" \
	$(($(xt_stat tx_synack_cookie) - synack0)) "$cookies"
assert_ge "redirect_cookie_ack growth ($reopened TIME-WAIT reopenings)" \
	$(($(xt_stat redirect_cookie_ack) - cack0)) "$cookies"
# (xtcpd publishes its counters every ~100 ms.)
wait_for "passive_opens >= $opens0 + $N" 5 stat_ge passive_opens $((opens0 + N))
assert_ge "samples of conns_syn_recv while curl ran" "$SAMPLES" 1
assert_ge "TIME-WAIT reopenings >= largest conns_syn_recv in $SAMPLES samples" \
	"$reopened" "${SAMPLE_MAX[conns_syn_recv]}"
assert_eq "tx_rst_bad_cookie" "$(xt_stat tx_rst_bad_cookie)" 0
est=$(grep -c "<> [0-9]*: .* => ESTABLISHED" "$XTCPD_LOG" || :)
assert_ge "state changes to ESTABLISHED in xtcpd's log" "$est" "$N"
pass "cookies: $(stats_line tx_synack_cookie redirect_cookie_ack passive_opens); $reopened SYNs reopened a TIME-WAIT tuple; conns_syn_recv at most ${SAMPLE_MAX[conns_syn_recv]} in $SAMPLES samples"

# 2. 2 MB both ways through echo, over a cookie connection.
synack0=$(xt_stat tx_synack_cookie)
cack0=$(xt_stat redirect_cookie_ack)
echo_bulk "$ECHO_PORT" $((2 * MB))
assert_eq "echo 2 MB: cookie SYN-ACKs for it" $(($(xt_stat tx_synack_cookie) - synack0)) 1
assert_eq "echo 2 MB: cookie ACKs for it" $(($(xt_stat redirect_cookie_ack) - cack0)) 1
pass "echo: 2 MB each way over a cookie connection, sha256 equal (${ECHO_MS} ms)"

# 3. The first data in the handshake's last segment. hping3 sends the SYN
# (ISN 1000, no options); the SYN-ACK's sequence number is the cookie.
# b's kernel resets the SYN-ACK (no socket of its own): XDP drops that
# RST, a RST for a tuple it does not know.
capture TCPDUMP_PID forged.pcap "tcp and host $IP_A and port $FORGED_PORT"
cack0=$(xt_stat redirect_cookie_ack)
opens0=$(xt_stat passive_opens)
hping_b forged.log 10 -q -S -k -s "$FORGED_PORT" -p "$ECHO_PORT" -M 1000 -c 1
synack_filter="src host $IP_A and src port $ECHO_PORT and tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)"
wait_for "the cookie SYN-ACK to :$FORGED_PORT on the wire" 5 pcap_ge forged.pcap "$synack_filter" 1
cookie=$(tcpdump -n -S -r "$WORKDIR/forged.pcap" "$synack_filter" 2>/dev/null |
	sed -n '1s/.* seq \([0-9]*\), ack 1001,.*/\1/p')
[ -n "$cookie" ] || fail "no 'seq COOKIE, ack 1001' in the SYN-ACK: $(pcap_show forged.pcap)"
DATA='cookie-data'
printf '%s\n' "$DATA" >"$WORKDIR/data"
hping_b forged.log 10 -q -A -P -k -s "$FORGED_PORT" -p "$ECHO_PORT" -M 1001 \
	-L "$(seq_add "$cookie" 1)" -d $((${#DATA} + 1)) -E "$WORKDIR/data" -c 1
echo_filter="src host $IP_A and src port $ECHO_PORT and tcp[tcpflags] & tcp-push != 0"
wait_for "xtcpd's echo of the ACK's data on the wire" 5 pcap_ge forged.pcap "$echo_filter" 1
reap "$TCPDUMP_PID" INT
tcpdump -n -A -r "$WORKDIR/forged.pcap" "$echo_filter" 2>/dev/null | grep -q "$DATA" || {
	pcap_show forged.pcap | sed 's/^/  | /' >&2
	fail "the segment xtcpd pushed to :$FORGED_PORT does not carry '$DATA'"
}
assert_eq "cookie ACKs steered to xtcpd for the forged ACK" \
	$(($(xt_stat redirect_cookie_ack) - cack0)) 1
wait_for "passive_opens = $opens0 + 1" 5 stat_eq passive_opens $((opens0 + 1))
pass "an ACK with data and a good cookie: xtcpd opened the connection and echoed '$DATA'"

# 4. A client without timestamps (b's kernel with RFC 7323 off) still gets
# window scaling and SACK: the cookie carries them, not TSval. The cookie
# SYN-ACK on the wire offers both and no timestamps, and b's kernel took
# the scale (ss: "wscale:S,R"; this ss prints no "sack" or "ts" at all).
on_b sysctl -qw net.ipv4.tcp_timestamps=0
capture TCPDUMP_PID nots.pcap "tcp and host $IP_A and port $ECHO_PORT"
cack0=$(xt_stat redirect_cookie_ack)
held_client "$ECHO_PORT"
wait_for "b's echo client ESTABLISHED" 5 b_client_port "$ECHO_PORT"
opts=$(on_b ss -Htni state established "( dst $IP_A and dport = :$ECHO_PORT )" |
	tr -s ' \t\n' ' ')
grep -Eq ' wscale:[0-9]+,[0-9]+ ' <<<"$opts " ||
	fail "no window scale on b's cookie connection without timestamps: $opts"
assert_eq "cookie ACKs for the client without timestamps" \
	$(($(xt_stat redirect_cookie_ack) - cack0)) 1
exec 5>&-
wait_exit "$CLIENT_PID" 5 || fail "the held client did not end after its EOF"
reap "$CLIENT_PID"
reap "$TCPDUMP_PID" INT
synack=$(tcpdump -n -v -r "$WORKDIR/nots.pcap" \
	"src host $IP_A and tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)" 2>/dev/null |
	grep -o 'options \[.*\]' | sed -n 1p)
case $synack in
*sackOK*wscale*) ;;
*) fail "the cookie SYN-ACK to a SYN without timestamps: '$synack', not sackOK and wscale" ;;
esac
case $synack in *TS*) fail "the cookie SYN-ACK offers timestamps the SYN did not: $synack" ;; esac
echo_bulk "$ECHO_PORT" $((2 * MB))
on_b sysctl -qw net.ipv4.tcp_timestamps=1
pass "no timestamps: the cookie SYN-ACK offers $synack, b took $(grep -Eo 'wscale:[0-9]+,[0-9]+' <<<"$opts"); 2 MB echoed intact (${ECHO_MS} ms)"

# 5. Nothing left: the curl and socat connections are done, the forged one
# ended when b's kernel reset xtcpd's echo (TIME_WAIT lasts 2 s).
wait_for "no connection left in xtcpd" 10 conns_open
assert_eq "xtcpd resets_sent" "$(xt_stat resets_sent)" 0
pass "no connection left, no RST from xtcpd; $(stats_line tx_synack_cookie redirect_cookie_ack drop_rst_unknown resets_received retransmits)"

stop_xtcpd
