/* SPDX-License-Identifier: MIT */
/*
 * Whether a worker that ran out of work looks at its rings again or
 * sleeps in poll().
 *
 * Spinning for --spin-us after the last work saves a wakeup per batch
 * when the frames are made elsewhere: by softirq on another CPU, or by an
 * interrupt on this one. It backfires when they are made by a thread on
 * the worker's own CPU (threaded NAPI pinned beside it): that thread must
 * then preempt the spinner, and on a VM waking a thread on a busy CPU
 * costs an IPI, more than waking an idle one (veth rr, threaded NAPI:
 * p50 55 us spinning, 35 us sleeping). The sign of it is a spin turn
 * stretched well past its usual length, with the work found right after
 * it, while a thread preempted the worker (an interrupt, a timer tick or
 * a softirq, which also stretch a turn, are no reason to stop spinning):
 * the CPU was taken from the worker, and the work came with it. The
 * worker then sleeps at once for a number of idle periods before it tries
 * spinning again: XT_SPIN_BACKOFF_MIN, doubled each time the next spin is
 * stolen too, up to XT_SPIN_BACKOFF_MAX, and back to the least once a
 * spin finds work unbroken. A preemption by some other thread that
 * happens to come with work costs a few periods; a NAPI thread beside
 * the worker keeps it asleep but for one spin in XT_SPIN_BACKOFF_MAX.
 *
 * Pure functions of the times they are given, for the unit tests.
 */
#ifndef XTCP_SPIN_H
#define XTCP_SPIN_H

#include <stdbool.h>
#include <stdint.h>

/* A spin turn stretched past this lost the CPU (a turn takes ~1 us). */
#define XT_SPIN_STOLEN_US	5
/* Idle periods slept through at once after the CPU was taken. */
#define XT_SPIN_BACKOFF_MIN	4
#define XT_SPIN_BACKOFF_MAX	64

struct xt_spin {
	uint32_t window_us;	/* --spin-us */
	uint64_t busy_at;	/* when the last turn with work ended */
	uint64_t idle_at;	/* when the last idle turn began; 0: not spinning */
	uint32_t backoff;	/* idle periods left to sleep through at once */
	uint32_t backoff_next;	/* how many, the next time the CPU is taken */
	uint64_t yields;	/* how often it backed off */
};

void xt_spin_init(struct xt_spin *sp, uint32_t window_us);
/*
 * A turn found work at 'found' (when it saw its frames) and ended at
 * 'ended'. Only when the time since the last spin turn began is stretched
 * does it ask preempted(ctx) whether a thread took the CPU since it last
 * asked.
 */
void xt_spin_work(struct xt_spin *sp, uint64_t found, uint64_t ended,
		  bool (*preempted)(void *ctx), void *ctx);
/* A turn that began at 'began' found none: whether to spin on. */
bool xt_spin_again(struct xt_spin *sp, uint64_t began);

#endif /* XTCP_SPIN_H */
