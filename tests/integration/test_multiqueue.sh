#!/usr/bin/env bash
# Two RX queues, two workers, and every segment with the worker that holds
# its connection (user/xtcpd/handoff.h). The veth peer's kernel spreads its
# sockets over both queues by a random hash, whatever worker owns them.
#
#   1. 10 000 connections from Linux (xtcp-bench crr, kernel sockets) to
#      the http service: every one completes, both workers opened some
#      (passive_opens per worker), frames crossed between them
#      (handoff_in == handoff_out, none dropped), none left open
#   2. active opens from both workers: 16 --connect to a Linux listener,
#      dealt round the workers; on each, the listener sends 64 KiB and gets
#      them back from xtcpd's echo client, sha256 equal, whatever queue the
#      answers came in on, without a RST or a timeout on the way
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

export XTCP_QUEUES=2
XBENCH=$BUILD/xtcp-bench
HTTP_PORT=80
ECHO_PORT=5000
WANT=10000
# The listener's kernel sends each accepted socket's segments on a queue of
# its own random choosing: with 16 connections, the chance that none of
# their answers lands on the other worker's queue is 2^-16.
NCONNECT=16

[ -x "$XBENCH" ] || fail "no $XBENCH: run make"
tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B), 2 queues each"

# worker_stats NAME: NAME of worker 0 and of worker 1 (xtcpctl stats
# --worker N), space-separated.
worker_stats() {
	local w out v vals=()
	for w in 0 1; do
		out=$(xtcpctl stats --worker "$w") || return 1
		v=$(awk -v n="$1" '$1 == n { print $2 }' <<<"$out")
		[ -n "$v" ] || fail "no $1 in xtcpctl stats --worker $w"
		vals+=("$v")
	done
	echo "${vals[*]}"
}

# sum_of "A B": A + B
sum_of() { local a b; read -r a b <<<"$1"; echo $((a + b)); }

# The listener for part 2, up before xtcpd opens: each of NCONNECT
# connections gets 64 KiB and must send the same bytes back.
cat >"$WORKDIR/server.py" <<'EOF'
import hashlib, os, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", port))
ls.listen(n)
ls.settimeout(20)
ok = 0
for i in range(n):
    c, peer = ls.accept()
    c.settimeout(10)
    data = os.urandom(65536)
    c.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = c.recv(65536)
        if not chunk:
            break
        got += chunk
    same = hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    print(f"{peer[0]}:{peer[1]} {len(got)} bytes back, sha256 {'equal' if same else 'DIFFERENT'}", flush=True)
    ok += same
    c.close()
sys.exit(0 if ok == n else 1)
EOF
spawn b SERVER server.log timeout 40 python3 "$WORKDIR/server.py" "$ECHO_PORT" "$NCONNECT"
wait_for "python listening on $IP_B:$ECHO_PORT" 5 \
	on_b bash -c "ss -ltn | grep -q ':$ECHO_PORT '"

connects=()
for ((i = 0; i < NCONNECT; i++)); do
	connects+=(--connect "$IP_B:$ECHO_PORT:echo")
done
start_xtcpd xtcpd.log --queues 2 --msl 1 --listen "$HTTP_PORT:http" \
	--local-ports 62000-62099 "${connects[@]}"

# 2 first (it started with xtcpd): every active open echoed its 64 KiB.
wait_for "the listener saw $NCONNECT connections echoed" 30 \
	bash -c "! kill -0 $SERVER 2>/dev/null"
reap "$SERVER"
sed 's/^/  | /' "$(workfile server.log)"
assert_eq "listener's exit status" "$REAP_STATUS" 0
opens_done() { [ "$(sum_of "$(worker_stats active_opens)")" -ge "$NCONNECT" ]; }
wait_for "the workers' counters" 2 opens_done
opens=$(worker_stats active_opens)
echo "active_opens per worker: $opens; handoff_out $(worker_stats handoff_out)"
read -r a0 a1 <<<"$opens"
[ "$a0" -eq $((NCONNECT / 2)) ] && [ "$a1" -eq $((NCONNECT / 2)) ] ||
	fail "active opens per worker '$opens': not dealt evenly"
# (The workers publish their counters every 100 ms.)
crossed() { [ "$(sum_of "$(worker_stats handoff_out)")" -gt 0 ]; }
wait_for "answers to active opens crossed between the workers" 2 crossed
assert_eq "active opens" "$(sum_of "$opens")" "$NCONNECT"
# A frame left with the wrong worker would have been answered with a RST
# (no such connection there) and cost a retransmission timeout.
assert_eq "resets sent by xtcpd" "$(xt_stat resets_sent)" 0
assert_eq "retransmission timeouts" "$(xt_stat rto_expiries)" 0
pass "$NCONNECT active opens from both workers, 64 KiB each echoed intact, no RST, no timeout"

# 1. Passive opens until WANT completed (bounded: 8 runs of 2 s).
done_conns=0
for ((run = 0; run < 8 && done_conns < WANT; run++)); do
	out=$(on_b timeout 20 "$XBENCH" crr --server "$IP_A" --port "$HTTP_PORT" \
		--conns 32 --duration 2 --warmup 0 --json 2>/dev/null) ||
		fail "xtcp-bench crr: exit $?"
	[[ ${out#*\"total\":} =~ \"ops\":([0-9]+),\"errors\":([0-9]+),\"timeouts\":([0-9]+) ]] ||
		fail "no total in: $out"
	done_conns=$((done_conns + BASH_REMATCH[1]))
	[ "${BASH_REMATCH[2]}" -eq 0 ] && [ "${BASH_REMATCH[3]}" -eq 0 ] ||
		fail "crr run $run: errors ${BASH_REMATCH[2]}, timeouts ${BASH_REMATCH[3]}"
done
[ "$done_conns" -ge "$WANT" ] || fail "only $done_conns connections in 8 runs"
pass "$done_conns connections completed, no error, no timeout"

# The workers publish every 100 ms; the last connections close with them.
wait_for "no connection left open" 10 conns_open
settled() {
	local o i
	o=$(sum_of "$(worker_stats handoff_out)")
	i=$(sum_of "$(worker_stats handoff_in)")
	echo "handoff_out $o handoff_in $i"
	[ "$o" -eq "$i" ]
}
wait_for "every frame handed over arrived" 5 settled
opens=$(worker_stats passive_opens)
echo "passive_opens per worker: $opens; handoff_out $(worker_stats handoff_out);" \
	"handoff_drops $(worker_stats handoff_drops)"
read -r p0 p1 <<<"$opens"
[ "$p0" -ge 1000 ] && [ "$p1" -ge 1000 ] ||
	fail "passive opens per worker '$opens': not spread over both"
[ "$(sum_of "$opens")" -ge "$WANT" ] || fail "passive opens '$opens' < $WANT"
assert_eq "frames dropped between workers" "$(sum_of "$(worker_stats handoff_drops)")" 0
assert_eq "xtcpd resets_sent" "$(xt_stat resets_sent)" 0
pass "both workers served, every frame reached its connection's owner"
stop_xtcpd
