// SPDX-License-Identifier: MIT
/*
 * NewReno's congestion control: slow start and congestion avoidance
 * (RFC 5681 §3.1), the window after a loss or a timeout (eq. 4), and the
 * restart window (§4.1). Selected with --cc newreno; cc.h says who calls
 * what. Fast recovery itself (RFC 6582's recover point, partial ACKs) is
 * recovery.c's: on_congestion sets cwnd to ssthresh and recovery sends by
 * pipe (RFC 6675), so the window is never inflated by duplicate ACKs.
 */
#include "tcp/tcp.h"

#define NEWRENO_SSTHRESH_INIT	UINT32_MAX	/* §3.1: arbitrarily high */
#define NEWRENO_MIN_SEGS	2		/* eq. 4: at least 2 SMSS */

/* RFC 3465 §2.1: bytes acked in congestion avoidance, toward one cwnd. */
struct newreno {
	uint32_t bytes_acked;
};

_Static_assert(sizeof(struct newreno) <= XT_CC_PRIV_SIZE,
	       "NewReno's state must fit in xt_sock.cc_priv");

static struct newreno *newreno_of(struct xt_sock *s)
{
	return (struct newreno *)s->cc_priv;
}

/* Eq. 4: ssthresh = max(FlightSize / 2, 2 SMSS). */
static uint32_t newreno_half(const struct xt_sock *s, uint32_t flight)
{
	uint32_t floor = NEWRENO_MIN_SEGS * s->mss;

	return flight / 2 > floor ? flight / 2 : floor;
}

/* RFC 6928 */
static uint32_t newreno_iw(const struct xt_sock *s)
{
	return XT_CC_INITIAL_SEGS * s->mss;
}

static void newreno_init(struct xt_sock *s)
{
	newreno_of(s)->bytes_acked = 0;
	s->cwnd = newreno_iw(s);
	s->ssthresh = NEWRENO_SSTHRESH_INIT;
}

/* Eq. 2: cwnd += min(N, SMSS), N the bytes this ACK newly acknowledged. */
static void newreno_slow_start(struct xt_sock *s, uint32_t acked)
{
	newreno_of(s)->bytes_acked = 0;
	s->cwnd += acked < s->mss ? acked : s->mss;
}

/*
 * Eq. 3 by byte counting (§3.1, RFC 3465 §2.1): one SMSS each time a
 * cwnd's worth of bytes has been acknowledged, so delayed or stretch ACKs
 * do not slow the growth.
 */
static void newreno_avoid(struct xt_sock *s, uint32_t acked)
{
	struct newreno *nr = newreno_of(s);

	nr->bytes_acked += acked < s->cwnd ? acked : s->cwnd;
	if (nr->bytes_acked < s->cwnd)
		return;
	nr->bytes_acked -= s->cwnd;
	s->cwnd += s->mss;
}

/* Only bytes SND.UNA moved past grow the window (§3.1: "new data"). */
static void newreno_on_ack(struct xt_sock *s, const struct xt_ack_sample *a)
{
	if (!a->acked || !a->cwnd_limited)
		return;		/* RFC 7661 §4.3: no growth of an unused cwnd */
	if (s->cwnd < s->ssthresh)
		newreno_slow_start(s, a->acked);
	else
		newreno_avoid(s, a->acked);
}

/* §3.2 step 2 (eq. 4) with FlightSize before the ACK; cwnd = ssthresh. */
static void newreno_on_congestion(struct xt_sock *s,
				  const struct xt_ack_sample *a)
{
	newreno_of(s)->bytes_acked = 0;
	s->ssthresh = newreno_half(s, a->prior_in_flight);
	s->cwnd = s->ssthresh;
}

/* §3.1: eq. 4 on what is outstanding, and cwnd to the loss window. */
static void newreno_on_rto(struct xt_sock *s)
{
	newreno_of(s)->bytes_acked = 0;
	s->ssthresh = newreno_half(s, s->snd_max - s->snd_una);
	s->cwnd = s->mss;
}

/* §4.1: after an idle RTO, restart from RW = min(IW, cwnd). */
static void newreno_after_idle(struct xt_sock *s)
{
	uint32_t iw = newreno_iw(s);

	if (s->cwnd > iw)
		s->cwnd = iw;
}

/* undo: NULL. Restoring cwnd and ssthresh (the caller's) is all of it. */
const struct xt_cc_ops xt_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_congestion = newreno_on_congestion,
	.on_rto = newreno_on_rto,
	.after_idle = newreno_after_idle,
	.undo = NULL,
};
