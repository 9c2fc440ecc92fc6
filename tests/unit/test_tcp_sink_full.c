// SPDX-License-Identifier: MIT
/*
 * A sink with no buffer left (xtcpd: the UMEM has no free TX frame): data
 * waits in its connection and goes at a later poll, instead of leaving as
 * a loss that recovery must find and the RTO must resend.
 */
#include "unit/tcp_fixture.h"

TestSuite(sink_full, .init = fx_init, .fini = fx_fini);

static const struct xt_stack_stats *stats(void)
{
	return xt_stack_stats(fx.st);
}

Test(sink_full, data_waits_and_goes_once_there_is_room)
{
	struct xt_sock *s = fx_established();
	size_t n = fx_nout();

	fx.sink_room = 2;
	fx_write(s, 10 * FX_MSS);
	cr_assert_eq(fx_nout(), n + 2, "%zu segments through a sink of 2",
		     fx_nout() - n);
	cr_assert_eq(s->snd_nxt, s->snd_una + 2 * FX_MSS,
		     "SND.NXT moved past what left");
	cr_assert_eq(xt_stack_next_delay(fx.st, 1000), 0,
		     "a deferred connection must be polled again at once");

	fx.sink_room = -1;
	fx_poll();
	cr_assert_eq(fx_nout(), n + 10, "the rest of the initial window");
	while (s->snd_una != s->snd_max)
		fx_ack_all(s);
	cr_assert_eq(s->snd_una, s->iss + 1 + 10 * FX_MSS);
	cr_assert_eq(stats()->retransmits, 0);
	cr_assert_eq(stats()->rto_expiries, 0);
	fx_end();
}

/* A connection reset while it waits leaves the list with its memory. */
Test(sink_full, a_connection_closed_while_waiting_is_forgotten)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out rst = fx_seg(s);

	fx.sink_room = 0;
	fx_write(s, 1000);
	cr_assert(s->on_defer);
	rst.flags = XT_TCP_RST;
	fx_send(&rst);
	fx_expect_closed(XT_CLOSE_RESET);
	cr_assert_null(fx.st->deferred);
	fx.sink_room = -1;
	fx_poll();
	fx_end();
}
