#!/usr/bin/env bash
# xtcpd --busy-poll tells the truth about whether it can busy-poll.
#
# Busy polling runs the device's NAPI from the worker's recvfrom through
# the AF_XDP socket's NAPI id. Kernels since 6.13 give the socket one at
# bind, and only in zero-copy mode, so on a veth (copy mode) the worker
# can only spin: xtcpd must warn then, and only then.
#
#   1. xtcpd --busy-poll serves echo: 1 MB each way, sha256 equal
#   2. the kernel's own count of frames received by busy polling
#      (TcpExtBusyPollRxPackets in a's namespace) and xtcpd's warning
#      agree: a warning and a count of 0, or no warning and a count > 0
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

ECHO_PORT=7
MB=$((1024 * 1024))
WARNING='--busy-poll: the AF_XDP socket has no NAPI id'

busy_poll_rx_packets() {
	on_a nstat -az TcpExtBusyPollRxPackets |
		awk '$1 == "TcpExtBusyPollRxPackets" { print $2 }'
}

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
start_xtcpd xtcpd.log --msl 1 --busy-poll --listen "$ECHO_PORT:echo"

# 1. Traffic, so that the socket has seen frames.
echo_bulk "$ECHO_PORT" "$MB"
pass "echo with --busy-poll: 1 MB each way, sha256 equal (${ECHO_MS} ms)"

# 2. The warning comes with the first frame, before the echo's first byte.
polled=$(busy_poll_rx_packets)
[ -n "$polled" ] || fail "no TcpExtBusyPollRxPackets in nstat in $NS_A"
if grep -qF -- "$WARNING" "$XTCPD_LOG"; then
	assert_eq "frames received by busy polling, with xtcpd's warning" "$polled" 0
	pass "no NAPI id (copy mode on this kernel): xtcpd warned, and the kernel busy-polled 0 frames"
else
	assert_ge "frames received by busy polling, without a warning" "$polled" 1
	pass "the socket has a NAPI id: the kernel busy-polled $polled frames, no warning"
fi

stop_xtcpd
