#!/usr/bin/env bash
# The testbed: two network namespaces joined by a veth pair, xtcpd on side a,
# the Linux kernel's own TCP on side b.
#
#   tools/testbed.sh up NAME     create it (running it again changes nothing)
#   tools/testbed.sh down NAME   remove it, and xtcpd's pins for it
#   tools/testbed.sh env NAME    print NS_A NS_B IF_A IF_B IP_A IP_B PREFIX
#                                MAC_A MAC_B as shell assignments, for eval
#
#   namespace xtcp-NAME-a: veth xa-NAME, 198.1{8,9}.X.1/24
#   namespace xtcp-NAME-b: veth xb-NAME, 198.1{8,9}.X.2/24
#
# NAME is 1 to 10 characters of [a-z0-9]. The /24 comes from a hash of NAME,
# out of 198.18.0.0/15 (RFC 2544's benchmarking range); two names that hash
# alike get the same /24, which is harmless: each pair is its own island.
#
# Environment: XTCP_QUEUES=N gives each veth N TX and N RX queues (default 1);
# XTCP_PASS_OBJ is the XDP_PASS object for side b (default
# build/bpf/pass.bpf.o, built by `make`).
#
# Needs root. Uses only ip, ethtool, nsenter and coreutils.
set -euo pipefail
export LC_ALL=C	# [a-z] means ASCII letters only

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PASS_OBJ=${XTCP_PASS_OBJ:-$REPO/build/bpf/pass.bpf.o}
QUEUES=${XTCP_QUEUES:-1}
PREFIX=24
BPFFS_PINS=/sys/fs/bpf/xtcp

usage() {
	echo "usage: $0 up|down|env NAME   (NAME: 1-10 chars of [a-z0-9])" >&2
	exit 2
}

die() {
	echo "testbed: $*" >&2
	exit 1
}

# Runs a command in a namespace without `ip netns exec`'s private /sys.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

ns_exists() {
	[ -e "/run/netns/$1" ]
}

link_exists() {
	ns_exists "$1" && ip -n "$1" link show dev "$2" >/dev/null 2>&1
}

# Sets NS_A NS_B IF_A IF_B IP_A IP_B and SUBNET for NAME.
names() {
	local name=$1 crc idx
	NS_A=xtcp-$name-a
	NS_B=xtcp-$name-b
	IF_A=xa-$name
	IF_B=xb-$name
	crc=$(printf '%s' "$name" | cksum)
	crc=${crc%% *}
	# 512 /24s in 198.18.0.0/15: 198.18.0.0 to 198.19.255.0.
	idx=$((crc % 512))
	SUBNET=198.$((18 + idx / 256)).$((idx % 256))
	IP_A=$SUBNET.1
	IP_B=$SUBNET.2
}

mac_of() {
	local ns=$1 dev=$2 line mac
	line=$(ip -n "$ns" -br link show dev "$dev") || die "$dev not found in $ns"
	read -r _ _ mac _ <<<"$line"
	echo "$mac"
}

# A veth left over from an `up` with another XTCP_QUEUES would silently keep
# its old queue count; say so instead.
check_queues() {
	local details
	details=$(ip -n "$NS_A" -d link show dev "$IF_A")
	case $details in
	*"numtxqueues $QUEUES numrxqueues $QUEUES "*) ;;
	*) die "$IF_A exists with other queue counts than XTCP_QUEUES=$QUEUES; run '$0 down $NAME' first" ;;
	esac
}

create_veth() {
	if link_exists "$NS_A" "$IF_A"; then
		check_queues
		return
	fi
	# A side b left over without its peer (a half-done `down`) goes first.
	if link_exists "$NS_B" "$IF_B"; then
		ip -n "$NS_B" link del dev "$IF_B"
	fi
	# Created inside the namespaces, so names in the root namespace never
	# collide. XDP on a veth needs at least as many RX queues as its peer
	# has TX queues, hence the same count on both ends.
	ip -n "$NS_A" link add "$IF_A" numtxqueues "$QUEUES" numrxqueues "$QUEUES" \
		type veth peer name "$IF_B" netns "$NS_B" \
		numtxqueues "$QUEUES" numrxqueues "$QUEUES"
}

cmd_up() {
	[ -r "$PASS_OBJ" ] || die "no XDP_PASS object at $PASS_OBJ: run 'make build/bpf/pass.bpf.o' (or set XTCP_PASS_OBJ)"
	case $QUEUES in
	'' | *[!0-9]* | 0*) die "XTCP_QUEUES must be a positive integer, not '$QUEUES'" ;;
	esac

	local ns
	for ns in "$NS_A" "$NS_B"; do
		ns_exists "$ns" || ip netns add "$ns"
		ip -n "$ns" link set dev lo up
	done
	create_veth

	ip -n "$NS_A" addr replace "$IP_A/$PREFIX" dev "$IF_A"
	ip -n "$NS_B" addr replace "$IP_B/$PREFIX" dev "$IF_B"

	# TX checksum offload off on b: otherwise b's kernel hands its TCP
	# segments over with CHECKSUM_PARTIAL (only the pseudo-header sum in the
	# checksum field), side a's XDP sees them as they are, and the
	# userspace stack on a would find bad checksums. Off on a as well, for
	# symmetry: what a's kernel sends b then carries full checksums too.
	in_ns "$NS_B" ethtool -K "$IF_B" tx off >/dev/null
	in_ns "$NS_A" ethtool -K "$IF_A" tx off >/dev/null

	# XDP_PASS in native mode on b: a veth only delivers frames sent towards
	# it with XDP_TX, a redirect or an AF_XDP socket when its receiving end
	# runs an XDP program (the frames need that end's NAPI). -force
	# replaces a program a previous `up` attached, so `up` stays idempotent.
	#
	# Attaching XDP to a veth also turns TSO/GSO off ("[fixed]") at its
	# peer, so that frames reach the program no larger than the MTU: this
	# program turns them off on a, and xtcpd's program on a turns them off
	# on b for as long as it is attached. (With TX checksum offload off,
	# TSO is off anyway.) Bulk throughput against Linux is therefore worth
	# comparing with and without XDP attached.
	ip -force -n "$NS_B" link set dev "$IF_B" xdpdrv obj "$PASS_OBJ" sec xdp

	ip -n "$NS_A" link set dev "$IF_A" up
	ip -n "$NS_B" link set dev "$IF_B" up

	# ARP stays dynamic: side a's kernel keeps the address and answers ARP
	# itself, as it would on a real NIC.
}

cmd_down() {
	local ns pids
	for ns in "$NS_A" "$NS_B"; do
		ns_exists "$ns" || continue
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		if [ -n "$pids" ]; then
			echo "testbed: still running in $ns (left alone): $pids" >&2
		fi
	done
	# Deleting the veth first removes both ends and any XDP attachment even
	# when a process keeps a namespace alive after `ip netns del`.
	if link_exists "$NS_A" "$IF_A"; then
		ip -n "$NS_A" link del dev "$IF_A" 2>/dev/null || true
	fi
	if link_exists "$NS_B" "$IF_B"; then
		ip -n "$NS_B" link del dev "$IF_B" 2>/dev/null || true
	fi
	for ns in "$NS_A" "$NS_B"; do
		if ns_exists "$ns"; then
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
	rm -rf "${BPFFS_PINS:?}/$IF_A"
}

cmd_env() {
	if ! link_exists "$NS_A" "$IF_A" || ! link_exists "$NS_B" "$IF_B"; then
		die "testbed $NAME is not up: run '$0 up $NAME'"
	fi
	local mac_a mac_b
	mac_a=$(mac_of "$NS_A" "$IF_A")
	mac_b=$(mac_of "$NS_B" "$IF_B")
	printf 'NS_A=%s\nNS_B=%s\nIF_A=%s\nIF_B=%s\n' "$NS_A" "$NS_B" "$IF_A" "$IF_B"
	printf 'IP_A=%s\nIP_B=%s\nPREFIX=%s\n' "$IP_A" "$IP_B" "$PREFIX"
	printf 'MAC_A=%s\nMAC_B=%s\n' "$mac_a" "$mac_b"
}

[ $# -eq 2 ] || usage
CMD=$1
NAME=$2
if ! [[ $NAME =~ ^[a-z0-9]{1,10}$ ]]; then
	echo "testbed: bad NAME '$NAME': 1 to 10 characters of [a-z0-9]" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "testbed: must run as root" >&2
	exit 2
fi
names "$NAME"

case $CMD in
up) cmd_up ;;
down) cmd_down ;;
env) cmd_env ;;
*) usage ;;
esac
