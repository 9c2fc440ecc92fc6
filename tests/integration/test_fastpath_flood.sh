#!/usr/bin/env bash
# A SYN flood against xtcpd --syncookies always, while the kernel's TCP on
# side b keeps making real requests.
#
#   1. a bounded flood: 20000 SYNs from side b's address with hping3, one
#      every 150 us (a few seconds), each from another source port, towards
#      the http port; XDP answers them all with cookie SYN-ACKs
#      (tx_synack_cookie grows by at least half of what hping3 sent), b's
#      kernel resets each SYN-ACK (it has no socket) and XDP drops those
#      RSTs for unknown tuples (drop_rst_unknown grows alike)
#   2. meanwhile 20 curl requests, one after the other, each on its own
#      connection: all 200, all done before the flood ends
#   3. xtcpd holds no state for the flood: conns_syn_recv 0 and
#      conns_established at most 1 (the curl of the moment) at every sample
#      during the flood; passive_opens grows by the 20 requests only; with
#      --msl 1 no connection is left afterwards
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"
# shellcheck source=tests/integration/lib_fastpath.sh
. "$(dirname "$0")/lib_fastpath.sh"

PORT=80
FLOOD_N=20000
FLOOD_US=150
REQS=20

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --syncookies always --msl 1 --listen "$PORT:http"
wait_for "syncookies_on = 1" 5 stat_eq syncookies_on 1

synack0=$(xt_stat tx_synack_cookie)
rstu0=$(xt_stat drop_rst_unknown)
opens0=$(xt_stat passive_opens)

# 1. The flood; the clients start once it is under way.
t0=$(now_ms)
flood FLOOD_PID flood.log "$PORT" "$FLOOD_N" "$FLOOD_US"
wait_for "the flood under way (tx_synack_cookie >= $synack0 + 500)" 10 \
	stat_ge tx_synack_cookie $((synack0 + 500))

# 2. The clients, one connection each, in b; a "status connects" line each.
# shellcheck disable=SC2016 # expanded by the inner bash
spawn b CLIENTS_PID clients.out timeout 60 bash -c '
	for ((i = 0; i < $3; i++)); do
		curl -sS --max-time 10 -H "Connection: close" -o /dev/null \
			-w "%{http_code} %{num_connects}\n" "http://$1:$2/"
		sleep 0.05
	done
' clients "$IP_A" "$PORT" "$REQS"

# 3. Sampled for as long as the flood lasts.
sample_while "$FLOOD_PID" 60 conns_syn_recv conns_established
flood_ms=$(ms_since "$t0")
# The clients must have finished while the flood still ran.
if alive "$CLIENTS_PID"; then
	fail "the $REQS requests were not done when the flood ended ($flood_ms ms): $(grep -c . "$WORKDIR/clients.out") done"
fi
reap "$CLIENTS_PID"
assert_eq "the clients' exit status" "$REAP_STATUS" 0
assert_eq "$REQS requests during the flood (count status connects)" \
	"$(curl_summary clients.out)" "$REQS 200 1"
pass "$REQS requests during the flood, each on its own connection: all 200"

wait_exit "$FLOOD_PID" 5 || fail "hping3 still running after the sampling"
reap "$FLOOD_PID"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$WORKDIR/flood.log")
assert_ge "SYNs hping3 sent" "$sent" $((FLOOD_N / 2))
pass "flood: $sent SYNs in $flood_ms ms"

synacks=$(($(xt_stat tx_synack_cookie) - synack0))
rsts=$(($(xt_stat drop_rst_unknown) - rstu0))
assert_ge "cookie SYN-ACKs during the flood" "$synacks" $((sent / 2))
assert_ge "RSTs for unknown tuples dropped (b's kernel's answers)" "$rsts" $((sent / 2))
assert_ge "samples during the flood" "$SAMPLES" 5
assert_eq "largest conns_syn_recv in $SAMPLES samples during the flood" \
	"${SAMPLE_MAX[conns_syn_recv]}" 0
[ "${SAMPLE_MAX[conns_established]}" -le 1 ] ||
	fail "conns_established reached ${SAMPLE_MAX[conns_established]} during the flood (one curl at a time)"
wait_for "passive_opens = $opens0 + $REQS" 5 stat_eq passive_opens $((opens0 + REQS))
hold_for "passive_opens stays $opens0 + $REQS" 1 stat_eq passive_opens $((opens0 + REQS))
pass "no state for the flood: $synacks cookie SYN-ACKs, $rsts RSTs dropped, conns_syn_recv 0 and conns_established <= 1 in $SAMPLES samples, $REQS passive opens"

wait_for "no connection left in xtcpd" 10 conns_open
assert_eq "xtcpd resets_sent" "$(xt_stat resets_sent)" 0
pass "nothing left; $(stats_line tx_synack_cookie redirect_cookie_ack drop_rst_unknown tx_rst_unknown passive_opens)"

stop_xtcpd
