// SPDX-License-Identifier: MIT
/* The one place a connection changes state (RFC 9293 §3.3.2). */
#include "common/log.h"
#include "tcp/tcp.h"

static const char *const state_names[XT_TCP_NSTATES] = {
	[XT_CLOSED] = "CLOSED",
	[XT_LISTEN] = "LISTEN",
	[XT_SYN_SENT] = "SYN-SENT",
	[XT_SYN_RCVD] = "SYN-RECEIVED",
	[XT_ESTABLISHED] = "ESTABLISHED",
	[XT_FIN_WAIT_1] = "FIN-WAIT-1",
	[XT_FIN_WAIT_2] = "FIN-WAIT-2",
	[XT_CLOSE_WAIT] = "CLOSE-WAIT",
	[XT_CLOSING] = "CLOSING",
	[XT_LAST_ACK] = "LAST-ACK",
	[XT_TIME_WAIT] = "TIME-WAIT",
};

const char *xt_tcp_state_name(enum xt_tcp_state state)
{
	return state < XT_TCP_NSTATES ? state_names[state] : "?";
}

/* States in which both sides' sequence numbers are known. */
bool xt_tcp_synchronized(enum xt_tcp_state state)
{
	switch (state) {
	case XT_CLOSED:
	case XT_LISTEN:
	case XT_SYN_SENT:
	case XT_SYN_RCVD:
		return false;
	default:
		return true;
	}
}

/* The sink's listener (a tap), if any, hears of every change. */
static void tell_state(const struct xt_sock *s, enum xt_tcp_state to)
{
	const struct xt_tx_sink *k = &s->st->sink;
	struct xt_tap_conn c = {
		.laddr = s->t.laddr, .raddr = s->t.raddr,
		.lport = s->t.lport, .rport = s->t.rport,
		.from = (uint8_t)s->state, .to = (uint8_t)to,
	};

	if (k->state && s->state != to)
		k->state(k->ctx, &c);
}

void xt_tcp_set_state(struct xt_sock *s, enum xt_tcp_state to)
{
	struct xt_stack *st = s->st;

	tell_state(s, to);
	xt_dbg("%u <> %u: %s => %s", s->t.lport, s->t.rport,
	       xt_tcp_state_name(s->state), xt_tcp_state_name(to));
	if (s->state == XT_SYN_RCVD && st->nhalf_open)
		st->nhalf_open--;
	if (to == XT_SYN_RCVD)
		st->nhalf_open++;
	if (s->state != XT_CLOSED)
		st->stats.in_state[s->state]--;
	if (to != XT_CLOSED)
		st->stats.in_state[to]++;
	s->state = to;
	st->stats.state_enter[to]++;
	if (to == XT_CLOSED)
		return;
	if (s->in_map)
		xt_map_mark_stale(s);	/* only people read the state */
	else
		xt_map_mark(s);
}

/*
 * CLOSED: the connection leaves the table now, so nothing else reaches it,
 * but its memory lives until the end of the batch, when callers up the
 * stack no longer hold it. It may still be on st->work: the graveyard has
 * its own link, and run_work() skips the dead.
 */
void xt_tcp_done(struct xt_sock *s, enum xt_close_reason why)
{
	if (s->dead)
		return;
	xt_tcp_set_state(s, XT_CLOSED);
	xt_tcp_timers_cancel(s);
	xt_conn_unlink(s);
	xt_map_forget(s);
	s->dead = true;
	s->why = why;
	s->grave_next = s->st->graveyard;
	s->st->graveyard = s;
	if (!s->app_gone && !s->parent && s->ops && s->ops->closed) {
		s->app_gone = true;
		s->ops->closed(s, why);
	}
	s->app_gone = true;
}
