// SPDX-License-Identifier: MIT
/* When a worker spins and when it sleeps: see spin.h. */
#include "xtcpd/spin.h"

void xt_spin_init(struct xt_spin *sp, uint32_t window_us)
{
	*sp = (struct xt_spin){ .window_us = window_us,
				.backoff_next = XT_SPIN_BACKOFF_MIN };
}

/* The spin turn before this one lost the CPU, and the work came with it. */
static void spin_stolen(struct xt_spin *sp)
{
	sp->backoff = sp->backoff_next;
	if (sp->backoff_next < XT_SPIN_BACKOFF_MAX)
		sp->backoff_next *= 2;
	sp->yields++;
}

void xt_spin_work(struct xt_spin *sp, uint64_t found, uint64_t ended,
		  bool (*preempted)(void *ctx), void *ctx)
{
	/* Not after a sleep, nor without a pause: after a spin. */
	if (sp->idle_at) {
		if (found - sp->idle_at <= XT_SPIN_STOLEN_US)
			sp->backoff_next = XT_SPIN_BACKOFF_MIN;	/* unbroken */
		else if (preempted(ctx))
			spin_stolen(sp);
	}
	sp->idle_at = 0;
	sp->busy_at = ended;
}

bool xt_spin_again(struct xt_spin *sp, uint64_t began)
{
	/* The first idle turn since work or sleep: back off, or spin. */
	if (!sp->idle_at && sp->backoff) {
		sp->backoff--;
		return false;
	}
	if (began - sp->busy_at >= sp->window_us) {
		sp->idle_at = 0;
		return false;
	}
	sp->idle_at = began;
	return true;
}
