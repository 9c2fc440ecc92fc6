# shellcheck shell=bash
# Helpers for the integration tests, sourced by each tests/integration/*.sh.
#
# A test reads:
#
#   . "$(dirname "$0")/lib.sh"
#   tb_up "$TB"                          # testbed, with cleanup registered
#   start_xtcpd xtcpd.log --listen 8080:echo
#   wait_for "redirect >= 1" 5 stat_ge redirect 1
#   stop_xtcpd
#   pass "done"
#
# Everything a test creates is undone by the cleanup stack (on_exit), in
# reverse order, when the test exits for any reason, failure included.
# Processes are stopped by the PID this shell started them with, never by
# name. Every wait has a deadline; every client command runs under timeout.
set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
TESTBED=$REPO/tools/testbed.sh
XTCPD_BIN=$BUILD/xtcpd
XTCPCTL_BIN=$BUILD/xtcpctl
PIN_ROOT=/sys/fs/bpf/xtcp
TEST_NAME=$(basename "$0" .sh)

# Deadlines, in seconds.
XTCPD_READY_S=10
XTCPD_STOP_S=10

# --- reporting -------------------------------------------------------------

pass() {
	echo "  ok: $*"
}

fail() {
	echo "  FAIL: $*" >&2
	if [ -n "${XTCPD_LOG:-}" ] && [ -s "$XTCPD_LOG" ]; then
		echo "  --- last lines of $XTCPD_LOG ---" >&2
		tail -n 20 "$XTCPD_LOG" | sed 's/^/  | /' >&2
	fi
	exit 1
}

assert_eq() {
	local what=$1 got=$2 want=$3
	[ "$got" = "$want" ] || fail "$what: got '$got', want '$want'"
}

assert_ge() {
	local what=$1 got=$2 min=$3
	case $got in
	'' | *[!0-9]*) fail "$what: got '$got', want a number >= $min" ;;
	esac
	[ "$got" -ge "$min" ] || fail "$what: got $got, want >= $min"
}

# Names the line a command failed on when set -e ends the test.
trap 'echo "  FAIL: ${BASH_SOURCE[0]}:$LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR

# --- cleanup stack -----------------------------------------------------------

_ON_EXIT=()
WORKDIR=$(mktemp -d "/tmp/xtcp-$TEST_NAME.XXXXXX")

# on_exit CMD [ARG...]: run CMD when the test exits, after everything
# registered later. Arguments are kept exactly as given.
on_exit() {
	local q
	printf -v q '%q ' "$@"
	_ON_EXIT+=("$q")
}

_run_on_exit() {
	local rc=$? i
	trap - ERR
	set +e
	for ((i = ${#_ON_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${_ON_EXIT[i]}"
	done
	if [ "${XTCP_KEEP:-0}" = 1 ]; then
		echo "  logs kept in $WORKDIR"
	else
		rm -rf "$WORKDIR"
	fi
	exit "$rc"
}
trap _run_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- time and polling ----------------------------------------------------------

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# wait_for DESC TIMEOUT_S CMD [ARG...]: poll CMD every 50 ms until it
# succeeds; fail with DESC, and CMD's last output, at the deadline.
wait_for() {
	local desc=$1 timeout_s=$2 deadline out
	shift 2
	deadline=$(($(now_ms) + timeout_s * 1000))
	while :; do
		if out=$("$@" 2>&1); then
			return 0
		fi
		if [ "$(now_ms)" -ge "$deadline" ]; then
			[ -z "$out" ] || printf '%s\n' "$out" | tail -n 5 | sed 's/^/  | /' >&2
			fail "timed out after ${timeout_s}s waiting for: $desc"
		fi
		sleep 0.05
	done
}

# --- testbed -------------------------------------------------------------------

# The testbed name for this test: its file name without "test_", cut to the
# testbed's 10 characters (with a hash of the whole name when it is longer,
# so that tests never share a testbed). XTCP_TB overrides it.
tb_name() {
	local n=${TEST_NAME#test_} crc
	n=$(printf '%s' "$n" | tr -cd 'a-z0-9')
	if [ ${#n} -gt 10 ]; then
		crc=$(printf '%s' "$TEST_NAME" | cksum)
		n=${n:0:6}$(printf '%04x' $((${crc%% *} % 65536)))
	fi
	echo "${XTCP_TB:-$n}"
}
# shellcheck disable=SC2034 # for the tests
TB=$(tb_name)

# tb_up NAME: a fresh testbed (anything left from an earlier run goes
# first), its NS_A NS_B IF_A IF_B IP_A IP_B PREFIX MAC_A MAC_B in this
# shell, and its removal registered.
tb_up() {
	"$TESTBED" down "$1"
	on_exit tb_down "$1"
	"$TESTBED" up "$1"
	eval "$("$TESTBED" env "$1")"
	# shellcheck disable=SC2034 # for the tests: where xtcpd pins its maps
	PIN_DIR=$PIN_ROOT/$IF_A
}

tb_down() {
	"$TESTBED" down "$1"
}

# on_a CMD [ARG...]: CMD in side a's namespace. nsenter enters only the
# network namespace, so /sys/fs/bpf stays the host's and xtcpd's pins are
# visible to bpftool and xtcpctl from anywhere (`ip netns exec` would give
# CMD a /sys, and a bpffs, of its own).
on_a() {
	nsenter --net="/run/netns/$NS_A" -- "$@"
}

# on_b CMD [ARG...]: CMD in side b's namespace, where pins do not matter.
on_b() {
	ip netns exec "$NS_B" "$@"
}

# --- background processes --------------------------------------------------------

# PIDs this shell started with spawn and has not collected yet: the only
# ones reap will ever signal.
declare -A _CHILDREN=()

# spawn a|b|host VAR LOG CMD [ARG...]: start CMD in the background in that
# namespace, output to LOG (relative names land in WORKDIR), its PID in VAR,
# and register its stop. CMD is exec'd by nsenter / ip netns exec, so the PID
# is CMD's own.
spawn() {
	local _side=$1 _var=$2 _log _pid
	_log=$(workfile "$3")
	shift 3
	case $_side in
	a) nsenter --net="/run/netns/$NS_A" -- "$@" >"$_log" 2>&1 & ;;
	b) ip netns exec "$NS_B" "$@" >"$_log" 2>&1 & ;;
	host) "$@" >"$_log" 2>&1 & ;;
	*) fail "spawn: no side '$_side'" ;;
	esac
	_pid=$!
	_CHILDREN[$_pid]=1
	printf -v "$_var" '%s' "$_pid"
	on_exit reap "$_pid" TERM 5
}

workfile() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$WORKDIR/$1" ;;
	esac
}

# Whether PID is running (a zombie is not: it has exited, unreaped).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	case ${stat%% *} in
	Z | X) return 1 ;;
	esac
	return 0
}

# wait_exit PID TIMEOUT_S: whether our child PID exits within TIMEOUT_S.
wait_exit() {
	local pid=$1 deadline
	deadline=$(($(now_ms) + $2 * 1000))
	while alive "$pid"; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# reap PID [SIGNAL [TIMEOUT_S]]: signal our child PID, if it still runs,
# wait up to TIMEOUT_S (then SIGKILL), and collect it. Sets REAP_STATUS to
# its exit status (128+N when killed by signal N). Does nothing for a PID
# already collected (it may belong to someone else by now), so it is safe
# in cleanup.
reap() {
	local pid=$1 sig=${2:-TERM} timeout_s=${3:-5}
	REAP_STATUS=
	[ -n "${_CHILDREN[$pid]:-}" ] || return 0
	# stderr is off until it is collected, or bash reports "Killed" for
	# it; what we say ourselves goes to fd 3, the real stderr.
	{
		if alive "$pid"; then
			kill -s "$sig" "$pid" || true
		fi
		if ! wait_exit "$pid" "$timeout_s"; then
			echo "  pid $pid still running ${timeout_s}s after SIG$sig: SIGKILL" >&3
			kill -s KILL "$pid" || true
			wait_exit "$pid" 5 || true
		fi
		REAP_STATUS=0
		wait "$pid" || REAP_STATUS=$?
	} 3>&2 2>/dev/null
	unset "_CHILDREN[$pid]"
}

# --- xtcpd ----------------------------------------------------------------------

XTCPD_PID=
XTCPD_LOG=

# start_xtcpd LOG [ARG...]: xtcpd --iface $IF_A ARG... in side a, PID in
# XTCPD_PID; returns once its log has a line saying "ready", fails if it
# exits first or takes longer than XTCPD_READY_S.
start_xtcpd() {
	local deadline
	XTCPD_LOG=$(workfile "$1")
	shift
	[ -x "$XTCPD_BIN" ] || fail "no $XTCPD_BIN: run make"
	[ -z "$XTCPD_PID" ] || fail "start_xtcpd: xtcpd $XTCPD_PID still running"
	spawn a XTCPD_PID "$XTCPD_LOG" "$XTCPD_BIN" --iface "$IF_A" "$@"
	deadline=$(($(now_ms) + XTCPD_READY_S * 1000))
	until grep -qw ready "$XTCPD_LOG"; do
		if ! alive "$XTCPD_PID"; then
			reap "$XTCPD_PID"
			XTCPD_PID=
			fail "xtcpd exited with status $REAP_STATUS before it was ready"
		fi
		if [ "$(now_ms)" -ge "$deadline" ]; then
			fail "xtcpd not ready after ${XTCPD_READY_S}s"
		fi
		sleep 0.05
	done
	pass "xtcpd $* ready (pid $XTCPD_PID)"
}

# stop_xtcpd: SIGTERM to xtcpd, which must exit 0 within XTCPD_STOP_S.
stop_xtcpd() {
	local pid=$XTCPD_PID
	[ -n "$pid" ] || fail "stop_xtcpd: xtcpd is not running"
	if ! alive "$pid"; then
		reap "$pid"
		XTCPD_PID=
		fail "xtcpd had already exited (status $REAP_STATUS) before SIGTERM"
	fi
	kill -s TERM "$pid"
	if ! wait_exit "$pid" "$XTCPD_STOP_S"; then
		reap "$pid" KILL
		XTCPD_PID=
		fail "xtcpd still running ${XTCPD_STOP_S}s after SIGTERM"
	fi
	reap "$pid"
	XTCPD_PID=
	assert_eq "xtcpd exit status after SIGTERM" "$REAP_STATUS" 0
	pass "xtcpd stopped, exit 0"
}

# kill_xtcpd SIGNAL: ends xtcpd with SIGNAL (e.g. KILL, for a crash) and
# collects it, whatever its status.
kill_xtcpd() {
	[ -n "$XTCPD_PID" ] || fail "kill_xtcpd: xtcpd is not running"
	reap "$XTCPD_PID" "$1" "$XTCPD_STOP_S"
	XTCPD_PID=
}

# xtcpctl [ARG...]: xtcpctl --iface $IF_A ARG..., in side a, bounded.
xtcpctl() {
	on_a timeout 5 "$XTCPCTL_BIN" --iface "$IF_A" "$@"
}

# xt_stat NAME: the value of XDP counter NAME from `xtcpctl stats`.
xt_stat() {
	local out
	out=$(xtcpctl stats) || return 1
	awk -v n="$1" '$1 == n { print $2; found = 1 } END { exit !found }' <<<"$out"
}

# stat_ge NAME MIN: whether XDP counter NAME is at least MIN (for wait_for).
stat_ge() {
	local v
	v=$(xt_stat "$1") || return 1
	echo "$1 = $v"
	[ "$v" -ge "$2" ]
}

# Whether an XDP program is attached to $IF_A.
xdp_attached() {
	ip -n "$NS_A" -d link show dev "$IF_A" | grep -Eqw 'xdp(generic|drv|offload|multi)?'
}
