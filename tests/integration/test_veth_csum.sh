#!/usr/bin/env bash
# A veth peer with TX checksum offload on: the kernel on side b hands its
# segments over with only the pseudo-header sum in the TCP checksum
# (CHECKSUM_PARTIAL), XDP and xtcpd drop every one as corrupt, and nothing
# gets through. xtcpd must count those drops apart from other malformed
# frames and say, once, what is wrong and the ethtool command that fixes it.
#
#   1. offload off (the testbed's default): a GET works, xtcpd counts no
#      bad checksum and says nothing
#   2. offload on under a live connection: the data b sends is not echoed,
#      xtcpd's own bad_csum grows (XDP steers a live connection's segments
#      without looking at checksums), and xtcpd's log names
#      `ethtool -K <b's veth> tx off`; offload off: b's retransmission
#      gets through and is echoed
#   3. offload on again: new connections fail, their SYNs dropped by XDP
#      (drop_bad_csum), and the hint is still logged only once
#   4. offload off: a GET works
#   5. a fresh xtcpd with --syncookies always, offload on: only XDP sees the
#      bad SYNs, and the hint comes from its counter alone
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

HTTP_PORT=80
ECHO_PORT=7
ATTEMPTS=3

# get: one HTTP GET from b, bounded; curl's exit status.
get() {
	on_b timeout 5 curl -fsS --max-time 1 -o /dev/null "http://$IP_A:$HTTP_PORT/"
}

# hints: how many lines of xtcpd's log name the fix.
hints() {
	grep -c -- "ethtool -K $IF_B tx off" "$XTCPD_LOG" || :
}

# hints_eq N: whether hints is N (for wait_for and hold_for).
hints_eq() {
	local n
	n=$(hints)
	echo "$n hint lines in the log"
	[ "$n" -eq "$1" ]
}

tx_offload() {
	on_b ethtool -K "$IF_B" tx "$1" >/dev/null
	pass "TX checksum offload $1 on $IF_B"
}

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --listen "$HTTP_PORT:http" --listen "$ECHO_PORT:echo"

# 1. The testbed turned offload off: all is well, and nothing is said.
get || fail "GET with offload off: curl exit $?"
assert_eq "xtcpd's bad_csum with offload off" "$(xt_stat bad_csum)" 0
assert_eq "XDP's drop_bad_csum with offload off" "$(xt_stat drop_bad_csum)" 0
assert_eq "hint lines with offload off" "$(hints)" 0
pass "offload off: GET works, no bad checksum, no hint"

# 2. Under a live connection: the segments reach xtcpd, which drops them.
held_client "$ECHO_PORT"
echo one >&5
wait_for "'one' echoed" 5 grep -qx one "$WORKDIR/client.log"
tx_offload on
echo two >&5
wait_for "xtcpd's bad_csum counted" 5 stat_ge bad_csum 1
wait_for "the hint in xtcpd's log" 5 hints_eq 1
assert_eq "XDP's drop_bad_csum (the hint is xtcpd's own count)" "$(xt_stat drop_bad_csum)" 0
! grep -qx two "$WORKDIR/client.log" || fail "'two' echoed with offload on"
grep -- "ethtool -K $IF_B tx off" "$XTCPD_LOG" | sed 's/^/  | /'
pass "offload on: 'two' dropped ($(stats_line bad_csum malformed)), xtcpd names the fix"
tx_offload off
wait_for "'two' echoed once b retransmits it" 10 grep -qx two "$WORKDIR/client.log"
exec 5>&-
wait_exit "$CLIENT_PID" 5 || fail "socat still running 5 s after its EOF"
reap "$CLIENT_PID"
pass "offload off: b's retransmission of 'two' echoed"

# 3. Once only, however many drops follow, whoever counts them.
tx_offload on
for ((i = 0; i < ATTEMPTS; i++)); do
	! get || fail "GET $i with offload on succeeded"
done
wait_for "XDP's drop_bad_csum counted" 5 stat_ge drop_bad_csum "$ATTEMPTS"
# The main thread looks at the counters at least once a second.
hold_for "one hint line only" 2 hints_eq 1
pass "$ATTEMPTS failed GETs ($(stats_line bad_csum drop_bad_csum)): still one hint"

# 4. The fix the hint names works.
tx_offload off
get || fail "GET after 'ethtool -K $IF_B tx off': curl exit $?"
pass "offload off again: GET works"
stop_xtcpd

# 5. XDP answers SYNs itself, and verifies them first: xtcpd sees nothing.
start_xtcpd xtcpd-cookies.log --listen "$HTTP_PORT:http" --syncookies always
tx_offload on
! get || fail "GET with offload on and cookies on succeeded"
wait_for "XDP's drop_bad_csum counted" 5 stat_ge drop_bad_csum 1
wait_for "the hint in xtcpd's log" 5 hints_eq 1
assert_eq "xtcpd's own bad_csum (the hint is XDP's count)" "$(xt_stat bad_csum)" 0
pass "cookies on: XDP dropped the SYNs ($(stats_line bad_csum drop_bad_csum)), xtcpd named the fix"
tx_offload off
stop_xtcpd
