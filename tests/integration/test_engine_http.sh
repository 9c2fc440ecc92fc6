#!/usr/bin/env bash
# xtcpd's http service against the kernel's TCP (curl, nc) on side b.
#
#   1. three GET / on one keep-alive connection: all 200 "hello from xtcp\n",
#      one connect in curl's count and one passive open in xtcpd's
#   2. GET /1 /64 /100000 /0 on one connection: exact pattern bodies
#   3. GET /5000000: 5 MB whose sha256 is the pattern's
#   4. an HTTP/1.0 request (nc, which never half-closes): the response,
#      then the server's close (nc sees EOF; xtcpd ends in TIME_WAIT)
#   5. no RST from xtcpd through all of it
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

PORT=80
ROOT_BODY='hello from xtcp'	# and a newline

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --listen "$PORT:http"
URL=http://$IP_A:$PORT

# check_body WHAT FILE N: FILE is the first N bytes of the pattern.
check_body() {
	local what=$1 file=$2 n=$3
	assert_eq "$what: body size" "$(size "$file")" "$n"
	pattern "$n" >"$WORKDIR/want"
	cmp -s "$file" "$WORKDIR/want" ||
		fail "$what: body differs from the pattern ($(cmp "$file" "$WORKDIR/want" 2>&1 | head -n 1))"
}

# 1. Keep-alive: three requests, one connection.
opens0=$(xt_stat passive_opens)
on_b timeout 20 curl -sS --max-time 15 -w '%{http_code} %{num_connects}\n' \
	-o "$WORKDIR/r1" -o "$WORKDIR/r2" -o "$WORKDIR/r3" \
	"$URL/" "$URL/" "$URL/" >"$WORKDIR/ka.out" ||
	fail "curl, three GET / on one connection: exit $?"
sed 's/^/    curl: /' "$WORKDIR/ka.out"
assert_eq "responses to three GET /" "$(wc -l <"$WORKDIR/ka.out")" 3
assert_eq "status codes" "$(awk '{ print $1 }' "$WORKDIR/ka.out" | paste -sd ' ')" "200 200 200"
assert_eq "connections curl made for three requests" \
	"$(awk '{ n += $2 } END { print n }' "$WORKDIR/ka.out")" 1
for i in 1 2 3; do
	printf '%s\n' "$ROOT_BODY" | cmp -s - "$WORKDIR/r$i" ||
		fail "body of GET / #$i: '$(head -c 100 "$WORKDIR/r$i" | od -c | head -n 3)'"
done
# (published every ~100 ms: wait for it, then it must be exactly one more)
wait_for "passive_opens = $opens0 + 1 for three keep-alive requests" 3 \
	stat_eq passive_opens $((opens0 + 1))
pass "three GET / on one keep-alive connection: 200 '$ROOT_BODY'"

# 2. Several sizes on one connection, the empty body included.
SIZES="1 64 100000 0"
args=()
urls=()
for n in $SIZES; do
	args+=(-o "$WORKDIR/s$n")
	urls+=("$URL/$n")
done
on_b timeout 30 curl -sS --max-time 25 -w '%{http_code} %{num_connects} %{size_download}\n' \
	"${args[@]}" "${urls[@]}" >"$WORKDIR/sizes.out" ||
	fail "curl, GET /{${SIZES// /,}} on one connection: exit $?"
sed 's/^/    curl: /' "$WORKDIR/sizes.out"
assert_eq "status codes" "$(awk '{ print $1 }' "$WORKDIR/sizes.out" | paste -sd ' ')" "200 200 200 200"
assert_eq "connections curl made for GET /{${SIZES// /,}}" \
	"$(awk '{ n += $2 } END { print n }' "$WORKDIR/sizes.out")" 1
for n in $SIZES; do
	[ -e "$WORKDIR/s$n" ] || : >"$WORKDIR/s$n"	# curl makes no file for 0 bytes
	check_body "GET /$n" "$WORKDIR/s$n" "$n"
done
pass "GET /{${SIZES// /,}} on one connection: exact pattern bodies"

# 3. 5 MB.
BIG=5000000
t0=$(now_ms)
on_b timeout 60 curl -sS --max-time 55 -w '%{http_code} %{size_download}\n' \
	-o "$WORKDIR/big" "$URL/$BIG" >"$WORKDIR/big.out" ||
	fail "curl GET /$BIG: exit $?"
took=$(ms_since "$t0")
assert_eq "GET /$BIG: status and size" "$(cat "$WORKDIR/big.out")" "200 $BIG"
want=$(pattern "$BIG" | sha256sum)
assert_eq "GET /$BIG: sha256" "$(sha "$WORKDIR/big")" "${want%% *}"
pass "GET /$BIG: sha256 ${want:0:16}... matches the pattern (${took} ms)"

# 4. HTTP/1.0: the response, then the server closes. OpenBSD nc without -N
# never shuts its write side down, so its exit means the server closed.
tw0=$(xt_stat conns_time_wait)
rc=0
printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$IP_A" |
	on_b timeout 10 nc "$IP_A" "$PORT" >"$WORKDIR/h10" || rc=$?
[ "$rc" -ne 124 ] || fail "HTTP/1.0: nc still open after 10 s: xtcpd did not close (got: $(head -c 200 "$WORKDIR/h10" | tr '\r\n' '~|'))"
assert_eq "HTTP/1.0: nc exit status" "$rc" 0
status=$(head -n 1 "$WORKDIR/h10" | tr -d '\r')
case $status in
'HTTP/1.'[01]' 200 '*) ;;
*) fail "HTTP/1.0: status line '$status'" ;;
esac
# The body: exactly what follows the header's empty line, to the close.
printf '\r\n\r\n%s\n' "$ROOT_BODY" >"$WORKDIR/h10.tail"
tail -c "$(size "$WORKDIR/h10.tail")" "$WORKDIR/h10" | cmp -s - "$WORKDIR/h10.tail" ||
	fail "HTTP/1.0: response does not end in an empty line and '$ROOT_BODY\\n': $(tail -c 40 "$WORKDIR/h10" | od -c | head -n 4)"
assert_eq "HTTP/1.0: header ends" "$(grep -c $'^\r$' "$WORKDIR/h10")" 1
clen=$(tr -d '\r' <"$WORKDIR/h10" | awk -F': *' 'tolower($1) == "content-length" { print $2 }')
[ -z "$clen" ] || assert_eq "HTTP/1.0: Content-Length" "$clen" $((${#ROOT_BODY} + 1))
# Closing first, xtcpd's side of it is the one that waits out TIME_WAIT.
wait_for "conns_time_wait > $tw0 after the HTTP/1.0 close" 5 stat_ge conns_time_wait $((tw0 + 1))
pass "HTTP/1.0: '$status', body '$ROOT_BODY', then xtcpd closed first (TIME_WAIT)"

# 5. Nothing was reset, and the kernel's sockets all closed cleanly.
wait_for "b's sockets to :$PORT all closed or in TIME-WAIT" 5 b_only_time_wait "$PORT"
assert_eq "xtcpd resets_sent" "$(xt_stat resets_sent)" 0
pass "no RST from xtcpd; $(stats_line passive_opens retransmits conns_time_wait)"

stop_xtcpd
