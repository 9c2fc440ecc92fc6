/* SPDX-License-Identifier: MIT */
/*
 * Inside the TCP engine: the connection control block (RFC 9293 §3.3.1),
 * the stack that owns them, and the engine's functions grouped by the
 * file that defines them, so this header is also a map of user/tcp/.
 *
 * Call chain for a received segment:
 *   xt_stack_input() -> xt_tcp_input() -> tcp_rcv_<state>() -> tcp_ack(),
 *   tcp_data(), tcp_fin() -> xt_tcp_output() at the end of the batch.
 */
#ifndef XTCP_TCP_H
#define XTCP_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include "tcp/cc.h"
#include "tcp/reasm.h"
#include "tcp/recovery.h"
#include "tcp/ring.h"
#include "tcp/stack.h"
#include "tcp/wheel.h"
#include "xtcp/maps.h"
#include "xtcp/seq.h"
#include "xtcp/state.h"
#include "xtcp/wire.h"

#define TCP_SYN_WSCALE		7	/* window scale xtcp announces */
#define TCP_PERSIST_MAX_MS	60000
#define TCP_PAWS_IDLE_MS	(24ULL * 24 * 3600 * 1000)	/* RFC 7323 §5.5 */
#define TCP_DUPACK_THRESH	3	/* RFC 5681 §3.2 */
#define TCP_RTO_SYN_LOST_MS	3000	/* RFC 6298 §5.7 */
#define XT_MAX_SEG		9000	/* largest payload: a jumbo frame's */
#define XT_EPH_TABLE		256	/* RFC 6056 §3.3.4's TABLE_LENGTH */

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

struct xt_tuple {
	uint32_t laddr, raddr;		/* network order */
	uint16_t lport, rport;		/* host order */
};

/*
 * What one ACK did, computed once by tcp_in.c and read by recovery.c and
 * the congestion control (cc.h), as Linux's FLAG_* word and rate sample.
 */
#define XT_ACK_ADVANCED		(1u << 0)	/* SND.UNA moved */
#define XT_ACK_SACKED		(1u << 1)	/* segments newly SACKed */
#define XT_ACK_DUP		(1u << 2)	/* RFC 5681 §2 duplicate ACK */
#define XT_ACK_WND_UPDATE	(1u << 3)	/* SND.WND changed */
#define XT_ACK_DSACK		(1u << 4)	/* an RFC 2883 D-SACK block */
#define XT_ACK_RETRANS		(1u << 5)	/* delivered a retransmission */

struct xt_ack_sample {
	unsigned flags;			/* XT_ACK_* */
	uint32_t acked;			/* bytes SND.UNA moved by */
	uint32_t sacked;		/* bytes newly SACKed */
	uint32_t delivered;		/* bytes newly acked or SACKed */
	uint32_t prior_in_flight;	/* FlightSize before it (RFC 5681 §2):
					 * sent, not cumulatively acked */
	uint32_t rtt_us;		/* an RTT sample; 0: none */
	uint64_t now_us;
	bool cwnd_limited;		/* the window, not the application or
					 * the peer, held the sender back
					 * (xt_tcp_cwnd_limited) */
	/*
	 * The delivery rate sample (rate.c): bytes delivered over interval_us
	 * since the most recently sent record this ACK delivered left;
	 * rs_valid when there is one.
	 */
	bool rs_valid, rs_app_limited;
	uint32_t rs_delivered, rs_prior_delivered, rs_rtt_us;
	uint64_t rs_interval_us;
	/* Scratch while the ACK is processed: that record's state. */
	uint64_t rs_prior_us, rs_send_elapsed_us, rs_xmit_us;
};

struct xt_listener {
	uint16_t port;
	const struct xt_app_ops *ops;
	void *arg;
};

/* The connection control block. The application knows it as xt_sock. */
struct xt_sock {
	struct xt_stack *st;
	struct xt_sock *hnext;		/* connection table chain */
	struct xt_sock *work_next;	/* on st->work: output pending */
	struct xt_sock *grave_next;	/* on st->graveyard: CLOSED */
	struct xt_sock *defer_next;	/* on st->deferred: the sink was full */
	struct xt_tuple t;
	uint8_t rmac[6];
	enum xt_tcp_state state;
	const struct xt_listener *parent;	/* passive opens, until accepted */
	uint32_t slot;			/* in conn_win */
	bool in_map;			/* its conns entry has been written */
	bool map_dirty;			/* on st->map_dirty: entry to (re)write */
	bool map_stale;			/* on st->map_stale: state to refresh */
	struct xt_sock *map_next;
	struct xt_sock *stale_prev, *stale_next;

	/* Send sequence space, RFC 9293 §3.3.1 (snd_max: highest sent). */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t snd_up, max_snd_wnd;
	/* Receive sequence space; rcv_adv: right edge last advertised. */
	uint32_t irs, rcv_nxt, rcv_adv, rcv_up;
	uint32_t last_ack_sent;

	/* Options (RFC 7323, RFC 2018, RFC 9293 §3.7.1). */
	uint16_t mss;			/* what we put in a segment */
	uint8_t snd_wscale, rcv_wscale;
	bool ws_ok, ts_ok, sack_ok;
	uint32_t ts_recent;
	uint64_t ts_recent_at;		/* when ts_recent was stored, ms */

	/*
	 * Buffers. sndbuf holds every byte from snd_una on (SYN and FIN take
	 * sequence space but no buffer); rcvbuf holds in-order bytes the
	 * application has not read; reasm the out-of-order ones.
	 */
	struct xt_ring sndbuf, rcvbuf;
	struct xt_reasm reasm;
	bool fin_queued;		/* the application shut down writing */
	bool fin_sent;
	bool fin_rcvd;			/* the peer's FIN is in rcv_nxt */
	bool ooo_fin;			/* a FIN arrived beyond rcv_nxt ... */
	uint32_t ooo_fin_seq;		/* ... at this sequence number */

	/* Timers, all on st->wheel. */
	struct xt_timer rtx_timer;	/* retransmission, SYN(-ACK) too */
	struct xt_timer delack_timer;
	struct xt_timer persist_timer;
	struct xt_timer keepalive_timer;
	struct xt_timer timewait_timer;	/* also the SYN_RCVD/abort reaper */

	/* RTT (RFC 6298) and retransmission state. */
	uint32_t srtt_us, rttvar_us;
	uint32_t rto_ms;
	bool rtt_valid;
	uint32_t retries;
	uint32_t retrans;		/* segments sent again, all told */
	uint32_t persist_backoff;
	/*
	 * Keepalive or zero-window probes sent since the peer last sent
	 * anything (Linux's icsk_probes_out); the two never run together.
	 */
	uint32_t probes_out;
	uint32_t last_oow_ack;		/* ms (low bits): see oow_ack_allowed */
	uint64_t last_rcv;		/* for keepalive, ms */
	uint64_t last_send;		/* data last sent, ms (RFC 5681 §4.1) */

	/*
	 * Loss recovery (recovery.c) and congestion control (cc.h). The
	 * algorithm owns cwnd and ssthresh; prior_* are what they were when
	 * the current recovery episode began, for undo.
	 */
	struct xt_scoreboard sb;
	struct xt_recovery rec;
	uint32_t cwnd, ssthresh;
	uint32_t prior_cwnd, prior_ssthresh;
	/* Delivery rate estimation (rate.c). */
	uint32_t delivered;		/* bytes acked or SACKed, ever */
	uint64_t delivered_us;		/* when delivered last grew */
	uint64_t first_sent_us;		/* send time of the last one delivered */
	uint32_t app_limited;		/* 0, or delivered at the bubble's end */
	/* Congestion window validation (tcp_out.c, cwnd_validate). */
	uint32_t cwnd_usage_seq;	/* the measuring round ends past it */
	uint32_t max_pipe;		/* most in flight in the round */
	bool cwnd_limited;		/* the round filled cwnd */
	const struct xt_cc_ops *cc;
	_Alignas(8) uint8_t cc_priv[XT_CC_PRIV_SIZE];	/* the algorithm's */

	/* ACK policy. */
	uint32_t unacked_segs;		/* full-sized segments not yet ACKed */
	bool ack_now;			/* send an ACK at the end of the batch */
	bool on_work;
	bool on_defer;
	bool nodelay;
	bool sws_override;		/* persist fired: send what fits */

	/* The application. */
	const struct xt_app_ops *ops;
	void *ctx;
	bool app_gone;			/* closed/aborted, or told it closed */
	bool app_writable_wanted;	/* xt_send() came up short */
	unsigned events;		/* XT_EV_*, delivered at batch end */
	bool dead;			/* CLOSED: freed at the end of the batch */
	enum xt_close_reason why;
};

/*
 * An idle connection holds its control block and nothing else (the rings,
 * the scoreboard and reassembly allocate only while they hold bytes): kept
 * within a 1 KiB malloc chunk, it leaves room under issue 12's 2 KiB per
 * connection for the table, conn_win and the maps' share
 * (tests/unit/test_tcp_memory.c measures the heap; tools/mem_per_conn.sh
 * the daemon).
 */
#define XT_SOCK_SIZE_MAX	1008	/* + malloc's 8-byte header: 1 KiB */
_Static_assert(sizeof(struct xt_sock) <= XT_SOCK_SIZE_MAX,
	       "struct xt_sock outgrew its 1 KiB budget");

struct xt_stack {
	struct xt_stack_cfg cfg;
	struct xt_tx_sink sink;
	struct xt_wheel wheel;
	uint64_t now;			/* ms, for the wheel and TSval */
	uint64_t now_us;
	uint16_t mss_local;		/* mtu - 40 */

	unsigned io_watches;		/* xt_io_watch()es on cfg.io_epfd */
	struct xt_sock **table;		/* connection hash, chained */
	uint32_t table_mask;
	uint32_t nconns, nhalf_open;

	struct xt_listener listeners[XT_MAX_LISTEN];
	int nlisteners;
	uint16_t eph_table[XT_EPH_TABLE];	/* RFC 6056 §3.3.4 counters */

	struct xt_sock *work;		/* connections with output pending */
	struct xt_sock *deferred;	/* ... that the sink had no room for */
	struct xt_sock *map_dirty;	/* conns entries to write this batch */
	struct xt_sock *map_stale;	/* entries whose state is behind */
	uint64_t map_refreshed;		/* ms: when they were last written */
	uint32_t *free_slots;		/* conn_win slots not in use */
	uint32_t nfree_slots;
	/* What the last poll changed in conns (xt_stack_map_batch). */
	struct xt_conn_key *del_keys, *upd_keys;
	struct xt_conn_val *upd_vals;
	uint32_t ndel, nupd, del_cap, upd_key_cap, upd_val_cap;
	struct xt_sock *graveyard;	/* CLOSED, freed after the batch */

	/* RFC 5961 §7: challenge ACKs left this second; when it ends, ms. */
	uint64_t challenge_left, challenge_refill;
	uint64_t random_seq;		/* xt_stack_random()'s counter */
	uint64_t ts_offset;		/* added to ms clock for TSval */

	struct xt_stack_stats stats;
	struct xt_reasm_pool reasm_pool;	/* every connection's reasm */
	bool draining;			/* xt_stack_drain(): no new connections */
	uint8_t scratch[XT_MAX_SEG];	/* one segment's payload, contiguous */
};

/* stack.c — the stack a worker drives */
/* Keyed pseudo-random bits an off-path attacker cannot predict. */
uint64_t xt_stack_random(struct xt_stack *st);

/* conn.c — the connection table, ISNs, ports */
struct xt_sock *xt_conn_lookup(struct xt_stack *st, const struct xt_tuple *t);
struct xt_sock *xt_conn_create(struct xt_stack *st, const struct xt_tuple *t,
			    const uint8_t rmac[6]);
void xt_conn_unlink(struct xt_sock *s);
void xt_conn_destroy(struct xt_sock *s);
void xt_conn_shrink(struct xt_sock *s);
uint32_t xt_conn_isn(struct xt_stack *st, const struct xt_tuple *t);
int xt_conn_pick_port(struct xt_stack *st, uint32_t raddr, uint16_t rport,
		   uint16_t *port);
const struct xt_listener *xt_conn_listener(const struct xt_stack *st,
					uint16_t port);

/* conns_map.c — what the XDP program must know of each connection */
void xt_map_mark(struct xt_sock *s);
void xt_map_mark_stale(struct xt_sock *s);
void xt_map_refresh(struct xt_stack *st);
void xt_map_forget(struct xt_sock *s);
void xt_map_forget_tuple(struct xt_stack *st, const struct xt_tuple *t);
void xt_map_collect(struct xt_stack *st);
void xt_map_publish_window(struct xt_sock *s);
int xt_map_init(struct xt_stack *st);
void xt_map_fini(struct xt_stack *st);

/* state.c — the one place a connection changes state */
void xt_tcp_set_state(struct xt_sock *s, enum xt_tcp_state to);
const char *xt_tcp_state_name(enum xt_tcp_state state);
/* Reaches CLOSED: tells the application, queues the free. */
void xt_tcp_done(struct xt_sock *s, enum xt_close_reason why);
bool xt_tcp_synchronized(enum xt_tcp_state state);

/* tcp_in.c — segment arrival, RFC 9293 §3.10.7 */
void xt_tcp_input(struct xt_stack *st, const struct xt_seg *seg);
uint8_t xt_tcp_our_wscale(const struct xt_stack *st);

/* tcp_out.c — building and sending segments */
void xt_tcp_output(struct xt_sock *s);
void xt_tcp_send_ack(struct xt_sock *s);
void xt_tcp_send_syn(struct xt_sock *s);
void xt_tcp_send_rst(struct xt_sock *s);
void xt_tcp_send_probe(struct xt_sock *s);
/* One new segment if the peer's window allows, whatever cwnd says. */
bool xt_tcp_send_new_one(struct xt_sock *s);
/* Sends [seq, seq+len) again, with FIN if fin: a retransmission. */
void xt_tcp_resend(struct xt_sock *s, uint32_t seq, uint32_t len, bool fin);
void xt_tcp_send_reset_reply(struct xt_stack *st, const struct xt_seg *seg);
void xt_tcp_schedule(struct xt_sock *s);	/* run tcp_output at batch end */
uint32_t xt_tcp_rcv_window(const struct xt_sock *s);
/* Sent and not yet acknowledged: SND.MAX - SND.UNA. */
uint32_t xt_tcp_outstanding(const struct xt_sock *s);
bool xt_tcp_cwnd_limited(const struct xt_sock *s);

/* tcp_timer.c — retransmission, delayed ACK, persist, keepalive, 2MSL */
void xt_tcp_timers_init(struct xt_sock *s);
void xt_tcp_timers_cancel(struct xt_sock *s);
void xt_tcp_arm_rtx(struct xt_sock *s);	/* the handshake's */
void xt_tcp_arm_delack(struct xt_sock *s);
void xt_tcp_arm_keepalive(struct xt_sock *s);
void xt_tcp_enter_timewait(struct xt_sock *s);
void xt_tcp_arm_orphan(struct xt_sock *s);

/* rtt.c — RFC 6298, in microseconds */
void xt_rtt_init(struct xt_sock *s);
void xt_rtt_sample_us(struct xt_sock *s, uint32_t rtt_us);
void xt_rtt_backoff(struct xt_sock *s);

/* recovery.c — the scoreboard, RFC 6675, RACK-TLP (RFC 8985) */
void xt_rec_init(struct xt_sock *s);
/* rate.c — delivery rate estimation, for congestion control */
void xt_rate_on_send(struct xt_sock *s, struct xt_txseg *t);
void xt_rate_on_delivered(struct xt_sock *s, const struct xt_txseg *t,
			  struct xt_ack_sample *a);
void xt_rate_sample(struct xt_sock *s, struct xt_ack_sample *a);
void xt_rate_check_app_limited(struct xt_sock *s, bool data_waiting);
void xt_sb_free(struct xt_scoreboard *sb);
uint32_t xt_rec_in_flight(const struct xt_sock *s);
int xt_rec_on_send(struct xt_sock *s, uint32_t seq, uint32_t end, bool fin);
bool xt_rec_next_lost(struct xt_sock *s, uint32_t *seq, uint32_t *len,
		      bool *fin);
void xt_rec_on_ack(struct xt_sock *s, const struct xt_seg *seg,
		   struct xt_ack_sample *a);
void xt_rec_rearm(struct xt_sock *s, bool restart, uint64_t reo_wait_us);
/* The rtx timer fired: true when it was the RTO (tcp_timer.c backs off). */
bool xt_rec_timeout(struct xt_sock *s);

/* cc_newreno.c, cc_cubic.c — behind struct xt_cc_ops (cc.h) */

/* api.c — application callbacks, run at the end of the batch */
#define XT_EV_ESTABLISHED	(1u << 0)
#define XT_EV_READABLE		(1u << 1)
#define XT_EV_WRITABLE		(1u << 2)
#define XT_EV_DRAIN		(1u << 3)
void xt_app_event(struct xt_sock *s, unsigned ev);
void xt_app_deliver(struct xt_sock *s);

#endif /* XTCP_TCP_H */
