# shellcheck shell=bash
# Helpers for the fast-path tests (tests/integration/test_fastpath_*.sh), on
# top of lib.sh and lib_engine.sh: the kernel client's port on side b, a
# live connection's slot and window as XDP reads them from the pinned maps,
# forged segments and bounded SYN floods with hping3 from side b, and
# counters sampled for as long as a background client runs.
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/lib_engine.sh"
#   . "$(dirname "$0")/lib_fastpath.sh"
#
# hping3 sends from side b's own address (no spoofed sources: everything
# stays in the testbed's /24). b's kernel has no socket for the tuples it
# makes up, so it answers xtcp's SYN-ACKs to them with RSTs, which XDP
# drops as RSTs for unknown tuples (drop_rst_unknown).

# b_client_port PORT: the local port of b's one ESTAB socket to IP_A:PORT
# (fails unless there is exactly one).
b_client_port() {
	local s n
	s=$(b_socks "$1" | awk '$1 == "ESTAB" { n = split($2, a, ":"); print a[n] }') || return 1
	n=$(grep -c . <<<"$s" || :)
	[ "$n" = 1 ] || {
		echo "$n ESTAB sockets on b to :$1: $s"
		return 1
	}
	echo "$s"
}

# conn_slot RPORT LPORT: the conn_win slot of the connection from b's port
# RPORT to xtcpd's port LPORT, from the pinned conns map (what XDP looks
# up). Fails while the tuple is not there or still pending (XT_SLOT_PENDING).
conn_slot() {
	local out slot
	out=$(bpftool -j map dump pinned "$PIN_DIR/conns") || return 1
	slot=$(grep -o "\"lport\":$2,\"rport\":$1},\"value\":{\"slot\":[0-9]*" <<<"$out" |
		sed -n 's/.*://; 1p')
	# XT_SLOT_PENDING (0xffffff00) and up: pending, by the queue.
	if [ -z "$slot" ] || [ "$slot" -ge 4294967040 ]; then
		echo "no slot for :$1 -> :$2 in conns (got '$slot')"
		return 1
	fi
	echo "$slot"
}

# conn_win SLOT: "RCV.NXT RCV.WND" of that slot, from the pinned conn_win
# map (the values XDP checks a RST's sequence number against).
conn_win() {
	local s=$1 out w
	out=$(bpftool -j map lookup pinned "$PIN_DIR/conn_win" key \
		$((s & 255)) $((s >> 8 & 255)) $((s >> 16 & 255)) $((s >> 24 & 255))) || return 1
	w=$(sed -n 's/.*"rcv_nxt":\([0-9]*\),"rcv_wnd":\([0-9]*\).*/\1 \2/p' <<<"$out")
	[ -n "$w" ] || {
		echo "no rcv_nxt/rcv_wnd in: $out"
		return 1
	}
	echo "$w"
}

# seq_add A B: A + B modulo 2^32.
seq_add() {
	echo $((($1 + $2) % 4294967296))
}

# hping_b LOG TIMEOUT_S ARG...: hping3 ARG... $IP_A in side b, under
# timeout, its output added to LOG (relative names land in WORKDIR). hping3
# exits 1 when nothing answered, which is often what a test wants; the
# test fails if it ran out of time, or did not say it sent its packets.
hping_b() {
	local log out rc=0 t=$2
	log=$(workfile "$1")
	shift 2
	out=$(on_b timeout "$t" hping3 "$@" "$IP_A" 2>&1) || rc=$?
	printf '%s\n' "$out" >>"$log"
	case $rc in
	0 | 1) grep -Eq '^[1-9][0-9]* packets transmitted' <<<"$out" ||
		fail "hping3 $*: exit $rc, sent nothing: $(tail -n 3 <<<"$out")" ;;
	*) fail "hping3 $*: exit $rc$([ "$rc" -ne 124 ] || echo " (timeout ${t}s)"): $(tail -n 3 <<<"$out")" ;;
	esac
}

# forge_rst LOG SPORT DPORT SEQ: one RST (no ACK) from b's SPORT to a's
# DPORT with sequence number SEQ. -k keeps the source port fixed (hping3
# counts it up otherwise).
forge_rst() {
	hping_b "$1" 10 -q -R -k -s "$2" -p "$3" -M "$4" -c 1
}

# flood VAR LOG PORT COUNT INTERVAL_US: a bounded SYN flood from b towards
# a's PORT in the background: COUNT SYNs, INTERVAL_US apart (hping3 -i),
# from b's own address; at most COUNT * INTERVAL_US plus 10 s before
# timeout stops it. PID in VAR.
#
# hping3 counts its source port up from -s, one per SYN: from 1024 the
# flood stays below b's ephemeral ports (32768 and up), so it never lands
# on a tuple a real client of b's left in xtcpd's TIME-WAIT, which xtcpd
# would rightly take for a new connection (RFC 6191).
FLOOD_SPORT=1024
flood() {
	local _var=$1 log=$2 port=$3 count=$4 us=$5
	[ "$count" -le $((32768 - FLOOD_SPORT)) ] ||
		fail "flood: $count SYNs would reach b's ephemeral ports"
	spawn b "$_var" "$log" timeout $((count * us / 1000000 + 10)) \
		hping3 -q -S -s "$FLOOD_SPORT" -p "$port" -i "u$us" -c "$count" "$IP_A"
}

# sample_while PID SECONDS NAME...: while our child PID runs (SECONDS at
# most), reads xtcpctl stats every 100 ms and keeps, in SAMPLE_MAX[NAME],
# the largest value each NAME had and, in SAMPLE_MIN[NAME], the smallest;
# SAMPLES says how many reads there were.
declare -A SAMPLE_MAX=() SAMPLE_MIN=()
SAMPLES=0
sample_while() {
	local pid=$1 secs=$2 deadline out n v
	shift 2
	SAMPLE_MAX=()
	SAMPLE_MIN=()
	SAMPLES=0
	deadline=$(($(now_ms) + secs * 1000))
	while alive "$pid" && [ "$(now_ms)" -lt "$deadline" ]; do
		if out=$(xtcpctl stats); then
			for n; do
				v=$(awk -v n="$n" '$1 == n { print $2 }' <<<"$out")
				[ -n "$v" ] || fail "sample_while: no counter $n in xtcpctl stats"
				[ -n "${SAMPLE_MAX[$n]:-}" ] && [ "$v" -le "${SAMPLE_MAX[$n]}" ] ||
					SAMPLE_MAX[$n]=$v
				[ -n "${SAMPLE_MIN[$n]:-}" ] && [ "$v" -ge "${SAMPLE_MIN[$n]}" ] ||
					SAMPLE_MIN[$n]=$v
			done
			SAMPLES=$((SAMPLES + 1))
		fi
		sleep 0.1
	done
}

# curl_many LOG N PORT [SECONDS]: one curl in side b, in the background
# (PID in CURL_PID), N GETs of / each on a new connection (Connection:
# close), within SECONDS (default 110); a "status connects size" line per
# request, and curl's errors, go to LOG (relative names land in WORKDIR).
curl_many() {
	local log=$1 n=$2 port=$3 secs=${4:-110} urls=() i
	for ((i = 0; i < n; i++)); do
		urls+=(-o /dev/null "http://$IP_A:$port/")
	done
	spawn b CURL_PID "$log" timeout $((secs + 10)) curl -sS --max-time "$secs" \
		-H 'Connection: close' -w '%{http_code} %{num_connects} %{size_download}\n' \
		"${urls[@]}"
}

# curl_summary LOG: curl_many's lines counted, "COUNT LINE" joined by
# commas ("1000 200 1 16" when all of 1000 requests got 200, each on a
# connection of its own, with 16 bytes).
curl_summary() {
	sort "$(workfile "$1")" | uniq -c | sed 's/^ *//' | paste -sd ','
}
