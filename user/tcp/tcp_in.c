// SPDX-License-Identifier: MIT
/*
 * Segment arrival, RFC 9293 §3.10.7, with RFC 5961 (blind RST and SYN),
 * RFC 7323 (window scale, timestamps, PAWS) and RFC 6191 (TIME-WAIT
 * reuse).
 *
 *   xt_tcp_input() -> rcv_closed()        §3.10.7.1, no connection
 *                  -> rcv_listen()        §3.10.7.2
 *                  -> rcv_syn_sent()      §3.10.7.3
 *                  -> rcv_synchronized()  §3.10.7.4: seq, RST, SYN, ACK,
 *                                         URG, text, FIN, in that order
 */
#include <string.h>
#include "tcp/tcp.h"
#include "xtcp/cookie.h"

#define TS_OPT_SPACE	12	/* bytes of every segment's TS option */

static void establish(struct xt_sock *s);
static void rcv_text_and_fin(struct xt_sock *s, const struct xt_seg *seg);

static bool has(const struct xt_seg *seg, uint8_t flag)
{
	return seg->flags & flag;
}

/* SEG.LEN: payload plus the sequence numbers SYN and FIN occupy. */
static uint32_t seg_len(const struct xt_seg *seg)
{
	return seg->payload_len + has(seg, XT_TCP_SYN) + has(seg, XT_TCP_FIN);
}

/* The window scale we announce: enough to cover the receive buffer. */
uint8_t xt_stack_wscale_for(uint32_t rcvbuf)
{
	uint8_t ws = 0;

	while (ws < XT_TCP_MAX_WSCALE && (rcvbuf >> ws) > 65535)
		ws++;
	return ws;
}

uint8_t xt_tcp_our_wscale(const struct xt_stack *st)
{
	return xt_stack_wscale_for(st->cfg.rcvbuf);
}

/* Congestion control and loss recovery, once the MSS is known. */
static void start_recovery(struct xt_sock *s)
{
	s->cc = s->st->cfg.cc ? s->st->cfg.cc : &xt_cc_cubic;
	s->cc->init(s);
	xt_rec_init(s);
}

/* Options from the peer's SYN or SYN-ACK (RFC 9293 §3.7.1, RFC 7323). */
static void negotiate(struct xt_sock *s, const struct xt_seg *seg)
{
	const struct xt_tcp_opts *o = &seg->opts;
	uint16_t peer_mss = o->present & XT_OPT_MSS ? o->mss : XT_TCP_DEFAULT_MSS;
	uint16_t mss = peer_mss < s->st->mss_local ? peer_mss : s->st->mss_local;

	s->ws_ok = o->present & XT_OPT_WSCALE;
	s->snd_wscale = s->ws_ok ? (o->wscale < XT_TCP_MAX_WSCALE ?
				    o->wscale : XT_TCP_MAX_WSCALE) : 0;
	s->rcv_wscale = s->ws_ok ? xt_tcp_our_wscale(s->st) : 0;
	s->sack_ok = o->present & XT_OPT_SACK_PERM;
	s->ts_ok = o->present & XT_OPT_TS;
	if (s->ts_ok) {
		s->ts_recent = o->tsval;
		s->ts_recent_at = s->st->now;
		mss -= TS_OPT_SPACE;
	}
	s->mss = mss > 64 ? mss : 64;
	s->irs = seg->seq;
	s->rcv_nxt = seg->seq + 1;
	s->rcv_up = s->rcv_nxt;
	/*
	 * What our SYN offered (unscaled, §3.10.7.3), now that RCV.NXT is
	 * known: an active open sent its SYN before it was.
	 */
	s->rcv_adv = s->rcv_nxt + (xt_ring_space(&s->rcvbuf) < 65535 ?
				   xt_ring_space(&s->rcvbuf) : 65535);
	s->snd_wnd = seg->wnd;		/* SYN windows are not scaled */
	s->max_snd_wnd = s->snd_wnd;
	s->snd_wl1 = seg->seq;
	s->snd_wl2 = seg->ack;
	start_recovery(s);
}

/* §3.10.7.1 CLOSED: a reset for anything but a reset. */
static void rcv_closed(struct xt_stack *st, const struct xt_seg *seg)
{
	xt_tcp_send_reset_reply(st, seg);
}

/*
 * The handshake's last ACK for a SYN the XDP program answered with a
 * cookie: ESTABLISHED at once, with the options the cookie carries.
 */
static struct xt_sock *rcv_cookie_ack(struct xt_stack *st,
				      const struct xt_listener *l,
				      const struct xt_seg *seg)
{
	struct xt_cookie_tuple ct = { .saddr = seg->saddr, .daddr = seg->daddr,
				      .sport = seg->sport, .dport = seg->dport };
	struct xt_tuple t = { .laddr = seg->daddr, .raddr = seg->saddr,
			      .lport = seg->dport, .rport = seg->sport };
	struct xt_cookie_opts co;
	struct xt_sock *s;
	uint16_t mss;

	if (!st->cfg.cookie_check || has(seg, XT_TCP_SYN | XT_TCP_RST) ||
	    st->cfg.cookie_check(st->cfg.cookie_ctx, &ct, seg->seq - 1,
				 seg->ack - 1, &co))
		return NULL;
	s = xt_conn_create(st, &t, seg->src_mac);
	if (!s)
		return NULL;
	s->parent = l;
	s->ops = l->ops;
	s->iss = seg->ack - 1;
	s->snd_una = s->snd_nxt = s->snd_max = seg->ack;
	s->ts_ok = seg->opts.present & XT_OPT_TS;
	if (s->ts_ok) {
		s->ts_recent = seg->opts.tsval;
		s->ts_recent_at = st->now;
	}
	s->ws_ok = co.wscale != XT_COOKIE_NO_WS;
	s->snd_wscale = s->ws_ok ? co.wscale : 0;
	s->rcv_wscale = s->ws_ok ? xt_tcp_our_wscale(st) : 0;
	s->sack_ok = co.sack_ok;
	mss = co.mss < st->mss_local ? co.mss : st->mss_local;
	s->mss = s->ts_ok ? mss - TS_OPT_SPACE : mss;
	s->irs = seg->seq - 1;
	s->rcv_nxt = s->rcv_up = seg->seq;
	/* The cookie SYN-ACK offered 65535 (unscaled); hold no more. */
	s->rcv_adv = s->rcv_nxt + (xt_ring_space(&s->rcvbuf) < 65535 ?
				   xt_ring_space(&s->rcvbuf) : 65535);
	s->snd_wnd = s->max_snd_wnd = (uint32_t)seg->wnd << s->snd_wscale;
	s->snd_wl1 = seg->seq;
	s->snd_wl2 = seg->ack;
	start_recovery(s);
	st->stats.passive_opens++;
	st->stats.cookie_accepts++;
	return s;
}

/*
 * §3.10.7.2 LISTEN: RST ignored, ACK reset, SYN opens SYN-RECEIVED (not
 * SYN+FIN).
 */
static void rcv_listen(struct xt_stack *st, const struct xt_listener *l,
		       const struct xt_seg *seg, const uint32_t *iss_floor)
{
	struct xt_tuple t = { .laddr = seg->daddr, .raddr = seg->saddr,
			      .lport = seg->dport, .rport = seg->sport };
	struct xt_sock *s;

	if (has(seg, XT_TCP_RST))
		return;
	if (has(seg, XT_TCP_ACK)) {
		s = rcv_cookie_ack(st, l, seg);
		if (s) {
			establish(s);
			rcv_text_and_fin(s, seg);	/* data in the ACK counts */
		} else {
			xt_map_forget_tuple(st, &t);	/* XDP's pending entry */
			xt_tcp_send_reset_reply(st, seg);
		}
		return;
	}
	/*
	 * No TCP sends SYN+FIN; it serves only to probe. Dropped, as Linux
	 * does, rather than opening a connection.
	 */
	if (!has(seg, XT_TCP_SYN) || has(seg, XT_TCP_FIN))
		return;
	st->stats.syns_in++;
	if (st->nhalf_open >= st->cfg.max_half_open) {
		st->stats.backlog_drops++;	/* the peer will retry */
		return;
	}
	s = xt_conn_create(st, &t, seg->src_mac);
	if (!s)
		return;
	s->parent = l;
	s->ops = l->ops;
	s->iss = xt_conn_isn(st, &t);
	/* RFC 1122 §4.2.2.13 (1): above the old incarnation's numbers. */
	if (iss_floor && xt_seq_lt(s->iss, *iss_floor))
		s->iss = *iss_floor;
	s->snd_una = s->iss;
	s->snd_nxt = s->snd_max = s->iss + 1;
	negotiate(s, seg);
	xt_tcp_set_state(s, XT_SYN_RCVD);
	st->stats.passive_opens++;
	xt_tcp_send_syn(s);
	xt_tcp_arm_rtx(s);
}

/* Our SYN (and possibly data, never here) acknowledged by the peer. */
static void syn_acked(struct xt_sock *s, const struct xt_seg *seg)
{
	bool resent = s->retries > 0;

	s->snd_una = seg->ack;
	s->retries = 0;
	xt_wheel_cancel(&s->st->wheel, &s->rtx_timer);
	if (s->ts_ok && seg->opts.tsecr)
		xt_rtt_sample_us(s, 1000 * (uint32_t)(s->st->now +
						      s->st->ts_offset -
						      seg->opts.tsecr));
	/* RFC 6298 §5.7: the SYN was lost once; no sample to go by. */
	if (resent && !s->rtt_valid && s->rto_ms < TCP_RTO_SYN_LOST_MS)
		s->rto_ms = TCP_RTO_SYN_LOST_MS;
}

static void establish(struct xt_sock *s)
{
	xt_tcp_set_state(s, XT_ESTABLISHED);
	xt_tcp_arm_keepalive(s);
	xt_app_event(s, XT_EV_ESTABLISHED);
}

/* §3.10.7.3 SYN-SENT. */
static void rcv_syn_sent(struct xt_sock *s, const struct xt_seg *seg)
{
	bool ack_ok = false;

	if (has(seg, XT_TCP_ACK)) {
		if (!xt_seq_gt(seg->ack, s->iss) ||
		    xt_seq_gt(seg->ack, s->snd_max)) {
			xt_tcp_send_reset_reply(s->st, seg);
			return;
		}
		ack_ok = true;
	}
	if (has(seg, XT_TCP_RST)) {
		/* RFC 5961 §3.2: only a RST that acknowledges our SYN counts. */
		if (ack_ok) {
			s->st->stats.resets_received++;
			xt_tcp_done(s, XT_CLOSE_REFUSED);
		}
		return;
	}
	if (!has(seg, XT_TCP_SYN))
		return;
	negotiate(s, seg);
	if (ack_ok) {
		syn_acked(s, seg);
		s->ack_now = true;
		establish(s);
	} else {
		/* Simultaneous open (§3.5, figure 8): SYN-ACK from the ISS. */
		xt_tcp_set_state(s, XT_SYN_RCVD);
		xt_tcp_send_syn(s);
		xt_tcp_arm_rtx(s);
	}
	xt_tcp_schedule(s);
}

/*
 * RFC 5961 §7: challenge ACKs, so many per second for the whole stack.
 * A fixed budget is a side channel (CVE-2016-5696: an off-path attacker
 * counts what a connection drew from it), so each second's is drawn at
 * random from [limit/2, 3*limit/2), as Linux's has been since 4.7.
 */
static void challenge_ack(struct xt_sock *s)
{
	struct xt_stack *st = s->st;
	uint32_t limit = st->cfg.challenge_acks_per_s;

	if (st->now >= st->challenge_refill) {
		st->challenge_refill = (st->now / 1000 + 1) * 1000;
		st->challenge_left = limit ? limit - limit / 2 +
					     xt_stack_random(st) % limit : 0;
	}
	if (!st->challenge_left)
		return;
	st->challenge_left--;
	st->stats.challenge_acks++;
	s->ack_now = true;
	xt_tcp_schedule(s);
}

/* RCV.WND as the peer sees it: what we last advertised. */
static uint32_t rcv_wnd(const struct xt_sock *s)
{
	return xt_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
}

/* §3.10.7.4 first: the four cases of segment acceptability. */
static bool seq_acceptable(const struct xt_sock *s, const struct xt_seg *seg)
{
	uint32_t len = seg_len(seg), wnd = rcv_wnd(s);

	if (!len)
		return wnd ? xt_seq_in_window(seg->seq, s->rcv_nxt, wnd) :
			     seg->seq == s->rcv_nxt;
	if (!wnd)	/* RFC 9293 allows ACKs through a closed window */
		return seg->seq == s->rcv_nxt;
	return xt_seq_in_window(seg->seq, s->rcv_nxt, wnd) ||
	       xt_seq_in_window(seg->seq + len - 1, s->rcv_nxt, wnd);
}

/*
 * RFC 7323 §5.3 R1: a timestamp older than TS.Recent is a wrapped old
 * duplicate, unless TS.Recent itself is over 24 days old (§5.5).
 */
static bool paws_reject(struct xt_sock *s, const struct xt_seg *seg)
{
	if (!s->ts_ok || !(seg->opts.present & XT_OPT_TS) ||
	    has(seg, XT_TCP_RST))
		return false;
	if (!xt_seq_lt(seg->opts.tsval, s->ts_recent))
		return false;
	if (s->st->now - s->ts_recent_at > TCP_PAWS_IDLE_MS) {
		s->ts_recent = seg->opts.tsval;
		s->ts_recent_at = s->st->now;
		return false;
	}
	s->st->stats.paws_drops++;
	return true;
}

/* RFC 7323 §4.3: remember the timestamp of the segment at the left edge. */
static void ts_update(struct xt_sock *s, const struct xt_seg *seg)
{
	if (s->ts_ok && (seg->opts.present & XT_OPT_TS) &&
	    xt_seq_le(seg->seq, s->last_ack_sent) &&
	    xt_seq_ge(seg->opts.tsval, s->ts_recent)) {
		s->ts_recent = seg->opts.tsval;
		s->ts_recent_at = s->st->now;
	}
}

/* §3.10.7.4 second, with RFC 5961 §3.2: exact match resets, else ask. */
static void rcv_rst(struct xt_sock *s, const struct xt_seg *seg)
{
	if (seg->seq != s->rcv_nxt) {
		challenge_ack(s);
		return;
	}
	s->st->stats.resets_received++;
	if (s->state == XT_SYN_RCVD && s->parent) {
		xt_tcp_done(s, XT_CLOSE_RESET);	/* back to LISTEN, quietly */
		return;
	}
	if (s->state == XT_SYN_RCVD) {
		xt_tcp_done(s, XT_CLOSE_REFUSED);
		return;
	}
	xt_tcp_done(s, XT_CLOSE_RESET);
}

/* Our FIN is acknowledged once SND.UNA has passed it. */
static bool fin_acked(const struct xt_sock *s)
{
	return s->fin_sent && s->snd_una == s->snd_max;
}

/* New data acknowledged: free it, and no more backing off. */
static void ack_advance(struct xt_sock *s, const struct xt_seg *seg,
			struct xt_ack_sample *a)
{
	uint32_t buffered = xt_ring_len(&s->sndbuf);

	a->flags |= XT_ACK_ADVANCED;
	a->acked = seg->ack - s->snd_una;
	xt_ring_drop(&s->sndbuf, a->acked < buffered ? a->acked : buffered);
	s->snd_una = seg->ack;
	if (xt_seq_lt(s->snd_nxt, s->snd_una))
		s->snd_nxt = s->snd_una;
	s->retries = 0;
	s->persist_backoff = 0;
	if (s->app_writable_wanted && xt_ring_space(&s->sndbuf)) {
		s->app_writable_wanted = false;
		xt_app_event(s, XT_EV_WRITABLE);
	}
}

/* A duplicate ACK (RFC 5681 §2): no data, no window change, data out. */
static bool ack_is_duplicate(const struct xt_sock *s, const struct xt_seg *seg)
{
	return seg->ack == s->snd_una && !seg->payload_len &&
	       !has(seg, XT_TCP_SYN | XT_TCP_FIN) &&
	       ((uint32_t)seg->wnd << s->snd_wscale) == s->snd_wnd &&
	       xt_tcp_outstanding(s);
}

/*
 * The ACK once summarised (struct xt_ack_sample), then handed to loss
 * recovery, which tells congestion control (DESIGN.md). Without another
 * sample, the echoed timestamp gives the RTT (RFC 7323 §4).
 */
static void ack_process(struct xt_sock *s, const struct xt_seg *seg)
{
	struct xt_stack *st = s->st;
	struct xt_ack_sample a = {
		.now_us = st->now_us,
		.prior_in_flight = xt_tcp_outstanding(s),
		.cwnd_limited = xt_tcp_cwnd_limited(s),
	};

	if (xt_seq_gt(seg->ack, s->snd_una))
		ack_advance(s, seg, &a);
	else if (ack_is_duplicate(s, seg))
		a.flags |= XT_ACK_DUP;
	xt_rec_on_ack(s, seg, &a);
	if (!a.rtt_us && a.flags & XT_ACK_ADVANCED && s->ts_ok &&
	    seg->opts.tsecr)
		xt_rtt_sample_us(s, 1000 * (uint32_t)(st->now + st->ts_offset -
						      seg->opts.tsecr));
	if (a.flags & (XT_ACK_ADVANCED | XT_ACK_DUP | XT_ACK_SACKED))
		xt_tcp_schedule(s);	/* room for more, or lost to resend */
}

/* §3.10.7.4 fifth, the window update (SND.WL1/SND.WL2 rule). */
static void update_window(struct xt_sock *s, const struct xt_seg *seg)
{
	if (!(xt_seq_lt(s->snd_wl1, seg->seq) ||
	      (s->snd_wl1 == seg->seq && xt_seq_le(s->snd_wl2, seg->ack))))
		return;
	s->snd_wnd = (uint32_t)seg->wnd << s->snd_wscale;
	s->snd_wl1 = seg->seq;
	s->snd_wl2 = seg->ack;
	if (s->snd_wnd > s->max_snd_wnd)
		s->max_snd_wnd = s->snd_wnd;
	if (s->snd_wnd) {
		xt_wheel_cancel(&s->st->wheel, &s->persist_timer);
		xt_tcp_schedule(s);
	}
}

/* RFC 5961 §5.2: neither too old nor from the future. */
static bool ack_in_range(const struct xt_sock *s, const struct xt_seg *seg)
{
	return !xt_seq_gt(seg->ack, s->snd_max) &&
	       !xt_seq_lt(seg->ack, s->snd_una - s->max_snd_wnd);
}

/*
 * §3.10.7.4 fifth, the ACK field. Returns false when the segment is to be
 * dropped (after any reply was queued).
 */
static bool rcv_ack(struct xt_sock *s, const struct xt_seg *seg)
{
	if (s->state == XT_SYN_RCVD) {
		/* SND.UNA < SEG.ACK =< SND.NXT, or <SEQ=SEG.ACK><CTL=RST>. */
		if (!xt_seq_gt(seg->ack, s->snd_una) ||
		    xt_seq_gt(seg->ack, s->snd_max)) {
			xt_tcp_send_reset_reply(s->st, seg);
			return false;
		}
		syn_acked(s, seg);
		s->snd_wnd = (uint32_t)seg->wnd << s->snd_wscale;
		s->snd_wl1 = seg->seq;
		s->snd_wl2 = seg->ack;
		establish(s);
		return true;
	}
	if (!ack_in_range(s, seg)) {
		s->st->stats.bad_acks++;
		s->ack_now = true;
		xt_tcp_schedule(s);
		return false;
	}
	ack_process(s, seg);
	update_window(s, seg);
	return true;
}

/* The state changes an ACK of our FIN brings (§3.10.7.4 fifth). */
static bool ack_closing_states(struct xt_sock *s)
{
	if (!fin_acked(s))
		return true;
	switch (s->state) {
	case XT_FIN_WAIT_1:
		xt_tcp_set_state(s, XT_FIN_WAIT_2);
		if (s->app_gone)	/* an orphan must not wait forever */
			xt_tcp_arm_orphan(s);
		return true;
	case XT_CLOSING:
		xt_tcp_enter_timewait(s);
		return true;
	case XT_LAST_ACK:
		xt_tcp_done(s, XT_CLOSE_NORMAL);
		return false;
	default:
		return true;
	}
}

/* The peer's FIN, in sequence (§3.10.7.4 eighth). */
static void rcv_fin(struct xt_sock *s)
{
	s->rcv_nxt++;
	s->fin_rcvd = true;
	s->ooo_fin = false;
	s->ack_now = true;
	xt_app_event(s, XT_EV_READABLE);
	switch (s->state) {
	case XT_SYN_RCVD:
	case XT_ESTABLISHED:
		xt_tcp_set_state(s, XT_CLOSE_WAIT);
		break;
	case XT_FIN_WAIT_1:	/* our FIN is not acknowledged yet */
		xt_tcp_set_state(s, XT_CLOSING);
		break;
	case XT_FIN_WAIT_2:
	case XT_TIME_WAIT:
		xt_tcp_enter_timewait(s);
		break;
	default:		/* CLOSE-WAIT, CLOSING, LAST-ACK: stay */
		break;
	}
	xt_tcp_schedule(s);
}

static bool state_receives_text(enum xt_tcp_state state)
{
	return state == XT_ESTABLISHED || state == XT_FIN_WAIT_1 ||
	       state == XT_FIN_WAIT_2;
}

/*
 * Out of order: to reassembly, as far as its bounds allow (reasm.h), and
 * a duplicate ACK at once, one each (RFC 5681 §4.2).
 */
static void rcv_ooo(struct xt_sock *s, uint32_t seq, const uint8_t *p,
		    uint32_t n)
{
	struct xt_stack *st = s->st;
	uint64_t refused = st->reasm_pool.refused;

	xt_reasm_insert(&s->reasm, s->rcv_nxt, seq, p, n);
	st->stats.ooo_segments++;
	if (st->reasm_pool.refused != refused)
		st->stats.ooo_limit_drops++;
	xt_tcp_send_ack(s);
}

/* In-order bytes go to the application, the rest to reassembly. */
static void rcv_text(struct xt_sock *s, const struct xt_seg *seg)
{
	const uint8_t *p = seg->payload;
	uint32_t n = seg->payload_len, seq = seg->seq, wnd_end;

	if (xt_seq_lt(seq, s->rcv_nxt)) {	/* trim what we have */
		uint32_t d = s->rcv_nxt - seq;

		d = d < n ? d : n;
		p += d;
		n -= d;
		seq += d;
	}
	wnd_end = s->rcv_nxt + xt_ring_space(&s->rcvbuf);
	if (n && xt_seq_gt(seq + n, wnd_end))	/* and what we can't hold */
		n = xt_seq_gt(wnd_end, seq) ? wnd_end - seq : 0;
	if (!n) {
		s->ack_now = true;	/* a duplicate: tell the peer where we are */
		return;
	}
	if (seq != s->rcv_nxt) {
		rcv_ooo(s, seq, p, n);
		return;
	}
	s->rcv_nxt += xt_ring_write(&s->rcvbuf, p, n);
	if (!xt_reasm_empty(&s->reasm)) {
		xt_reasm_drain(&s->reasm, &s->rcv_nxt, &s->rcvbuf);
		s->ack_now = true;	/* a hole filled: ACK at once */
	}
	if (n >= s->mss && ++s->unacked_segs >= 2)
		s->ack_now = true;	/* every second full-sized segment */
	else
		xt_tcp_arm_delack(s);
	xt_app_event(s, XT_EV_READABLE);
}

/* §3.10.7.4 sixth: remember where urgent data ends; it is read inline. */
static void rcv_urg(struct xt_sock *s, const struct xt_seg *seg)
{
	uint32_t up = seg->seq + seg->urg;

	if (has(seg, XT_TCP_URG) && state_receives_text(s->state) &&
	    xt_seq_gt(up, s->rcv_up))
		s->rcv_up = up;
}

/* §3.10.7.4 seventh and eighth: text, then a FIN when it is next. */
static void rcv_text_and_fin(struct xt_sock *s, const struct xt_seg *seg)
{
	/* RFC 1122 §4.2.2.13: new data no one will read: reset. */
	if (s->app_gone && seg->payload_len && state_receives_text(s->state) &&
	    xt_seq_gt(seg->seq + seg->payload_len, s->rcv_nxt)) {
		xt_tcp_send_rst(s);
		xt_tcp_done(s, XT_CLOSE_ABORTED);
		return;
	}
	if (seg->payload_len && state_receives_text(s->state))
		rcv_text(s, seg);
	if (has(seg, XT_TCP_FIN) && !s->fin_rcvd) {
		uint32_t fin_seq = seg->seq + seg->payload_len;

		if (fin_seq == s->rcv_nxt) {
			rcv_fin(s);
		} else if (xt_seq_gt(fin_seq, s->rcv_nxt)) {
			s->ooo_fin = true;
			s->ooo_fin_seq = fin_seq;
			s->ack_now = true;
		}
	}
	if (s->ooo_fin && !s->fin_rcvd && s->ooo_fin_seq == s->rcv_nxt)
		rcv_fin(s);
	if (s->ack_now)
		xt_tcp_schedule(s);
}

/*
 * SYN-RECEIVED meets the peer's SYN again: retransmitted (it never got our
 * SYN-ACK: send it again) or, in a simultaneous open, its SYN-ACK, whose
 * ACK completes the handshake (§3.5, figure 8, line 5).
 */
static bool rcv_syn_again(struct xt_sock *s, const struct xt_seg *seg)
{
	if (s->state != XT_SYN_RCVD || seg->seq != s->irs)
		return false;
	if (!has(seg, XT_TCP_ACK)) {
		xt_tcp_send_syn(s);
		return true;
	}
	if (!xt_seq_gt(seg->ack, s->snd_una) || xt_seq_gt(seg->ack, s->snd_max))
		return false;
	syn_acked(s, seg);
	s->ack_now = true;
	establish(s);
	xt_tcp_schedule(s);
	return true;
}

/*
 * §3.10.7.4 first: "If the RCV.WND is zero, no segments will be
 * acceptable, but special allowance should be made to accept valid
 * ACKs". The same holds for a window too small for where the peer's
 * SND.NXT has got to (a segment of its was lost): a pure ACK from beyond
 * RCV.NXT + RCV.WND still tells what it acknowledges. Without this, a
 * receiver whose application stopped reading ignores the ACKs its own
 * sending waits for, until an RTO. Not PAWS-old, not a SYN or RST, no
 * payload, an ACK in RFC 5961's range; its window is not taken (SND.WL1
 * would move past segments still to come). And from no further than any
 * window we can have offered (the receive buffer's limit): a blind
 * attacker's SEG.SEQ, sprayed, would otherwise pass every other time, and
 * an ACK of data the peer never got would stall the connection for good
 * (RFC 5961 §5; xtcp-inject's blind ACKs did, to a 50 MB download).
 */
static bool ack_beyond_window(const struct xt_sock *s, const struct xt_seg *seg)
{
	return has(seg, XT_TCP_ACK) && !has(seg, XT_TCP_SYN | XT_TCP_RST) &&
	       !seg->payload_len && !has(seg, XT_TCP_FIN) &&
	       xt_seq_gt(seg->seq, s->rcv_nxt) &&
	       xt_seq_le(seg->seq, s->rcv_nxt + s->rcvbuf.limit) &&
	       s->state != XT_SYN_RCVD &&
	       !(s->ts_ok && (seg->opts.present & XT_OPT_TS) &&
		 xt_seq_lt(seg->opts.tsval, s->ts_recent));
}

/*
 * §3.10.7.4 answers an unacceptable segment with an ACK. For one that
 * carries nothing (no data, SYN or FIN), at most one such ACK per
 * oow_ack_ms, as Linux's tcp_invalid_ratelimit: otherwise two ends that
 * disagree about the window (or a blind attacker's pure ACKs) draw an ACK
 * each, for ever. Segments with data are always answered.
 */
static bool oow_ack_allowed(struct xt_sock *s, const struct xt_seg *seg)
{
	uint32_t now = (uint32_t)s->st->now;

	if (seg_len(seg) || !s->st->cfg.oow_ack_ms)
		return true;
	if (s->last_oow_ack && now - s->last_oow_ack < s->st->cfg.oow_ack_ms) {
		s->st->stats.oow_acks_skipped++;
		return false;
	}
	s->last_oow_ack = now ? now : 1;	/* 0: never */
	return true;
}

/* §3.10.7.4: SYN-RECEIVED and every synchronized state. */
static void rcv_synchronized(struct xt_sock *s, const struct xt_seg *seg)
{
	if (has(seg, XT_TCP_SYN) && !has(seg, XT_TCP_RST) &&
	    rcv_syn_again(s, seg))
		return;
	if (paws_reject(s, seg) || !seq_acceptable(s, seg)) {
		if (has(seg, XT_TCP_RST))
			return;
		/* RFC 5961 §4.2: a SYN, whatever its SEQ, is challenged. */
		if (has(seg, XT_TCP_SYN)) {
			challenge_ack(s);
			return;
		}
		if (s->state == XT_TIME_WAIT && has(seg, XT_TCP_FIN))
			xt_tcp_enter_timewait(s);	/* restart 2 MSL */
		if (ack_beyond_window(s, seg) && ack_in_range(s, seg))
			ack_process(s, seg);
		if (!oow_ack_allowed(s, seg))
			return;
		s->ack_now = true;
		xt_tcp_schedule(s);
		return;
	}
	if (has(seg, XT_TCP_RST)) {
		rcv_rst(s, seg);
		return;
	}
	if (has(seg, XT_TCP_SYN) && s->state == XT_SYN_RCVD && s->parent) {
		xt_tcp_done(s, XT_CLOSE_RESET);	/* §3.10.7.4 fourth: LISTEN */
		return;
	}
	if (has(seg, XT_TCP_SYN)) {	/* RFC 5961 §4.2 */
		challenge_ack(s);
		return;
	}
	if (!has(seg, XT_TCP_ACK) || !rcv_ack(s, seg))
		return;
	ts_update(s, seg);
	if (!ack_closing_states(s))
		return;
	rcv_urg(s, seg);
	rcv_text_and_fin(s, seg);
}

/*
 * RFC 6191: a SYN may reopen a TIME-WAIT tuple when its timestamp (or,
 * without timestamps, its sequence number) is beyond the old connection's.
 */
static bool timewait_reusable(const struct xt_sock *s, const struct xt_seg *seg)
{
	if (s->state != XT_TIME_WAIT || !has(seg, XT_TCP_SYN) ||
	    has(seg, XT_TCP_ACK | XT_TCP_RST))
		return false;
	if (s->ts_ok && (seg->opts.present & XT_OPT_TS))
		return xt_seq_gt(seg->opts.tsval, s->ts_recent);
	return xt_seq_gt(seg->seq, s->rcv_nxt);
}

void xt_tcp_input(struct xt_stack *st, const struct xt_seg *seg)
{
	struct xt_tuple t = { .laddr = seg->daddr, .raddr = seg->saddr,
			      .lport = seg->dport, .rport = seg->sport };
	struct xt_sock *s = xt_conn_lookup(st, &t);
	const struct xt_listener *l = xt_conn_listener(st, seg->dport);
	uint32_t floor = 0;

	if (s && l && timewait_reusable(s, seg)) {
		floor = s->snd_max + 65535 + 2;	/* as Linux's TIME-WAIT */
		xt_tcp_done(s, XT_CLOSE_NORMAL);
		s = NULL;
	}
	if (!s) {
		if (l)
			rcv_listen(st, l, seg, floor ? &floor : NULL);
		else
			rcv_closed(st, seg);
		return;
	}
	s->last_rcv = st->now;
	s->probes_out = 0;
	if (s->state == XT_SYN_SENT)
		rcv_syn_sent(s, seg);
	else
		rcv_synchronized(s, seg);
}
