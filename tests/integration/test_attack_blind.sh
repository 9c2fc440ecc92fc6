#!/usr/bin/env bash
# Blind injection (RFC 5961) aimed at a live 50 MB transfer: an attacker
# on the path's edge who knows the 4-tuple but not the sequence numbers
# (issue 12, attacks).
#
#   1. curl on side b downloads GET /52428800 from xtcpd's http service,
#      at most RATE bytes/s, so the download lasts several seconds
#   2. once b's socket is ESTABLISHED, xtcp-inject sends from b, with that
#      socket's tuple, INJECT_N segments at INJECT_RATE/s: RSTs, SYNs, data
#      segments (100 bytes) and pure ACKs in turn, sequence numbers sprayed
#      evenly over the whole space, ACK numbers at random
#   3. the download completes: 52428800 bytes, the sha256 of the pattern
#   4. XDP dropped the RSTs outside the receive window (drop_rst_window);
#      xtcpd answered the SYNs (RFC 5961 §4) and any RST inside the window
#      (§3) with challenge ACKs, at most its limit of 1000 a second (a
#      random budget of 500-1499 per second); no reset was taken. A pure
#      ACK from beyond the window used to be taken when its ACK number fell
#      in the flight, acknowledging data b never got: at 100,000 a second
#      against a 40 MB/s download that stalled it every time
#      (test_tcp_data.c, window/blind_ack_far_beyond_the_window_is_ignored)
#
# xtcpd runs with --rcvbuf 65536: a blind data segment gets through only
# if both its sequence number falls in the receive window and its ACK in
# SND.UNA - MAX.SND.WND .. SND.NXT (§5), about (64 KiB / 4 GiB) x (a few
# MiB / 4 GiB), 1e-8 each; with a 4 MiB window it would be 100 times likelier.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"
# shellcheck source=tests/integration/lib_fastpath.sh
. "$(dirname "$0")/lib_fastpath.sh"
# shellcheck source=tests/integration/lib_attack.sh
. "$(dirname "$0")/lib_attack.sh"

PORT=80
SIZE=52428800
RATE=10M
INJECT_N=60000
INJECT_RATE=20000
INJECT_S=4

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --listen "$PORT:http" --rcvbuf 65536

want_sha=$(pattern "$SIZE" | sha256sum)
want_sha=${want_sha%% *}
rstw0=$(xt_stat drop_rst_window)
chal0=$(xt_stat challenge_acks)
resets0=$(xt_stat resets_received)

# 1. The download.
t0=$(now_ms)
spawn b CURL_PID curl.log timeout 60 curl -sS --max-time 50 --limit-rate "$RATE" \
	-o "$WORKDIR/body" -w '%{http_code} %{size_download}\n' \
	"http://$IP_A:$PORT/$SIZE"
wait_for "b's socket to :$PORT established" 5 b_client_port "$PORT"
cport=$(b_client_port "$PORT")
pass "download under way from b's port $cport"

# 2. The blind attacker, on that tuple.
inject INJ_PID inject.log blind --src "$IP_B:$cport" --dst "$IP_A:$PORT" \
	--kind rst,syn,data,ack --count "$INJECT_N" --rate "$INJECT_RATE" \
	--seconds "$INJECT_S" --seed "$t0"
inject_done "$INJ_PID" inject.log
inj_ms=$(ms_since "$t0")
alive "$CURL_PID" || fail "the download ended before the injection did (${inj_ms} ms): $(cat "$WORKDIR/curl.log")"
pass "injected while it ran: $(inject_line inject.log)"

# 3. The download, whole.
wait_exit "$CURL_PID" 50 || fail "the download not done 50 s after the injection"
reap "$CURL_PID"
assert_eq "curl's exit status" "$REAP_STATUS" 0
assert_eq "status and bytes" "$(cat "$WORKDIR/curl.log")" "200 $SIZE"
assert_eq "sha256 of the body" "$(sha "$WORKDIR/body")" "$want_sha"
pass "$SIZE bytes in $(ms_since "$t0") ms, sha256 right"

# 4. What stopped the forged segments.
per_kind=$((INJECT_SENT / 4))
rstw=$(($(xt_stat drop_rst_window) - rstw0))
chal=$(($(xt_stat challenge_acks) - chal0))
assert_ge "RSTs dropped by XDP outside the window" "$rstw" $((per_kind * 9 / 10))
assert_ge "challenge ACKs" "$chal" 1
# Each second's budget is below 1500, and the injection touched at most
# inj_ms / 1000 + 2 seconds; 5000 SYNs a second are well above it.
[ "$chal" -le $((1499 * (inj_ms / 1000 + 2))) ] ||
	fail "$chal challenge ACKs in $inj_ms ms: more than xtcpd's budget"
assert_eq "resets taken" "$(($(xt_stat resets_received) - resets0))" 0
pass "$(stats_line drop_rst_window challenge_acks bad_acks resets_received paws_drops)"

alive "$XTCPD_PID" || fail "xtcpd died"
stop_xtcpd
