// SPDX-License-Identifier: MIT
/*
 * CUBIC congestion control (RFC 9438), with HyStart++ (RFC 9406) for the
 * initial slow start. The default algorithm; cc.h says who calls what.
 *
 * Units: windows in bytes (RFC 9438 §4.1 allows it: every "segments" of
 * the RFC is a multiple of the MSS here). Time on the cubic curve is in
 * ticks of 2^-10 s (Linux's BICTCP_HZ), so that C (t - K)^3 needs only
 * shifts and one division: d ticks are d / 2^10 s, and C d^3 / 2^30 is
 * segments. Ticks are 32 bits: an epoch may last 48 days. There is no
 * floating point; K's cube root is taken once per epoch, bit by bit.
 *
 * Call chain per ACK: cubic_on_ack() -> hystart_on_ack() while the first
 * slow start lasts -> cubic_slow_start() or cubic_avoid().
 */
#include <string.h>
#include "tcp/tcp.h"

#define CUBIC_BETA_NUM		7	/* beta_cubic = 0.7 (§4.6) */
#define CUBIC_BETA_DEN		10
#define CUBIC_C_NUM		2	/* C = 0.4 segments / s^3 (§5.1) */
#define CUBIC_C_DEN		5
/* alpha_cubic = 3 (1 - beta) / (1 + beta) = 9/17 (§4.3) */
#define CUBIC_ALPHA_NUM		(3 * (CUBIC_BETA_DEN - CUBIC_BETA_NUM))
#define CUBIC_ALPHA_DEN		(CUBIC_BETA_DEN + CUBIC_BETA_NUM)
/* Fast convergence: W_max = cwnd (1 + beta) / 2 = 17/20 cwnd (§4.7) */
#define CUBIC_FC_NUM		(CUBIC_BETA_DEN + CUBIC_BETA_NUM)
#define CUBIC_FC_DEN		(2 * CUBIC_BETA_DEN)
#define CUBIC_FAST_CONVERGENCE	true	/* §4.7: SHOULD */
#define CUBIC_TARGET_NUM	3	/* target at most 1.5 cwnd (§4.2) */
#define CUBIC_TARGET_DEN	2
#define CUBIC_HZ_SHIFT		10	/* a tick is 2^-10 s */
#define CUBIC_D_MAX		(1u << 18)	/* |t - K| saturates at 256 s */
#define CUBIC_SRTT_SHIFT	3	/* RFC 6298 §2.3: alpha = 1/8 */
#define CUBIC_SSTHRESH_INIT	UINT32_MAX	/* RFC 5681 §3.1: "high" */
#define CUBIC_MIN_SEGS		2	/* §4.6: cwnd and ssthresh >= 2 MSS */
#define USEC_PER_SEC		1000000u

/* RFC 9406 §4.3 */
#define HYSTART_L		8	/* L: segments per ACK, not paced */
#define HYSTART_MIN_RTT_THRESH	4000u	/* us */
#define HYSTART_MAX_RTT_THRESH	16000u	/* us */
#define HYSTART_MIN_RTT_DIVISOR	8	/* eta = 1/8 of the last round's */
#define HYSTART_N_RTT_SAMPLE	8
#define HYSTART_CSS_GROWTH_DIVISOR 4
#define HYSTART_CSS_ROUNDS	5
#define HYSTART_RTT_INF		UINT32_MAX

/*
 * The curve of one congestion-avoidance stage, and what §4.9.2 saves so a
 * spurious congestion event can be undone (cwnd and ssthresh are the
 * caller's to restore).
 */
struct cubic_curve {
	uint32_t w_max;			/* W_max, bytes; 0: undefined */
	uint32_t cwnd_prior;		/* cwnd when ssthresh was last set */
	uint32_t w_est;			/* W_est (§4.3), bytes */
	uint32_t k;			/* K, ticks */
	uint32_t start;			/* t_epoch, ticks */
	bool valid;			/* a CA stage has begun: start, K */
};

enum hystart_phase {
	HYSTART_SS,			/* standard slow start */
	HYSTART_CSS,			/* Conservative Slow Start */
};

/* RFC 9406 §4.2's variables, while ssthresh is still its initial value. */
struct hystart {
	uint32_t window_end;		/* windowEnd: the round ends past it */
	uint32_t cur_min;		/* currentRoundMinRTT, us */
	uint32_t last_min;		/* lastRoundMinRTT, us */
	uint32_t css_baseline;		/* cssBaselineMinRtt, us */
	uint8_t samples;		/* rttSampleCount, up to N_RTT_SAMPLE */
	uint8_t css_rounds;		/* CSS rounds completed */
	uint8_t phase;			/* enum hystart_phase */
	bool round_started;
};

struct cubic {
	struct cubic_curve cur;
	struct cubic_curve saved;	/* at the start of the episode */
	uint32_t acc;			/* growth carried over: bytes * cwnd */
	uint32_t est_frac;		/* W_est's fraction, 2^-32 bytes */
	uint32_t srtt_us;		/* RTT in W_cubic(t + RTT) (§4.1.2) */
	uint32_t last_ack;		/* ticks: when the flow was last busy */
	bool episode;			/* reduced; no on_ack since */
	struct hystart hs;
};

_Static_assert(sizeof(struct cubic) <= XT_CC_PRIV_SIZE,
	       "CUBIC's state must fit in xt_sock.cc_priv");
_Static_assert(_Alignof(struct cubic) <= 8, "cc_priv is 8-byte aligned");

static struct cubic *cubic_of(struct xt_sock *s)
{
	return (struct cubic *)s->cc_priv;
}

static uint32_t cubic_ticks(uint64_t us)
{
	return (uint32_t)((us << CUBIC_HZ_SHIFT) / USEC_PER_SEC);
}

static uint32_t cubic_add(uint32_t a, uint64_t b)
{
	uint64_t sum = a + b;

	return sum < UINT32_MAX ? (uint32_t)sum : UINT32_MAX;
}

static uint32_t cubic_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* RFC 6928, and RFC 5681 §4.1's restart window. */
static uint32_t cubic_iw(const struct xt_sock *s)
{
	return XT_CC_INITIAL_SEGS * s->mss;
}

/* floor(cbrt(x)), one bit of the root per step (Hacker's Delight 11-2). */
static uint32_t cubic_cbrt(uint64_t x)
{
	uint64_t y = 0;

	for (int shift = 63; shift >= 0; shift -= 3) {
		uint64_t b;

		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> shift) >= b) {
			x -= b << shift;
			y++;
		}
	}
	return (uint32_t)y;
}

/*
 * Eq. 2: K = cbrt((W_max - cwnd_epoch) / C) seconds. In ticks that is
 * cbrt(2^30 diff / (C mss)), diff in bytes; diff < 2^32, so no overflow.
 */
static uint32_t cubic_k(uint32_t diff, uint16_t mss)
{
	uint64_t x = ((uint64_t)diff << (3 * CUBIC_HZ_SHIFT)) / mss;

	return cubic_cbrt(x / CUBIC_C_NUM * CUBIC_C_DEN);
}

/* Eq. 1 in bytes: W_cubic(t) = C (t - K)^3 + W_max, t and K in ticks. */
static uint64_t cubic_w(const struct cubic_curve *cur, uint64_t t,
			uint16_t mss)
{
	uint64_t d = t > cur->k ? t - cur->k : cur->k - t;
	uint64_t delta;

	if (d > CUBIC_D_MAX)
		d = CUBIC_D_MAX;
	/* C d^3 in 2^-30 segments (< 2^55), then in bytes. */
	delta = d * d * d * CUBIC_C_NUM / CUBIC_C_DEN;
	delta = ((delta >> CUBIC_HZ_SHIFT) * mss) >> (2 * CUBIC_HZ_SHIFT);
	if (t >= cur->k)
		return cur->w_max + delta;
	return delta < cur->w_max ? cur->w_max - delta : 0;
}

/*
 * §4.6's new ssthresh, at least 2 MSS, from cwnd: the RFC allows cwnd in
 * place of flight_size when the window cannot grow unused (cubic_on_ack
 * grows it only when the sender was cwnd-limited), as Linux does. From
 * flight_size, a flow whose flight dips at the moment of a loss (after a
 * stall, or while the receiver holds back its ACKs) would lose most of
 * its window to one random drop.
 */
static uint32_t cubic_ssthresh(const struct xt_sock *s, uint32_t window)
{
	uint64_t ss = (uint64_t)window * CUBIC_BETA_NUM / CUBIC_BETA_DEN;
	uint32_t floor = CUBIC_MIN_SEGS * s->mss;

	return ss > floor ? (uint32_t)ss : floor;
}

/* RFC 6298 §2.2-2.3, from the samples the ACKs carry. */
static void cubic_rtt_sample(struct cubic *c, uint32_t rtt_us)
{
	if (!rtt_us)
		return;
	if (!c->srtt_us)
		c->srtt_us = rtt_us;
	else
		c->srtt_us = c->srtt_us - (c->srtt_us >> CUBIC_SRTT_SHIFT) +
			     (rtt_us >> CUBIC_SRTT_SHIFT);
}

/* --- HyStart++ (RFC 9406 §4.2) ------------------------------------------ */

static void hystart_new_round(const struct xt_sock *s, struct hystart *hs)
{
	hs->round_started = true;
	hs->window_end = s->snd_max;
	hs->last_min = hs->cur_min;
	hs->cur_min = HYSTART_RTT_INF;
	hs->samples = 0;
}

/* currentRoundMinRTT >= lastRoundMinRTT + RttThresh */
static bool hystart_delay_increased(const struct hystart *hs)
{
	uint32_t thresh;

	if (hs->cur_min == HYSTART_RTT_INF || hs->last_min == HYSTART_RTT_INF)
		return false;
	thresh = hs->last_min / HYSTART_MIN_RTT_DIVISOR;
	if (thresh < HYSTART_MIN_RTT_THRESH)
		thresh = HYSTART_MIN_RTT_THRESH;
	if (thresh > HYSTART_MAX_RTT_THRESH)
		thresh = HYSTART_MAX_RTT_THRESH;
	return hs->cur_min >= (uint64_t)hs->last_min + thresh;
}

/* One RTT sample; once a round has N_RTT_SAMPLE, judge the delay. */
static void hystart_sample(struct hystart *hs, uint32_t rtt_us)
{
	hs->cur_min = cubic_min(hs->cur_min, rtt_us);
	if (hs->samples < HYSTART_N_RTT_SAMPLE)
		hs->samples++;
	if (hs->samples < HYSTART_N_RTT_SAMPLE)
		return;
	if (hs->phase == HYSTART_SS && hystart_delay_increased(hs)) {
		hs->phase = HYSTART_CSS;
		hs->css_baseline = hs->cur_min;
		hs->css_rounds = 0;	/* this partial round will count */
	} else if (hs->phase == HYSTART_CSS &&
		   hs->cur_min < hs->css_baseline) {
		/* The exit was spurious: resume slow start. */
		hs->phase = HYSTART_SS;
		hs->css_baseline = HYSTART_RTT_INF;
	}
}

/* windowEnd was acked: CSS_ROUNDS rounds of CSS end slow start. */
static void hystart_end_round(struct xt_sock *s, struct cubic *c)
{
	struct hystart *hs = &c->hs;

	if (hs->phase == HYSTART_CSS &&
	    ++hs->css_rounds >= HYSTART_CSS_ROUNDS) {
		s->ssthresh = s->cwnd;
		c->cur.cwnd_prior = s->cwnd;	/* RFC 9438 §4.10 */
	}
	hystart_new_round(s, hs);
}

static void hystart_on_ack(struct xt_sock *s, struct cubic *c,
			   const struct xt_ack_sample *a)
{
	struct hystart *hs = &c->hs;

	if (!hs->round_started)
		hystart_new_round(s, hs);
	if (a->rtt_us)
		hystart_sample(hs, a->rtt_us);
	if (xt_seq_ge(s->snd_una, hs->window_end))
		hystart_end_round(s, c);
}

/* --- slow start and congestion avoidance -------------------------------- */

/*
 * The first slow start is HyStart++'s: min(N, L SMSS) per ACK, a quarter
 * of it in CSS (RFC 9406 §4.2). Later ones are RFC 5681's eq. 2, as
 * RFC 9406 §4.2 says HyStart++ runs only once.
 */
static void cubic_slow_start(struct xt_sock *s, struct cubic *c,
			     uint32_t acked)
{
	uint32_t n;

	c->cur.valid = false;	/* §4.2: t_epoch is where avoidance starts */
	if (s->ssthresh != CUBIC_SSTHRESH_INIT) {
		n = cubic_min(acked, s->mss);
	} else {
		n = cubic_min(acked, HYSTART_L * s->mss);
		if (c->hs.phase == HYSTART_CSS)
			n /= HYSTART_CSS_GROWTH_DIVISOR;
	}
	s->cwnd = cubic_add(s->cwnd, n);
}

/*
 * §4.2: a congestion-avoidance stage begins; eq. 2 gives K. With no W_max
 * above cwnd_epoch (undefined after HyStart++ or a timeout, §4.10 and
 * §4.8), K = 0 and W_max = cwnd_epoch. §4.3: W_est = cwnd_epoch.
 */
static void cubic_epoch_start(const struct xt_sock *s, struct cubic *c,
			      uint32_t now)
{
	struct cubic_curve *cur = &c->cur;

	cur->valid = true;
	cur->start = now;
	cur->w_est = s->cwnd;
	c->est_frac = 0;
	c->acc = 0;
	if (cur->w_max <= s->cwnd) {
		cur->w_max = s->cwnd;
		cur->k = 0;
	} else {
		cur->k = cubic_k(cur->w_max - s->cwnd, s->mss);
	}
}

/*
 * Eq. 4 in bytes: W_est += alpha_cubic * acked * MSS / cwnd, with alpha
 * 1 once W_est has reached cwnd_prior (§4.3).
 */
static void cubic_est_grow(const struct xt_sock *s, struct cubic *c,
			   uint32_t acked)
{
	uint64_t share = ((uint64_t)acked << 32) / s->cwnd;  /* <= 2^32 */
	uint64_t inc = share * s->mss;			     /* 2^-32 bytes */

	if (c->cur.w_est < c->cur.cwnd_prior)
		inc = inc * CUBIC_ALPHA_NUM / CUBIC_ALPHA_DEN;
	inc += c->est_frac;
	c->est_frac = (uint32_t)inc;
	c->cur.w_est = cubic_add(c->cur.w_est, inc >> 32);
}

/* §4.2: W_cubic(t + RTT), kept within [cwnd, 1.5 cwnd]. */
static uint32_t cubic_target(const struct xt_sock *s, const struct cubic *c,
			     uint32_t t)
{
	uint64_t w = cubic_w(&c->cur, (uint64_t)t + cubic_ticks(c->srtt_us),
			     s->mss);
	uint64_t hi = (uint64_t)s->cwnd * CUBIC_TARGET_NUM / CUBIC_TARGET_DEN;

	if (w < s->cwnd)
		return s->cwnd;
	if (w > hi)
		w = hi;
	return w < UINT32_MAX ? (uint32_t)w : UINT32_MAX;
}

/* §4.4-4.5: cwnd += (target - cwnd) / cwnd per segment acked. */
static void cubic_grow(struct xt_sock *s, struct cubic *c, uint32_t target,
		       uint32_t acked)
{
	uint64_t num = (uint64_t)(target - s->cwnd) * acked + c->acc;

	c->acc = (uint32_t)(num % s->cwnd);
	s->cwnd = cubic_add(s->cwnd, num / s->cwnd);
}

/*
 * A new ACK in congestion avoidance: the larger of W_cubic(t) and W_est
 * (§4.2). In the Reno-friendly region (§4.3) cwnd follows W_est; in the
 * concave (§4.4) and convex (§4.5) regions it grows toward the target.
 */
static void cubic_avoid(struct xt_sock *s, struct cubic *c,
			const struct xt_ack_sample *a)
{
	uint32_t now = cubic_ticks(a->now_us);
	uint32_t acked = cubic_min(a->acked, s->cwnd);	/* one window at most */
	uint32_t t;

	if (!c->cur.valid)
		cubic_epoch_start(s, c, now);
	t = now - c->cur.start;
	cubic_est_grow(s, c, acked);
	if (cubic_w(&c->cur, t, s->mss) < c->cur.w_est) {
		if (s->cwnd < c->cur.w_est)
			s->cwnd = c->cur.w_est;
		return;
	}
	cubic_grow(s, c, cubic_target(s, c, t), acked);
}

/* --- the ops ------------------------------------------------------------ */

static void cubic_init(struct xt_sock *s)
{
	struct cubic *c = cubic_of(s);

	memset(c, 0, sizeof(*c));
	c->hs.cur_min = HYSTART_RTT_INF;
	c->hs.last_min = HYSTART_RTT_INF;
	c->hs.css_baseline = HYSTART_RTT_INF;
	s->cwnd = cubic_iw(s);
	s->ssthresh = CUBIC_SSTHRESH_INIT;
}

static void cubic_on_ack(struct xt_sock *s, const struct xt_ack_sample *a)
{
	struct cubic *c = cubic_of(s);

	c->episode = false;	/* outside recovery: the next loss is new */
	c->last_ack = cubic_ticks(a->now_us);
	cubic_rtt_sample(c, a->rtt_us);
	if (s->ssthresh == CUBIC_SSTHRESH_INIT)
		hystart_on_ack(s, c, a);
	if (!a->acked || !a->cwnd_limited)
		return;		/* §4.2: only a new ACK grows cwnd; §4.6:
				 * and only a window that is used */
	if (s->cwnd < s->ssthresh)
		cubic_slow_start(s, c, a->acked);
	else
		cubic_avoid(s, c, a);
}

/* §4.9.2: keep what an undo restores, once per episode. */
static void cubic_begin_episode(struct cubic *c)
{
	if (c->episode)
		return;
	c->saved = c->cur;
	c->episode = true;
}

/* §4.7 then §4.6: W_max and cwnd_prior from cwnd, then a new ssthresh. */
static void cubic_reduce(struct xt_sock *s, struct cubic *c)
{
	struct cubic_curve *cur = &c->cur;

	if (CUBIC_FAST_CONVERGENCE && s->cwnd < cur->w_max)
		cur->w_max = (uint64_t)s->cwnd * CUBIC_FC_NUM / CUBIC_FC_DEN;
	else
		cur->w_max = s->cwnd;
	cur->cwnd_prior = s->cwnd;
	cur->valid = false;	/* the next avoidance stage is a new epoch */
	s->ssthresh = cubic_ssthresh(s, s->cwnd);
}

/* §4.6: cwnd = ssthresh = max(cwnd * beta_cubic, 2 MSS). */
static void cubic_on_congestion(struct xt_sock *s,
				const struct xt_ack_sample *a)
{
	struct cubic *c = cubic_of(s);

	(void)a;
	cubic_begin_episode(c);
	cubic_reduce(s, c);
	s->cwnd = s->ssthresh;
}

/*
 * §4.8: cwnd to one segment (RFC 5681 §3.1), ssthresh as §4.6, and the
 * next avoidance stage starts with K = 0. A timeout within an episode (a
 * backed-off RTO, or one during fast recovery) is the same congestion
 * event: ssthresh, W_max and cwnd_prior stay those of the episode's start
 * (RFC 5681 §3.1 holds ssthresh for a segment resent by the timer
 * before; Linux keeps it in Recovery and Loss alike), or a second RTO
 * would take ssthresh from the one-segment window the first one left.
 */
static void cubic_on_rto(struct xt_sock *s)
{
	struct cubic *c = cubic_of(s);

	if (!c->episode) {
		cubic_begin_episode(c);
		cubic_reduce(s, c);
	}
	c->cur.w_max = 0;
	c->cur.valid = false;
	s->cwnd = s->mss;
}

/*
 * RFC 5681 §4.1: restart from min(IW, cwnd). §5.8: t must not count the
 * idle time, so the epoch moves on by it (the flow was last busy at the
 * last ACK).
 */
static void cubic_after_idle(struct xt_sock *s)
{
	struct cubic *c = cubic_of(s);
	uint32_t now = cubic_ticks(s->st->now_us);

	if (c->cur.valid)
		c->cur.start += now - c->last_ack;
	c->last_ack = now;
	s->cwnd = cubic_min(s->cwnd, cubic_iw(s));
}

/*
 * §4.9.2: the episode was spurious, and the caller has put cwnd and
 * ssthresh back. Restore W_max, K, t_epoch, W_est and cwnd_prior too,
 * unless cwnd had already grown past cwnd_prior (then the current values
 * are the better ones, and the caller left cwnd as it was).
 */
static void cubic_undo(struct xt_sock *s)
{
	struct cubic *c = cubic_of(s);

	c->episode = false;
	if (s->cwnd > s->prior_cwnd)
		return;
	c->cur = c->saved;
}

const struct xt_cc_ops xt_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_congestion = cubic_on_congestion,
	.on_rto = cubic_on_rto,
	.after_idle = cubic_after_idle,
	.undo = cubic_undo,
};
