// SPDX-License-Identifier: MIT
/*
 * Timer wheel: exact firing at the edges of every level and past the
 * horizon, cancel and re-arm, callbacks that arm and cancel, next_delay as a
 * poll() timeout, and a seeded random schedule checked against a brute-force
 * model. The clock is fake throughout: time is whatever the test passes.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tcp/wheel.h"

#define HORIZON		XT_WHEEL_HORIZON_MS
#define KEEPALIVE_MS	7200000ull		/* RFC 9293 §3.8.4: 2 h */
#define EPOCH_MS	1700000000123ull	/* a realistic, unaligned now */
#define NO_CAP		(1ull << 62)

struct fire_rec {
	unsigned id;
	uint64_t expires;	/* t->expires as it fired */
	uint64_t now;		/* now_ms the callback got */
};

struct fire_log {
	size_t n, cap;
	struct fire_rec *rec;
};

/* A timer's owner, as a connection would be: the node is embedded. */
struct probe {
	struct xt_timer t;
	struct xt_wheel *w;
	unsigned id;
	unsigned fires;
	uint64_t fired_now;		/* now_ms at the last firing */
	struct fire_log *log;		/* if set, every firing is recorded */
	/* What the callback does besides counting, in this order. */
	struct probe *victim;		/* cancel it */
	struct probe *kick;		/* arm it at kick_at */
	uint64_t kick_at;
	unsigned rearms_left;		/* re-arm itself at expires + period */
	uint64_t period;
};

static struct probe *probe_of(struct xt_timer *t)
{
	return (struct probe *)((char *)t - offsetof(struct probe, t));
}

static void log_add(struct fire_log *log, unsigned id, uint64_t expires,
		    uint64_t now)
{
	cr_assert_lt(log->n, log->cap, "fire log full");
	log->rec[log->n++] = (struct fire_rec){ id, expires, now };
}

static void probe_fire(struct xt_timer *t, uint64_t now)
{
	struct probe *p = probe_of(t);

	cr_assert(!xt_timer_armed(t), "timer %u armed in its callback", p->id);
	cr_assert_leq(t->expires, now, "timer %u early: expires %" PRIu64
		      ", now %" PRIu64, p->id, t->expires, now);
	p->fires++;
	p->fired_now = now;
	if (p->log)
		log_add(p->log, p->id, t->expires, now);
	if (p->victim)
		xt_wheel_cancel(p->w, &p->victim->t);
	if (p->kick)
		xt_wheel_arm(p->w, &p->kick->t, p->kick_at);
	if (p->rearms_left) {
		p->rearms_left--;
		xt_wheel_arm(p->w, t, t->expires + p->period);
	}
}

static void probe_init(struct probe *p, struct xt_wheel *w, unsigned id)
{
	memset(p, 0, sizeof(*p));
	xt_timer_init(&p->t, probe_fire);
	p->w = w;
	p->id = id;
}

/* A fresh wheel at start, with n idle probes numbered from 0. */
static void wheel_setup(struct xt_wheel *w, uint64_t start, struct probe *p,
			unsigned n)
{
	unsigned i;

	xt_wheel_init(w, start);
	for (i = 0; i < n; i++)
		probe_init(&p[i], w, i);
}

static struct probe *probes_new(struct xt_wheel *w, unsigned n,
				struct fire_log *log)
{
	struct probe *p = calloc(n, sizeof(*p));
	unsigned i;

	cr_assert_not_null(p);
	for (i = 0; i < n; i++) {
		probe_init(&p[i], w, i);
		p[i].log = log;
	}
	return p;
}

static struct fire_log *log_new(size_t cap)
{
	struct fire_log *log = calloc(1, sizeof(*log));

	cr_assert_not_null(log);
	log->rec = calloc(cap, sizeof(*log->rec));
	cr_assert_not_null(log->rec);
	log->cap = cap;
	return log;
}

static void log_free(struct fire_log *log)
{
	if (!log)
		return;
	free(log->rec);
	free(log);
}

static void assert_log_in_order(const struct fire_log *log)
{
	size_t i;

	for (i = 1; i < log->n; i++)
		cr_assert_leq(log->rec[i - 1].expires, log->rec[i].expires,
			      "fired out of order at #%zu: %" PRIu64
			      " then %" PRIu64, i, log->rec[i - 1].expires,
			      log->rec[i].expires);
}

/* splitmix64: a seeded, reproducible schedule. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return rng_next(s) % n;
}

/* Delays that straddle each level's edges (64^L), the horizon and past it. */
static const uint64_t edge_delays[] = {
	0, 1, 2, 63, 64, 65, 4095, 4096, 4097, 262143, 262144, 262145,
	KEEPALIVE_MS, HORIZON - 1, HORIZON, HORIZON + 1, 3 * HORIZON + 12345,
};

/* Wheels started aligned and unaligned with the slot boundaries. */
static const uint64_t starts[] = {
	0, 1, 63, 4097, HORIZON - 5, EPOCH_MS,
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define N_EDGES		ARRAY_SIZE(edge_delays)
#define N_STARTS	ARRAY_SIZE(starts)

/* Arms one probe at start + d on a fresh wheel started at start. */
static void arm_one(struct xt_wheel *w, struct probe *p, uint64_t start,
		    uint64_t d)
{
	xt_wheel_init(w, start);
	probe_init(p, w, 0);
	xt_wheel_arm(w, &p->t, start + d);
	cr_assert(xt_timer_armed(&p->t));
	cr_assert_eq(xt_wheel_count(w), 1);
}

typedef void edge_check_fn(struct xt_wheel *w, struct probe *p,
			   uint64_t start, uint64_t delay);

/* Runs check for every start and edge delay, p armed at start + delay. */
static void for_each_edge(edge_check_fn *check, bool skip_zero)
{
	struct xt_wheel w;
	struct probe p;
	unsigned i, j;

	for (i = 0; i < N_STARTS; i++) {
		for (j = skip_zero ? 1 : 0; j < N_EDGES; j++) {
			arm_one(&w, &p, starts[i], edge_delays[j]);
			check(&w, &p, starts[i], edge_delays[j]);
		}
	}
}

/* Arming, firing, cancelling. */

Test(wheel, timer_init_is_not_armed)
{
	struct xt_wheel w;
	struct probe p;

	xt_wheel_init(&w, EPOCH_MS);
	probe_init(&p, &w, 0);
	cr_assert(!xt_timer_armed(&p.t));
	xt_wheel_cancel(&w, &p.t);
	cr_assert_eq(xt_wheel_count(&w), 0);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + HORIZON), 0);
}

static void check_exact_ms(struct xt_wheel *w, struct probe *p,
			   uint64_t s, uint64_t d)
{
	uint64_t e = s + d;

	if (d > 1)
		cr_assert_eq(xt_wheel_advance(w, s + d / 2), 0);
	if (d > 0)
		cr_assert_eq(xt_wheel_advance(w, e - 1), 0, "start %" PRIu64
			     " delay %" PRIu64 ": early", s, d);
	cr_assert_eq(xt_wheel_advance(w, e), 1, "start %" PRIu64
		     " delay %" PRIu64 ": not fired on time", s, d);
	cr_assert_eq(p->fired_now, e);
	cr_assert(!xt_timer_armed(&p->t));
	cr_assert_eq(xt_wheel_count(w), 0);
	cr_assert_eq(xt_wheel_advance(w, e + 2 * HORIZON), 0);
	cr_assert_eq(p->fires, 1);
}

Test(wheel, fires_at_exact_ms)
{
	for_each_edge(check_exact_ms, false);
}

/* Uneven steps: it fires in the one advance that first reaches its ms. */
static void check_stepped_past(struct xt_wheel *w, struct probe *p,
			       uint64_t s, uint64_t d)
{
	static const uint64_t steps[] = {
		1, 3, 61, 64, 4099, 262147, 1 << 23,
	};
	uint64_t now = s, e = s + d;
	unsigned k;

	for (k = 0; !xt_wheel_advance(w, now); k++) {
		cr_assert_lt(now, e, "start %" PRIu64 " delay %" PRIu64
			     ": late", s, d);
		now += steps[k % ARRAY_SIZE(steps)];
	}
	cr_assert_geq(now, e, "start %" PRIu64 " delay %" PRIu64 ": early",
		      s, d);
	cr_assert_eq(p->fires, 1);
	cr_assert_eq(p->fired_now, now);
}

Test(wheel, fires_in_the_advance_that_reaches_it)
{
	for_each_edge(check_stepped_past, false);
}

Test(wheel, fires_each_ms_when_stepped)
{
	enum { N = 5000 };
	uint64_t start = 4096 * 3 - 10;	/* crosses level-1 and -2 edges */
	struct xt_wheel w;
	struct probe *p = probes_new(&w, N, NULL);
	unsigned i;

	xt_wheel_init(&w, start);
	/* Armed back to front, so list order cannot stand in for time. */
	for (i = N; i-- > 0;)
		xt_wheel_arm(&w, &p[i].t, start + i);
	for (i = 0; i < N; i++) {
		cr_assert_eq(xt_wheel_advance(&w, start + i), 1, "ms +%u", i);
		cr_assert_eq(p[i].fires, 1, "ms +%u", i);
		cr_assert_eq(p[i].fired_now, start + i);
	}
	cr_assert_eq(xt_wheel_count(&w), 0);
	free(p);
}

Test(wheel, fires_in_expiry_order)
{
	enum { N = 2000 };
	uint64_t seed = 1, span = 1 << 20, end = EPOCH_MS + span;
	struct fire_log *log = log_new(N);
	struct xt_wheel w;
	struct probe *p = probes_new(&w, N, log);
	unsigned i;

	xt_wheel_init(&w, EPOCH_MS);
	for (i = 0; i < N; i++) {
		/* A coarse grid too, so that many expiries tie. */
		uint64_t d = i % 2 ? rng_below(&seed, span)
				   : rng_below(&seed, 64) * 4096;

		xt_wheel_arm(&w, &p[i].t, EPOCH_MS + d);
	}
	cr_assert_eq(xt_wheel_advance(&w, end), N);
	cr_assert_eq(log->n, N);
	assert_log_in_order(log);
	for (i = 0; i < N; i++) {
		cr_assert_eq(p[i].fires, 1);
		cr_assert_eq(log->rec[i].now, end);
	}
	cr_assert_eq(xt_wheel_count(&w), 0);
	free(p);
	log_free(log);
}

Test(wheel, overdue_fire_on_next_advance_in_expiry_order)
{
	static const uint64_t ago[] = { 1000, 5000, 1, 0, 3000 };
	struct fire_log *log = log_new(8);
	struct xt_wheel w;
	struct probe *p = probes_new(&w, 6, log);
	unsigned i;

	xt_wheel_init(&w, EPOCH_MS);
	for (i = 0; i < 5; i++)
		xt_wheel_arm(&w, &p[i].t, EPOCH_MS - ago[i]);
	xt_wheel_arm(&w, &p[5].t, EPOCH_MS + 1);
	/* Same now as the wheel's: the overdue ones still fire. */
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS), 5);
	assert_log_in_order(log);
	cr_assert_eq(log->rec[0].expires, EPOCH_MS - 5000);
	cr_assert_eq(log->rec[4].expires, EPOCH_MS);
	cr_assert_eq(p[5].fires, 0);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 1), 1);
	cr_assert_eq(xt_wheel_count(&w), 0);
	free(p);
	log_free(log);
}

Test(wheel, cancel_before_fire)
{
	struct xt_wheel w;
	struct probe p[3];
	unsigned i;

	wheel_setup(&w, EPOCH_MS, p, 3);
	for (i = 0; i < 3; i++)
		xt_wheel_arm(&w, &p[i].t, EPOCH_MS + 100);
	/* The middle of the slot's list, then its head. */
	xt_wheel_cancel(&w, &p[1].t);
	xt_wheel_cancel(&w, &p[2].t);
	xt_wheel_cancel(&w, &p[2].t);
	cr_assert(!xt_timer_armed(&p[1].t));
	cr_assert_eq(xt_wheel_count(&w), 1);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + HORIZON), 1);
	cr_assert_eq(p[0].fires, 1);
	cr_assert_eq(p[1].fires + p[2].fires, 0);
	cr_assert_eq(xt_wheel_count(&w), 0);
}

/* A cancelled slot must not keep the wheel waking up for it. */
static void check_cancel_empties(struct xt_wheel *w, struct probe *p,
				 uint64_t s, uint64_t d)
{
	xt_wheel_cancel(w, &p->t);
	cr_assert_eq(xt_wheel_count(w), 0);
	cr_assert_eq(xt_wheel_next_delay(w, 777), 777, "start %" PRIu64
		     " delay %" PRIu64, s, d);
}

Test(wheel, cancel_empties_slot)
{
	for_each_edge(check_cancel_empties, true);
}

Test(wheel, rearm_moves_timer)
{
	struct xt_wheel w;
	struct probe p;

	/* Earlier: from level 2 to level 0. */
	arm_one(&w, &p, EPOCH_MS, 5000);
	xt_wheel_arm(&w, &p.t, EPOCH_MS + 10);
	cr_assert_eq(xt_wheel_count(&w), 1);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 10), 1);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 6000), 0);
	cr_assert_eq(p.fires, 1);

	/* Later: the old slot comes and goes without it. */
	arm_one(&w, &p, EPOCH_MS, 10);
	xt_wheel_arm(&w, &p.t, EPOCH_MS + 5000);
	cr_assert_eq(xt_wheel_count(&w), 1);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 4999), 0);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 5000), 1);
	cr_assert_eq(p.fired_now, EPOCH_MS + 5000);
	cr_assert_eq(xt_wheel_count(&w), 0);
}

Test(wheel, advance_backwards_is_ignored)
{
	struct xt_wheel w;
	struct probe p[2];

	wheel_setup(&w, 1000, p, 2);
	cr_assert_eq(xt_wheel_advance(&w, 1050), 0);
	xt_wheel_arm(&w, &p[0].t, 1100);
	cr_assert_eq(xt_wheel_advance(&w, 10), 0);
	cr_assert_eq(xt_wheel_next_delay(&w, NO_CAP), 50);
	/* Overdue against 1050 even though the clock said 10 since. */
	xt_wheel_arm(&w, &p[1].t, 1040);
	cr_assert_eq(xt_wheel_advance(&w, 500), 1);
	cr_assert_eq(p[1].fired_now, 1050);
	cr_assert_eq(xt_wheel_advance(&w, 1099), 0);
	cr_assert_eq(xt_wheel_advance(&w, 1100), 1);
}

/* A per-ms walk would take years here; the test's timeout catches it. */
Test(wheel, long_idle_gap_advances_quickly, .timeout = 20)
{
	uint64_t far = EPOCH_MS + (1ull << 40);		/* ~35 years */
	struct xt_wheel w;
	struct probe p[2];

	xt_wheel_init(&w, EPOCH_MS);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + (1ull << 60)), 0);

	wheel_setup(&w, EPOCH_MS, p, 2);
	xt_wheel_arm(&w, &p[0].t, EPOCH_MS + KEEPALIVE_MS);
	xt_wheel_arm(&w, &p[1].t, far);
	cr_assert_eq(xt_wheel_advance(&w, far - 1), 1);
	cr_assert_eq(p[0].fired_now, far - 1);
	cr_assert_eq(xt_wheel_advance(&w, far), 1);
	cr_assert_eq(p[1].fired_now, far);
	cr_assert_eq(xt_wheel_count(&w), 0);
}

Test(wheel, count_returns_to_zero)
{
	enum { N = 1000 };
	uint64_t seed = 2;
	struct xt_wheel w;
	struct probe *p = probes_new(&w, N, NULL);
	unsigned i, armed = 0;

	xt_wheel_init(&w, EPOCH_MS);
	for (i = 0; i < 4 * N; i++) {
		struct probe *q = &p[rng_below(&seed, N)];

		armed -= xt_timer_armed(&q->t);
		if (rng_below(&seed, 3)) {
			xt_wheel_arm(&w, &q->t, EPOCH_MS +
				     rng_below(&seed, 4 * HORIZON));
			armed++;
		} else {
			xt_wheel_cancel(&w, &q->t);
		}
		cr_assert_eq(xt_wheel_count(&w), armed);
	}
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 4 * HORIZON), armed);
	cr_assert_eq(xt_wheel_count(&w), 0);
	for (i = 0; i < N; i++)
		cr_assert(!xt_timer_armed(&p[i].t));
	free(p);
}

/* What callbacks may do. */

Test(wheel_callback, periodic_rearms_itself)
{
	struct fire_log *log = log_new(128);
	struct xt_wheel w;
	struct probe p;
	unsigned i;

	/* Stepped a ms at a time: each period fires exactly on time. */
	arm_one(&w, &p, EPOCH_MS, 7);
	p.period = 7;
	p.rearms_left = 99;
	for (i = 1; i <= 700; i++)
		cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + i), i % 7 == 0,
			     "ms +%u", i);
	cr_assert_eq(p.fires, 100);
	cr_assert_eq(xt_wheel_count(&w), 0);

	/* In one advance: every period still fires, in order. */
	arm_one(&w, &p, EPOCH_MS, 10);
	p.period = 10;
	p.rearms_left = 99;
	p.log = log;
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 1000), 100);
	for (i = 0; i < 100; i++)
		cr_assert_eq(log->rec[i].expires, EPOCH_MS + 10 * (i + 1));
	cr_assert_eq(xt_wheel_count(&w), 0);
	log_free(log);
}

Test(wheel_callback, cancels_other_due_timer)
{
	struct xt_wheel w;
	struct probe p[2];

	/* Due later in the same advance. */
	wheel_setup(&w, EPOCH_MS, p, 2);
	p[0].victim = &p[1];
	xt_wheel_arm(&w, &p[0].t, EPOCH_MS + 50);
	xt_wheel_arm(&w, &p[1].t, EPOCH_MS + 60);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 100), 1);
	cr_assert_eq(p[1].fires, 0);
	cr_assert_eq(xt_wheel_count(&w), 0);

	/* Due in the same tick, each cancelling the other: one fires. */
	p[0].fires = 0;
	p[1].victim = &p[0];
	xt_wheel_arm(&w, &p[0].t, EPOCH_MS + 150);
	xt_wheel_arm(&w, &p[1].t, EPOCH_MS + 150);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 150), 1);
	cr_assert_eq(p[0].fires + p[1].fires, 1);
	cr_assert_eq(xt_wheel_count(&w), 0);
}

Test(wheel_callback, postpones_other_due_timer)
{
	struct xt_wheel w;
	struct probe p[2];

	wheel_setup(&w, EPOCH_MS, p, 2);
	p[0].kick = &p[1];
	p[0].kick_at = EPOCH_MS + 5000;
	xt_wheel_arm(&w, &p[0].t, EPOCH_MS + 50);
	xt_wheel_arm(&w, &p[1].t, EPOCH_MS + 60);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 100), 1);
	cr_assert_eq(p[1].fires, 0);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 4999), 0);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 5000), 1);
	cr_assert_eq(p[1].fired_now, EPOCH_MS + 5000);
}

/*
 * Arming another timer to now, or into the past, from a callback: it fires
 * in this advance or the next, exactly once. Armed from a tick before its
 * own, it is still ahead of the wheel's clock, so it must make this advance.
 */
Test(wheel_callback, arms_other_to_now)
{
	static const uint64_t kick_ago[] = { 0, 30, 99 };
	static const uint64_t kicker_at[] = { 40, 100 };
	uint64_t now = EPOCH_MS + 100;
	struct xt_wheel w;
	struct probe p[2];
	unsigned i, j, first;

	for (i = 0; i < ARRAY_SIZE(kick_ago); i++) {
		for (j = 0; j < ARRAY_SIZE(kicker_at); j++) {
			uint64_t at = EPOCH_MS + kicker_at[j];

			wheel_setup(&w, EPOCH_MS, p, 2);
			p[0].kick = &p[1];
			p[0].kick_at = now - kick_ago[i];
			xt_wheel_arm(&w, &p[0].t, at);
			first = xt_wheel_advance(&w, now);
			if (p[0].kick_at > at)
				cr_assert_eq(first, 2, "ago %" PRIu64,
					     kick_ago[i]);
			cr_assert_eq(first + xt_wheel_advance(&w, now), 2,
				     "ago %" PRIu64 " at %" PRIu64,
				     kick_ago[i], kicker_at[j]);
			cr_assert_eq(p[1].fires, 1);
			cr_assert_eq(p[1].fired_now, now);
			cr_assert_eq(xt_wheel_count(&w), 0);
		}
	}
}

/* Re-arming itself to its own (past) expiry: fires on, but never spins. */
Test(wheel_callback, rearm_to_now_cannot_spin)
{
	enum { REARMS = 1000 };
	uint64_t now = EPOCH_MS + 100;
	struct xt_wheel w;
	struct probe p;
	unsigned n, calls = 0;

	arm_one(&w, &p, EPOCH_MS, 100);
	p.rearms_left = REARMS;
	while (p.fires < REARMS + 1) {
		n = xt_wheel_advance(&w, now);
		cr_assert_geq(n, 1, "a due timer was not fired");
		cr_assert_lt(n, REARMS / 2, "advance spun on one timer");
		cr_assert_lt(++calls, 2 * REARMS);
	}
	cr_assert_eq(xt_wheel_count(&w), 0);
	cr_assert_eq(xt_wheel_advance(&w, now), 0);
}

Test(wheel_callback, cancels_itself_after_rearm)
{
	struct xt_wheel w;
	struct probe p;

	arm_one(&w, &p, EPOCH_MS, 10);
	p.rearms_left = 1;
	p.period = 10;
	p.victim = &p;		/* runs before the re-arm: a no-op */
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 10), 1);
	cr_assert(xt_timer_armed(&p.t));
	xt_wheel_cancel(&w, &p.t);
	cr_assert_eq(xt_wheel_advance(&w, EPOCH_MS + 100), 0);
	cr_assert_eq(xt_wheel_count(&w), 0);
}

/* next_delay as a poll() timeout. */

Test(wheel_next_delay, empty_is_cap)
{
	struct xt_wheel w;

	xt_wheel_init(&w, EPOCH_MS);
	cr_assert_eq(xt_wheel_next_delay(&w, 1234), 1234);
	cr_assert_eq(xt_wheel_next_delay(&w, 0), 0);
}

Test(wheel_next_delay, zero_when_due)
{
	struct xt_wheel w;
	struct probe p;

	arm_one(&w, &p, EPOCH_MS, 0);
	cr_assert_eq(xt_wheel_next_delay(&w, NO_CAP), 0);
	xt_wheel_arm(&w, &p.t, EPOCH_MS - 10);
	cr_assert_eq(xt_wheel_next_delay(&w, NO_CAP), 0);
}

Test(wheel_next_delay, exact_within_level_0)
{
	struct xt_wheel w;
	struct probe p;

	arm_one(&w, &p, EPOCH_MS, 37);
	cr_assert_eq(xt_wheel_next_delay(&w, NO_CAP), 37);
	cr_assert_eq(xt_wheel_next_delay(&w, 10), 10);
	xt_wheel_advance(&w, EPOCH_MS + 30);
	cr_assert_eq(xt_wheel_next_delay(&w, NO_CAP), 7);
}

static void check_delay_bound(struct xt_wheel *w, struct probe *p,
			      uint64_t s, uint64_t d)
{
	uint64_t got = xt_wheel_next_delay(w, NO_CAP);

	(void)p;
	cr_assert_geq(got, 1, "start %" PRIu64 " delay %" PRIu64, s, d);
	cr_assert_leq(got, d, "start %" PRIu64 " delay %" PRIu64, s, d);
}

Test(wheel_next_delay, never_exceeds_true_delay)
{
	for_each_edge(check_delay_bound, true);
}

/*
 * A loop that only ever sleeps next_delay() wakes exactly when each timer is
 * due, and wakes at most once per level per timer besides.
 */
Test(wheel_next_delay, poll_loop_fires_on_time)
{
	enum { N = 300 };
	uint64_t seed = 3, now = EPOCH_MS, d;
	struct xt_wheel w;
	struct probe *p = probes_new(&w, N, NULL);
	unsigned i, wakeups = 0;

	xt_wheel_init(&w, now);
	for (i = 0; i < N; i++)
		xt_wheel_arm(&w, &p[i].t, now + 1 + rng_below(&seed, HORIZON));
	while ((d = xt_wheel_next_delay(&w, NO_CAP)) != NO_CAP) {
		cr_assert_gt(d, 0);
		now += d;
		xt_wheel_advance(&w, now);
		wakeups++;
	}
	for (i = 0; i < N; i++)
		cr_assert_eq(p[i].fired_now, p[i].t.expires, "timer %u", i);
	cr_assert_leq(wakeups, N * XT_WHEEL_LEVELS);
	free(p);
}

/*
 * A seeded random schedule of arms (future, past, at the edges, beyond the
 * horizon), cancels and advances (small, large, backwards), against a model
 * that scans every timer. Each advance must fire the model's set, in order,
 * and next_delay must never promise more than the model's next expiry.
 */

#define MODEL_TIMERS	10000
#define MODEL_OPS	30000
#define MODEL_BLOCK	5000
#define MODEL_SEED	0x5eed0001ull

struct model {
	uint64_t now;
	uint64_t expires[MODEL_TIMERS];
	bool armed[MODEL_TIMERS];
	unsigned rearms_left[MODEL_TIMERS];
	uint64_t period[MODEL_TIMERS];
	unsigned count;
	struct fire_log *want;
};

static uint64_t model_delay(uint64_t *seed)
{
	switch (rng_below(seed, 8)) {
	case 0:
		return edge_delays[rng_below(seed, N_EDGES)];
	case 1:
		return rng_below(seed, 64);
	case 2:
		return rng_below(seed, 4096);
	case 3:
		return rng_below(seed, 1 << 18);
	case 4:
		return rng_below(seed, HORIZON);
	case 5:
		return rng_below(seed, 4 * HORIZON);
	default:
		return rng_below(seed, 1000);	/* RTO-like */
	}
}

/*
 * Short steps, so that a thousand or so timers stay armed, and one long one
 * (up to 4 horizons) at the end of each block of ops, to fire a big batch.
 */
static uint64_t model_step(uint64_t *seed, unsigned op)
{
	static const uint64_t span[] = { 1, 2, 64, 4096, 1 << 16 };

	if (op % MODEL_BLOCK == MODEL_BLOCK - 1)
		return rng_below(seed, 4 * HORIZON);
	return rng_below(seed, span[rng_below(seed, ARRAY_SIZE(span))]);
}

static void model_arm(struct model *m, struct probe *p, uint64_t *seed)
{
	unsigned i = p->id;
	bool past = rng_below(seed, 10) == 0;
	uint64_t at = past ? m->now - rng_below(seed, 2000)
			   : m->now + model_delay(seed);

	/*
	 * Periodic only when armed ahead: the re-arm of a timer fired late
	 * may itself be late, and may then wait for the next advance.
	 */
	p->rearms_left = !past && !rng_below(seed, 8) ? rng_below(seed, 4) : 0;
	p->period = 1 + model_delay(seed);
	m->count += !m->armed[i];
	m->armed[i] = true;
	m->expires[i] = at;
	m->rearms_left[i] = p->rearms_left;
	m->period[i] = p->period;
	xt_wheel_arm(p->w, &p->t, at);
}

static void model_cancel(struct model *m, struct probe *p)
{
	m->count -= m->armed[p->id];
	m->armed[p->id] = false;
	xt_wheel_cancel(p->w, &p->t);
}

/* Fires what is due by now, round after round, as periodic ones re-arm. */
static void model_advance(struct model *m)
{
	bool again = true;
	unsigned i;

	while (again) {
		again = false;
		for (i = 0; i < MODEL_TIMERS; i++) {
			if (!m->armed[i] || m->expires[i] > m->now)
				continue;
			log_add(m->want, i, m->expires[i], m->now);
			again = true;
			if (m->rearms_left[i]) {
				m->rearms_left[i]--;
				m->expires[i] += m->period[i];
			} else {
				m->armed[i] = false;
				m->count--;
			}
		}
	}
}

static int rec_cmp(const void *a, const void *b)
{
	const struct fire_rec *x = a, *y = b;

	if (x->expires != y->expires)
		return x->expires < y->expires ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static void model_check_delay(const struct model *m, const struct xt_wheel *w)
{
	uint64_t next = UINT64_MAX, got = xt_wheel_next_delay(w, NO_CAP);
	unsigned i;

	for (i = 0; i < MODEL_TIMERS; i++)
		if (m->armed[i] && m->expires[i] < next)
			next = m->expires[i];
	if (next == UINT64_MAX) {
		cr_assert_eq(got, NO_CAP);
		return;
	}
	cr_assert_gt(next, m->now, "model: timer left due");
	cr_assert_geq(got, 1, "next_delay 0 with nothing due");
	cr_assert_leq(got, next - m->now, "next_delay %" PRIu64
		      " past the next expiry, %" PRIu64 " ahead",
		      got, next - m->now);
}

/* Runs one advance on both sides and compares what fired. */
static void model_check_advance(struct model *m, struct xt_wheel *w,
				struct fire_log *got, uint64_t to, unsigned op)
{
	unsigned fired;
	size_t i;

	got->n = 0;
	m->want->n = 0;
	fired = xt_wheel_advance(w, to);
	if (to > m->now)
		m->now = to;
	model_advance(m);
	cr_assert_eq(fired, got->n);
	cr_assert_eq(got->n, m->want->n, "op %u: fired %zu, model %zu",
		     op, got->n, m->want->n);
	assert_log_in_order(got);
	for (i = 0; i < got->n; i++)
		cr_assert_eq(got->rec[i].now, m->now);
	/* Ties may fire in any order: compare as sorted sets. */
	qsort(got->rec, got->n, sizeof(*got->rec), rec_cmp);
	qsort(m->want->rec, m->want->n, sizeof(*got->rec), rec_cmp);
	for (i = 0; i < got->n; i++)
		cr_assert(!rec_cmp(&got->rec[i], &m->want->rec[i]),
			  "op %u: #%zu fired timer %u at %" PRIu64
			  ", model timer %u at %" PRIu64, op, i,
			  got->rec[i].id, got->rec[i].expires,
			  m->want->rec[i].id, m->want->rec[i].expires);
}

Test(wheel_model, matches_brute_force, .timeout = 120)
{
	/* Each timer fires at most 1 + 3 re-arms per advance. */
	struct fire_log *got = log_new(4 * MODEL_TIMERS);
	struct model *m = calloc(1, sizeof(*m));
	struct xt_wheel w;
	struct probe *p = probes_new(&w, MODEL_TIMERS, got);
	uint64_t seed = MODEL_SEED;
	unsigned op, roll;

	cr_assert_not_null(m);
	m->want = log_new(4 * MODEL_TIMERS);
	m->now = EPOCH_MS;
	xt_wheel_init(&w, m->now);
	for (op = 0; op < MODEL_OPS; op++) {
		struct probe *q = &p[rng_below(&seed, MODEL_TIMERS)];

		roll = rng_below(&seed, 100);
		if (op % MODEL_BLOCK == MODEL_BLOCK - 1)
			roll = 99;	/* the block's long step */
		if (roll < 70)
			model_arm(m, q, &seed);
		else if (roll < 85)
			model_cancel(m, q);
		else if (roll < 86)
			model_check_advance(m, &w, got,
					    m->now - rng_below(&seed, 100), op);
		else
			model_check_advance(m, &w, got,
					    m->now + model_step(&seed, op), op);
		cr_assert_eq(xt_wheel_count(&w), m->count, "op %u", op);
		if (roll >= 85)
			model_check_delay(m, &w);
	}
	/* Past the longest delay plus three of the longest periods. */
	model_check_advance(m, &w, got, m->now + 32 * HORIZON, op);
	cr_assert_eq(xt_wheel_count(&w), 0);
	free(p);
	log_free(m->want);
	free(m);
	log_free(got);
}
