// SPDX-License-Identifier: MIT
/*
 * Tests for the closing states (RFC 9293 §3.3.2, §3.6, §3.10.4):
 * FIN-WAIT-1, FIN-WAIT-2, CLOSING, TIME-WAIT (with RFC 6191 reuse),
 * CLOSE-WAIT, LAST-ACK, and the application's close and abort.
 */
#include <errno.h>
#include "unit/tcp_fixture.h"

TestSuite(fin_wait_1, .init = fx_init, .fini = fx_fini);
TestSuite(fin_wait_2, .init = fx_init, .fini = fx_fini);
TestSuite(closing, .init = fx_init, .fini = fx_fini);
TestSuite(time_wait, .init = fx_init, .fini = fx_fini);
TestSuite(close_wait, .init = fx_init, .fini = fx_fini);
TestSuite(last_ack, .init = fx_init, .fini = fx_fini);
TestSuite(close, .init = fx_init, .fini = fx_fini);

#define TWO_MSL		(2ULL * fx.cfg.msl_ms)

/* --- FIN-WAIT-1 ---------------------------------------------------------- */

Test(fin_wait_1, fin_follows_the_queued_data)
{
	struct xt_sock *s = fx_established();
	uint32_t end = s->iss + 1 + 3000;

	fx_write(s, 3000);		/* Nagle holds the last 80 bytes */
	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	cr_assert_eq(s->state, XT_FIN_WAIT_1);
	cr_assert(fx_last()->flags & XT_TCP_FIN);
	cr_assert_eq(fx_last()->seq + fx_last()->payload_len, end);
	cr_assert_eq(s->snd_max, end + 1);
	cr_assert_eq(fx_count(0, XT_TCP_FIN), 1);
	fx_end();
}

Test(fin_wait_1, ack_of_fin_enters_fin_wait_2)
{
	struct xt_sock *s = fx_in_state(XT_FIN_WAIT_1);
	size_t n = fx_nout();

	fx_ack_all(s);
	cr_assert_eq(s->state, XT_FIN_WAIT_2);
	cr_assert_eq(fx_nout(), n, "an ACK of our FIN was answered");
	cr_assert_eq(fx.app.closed, 0);
	cr_assert_not(xt_timer_armed(&s->rtx_timer));
	fx_end();
}

Test(fin_wait_1, ack_short_of_the_fin_stays)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out ack;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 100);
	xt_shutdown(s);
	fx_poll();
	ack = fx_seg(s);
	ack.ack = s->iss + 1 + 100;	/* the data, not the FIN */
	fx_send(&ack);
	cr_assert_eq(s->state, XT_FIN_WAIT_1);
	cr_assert_eq(s->snd_una, s->iss + 1 + 100);
	fx_end();
}

Test(fin_wait_1, fin_ack_enters_time_wait)
{
	struct xt_sock *s = fx_in_state(XT_FIN_WAIT_1);

	fx_peer_fin(s, s->snd_max);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_max, FX_PEER_ISN + 2);
	cr_assert(fx.app.eof);
	cr_assert_eq(fx.app.closed, 0, "closed() before TIME-WAIT ends");
	fx_end();
}

Test(fin_wait_1, fin_alone_enters_closing)
{
	struct xt_sock *s = fx_in_state(XT_FIN_WAIT_1);

	fx_peer_fin(s, s->snd_max - 1);
	cr_assert_eq(s->state, XT_CLOSING);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_max, FX_PEER_ISN + 2);
	fx_end();
}

Test(fin_wait_1, data_is_still_delivered)
{
	struct xt_sock *s = fx_in_state(XT_FIN_WAIT_1);

	fx_peer_data(s, 0, 500, XT_TCP_ACK);
	fx_expect_rx(500);
	cr_assert_eq(s->state, XT_FIN_WAIT_2, "the ACK of the FIN was lost");
	fx_end();
}

Test(fin_wait_1, fin_retransmitted_on_timeout)
{
	struct xt_sock *s = fx_in_state(XT_FIN_WAIT_1);
	uint32_t fin_seq = s->snd_max - 1;

	fx_advance(fx.cfg.rto_initial_ms);
	cr_assert_eq(fx_count(0, XT_TCP_FIN), 2);
	fx_expect(fx_last(), XT_TCP_FIN | XT_TCP_ACK, fin_seq, s->rcv_nxt);
	cr_assert_eq(s->snd_max, fin_seq + 1, "the FIN took two numbers");
	fx_end();
}

Test(fin_wait_1, send_after_shutdown_is_epipe)
{
	struct xt_sock *s = fx_in_state(XT_FIN_WAIT_1);

	cr_assert_eq(xt_send(s, "x", 1), -EPIPE);
	cr_assert_eq(xt_sock_send_space(s), 0);
	cr_assert_eq(xt_shutdown(s), 0, "a second shutdown fails");
	fx_poll();
	cr_assert_eq(fx_count(0, XT_TCP_FIN), 1);
	fx_end();
}

/* --- FIN-WAIT-2 ---------------------------------------------------------- */

Test(fin_wait_2, fin_enters_time_wait)
{
	struct xt_sock *s = fx_in_state(XT_FIN_WAIT_2);

	fx_peer_fin(s, s->snd_max);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_max, FX_PEER_ISN + 2);
	fx_end();
}

Test(fin_wait_2, half_close_still_receives)
{
	struct xt_sock *s = fx_in_state(XT_FIN_WAIT_2);

	fx_peer_data(s, 0, 1000, XT_TCP_ACK);
	fx_peer_data(s, 1000, 1000, XT_TCP_ACK);
	fx_peer_data(s, 2000, 1000, XT_TCP_ACK | XT_TCP_FIN);
	fx_expect_rx(3000);
	cr_assert(fx.app.eof);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_end();
}

Test(fin_wait_2, stays_while_the_application_holds_it)
{
	struct xt_sock *s = fx_in_state(XT_FIN_WAIT_2);

	fx_advance(10 * TWO_MSL);
	cr_assert_eq(s->state, XT_FIN_WAIT_2);
	cr_assert_eq(fx_nout(), 2);
	fx_end();
}

Test(fin_wait_2, orphan_gives_up_after_2msl)
{
	struct xt_sock *s = fx_established();

	fx_close(s);
	cr_assert_eq(s->state, XT_FIN_WAIT_1);
	fx_ack_all(s);
	cr_assert_eq(s->state, XT_FIN_WAIT_2);
	fx_advance(TWO_MSL - 1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	fx_advance(1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.closed, 0, "closed() after xt_close()");
	fx_end();
}

/*
 * RFC 1122 §4.2.2.13: data that arrives after the application closed
 * (there is no one to read it) SHOULD be answered with a RST.
 */
Test(fin_wait_2, data_after_close_resets)
{
	struct xt_sock *s = fx_established();
	size_t n;

	fx_close(s);
	fx_ack_all(s);
	cr_assert_eq(s->state, XT_FIN_WAIT_2);
	n = fx_nout();
	fx_peer_data(s, 0, 100, XT_TCP_ACK | XT_TCP_PSH);
	cr_assert_geq(fx_nout(), n + 1);
	cr_assert(fx_last()->flags & XT_TCP_RST, "flags %#x: not a reset",
		  fx_last()->flags);
	cr_assert_null(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT));
	fx_end();
}

/* --- CLOSING ------------------------------------------------------------- */

Test(closing, ack_of_fin_enters_time_wait)
{
	struct xt_sock *s = fx_in_state(XT_CLOSING);
	size_t n = fx_nout();

	fx_ack_all(s);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	cr_assert_eq(fx_nout(), n);
	fx_advance(TWO_MSL);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.closed, 1);
	cr_assert_eq(fx.app.why, XT_CLOSE_NORMAL);
	fx_end();
}

Test(closing, fin_retransmitted_until_acked)
{
	struct xt_sock *s = fx_in_state(XT_CLOSING);

	fx_advance(fx.cfg.rto_initial_ms);
	cr_assert_eq(fx_count(0, XT_TCP_FIN), 2);
	cr_assert_eq(s->state, XT_CLOSING);
	fx_end();
}

/* --- TIME-WAIT ----------------------------------------------------------- */

Test(time_wait, lasts_exactly_2msl)
{
	struct xt_sock *s = fx_in_state(XT_TIME_WAIT);

	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_advance(TWO_MSL - 1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	cr_assert_eq(fx.app.closed, 0);
	fx_advance(1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.closed, 1);
	cr_assert_eq(fx.app.why, XT_CLOSE_NORMAL);
	cr_assert_eq(fx.st->wheel.count, 0, "timers left armed");
	fx_end();
}

Test(time_wait, retransmitted_fin_is_acked_and_restarts_2msl)
{
	struct xt_sock *s = fx_in_state(XT_TIME_WAIT);
	struct xt_seg_out fin = fx_seg(s);
	size_t n = fx_nout();

	fx_advance(TWO_MSL / 2);
	fin.seq = s->rcv_nxt - 1;
	fin.flags = XT_TCP_FIN | XT_TCP_ACK;
	fx_send(&fin);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_max, s->rcv_nxt);
	fx_advance(TWO_MSL - 1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1, "2 MSL not restarted");
	fx_advance(1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}

Test(time_wait, ack_is_ignored)
{
	struct xt_sock *s = fx_in_state(XT_TIME_WAIT);
	struct xt_seg_out ack = fx_seg(s);
	size_t n = fx_nout();

	fx_send(&ack);
	cr_assert_eq(fx_nout(), n);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_end();
}

/* RFC 6191, without timestamps: a SYN beyond RCV.NXT reopens the tuple. */
Test(time_wait, syn_with_higher_seq_reopens)
{
	struct xt_sock *s = fx_in_state(XT_TIME_WAIT);
	struct xt_seg_out syn;
	struct xt_sock *t;

	fx.peer.isn = s->rcv_nxt + 100000;
	syn = fx_syn();
	fx_send(&syn);
	cr_assert_eq(fx.app.closed, 1, "the old incarnation was not closed");
	fx_expect(fx_last(), XT_TCP_SYN | XT_TCP_ACK, fx_last()->seq,
		  fx.peer.isn + 1);
	t = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT);
	cr_assert_not_null(t);
	cr_assert_eq(t->state, XT_SYN_RCVD);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	fx_end();
}

Test(time_wait, syn_with_lower_seq_gets_ack)
{
	struct xt_sock *s = fx_in_state(XT_TIME_WAIT);
	struct xt_seg_out syn;
	size_t n = fx_nout();

	fx.peer.isn = s->rcv_nxt - 100000;
	syn = fx_syn();
	fx_send(&syn);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_max, s->rcv_nxt);
	fx_end();
}

Test(time_wait, syn_with_higher_timestamp_reopens)
{
	struct xt_sock *s;
	struct xt_seg_out syn;

	fx.peer.opts |= XT_OPT_TS;
	s = fx_in_state(XT_TIME_WAIT);
	fx_advance(1000);		/* the peer's clock moves on */
	fx.peer.isn = s->rcv_nxt - 100000;	/* sequence numbers do not */
	syn = fx_syn();
	fx_send(&syn);
	cr_assert_eq(fx.app.closed, 1);
	fx_expect(fx_last(), XT_TCP_SYN | XT_TCP_ACK, fx_last()->seq,
		  fx.peer.isn + 1);
	cr_assert_eq(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT)->state,
		     XT_SYN_RCVD);
	fx_end();
}

Test(time_wait, syn_with_old_timestamp_does_not_reopen)
{
	struct xt_sock *s;
	struct xt_seg_out syn;

	fx.peer.opts |= XT_OPT_TS;
	s = fx_in_state(XT_TIME_WAIT);
	fx.peer.tsval -= 5000;		/* older than TS.Recent */
	fx.peer.isn = s->rcv_nxt + 100000;
	syn = fx_syn();
	fx_send(&syn);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	cr_assert_eq(fx_last()->flags, XT_TCP_ACK);
	cr_assert_eq(fx.app.closed, 0);
	fx_end();
}

/*
 * RFC 1122 §4.2.2.13 (and RFC 6191 §2 without timestamps): a TIME-WAIT
 * tuple is reopened only with an ISS above the largest sequence number the
 * old incarnation used, or its duplicates could be taken for new data.
 */
Test(time_wait, reopened_iss_is_above_the_old_snd_max)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out syn;
	uint32_t old_max;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 4000);
	fx_ack_all(s);
	xt_shutdown(s);
	fx_poll();
	fx_ack_all(s);
	fx_peer_fin(s, s->snd_max);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	old_max = s->snd_max;
	fx.peer.isn = s->rcv_nxt + 100000;
	syn = fx_syn();
	fx_send(&syn);
	cr_assert_eq(fx_last()->flags, XT_TCP_SYN | XT_TCP_ACK);
	cr_assert(xt_seq_gt(fx_last()->seq, old_max),
		  "new ISS %#x, old incarnation reached %#x", fx_last()->seq,
		  old_max);
	fx_end();
}

/*
 * RFC 6191 reopens a TIME-WAIT tuple for a listener's SYN. With no
 * listener on the port (an active open's TIME-WAIT), the SYN is one for
 * TIME-WAIT itself (RFC 5961 §4: challenge ACK), and TIME-WAIT stays.
 */
Test(time_wait, syn_without_a_listener_keeps_time_wait)
{
	struct xt_sock *s = fx_connected();
	struct xt_seg_out syn;
	size_t n;

	xt_shutdown(s);
	fx_poll();
	fx_ack_all(s);
	fx_peer_fin(s, s->snd_max);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	n = fx_nout();
	syn = fx_seg(s);
	syn.flags = XT_TCP_SYN;
	syn.seq = s->rcv_nxt + 100000;
	fx_send(&syn);
	cr_assert_eq(fx_count(n, XT_TCP_RST), 0, "TIME-WAIT answered a RST");
	cr_assert_eq(xt_stack_conn_count(fx.st), 1, "TIME-WAIT dropped");
	cr_assert_eq(s->state, XT_TIME_WAIT);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_max, s->rcv_nxt);
	fx_end();
}

/* --- CLOSE-WAIT ---------------------------------------------------------- */

Test(close_wait, eof_after_the_data)
{
	struct xt_sock *s;
	uint8_t buf[64];

	fx.app.autoread = false;
	s = fx_established();
	fx_peer_data(s, 0, 64, XT_TCP_ACK | XT_TCP_FIN | XT_TCP_PSH);
	cr_assert_eq(s->state, XT_CLOSE_WAIT);
	cr_assert_eq(xt_recv(s, buf, sizeof(buf)), 64);
	cr_assert_eq(xt_recv(s, buf, sizeof(buf)), 0);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(buf[i], fx_peer_byte((uint32_t)i));
	fx_end();
}

Test(close_wait, can_still_send)
{
	struct xt_sock *s = fx_in_state(XT_CLOSE_WAIT);

	fx_write(s, 1000);
	cr_assert_eq(fx_last()->payload_len, 1000);
	fx_ack_all(s);
	cr_assert_eq(s->snd_una, s->iss + 1 + 1000);
	cr_assert_eq(s->state, XT_CLOSE_WAIT);
	fx_end();
}

Test(close_wait, shutdown_sends_fin_and_enters_last_ack)
{
	struct xt_sock *s = fx_in_state(XT_CLOSE_WAIT);

	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	cr_assert_eq(s->state, XT_LAST_ACK);
	fx_expect(fx_last(), XT_TCP_FIN | XT_TCP_ACK, s->iss + 1, s->rcv_nxt);
	fx_end();
}

Test(close_wait, retransmitted_fin_is_acked)
{
	struct xt_sock *s = fx_in_state(XT_CLOSE_WAIT);
	struct xt_seg_out fin = fx_seg(s);
	size_t n = fx_nout();

	fin.seq = s->rcv_nxt - 1;
	fin.flags = XT_TCP_FIN | XT_TCP_ACK;
	fx_send(&fin);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, s->rcv_nxt);
	cr_assert_eq(s->state, XT_CLOSE_WAIT);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 2, "FIN counted twice");
	fx_end();
}

/* --- LAST-ACK ------------------------------------------------------------ */

Test(last_ack, ack_of_fin_closes)
{
	struct xt_sock *s = fx_in_state(XT_LAST_ACK);
	size_t n = fx_nout();

	fx_ack_all(s);
	fx_expect_closed(XT_CLOSE_NORMAL);
	cr_assert_eq(fx_nout(), n);
	fx_end();
}

Test(last_ack, ack_short_of_the_fin_stays)
{
	struct xt_sock *s = fx_in_state(XT_LAST_ACK);
	struct xt_seg_out ack = fx_seg(s);

	ack.ack = s->snd_max - 1;
	fx_send(&ack);
	cr_assert_eq(s->state, XT_LAST_ACK);
	cr_assert_eq(fx.app.closed, 0);
	fx_end();
}

Test(last_ack, fin_retransmitted_then_given_up)
{
	struct xt_sock *s;

	fx.cfg.max_retries = 2;
	fx_restart();
	s = fx_in_state(XT_LAST_ACK);
	fx_advance(1000 + 2000);
	cr_assert_eq(fx_count(0, XT_TCP_FIN), 3);
	cr_assert_eq(s->state, XT_LAST_ACK);
	fx_advance(4000);
	fx_expect_closed(XT_CLOSE_TIMEOUT);
	fx_end();
}

/* --- the application closes ---------------------------------------------- */

Test(close, passive_close_path)
{
	struct xt_sock *s = fx_established();

	fx_peer_data(s, 0, 100, XT_TCP_ACK | XT_TCP_FIN);
	cr_assert_eq(s->state, XT_CLOSE_WAIT);
	fx_write(s, 200);
	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	cr_assert_eq(s->state, XT_LAST_ACK);
	fx_ack_all(s);
	fx_expect_closed(XT_CLOSE_NORMAL);
	fx_expect_rx(100);
	fx_end();
}

Test(close, active_close_path)
{
	struct xt_sock *s = fx_connected();

	fx_write(s, 300);
	fx_peer_data(s, 0, 300, XT_TCP_ACK);
	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	cr_assert_eq(s->state, XT_FIN_WAIT_1);
	fx_ack_all(s);
	cr_assert_eq(s->state, XT_FIN_WAIT_2);
	fx_peer_fin(s, s->snd_max);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_advance(TWO_MSL);
	fx_expect_closed(XT_CLOSE_NORMAL);
	fx_expect_rx(300);
	fx_end();
}

Test(close, simultaneous_close_path)
{
	struct xt_sock *s = fx_established();
	uint32_t our_fin;

	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	our_fin = s->snd_max - 1;
	fx_peer_fin(s, our_fin);		/* the FINs cross */
	cr_assert_eq(s->state, XT_CLOSING);
	fx_ack_all(s);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_advance(TWO_MSL);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.why, XT_CLOSE_NORMAL);
	fx_end();
}

/* The usual server: it reads to the end, then closes from the callback. */
Test(close, close_from_the_readable_callback)
{
	struct xt_sock *s;

	fx.app.close_on_eof = true;
	s = fx_established();
	fx_peer_data(s, 0, 100, XT_TCP_ACK | XT_TCP_FIN);
	fx_expect_rx(100);
	cr_assert_eq(s->state, XT_LAST_ACK);
	/* One segment: the ACK of the FIN rides on ours. */
	fx_expect(fx_last(), XT_TCP_FIN | XT_TCP_ACK, s->iss + 1,
		  FX_PEER_ISN + 1 + 101);
	fx_ack_all(s);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.closed, 0);
	fx_end();
}

/* An echo server: what it reads goes back, the ACK riding on the data. */
Test(close, echo_then_close)
{
	struct xt_sock *s;
	size_t n;

	fx.app.echo = true;
	fx.app.close_on_eof = true;
	s = fx_established();
	n = fx_nout();
	fx_peer_data(s, 0, 300, XT_TCP_ACK | XT_TCP_PSH);
	cr_assert_eq(fx_nout(), n + 1);
	cr_assert_eq(fx_last()->payload_len, 300);
	cr_assert_eq(fx_last()->ack, FX_PEER_ISN + 1 + 300);
	for (uint32_t i = 0; i < 300; i++)
		cr_assert_eq(fx_last()->payload[i], fx_peer_byte(i));
	fx_peer_data(s, 300, 0, XT_TCP_ACK | XT_TCP_FIN);
	cr_assert_eq(s->state, XT_LAST_ACK);
	fx_ack_all(s);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}

Test(close, close_with_unread_data_resets)
{
	struct xt_sock *s;
	uint32_t snd_nxt;

	fx.app.autoread = false;
	s = fx_established();
	fx_peer_data(s, 0, 100, XT_TCP_ACK);
	snd_nxt = s->snd_nxt;
	fx_close(s);			/* s is gone */
	cr_assert_eq(fx_last()->flags & XT_TCP_RST, XT_TCP_RST);
	cr_assert_eq(fx_last()->seq, snd_nxt);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.closed, 0);
	fx_end();
}

Test(close, close_sends_fin_and_finishes_alone)
{
	struct xt_sock *s = fx_established();

	fx_close(s);
	cr_assert_eq(s->state, XT_FIN_WAIT_1);
	fx_expect(fx_last(), XT_TCP_FIN | XT_TCP_ACK, s->iss + 1, s->rcv_nxt);
	fx_peer_fin(s, s->snd_max);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_advance(TWO_MSL);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.closed, 0);
	fx_end();
}

Test(close, abort_sends_rst)
{
	struct xt_sock *s = fx_established();
	uint32_t seq = s->snd_nxt;

	fx_abort(s);
	cr_assert_eq(fx_nout(), 2);
	cr_assert(fx_last()->flags & XT_TCP_RST);
	cr_assert_eq(fx_last()->seq, seq);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.app.closed, 0);
	cr_assert_eq(xt_stack_stats(fx.st)->resets_sent, 1);
	fx_end();
}

Test(close, stack_free_spares_time_wait)
{
	struct xt_sock *s = fx_in_state(XT_TIME_WAIT);
	size_t n = fx_nout();

	(void)s;
	xt_stack_free(fx.st, fx.now);
	fx.st = NULL;
	cr_assert_eq(fx_count(n, XT_TCP_RST), 0, "TIME-WAIT reset");
	cr_assert_eq(fx.app.closed, 1);
	fx_end();
}

Test(close, stack_free_resets_live_connections)
{
	struct xt_sock *s = fx_established();

	(void)s;
	xt_stack_free(fx.st, fx.now);
	fx.st = NULL;
	cr_assert(fx_last()->flags & XT_TCP_RST);
	cr_assert_eq(fx.app.closed, 1);
	cr_assert_eq(fx.app.why, XT_CLOSE_ABORTED);
	fx_end();
}
