// SPDX-License-Identifier: MIT
/*
 * Congestion control: slow start and congestion avoidance (RFC 5681),
 * fast retransmit and NewReno fast recovery (RFC 6582).
 */
#include "tcp/tcp.h"

#define CC_INITIAL_SEGS	10	/* RFC 6928 */

static uint32_t cc_half_flight(const struct xt_sock *s)
{
	uint32_t half = xt_tcp_flight(s) / 2;

	return half > 2u * s->mss ? half : 2u * s->mss;	/* RFC 5681 eq. 4 */
}

void xt_cc_init(struct xt_sock *s)
{
	s->cwnd = CC_INITIAL_SEGS * s->mss;
	s->ssthresh = UINT32_MAX;
	s->dupacks = 0;
	s->recover_valid = false;
	s->in_recovery = false;
}

/* An ACK that acknowledged 'acked' new bytes. */
bool xt_cc_on_ack(struct xt_sock *s, uint32_t acked)
{
	s->dupacks = 0;
	/* Past recover: nothing is stale any more, whatever wraps later. */
	if (!s->in_recovery && s->recover_valid &&
	    xt_seq_gt(s->snd_una, s->recover))
		s->recover_valid = false;
	if (s->in_recovery) {
		if (xt_seq_ge(s->snd_una, s->recover)) {
			/* RFC 6582 §3.2 step 3: full acknowledgment. */
			s->in_recovery = false;
			s->cwnd = s->ssthresh;
			return false;
		} else {
			/* Partial ACK: deflate, retransmit the next hole. */
			s->cwnd -= acked < s->cwnd ? acked : s->cwnd - s->mss;
			s->cwnd += s->mss;
			return true;
		}
	}
	if (s->cwnd < s->ssthresh)	/* slow start, RFC 5681 eq. 2 */
		s->cwnd += acked < s->mss ? acked : s->mss;
	else				/* congestion avoidance, eq. 3 */
		s->cwnd += (uint32_t)((uint64_t)s->mss * s->mss / s->cwnd) ?: 1;
	return false;
}

bool xt_cc_on_dupack(struct xt_sock *s)
{
	if (s->in_recovery) {
		s->cwnd += s->mss;	/* RFC 6582 §3.2 step 4 */
		return false;
	}
	if (++s->dupacks != TCP_DUPACK_THRESH)
		return false;
	/*
	 * RFC 6582 §3.2 step 2: duplicates of what an earlier recovery or
	 * RTO already handled start nothing, until the ACK passes recover.
	 */
	if (s->recover_valid && !xt_seq_gt(s->snd_una, s->recover))
		return false;
	s->ssthresh = cc_half_flight(s);
	s->cwnd = s->ssthresh + TCP_DUPACK_THRESH * s->mss;
	s->recover = s->snd_max;
	s->recover_valid = true;
	s->in_recovery = true;
	return true;
}

/* RFC 5681 §4.1: idle longer than an RTO, restart from min(IW, cwnd). */
void xt_cc_after_idle(struct xt_sock *s)
{
	uint32_t iw = CC_INITIAL_SEGS * s->mss;

	if (s->cwnd > iw)
		s->cwnd = iw;
}

/* RFC 5681 eq. 4 and §3.1: after a timeout, restart from one segment. */
void xt_cc_on_timeout(struct xt_sock *s)
{
	s->ssthresh = cc_half_flight(s);
	s->cwnd = s->mss;
	s->dupacks = 0;
	s->in_recovery = false;
	s->recover = s->snd_max;
	s->recover_valid = true;
}
