// SPDX-License-Identifier: MIT
/*
 * Draining, for a graceful stop: no new connections, and each open one
 * asked to finish. The worker resets whatever is left at the deadline
 * (xt_stack_free).
 */
#include "tcp/tcp.h"

void xt_stack_drain(struct xt_stack *st)
{
	if (st->draining)
		return;
	st->draining = true;
	/*
	 * No listener: a SYN, or a cookie ACK, for a listening port now meets
	 * CLOSED and is answered with a RST (RFC 9293 §3.10.7.1). Connections
	 * still in SYN-RECEIVED keep their parent: the array stays.
	 */
	st->nlisteners = 0;
	for (uint32_t i = 0; i <= st->table_mask; i++)
		for (struct xt_sock *s = st->table[i]; s; s = s->hnext)
			/* The rest are told when they reach ESTABLISHED (api.c). */
			if (!s->app_gone && !s->parent &&
			    xt_tcp_synchronized(s->state) &&
			    s->state != XT_TIME_WAIT)
				xt_app_event(s, XT_EV_DRAIN);
}

unsigned xt_stack_unfinished(const struct xt_stack *st)
{
	return st->nconns - st->stats.in_state[XT_TIME_WAIT];
}
