#!/usr/bin/env bash
# Malformed frames of every kind at a high rate against xtcpd's http port,
# while the kernel's TCP on side b keeps making requests (issue 12,
# attacks).
#
#   1. xtcp-inject malformed sends PER_KIND frames of each of its kinds
#      but one, in turn (tools/xtcp-inject/malformed.c), from b's address,
#      random source ports, at RATE/s; meanwhile REQS curl requests, all
#      200
#   2. XDP stopped every structurally broken frame before xtcpd, each in
#      its counter: a broken IPv4 header (too short, version, IHL, a TCP
#      header cut short) or a SYN from xtcpd's own address and port to
#      itself (land) is passed to the kernel, which drops it
#      (pass_malformed_ip); a total length that lies, or a bad IPv4 or TCP
#      checksum, is dropped (drop_bad_csum); fragments go to the kernel
#      (pass_fragment); a bad data offset or malformed TCP options are
#      dropped (drop_malformed_tcp); SYN+RST and all flags at once are RSTs
#      to an unknown tuple, dropped (drop_rst_unknown); xtcpd's own
#      malformed and bad_csum did not move
#   3. the well-formed oddities (bytes after the datagram, an overrunning
#      IP option, no flags, source port 0, broadcast MAC) were answered
#      with RSTs within --rst-rate, or withheld
#   4. then the one kind that reaches xtcpd, SYN+FIN, PER_KIND of them:
#      it drops them without a connection, as Linux does (they used to
#      open one each; sent apart so that no such connection's tuple could
#      let the other kinds through to xtcpd unchecked)
#   5. xtcpd still runs, serves a request afterwards, and stops cleanly
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"
# shellcheck source=tests/integration/lib_fastpath.sh
. "$(dirname "$0")/lib_fastpath.sh"
# shellcheck source=tests/integration/lib_attack.sh
. "$(dirname "$0")/lib_attack.sh"

PORT=80
BROKEN="eth-only ip-trunc ip-version ihl-short ihl-long tcp-trunc land totlen-short totlen-long ip-csum tcp-csum frag-mf frag-offset doff-short doff-long opt-len0 opt-len1 opt-overrun opt-badlen flags-xmas syn-rst"
ODD="trailer ipopt-overrun flags-null port-zero eth-bcast"
KINDS=26
PER_KIND=2000
RATE=50000
REQS=5
RST_RATE=1000
RST_BURST=50

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --msl 1 --drain-timeout 1 --listen "$PORT:http" \
	--rst-rate "$RST_RATE" --rst-burst "$RST_BURST"

COUNTERS="rx_frames pass_malformed_ip drop_bad_csum pass_fragment drop_malformed_tcp drop_rst_unknown malformed bad_csum tx_rst_bad_cookie tx_rst_unknown"
declare -A before=()
for c in $COUNTERS; do
	before[$c]=$(xt_stat "$c")
done
# delta NAME: how far counter NAME has moved since the start.
delta() {
	echo $(($(xt_stat "$1") - ${before[$1]}))
}

# 1. The frames, and the clients meanwhile.
t0=$(now_ms)
inject INJ_PID inject.log malformed --src "$IP_B" --dst "$IP_A:$PORT" \
	--count $((KINDS * PER_KIND)) --rate "$RATE" --seconds 10 \
	--kind "$(tr ' ' , <<<"$BROKEN $ODD")"
clients CLIENTS_PID clients.out "$REQS" "$PORT"
inject_done "$INJ_PID" inject.log
inj_ms=$(ms_since "$t0")
assert_eq "frames sent" "$INJECT_SENT" $((KINDS * PER_KIND))
[ "$(grep -c '^  ' "$WORKDIR/inject.log")" = "$KINDS" ] ||
	fail "not every kind was sent: $(cat "$WORKDIR/inject.log")"
pass "malformed: $(inject_line inject.log), $KINDS kinds"
wait_exit "$CLIENTS_PID" 20 || fail "the $REQS requests not done 20 s after the frames"
reap "$CLIENTS_PID"
assert_eq "the clients' exit status" "$REAP_STATUS" 0
assert_eq "$REQS requests meanwhile (count status connects)" \
	"$(curl_summary clients.out)" "$REQS 200 1"
pass "$REQS requests meanwhile: all 200"

# 2. Each fault in its counter, and none reached xtcpd.
wait_for "XDP saw them all" 5 stat_ge rx_frames $((before[rx_frames] + INJECT_SENT))
assert_ge "broken IPv4 headers, land (7 kinds): pass_malformed_ip" "$(delta pass_malformed_ip)" $((7 * PER_KIND))
assert_ge "lying lengths, bad checksums (4 kinds): drop_bad_csum" "$(delta drop_bad_csum)" $((4 * PER_KIND))
assert_ge "fragments (2 kinds): pass_fragment" "$(delta pass_fragment)" $((2 * PER_KIND))
assert_ge "bad data offsets, options (6 kinds): drop_malformed_tcp" "$(delta drop_malformed_tcp)" $((6 * PER_KIND))
assert_ge "SYN+RST, every flag (2 kinds): drop_rst_unknown" "$(delta drop_rst_unknown)" $((2 * PER_KIND))
assert_eq "xtcpd's malformed" "$(delta malformed)" 0
assert_eq "xtcpd's bad_csum" "$(delta bad_csum)" 0
pass "XDP stopped the broken ones: $(stats_line pass_malformed_ip drop_bad_csum pass_fragment drop_malformed_tcp drop_rst_unknown malformed bad_csum)"

# 3. The RSTs XDP sent for the rest, within the limit.
rsts=$(($(delta tx_rst_bad_cookie) + $(delta tx_rst_unknown)))
max_rsts=$((RST_BURST + RST_RATE * (inj_ms + 999) / 1000))
[ "$rsts" -le "$max_rsts" ] ||
	fail "XDP sent $rsts RSTs in $inj_ms ms, more than $max_rsts"
pass "$rsts RSTs (at most $max_rsts in $inj_ms ms); $(stats_line drop_rst_ratelimit passive_opens resets_received challenge_acks)"

# 4. SYN+FINs.
opens0=$(xt_stat passive_opens)
redir0=$(xt_stat redirect)
inject INJ_PID synfin.log malformed --src "$IP_B" --dst "$IP_A:$PORT" \
	--count "$PER_KIND" --rate "$RATE" --seconds 10 --kind syn-fin
inject_done "$INJ_PID" synfin.log
wait_for "xtcpd got them (redirect >= $redir0 + $PER_KIND)" 5 \
	stat_ge redirect $((redir0 + PER_KIND))
# opens_at_most N: whether passive_opens is N or less (for hold_for).
opens_at_most() {
	local v
	v=$(xt_stat passive_opens) || return 1
	echo "passive_opens = $v"
	[ "$v" -le "$1" ]
}
hold_for "no connection for a SYN+FIN (passive_opens stays $opens0)" 1 \
	opens_at_most "$opens0"
pass "SYN+FIN: $(inject_line synfin.log), no connection"

# 5. xtcpd is unharmed.
alive "$XTCPD_PID" || fail "xtcpd died"
assert_eq "GET / afterwards" \
	"$(on_b curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://$IP_A:$PORT/")" 200
stop_xtcpd
