/* SPDX-License-Identifier: MIT */
/*
 * The tap: what `xtcpctl trace`, `xtcpctl capture` and `xtcpd --pcap`
 * see. One record type for every source: the XDP program writes it to
 * the tap_ring map (only while ctl.flags has XT_CTL_TAP), xtcpd's workers
 * to their tap queues, and xtcpd streams it to tap clients over the
 * control socket (common/ctlsock.h, XT_CTL_OP_TAP).
 */
#ifndef XTCP_TAP_H
#define XTCP_TAP_H

#include <linux/types.h>

/*
 * Bytes of each frame kept: Ethernet, IPv4 and TCP headers with options
 * (at most 134) and the start of the payload; the rest is counted in len.
 */
#define XT_TAP_SNAPLEN		192

/* tap_ring's size: a power of two pages; about 1300 records. */
#ifndef XT_TAP_RING_BYTES
#define XT_TAP_RING_BYTES	(256 * 1024)
#endif

enum xt_tap_kind {
	XT_TAP_RX = 1,		/* a frame xtcpd's TCP received */
	XT_TAP_TX,		/* a frame xtcpd sent */
	XT_TAP_XDP_IN,		/* a frame XDP answered itself, as it came */
	XT_TAP_XDP_TX,		/* XDP's answer to it (cookie SYN-ACK, RST) */
	XT_TAP_XDP_DROP,	/* a frame XDP dropped on a port xtcp owns */
	XT_TAP_STATE,		/* a connection of xtcpd changed state */
	XT_TAP_LOST,		/* records lost so far: lost.* below */
};

/* The connection of an XT_TAP_STATE record, seen from xtcpd. */
struct xt_tap_conn {
	__u32 laddr, raddr;	/* network order */
	__u16 lport, rport;	/* host order */
	__u8 from, to;		/* enum xt_tcp_state */
	__u8 pad[2];
};

/* XT_TAP_LOST: totals since the session began, sent when they change. */
struct xt_tap_lost {
	__u64 ring_full;	/* XDP: tap_ring had no room */
	__u64 queue_full;	/* xtcpd: a worker's tap queue was full */
	__u64 client_slow;	/* this client did not read fast enough */
};

struct xt_tap_rec {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u8 kind;		/* enum xt_tap_kind */
	__u8 worker;		/* the worker (RX queue); XDP: the RX queue */
	__u16 caplen;		/* bytes of the frame in data */
	__u32 len;		/* the frame's length on the wire */
	union {
		__u8 data[XT_TAP_SNAPLEN];	/* frames: from the MAC header */
		struct xt_tap_conn conn;	/* XT_TAP_STATE */
		struct xt_tap_lost lost;	/* XT_TAP_LOST */
	};
};

#ifndef __bpf__
_Static_assert(sizeof(struct xt_tap_conn) == 16, "tap_conn layout");
_Static_assert(sizeof(struct xt_tap_rec) == 16 + XT_TAP_SNAPLEN,
	       "tap_rec layout");
#endif

#endif /* XTCP_TAP_H */
