# shellcheck shell=bash
# Helpers for the attack tests (tests/integration/test_attack_*.sh), on top
# of lib.sh: xtcp-inject (tools/xtcp-inject/) run from side b towards
# xtcpd on side a, and what it says it sent.
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/lib_attack.sh"

XINJECT_BIN=$BUILD/xtcp-inject

# inject VAR LOG MODE ARG...: xtcp-inject MODE out of b's veth towards a's
# MAC, in the background (PID in VAR), bounded by its own --seconds and a
# timeout 10 s later; its report goes to LOG.
inject() {
	local _var=$1 log=$2 mode=$3
	shift 3
	[ -x "$XINJECT_BIN" ] || fail "no $XINJECT_BIN: run make"
	spawn b "$_var" "$log" timeout 70 "$XINJECT_BIN" "$mode" \
		--iface "$IF_B" --dst-mac "$MAC_A" "$@"
}

# inject_done PID LOG: waits for that xtcp-inject (60 s at most), which
# must exit 0; how many frames it sent goes to INJECT_SENT (not to be run
# in a subshell: only this shell can collect its child).
INJECT_SENT=
inject_done() {
	local pid=$1 log
	log=$(workfile "$2")
	wait_exit "$pid" 60 || fail "xtcp-inject still running after 60 s"
	reap "$pid"
	[ "$REAP_STATUS" = 0 ] || fail "xtcp-inject exit $REAP_STATUS: $(tail -n 3 "$log")"
	INJECT_SENT=$(sed -n 's/^sent \([0-9]*\) frames.*/\1/p' "$log")
	[ -n "$INJECT_SENT" ] || fail "xtcp-inject said nothing of what it sent: $(tail -n 3 "$log")"
}

# inject_line LOG: its "sent N frames in T s (R/s)" line, for reports.
inject_line() {
	sed -n 's/^sent //p' "$(workfile "$1")"
}

# stat_sum NAME...: the sum of those xtcpctl stats counters.
stat_sum() {
	local out
	out=$(xtcpctl stats) || return 1
	awk -v names=" $* " 'index(names, " " $1 " ") { s += $2 } END { print s + 0 }' <<<"$out"
}

# clients VAR LOG N PORT: N GETs of / from side b in the background (PID in
# VAR), one after the other, 100 ms apart, each on its own connection; a
# "status connects" line each in LOG (curl_summary counts them).
clients() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	spawn b "$1" "$2" timeout 30 bash -c '
		for ((i = 0; i < $3; i++)); do
			curl -sS --max-time 5 -H "Connection: close" -o /dev/null \
				-w "%{http_code} %{num_connects}\n" "http://$1:$2/"
			sleep 0.1
		done
	' clients "$IP_A" "$4" "$3"
}
