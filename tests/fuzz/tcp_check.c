// SPDX-License-Identifier: MIT
/* The TCP engine's invariants: see tcp_check.h. */
#include "fuzz/tcp_check.h"

/* Where the failing connection is printed from; NULL between them. */
static const struct xt_sock *current;

static void print_sock(const struct xt_sock *s)
{
	fprintf(stderr,
		"  %u <> %u %s: iss %#x una +%u nxt +%u max +%u wnd %u | "
		"irs %#x rcv_nxt +%u rcv_adv +%u | sndbuf %u/%u rcvbuf %u/%u "
		"reasm %u/%u | fin q%d s%d r%d | timers rtx %d delack %d "
		"persist %d keepalive %d timewait %d | ack_now %d\n",
		s->t.lport, s->t.rport, xt_tcp_state_name(s->state), s->iss,
		s->snd_una - s->iss, s->snd_nxt - s->iss, s->snd_max - s->iss,
		s->snd_wnd, s->irs, s->rcv_nxt - s->irs, s->rcv_adv - s->irs,
		s->sndbuf.len, s->sndbuf.limit, s->rcvbuf.len, s->rcvbuf.limit,
		s->reasm.bytes, s->reasm.limit, s->fin_queued, s->fin_sent,
		s->fin_rcvd, xt_timer_armed(&s->rtx_timer),
		xt_timer_armed(&s->delack_timer),
		xt_timer_armed(&s->persist_timer),
		xt_timer_armed(&s->keepalive_timer),
		xt_timer_armed(&s->timewait_timer), s->ack_now);
}

void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	if (current)
		print_sock(current);
	abort();
}

/* The states in which output sends data and (re)sends the FIN. */
static bool sends_data(enum xt_tcp_state state)
{
	return state == XT_ESTABLISHED || state == XT_CLOSE_WAIT ||
	       state == XT_FIN_WAIT_1 || state == XT_CLOSING ||
	       state == XT_LAST_ACK;
}

static bool armed(const struct xt_timer *t)
{
	return xt_timer_armed(t);
}

static unsigned armed_count(const struct xt_sock *s)
{
	return armed(&s->rtx_timer) + armed(&s->delack_timer) +
	       armed(&s->persist_timer) + armed(&s->keepalive_timer) +
	       armed(&s->timewait_timer);
}

/*
 * RFC 9293 §3.3.1: SND.UNA =< SND.NXT =< SND.MAX in sequence space, and
 * what is outstanding is the unacknowledged SYN, bytes the send buffer
 * still holds (it keeps every byte from SND.UNA on), and the FIN.
 */
static void check_send_space(const struct xt_sock *s)
{
	uint32_t out = s->snd_max - s->snd_una;
	uint32_t syn = s->snd_una == s->iss;
	uint32_t fin = s->fin_sent && out > 0;
	uint32_t buffered = xt_ring_len(&s->sndbuf);

	fz_require(xt_seq_le(s->snd_una, s->snd_nxt));
	fz_require(xt_seq_le(s->snd_nxt, s->snd_max));
	fz_require(out >= syn + fin);
	fz_require(out - syn - fin <= buffered);
	if (syn)
		fz_require(out == 1 && !buffered);
	if (s->fin_sent) {
		fz_require(s->fin_queued);
		fz_require(out - syn - fin == buffered);
	}
	if (s->state == XT_FIN_WAIT_2 || s->state == XT_TIME_WAIT)
		fz_require(out == 0 && !buffered && s->fin_sent);
}

static void check_ring(const struct xt_ring *r)
{
	fz_require(r->len <= r->limit);
	fz_require(r->len <= r->cap && r->cap <= r->limit);
	fz_require(!r->cap || r->head < r->cap);
	fz_require(!r->cap == !r->buf);
}

/* Buffers within their limits, the queue's count matching its list. */
static void check_queues(const struct xt_sock *s)
{
	const struct xt_reasm *q = &s->reasm;

	check_ring(&s->sndbuf);
	check_ring(&s->rcvbuf);
	fz_require(q->bytes <= q->limit);
	fz_require(!q->head == !q->nsegs);
	fz_require(!q->bytes == !q->nsegs);
	/*
	 * Not an invariant: RCV.NXT =< the right edge last advertised. A
	 * segment that starts inside the window is kept as far as the
	 * buffer has room, which the application's reads may have made
	 * beyond that edge; Linux keeps it too (tcp_receive_window()).
	 */
}

/*
 * Every timer that something needs is armed: the handshake's, the
 * retransmission timer while anything is outstanding, the persist timer
 * while data waits with nothing outstanding, TIME-WAIT's, keepalive's on
 * an established connection. TIME-WAIT has no other. An ACK owed went out
 * with the batch.
 */
static void check_timers(const struct xt_sock *s)
{
	const struct xt_stack_cfg *c = &s->st->cfg;
	uint32_t out = s->snd_max - s->snd_una;

	fz_require(!s->ack_now);
	switch (s->state) {
	case XT_SYN_SENT:
		fz_require(armed(&s->rtx_timer));
		return;
	case XT_SYN_RCVD:
		fz_require(armed(&s->rtx_timer) || armed(&s->timewait_timer));
		return;
	case XT_TIME_WAIT:
		fz_require(armed(&s->timewait_timer));
		fz_require(!armed(&s->rtx_timer) && !armed(&s->persist_timer));
		fz_require(!armed(&s->keepalive_timer));
		return;
	default:
		break;
	}
	if (s->state == XT_ESTABLISHED && c->keepalive_idle_ms)
		fz_require(armed(&s->keepalive_timer));
	if (!sends_data(s->state))
		return;
	if (out)
		fz_require(armed(&s->rtx_timer));
	else if (xt_ring_len(&s->sndbuf))
		fz_require(armed(&s->persist_timer));
	else if (s->fin_queued)
		fz_require(s->fin_sent);	/* a FIN with nothing before it */
}

static void check_sock(const struct xt_stack *st, const struct xt_sock *s)
{
	current = s;
	fz_require(s->st == st);
	fz_require(s->state > XT_LISTEN && s->state < XT_TCP_NSTATES);
	fz_require(!s->dead && !s->on_work);
	check_send_space(s);
	check_queues(s);
	check_timers(s);
	current = NULL;
}

void fz_check_stack(const struct xt_stack *st)
{
	unsigned n = 0, timers = 0, per_state[XT_TCP_NSTATES] = { 0 };
	uint64_t ooo = 0;

	for (uint32_t i = 0; i <= st->table_mask; i++) {
		for (const struct xt_sock *s = st->table[i]; s; s = s->hnext) {
			check_sock(st, s);
			per_state[s->state]++;
			timers += armed_count(s);
			ooo += s->reasm.bytes;
			n++;
		}
	}
	/* The stack's out-of-order total is its queues', within its bound. */
	fz_require(st->reasm_pool.bytes == ooo);
	fz_require(ooo <= st->reasm_pool.limit);
	fz_require(n == st->nconns);
	fz_require(n <= st->cfg.max_conns);
	fz_require(st->nhalf_open == per_state[XT_SYN_RCVD]);
	for (int i = XT_LISTEN; i < XT_TCP_NSTATES; i++)
		fz_require(st->stats.in_state[i] == per_state[i]);
	/* No timer armed but the table's: none left by a freed connection. */
	fz_require(xt_wheel_count(&st->wheel) == timers);
	fz_require(!st->graveyard && !st->work);
}
