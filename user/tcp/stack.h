/* SPDX-License-Identifier: MIT */
/*
 * The TCP engine as a worker drives it. One stack per worker thread; it
 * does no I/O and reads no clock: the worker hands it received segments
 * and the time, and it hands back segments to send through the sink.
 */
#ifndef XTCP_STACK_H
#define XTCP_STACK_H

#include <stdbool.h>
#include <stdint.h>
#include "wire/codec.h"
#include "xtcp/maps.h"
#include "xtcp/siphash.h"
#include "xtcp/tap.h"
#include "xtcp/xtcp.h"

struct xt_cc_ops;

struct xt_stack_cfg {
	uint32_t laddr;			/* network order */
	uint8_t lmac[6];
	uint32_t mtu;			/* MSS we announce = mtu - 40 */
	uint16_t eph_lo, eph_hi;	/* ports for active opens, inclusive */
	uint32_t max_conns;		/* live connections, all states */
	uint32_t max_half_open;		/* SYN_RCVD connections */
	uint32_t sndbuf, rcvbuf;	/* bytes per connection */
	uint32_t reasm_limit;		/* out-of-order bytes per connection */
	uint64_t reasm_total;		/* ... and all connections together */
	uint32_t msl_ms;		/* TIME_WAIT lasts 2 * msl_ms */
	uint32_t rto_min_ms, rto_max_ms, rto_initial_ms;
	uint32_t max_retries;		/* data retransmissions before giving up */
	uint32_t syn_retries;		/* SYN and SYN-ACK retransmissions */
	uint32_t delack_ms;		/* delayed ACK bound */
	uint32_t keepalive_idle_ms;	/* 0: keepalive off */
	uint32_t keepalive_intvl_ms;
	uint32_t keepalive_count;
	uint32_t challenge_acks_per_s;	/* RFC 5961 §7 rate limit */
	uint32_t oow_ack_ms;		/* one ACK per connection per this to
					 * unacceptable pure ACKs; 0: each */
	const struct xt_cc_ops *cc;	/* congestion control; NULL: CUBIC */
	struct xt_siphash_key secret;	/* ISNs (RFC 6528), table hashing */
	/*
	 * Where each connection's RCV.NXT and window go for the XDP program
	 * (the mmapped conn_win map), slots slot_base..slot_base+max_conns-1;
	 * NULL: nowhere (tests).
	 */
	struct xt_conn_win *win;
	uint32_t slot_base;
	/*
	 * SYN cookies (DESIGN.md): 0 and what the ACK's cookie carries in
	 * *o, or -1 when it is not one of ours; NULL: cookies are never
	 * accepted. The XDP program issued them with the window scale below
	 * and a TSval of the monotonic ms clock plus ts_offset, which the
	 * stack keeps using so TSval never goes back (RFC 7323 §5.4).
	 */
	int (*cookie_check)(void *ctx, const struct xt_cookie_tuple *t,
			    uint32_t isn, uint32_t cookie,
			    struct xt_cookie_opts *o);
	void *cookie_ctx;
	uint32_t ts_offset;
	/* The worker's epoll fd for xt_io_watch(); -1 or 0: none (tests). */
	int io_epfd;
};

/* Fills cfg with the defaults RFC 9293, 6298 and 1122 suggest. */
void xt_stack_cfg_default(struct xt_stack_cfg *cfg);

/*
 * Where outgoing segments go: the worker's AF_XDP port, or a test; and
 * who hears of each state change (NULL: nobody; the worker's tap).
 */
struct xt_tx_sink {
	int (*emit)(void *ctx, const struct xt_seg_out *seg);
	/*
	 * Whether emit would fail now for want of a buffer (NULL: never).
	 * Data then waits in its connection, which tries again at the next
	 * poll, instead of leaving as a loss for recovery to find.
	 */
	bool (*full)(void *ctx);
	void (*state)(void *ctx, const struct xt_tap_conn *change);
	void *ctx;
};

struct xt_stack_stats {
	uint64_t segs_in, segs_out;
	uint64_t active_opens, passive_opens;
	uint64_t resets_sent, resets_received;
	uint64_t retransmits, fast_retransmits, timeouts;
	uint64_t rto_expiries, tlp_probes, tlp_recoveries;
	uint64_t dsacks, undos, sack_renegings;
	uint64_t challenge_acks, paws_drops, bad_acks;
	uint64_t backlog_drops, conn_limit_drops;
	uint64_t keepalive_drops, ooo_segments;
	uint64_t oow_acks_skipped;	/* oow_ack_ms held an ACK back */
	uint64_t ooo_limit_drops;	/* out-of-order bytes refused: reasm_total */
	uint64_t cookie_accepts, syns_in;
	uint64_t state_enter[XT_TCP_NSTATES];
	uint32_t in_state[XT_TCP_NSTATES];	/* connections in each state now */
};

struct xt_stack *xt_stack_new(const struct xt_stack_cfg *cfg,
			      const struct xt_tx_sink *sink, uint64_t now_ms);
/* Resets every live connection, then frees; NULL is fine. */
void xt_stack_free(struct xt_stack *st, uint64_t now_ms);

/* One received segment, addressed to this stack (the caller checked). */
void xt_stack_input(struct xt_stack *st, const struct xt_seg *seg,
		    uint64_t now_ms);
/* Runs due timers and sends whatever input and the application queued. */
void xt_stack_poll(struct xt_stack *st, uint64_t now_ms);
/*
 * The same two with a microsecond clock, which the daemon uses: RTT
 * samples, RACK and TLP then see sub-millisecond time (RFC 6298's
 * estimator on a link whose RTT is tens of microseconds); the timer
 * wheel still counts milliseconds. The clock must not go back.
 */
void xt_stack_input_us(struct xt_stack *st, const struct xt_seg *seg,
		       uint64_t now_us);
void xt_stack_poll_us(struct xt_stack *st, uint64_t now_us);
/* How long the worker may sleep before the next poll. */
uint64_t xt_stack_next_delay(const struct xt_stack *st, uint64_t cap_ms);

/*
 * Takes the conns map changes since the last take: deletes first, then
 * updates. Valid until the next input or poll. The worker writes them
 * after each poll and before it sends what was queued (DESIGN.md, the
 * invariant).
 */
struct xt_map_batch {
	const struct xt_conn_key *del_keys;
	uint32_t ndel;
	const struct xt_conn_key *upd_keys;
	const struct xt_conn_val *upd_vals;
	uint32_t nupd;
};
void xt_stack_take_map_batch(struct xt_stack *st, struct xt_map_batch *b);

unsigned xt_stack_conn_count(const struct xt_stack *st);

/*
 * drain.c: stop accepting (SYNs and cookie ACKs to the listeners are then
 * reset, as for a port nobody serves) and ask every application to finish
 * and close (xt_app_ops.drain, at the end of the next poll).
 */
void xt_stack_drain(struct xt_stack *st);
/* Connections still to finish: every one not CLOSED or in TIME-WAIT. */
unsigned xt_stack_unfinished(const struct xt_stack *st);

/* The engine's timers, as bits of xt_conn_info.timers. */
enum xt_conn_timer {
	XT_TIMER_RTX, XT_TIMER_DELACK, XT_TIMER_PERSIST, XT_TIMER_KEEPALIVE,
	XT_TIMER_TIMEWAIT, XT_TIMER_COUNT
};

/*
 * One connection as `xtcpctl conns` shows it (conn_info.c); also what
 * xtcpd's control socket sends, so its layout is fixed.
 */
struct xt_conn_info {
	uint32_t laddr, raddr;		/* network order */
	uint16_t lport, rport;		/* host order */
	uint8_t state;			/* enum xt_tcp_state */
	uint8_t worker;			/* the RX queue that serves it */
	uint16_t timers;		/* 1 << enum xt_conn_timer, armed */
	uint32_t sendq;			/* bytes not yet acked (ss's Send-Q) */
	uint32_t recvq;			/* bytes not yet read (ss's Recv-Q) */
	uint32_t srtt_us, rttvar_us;	/* 0 before a sample */
	uint32_t rto_ms;
	uint32_t cwnd, ssthresh;	/* bytes */
	uint32_t mss;
	uint32_t snd_wnd, rcv_wnd;	/* bytes */
	uint32_t retrans;		/* segments sent again, all told */
	uint32_t backoff;		/* RTOs in a row (RFC 6298 §5.5) */
	uint32_t timer_ms[XT_TIMER_COUNT];	/* time left, when armed */
};
_Static_assert(sizeof(struct xt_conn_info) == 84, "conn_info layout");

/* Fills up to max of them; returns how many connections there are. */
unsigned xt_stack_conn_info(const struct xt_stack *st,
			    struct xt_conn_info *out, unsigned max);
/*
 * io_watch.c: runs the callbacks of st's watches that are ready; how many.
 * No syscall while st watches nothing.
 */
unsigned xt_io_dispatch(struct xt_stack *st);

/* The window scale a stack announces for a receive buffer of this size. */
uint8_t xt_stack_wscale_for(uint32_t rcvbuf);
const struct xt_stack_stats *xt_stack_stats(const struct xt_stack *st);

#endif /* XTCP_STACK_H */
