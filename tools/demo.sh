#!/usr/bin/env bash
# `make demo`: the testbed, xtcpd on one end, the Linux kernel's own TCP
# clients on the other, and what happened in plain words: the services,
# the counters moving, and the conns map as bpftool shows it while a
# connection is open, closing, and in TIME-WAIT. Tears everything down on
# the way out, however it ends.
#
# Every step checks what it shows, so the demo exits non-zero when any of
# it fails; tests/integration/test_demo.sh runs it under `make check`.
set -Eeuo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/../tests/integration/lib_engine.sh"
# Once per failure: a command substitution that fails reports in the
# subshell and again in this shell, so only this shell speaks.
trap '[ "$BASH_SUBSHELL" -gt 0 ] || echo "demo: FAILED at line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
show() { sed 's/^/   /'; }
note() { printf '   %s\n' "$@"; }

CONNS=${DEMO_CONNS:-200}
MSL_S=1		# TIME-WAIT lasts 2 MSL: 2 s here instead of a minute
HELLO='hello, xtcp'

# stats FILE: one xtcpctl stats, name/value lines, into FILE in WORKDIR,
# once xtcpd has published every segment XDP steered to it (the workers
# publish their counters ten times a second).
stats() {
	wait_for "xtcpd's counters to catch up with XDP's" 5 stats_settled "$1"
}

stats_settled() {
	xtcpctl stats >"$WORKDIR/$1" || return 1
	awk '{ v[$1] = $2 }
	     END { print "segs_in", v["segs_in"], "redirected", v["redirect"] + v["redirect_cookie_ack"]
		   exit v["segs_in"] != v["redirect"] + v["redirect_cookie_ack"] }' "$WORKDIR/$1"
}

# stats_moved BEFORE AFTER: the counters that changed between the two
# snapshots, "name  before -> after  (+delta)".
stats_moved() {
	awk 'NR == FNR { was[$1] = $2; next }
	     $2 != was[$1] { printf "%-20s %8s -> %-8s (%+d)\n", $1, was[$1], $2, $2 - was[$1] }' \
		"$WORKDIR/$1" "$WORKDIR/$2"
}

# conns_list: one line per entry of the pinned conns map, "RADDR:RPORT ->
# LADDR:LPORT STATE", from bpftool's JSON (compact: one line, no spaces).
conns_list() {
	local out n
	out=$(bpftool -j map dump pinned "$PIN_DIR/conns") || return 1
	# Every entry must read as below: a state printed as a number (a map
	# without BTF for enum xt_tcp_state) fails here, not silently.
	n=$(grep -o '"value":\[' <<<"$out" | wc -l)
	if [ "$(grep -o '"state":"XT_[A-Z_0-9]*"' <<<"$out" | wc -l)" -ne "$n" ]; then
		echo "conns: a state not printed by name: $out" >&2
		return 1
	fi
	grep -o '"laddr":\[[0-9,]*\],"raddr":\[[0-9,]*\],"lport":[0-9]*,"rport":[0-9]*},"value":{"slot":[0-9]*,"state":"[A-Z_0-9]*"' <<<"$out" |
		sed -E 's/"laddr":\[([0-9,]+)\],"raddr":\[([0-9,]+)\],"lport":([0-9]+),"rport":([0-9]+)},"value":\{"slot":[0-9]+,"state":"([A-Z_0-9]+)"/\2:\4 -> \1:\3 \5/; s/,/./g' || :
}

# conns_dump: the pinned conns map as bpftool prints it, then in short.
conns_dump() {
	local short
	echo "   \$ bpftool map dump pinned $PIN_DIR/conns"
	bpftool map dump pinned "$PIN_DIR/conns" | show
	short=$(conns_list)
	printf '%s\n' "${short:-no connection}" | sed 's/^/   in short: /'
}

# conn_is LPORT STATE: whether the connection to xtcpd's LPORT is in STATE
# in conns, by its BTF enumerator name, or there is none and STATE is
# "none" (for wait_for).
conn_is() {
	local st
	st=$(conns_list | awk -v p=":$1" '$3 ~ p "$" { print $4 }') || return 1
	echo "connection to :$1: ${st:-none}"
	[ "${st:-none}" = "$2" ]
}

# conn_rport LPORT: the client's port of the connection to LPORT.
conn_rport() {
	conns_list | awk -v p=":$1" '$3 ~ p "$" { n = split($1, a, ":"); print a[n] }'
}

say "Bringing up the testbed: two namespaces joined by a veth pair"
tb_up demo
note "side a: $NS_A, $IF_A, $IP_A  (xtcpd)" \
	"side b: $NS_B, $IF_B, $IP_B  (Linux: curl, nc, socat, ping)"

say "Starting xtcpd on side a: echo on 7, http on 80, banner on 13"
note "(--msl $MSL_S: TIME-WAIT lasts $((2 * MSL_S)) s instead of 60, so you can watch it end)"
start_xtcpd xtcpd.log --msl "$MSL_S" --listen 7:echo --listen 80:http --listen 13:banner
grep ready "$XTCPD_LOG" | show

say "ping from side b: ICMP is not xtcp's, so the kernel answers it"
on_b timeout 5 ping -c 3 -i 0.2 -W 1 "$IP_A" | tail -2 | show

say "curl http://$IP_A/ from side b (Linux TCP) to xtcpd's http service"
on_b timeout 5 curl -fsS -i "http://$IP_A/" | show

say "curl fetches 1 MB in one response, checked byte for byte"
# The http service's body: a 63-character line and a newline, repeated.
want=$(pattern 1000000 | sha256sum)
got=$(on_b timeout 10 curl -fsS "http://$IP_A/1000000" | sha256sum)
if [ "$got" != "$want" ]; then
	note "MISMATCH: sha256 ${got:0:16}..., expected ${want:0:16}..."
	exit 1
fi
note "1000000 bytes, sha256 ${got:0:16}... as expected"

say "nc sends a line to the echo service and reads it back"
got=$(on_b timeout 5 nc -N "$IP_A" 7 <<<"$HELLO")
printf '%s\n' "$got" | show
[ "$got" = "$HELLO" ]

say "$CONNS sequential connections (handshake, request, close) with curl"
stats before
start=$(now_ms)
ok=$(on_b timeout 60 bash -c "for i in \$(seq $CONNS); do curl -s -o /dev/null -w '%{http_code}\n' http://$IP_A/; done" | grep -c '^200$' || :)
ms=$(ms_since "$start")
note "$ok of $CONNS answered 200 in ${ms} ms: $((ok * 1000 / (ms > 0 ? ms : 1))) connections/s" \
	"(one curl process per connection: this measures curl, not xtcp;" \
	" 'make bench' measures handshake rates against the kernel's)"
[ "$ok" -eq "$CONNS" ]

say "xtcpctl stats: what those $CONNS connections moved"
note "First the XDP program's verdicts: every frame it saw (rx_frames), those" \
	"it steered to xtcpd's AF_XDP socket (redirect), and ARP, which it" \
	"left to the kernel (pass_not_ipv4). Then xtcpd's own counters:" \
	"segments in and out, connections opened (passive_opens)." \
	"'xtcpctl stats' lists all of them; --json for scripts."
stats after
stats_moved before after | show

say "The conns map while a connection is open"
note "socat on side b holds a connection to the echo service. The XDP" \
	"program looks every segment up in conns: the key is the tuple from" \
	"xtcpd's side (addresses as bytes, ports in host order), the value its" \
	"slot in conn_win (RCV.NXT and window, for RFC 5961's RST check) and" \
	"its state. The maps carry BTF, so bpftool prints the state's name."
held_client 7
echo "$HELLO" >&5
wait_for "the echo of '$HELLO'" 5 grep -qxF "$HELLO" "$WORKDIR/client.log"
wait_for "the echo connection in conns, ESTABLISHED" 5 conn_is 7 XT_ESTABLISHED
rport=$(conn_rport 7)
conns_dump

say "Closing it: socat's input ends and it sends FIN; the echo service closes too"
note "Linux closed first, so Linux keeps the TIME-WAIT; xtcpd goes" \
	"CLOSE-WAIT, LAST-ACK, CLOSED, and its entry leaves conns."
exec 5>&-
wait_exit "$CLIENT_PID" 5 || fail "socat still running 5 s after its EOF"
reap "$CLIENT_PID"
assert_eq "socat exit status" "$REAP_STATUS" 0
wait_for "the echo connection to leave conns" 5 conn_is 7 none
conns_dump
echo "   \$ ss -tan state time-wait '( sport = :$rport )'   (on side b)"
on_b ss -Htan state time-wait "( sport = :$rport )" | show

say "banner: xtcpd writes one line and closes first, so xtcpd keeps TIME-WAIT"
on_b timeout 5 nc -d "$IP_A" 13 | show
wait_for "the banner connection in conns, TIME-WAIT" 5 conn_is 13 XT_TIME_WAIT
conns_dump
note "... for 2 MSL; $((2 * MSL_S)) s later it is CLOSED and the entry is gone:"
wait_for "the banner connection to leave conns" $((2 * MSL_S + 5)) conn_is 13 none
conns_dump

say "bpftool reads the other pinned maps too: the ports xtcpd listens on"
echo "   \$ bpftool map dump pinned $PIN_DIR/listen_ports"
bpftool map dump pinned "$PIN_DIR/listen_ports" | show

say "xtcpctl trace: one curl connection's life, drawn as it happens"
note "Peer (Linux) on the left, xtcpd on the right; seq/ack count from" \
	"each side's ISN; xtcpd's states as it reports them, the peer's" \
	"inferred from the segments (RFC 9293). --count 1: stop when it ends."
echo "   \$ xtcpctl trace --port 80 --count 1"
spawn a TRACE_PID trace.txt timeout 20 "$XTCPCTL_BIN" --iface "$IF_A" trace --port 80 --count 1
wait_for "xtcpd's tap on" 5 grep -q "tap on" "$XTCPD_LOG"
on_b timeout 5 curl -fsS -o /dev/null "http://$IP_A/100" || fail "curl failed"
wait_exit "$TRACE_PID" 10 || fail "xtcpctl trace did not end with the connection"
reap "$TRACE_PID"
show <"$WORKDIR/trace.txt"
grep -q "CLOSE-WAIT" "$WORKDIR/trace.txt" || fail "the trace did not show the close"

say "Stopping xtcpd (SIGTERM): it detaches XDP and removes its pins"
stop_xtcpd
note "pins left: $(find "$PIN_DIR" -mindepth 1 2>/dev/null | wc -l)"
say "Done; the testbed is removed on exit"
