// SPDX-License-Identifier: MIT
/*
 * RFC 5961 in every synchronized state: blind RST (§3), blind SYN (§4),
 * blind data with a bad ACK (§5), and the challenge ACK rate limit (§7).
 * Each case runs once per state, from the fixture for that state.
 */
#include "unit/tcp_fixture.h"

TestSuite(rst_syn, .init = fx_init, .fini = fx_fini);

static const enum xt_tcp_state sync_states[] = {
	XT_ESTABLISHED, XT_FIN_WAIT_1, XT_FIN_WAIT_2, XT_CLOSE_WAIT,
	XT_CLOSING, XT_LAST_ACK, XT_TIME_WAIT,
};

#define NSTATES		(sizeof(sync_states) / sizeof(sync_states[0]))

static struct criterion_test_params states(void)
{
	return cr_make_param_array(enum xt_tcp_state, (void *)sync_states,
				   NSTATES);
}

static const char *name(enum xt_tcp_state st)
{
	return xt_tcp_state_name(st);
}

/* A segment with 'flags' at RCV.NXT + off. */
static void send_at(struct xt_sock *s, uint8_t flags, uint32_t off)
{
	struct xt_seg_out o = fx_seg(s);

	o.flags = flags;
	o.seq = s->rcv_nxt + off;
	fx_send(&o);
}

/* The challenge ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
static void expect_challenge_ack(struct xt_sock *s, size_t before,
				 enum xt_tcp_state st)
{
	cr_assert_eq(fx_nout(), before + 1, "%s: %zu segments, not 1",
		     name(st), fx_nout() - before);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, s->rcv_nxt);
	cr_assert_eq(s->state, st, "%s became %s", name(st), name(s->state));
}

ParameterizedTestParameters(rst_syn, exact_rst_resets) { return states(); }
ParameterizedTest(enum xt_tcp_state *st, rst_syn, exact_rst_resets)
{
	struct xt_sock *s = fx_in_state(*st);
	size_t n = fx_nout();

	send_at(s, XT_TCP_RST, 0);
	cr_assert_eq(fx_nout(), n, "%s: a RST was answered", name(*st));
	cr_assert_eq(xt_stack_conn_count(fx.st), 0, "%s survived", name(*st));
	cr_assert_eq(fx.app.closed, 1);
	cr_assert_eq(fx.app.why, XT_CLOSE_RESET, "%s: closed(%s)", name(*st),
		     xt_close_reason_name(fx.app.why));
	cr_assert_eq(xt_stack_stats(fx.st)->resets_received, 1);
	fx_end();
}

ParameterizedTestParameters(rst_syn, exact_rst_ack_resets) { return states(); }
ParameterizedTest(enum xt_tcp_state *st, rst_syn, exact_rst_ack_resets)
{
	struct xt_sock *s = fx_in_state(*st);

	send_at(s, XT_TCP_RST | XT_TCP_ACK, 0);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0, "%s survived", name(*st));
	cr_assert_eq(fx.app.why, XT_CLOSE_RESET);
	fx_end();
}

ParameterizedTestParameters(rst_syn, in_window_rst_gets_challenge_ack)
{
	return states();
}
ParameterizedTest(enum xt_tcp_state *st, rst_syn,
		  in_window_rst_gets_challenge_ack)
{
	struct xt_sock *s = fx_in_state(*st);
	size_t n = fx_nout();

	send_at(s, XT_TCP_RST, 1);
	expect_challenge_ack(s, n, *st);
	cr_assert_eq(fx.app.closed, 0);
	cr_assert_eq(xt_stack_stats(fx.st)->challenge_acks, 1);
	/* The peer, if real, answers with a RST that matches exactly. */
	send_at(s, XT_TCP_RST, 0);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0, "%s survived", name(*st));
	fx_end();
}

ParameterizedTestParameters(rst_syn, out_of_window_rst_is_dropped)
{
	return states();
}
ParameterizedTest(enum xt_tcp_state *st, rst_syn,
		  out_of_window_rst_is_dropped)
{
	struct xt_sock *s = fx_in_state(*st);
	size_t n = fx_nout();

	send_at(s, XT_TCP_RST, (uint32_t)-1);
	send_at(s, XT_TCP_RST, 0x40000000u);
	send_at(s, XT_TCP_RST | XT_TCP_ACK, 0x90000000u);
	cr_assert_eq(fx_nout(), n, "%s: an out-of-window RST was answered",
		     name(*st));
	cr_assert_eq(s->state, *st);
	cr_assert_eq(fx.app.closed, 0);
	fx_end();
}

ParameterizedTestParameters(rst_syn, syn_gets_challenge_ack)
{
	return states();
}
ParameterizedTest(enum xt_tcp_state *st, rst_syn, syn_gets_challenge_ack)
{
	struct xt_sock *s = fx_in_state(*st);
	size_t n = fx_nout();

	/* At RCV.NXT: in the window, and no TIME-WAIT reuse (RFC 6191). */
	send_at(s, XT_TCP_SYN, 0);
	expect_challenge_ack(s, n, *st);
	send_at(s, XT_TCP_SYN | XT_TCP_ACK, 5);
	expect_challenge_ack(s, n + 1, *st);
	cr_assert_eq(fx.app.closed, 0);
	fx_end();
}

ParameterizedTestParameters(rst_syn, out_of_window_syn_gets_ack)
{
	return states();
}
ParameterizedTest(enum xt_tcp_state *st, rst_syn, out_of_window_syn_gets_ack)
{
	struct xt_sock *s = fx_in_state(*st);
	size_t n = fx_nout();

	send_at(s, XT_TCP_SYN | XT_TCP_ACK, 0x40000000u);
	expect_challenge_ack(s, n, *st);
	cr_assert_eq(xt_stack_stats(fx.st)->challenge_acks, 1,
		     "%s: a challenge ACK, counted", name(*st));
	fx_end();
}

ParameterizedTestParameters(rst_syn, ack_of_unsent_data_gets_ack)
{
	return states();
}
ParameterizedTest(enum xt_tcp_state *st, rst_syn, ack_of_unsent_data_gets_ack)
{
	struct xt_sock *s = fx_in_state(*st);
	struct xt_seg_out o = fx_seg(s);
	size_t n = fx_nout();

	o.ack = s->snd_max + 100;
	fx_send(&o);
	expect_challenge_ack(s, n, *st);
	fx_end();
}

/*
 * An established connection at the start of a second, under a limit of
 * one challenge ACK a second: a budget of exactly one, as [1/2, 3/2)
 * holds no other.
 */
static struct xt_sock *established_budget_of_one(void)
{
	struct xt_sock *s;

	fx.cfg.challenge_acks_per_s = 1;
	fx_restart();
	s = fx_established();
	fx_advance(1000 - fx.now % 1000);
	return s;
}

Test(rst_syn, challenge_acks_are_rate_limited)
{
	struct xt_sock *s = established_budget_of_one();
	size_t n = fx_nout();

	for (int i = 0; i < 5; i++)
		send_at(s, XT_TCP_RST, 10);
	cr_assert_eq(fx_nout(), n + 1, "%zu challenge ACKs in a second",
		     fx_nout() - n);
	cr_assert_eq(xt_stack_stats(fx.st)->challenge_acks, 1);
	fx_advance(999);
	send_at(s, XT_TCP_SYN, 0);
	cr_assert_eq(fx_nout(), n + 1);
	fx_advance(1);
	send_at(s, XT_TCP_SYN, 0);
	cr_assert_eq(fx_nout(), n + 2, "the limit did not reset");
	cr_assert_eq(s->state, XT_ESTABLISHED);
	fx_end();
}

/*
 * §4.2 "irrespective of the sequence number": blind SYNs outside the
 * window draw from the same budget, so they cannot make the stack send
 * an ACK each (xtcp-inject's blind SYNs found them unlimited).
 */
Test(rst_syn, out_of_window_syns_are_rate_limited)
{
	struct xt_sock *s = established_budget_of_one();
	size_t n = fx_nout();

	for (uint32_t i = 0; i < 5; i++)
		send_at(s, XT_TCP_SYN, 0x40000000u + i * 0x10000000u);
	cr_assert_eq(fx_nout(), n + 1, "%zu ACKs for 5 blind SYNs",
		     fx_nout() - n);
	cr_assert_eq(xt_stack_stats(fx.st)->challenge_acks, 1);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	fx_end();
}

/*
 * RFC 5961 §7 with CVE-2016-5696 closed: a fixed, stack-wide budget lets
 * an off-path attacker count the challenge ACKs a connection drew from it.
 * As Linux since 4.7, each second's budget is drawn from
 * [limit/2, 3*limit/2), afresh every second.
 */
Test(rst_syn, challenge_ack_budget_is_random_each_second)
{
	enum { LIMIT = 10, SECONDS = 8 };
	unsigned sent[SECONDS];
	bool varies = false;
	struct xt_sock *s;

	fx.cfg.challenge_acks_per_s = LIMIT;
	fx_restart();
	s = fx_established();
	fx_advance(1000 - fx.now % 1000);	/* the start of a second */
	for (int sec = 0; sec < SECONDS; sec++) {
		size_t n = fx_nout();

		for (int i = 0; i < 3 * LIMIT; i++)
			send_at(s, XT_TCP_RST, 10);
		sent[sec] = (unsigned)(fx_nout() - n);
		cr_assert_geq(sent[sec], LIMIT / 2, "second %d: %u", sec,
			      sent[sec]);
		cr_assert_lt(sent[sec], 3 * LIMIT / 2, "second %d: %u", sec,
			     sent[sec]);
		varies |= sent[sec] != sent[0];
		fx_advance(1000);
	}
	cr_assert(varies, "%u challenge ACKs every second", sent[0]);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	fx_end();
}

/* RFC 7323 §5.3 R1 applies to non-RST segments only. */
Test(rst_syn, exact_rst_with_old_timestamp_still_resets)
{
	struct xt_sock *s;
	struct xt_seg_out rst;

	fx.peer.opts |= XT_OPT_TS;
	s = fx_established();
	fx_peer_data(s, 0, 10, XT_TCP_ACK);
	rst = fx_seg(s);
	rst.flags = XT_TCP_RST;
	rst.opts.tsval = s->ts_recent - 1000;
	fx_send(&rst);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.why, XT_CLOSE_RESET);
	fx_end();
}

Test(rst_syn, rst_carrying_data_still_resets)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out rst = fx_seg(s);
	static const uint8_t why[] = "go away";

	rst.flags = XT_TCP_RST | XT_TCP_ACK;
	pkt_set_payload(&rst, why, sizeof(why));
	fx_send(&rst);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.rx_len, 0);
	fx_end();
}

/* --- the rest of §3.10.7.4, in every synchronized state -------------------- */

TestSuite(any_state, .init = fx_init, .fini = fx_fini);

ParameterizedTestParameters(any_state, segment_without_ack_is_dropped)
{
	return states();
}
ParameterizedTest(enum xt_tcp_state *st, any_state,
		  segment_without_ack_is_dropped)
{
	struct xt_sock *s = fx_in_state(*st);
	uint32_t rcv_nxt = s->rcv_nxt, una = s->snd_una;
	size_t n = fx_nout();

	fx_peer_data(s, rcv_nxt - FX_PEER_ISN - 1, 10, XT_TCP_PSH);
	send_at(s, XT_TCP_FIN, 0);
	cr_assert_eq(fx_nout(), n, "%s: answered", name(*st));
	cr_assert_eq(s->state, *st);
	cr_assert_eq(s->rcv_nxt, rcv_nxt);
	cr_assert_eq(s->snd_una, una);
	fx_end();
}

ParameterizedTestParameters(any_state, out_of_window_data_gets_ack)
{
	return states();
}
ParameterizedTest(enum xt_tcp_state *st, any_state,
		  out_of_window_data_gets_ack)
{
	struct xt_sock *s = fx_in_state(*st);
	uint32_t rcv_nxt = s->rcv_nxt;
	size_t n = fx_nout();

	fx_peer_data(s, rcv_nxt - FX_PEER_ISN - 1 + 0x40000000u, 10,
		     XT_TCP_ACK);
	expect_challenge_ack(s, n, *st);
	cr_assert_eq(s->rcv_nxt, rcv_nxt);
	fx_end();
}

static const enum xt_tcp_state fin_rcvd_states[] = {
	XT_CLOSE_WAIT, XT_CLOSING, XT_LAST_ACK, XT_TIME_WAIT,
};

ParameterizedTestParameters(any_state, text_after_the_fin_is_ignored)
{
	return cr_make_param_array(enum xt_tcp_state, (void *)fin_rcvd_states,
				   sizeof(fin_rcvd_states) /
				   sizeof(fin_rcvd_states[0]));
}
ParameterizedTest(enum xt_tcp_state *st, any_state,
		  text_after_the_fin_is_ignored)
{
	struct xt_sock *s = fx_in_state(*st);
	uint32_t rcv_nxt = s->rcv_nxt;
	static const uint8_t data[100];
	struct xt_seg_out o = fx_seg(s);

	o.ack = s->snd_una;		/* whatever our FIN's fate, no news */
	pkt_set_payload(&o, data, sizeof(data));
	fx_send(&o);
	cr_assert_eq(s->rcv_nxt, rcv_nxt, "%s: text taken", name(*st));
	cr_assert_eq(xt_sock_readable(s), 0);
	cr_assert_eq(s->state, *st);
	fx_end();
}

ParameterizedTestParameters(any_state, retransmitted_fin_is_acked)
{
	return cr_make_param_array(enum xt_tcp_state, (void *)fin_rcvd_states,
				   sizeof(fin_rcvd_states) /
				   sizeof(fin_rcvd_states[0]));
}
ParameterizedTest(enum xt_tcp_state *st, any_state, retransmitted_fin_is_acked)
{
	struct xt_sock *s = fx_in_state(*st);
	size_t n = fx_nout();

	send_at(s, XT_TCP_FIN | XT_TCP_ACK, (uint32_t)-1);
	expect_challenge_ack(s, n, *st);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 2, "%s: FIN counted twice",
		     name(*st));
	fx_end();
}

/*
 * Unacceptable pure ACKs draw at most one ACK per oow_ack_ms (500, as
 * Linux's tcp_invalid_ratelimit): a blind attacker's ACKs, or two ends
 * that disagree about a window, cannot make a connection answer each.
 */
Test(any_state, out_of_window_pure_acks_draw_one_ack_per_interval)
{
	struct xt_sock *s = fx_established();
	size_t n = fx_nout();

	for (uint32_t i = 0; i < 5; i++)
		send_at(s, XT_TCP_ACK, 0x40000000u + i * 0x1000u);
	cr_assert_eq(fx_nout(), n + 1, "%zu ACKs for 5 pure ACKs outside",
		     fx_nout() - n);
	cr_assert_eq(xt_stack_stats(fx.st)->oow_acks_skipped, 4);
	fx_advance(499);
	send_at(s, XT_TCP_ACK, 0x40000000u);
	cr_assert_eq(fx_nout(), n + 1, "still inside the interval");
	fx_advance(1);
	send_at(s, XT_TCP_ACK, 0x40000000u);
	cr_assert_eq(fx_nout(), n + 2, "the interval is over: answered");
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, s->rcv_nxt);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	fx_end();
}

/* Segments that carry data are answered every time, as in Linux. */
Test(any_state, out_of_window_data_is_answered_each_time)
{
	struct xt_sock *s = fx_established();
	uint32_t off = s->rcv_nxt - FX_PEER_ISN - 1 + 0x40000000u;
	size_t n = fx_nout();

	for (uint32_t i = 0; i < 3; i++)
		fx_peer_data(s, off + i * 100, 10, XT_TCP_ACK);
	cr_assert_eq(fx_nout(), n + 3);
	cr_assert_eq(xt_stack_stats(fx.st)->oow_acks_skipped, 0);
	fx_end();
}

/* oow_ack_ms 0: every unacceptable segment is answered. */
Test(any_state, out_of_window_ack_limit_can_be_lifted)
{
	struct xt_sock *s;
	size_t n;

	fx.cfg.oow_ack_ms = 0;
	fx_restart();
	s = fx_established();
	n = fx_nout();
	for (uint32_t i = 0; i < 3; i++)
		send_at(s, XT_TCP_ACK, 0x40000000u + i);
	cr_assert_eq(fx_nout(), n + 3);
	fx_end();
}
