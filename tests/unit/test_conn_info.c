// SPDX-License-Identifier: MIT
/* What `xtcpctl conns` shows of a connection (conn_info.c). */
#include "unit/tcp_fixture.h"

TestSuite(conn_info, .init = fx_init, .fini = fx_fini);

static struct xt_conn_info info_of_one(void)
{
	struct xt_conn_info ci[2];

	cr_assert_eq(xt_stack_conn_info(fx.st, ci, 2), 1);
	return ci[0];
}

Test(conn_info, established_idle)
{
	struct xt_sock *s = fx_established();
	struct xt_conn_info ci = info_of_one();

	cr_assert_eq(ci.state, XT_ESTABLISHED);
	cr_assert_eq(ci.lport, PKT_LOCAL_PORT);
	cr_assert_eq(ci.rport, PKT_PEER_PORT);
	cr_assert_eq(ci.laddr, s->t.laddr);
	cr_assert_eq(ci.sendq, 0);
	cr_assert_eq(ci.recvq, 0);
	cr_assert_eq(ci.mss, s->mss);
	cr_assert_eq(ci.cwnd, s->cwnd);
	cr_assert_eq(ci.rto_ms, s->rto_ms);
	cr_assert_eq(ci.timers, 0);
	fx_end();
}

Test(conn_info, unacked_bytes_retransmission_and_timer)
{
	struct xt_sock *s = fx_established();
	struct xt_conn_info ci;
	uint32_t rto = s->rto_ms;

	fx.app.autoread = false;
	fx_peer_data(s, 0, 10, XT_TCP_PSH | XT_TCP_ACK);
	xt_sock_set_nodelay(s, 1);
	fx_write(s, 1000);
	ci = info_of_one();
	cr_assert_eq(ci.sendq, 1000);
	cr_assert_eq(ci.recvq, 10);
	cr_assert(ci.timers & (1u << XT_TIMER_RTX));
	cr_assert_leq(ci.timer_ms[XT_TIMER_RTX], rto);
	cr_assert_eq(ci.retrans, 0);
	fx_advance(rto);
	ci = info_of_one();
	cr_assert_eq(ci.retrans, 1);
	cr_assert_eq(ci.backoff, 1);
	cr_assert_eq(ci.rto_ms, 2 * rto, "RFC 6298 §5.5: backed off");
	fx_end();
}

Test(conn_info, time_wait_shows_its_timer)
{
	struct xt_conn_info ci;

	fx_in_state(XT_TIME_WAIT);
	ci = info_of_one();
	cr_assert_eq(ci.state, XT_TIME_WAIT);
	cr_assert(ci.timers & (1u << XT_TIMER_TIMEWAIT));
	cr_assert_eq(ci.timer_ms[XT_TIMER_TIMEWAIT], 2 * fx.cfg.msl_ms);
	fx_end();
}
