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
#ifndef XT_MAX_CONNS
#define XT_MAX_CONNS		65536
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
	__u32 pad2;
};

/* ctl.flags */
#define XT_CTL_COOKIES		(1u << 0)	/* XDP answers SYNs with cookies */
#define XT_CTL_RST_BAD_COOKIE	(1u << 1)	/* RST a bad cookie, else drop */
#define XT_CTL_DRAIN		(1u << 2)	/* xtcpd is stopping: RST SYNs
						 * and handshake ACKs to its
						 * listeners, as a closed port */
#define XT_CTL_TAP		(1u << 3)	/* a tap is on: frames XDP answers
						 * or drops go to tap_ring */

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
 * replaces it with the connection's slot (or deletes it, refusing it).
 */
#define XT_SLOT_PENDING		0xffffffffu

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
	__u64 pass_malformed_ip;	/* bad IPv4 header: the kernel drops it */
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
};

#define XT_STATS_FIELD_COUNT	18

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
};

#define XT_DSTATS_COUNTERS	30

#ifndef __bpf__
_Static_assert(sizeof(struct xt_listen_val) == 4, "listen_val layout");
_Static_assert(sizeof(struct xt_ctl) == 24, "ctl layout");
_Static_assert(sizeof(struct xt_cookie_keys) == 56, "cookie_keys layout");
_Static_assert(sizeof(struct xt_conn_key) == 12, "conn_key layout");
_Static_assert(sizeof(struct xt_conn_val) == 8, "conn_val layout");
_Static_assert(sizeof(struct xt_conn_win) == 8, "conn_win layout");
_Static_assert(sizeof(struct xt_xdp_stats) == XT_STATS_FIELD_COUNT * 8,
	       "xdp_stats layout");
_Static_assert(sizeof(struct xt_daemon_stats) ==
	       (XT_TCP_NSTATES + XT_DSTATS_COUNTERS) * 8, "daemon_stats layout");
#endif

#endif /* XTCP_MAPS_H */
