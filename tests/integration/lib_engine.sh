# shellcheck shell=bash
# Helpers for the engine tests (tests/integration/test_engine_*.sh), on top
# of lib.sh: xtcpd's per-state connection counts and TCP counters, the
# kernel's sockets on side b, the http body pattern, and polls that must
# hold for a while rather than become true.
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/lib_engine.sh"

# The 64-byte line that http's GET /N bodies repeat: byte i of the body is
# HTTP_LINE[i % 64].
HTTP_LINE='0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.'

# pattern N: the first N bytes of a GET /N body, on stdout.
pattern() {
	# yes dies of SIGPIPE when head has enough; that is not a failure.
	{ yes "$HTTP_LINE" || :; } | head -c "$1"
}

# sha FILE: the sha256 of FILE, hex.
sha() {
	local s
	s=$(sha256sum <"$1") || return 1
	echo "${s%% *}"
}

# size FILE: its size in bytes.
size() {
	stat -c %s "$1"
}

# ms_since T0_MS: milliseconds since T0_MS (from now_ms).
ms_since() {
	echo $(($(now_ms) - $1))
}

# stat_eq NAME N: whether xtcpctl stats' NAME is N (for wait_for).
stat_eq() {
	local v
	v=$(xt_stat "$1") || return 1
	echo "$1 = $v"
	[ "$v" -eq "$2" ]
}

# conns_open: prints every conns_* of xtcpd other than conns_listen that is
# not 0, and succeeds when there is none (no connection state left).
conns_open() {
	local out
	out=$(xtcpctl stats) || return 1
	awk '$1 ~ /^conns_/ && $1 != "conns_listen" && $2 != 0 { print; n++ }
	     END { exit n > 0 }' <<<"$out"
}

# stats_line NAME...: "NAME=V NAME=V ..." from one xtcpctl stats, for logs.
stats_line() {
	local out
	out=$(xtcpctl stats) || return 1
	awk -v names=" $* " 'index(names, " " $1 " ") { printf "%s%s=%s", sep, $1, $2; sep = " " }
	     END { print "" }' <<<"$out"
}

# b_socks PORT: the kernel's TCP sockets on side b to IP_A:PORT, one
# "STATE local peer" line each (TIME-WAIT included).
b_socks() {
	on_b ss -Htan state all "( dst $IP_A and dport = :$1 )" |
		awk '{ print $1, $4, $5 }'
}

# b_only_time_wait PORT: whether every kernel socket on b to IP_A:PORT is in
# TIME-WAIT (none at all counts too): every FIN of b's was acknowledged,
# and with it every byte b sent. Prints the others.
b_only_time_wait() {
	local s
	s=$(b_socks "$1") || return 1
	s=$(grep -v '^TIME-WAIT ' <<<"$s" || :)
	[ -z "$s" ] || {
		echo "$s"
		return 1
	}
}

# b_no_socks PORT: whether b has no socket at all to IP_A:PORT (not even
# TIME-WAIT). Prints what is left.
b_no_socks() {
	local s
	s=$(b_socks "$1") || return 1
	[ -z "$s" ] || {
		echo "$s"
		return 1
	}
}

# hold_for DESC SECONDS CMD [ARG...]: CMD must succeed at every poll (every
# 100 ms) for SECONDS; fails with DESC and CMD's output the first time it
# does not.
hold_for() {
	local desc=$1 secs=$2 deadline out
	shift 2
	deadline=$(($(now_ms) + secs * 1000))
	while :; do
		out=$("$@" 2>&1) || {
			[ -z "$out" ] || printf '%s\n' "$out" | tail -n 5 | sed 's/^/  | /' >&2
			fail "did not hold for ${secs}s: $desc"
		}
		[ "$(now_ms)" -lt "$deadline" ] || return 0
		sleep 0.1
	done
}

# capture VAR PCAP FILTER: tcpdump on side b's veth into PCAP (relative
# names land in WORKDIR), PID in VAR; returns once it listens. Stop it with
# `reap "$VAR" INT` before reading the file.
capture() {
	local _var=$1 _pcap _log
	_pcap=$(workfile "$2")
	_log=$(workfile "$(basename "$_pcap" .pcap).tcpdump.log")
	spawn b "$_var" "$_log" timeout 300 \
		tcpdump -i "$IF_B" -n -U --immediate-mode -Z root -s 128 -w "$_pcap" "$3"
	wait_for "tcpdump listening on $IF_B" 5 grep -q "listening on" "$_log"
}

# pcap_count PCAP FILTER: how many segments in PCAP match FILTER.
pcap_count() {
	local out
	out=$(tcpdump -n -r "$(workfile "$1")" "$2" 2>/dev/null) || return 1
	if [ -z "$out" ]; then echo 0; else wc -l <<<"$out"; fi
}

# pcap_ge PCAP FILTER N: whether at least N segments in PCAP match FILTER
# (for wait_for, on a capture still running).
pcap_ge() {
	local n
	n=$(pcap_count "$1" "$2") || return 1
	echo "$n segments match '$2'"
	[ "$n" -ge "$3" ]
}

# pcap_first_ms PCAP FILTER: when the first segment matching FILTER was
# captured, in ms since the epoch (the clock now_ms reads).
pcap_first_ms() {
	local t frac
	t=$(pcap_show "$1" "$2" | awk 'NR == 1 { print $1 }')
	case $t in
	[0-9]*.[0-9][0-9][0-9]*) ;;
	*) return 1 ;;
	esac
	# (integer ms in bash: mawk's printf %d stops at 2^31)
	frac=${t#*.}
	echo $((${t%%.*} * 1000 + 10#${frac:0:3}))
}

# pcap_show PCAP [FILTER]: the segments, one line each (for failure output).
pcap_show() {
	tcpdump -n -tt -r "$(workfile "$1")" ${2:+"$2"} 2>/dev/null
}

# echo_bulk PORT BYTES: BYTES random bytes through xtcpd's echo on PORT with
# socat, which shuts its write side at the end of them; every byte must come
# back (sha256) and socat must end by xtcpd's FIN. socat -t: how long it
# waits for the other direction after EOF on one, far beyond the outer
# timeout, so it only ends in time if xtcpd echoes everything and closes.
# Leaves the bytes in $WORKDIR/echo.in and the time taken in ECHO_MS.
echo_bulk() {
	local port=$1 bytes=$2 what="echo $(($2 / 1048576)) MB" rc=0 t0
	head -c "$bytes" /dev/urandom >"$WORKDIR/echo.in"
	t0=$(now_ms)
	on_b timeout 60 socat -b 65536 -t 600 - "TCP:$IP_A:$port" \
		<"$WORKDIR/echo.in" >"$WORKDIR/echo.out" || rc=$?
	# shellcheck disable=SC2034 # for the caller
	ECHO_MS=$(ms_since "$t0")
	[ "$rc" -ne 124 ] ||
		fail "$what: socat still running after 60 s, $(size "$WORKDIR/echo.out") bytes back ($(stats_line conns_established conns_close_wait retransmits))"
	assert_eq "$what: socat exit status" "$rc" 0
	assert_eq "$what: bytes back" "$(size "$WORKDIR/echo.out")" "$bytes"
	assert_eq "$what: sha256 back" "$(sha "$WORKDIR/echo.out")" "$(sha "$WORKDIR/echo.in")"
}

# held_client PORT: an echo client on b held open by this shell. socat's
# input is a FIFO this shell writes to on fd 5 (close fd 5 for its EOF), its
# output, the echo, goes to client.log; its PID in CLIENT_PID. Opened
# read-write, the FIFO does not block; socat must not hold fd 5 itself, or
# closing ours would not be its EOF.
held_client() {
	local fifo=$WORKDIR/client.in

	mkfifo "$fifo"
	exec 5<>"$fifo"
	# shellcheck disable=SC2016 # expanded by the inner bash
	spawn b CLIENT_PID client.log bash -c 'exec socat - "TCP:$1:$2" <"$0" 5>&-' \
		"$fifo" "$IP_A" "$1"
}
