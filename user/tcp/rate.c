// SPDX-License-Identifier: MIT
/*
 * Delivery rate estimation (draft-cheng-iccrg-delivery-rate-estimation,
 * Linux's tcp_rate.c), for congestion control that models the path
 * (cc_bbr.c). Each record keeps the connection's delivery state when it
 * left; when an ACK delivers records, the most recently sent of them
 * gives the sample: the bytes delivered since it left, over the longer of
 * its send and ACK intervals (so a compressed burst of ACKs does not
 * overstate the rate).
 *
 * Call chain: xt_rec_on_send() -> xt_rate_on_send(); rec_cumulative()
 * and rec_mark_sacked() -> xt_rate_on_delivered() per record delivered
 * for the first time; xt_rec_on_ack() -> xt_rate_sample();
 * xt_tcp_output() -> xt_rate_check_app_limited().
 */
#include "tcp/tcp.h"

/* §3.2: the state a record carries when it (re)leaves. */
void xt_rate_on_send(struct xt_sock *s, struct xt_txseg *t)
{
	uint64_t now = s->st->now_us;

	if (s->snd_max == s->snd_una) {	/* nothing in flight: a new flight */
		s->first_sent_us = now;
		s->delivered_us = now;
	}
	t->first_sent_us = s->first_sent_us;
	t->delivered_us = s->delivered_us;
	t->delivered = s->delivered;
	t->app_limited = s->app_limited != 0;
}

/* §3.3: a record acked or SACKed for the first time. */
void xt_rate_on_delivered(struct xt_sock *s, const struct xt_txseg *t,
			  struct xt_ack_sample *a)
{
	uint64_t now = s->st->now_us;

	s->delivered += t->end - t->seq;
	s->delivered_us = now;
	/* The most recently sent record delivered makes the sample. */
	if (!a->rs_valid || xt_seq_gt(t->delivered, a->rs_prior_delivered) ||
	    (t->delivered == a->rs_prior_delivered &&
	     t->xmit_us > a->rs_xmit_us)) {
		a->rs_valid = true;
		a->rs_prior_delivered = t->delivered;
		a->rs_prior_us = t->delivered_us;
		a->rs_app_limited = t->app_limited;
		a->rs_send_elapsed_us = t->xmit_us - t->first_sent_us;
		a->rs_xmit_us = t->xmit_us;
		s->first_sent_us = t->xmit_us;
	}
}

/* §3.4: the sample, once the whole ACK is processed. */
void xt_rate_sample(struct xt_sock *s, struct xt_ack_sample *a)
{
	uint64_t ack_elapsed;

	if (s->app_limited && xt_seq_gt(s->delivered, s->app_limited))
		s->app_limited = 0;	/* the bubble is acked */
	if (!a->rs_valid)
		return;
	a->rs_delivered = s->delivered - a->rs_prior_delivered;
	ack_elapsed = s->st->now_us - a->rs_prior_us;
	a->rs_interval_us = a->rs_send_elapsed_us > ack_elapsed ?
			    a->rs_send_elapsed_us : ack_elapsed;
	a->rs_rtt_us = (uint32_t)(s->st->now_us - a->rs_xmit_us);
	/* An interval shorter than the path's RTT says nothing (§3.4). */
	if (!a->rs_interval_us || (s->rec.rack.min_rtt_us &&
				   a->rs_interval_us < s->rec.rack.min_rtt_us))
		a->rs_valid = false;
}

/*
 * §3.5: the sender has nothing more to send and room to send it: the
 * samples until what is in flight now is delivered measure the
 * application, not the path.
 */
void xt_rate_check_app_limited(struct xt_sock *s, bool data_waiting)
{
	uint32_t pipe = xt_rec_in_flight(s);

	if (data_waiting || pipe + s->mss > s->cwnd || s->sb.lost)
		return;
	s->app_limited = (s->delivered + pipe) ?: 1;
}
