// SPDX-License-Identifier: MIT
/*
 * When a worker spins and when it sleeps (user/xtcpd/spin.c), on a fake
 * clock in microseconds: spinning for the window after work, sleeping
 * after it, and backing off when a spin turn lost the CPU to whoever
 * brought the work.
 */
#include <criterion/criterion.h>
#include "xtcpd/spin.h"

#define WINDOW	50u

/* What the worker would say: whether a thread preempted it. */
static bool preempted_answer = true;
static unsigned preempted_asked;

static bool preempted(void *ctx)
{
	(void)ctx;
	preempted_asked++;
	return preempted_answer;
}

/* Idle turns of 1 us from 'from' while the worker spins; the last turn's start. */
static uint64_t spin_until(struct xt_spin *sp, uint64_t from, uint64_t until)
{
	uint64_t t = from;

	for (; t < until; t++)
		cr_assert(xt_spin_again(sp, t), "spinning at %lu us", (unsigned long)t);
	return t;
}

/* Work from 0 to 10 us, then a spin of idle turns up to 'until'. */
static uint64_t spin_after_work(struct xt_spin *sp, uint64_t until)
{
	xt_spin_init(sp, WINDOW);
	xt_spin_work(sp, 0, 10, preempted, NULL);
	return spin_until(sp, 10, until);
}

Test(spin, spins_for_the_window_after_work_then_sleeps)
{
	struct xt_spin sp;

	xt_spin_init(&sp, WINDOW);
	xt_spin_work(&sp, 100, 120, preempted, NULL);
	spin_until(&sp, 120, 120 + WINDOW);
	cr_assert_not(xt_spin_again(&sp, 120 + WINDOW), "the window is over");
	cr_assert_eq(sp.yields, 0);
}

Test(spin, no_window_no_spinning)
{
	struct xt_spin sp;

	xt_spin_init(&sp, 0);
	xt_spin_work(&sp, 100, 120, preempted, NULL);
	cr_assert_not(xt_spin_again(&sp, 120));
}

Test(spin, work_found_by_an_unbroken_spin_keeps_it_spinning)
{
	struct xt_spin sp;
	uint64_t t;

	t = spin_after_work(&sp, 30);
	/* The next turn begins right after the last idle one: found work. */
	xt_spin_work(&sp, t, t + 10, preempted, NULL);
	cr_assert_eq(sp.yields, 0);
	cr_assert(xt_spin_again(&sp, t + 10), "no backoff");
}

/* Work found after a spin whose last turn, begun at 'at', lost the CPU for 'us'. */
static uint64_t stolen_spin(struct xt_spin *sp, uint64_t at, uint64_t us)
{
	cr_assert(xt_spin_again(sp, at), "spinning at %lu us", (unsigned long)at);
	xt_spin_work(sp, at + us, at + us + 1, preempted, NULL);
	return at + us + 1;
}

/* Idle periods, each ended by work after a sleep: how many slept at once. */
static unsigned sleeps_before_spinning(struct xt_spin *sp, uint64_t *t)
{
	unsigned n = 0;

	while (!xt_spin_again(sp, *t)) {
		cr_assert_leq(++n, XT_SPIN_BACKOFF_MAX, "never spins again");
		xt_spin_work(sp, *t + 10, *t + 11, preempted, NULL);
		*t += 11;
	}
	return n;
}

Test(spin, a_stolen_spin_turn_followed_by_work_backs_off)
{
	struct xt_spin sp;
	uint64_t t;

	t = spin_after_work(&sp, 20);
	t = stolen_spin(&sp, t, 20);
	cr_assert_eq(sp.yields, 1);
	cr_assert_eq(sleeps_before_spinning(&sp, &t), XT_SPIN_BACKOFF_MIN);
	cr_assert_eq(sp.yields, 1, "work after a sleep is no sign of a stolen CPU");
}

Test(spin, stolen_again_and_again_the_backoff_doubles_to_its_most)
{
	struct xt_spin sp;
	uint64_t t = 10;
	unsigned want = XT_SPIN_BACKOFF_MIN;

	xt_spin_init(&sp, WINDOW);
	xt_spin_work(&sp, 0, t, preempted, NULL);
	for (int i = 0; i < 8; i++) {
		t = stolen_spin(&sp, t, 20);
		cr_assert_eq(sleeps_before_spinning(&sp, &t), want, "round %d", i);
		if (want < XT_SPIN_BACKOFF_MAX)
			want *= 2;
	}
	cr_assert_eq(want, XT_SPIN_BACKOFF_MAX);
	/* A spin that finds work unbroken: the next theft costs the least. */
	xt_spin_work(&sp, t + 1, t + 2, preempted, NULL);
	t += 2;
	t = stolen_spin(&sp, t, 20);
	cr_assert_eq(sleeps_before_spinning(&sp, &t), XT_SPIN_BACKOFF_MIN);
}

Test(spin, a_long_turn_without_work_after_it_is_no_sign)
{
	struct xt_spin sp;
	uint64_t t;

	t = spin_after_work(&sp, 20);
	/* A tick took 8 us of the turn at t - 1; nothing came with it. */
	cr_assert(xt_spin_again(&sp, t - 1 + 8));
	xt_spin_work(&sp, t + 8, t + 9, preempted, NULL);
	cr_assert_eq(sp.yields, 0);
}

Test(spin, a_stretch_at_the_threshold_is_no_sign)
{
	struct xt_spin sp;

	xt_spin_init(&sp, WINDOW);
	xt_spin_work(&sp, 0, 10, preempted, NULL);
	cr_assert(xt_spin_again(&sp, 10));
	xt_spin_work(&sp, 10 + XT_SPIN_STOLEN_US, 20, preempted, NULL);
	cr_assert_eq(sp.yields, 0);
	cr_assert(xt_spin_again(&sp, 20));
	xt_spin_work(&sp, 20 + XT_SPIN_STOLEN_US + 1, 30, preempted, NULL);
	cr_assert_eq(sp.yields, 1);
}

Test(spin, a_stretch_by_an_interrupt_is_no_sign)
{
	struct xt_spin sp;
	uint64_t t;

	preempted_answer = false;	/* no thread ran: an interrupt, a softirq */
	t = spin_after_work(&sp, 20);
	xt_spin_work(&sp, t + 20, t + 21, preempted, NULL);
	cr_assert_eq(preempted_asked, 1);
	cr_assert_eq(sp.yields, 0);
	cr_assert(xt_spin_again(&sp, t + 21), "no backoff");
}

Test(spin, only_a_stretch_asks_whether_a_thread_ran)
{
	struct xt_spin sp;
	uint64_t t;

	t = spin_after_work(&sp, 20);
	xt_spin_work(&sp, t, t + 1, preempted, NULL);
	cr_assert_not(xt_spin_again(&sp, t + 100), "the window is over");
	xt_spin_work(&sp, t + 200, t + 201, preempted, NULL);
	cr_assert_eq(preempted_asked, 0, "getrusage is for suspects only");
}
