// SPDX-License-Identifier: MIT
/*
 * Retransmission timeout from RTT samples, RFC 6298, kept in microseconds
 * (a veth's RTT is tens of them); the RTO itself is in milliseconds, the
 * timer wheel's unit, rounded up.
 */
#include "tcp/tcp.h"

#define RTT_ALPHA_SHIFT	3	/* alpha = 1/8 */
#define RTT_BETA_SHIFT	2	/* beta = 1/4 */
#define RTT_K		4
#define RTT_G_US	1000	/* clock granularity: the wheel's tick */

static uint32_t rto_clamp(const struct xt_sock *s, uint64_t rto_ms)
{
	const struct xt_stack_cfg *c = &s->st->cfg;

	if (rto_ms < c->rto_min_ms)
		rto_ms = c->rto_min_ms;
	if (rto_ms > c->rto_max_ms)
		rto_ms = c->rto_max_ms;
	return (uint32_t)rto_ms;
}

/* §2.1: before any measurement, RTO is the initial value. */
void xt_rtt_init(struct xt_sock *s)
{
	s->rtt_valid = false;
	s->srtt_us = 0;
	s->rttvar_us = 0;
	s->rto_ms = rto_clamp(s, s->st->cfg.rto_initial_ms);
}

/* §2.2 for the first sample, §2.3 for the ones after. */
void xt_rtt_sample_us(struct xt_sock *s, uint32_t r)
{
	uint32_t var;

	if (!s->rtt_valid) {
		s->srtt_us = r;
		s->rttvar_us = r / 2;
		s->rtt_valid = true;
	} else {
		uint32_t err = s->srtt_us > r ? s->srtt_us - r : r - s->srtt_us;

		s->rttvar_us = s->rttvar_us - (s->rttvar_us >> RTT_BETA_SHIFT) +
			       (err >> RTT_BETA_SHIFT);
		s->srtt_us = s->srtt_us - (s->srtt_us >> RTT_ALPHA_SHIFT) +
			     (r >> RTT_ALPHA_SHIFT);
	}
	var = RTT_K * s->rttvar_us;
	s->rto_ms = rto_clamp(s, ((uint64_t)s->srtt_us +
				  (var > RTT_G_US ? var : RTT_G_US) + 999) / 1000);
}

/* §5.5: back off the timer; the maximum keeps it bounded. */
void xt_rtt_backoff(struct xt_sock *s)
{
	s->rto_ms = rto_clamp(s, (uint64_t)s->rto_ms * 2);
}
