/* SPDX-License-Identifier: MIT */
/*
 * What xtcp-bench's XDP programs and its userspace agree on: the fixed
 * workload, the per-slot connection record, the counters and the latency
 * histogram's buckets. Compiled into both sides.
 *
 * The workload (netperf's TCP_CRR, as HTTP so that any web server can be
 * measured): connect; a 64-byte request, "GET /63 HTTP/1.1" with a Host
 * and a padding header; a 128-byte response (xtcpd's http service and
 * tools/kernel_httpd.c answer GET /63 with 65 header bytes and 63 body
 * bytes); the client closes first (FIN), the server answers with its FIN.
 */
#ifndef XB_BENCH_H
#define XB_BENCH_H

#include <linux/types.h>

#define XB_REQ_LEN		64
#define XB_RESP_LEN		128
#define XB_MSS			1460
#define XB_WINDOW		65535
/* The client's port range for the XDP engine, below Linux's ephemeral one. */
#define XB_PORT_LO		1024
#define XB_PORT_HI		32767
#define XB_MAX_SLOTS		(XB_PORT_HI - XB_PORT_LO + 1)

/* Where a slot's connection stands (the client's side of RFC 9293). */
enum xb_slot_state {
	XB_S_IDLE,		/* no connection (open loop: free) */
	XB_S_SYN_SENT,		/* SYN out, waiting for SYN-ACK */
	XB_S_REQ_SENT,		/* ACK + request out, reading the response */
	XB_S_FIN_SENT,		/* our FIN out (FIN-WAIT), waiting for theirs */
	XB_S_LAST_ACK,		/* the server closed first; our FIN awaits its ACK */
};

/*
 * One closed-loop "token": the connection a slot runs now. A slot's n-th
 * connection (gen n) uses the tuple xb_slot_tuple() gives, so consecutive
 * connections of a slot never share a tuple. Written by the XDP programs
 * (one CPU at a time: a slot has one segment in flight) and by userspace
 * only to re-seed a slot that timed out.
 */
struct xb_slot {
	__u64 start_ns;		/* when this connection's SYN left */
	__u64 last_ns;		/* its last event */
	__u32 gen;		/* connections this slot has started */
	__u32 isn;		/* our ISN, host order */
	__u32 srv_isn;		/* the server's, host order */
	__u32 state;		/* enum xb_slot_state */
};

/* Counters, one table for the enum, the names and the descriptions. */
#define XB_COUNTERS(X)							\
	X(syn_sent,	"crr SYNs sent")				\
	X(completed,	"crr connections completed (server FIN acked)")	\
	X(resets,	"crr connections reset by the server")		\
	X(partial,	"crr response segments shorter than the response") \
	X(stray,	"segments for a slot's earlier connection")	\
	X(overrun,	"open loop: a slot reused while still busy")	\
	X(flood_synack,	"SYN-ACKs to flood sources, counted and dropped") \
	X(flood_rst,	"RSTs to flood sources")			\
	X(flood_other,	"other segments to flood sources")		\
	X(rsp_syn,	"responder: SYNs answered")			\
	X(rsp_req,	"responder: requests answered")			\
	X(rsp_fin,	"responder: FINs answered")

#define XB_COUNTER_ENUM(name, desc) XB_C_##name,
enum xb_counter { XB_COUNTERS(XB_COUNTER_ENUM) XB_C_COUNT };
#undef XB_COUNTER_ENUM

/*
 * Latency histogram, log-linear: values below 8 ns have a bucket each;
 * above, each power of two is cut into 8 buckets (12.5% wide).
 */
#define XB_HIST_SUB_BITS	3
#define XB_HIST_SUB		(1u << XB_HIST_SUB_BITS)
#define XB_HIST_MAX_LOG2	40	/* ~1100 s; longer goes in the last */
#define XB_HIST_BUCKETS		((int)((XB_HIST_MAX_LOG2 - XB_HIST_SUB_BITS + 2) * XB_HIST_SUB))

/* floor(log2(v)) for v > 0, without loops (the verifier likes that). */
static inline __u32 xb_log2(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

static inline __u32 xb_hist_bucket(__u64 ns)
{
	__u32 lg, b;

	if (ns < XB_HIST_SUB)
		return (__u32)ns;
	lg = xb_log2(ns);
	if (lg > XB_HIST_MAX_LOG2)
		return XB_HIST_BUCKETS - 1;
	b = (lg - XB_HIST_SUB_BITS + 1) * XB_HIST_SUB +
	    (__u32)((ns >> (lg - XB_HIST_SUB_BITS)) & (XB_HIST_SUB - 1));
	return b < XB_HIST_BUCKETS ? b : XB_HIST_BUCKETS - 1;
}

/* The smallest value bucket b holds. */
static inline __u64 xb_hist_lower(__u32 b)
{
	__u32 lg;

	if (b < XB_HIST_SUB)
		return b;
	lg = b / XB_HIST_SUB + XB_HIST_SUB_BITS - 1;
	return (__u64)(XB_HIST_SUB + b % XB_HIST_SUB) << (lg - XB_HIST_SUB_BITS);
}

/*
 * The tuple of a slot's gen-th connection: the address rotates through
 * the pool first, then the port through its blocks of nslots ports.
 * Host order. The slot of a port is (port - XB_PORT_LO) % nslots.
 */
static inline void xb_slot_tuple(__u32 slot, __u32 gen, __u32 nslots,
				 __u32 pool_base, __u32 pool_count,
				 __u32 *addr, __u16 *port)
{
	__u32 blocks = XB_MAX_SLOTS / nslots;

	*addr = pool_base + gen % pool_count;
	*port = (__u16)(XB_PORT_LO + (gen / pool_count) % blocks * nslots + slot);
}

#endif /* XB_BENCH_H */
