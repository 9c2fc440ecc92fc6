#!/usr/bin/env bash
# The foundation: xtcpd attaches to side a's veth, steers what it owns to
# itself, leaves everything else to the kernel, cleans up after itself
# (even after a crash) and refuses bad usage.
#
#   1. a connect from b's kernel to an owned port reaches xtcpd and
#      completes, and side a sends no RST for it
#   2. ping from b to a still works
#   3. a port the kernel serves on side a still works
#   4. the maps are pinned and readable with bpftool from outside the netns
#   5. SIGTERM: exit 0, pins gone, XDP detached
#   6. after kill -9, a new xtcpd starts over the leftovers and works
#   7. bad usage: exit 2, one line on stderr
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

OWNED_PORT=8080
KERNEL_PORT=9090
PINS="stats dstats listen_ports xsks ctl conns conn_win cookie_keys"

# probe_syn: from b's kernel, a connect to the owned port; xtcpd's XDP
# redirects it and xtcpd completes the handshake (nc -z exits 0).
probe_syn() {
	local nc_pid
	spawn b nc_pid nc.log timeout 3 nc -z -w 2 "$IP_A" "$OWNED_PORT"
	wait_for "XDP redirect >= 1 after a connect to :$OWNED_PORT" 5 \
		stat_ge redirect 1
	wait_exit "$nc_pid" 5 || fail "nc -z to :$OWNED_PORT still running"
	reap "$nc_pid"
	assert_eq "nc -z to :$OWNED_PORT exit status" "$REAP_STATUS" 0
	pass "connect from b to :$OWNED_PORT redirected to xtcpd and completed"
}

kernel_listens_on_a() {
	on_a ss -Hltn "sport = :$1" | grep -q .
}

# What is left under PIN_DIR, on one line.
pins_left() {
	[ ! -d "$PIN_DIR" ] || find "$PIN_DIR" -mindepth 1 -printf '%P\n' | paste -sd ' '
}

pins_gone() {
	local left
	left=$(pins_left)
	[ -z "$left" ] || fail "pins left in $PIN_DIR: $left"
}

xdp_detached() {
	! xdp_attached || fail "XDP program still attached to $IF_A"
}

# bad_usage WHAT ARG...: xtcpd ARG... in side a must exit 2 with one line
# on stderr.
bad_usage() {
	local what=$1 rc=0
	shift
	on_a timeout 5 "$XTCPD_BIN" "$@" >"$WORKDIR/bad.out" 2>"$WORKDIR/bad.err" || rc=$?
	assert_eq "exit status of xtcpd $what" "$rc" 2
	assert_eq "lines on stderr from xtcpd $what" "$(wc -l <"$WORKDIR/bad.err")" 1
	pass "xtcpd $what: exit 2, '$(cat "$WORKDIR/bad.err")'"
}

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"

start_xtcpd xtcpd.log --listen "$OWNED_PORT:echo"

# Everything side a sends over TCP, captured on b from before the first
# probe to after the last, to look for RSTs afterwards.
PCAP=$WORKDIR/from_a.pcap
spawn b TCPDUMP_PID tcpdump.log timeout 120 \
	tcpdump -i "$IF_B" -n -U --immediate-mode -Z root -w "$PCAP" "tcp and src host $IP_A"
wait_for "tcpdump listening on $IF_B" 5 grep -q "listening on" "$WORKDIR/tcpdump.log"

# 1. A SYN to the owned port reaches xtcpd.
probe_syn

# 2. ICMP stays with the kernel.
on_b timeout 5 ping -q -c 3 -W 1 -i 0.2 "$IP_A" >/dev/null ||
	fail "ping from b to $IP_A"
assert_ge "pass_not_tcp after ping" "$(xt_stat pass_not_tcp)" 3
pass "ping from b to a"

# 3. A port xtcpd does not own stays with the kernel.
spawn a SOCAT_PID socat.log timeout 60 \
	socat "TCP-LISTEN:$KERNEL_PORT,bind=$IP_A,reuseaddr,fork" EXEC:cat
wait_for "kernel listening on $IP_A:$KERNEL_PORT" 5 kernel_listens_on_a "$KERNEL_PORT"
msg="hello from $NS_B"
reply=$(printf '%s\n' "$msg" | on_b timeout 5 socat -t 2 - "TCP:$IP_A:$KERNEL_PORT") ||
	fail "socat from b to the kernel's :$KERNEL_PORT on a"
assert_eq "echo from the kernel's :$KERNEL_PORT" "$reply" "$msg"
assert_ge "pass_unowned" "$(xt_stat pass_unowned)" 1
pass "kernel-served :$KERNEL_PORT on a echoes"
reap "$SOCAT_PID"

# No RST from a for the owned port; the kernel's port 9090 traffic shows
# that the capture itself worked.
reap "$TCPDUMP_PID" INT
rsts=$(tcpdump -n -r "$PCAP" "tcp[tcpflags] & tcp-rst != 0 and src port $OWNED_PORT" 2>/dev/null) ||
	fail "reading $PCAP"
[ -z "$rsts" ] || fail "side a sent RSTs from :$OWNED_PORT: $rsts"
seen=$(tcpdump -n -r "$PCAP" "src port $KERNEL_PORT" 2>/dev/null | wc -l)
assert_ge "segments from a's :$KERNEL_PORT in the capture" "$seen" 1
pass "no RST from :$OWNED_PORT"

# 4. Pins, visible from outside side a's netns.
for m in $PINS; do
	[ -e "$PIN_DIR/$m" ] || fail "no pin $PIN_DIR/$m"
done
timeout 5 bpftool map dump pinned "$PIN_DIR/stats" >/dev/null ||
	fail "bpftool map dump pinned $PIN_DIR/stats"
pass "maps pinned under $PIN_DIR ($PINS)"

# 5. A clean stop leaves nothing behind.
stop_xtcpd
pins_gone
xdp_detached
pass "stop: pins gone, XDP detached"

# 6. Crash recovery: kill -9 leaves pins (and maybe the attachment); the
# next xtcpd must clear them and work.
start_xtcpd xtcpd-crash.log --listen "$OWNED_PORT:echo"
kill_xtcpd KILL
echo "  after kill -9: pins: $(pins_left)," \
	"XDP attached: $(xdp_attached && echo yes || echo no)"
start_xtcpd xtcpd-restart.log --listen "$OWNED_PORT:echo"
probe_syn
stop_xtcpd
pins_gone
xdp_detached
pass "restart after kill -9"

# 7. Bad usage: exit 2 and one line on stderr, nothing attached.
bad_usage "--bogus" --bogus
bad_usage "with no such interface" --iface nosuchif0 --listen 80:echo
xdp_detached
pins_gone
