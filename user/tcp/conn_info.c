// SPDX-License-Identifier: MIT
/* Each connection's state as an operator sees it (`xtcpctl conns`). */
#include "tcp/tcp.h"

static uint32_t timer_left(const struct xt_stack *st, const struct xt_timer *t)
{
	return t->expires > st->now ? (uint32_t)(t->expires - st->now) : 0;
}

static void conn_timers(const struct xt_sock *s, struct xt_conn_info *ci)
{
	const struct xt_timer *timers[XT_TIMER_COUNT] = {
		[XT_TIMER_RTX] = &s->rtx_timer,
		[XT_TIMER_DELACK] = &s->delack_timer,
		[XT_TIMER_PERSIST] = &s->persist_timer,
		[XT_TIMER_KEEPALIVE] = &s->keepalive_timer,
		[XT_TIMER_TIMEWAIT] = &s->timewait_timer,
	};

	for (int i = 0; i < XT_TIMER_COUNT; i++) {
		if (!xt_timer_armed(timers[i]))
			continue;
		ci->timers |= (uint16_t)(1u << i);
		ci->timer_ms[i] = timer_left(s->st, timers[i]);
	}
}

static void conn_fill(const struct xt_sock *s, struct xt_conn_info *ci)
{
	*ci = (struct xt_conn_info){
		.laddr = s->t.laddr, .raddr = s->t.raddr,
		.lport = s->t.lport, .rport = s->t.rport,
		.state = (uint8_t)s->state,
		.sendq = xt_ring_len(&s->sndbuf),
		.recvq = xt_ring_len(&s->rcvbuf),
		.srtt_us = s->rtt_valid ? s->srtt_us : 0,
		.rttvar_us = s->rtt_valid ? s->rttvar_us : 0,
		.rto_ms = s->rto_ms,
		.cwnd = s->cwnd, .ssthresh = s->ssthresh,
		.mss = s->mss,
		.snd_wnd = s->snd_wnd,
		.rcv_wnd = xt_tcp_rcv_window(s),
		.retrans = s->retrans,
		.backoff = s->retries,
	};
	conn_timers(s, ci);
}

unsigned xt_stack_conn_info(const struct xt_stack *st,
			    struct xt_conn_info *out, unsigned max)
{
	unsigned n = 0;

	for (uint32_t i = 0; i <= st->table_mask; i++)
		for (const struct xt_sock *s = st->table[i]; s; s = s->hnext) {
			if (n < max)
				conn_fill(s, &out[n]);
			n++;
		}
	return n;
}
