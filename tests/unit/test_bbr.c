// SPDX-License-Identifier: MIT
/*
 * BBR (user/tcp/cc_bbr.c) driven through its ops, as recovery.c calls
 * it: every ACK goes to cong_control with a delivery rate sample (rate.c's
 * fields of struct xt_ack_sample). The path is modelled: a bottleneck of
 * PATH_BW bytes per second and a round trip of PATH_RTT; a round delivers
 * what the window allows, at most a BDP, and every sample reads the rate
 * the path gave. A segment is 1000 bytes.
 *
 *   BDP = 12,500,000 B/s * 10 ms = 125,000 bytes = 125 segments
 *   ProbeBW's cwnd = 2 BDP + 3 segments (quantization) = 253 segments
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include "tcp/tcp.h"

#define MSS		1000u
#define SEGS(n)		((uint32_t)((n) * MSS))
#define PATH_BW		12500000ull	/* bytes per second: 100 Mbit/s */
#define PATH_RTT	10000u		/* us */
#define BDP		SEGS(125)
#define PROBE_BW_CWND	(2 * BDP + SEGS(3))

static struct xt_stack *st;
static struct xt_sock *s;

static void bbr_open(void)
{
	st = calloc(1, sizeof(*st));
	s = calloc(1, sizeof(*s));
	cr_assert(st && s);
	st->now_us = 1000ull * 1000000;
	s->st = st;
	s->mss = MSS;
	s->cc = &xt_cc_bbr;
	s->cc->init(s);
	s->snd_max = s->snd_una + s->cwnd;
}

static void bbr_close(void)
{
	free(s);
	free(st);
}

TestSuite(bbr, .init = bbr_open, .fini = bbr_close);

/* One ACK of 'acked' bytes; the sample reads the path's rate 'bw'. */
static void bbr_ack(uint32_t acked, uint64_t bw)
{
	struct xt_ack_sample a = {
		.flags = XT_ACK_ADVANCED, .acked = acked, .delivered = acked,
		.rtt_us = PATH_RTT, .now_us = st->now_us, .rs_valid = true,
		.rs_interval_us = PATH_RTT,
	};

	s->delivered += acked;
	a.rs_delivered = (uint32_t)(bw * PATH_RTT / 1000000);
	a.rs_prior_delivered = s->delivered - a.rs_delivered;
	s->snd_una += acked;
	s->cc->cong_control(s, &a);
	s->snd_max = s->snd_una + s->cwnd;	/* the sender fills the window */
}

/* A round trip: the window, or the path's BDP if less, acked by MSS. */
static void bbr_round(uint64_t bw)
{
	uint64_t bdp = bw * PATH_RTT / 1000000;
	uint32_t left = s->cwnd < bdp ? s->cwnd : (uint32_t)bdp;
	uint64_t rate = (uint64_t)left * 1000000 / PATH_RTT;

	for (; left; left -= left < MSS ? left : MSS) {
		st->now_us += PATH_RTT * MSS / (s->cwnd ? s->cwnd : 1);
		bbr_ack(left < MSS ? left : MSS, rate < bw ? rate : bw);
	}
	st->now_us += PATH_RTT / 10;
}

static void assert_near(uint32_t got, uint32_t want, const char *what)
{
	uint32_t d = got > want ? got - want : want - got;

	cr_assert_leq(d, SEGS(2), "%s: cwnd %u, want %u", what, got, want);
}

/*
 * Startup doubles the window each round until the rate stops growing for
 * three rounds; Drain and ProbeBW then hold 2 BDP (plus quantization).
 */
Test(bbr, startup_fills_the_pipe_then_holds_two_bdp)
{
	for (int i = 0; i < 20; i++)
		bbr_round(PATH_BW);
	assert_near(s->cwnd, PROBE_BW_CWND, "after startup");
	for (int i = 0; i < 20; i++)
		bbr_round(PATH_BW);
	assert_near(s->cwnd, PROBE_BW_CWND, "steady");
}

/*
 * A random loss: fast recovery conserves packets for a round, and the
 * window of before comes back when it ends; CUBIC would leave 0.7 of it.
 */
Test(bbr, a_random_loss_does_not_cut_the_window)
{
	uint32_t before;

	for (int i = 0; i < 30; i++)
		bbr_round(PATH_BW);
	before = s->cwnd;
	s->rec.state = XT_REC_RECOVERY;
	s->cc->on_congestion(s, &(struct xt_ack_sample){ 0 });
	bbr_ack(MSS, PATH_BW);
	cr_assert_leq(s->cwnd, before, "recovery grew the window");
	s->rec.state = XT_REC_OPEN;
	bbr_ack(MSS, PATH_BW);
	cr_assert_geq(s->cwnd, before, "the window was not restored");
}

/* A timeout: one segment, growth by what is delivered, then restored. */
Test(bbr, a_timeout_restarts_from_one_segment_and_restores)
{
	uint32_t before;

	for (int i = 0; i < 30; i++)
		bbr_round(PATH_BW);
	before = s->cwnd;
	s->rec.state = XT_REC_LOSS;
	s->cc->on_rto(s);
	cr_assert_eq(s->cwnd, MSS);
	bbr_ack(MSS, PATH_BW);
	cr_assert_eq(s->cwnd, SEGS(4), "the floor is 4 segments");
	s->rec.state = XT_REC_OPEN;
	bbr_ack(MSS, PATH_BW);
	cr_assert_geq(s->cwnd, before, "not restored after LOSS");
}

/*
 * The bandwidth filter keeps the best of ten rounds: when the path halves,
 * the window follows within ten rounds and a few more.
 */
Test(bbr, the_window_follows_a_slower_path)
{
	for (int i = 0; i < 30; i++)
		bbr_round(PATH_BW);
	for (int i = 0; i < 5; i++)
		bbr_round(PATH_BW / 2);
	assert_near(s->cwnd, PROBE_BW_CWND, "within the filter's window");
	for (int i = 0; i < 20; i++)
		bbr_round(PATH_BW / 2);
	assert_near(s->cwnd, BDP + SEGS(3), "2 BDP of the slower path");
}

/* An application-limited sample below the best does not lower it. */
Test(bbr, application_limited_samples_do_not_lower_the_estimate)
{
	struct xt_ack_sample a = {
		.flags = XT_ACK_ADVANCED, .acked = MSS, .delivered = MSS,
		.rtt_us = PATH_RTT, .rs_valid = true,
		.rs_interval_us = PATH_RTT, .rs_app_limited = true,
	};

	for (int i = 0; i < 30; i++)
		bbr_round(PATH_BW);
	for (int i = 0; i < 500; i++) {	/* 5 s of a trickle, in 500 rounds */
		st->now_us += PATH_RTT;
		s->delivered += MSS;
		a.now_us = st->now_us;
		a.rs_delivered = MSS;
		a.rs_prior_delivered = s->delivered - MSS;
		s->snd_una += MSS;
		s->cc->cong_control(s, &a);
	}
	assert_near(s->cwnd, PROBE_BW_CWND, "a trickle lowered the model");
}
