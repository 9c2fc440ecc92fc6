#!/usr/bin/env bash
# Many short connections in a row against the kernel's TCP on side b, both
# ways of closing, and no state left behind.
#
#   1. 1000 HTTP requests, each on its own connection (one curl, with
#      "Connection: close": xtcpd closes first and ends in TIME_WAIT): all
#      200 "hello from xtcp\n", 1000 connects
#   2. 1000 echo round trips, each its own nc -N (the client closes
#      first): every reply right
#   3. with --msl 1 the TIME_WAITs expire: every conns_* but conns_listen
#      back to 0; passive_opens >= 2000; no RST from xtcpd; b's kernel has
#      nothing left but TIME-WAIT
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

HTTP_PORT=80
ECHO_PORT=7
N=${XTCP_MANY:-1000}

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --msl 1 --listen "$HTTP_PORT:http" --listen "$ECHO_PORT:echo"
opens0=$(xt_stat passive_opens)

# 1. One curl, N URLs, a new connection for each.
urls=()
for ((i = 0; i < N; i++)); do
	urls+=(-o /dev/null "http://$IP_A:$HTTP_PORT/")
done
t0=$(now_ms)
on_b timeout 120 curl -sS --max-time 110 -H 'Connection: close' \
	-w '%{http_code} %{num_connects} %{size_download}\n' \
	"${urls[@]}" >"$WORKDIR/curl.out" 2>"$WORKDIR/curl.err" ||
	fail "curl, $N requests: exit $? after $(wc -l <"$WORKDIR/curl.out") responses: $(head -c 300 "$WORKDIR/curl.err")"
took=$(ms_since "$t0")
summary=$(sort "$WORKDIR/curl.out" | uniq -c | sed 's/^ *//' | paste -sd ',')
assert_eq "curl, $N requests: responses (count status connects size)" "$summary" "$N 200 1 16"
pass "$N GET / with Connection: close: $N connections, all 200 with 16 bytes (${took} ms)"

# 2. N echo round trips; the loop runs in b, one nc per connection. It
# stops at the first wrong reply and says which.
t0=$(now_ms)
rc=0
# shellcheck disable=SC2016 # expanded by the inner bash
on_b timeout 120 bash -c '
	for ((i = 0; i < $3; i++)); do
		r=$(printf "ping %d\n" "$i" | timeout 10 nc -N "$1" "$2") || {
			echo "round trip $i: nc exit $?"
			exit 1
		}
		[ "$r" = "ping $i" ] || {
			echo "round trip $i: reply \"$r\""
			exit 1
		}
	done
' echo_loop "$IP_A" "$ECHO_PORT" "$N" >"$WORKDIR/echo.out" 2>&1 || rc=$?
took=$(ms_since "$t0")
[ "$rc" -eq 0 ] || fail "echo round trips: exit $rc after ${took} ms: $(tail -n 3 "$WORKDIR/echo.out")"
pass "$N echo round trips with nc -N, each its own connection (${took} ms)"

# 3. Nothing leaked.
# The counters are published every ~100 ms.
wait_for "passive_opens >= $opens0 + $N + $N" 5 stat_ge passive_opens $((opens0 + 2 * N))
wait_for "every conns_* but conns_listen back to 0 (--msl 1)" 10 conns_open
wait_for "b: nothing but TIME-WAIT to :$HTTP_PORT" 5 b_only_time_wait "$HTTP_PORT"
wait_for "b: nothing but TIME-WAIT to :$ECHO_PORT" 5 b_only_time_wait "$ECHO_PORT"
assert_eq "xtcpd resets_sent" "$(xt_stat resets_sent)" 0
pass "no connection state left; $(stats_line passive_opens resets_sent retransmits timeouts backlog_drops conn_limit_drops)"

stop_xtcpd
