// SPDX-License-Identifier: MIT
/*
 * Congestion control behind struct xt_cc_ops (cc.h), driven directly: a
 * bare stack and socket, a hand-moved clock, and ACK samples as
 * recovery.c hands them over. The sender is modelled as tcp_output()
 * would behave: after every ACK it fills the window again (SND.MAX =
 * SND.UNA + cwnd), and a round trip acknowledges the window it began
 * with, evenly over the RTT.
 *
 * CUBIC's windows are checked against RFC 9438's equations worked by hand
 * (the arithmetic is in each test's comment), NewReno's against RFC 5681's
 * rules, HyStart++ against RFC 9406's exit and CSS rules. A segment is
 * 1000 bytes, so "70 segments" is a cwnd of 70000.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include "tcp/tcp.h"

#define MSS		1000u
#define SEGS(n)		((uint32_t)((n) * MSS))
#define ISS		0xFFFFFF00u	/* flight sizes cross the wrap */
#define T0_US		(1000ull * 1000000)	/* the clock is not at zero */
#define MS		1000ull		/* us */
#define SEC		1000000ull	/* us */
#define RTT_LONG	(200 * MS)	/* W_est stays below W_cubic */
#define RTT_SHORT	(1 * MS)	/* W_est wins: Reno-friendly */
#define RTT_BASE	(20 * MS)	/* HyStart++'s unloaded path */
#define IW		SEGS(XT_CC_INITIAL_SEGS)
#define SSTHRESH_INIT	UINT32_MAX

static struct xt_stack *st;
static struct xt_sock *s;

/* --- the harness ---------------------------------------------------------- */

/* The sender keeps the window full. */
static void cc_fill(void)
{
	s->snd_max = s->snd_una + s->cwnd;
	s->snd_nxt = s->snd_max;
}

static void cc_open(const struct xt_cc_ops *ops)
{
	st = calloc(1, sizeof(*st));
	s = calloc(1, sizeof(*s));
	cr_assert(st && s);
	st->now_us = T0_US;
	s->st = st;
	s->mss = MSS;
	s->cc = ops;
	s->snd_una = ISS;
	ops->init(s);
	cc_fill();
}

static void cc_close(void)
{
	free(s);
	free(st);
	s = NULL;
	st = NULL;
}

/*
 * An ACK for 'acked' new bytes, now, carrying an RTT sample (0: none).
 * The sender keeps its window full (cc_fill), so it is cwnd-limited.
 */
static void cc_ack(uint32_t acked, uint32_t rtt_us)
{
	struct xt_ack_sample a = {
		.flags = XT_ACK_ADVANCED,
		.acked = acked,
		.delivered = acked,
		.prior_in_flight = s->snd_max - s->snd_una,
		.rtt_us = rtt_us,
		.now_us = st->now_us,
		.cwnd_limited = true,
	};

	s->snd_una += acked;
	s->cc->on_ack(s, &a);
	cc_fill();
}

/*
 * One round trip: the window it starts with is acked in pieces of 'per'
 * bytes (the last one shorter), spread evenly over rtt_us; each ACK's
 * RTT sample is 'sample_us'.
 */
static void cc_round_by(uint64_t rtt_us, uint32_t per, uint32_t sample_us)
{
	uint64_t start = st->now_us;
	uint32_t left = s->cwnd;
	uint32_t n = (left + per - 1) / per;

	for (uint32_t i = 1; i <= n; i++) {
		uint32_t acked = left < per ? left : per;

		st->now_us = start + rtt_us * i / n;
		cc_ack(acked, sample_us);
		left -= acked;
	}
}

static void cc_rounds(unsigned rounds, uint64_t rtt_us)
{
	while (rounds--)
		cc_round_by(rtt_us, MSS, (uint32_t)rtt_us);
}

/* Loss detected with the window full; recovery.c saves prior_* first. */
static void cc_loss(void)
{
	struct xt_ack_sample a = {
		.flags = XT_ACK_SACKED | XT_ACK_DUP,
		.sacked = MSS,
		.delivered = MSS,
		.prior_in_flight = s->snd_max - s->snd_una,
		.now_us = st->now_us,
	};

	s->prior_cwnd = s->cwnd;
	s->prior_ssthresh = s->ssthresh;
	s->cc->on_congestion(s, &a);
	cc_fill();
}

/* The retransmission timer fired with the window outstanding. */
static void cc_rto(void)
{
	s->prior_cwnd = s->cwnd;
	s->prior_ssthresh = s->ssthresh;
	s->cc->on_rto(s);
}

/* Fixture: CUBIC after a loss at cwnd = w_max segments (W_max undefined
 * before), so cwnd = ssthresh = 0.7 w_max segments (RFC 9438 §4.6). */
static void cubic_after_loss(uint32_t w_max_segs)
{
	cc_open(&xt_cc_cubic);
	s->cwnd = SEGS(w_max_segs);
	s->ssthresh = s->cwnd;
	cc_fill();
	cc_loss();
	cr_assert_eq(s->cwnd, SEGS(w_max_segs) * 7 / 10);
}

static void assert_near(uint32_t got, uint32_t want, const char *what)
{
	uint32_t diff = got > want ? got - want : want - got;

	cr_assert_leq(diff, MSS, "%s: cwnd %u, want %u within one MSS", what,
		      got, want);
}

/* --- CUBIC (RFC 9438) ----------------------------------------------------- */

TestSuite(cubic, .fini = cc_close);

Test(cubic, init_is_iw_and_ssthresh_high)
{
	cc_open(&xt_cc_cubic);
	cr_assert_eq(s->cwnd, IW, "RFC 6928: IW = 10 segments");
	cr_assert_eq(s->ssthresh, SSTHRESH_INIT, "RFC 5681 §3.1");
}

/*
 * §4.6: ssthresh = cwnd * 0.7 (the RFC's allowed alternative to
 * flight_size, as Linux: cubic_on_ack never grows an unused window), not
 * what happened to be in flight; cwnd = ssthresh (no inflation: recovery
 * sends by pipe); both at least 2 MSS.
 */
Test(cubic, loss_sets_ssthresh_from_cwnd)
{
	struct xt_ack_sample a = { .prior_in_flight = SEGS(5) };

	cc_open(&xt_cc_cubic);
	s->cwnd = SEGS(100);
	s->cc->on_congestion(s, &a);
	cr_assert_eq(s->ssthresh, SEGS(70), "cwnd 100 * 0.7, not 5 in flight");
	cr_assert_eq(s->cwnd, SEGS(70));

	s->cwnd = SEGS(2);
	s->cc->on_congestion(s, &a);
	cr_assert_eq(s->ssthresh, SEGS(2), "1.4 segments floored at 2");
	cr_assert_eq(s->cwnd, SEGS(2));
}

/*
 * §4.6's condition for the above, and RFC 7661's spirit: an ACK while the
 * sender was not cwnd-limited (the application or the peer's window held
 * it back) grows nothing, in slow start or in avoidance.
 */
static void no_growth_unless_cwnd_limited(const struct xt_cc_ops *ops)
{
	struct xt_ack_sample a = {
		.flags = XT_ACK_ADVANCED, .acked = SEGS(5),
		.delivered = SEGS(5), .rtt_us = RTT_BASE,
	};

	cc_open(ops);
	a.now_us = st->now_us;
	s->cc->on_ack(s, &a);
	cr_assert_eq(s->cwnd, IW, "%s: slow start grew an unused window",
		     ops->name);
	s->ssthresh = s->cwnd;
	st->now_us += 10 * RTT_BASE;
	a.now_us = st->now_us;
	for (int i = 0; i < 50; i++)
		s->cc->on_ack(s, &a);
	cr_assert_eq(s->cwnd, IW, "%s: avoidance grew an unused window",
		     ops->name);
	a.cwnd_limited = true;
	for (int i = 0; i < 3; i++)	/* more than a window's worth */
		s->cc->on_ack(s, &a);
	cr_assert_gt(s->cwnd, IW, "%s: a used window grows", ops->name);
}

Test(cubic, no_growth_unless_cwnd_limited)
{
	no_growth_unless_cwnd_limited(&xt_cc_cubic);
}

Test(newreno, no_growth_unless_cwnd_limited)
{
	no_growth_unless_cwnd_limited(&xt_cc_newreno);
}

/*
 * A timeout inside an episode (fast recovery, or a backed-off RTO) keeps
 * the episode's ssthresh: the window PRR left (here 3 segments) is no
 * measure of the path.
 */
Test(cubic, rto_in_recovery_keeps_the_episodes_ssthresh)
{
	cc_open(&xt_cc_cubic);
	s->cwnd = SEGS(100);
	cc_fill();
	cc_loss();
	cr_assert_eq(s->ssthresh, SEGS(70));
	s->cwnd = SEGS(3);		/* PRR's doing, then silence */
	s->cc->on_rto(s);
	cr_assert_eq(s->cwnd, MSS);
	cr_assert_eq(s->ssthresh, SEGS(70), "not 0.7 of PRR's 3 segments");
}

/*
 * The concave and convex regions, eq. 1 and eq. 2. W_max = 100 segments;
 * the loss leaves cwnd_epoch = 70.
 *   K = cbrt((W_max - cwnd_epoch) / C) = cbrt(30 / 0.4) = cbrt(75)
 *     = 4.217 s
 *   W_cubic(t) = 0.4 (t - 4.217)^3 + 100:
 *   t = 1 s:   0.4 * (-3.217)^3 + 100 = 0.4 * -33.30 + 100 =  86.68
 *   t = 2 s:   0.4 * (-2.217)^3 + 100 = 0.4 * -10.90 + 100 =  95.64
 *   t = 4.2 s: 0.4 * (-0.017)^3 + 100                     = 100.00
 *   t = 6 s:   0.4 * ( 1.783)^3 + 100 = 0.4 *   5.67 + 100 = 102.27
 * Each ACK moves cwnd (target - cwnd) / cwnd toward W_cubic(t + RTT), so
 * a round later cwnd is W_cubic(t) to within a segment. RTT = 200 ms keeps
 * W_est (70 + 0.53 a round: 85.9 at 6 s) below: CUBIC's own region.
 */
Test(cubic, window_follows_the_cubic_function)
{
	cubic_after_loss(100);
	cc_rounds(5, RTT_LONG);		/* t = 1 s */
	assert_near(s->cwnd, 86680, "t = 1 s, concave");
	cc_rounds(5, RTT_LONG);		/* t = 2 s */
	assert_near(s->cwnd, 95640, "t = 2 s, concave");
	cc_rounds(11, RTT_LONG);	/* t = 4.2 s */
	assert_near(s->cwnd, 100000, "t = K, the plateau at W_max");
	cc_rounds(9, RTT_LONG);		/* t = 6 s */
	assert_near(s->cwnd, 102270, "t = 6 s, convex");
}

/*
 * §4.2: the target is at most 1.5 cwnd. With a 30 s RTT, W_cubic(t + RTT)
 * is about 0.4 * (30 - 4.2)^3 + 100 = 6970 segments; one round from
 * cwnd = 70 can still only add half the window (at most 105).
 */
Test(cubic, target_is_clamped_to_one_and_a_half_cwnd)
{
	cubic_after_loss(100);
	cc_rounds(1, 30 * SEC);
	cr_assert_leq(s->cwnd, SEGS(70) * 3 / 2, "cwnd %u", s->cwnd);
	cr_assert_geq(s->cwnd, SEGS(70) * 5 / 4, "cwnd %u", s->cwnd);
}

/*
 * §4.3, the Reno-friendly region on a 1 ms path. W_max = 100, cwnd = 70.
 * alpha_cubic = 3 (1 - 0.7) / (1 + 0.7) = 0.9 / 1.7 = 0.529 a round.
 *   20 rounds (20 ms): W_est = 70 + 20 * 0.529 = 80.59 segments;
 *     W_cubic(0.02) = 0.4 * (0.02 - 4.217)^3 + 100 = 70.43: W_est wins.
 *   W_est reaches cwnd_prior = 100 after 30 / 0.529 = 56.67 rounds;
 *   alpha is 1 from then: at 100 rounds, W_est = 100 + 43.33 = 143.33
 *     (alpha kept at 0.529 would give 70 + 52.9 = 122.9).
 */
Test(cubic, reno_friendly_region_on_a_short_rtt)
{
	cubic_after_loss(100);
	cc_rounds(20, RTT_SHORT);
	assert_near(s->cwnd, 80590, "20 rounds at alpha_cubic");
	cc_rounds(80, RTT_SHORT);
	assert_near(s->cwnd, 143330, "alpha = 1 past cwnd_prior");
}

/*
 * §4.7: a loss below W_max lowers W_max to cwnd (1 + beta) / 2. First
 * loss at 100 segments; the next at cwnd = 90, with 90 in flight:
 *   W_max = 90 * 1.7 / 2 = 76.5, cwnd = ssthresh = 90 * 0.7 = 63,
 *   K = cbrt((76.5 - 63) / 0.4) = cbrt(33.75) = 3.232 s,
 *   at t = 3.2 s: W_cubic = 0.4 * (-0.032)^3 + 76.5 = 76.50.
 * Without fast convergence W_max = 90, K = cbrt(27 / 0.4) = 4.072 s and
 * W_cubic(3.2) = 0.4 * (-0.872)^3 + 90 = 89.73.
 */
Test(cubic, fast_convergence_lowers_w_max)
{
	cubic_after_loss(100);
	cc_rounds(1, RTT_LONG);		/* recovery over: a new event next */
	s->cwnd = SEGS(90);
	cc_fill();
	cc_loss();
	cr_assert_eq(s->cwnd, SEGS(63));
	cr_assert_eq(s->ssthresh, SEGS(63));
	cc_rounds(16, RTT_LONG);	/* t = 3.2 s */
	assert_near(s->cwnd, 76500, "plateau at the lowered W_max");
}

/*
 * §4.8: a timeout sets cwnd to 1 MSS and ssthresh as §4.6 (100 segments
 * outstanding: 70), and the first avoidance stage after it has K = 0 and
 * W_max = cwnd_epoch = 70 (not the old W_max of 100):
 *   W_cubic(t) = 0.4 t^3 + 70;  W_est = 70 + 0.529 a round
 *   (cwnd_prior = 100). With RTT = 200 ms:
 *   t = 1 s: W_cubic = 70.4, W_est = 70 + 5 * 0.529 = 72.65: W_est wins;
 *   t = 3 s: W_cubic = 70 + 0.4 * 27 = 80.8, W_est = 77.9: W_cubic wins.
 * From K = 4.217 s (the old W_max) it would have been 86.68 at 1 s.
 * Slow start after a timeout is RFC 5681's: one segment per ACK.
 */
Test(cubic, rto_restarts_from_one_segment_with_k_zero)
{
	cc_open(&xt_cc_cubic);
	s->cwnd = SEGS(100);
	cc_fill();
	cc_rto();
	cr_assert_eq(s->cwnd, MSS, "RFC 5681 §3.1: LW = 1 SMSS");
	cr_assert_eq(s->ssthresh, SEGS(70), "100 outstanding * 0.7");
	cc_rto();		/* backed off: the same event */
	cr_assert_eq(s->cwnd, MSS);
	cr_assert_eq(s->ssthresh, SEGS(70));

	cc_ack(2 * MSS, RTT_LONG);	/* the retransmission and one more */
	cr_assert_eq(s->cwnd, 2 * MSS, "min(N, SMSS) per ACK");
	while (s->cwnd < s->ssthresh) {
		st->now_us += RTT_LONG / 10;
		cc_ack(MSS, RTT_LONG);
	}
	cr_assert_eq(s->cwnd, SEGS(70), "slow start ends at ssthresh");
	cc_rounds(5, RTT_LONG);
	assert_near(s->cwnd, 72650, "t = 1 s: W_est");
	cc_rounds(10, RTT_LONG);
	assert_near(s->cwnd, 80800, "t = 3 s: W_cubic with K = 0");
}

/*
 * §4.9.2: after a spurious loss, the caller restores cwnd and ssthresh
 * and undo restores W_max, K, t_epoch and W_est: the window carries on
 * along the first curve (W_max = 100, K = 4.217 s), which gives 102.27
 * at t = 6 s. Without the undo the epoch would restart at 2.2 s from
 * cwnd = 95.6 with K = 0: 95.6 + 0.4 * 3.8^3 = 117.6 at t = 6 s.
 */
Test(cubic, undo_restores_the_curve)
{
	cubic_after_loss(100);
	cc_rounds(10, RTT_LONG);	/* t = 2 s, cwnd 95.64 */
	cc_loss();			/* spurious */
	cr_assert_lt(s->cwnd, s->prior_cwnd);
	st->now_us += RTT_LONG;		/* recovery: no on_ack */
	s->cwnd = s->prior_cwnd;
	s->ssthresh = s->prior_ssthresh;
	s->cc->undo(s);
	cc_fill();
	cc_rounds(19, RTT_LONG);	/* t = 6 s */
	assert_near(s->cwnd, 102270, "back on the first curve");
}

/*
 * A timeout during fast recovery belongs to the same episode: undo then
 * restores the curve from before the loss, as in the test above.
 */
Test(cubic, undo_after_rto_in_recovery_restores_the_curve)
{
	cubic_after_loss(100);
	cc_rounds(10, RTT_LONG);
	cc_loss();			/* recovery.c saves prior_* here */
	s->cc->on_rto(s);		/* in fast recovery: the same episode */
	cr_assert_eq(s->cwnd, MSS);
	st->now_us += RTT_LONG;
	s->cwnd = s->prior_cwnd;
	s->ssthresh = s->prior_ssthresh;
	s->cc->undo(s);
	cc_fill();
	cc_rounds(19, RTT_LONG);
	assert_near(s->cwnd, 102270, "back on the first curve");
}

/* RFC 5681 §4.1: after an idle RTO, restart from min(IW, cwnd). */
Test(cubic, after_idle_restarts_from_the_initial_window)
{
	cubic_after_loss(100);
	cc_rounds(2, RTT_LONG);
	st->now_us += 10 * SEC;
	s->cc->after_idle(s);
	cr_assert_eq(s->cwnd, IW);
	cc_rounds(1, RTT_LONG);
	cr_assert_eq(s->cwnd, 2 * IW, "slow start again, below ssthresh 70");
}

/*
 * §5.8: t does not count an idle period. The restart window leaves a
 * cwnd at or below IW alone, so take W_max = 10 segments, cwnd = 7, and
 * RTT = 1 s (W_est grows slowly): K = cbrt(3 / 0.4) = 1.957 s.
 *   t = 1 s: W_cubic = 0.4 * (-0.957)^3 + 10 = 9.65 (W_est: 7.53);
 *   then 10 s idle, and two more rounds:
 *   t = 3 s: W_cubic = 0.4 * 1.043^3 + 10 = 10.45 (W_est: 8.59).
 * Counting the idle time, t would be 13 s and W_cubic 10 + 0.4 * 11^3:
 * cwnd would grow by half a window per round. The idle flow must end
 * where one that never paused does.
 */
static uint32_t cubic_idle_run(uint64_t idle_us)
{
	uint32_t cwnd;

	cubic_after_loss(10);
	cc_rounds(1, 1 * SEC);		/* t = 1 s */
	if (idle_us) {
		st->now_us += idle_us;
		s->cc->after_idle(s);
	}
	cc_rounds(2, 1 * SEC);
	cwnd = s->cwnd;
	cc_close();
	return cwnd;
}

Test(cubic, idle_time_does_not_count_in_t)
{
	uint32_t busy = cubic_idle_run(0);
	uint32_t idle = cubic_idle_run(10 * SEC);

	assert_near(busy, 10450, "t = 3 s, never idle");
	assert_near(idle, 10450, "t = 3 s, after 10 s idle");
	assert_near(idle, busy, "idle and busy flows alike");
}

/* §4.2: only a new ACK grows cwnd; SACK-only deliveries do not. */
Test(cubic, sack_only_ack_does_not_grow)
{
	struct xt_ack_sample a = { .flags = XT_ACK_SACKED, .sacked = MSS,
				   .delivered = MSS, .rtt_us = RTT_BASE };

	cubic_after_loss(100);
	a.now_us = st->now_us;
	s->cc->on_ack(s, &a);
	cr_assert_eq(s->cwnd, SEGS(70));
}

/* --- HyStart++ (RFC 9406), CUBIC's first slow start ----------------------- */

TestSuite(hystart, .fini = cc_close);

/*
 * §4.2: in slow start cwnd += min(N, L * SMSS), L = 8 unpaced: the window
 * doubles each round even with delayed ACKs of two segments.
 */
Test(hystart, slow_start_doubles_per_round)
{
	cc_open(&xt_cc_cubic);
	cc_rounds(3, RTT_BASE);
	cr_assert_eq(s->cwnd, SEGS(80), "10 -> 20 -> 40 -> 80");
	cc_round_by(RTT_BASE, 2 * MSS, RTT_BASE);
	cr_assert_eq(s->cwnd, SEGS(160), "delayed ACKs: N = 2 SMSS each");
	cr_assert_eq(s->ssthresh, SSTHRESH_INIT);
}

/* ACK one segment; returns how much cwnd grew. */
static uint32_t hystart_ack(uint32_t rtt_us)
{
	uint32_t before = s->cwnd;

	st->now_us += rtt_us / 10;
	cc_ack(MSS, rtt_us);
	return s->cwnd - before;
}

/* ACKs at rtt_us until growth drops to a quarter; how many it took. */
static unsigned hystart_acks_until_css(uint32_t rtt_us, unsigned limit)
{
	for (unsigned i = 1; i <= limit; i++)
		if (hystart_ack(rtt_us) == MSS / 4)
			return i;
	return 0;
}

/*
 * §4.2: after 3 rounds at 20 ms, the RTT rises to 25 ms. RttThresh =
 * max(4 ms, min(20 / 8 = 2.5 ms, 16 ms)) = 4 ms, and 25 >= 20 + 4: once
 * a round has 8 samples all at 25 ms, slow start gives way to CSS, where
 * an ACK of one segment adds SMSS / CSS_GROWTH_DIVISOR = 250 bytes. The
 * round under way when the rise began still holds 20 ms samples, so it
 * takes at most two rounds (cwnd 80 + 160 segments of ACKs).
 */
Test(hystart, delay_rise_enters_css)
{
	unsigned n;

	cc_open(&xt_cc_cubic);
	cc_rounds(3, RTT_BASE);
	n = hystart_acks_until_css(25 * MS, SEGS(240) / MSS);
	cr_assert_neq(n, 0, "no CSS after two rounds at +5 ms");
	cr_assert_eq(s->ssthresh, SSTHRESH_INIT, "CSS is still slow start");
	cr_assert_eq(hystart_ack(25 * MS), MSS / 4);
}

/* A rise of 3 ms is below MIN_RTT_THRESH (4 ms): slow start goes on. */
Test(hystart, small_delay_rise_stays_in_slow_start)
{
	cc_open(&xt_cc_cubic);
	cc_rounds(3, RTT_BASE);
	cr_assert_eq(hystart_acks_until_css(23 * MS, SEGS(600) / MSS), 0);
	cr_assert_eq(s->ssthresh, SSTHRESH_INIT);
}

/*
 * §4.2: CSS lasts CSS_ROUNDS = 5 rounds, the partial first one included;
 * then ssthresh = cwnd and congestion avoidance begins. At a quarter of
 * slow start's growth a round multiplies cwnd by 1.25, so five of them
 * take fewer than 5 * 1.25^5 = 15.3 windows of the entry cwnd.
 */
Test(hystart, css_rounds_end_slow_start)
{
	uint32_t entry;
	unsigned acks = 0;

	cc_open(&xt_cc_cubic);
	cc_rounds(3, RTT_BASE);
	cr_assert_neq(hystart_acks_until_css(25 * MS, 240), 0);
	entry = s->cwnd / MSS;
	while (s->ssthresh == SSTHRESH_INIT && acks < 16 * entry) {
		uint32_t grew = hystart_ack(25 * MS);

		acks++;
		if (s->ssthresh == SSTHRESH_INIT)
			cr_assert_eq(grew, MSS / 4, "CSS ACK %u", acks);
	}
	cr_assert_neq(s->ssthresh, SSTHRESH_INIT, "CSS never ended");
	cr_assert_geq(acks, 4 * entry, "CSS ended after %u ACKs", acks);
	cr_assert_leq(s->ssthresh, s->cwnd);
	cr_assert_geq(s->ssthresh + MSS, s->cwnd);
	cr_assert_lt(hystart_ack(25 * MS), MSS / 4, "avoidance grows slower");
}

/* §4.2: in CSS, a round's min RTT back below the baseline resumes slow
 * start (the exit was spurious). */
Test(hystart, rtt_back_below_baseline_resumes_slow_start)
{
	unsigned i;

	cc_open(&xt_cc_cubic);
	cc_rounds(3, RTT_BASE);
	cr_assert_neq(hystart_acks_until_css(25 * MS, 240), 0);
	for (i = 0; i < 240 && hystart_ack(RTT_BASE) != MSS; i++)
		;
	cr_assert_lt(i, 240, "still in CSS");
	cr_assert_eq(hystart_ack(RTT_BASE), MSS, "slow start again");
	cr_assert_eq(s->ssthresh, SSTHRESH_INIT);
}

/* RFC 9406 §4.2: HyStart++ is for the first slow start only. */
Test(hystart, not_after_a_timeout)
{
	cc_open(&xt_cc_cubic);
	cc_rounds(3, RTT_BASE);
	cc_rto();
	cr_assert_eq(s->ssthresh, SEGS(56), "80 outstanding * 0.7");
	cc_rounds(3, RTT_BASE);
	cc_rounds(1, 50 * MS);
	cr_assert_eq(s->cwnd, SEGS(16), "1 -> 2 -> 4 -> 8 -> 16, no CSS");
}

/* --- NewReno (RFC 5681, RFC 6582) ----------------------------------------- */

TestSuite(newreno, .fini = cc_close);

Test(newreno, init_is_iw_and_ssthresh_high)
{
	cc_open(&xt_cc_newreno);
	cr_assert_eq(s->cwnd, IW, "RFC 6928: IW = 10 segments");
	cr_assert_eq(s->ssthresh, SSTHRESH_INIT, "RFC 5681 §3.1");
}

/* RFC 5681 eq. 2: one SMSS per ACK of a full segment doubles a round. */
Test(newreno, slow_start_doubles_per_rtt)
{
	cc_open(&xt_cc_newreno);
	cc_rounds(1, RTT_BASE);
	cr_assert_eq(s->cwnd, SEGS(20));
	cc_rounds(2, RTT_BASE);
	cr_assert_eq(s->cwnd, SEGS(80));
}

/* Eq. 2 counts min(N, SMSS): an ACK of two segments adds one. */
Test(newreno, slow_start_counts_at_most_one_smss_per_ack)
{
	cc_open(&xt_cc_newreno);
	cc_round_by(RTT_BASE, 2 * MSS, RTT_BASE);
	cr_assert_eq(s->cwnd, SEGS(15), "5 ACKs of 2 segments: +5");
	cc_round_by(RTT_BASE, MSS / 2, RTT_BASE);
	cr_assert_eq(s->cwnd, SEGS(15) + SEGS(15), "30 ACKs of half: +15");
}

/*
 * Eq. 3 by byte counting: cwnd = ssthresh = 20 segments grows by one SMSS
 * per round, whether each ACK covers one segment or two.
 */
Test(newreno, avoidance_adds_one_smss_per_rtt)
{
	cc_open(&xt_cc_newreno);
	s->cwnd = SEGS(20);
	s->ssthresh = SEGS(20);
	cc_fill();
	cc_rounds(5, RTT_BASE);
	cr_assert_eq(s->cwnd, SEGS(25));
	for (int i = 0; i < 5; i++)
		cc_round_by(RTT_BASE, 2 * MSS, RTT_BASE);
	cr_assert_eq(s->cwnd, SEGS(30), "delayed ACKs grow it as fast");
}

/*
 * Eq. 4 (RFC 6582 §3.2 step 2): ssthresh = max(FlightSize / 2, 2 SMSS)
 * from what was in flight, not cwnd; cwnd = ssthresh, not inflated by
 * 3 SMSS (recovery.c sends by pipe, RFC 6675).
 */
Test(newreno, loss_halves_the_flight)
{
	struct xt_ack_sample a = { .prior_in_flight = SEGS(30) };

	cc_open(&xt_cc_newreno);
	s->cwnd = SEGS(40);
	s->cc->on_congestion(s, &a);
	cr_assert_eq(s->ssthresh, SEGS(15), "30 in flight / 2");
	cr_assert_eq(s->cwnd, SEGS(15));

	a.prior_in_flight = SEGS(3);
	s->cc->on_congestion(s, &a);
	cr_assert_eq(s->ssthresh, SEGS(2), "1.5 segments floored at 2");
	cr_assert_eq(s->cwnd, SEGS(2));
}

/*
 * §3.1: on a timeout, ssthresh from eq. 4 over SND.MAX - SND.UNA (40
 * segments, across the sequence wrap) and cwnd = LW = 1 SMSS; slow start
 * from there.
 */
Test(newreno, rto_restarts_from_one_segment)
{
	cc_open(&xt_cc_newreno);
	s->cwnd = SEGS(40);
	cc_fill();
	cr_assert_lt(s->snd_max, s->snd_una, "the flight wraps");
	cc_rto();
	cr_assert_eq(s->ssthresh, SEGS(20));
	cr_assert_eq(s->cwnd, MSS);
	cc_rounds(2, RTT_BASE);
	cr_assert_eq(s->cwnd, SEGS(4), "1 -> 2 -> 4");
}

/* §4.1: RW = min(IW, cwnd). */
Test(newreno, after_idle_restart_window)
{
	cc_open(&xt_cc_newreno);
	s->cwnd = SEGS(30);
	s->cc->after_idle(s);
	cr_assert_eq(s->cwnd, IW);
	s->cwnd = SEGS(4);
	s->cc->after_idle(s);
	cr_assert_eq(s->cwnd, SEGS(4), "below IW: kept");
}

/* Only new cumulative ACKs grow the window. */
Test(newreno, sack_only_ack_does_not_grow)
{
	struct xt_ack_sample a = { .flags = XT_ACK_SACKED, .sacked = MSS,
				   .delivered = MSS };

	cc_open(&xt_cc_newreno);
	s->cc->on_ack(s, &a);
	cr_assert_eq(s->cwnd, IW);
}

/* --- by name ------------------------------------------------------------- */

Test(cc_ops, find_by_name)
{
	cr_assert_eq(xt_cc_find("cubic"), &xt_cc_cubic);
	cr_assert_eq(xt_cc_find("newreno"), &xt_cc_newreno);
	cr_assert_null(xt_cc_find("reno"));
	cr_assert_null(xt_cc_find(""));
	cr_assert_null(xt_cc_find(NULL));
}

/* Every op is there; undo is the only optional one (cc.h). */
Test(cc_ops, every_op_is_set)
{
	const struct xt_cc_ops *all[] = { &xt_cc_cubic, &xt_cc_newreno };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		cr_assert_not_null(all[i]->init, "%s", all[i]->name);
		cr_assert_not_null(all[i]->on_ack, "%s", all[i]->name);
		cr_assert_not_null(all[i]->on_congestion, "%s", all[i]->name);
		cr_assert_not_null(all[i]->on_rto, "%s", all[i]->name);
		cr_assert_not_null(all[i]->after_idle, "%s", all[i]->name);
	}
	cr_assert_not_null(xt_cc_cubic.undo, "CUBIC undoes (§4.9.2)");
}
