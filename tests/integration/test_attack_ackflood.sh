#!/usr/bin/env bash
# An ACK flood with spoofed sources against xtcpd's http port, while the
# kernel's TCP on side b keeps making real requests (issue 12, attacks).
#
#   1. xtcp-inject floods from b: FLOOD_N segments (pure ACKs, ACKs with
#      data, FIN-ACKs in turn) at FLOOD_RATE/s from random addresses of
#      the testbed's /24 and random ports, random numbers; none brings a
#      valid cookie, so each is one XDP would answer with a RST
#   2. meanwhile REQS curl requests, one after the other: all 200
#   3. the RSTs XDP sent for them (tx_rst_bad_cookie + tx_rst_unknown) are
#      at most --rst-burst + --rst-rate per second of the flood, and at
#      least the burst; the rest are counted in drop_rst_ratelimit; XDP
#      saw at least half of what was sent
#   4. xtcpd still runs, holds nothing for the flood, serves a request
#      afterwards, and stops cleanly
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"
# shellcheck source=tests/integration/lib_fastpath.sh
. "$(dirname "$0")/lib_fastpath.sh"
# shellcheck source=tests/integration/lib_attack.sh
. "$(dirname "$0")/lib_attack.sh"

PORT=80
FLOOD_N=150000
FLOOD_RATE=50000
FLOOD_S=4
RST_RATE=200
RST_BURST=20
REQS=10

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --msl 1 --listen "$PORT:http" \
	--rst-rate "$RST_RATE" --rst-burst "$RST_BURST"

rx0=$(xt_stat rx_frames)
rst0=$(stat_sum tx_rst_bad_cookie tx_rst_unknown)
lim0=$(xt_stat drop_rst_ratelimit)
opens0=$(xt_stat passive_opens)

# 1. The flood, and 2. the clients once it is under way.
t0=$(now_ms)
inject FLOOD_PID flood.log flood --dst "$IP_A:$PORT" \
	--src-net "$IP_A/$PREFIX" --src "$IP_B" --count "$FLOOD_N" --rate "$FLOOD_RATE" \
	--seconds "$FLOOD_S"
wait_for "the flood under way (rx_frames >= $rx0 + 1000)" 5 \
	stat_ge rx_frames $((rx0 + 1000))
clients CLIENTS_PID clients.out "$REQS" "$PORT"

inject_done "$FLOOD_PID" flood.log
flood_ms=$(ms_since "$t0")
wait_exit "$CLIENTS_PID" 20 || fail "the $REQS requests not done 20 s after the flood"
reap "$CLIENTS_PID"
assert_eq "the clients' exit status" "$REAP_STATUS" 0
assert_eq "$REQS requests during the flood (count status connects)" \
	"$(curl_summary clients.out)" "$REQS 200 1"
pass "$REQS requests during the flood, each on its own connection: all 200"
pass "flood: $(inject_line flood.log)"

# 3. What XDP made of it.
sent=$INJECT_SENT
rx=$(($(xt_stat rx_frames) - rx0))
rsts=$(($(stat_sum tx_rst_bad_cookie tx_rst_unknown) - rst0))
limited=$(($(xt_stat drop_rst_ratelimit) - lim0))
max_rsts=$((RST_BURST + RST_RATE * (flood_ms + 999) / 1000))
assert_ge "frames XDP saw" "$rx" $((sent / 2))
assert_ge "RSTs sent (at least the burst)" "$rsts" "$RST_BURST"
[ "$rsts" -le "$max_rsts" ] ||
	fail "XDP sent $rsts RSTs in $flood_ms ms, more than $RST_BURST + $RST_RATE/s allow ($max_rsts)"
# Everything seen but the RSTs and the clients' own segments was withheld.
assert_ge "RSTs withheld (drop_rst_ratelimit)" "$limited" $((rx - rsts - 20 * (REQS + 1)))
pass "$rx frames seen, $rsts RSTs sent (at most $max_rsts in $flood_ms ms), $limited withheld"

# 4. xtcpd is unharmed.
alive "$XTCPD_PID" || fail "xtcpd died during the flood"
assert_eq "GET / after the flood" \
	"$(on_b curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://$IP_A:$PORT/")" 200
wait_for "passive_opens = $opens0 + $REQS + 1" 5 stat_eq passive_opens $((opens0 + REQS + 1))
wait_for "no connection left in xtcpd" 10 conns_open
pass "nothing held for the flood; $(stats_line tx_rst_bad_cookie drop_rst_ratelimit drop_bad_cookie passive_opens)"

stop_xtcpd
