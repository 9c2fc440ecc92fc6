// SPDX-License-Identifier: MIT
/*
 * Draining (xtcpd's SIGTERM): no new connections, each application told
 * once to finish (xt_app_ops.drain), TIME-WAIT counted as finished.
 */
#include "unit/tcp_fixture.h"

TestSuite(drain, .init = fx_init, .fini = fx_fini);

static unsigned drain_calls;

/* The fixture's application, plus a drain() that shuts down writing. */
static void drain_shutdown(struct xt_sock *s)
{
	drain_calls++;
	cr_assert_eq(xt_shutdown(s), 0);
}

static struct xt_app_ops drain_ops;

static void listen_draining_app(void)
{
	drain_calls = 0;
	drain_ops = fx_ops;
	drain_ops.drain = drain_shutdown;
	cr_assert_eq(xt_listen(fx.st, PKT_LOCAL_PORT, &drain_ops, NULL), 0);
}

Test(drain, syn_to_a_listener_is_reset)
{
	struct xt_seg_out syn = fx_syn();

	cr_assert_eq(fx_listen(), 0);
	xt_stack_drain(fx.st);
	fx_send(&syn);
	fx_expect(fx_last(), XT_TCP_RST | XT_TCP_ACK, 0, fx.peer.isn + 1);
	cr_assert_null(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT));
	cr_assert_eq(xt_stack_unfinished(fx.st), 0);
	fx_end();
}

Test(drain, established_is_told_once_and_finishes_in_time_wait)
{
	struct xt_sock *s;

	listen_draining_app();
	s = fx_established();
	cr_assert_eq(xt_stack_unfinished(fx.st), 1);
	xt_stack_drain(fx.st);
	cr_assert_eq(drain_calls, 0, "drain() is called at the batch's end");
	fx_poll();
	cr_assert_eq(drain_calls, 1);
	cr_assert_eq(s->state, XT_FIN_WAIT_1);
	cr_assert(fx_last()->flags & XT_TCP_FIN);
	xt_stack_drain(fx.st);
	fx_poll();
	cr_assert_eq(drain_calls, 1, "told twice");
	fx_ack_all(s);
	fx_peer_fin(s, s->snd_max);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	cr_assert_eq(xt_stack_unfinished(fx.st), 0);
	fx_end();
}

Test(drain, handshake_under_way_is_told_when_established)
{
	struct xt_sock *s;
	struct xt_seg_out ack;

	listen_draining_app();
	s = fx_syn_rcvd();
	xt_stack_drain(fx.st);
	fx_poll();
	cr_assert_eq(drain_calls, 0, "told before it was accepted");
	ack = fx_seg(s);
	fx_send(&ack);
	cr_assert_eq(s->state, XT_FIN_WAIT_1);
	cr_assert_eq(fx.app.accepted, 1);
	cr_assert_eq(drain_calls, 1);
	fx_end();
}
