// SPDX-License-Identifier: MIT
/*
 * Output: what may be sent now (window, congestion window, Nagle, sender
 * silly-window avoidance), and the segments themselves: data, SYN,
 * SYN-ACK, ACK, RST, probes. Every segment leaves through the stack's
 * sink; nothing here touches a device.
 */
#include <string.h>
#include "tcp/tcp.h"


static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m = a < b ? a : b;

	return m < c ? m : c;
}

uint32_t xt_tcp_outstanding(const struct xt_sock *s)
{
	return s->snd_max - s->snd_una;
}

/*
 * The window to announce, in bytes. Never shrinks what was promised
 * (RFC 9293 §3.8.6), and opens only by a useful amount: receiver-side
 * silly-window avoidance, §3.8.6.2.2.
 */
uint32_t xt_tcp_rcv_window(const struct xt_sock *s)
{
	uint32_t space = xt_ring_space(&s->rcvbuf);
	uint32_t promised = xt_seq_gt(s->rcv_adv, s->rcv_nxt) ?
			    s->rcv_adv - s->rcv_nxt : 0;
	uint32_t step = s->rcvbuf.limit / 2 < s->mss ? s->rcvbuf.limit / 2 : s->mss;
	uint32_t max = 65535u << s->rcv_wscale;

	if (space > promised && space - promised < step)
		space = promised;
	if (space < promised)
		space = promised;
	return space < max ? space : max;
}

/* Addresses, ports, ACK and window, timestamps: what every segment has. */
static void out_header(struct xt_sock *s, struct xt_seg_out *o, uint8_t flags)
{
	struct xt_stack *st = s->st;
	uint32_t wnd = xt_tcp_rcv_window(s);

	memset(o, 0, sizeof(*o));
	memcpy(o->src_mac, st->cfg.lmac, sizeof(o->src_mac));
	memcpy(o->dst_mac, s->rmac, sizeof(o->dst_mac));
	o->saddr = s->t.laddr;
	o->daddr = s->t.raddr;
	o->sport = s->t.lport;
	o->dport = s->t.rport;
	o->flags = flags;
	if (flags & XT_TCP_ACK) {
		o->ack = s->rcv_nxt;
		s->last_ack_sent = s->rcv_nxt;
	}
	/* RFC 7323 §2.2: the window of a SYN is never scaled. */
	if (flags & XT_TCP_SYN) {
		o->wnd = (uint16_t)(wnd < 65535 ? wnd : 65535);
		s->rcv_adv = s->rcv_nxt + o->wnd;
	} else {
		o->wnd = (uint16_t)(wnd >> s->rcv_wscale);
		s->rcv_adv = s->rcv_nxt + ((uint32_t)o->wnd << s->rcv_wscale);
	}
	xt_map_publish_window(s);
	if (s->ts_ok) {
		o->opts.present |= XT_OPT_TS;
		o->opts.tsval = (uint32_t)(st->now + st->ts_offset);
		o->opts.tsecr = s->ts_recent;
	}
}

static void out_emit(struct xt_sock *s, const struct xt_seg_out *o)
{
	struct xt_stack *st = s->st;

	if (st->sink.emit(st->sink.ctx, o) == 0)
		st->stats.segs_out++;
	if (o->flags & XT_TCP_ACK) {
		/* Any ACK sent answers what was owed. */
		s->ack_now = false;
		s->unacked_segs = 0;
		xt_wheel_cancel(&st->wheel, &s->delack_timer);
	}
}

/* SACK blocks for what sits out of order (RFC 2018 §4). */
static void out_sack(struct xt_sock *s, struct xt_seg_out *o)
{
	struct xt_sack_range r[XT_TCP_MAX_SACK_BLOCKS];
	unsigned max = s->ts_ok ? 3 : 4, n;

	if (!s->sack_ok || xt_reasm_empty(&s->reasm))
		return;
	n = xt_reasm_sack(&s->reasm, r, max);
	for (unsigned i = 0; i < n; i++) {
		o->opts.sack[i].start = r[i].start;
		o->opts.sack[i].end = r[i].end;
	}
	if (n) {
		o->opts.present |= XT_OPT_SACK;
		o->opts.nsack = (uint8_t)n;
	}
}

void xt_tcp_send_ack(struct xt_sock *s)
{
	struct xt_seg_out o;

	out_header(s, &o, XT_TCP_ACK);
	o.seq = s->snd_nxt;
	out_sack(s, &o);
	out_emit(s, &o);
}

/*
 * SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), always from the ISS. Options
 * the peer did not offer are not offered back (RFC 7323 §1.3, RFC 2018).
 */
void xt_tcp_send_syn(struct xt_sock *s)
{
	bool active = s->state == XT_SYN_SENT;
	struct xt_seg_out o;

	out_header(s, &o, active ? XT_TCP_SYN : XT_TCP_SYN | XT_TCP_ACK);
	o.seq = s->iss;
	o.opts.present |= XT_OPT_MSS;
	o.opts.mss = s->st->mss_local;
	if (active || s->ws_ok) {
		o.opts.present |= XT_OPT_WSCALE;
		o.opts.wscale = s->rcv_wscale;
	}
	if (active || s->sack_ok)
		o.opts.present |= XT_OPT_SACK_PERM;
	if (active) {	/* out_header added TS only once negotiated */
		o.opts.present |= XT_OPT_TS;
		o.opts.tsval = (uint32_t)(s->st->now + s->st->ts_offset);
		o.opts.tsecr = 0;
	}
	out_emit(s, &o);
}

/* <SEQ=SND.NXT><CTL=RST>, for aborts and give-ups (§3.10.5). */
void xt_tcp_send_rst(struct xt_sock *s)
{
	struct xt_seg_out o;

	out_header(s, &o, XT_TCP_RST | XT_TCP_ACK);
	o.seq = s->snd_max;	/* RFC 9293's SND.NXT: retransmission rewinds ours */
	o.wnd = 0;
	o.opts.present = 0;
	out_emit(s, &o);
	s->st->stats.resets_sent++;
}

/*
 * Keepalive and zero-window probe: an old sequence number with no data,
 * which the peer must answer with an ACK carrying its window (RFC 1122
 * §4.2.3.6 and §4.2.2.17).
 */
void xt_tcp_send_probe(struct xt_sock *s)
{
	struct xt_seg_out o;

	out_header(s, &o, XT_TCP_ACK);
	o.seq = s->snd_una - 1;
	out_emit(s, &o);
}

/*
 * §3.10.7.1: the reply to a segment no connection wants. If it has an ACK,
 * <SEQ=SEG.ACK><CTL=RST>; otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
 * <CTL=RST,ACK>. Never to a RST.
 */
void xt_tcp_send_reset_reply(struct xt_stack *st, const struct xt_seg *seg)
{
	struct xt_seg_out o;

	if (seg->flags & XT_TCP_RST)
		return;
	memset(&o, 0, sizeof(o));
	memcpy(o.src_mac, seg->dst_mac, sizeof(o.src_mac));
	memcpy(o.dst_mac, seg->src_mac, sizeof(o.dst_mac));
	o.saddr = seg->daddr;
	o.daddr = seg->saddr;
	o.sport = seg->dport;
	o.dport = seg->sport;
	if (seg->flags & XT_TCP_ACK) {
		o.seq = seg->ack;
		o.flags = XT_TCP_RST;
	} else {
		o.ack = seg->seq + seg->payload_len +
			!!(seg->flags & XT_TCP_SYN) + !!(seg->flags & XT_TCP_FIN);
		o.flags = XT_TCP_RST | XT_TCP_ACK;
	}
	if (st->sink.emit(st->sink.ctx, &o) == 0)
		st->stats.segs_out++;
	st->stats.resets_sent++;
}

/*
 * Whether the sink has no buffer for a segment now; if so, the connection
 * waits on st->deferred for the next poll (xt_stack_poll_us), as Linux's
 * tcp_write_xmit stops when the device queue is full.
 */
static bool out_blocked(struct xt_sock *s)
{
	struct xt_stack *st = s->st;

	if (!st->sink.full || !st->sink.full(st->sink.ctx))
		return false;
	if (!s->on_defer) {
		s->on_defer = true;
		s->defer_next = st->deferred;
		st->deferred = s;
	}
	return true;
}

/*
 * Sends [seq, seq+len) from the send buffer, with FIN if asked, and PSH
 * if 'push' or the segment empties what the application wrote (RFC 9293
 * §3.9.1: PSH on the last buffered segment). Loss recovery keeps a record
 * of it first; without room for one, or without a buffer in the sink,
 * nothing leaves (returns false) and the data waits for the next output.
 */
static bool send_data(struct xt_sock *s, uint32_t seq, uint32_t len, bool fin,
		      bool push)
{
	struct xt_stack *st = s->st;
	uint32_t buffered = xt_ring_len(&s->sndbuf);
	struct xt_seg_out o;
	uint8_t flags = XT_TCP_ACK;

	if (out_blocked(s) || xt_rec_on_send(s, seq, seq + len + fin, fin))
		return false;
	if (fin)
		flags |= XT_TCP_FIN;
	if (len && (push || seq + len == s->snd_una + buffered))
		flags |= XT_TCP_PSH;
	if (!xt_tcp_outstanding(s) && s->last_send &&
	    st->now - s->last_send > s->rto_ms)
		s->cc->after_idle(s);
	s->last_send = st->now;
	out_header(s, &o, flags);
	o.seq = seq;
	/* Straight from the ring unless the bytes wrap: one copy, not two. */
	o.payload = xt_ring_span(&s->sndbuf, seq - s->snd_una, len);
	if (!o.payload) {
		xt_ring_peek(&s->sndbuf, seq - s->snd_una, st->scratch, len);
		o.payload = st->scratch;
	}
	o.payload_len = len;
	if (xt_seq_lt(seq, s->snd_max)) {
		st->stats.retransmits++;
		s->retrans++;
	}
	out_emit(s, &o);
	return true;
}

void xt_tcp_resend(struct xt_sock *s, uint32_t seq, uint32_t len, bool fin)
{
	send_data(s, seq, len, fin, false);
}

static bool state_sends_data(enum xt_tcp_state state)
{
	switch (state) {
	case XT_ESTABLISHED:
	case XT_CLOSE_WAIT:
	case XT_FIN_WAIT_1:	/* until the FIN is out, and to resend it */
	case XT_CLOSING:
	case XT_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/*
 * The next new segment from SND.NXT, as much as 'room' allows, if Nagle
 * (RFC 1122 §4.2.3.4) and sender-side silly-window avoidance (RFC 9293
 * §3.8.6.2.1) allow it.
 */
static bool send_new(struct xt_sock *s, uint32_t room)
{
	uint32_t buffered = xt_ring_len(&s->sndbuf);
	uint32_t off = s->snd_nxt - s->snd_una;
	uint32_t avail = buffered > off ? buffered - off : 0;
	uint32_t wnd_room = s->snd_wnd > off ? s->snd_wnd - off : 0;
	uint32_t len = min3(avail, wnd_room < room ? wnd_room : room, s->mss);
	bool fin = s->fin_queued && len == avail && off + len == buffered &&
		   !s->fin_sent;

	if (!len && !fin)
		return false;
	if (len < s->mss && !fin) {
		bool all = len == avail;
		bool nagle_ok = all && (!xt_tcp_outstanding(s) || s->nodelay);

		if (!nagle_ok && len < s->max_snd_wnd / 2 && !s->sws_override)
			return false;
	}
	/*
	 * PSH also on the last segment the windows let out now: the peer has
	 * all it will get for a while. Measured on the testbed: without it,
	 * a Linux receiver often held the ACK for such a flight until its
	 * delayed-ACK timer (40 ms) fired, stalling a small window; Linux
	 * senders push at the end of every write, so they never meet this.
	 */
	if (!send_data(s, s->snd_nxt, len, fin,
		       room - len < s->mss || wnd_room - len < s->mss))
		return false;
	s->snd_nxt += len + fin;
	if (fin)
		s->fin_sent = true;
	if (xt_seq_gt(s->snd_nxt, s->snd_max))
		s->snd_max = s->snd_nxt;
	return true;
}

/* Whether the application's bytes (or its FIN) wait to be sent. */
static bool unsent(const struct xt_sock *s)
{
	return xt_ring_len(&s->sndbuf) > s->snd_nxt - s->snd_una ||
	       (s->fin_queued && !s->fin_sent);
}

/* Room under cwnd: RFC 6675's pipe against the congestion window. */
static uint32_t cwnd_room(const struct xt_sock *s)
{
	uint32_t pipe = xt_rec_in_flight(s);

	return s->cwnd > pipe ? s->cwnd - pipe : 0;
}

bool xt_tcp_send_new_one(struct xt_sock *s)
{
	return state_sends_data(s->state) && send_new(s, s->mss);
}

/* RFC 6675 §5 (C): NextSeg's lost segments first, while pipe < cwnd. */
static void send_lost(struct xt_sock *s)
{
	uint32_t seq, len;
	bool fin;

	while (cwnd_room(s) && xt_rec_next_lost(s, &seq, &len, &fin))
		if (!send_data(s, seq, len, fin, false))
			return;
}

/*
 * Data waiting, nothing in flight: the window is closed, or too small for
 * silly-window avoidance to send into (RFC 9293 §3.8.6.2.1 (4)).
 */
static void arm_persist(struct xt_sock *s)
{
	struct xt_stack *st = s->st;
	uint64_t delay;

	if (!xt_ring_len(&s->sndbuf) || xt_tcp_outstanding(s) ||
	    xt_timer_armed(&s->persist_timer))
		return;
	delay = (uint64_t)s->rto_ms << s->persist_backoff;
	if (delay > TCP_PERSIST_MAX_MS)
		delay = TCP_PERSIST_MAX_MS;
	xt_wheel_arm(&st->wheel, &s->persist_timer, st->now + delay);
}

/*
 * Whether the window was what held the sender back over the last round
 * (Linux's tcp_cwnd_validate): a round that once fills cwnd counts as
 * limited; a new round starts once SND.UNA passes what was sent when the
 * last one began. RFC 9438 §4.6 asks for this where ssthresh comes from
 * cwnd: an application-limited flow must not grow a window it never uses.
 */
static void cwnd_validate(struct xt_sock *s)
{
	uint32_t pipe = xt_rec_in_flight(s);
	bool limited = pipe + s->mss > s->cwnd;

	if (xt_seq_ge(s->snd_una, s->cwnd_usage_seq) || limited ||
	    (!s->cwnd_limited && pipe > s->max_pipe)) {
		s->cwnd_limited = limited;
		s->max_pipe = pipe;
		s->cwnd_usage_seq = s->snd_max;
	}
}

/* In slow start, half a window used is enough (Linux, RFC 7661 §4.3). */
bool xt_tcp_cwnd_limited(const struct xt_sock *s)
{
	if (s->cwnd < s->ssthresh)
		return s->cwnd < 2 * (uint64_t)s->max_pipe;
	return s->cwnd_limited;
}

void xt_tcp_output(struct xt_sock *s)
{
	if (state_sends_data(s->state)) {
		send_lost(s);
		while (send_new(s, cwnd_room(s)))
			;
		cwnd_validate(s);
		xt_rate_check_app_limited(s, unsent(s));
	}
	if (s->ack_now)
		xt_tcp_send_ack(s);
	if (!xt_tcp_outstanding(s))
		arm_persist(s);
	else if (!xt_timer_armed(&s->rtx_timer))
		xt_rec_rearm(s, false, 0);
}

void xt_tcp_schedule(struct xt_sock *s)
{
	if (s->on_work || s->dead)
		return;
	s->on_work = true;
	s->work_next = s->st->work;
	s->st->work = s;
}
