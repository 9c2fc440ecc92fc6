#!/usr/bin/env bash
# Keepalive (RFC 1122 4.2.3.6) against the kernel's TCP on side b, with
# xtcpd --keepalive 1,1,3: probe after 1 s idle, every 1 s, give up after
# 3 unanswered probes.
#
#   1. positive control: an idle echo connection, peer alive, survives 6 s;
#      on the wire, xtcpd's probes start after the idle time and b's kernel
#      answers each; the connection still echoes afterwards
#   2. the peer vanishes (b's veth down): within idle + 3 x intvl + margin
#      the connection is gone from xtcpd (conns_established 0,
#      keepalive_drops >= 1), and not before the probes had their time
#   3. the peer comes back and sends: xtcpd, which has forgotten the
#      connection, answers with a RST; the client ends, b's socket is gone
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

PORT=7
KA_IDLE=1
KA_INTVL=1
KA_COUNT=3
HOLD_S=6
# idle + count x intvl, and as much again for scheduling and stats.
DROP_S=$((2 * (KA_IDLE + KA_COUNT * KA_INTVL)))

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --keepalive "$KA_IDLE,$KA_INTVL,$KA_COUNT" --listen "$PORT:echo"

# Segments with no SYN, FIN or RST: after the handshake, on an idle
# connection, those from a are keepalive probes and those from b the
# answers.
BARE="tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) == 0"

capture TCPDUMP_PID ka.pcap "tcp and host $IP_A and port $PORT"

# The client: socat, held open by this shell (fd 5), echo in client.log.
held_client "$PORT"
wait_for "conns_established = 1" 5 stat_eq conns_established 1
pass "idle echo connection established"

# 1. Positive control.
ka_alive() {
	alive "$CLIENT_PID" || {
		echo "the client exited: $(cat "$WORKDIR/client.log")"
		return 1
	}
	stat_eq conns_established 1 && stat_eq keepalive_drops 0
}
hold_for "idle connection alive, peer answering probes" "$HOLD_S" ka_alive
pass "idle connection alive for ${HOLD_S}s ($(stats_line conns_established keepalive_drops))"

printf 'after-idle\n' >&5
wait_for "the echo of 'after-idle'" 5 grep -qx after-idle "$WORKDIR/client.log"
pass "still echoes after ${HOLD_S}s idle"

reap "$TCPDUMP_PID" INT
probes=$(pcap_count ka.pcap "src host $IP_A and $BARE")
answers=$(pcap_count ka.pcap "src host $IP_B and $BARE")
# The handshake's last segment, and the first probe after it.
t_hs=$(pcap_first_ms ka.pcap "src host $IP_B and $BARE") || t_hs=
t_probe=$(pcap_first_ms ka.pcap "src host $IP_A and $BARE") || t_probe=
wire_fail() {
	echo "  --- the connection, as b saw it ---" >&2
	pcap_show ka.pcap | sed 's/^/  | /' >&2
	fail "$@"
}
# One probe per idle period, give or take: HOLD_S / KA_IDLE - 1 at least.
[ "$probes" -ge $((HOLD_S / KA_IDLE - 2)) ] ||
	wire_fail "$probes keepalive probes from xtcpd in ${HOLD_S}s idle (idle ${KA_IDLE}s)"
# b's ACK of the SYN-ACK is one of b's bare segments.
[ "$answers" -ge "$probes" ] ||
	wire_fail "b answered $((answers - 1)) of $probes probes"
[ -n "$t_hs" ] || wire_fail "no handshake ACK from b"
[ -n "$t_probe" ] || wire_fail "no keepalive probe from a"
gap_ms=$((t_probe - t_hs))
[ "$gap_ms" -ge $((KA_IDLE * 1000 - 100)) ] ||
	wire_fail "first probe ${gap_ms} ms after the handshake: idle is ${KA_IDLE}s"
pass "wire: $probes probes, the first ${gap_ms} ms after the handshake; b answered every one"

# 2. The peer vanishes.
ip -n "$NS_B" link set dev "$IF_B" down
on_exit ip -n "$NS_B" link set dev "$IF_B" up
t0=$(now_ms)
wait_for "conns_established = 0 within ${DROP_S}s of b going away" "$DROP_S" \
	stat_eq conns_established 0
took=$(ms_since "$t0")
# The last answered probe came at most ~KA_IDLE before the link went down;
# KA_COUNT unanswered probes KA_INTVL apart take longer than this.
[ "$took" -ge $(((KA_COUNT - 1) * KA_INTVL * 1000)) ] ||
	fail "connection dropped ${took} ms after the peer went away: too soon for $KA_COUNT probes ${KA_INTVL}s apart"
wait_for "keepalive_drops >= 1" 2 stat_ge keepalive_drops 1
wait_for "no connection left in xtcpd" 2 conns_open
pass "peer gone: dropped after ${took} ms ($(stats_line keepalive_drops timeouts conns_established))"

# 3. The peer comes back, still believing in the connection, and sends.
ip -n "$NS_B" link set dev "$IF_B" up
link_up() {
	ip -n "$NS_A" link show dev "$IF_A" | grep -q 'state UP' &&
		ip -n "$NS_B" link show dev "$IF_B" | grep -q 'state UP'
}
wait_for "both veths up again" 5 link_up
alive "$CLIENT_PID" || fail "the client exited while the link was down: $(cat "$WORKDIR/client.log")"
assert_eq "b's socket to :$PORT while the link was down" \
	"$(b_socks "$PORT" | awk '{ print $1 }')" ESTAB
capture TCPDUMP_PID back.pcap "tcp and host $IP_A and port $PORT"
# The tuple left conns when keepalive dropped it: XDP answers, not xtcpd.
# To a listening port an unknown ACK is a failed cookie: that counter.
xdp_resets() {
	echo $(($(xt_stat tx_rst_unknown) + $(xt_stat tx_rst_bad_cookie)))
}
xdp_resets_above() {
	[ "$(xdp_resets)" -gt "$1" ]
}
rst0=$(xdp_resets)
printf 'after-drop\n' >&5
wait_exit "$CLIENT_PID" 10 ||
	fail "the client still runs 10 s after sending to a dropped connection: $(cat "$WORKDIR/client.log")"
reap "$CLIENT_PID"
# (socat may count the reset as an EOF, so its status says little; the
# wire and b's socket table say what happened.)
wait_for "a RST from $IP_A:$PORT on the wire" 5 \
	pcap_ge back.pcap "src host $IP_A and src port $PORT and tcp[tcpflags] & tcp-rst != 0" 1
wait_for "XDP's resets > $rst0 (it reset the unknown tuple)" 2 \
	xdp_resets_above "$rst0"
wait_for "no socket left on b to :$PORT" 5 b_no_socks "$PORT"
reap "$TCPDUMP_PID" INT
pass "peer back: its data got a RST from XDP; the client ended (status $REAP_STATUS), b's socket is gone"

stop_xtcpd
