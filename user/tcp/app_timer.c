// SPDX-License-Identifier: MIT
/* Application timers (include/xtcp/xtcp.h) on the stack's timer wheel. */
#include <stdlib.h>
#include "tcp/tcp.h"

struct xt_app_timer {
	struct xt_timer t;		/* on st->wheel while armed */
	struct xt_stack *st;
	xt_app_timer_fn fn;
	void *arg;
};

static void app_timer_fire(struct xt_timer *t, uint64_t now_ms)
{
	struct xt_app_timer *at = container_of(t, struct xt_app_timer, t);

	(void)now_ms;
	at->fn(at, at->arg);
}

struct xt_app_timer *xt_app_timer_new(struct xt_stack *st, xt_app_timer_fn fn,
				      void *arg)
{
	struct xt_app_timer *at = calloc(1, sizeof(*at));

	if (!at)
		return NULL;
	xt_timer_init(&at->t, app_timer_fire);
	at->st = st;
	at->fn = fn;
	at->arg = arg;
	return at;
}

void xt_app_timer_arm(struct xt_app_timer *at, uint64_t delay_ms)
{
	xt_wheel_arm(&at->st->wheel, &at->t, at->st->now + delay_ms);
}

void xt_app_timer_cancel(struct xt_app_timer *at)
{
	xt_wheel_cancel(&at->st->wheel, &at->t);
}

void xt_app_timer_free(struct xt_app_timer *at)
{
	if (!at)
		return;
	xt_app_timer_cancel(at);
	free(at);
}
