// SPDX-License-Identifier: MIT
/*
 * Application timers (xt_app_timer_*, include/xtcp/xtcp.h) on the
 * stack's wheel, on the fake clock: they fire once, at their time, can be
 * cancelled and re-armed, and what a callback sends leaves in that poll.
 */
#include "unit/tcp_fixture.h"

TestSuite(app_timer, .init = fx_init, .fini = fx_fini);

struct fired {
	unsigned n;
	uint64_t at;
	struct xt_sock *send_on;	/* sends 10 bytes on it when not NULL */
};

static void on_fire(struct xt_app_timer *t, void *arg)
{
	struct fired *f = arg;

	(void)t;
	f->n++;
	f->at = xt_stack_now_ms(fx.st);
	if (f->send_on)
		cr_assert_eq(xt_send(f->send_on, "0123456789", 10), 10);
}

Test(app_timer, fires_once_at_its_time)
{
	struct fired f = { 0 };
	struct xt_app_timer *t = xt_app_timer_new(fx.st, on_fire, &f);
	uint64_t start = fx.now;

	cr_assert_not_null(t);
	xt_app_timer_arm(t, 250);
	fx_advance(249);
	cr_assert_eq(f.n, 0, "fired %u ms early", (unsigned)(250 - (fx.now - start)));
	fx_advance(1000);
	cr_assert_eq(f.n, 1);
	cr_assert_eq(f.at, start + 250);
	xt_app_timer_free(t);
	fx_end();
}

Test(app_timer, cancel_and_rearm)
{
	struct fired f = { 0 };
	struct xt_app_timer *t = xt_app_timer_new(fx.st, on_fire, &f);
	uint64_t start = fx.now;

	xt_app_timer_arm(t, 100);
	xt_app_timer_cancel(t);
	fx_advance(500);
	cr_assert_eq(f.n, 0);
	xt_app_timer_arm(t, 100);
	xt_app_timer_arm(t, 300);	/* re-arming moves it */
	fx_advance(1000);
	cr_assert_eq(f.n, 1);
	cr_assert_eq(f.at, start + 500 + 300);
	xt_app_timer_arm(t, 100);
	xt_app_timer_free(t);		/* armed: free cancels it */
	fx_advance(1000);
	cr_assert_eq(f.n, 1);
	fx_end();
}

Test(app_timer, sends_from_the_callback_leave_in_that_poll)
{
	struct xt_sock *s = fx_established();
	struct fired f = { .send_on = s };
	struct xt_app_timer *t = xt_app_timer_new(fx.st, on_fire, &f);
	size_t before;

	fx.raw_tx = true;		/* our bytes, not fx_write()'s */
	xt_sock_set_nodelay(s, 1);
	fx_poll();
	before = fx_nout();
	xt_app_timer_arm(t, 40);
	fx.now += 40;
	fx_poll();
	cr_assert_eq(f.n, 1);
	cr_assert_eq(fx_nout(), before + 1, "%zu segments", fx_nout() - before);
	cr_assert_eq(fx_out_at(before)->seg.payload_len, 10);
	xt_app_timer_free(t);
	fx_end();
}
