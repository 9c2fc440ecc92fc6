#!/usr/bin/env bash
# xtcpd's default --syncookies auto, with --cookie-rate 500: xtcpd keeps
# SYN-RECEIVED state itself until the SYN rate passes 500/s, then XDP
# answers SYNs with cookies, until five calm seconds have passed.
#
#   1. calm: syncookies_on is 0 and stays so; a curl request is answered
#      through xtcpd's own handshake (tx_synack_cookie and
#      redirect_cookie_ack stay 0, passive_opens 1)
#   2. a bounded flood: 9000 SYNs from side b's address with hping3, one
#      per ms (about 1000/s for about 9 s), to the http port: syncookies_on
#      becomes 1 (syncookie_switches >= 1), XDP answers SYNs with cookies,
#      and curl requests during the flood get 200
#   3. the flood stops: syncookies_on is back to 0 within five calm
#      seconds and a margin (12 s), syncookie_switches >= 2; a curl
#      request goes through xtcpd's handshake again
#   4. cookies stayed on for as long as the flood lasted (every sample from
#      the switch on to the flood's end), one switch on and one off in all
#      (syncookie_switches = 2), and they went off no sooner than the five
#      calm seconds allow (2.5 s after hping3's exit, which comes 1 s after
#      its last SYN): a flood that goes on is not calm
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"
# shellcheck source=tests/integration/lib_fastpath.sh
. "$(dirname "$0")/lib_fastpath.sh"

PORT=80
RATE=500
FLOOD_N=9000
FLOOD_US=1000
OFF_S=12

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --cookie-rate "$RATE" --msl 1 --listen "$PORT:http"

# get_ok: one GET / on a new connection, which must get 200.
get_ok() {
	local out
	out=$(on_b timeout 15 curl -sS --max-time 10 -o /dev/null \
		-w '%{http_code} %{num_connects}' "http://$IP_A:$PORT/" 2>&1) ||
		fail "curl: exit $?: $out"
	assert_eq "curl: status and connects" "$out" "200 1"
}

# 1. Calm.
hold_for "syncookies_on = 0 before any load" 2 stat_eq syncookies_on 0
get_ok
wait_for "passive_opens = 1" 5 stat_eq passive_opens 1
assert_eq "tx_synack_cookie before the flood" "$(xt_stat tx_synack_cookie)" 0
assert_eq "redirect_cookie_ack before the flood" "$(xt_stat redirect_cookie_ack)" 0
assert_eq "syncookie_switches before the flood" "$(xt_stat syncookie_switches)" 0
pass "calm: cookies off, a request answered through xtcpd's own handshake"

# 2. The flood.
t0=$(now_ms)
flood FLOOD_PID flood.log "$PORT" "$FLOOD_N" "$FLOOD_US"
wait_for "syncookies_on = 1 under the flood" 5 stat_eq syncookies_on 1
on_ms=$(ms_since "$t0")
assert_ge "syncookie_switches under the flood" "$(xt_stat syncookie_switches)" 1
synack0=$(xt_stat tx_synack_cookie)
wait_for "XDP answering SYNs with cookies" 5 stat_ge tx_synack_cookie $((synack0 + 100))
for i in 1 2 3; do
	get_ok
done
alive "$FLOOD_PID" || fail "the flood ended before the requests were done"
pass "flood: cookies on ${on_ms} ms after it began; 3 requests during it got 200"

sample_while "$FLOOD_PID" 40 syncookies_on syncookie_switches
flood_ms=$(ms_since "$t0")
wait_exit "$FLOOD_PID" 5 || fail "hping3 still running after the sampling"
reap "$FLOOD_PID"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$WORKDIR/flood.log")
assert_ge "SYNs hping3 sent" "$sent" $((FLOOD_N / 2))
# hping3 lingers a second after its last SYN.
pass "flood: $sent SYNs in $((flood_ms - 1000)) ms or so"

# 3. Calm again.
t1=$(now_ms)
wait_for "syncookies_on = 0 within ${OFF_S}s of the flood's end" "$OFF_S" stat_eq syncookies_on 0
off_ms=$(ms_since "$t1")
assert_ge "syncookie_switches after the flood" "$(xt_stat syncookie_switches)" 2
synack1=$(xt_stat tx_synack_cookie)
opens1=$(xt_stat passive_opens)
get_ok
wait_for "passive_opens = $opens1 + 1" 5 stat_eq passive_opens $((opens1 + 1))
assert_eq "tx_synack_cookie for a request after the flood" "$(xt_stat tx_synack_cookie)" "$synack1"
pass "calm again: cookies off ${off_ms} ms after hping3's exit (its last SYN about 1 s before), the next request through xtcpd's handshake"

# 4. No switch while the flood lasted.
assert_ge "samples during the flood" "$SAMPLES" 10
if [ "${SAMPLE_MIN[syncookies_on]}" != 1 ] || [ "$(xt_stat syncookie_switches)" != 2 ]; then
	grep -i cookie "$XTCPD_LOG" | sed 's/^/  | /' >&2
	fail "cookies did not stay on for the whole flood: syncookies_on was ${SAMPLE_MIN[syncookies_on]} at times in $SAMPLES samples from the switch on (${on_ms} ms) to the flood's end (${flood_ms} ms); largest syncookie_switches sampled then ${SAMPLE_MAX[syncookie_switches]}, $(xt_stat syncookie_switches) in all (want 2: on, then off)"
fi
[ "$off_ms" -ge 2500 ] ||
	fail "cookies went off ${off_ms} ms after hping3's exit (its last SYN 1 s before): too soon for five calm seconds"
pass "cookies on for the whole flood, off ${off_ms} ms after it; syncookie_switches = 2"

stop_xtcpd
