/* SPDX-License-Identifier: MIT */
/*
 * Congestion control behind an ops table (Linux's tcp_congestion_ops,
 * smoltcp's congestion/): an algorithm owns cwnd and ssthresh and nothing
 * else. Loss detection and what to retransmit belong to recovery.c; it
 * tells the algorithm that congestion was seen (on_congestion, on_rto) and
 * hands it every ACK's summary (struct xt_ack_sample, tcp.h).
 *
 * Who calls what, and when:
 *   init            once, when the connection's MSS is known (handshake)
 *   on_ack          each ACK that delivered data (acked or newly SACKed)
 *                   outside recovery: grow cwnd (slow start, avoidance)
 *   on_congestion   loss detected, recovery starts: set ssthresh, and
 *                   cwnd to what recovery may keep in flight
 *   on_rto          the retransmission timer fired: set ssthresh, cwnd
 *   after_idle      data is sent after an idle period longer than the RTO
 *                   (RFC 5681 §4.1)
 *   undo            optional: recovery was spurious (D-SACK showed every
 *                   retransmission unneeded); the caller has restored
 *                   cwnd and ssthresh to what they were before, and the
 *                   algorithm restores its own state
 *   cong_control    optional: the algorithm sets cwnd itself on every ACK,
 *                   in recovery too (Linux's cong_control, for BBR): then
 *                   on_ack is not called, recovery does no PRR and does
 *                   not set cwnd to ssthresh when it ends
 * On leaving recovery the caller sets cwnd to ssthresh (RFC 6675 §5).
 *
 * Units: bytes for windows, microseconds for time. Each algorithm keeps
 * its per-connection state in s->cc_priv (at most XT_CC_PRIV_SIZE bytes).
 */
#ifndef XTCP_CC_H
#define XTCP_CC_H

#include <stdint.h>

#define XT_CC_PRIV_SIZE		128	/* bytes of per-connection state */
#define XT_CC_INITIAL_SEGS	10	/* RFC 6928 */

struct xt_sock;
struct xt_ack_sample;

struct xt_cc_ops {
	const char *name;
	void (*init)(struct xt_sock *s);
	void (*on_ack)(struct xt_sock *s, const struct xt_ack_sample *a);
	void (*on_congestion)(struct xt_sock *s, const struct xt_ack_sample *a);
	void (*on_rto)(struct xt_sock *s);
	void (*after_idle)(struct xt_sock *s);
	void (*undo)(struct xt_sock *s);	/* may be NULL */
	void (*cong_control)(struct xt_sock *s,	/* may be NULL */
			     const struct xt_ack_sample *a);
};

extern const struct xt_cc_ops xt_cc_newreno;	/* cc_newreno.c */
extern const struct xt_cc_ops xt_cc_cubic;	/* cc_cubic.c */
extern const struct xt_cc_ops xt_cc_bbr;	/* cc_bbr.c */

/* By name ("cubic", "newreno", "bbr"), for flags; NULL when there is none. */
const struct xt_cc_ops *xt_cc_find(const char *name);

#endif /* XTCP_CC_H */
