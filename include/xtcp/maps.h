/* SPDX-License-Identifier: MIT */
/*
 * The contract between the XDP program and xtcpd: the key and value types
 * of every map they share, and the names those maps are pinned under.
 *
 * The maps carry BTF, so `bpftool map dump pinned /sys/fs/bpf/xtcp/IF/NAME`
 * prints these structs field by field. Layouts are checked below so that a
 * change on one side cannot silently disagree with the other.
 */
#ifndef XTCP_MAPS_H
#define XTCP_MAPS_H

#include <linux/bpf.h>
#include <linux/types.h>
#include "xtcp/cookie.h"
#include "xtcp/state.h"

/* Where xtcpd pins its maps: XT_PIN_ROOT "/" ifname "/" map name. */
#define XT_PIN_ROOT		"/sys/fs/bpf/xtcp"

/* Capacities; override with -D at build time. */
#ifndef XT_MAX_QUEUES
#define XT_MAX_QUEUES		64
#endif
#ifndef XT_MAX_LISTEN
#define XT_MAX_LISTEN		256
#endif
/*
 * conns and conn_win are declared with XT_MAX_CONNS entries; xtcpd sizes
 * them at load time to hold max(XT_MAX_CONNS, --max-conns), at most
 * XT_MAX_CONNS_LIMIT. Both are preallocated: their memory is fixed by that
 * capacity, not by the connections held.
 */
#ifndef XT_MAX_CONNS
#define XT_MAX_CONNS		65536
#endif
#ifndef XT_MAX_CONNS_LIMIT
#define XT_MAX_CONNS_LIMIT	(1u << 20)
#endif

/* listen_ports: key is the local TCP port in host order. */
struct xt_listen_val {
	__u32 service;			/* xtcpd's service index, for show */
};

/*
 * ctl: one entry of run-time settings the daemon may change while the
 * program runs.
 */
struct xt_ctl {
	__u16 eph_lo;			/* local ports of xtcpd's active opens, */
	__u16 eph_hi;			/* inclusive, host order; 0,0 = none */
	__u32 flags;			/* XT_CTL_* */
	__u16 mss;			/* MSS a cookie SYN-ACK announces */
	__u8 wscale;			/* window scale it announces */
	__u8 pad;
	__u32 ts_offset;		/* TSval = monotonic ms + ts_offset */
	__u32 cookie_switches;		/* auto mode's switches, for show */
	__u32 rst_rate;			/* RSTs XDP may send for unknown tuples,
					 * per second; 0 = no limit */
	__u32 rst_burst;		/* ... back to back (rst_limit.h) */
};

/* ctl.flags */
#define XT_CTL_COOKIES		(1u << 0)	/* XDP answers SYNs with cookies */
#define XT_CTL_RST_BAD_COOKIE	(1u << 1)	/* RST a bad cookie, else drop */
#define XT_CTL_DRAIN		(1u << 2)	/* xtcpd is stopping: RST SYNs
						 * and handshake ACKs to its
						 * listeners, as a closed port */
#define XT_CTL_TAP		(1u << 3)	/* a tap is on: frames XDP answers
						 * or drops go to tap_ring */
#define XT_CTL_META		(1u << 4)	/* several workers: frames to the
						 * sockets carry struct xt_xsk_meta */

/*
 * conns: one entry per connection xtcpd holds, from before its first
 * segment leaves until it is CLOSED (see DESIGN.md, the invariant).
 * Addresses in network order, ports in host order, so that bpftool's dump
 * reads as a tuple.
 */
struct xt_conn_key {
	__u8 laddr[4];
	__u8 raddr[4];
	__u16 lport;
	__u16 rport;
};

struct xt_conn_val {
	__u32 slot;			/* index into conn_win, or: */
	enum xt_tcp_state state;
};

/*
 * The entry the XDP program writes when it lets a valid cookie ACK through,
 * so the client's next segments find the tuple live before xtcpd's batch
 * replaces it with the connection's slot (or deletes it, refusing it):
 * XT_SLOT_PENDING plus the RX queue the ACK came in on, whose worker makes
 * the connection.
 */
#define XT_SLOT_PENDING		0xffffff00u
#define XT_SLOT_IS_PENDING(s)	((s) >= XT_SLOT_PENDING)
/* In struct xt_xsk_meta: the tuple had no entry at all. */
#define XT_SLOT_NONE		0xfffffe00u

/*
 * What XDP writes just before a frame it steers to an AF_XDP socket when
 * ctl.flags has XT_CTL_META: the conns slot it found. A frame reaches the
 * socket of the RX queue it came in on, which RSS chose, not xtcpd; the
 * worker that gets it passes it on to the worker that owns the slot
 * (user/xtcpd/handoff.h). Lives in the frame's headroom (data_meta).
 */
struct xt_xsk_meta {
	__u32 slot;			/* conns' slot, PENDING + queue, NONE */
	__u32 magic;			/* XT_XSK_META_MAGIC */
};

#define XT_XSK_META_MAGIC	0x78746d31u	/* "xtm1" */

/*
 * rst_bucket: XDP's own state for ctl.rst_rate, never written by xtcpd. A
 * virtual scheduling clock (GCRA): the time at which the bucket is full
 * again; a RST may leave while tat - now <= (rst_burst - 1) intervals.
 */
struct xt_rst_bucket {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 tat;			/* bpf_ktime_get_ns() time, 0 at load */
};

/* conn_win: BPF_F_MMAPABLE array written by xtcpd without syscalls. */
struct xt_conn_win {
	__u32 rcv_nxt;
	__u32 rcv_wnd;			/* already scaled, in bytes */
};

/*
 * stats: a per-CPU array of one entry, a counter per XDP verdict. Keep the
 * names in step with xtcpctl's table (user/ctl/stats.c).
 */
struct xt_xdp_stats {
	__u64 rx_frames;		/* every frame the program saw */
	__u64 pass_not_ipv4;		/* ARP, IPv6, anything not IPv4 */
	__u64 pass_not_tcp;		/* ICMP, UDP, ... */
	__u64 pass_fragment;		/* IPv4 fragments: the kernel reassembles */
	__u64 pass_malformed_ip;	/* bad IPv4 header, or a source that is
					 * the destination: the kernel drops it */
	__u64 pass_unowned;		/* TCP to a port xtcp does not own */
	__u64 drop_malformed_tcp;	/* owned port, but a broken TCP header */
	__u64 redirect;			/* sent to an AF_XDP socket */
	__u64 drop_no_socket;		/* owned, but no socket on this queue */
	__u64 tx_synack_cookie;		/* SYN answered with a cookie SYN-ACK */
	__u64 redirect_cookie_ack;	/* ACK with a valid cookie, to xtcpd */
	__u64 tx_rst_bad_cookie;	/* ACK with a bad cookie, answered RST */
	__u64 drop_bad_cookie;		/* ACK with a bad cookie, dropped */
	__u64 tx_rst_unknown;		/* other segment for an unknown tuple */
	__u64 drop_rst_unknown;		/* RST for an unknown tuple */
	__u64 drop_rst_window;		/* RST outside the receive window */
	__u64 drop_bad_csum;		/* bad IPv4 or TCP checksum, on a segment
					 * XDP would have answered itself */
	__u64 tap_ring_full;		/* tap records lost: tap_ring was full */
	__u64 drop_rst_ratelimit;	/* a RST XDP would have sent, dropped:
					 * over ctl.rst_rate */
};

#define XT_STATS_FIELD_COUNT	19

/*
 * dstats: what each xtcpd worker reports, one array slot per worker,
 * rewritten about ten times a second. Counters only grow; conns[] is the
 * number of connections in each state right now.
 */
struct xt_daemon_stats {
	__u64 conns[XT_TCP_NSTATES];	/* indexed by enum xt_tcp_state */
	__u64 segs_in, segs_out, malformed;
	__u64 bad_csum;			/* bad IPv4 or TCP checksum */
	__u64 active_opens, passive_opens;
	__u64 resets_sent, resets_received;
	__u64 retransmits, fast_retransmits, timeouts;
	__u64 challenge_acks, paws_drops, bad_acks;
	__u64 backlog_drops, conn_limit_drops, keepalive_drops;
	__u64 ooo_segments;
	__u64 ooo_limit_drops;		/* refused: --ooo-total was reached */
	/* Loss recovery (user/tcp/recovery.c). */
	__u64 rto_expiries, tlp_probes, tlp_recoveries;
	__u64 dsacks, undos, sack_renegings;
	/* The AF_XDP port: frames lost between XDP and xtcpd, or on TX. */
	__u64 xsk_rx_dropped, xsk_rx_ring_full, xsk_fill_empty;
	__u64 tx_ring_full, tx_no_frame;
	/* Several workers: frames passed to their owner (handoff.h). */
	__u64 handoff_out, handoff_in, handoff_drops;
	/* Unacceptable pure ACKs left unanswered (one ACK per 500 ms). */
	__u64 oow_acks_skipped;
	/* Spinning given up: the CPU was taken to bring the work (spin.h). */
	__u64 spin_yields;
};

#define XT_DSTATS_COUNTERS	35

#ifndef __bpf__
_Static_assert(sizeof(struct xt_listen_val) == 4, "listen_val layout");
_Static_assert(sizeof(struct xt_ctl) == 28, "ctl layout");
_Static_assert(sizeof(struct xt_cookie_keys) == 56, "cookie_keys layout");
_Static_assert(sizeof(struct xt_conn_key) == 12, "conn_key layout");
_Static_assert(sizeof(struct xt_conn_val) == 8, "conn_val layout");
_Static_assert(sizeof(struct xt_conn_win) == 8, "conn_win layout");
_Static_assert(sizeof(struct xt_xsk_meta) == 8, "xsk_meta layout");
_Static_assert(sizeof(struct xt_rst_bucket) == 16, "rst_bucket layout");
_Static_assert(sizeof(struct xt_xdp_stats) == XT_STATS_FIELD_COUNT * 8,
	       "xdp_stats layout");
_Static_assert(sizeof(struct xt_daemon_stats) ==
	       (XT_TCP_NSTATES + XT_DSTATS_COUNTERS) * 8, "daemon_stats layout");
#endif

#endif /* XTCP_MAPS_H */
