#!/usr/bin/env bash
# Active open: xtcpd connects out to a Linux listener on side b.
#
#   1. socat listens on side b; xtcpd --connect IP_B:PORT:echo opens a
#      connection from its reserved port range (SYN-SENT -> ESTABLISHED)
#   2. socat sends 2 MB and shuts its write side; xtcpd's echo client sends
#      every byte back (sha256 equal), then closes: data both ways, and the
#      passive close on the xtcp side (CLOSE-WAIT -> LAST-ACK -> CLOSED)
#   3. the reserved range was in the kernel's ip_local_reserved_ports while
#      xtcpd ran, and is gone from it after
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_engine.sh
. "$(dirname "$0")/lib_engine.sh"

PORT=5000
RANGE=62000-62099
MB=$((1024 * 1024))

reserved() {
	on_a cat /proc/sys/net/ipv4/ip_local_reserved_ports
}

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"
head -c $((2 * MB)) /dev/urandom >"$WORKDIR/in"

# 1. The listener first; -t: socat waits that long for xtcpd's FIN.
spawn b SOCAT socat.log timeout 30 bash -c \
	"exec socat -b 65536 -t 20 TCP-LISTEN:$PORT,reuseaddr - <$WORKDIR/in >$WORKDIR/out"
wait_for "socat listening on $IP_B:$PORT" 5 \
	on_b bash -c "ss -ltn | grep -q ':$PORT '"
start_xtcpd xtcpd.log --connect "$IP_B:$PORT:echo" --local-ports "$RANGE"
wait_for "active_opens >= 1" 5 stat_ge active_opens 1
case ",$(reserved)," in
*",$RANGE,"*) pass "ports $RANGE reserved from the kernel while xtcpd runs" ;;
*) fail "ip_local_reserved_ports is '$(reserved)', without $RANGE" ;;
esac

# 2. Everything comes back, then both sides close.
wait_for "socat done (2 MB echoed back, xtcpd closed)" 20 \
	bash -c "! kill -0 $SOCAT 2>/dev/null"
assert_eq "bytes back" "$(size "$WORKDIR/out")" $((2 * MB))
assert_eq "sha256 back" "$(sha "$WORKDIR/out")" "$(sha "$WORKDIR/in")"
wait_for "no connection left in xtcpd" 10 conns_open
assert_eq "xtcpd resets_sent" "$(xt_stat resets_sent)" 0
pass "active open: 2 MB each way, sha256 equal, closed without a reset"

# 3. The kernel gets its ports back.
stop_xtcpd
case ",$(reserved)," in
*",$RANGE,"*) fail "ip_local_reserved_ports still holds $RANGE after exit" ;;
esac
pass "ports $RANGE returned to the kernel"
