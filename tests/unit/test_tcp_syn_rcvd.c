// SPDX-License-Identifier: MIT
/* Tests for the SYN-RECEIVED state of a passive open (RFC 9293 §3.10.7.4). */
#include "unit/tcp_fixture.h"

TestSuite(syn_rcvd, .init = fx_init, .fini = fx_fini);

Test(syn_rcvd, ack_enters_established_and_accepts)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out ack = fx_seg(s);

	fx_send(&ack);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.accepted, 1);
	cr_assert_eq(fx.app.sock, s);
	cr_assert_eq(s->snd_una, s->iss + 1);
	cr_assert_eq(fx_nout(), 1, "the handshake's ACK was answered");
	fx_end();
}

Test(syn_rcvd, ack_carrying_data_delivers_it)
{
	struct xt_sock *s = fx_syn_rcvd();

	fx_peer_data(s, 0, 300, XT_TCP_ACK | XT_TCP_PSH);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.accepted, 1);
	fx_expect_rx(300);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 1 + 300);
	fx_end();
}

Test(syn_rcvd, ack_carrying_fin_enters_close_wait)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out fin = fx_seg(s);

	fin.flags = XT_TCP_FIN | XT_TCP_ACK;
	fx_send(&fin);
	cr_assert_eq(s->state, XT_CLOSE_WAIT);
	cr_assert_eq(fx.app.accepted, 1);
	cr_assert(fx.app.eof, "the application did not see the FIN");
	fx_expect(fx_last(), XT_TCP_ACK, s->iss + 1, FX_PEER_ISN + 2);
	fx_end();
}

Test(syn_rcvd, retransmitted_syn_gets_the_same_syn_ack)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out syn = fx_syn();
	struct xt_seg_out first = *fx_last();

	fx_advance(100);
	fx_send(&syn);
	cr_assert_eq(fx_nout(), 2);
	fx_expect(fx_last(), XT_TCP_SYN | XT_TCP_ACK, first.seq, first.ack);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	fx_end();
}

Test(syn_rcvd, syn_ack_retransmitted_with_backoff_then_given_up)
{
	struct xt_sock *s = fx_syn_rcvd();
	uint64_t t0 = fx.now, rto = fx.cfg.rto_initial_ms, t = t0;
	uint32_t iss = s->iss;

	fx_advance(rto - 1);
	cr_assert_eq(fx_nout(), 1, "retransmitted before the RTO");
	for (uint32_t i = 1; i <= fx.cfg.syn_retries; i++) {
		t += rto;
		fx_advance(t - fx.now);
		cr_assert_eq(fx_nout(), 1 + i, "retransmission %u", i);
		cr_assert_eq(fx_out_at(i)->at, t);
		fx_expect(fx_last(), XT_TCP_SYN | XT_TCP_ACK, iss,
			  FX_PEER_ISN + 1);
		rto = rto * 2 < fx.cfg.rto_max_ms ? rto * 2 : fx.cfg.rto_max_ms;
	}
	fx_advance(t + rto - 1 - fx.now);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	fx_advance(1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.st->nhalf_open, 0);
	cr_assert_eq(fx.app.accepted + fx.app.closed, 0,
		     "the application heard of a connection it never had");
	fx_end();
}

/* RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED: an unacceptable ACK is reset. */
Test(syn_rcvd, ack_of_nothing_new_gets_rst)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out ack = fx_seg(s);

	ack.ack = s->iss;
	fx_send(&ack);
	fx_expect(fx_last(), XT_TCP_RST, s->iss, 0);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	fx_end();
}

Test(syn_rcvd, ack_beyond_snd_nxt_gets_rst)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out ack = fx_seg(s);

	ack.ack = s->iss + 1000;
	fx_send(&ack);
	cr_assert_eq(fx_nout(), 2);
	/* <SEQ=SEG.ACK><CTL=RST>, not an ACK */
	fx_expect(fx_last(), XT_TCP_RST, s->iss + 1000, 0);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	cr_assert_eq(fx.app.accepted, 0);
	fx_end();
}

Test(syn_rcvd, exact_rst_returns_to_listen)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out rst = fx_seg(s);
	struct xt_seg_out syn;

	rst.flags = XT_TCP_RST;
	fx_send(&rst);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx.st->nhalf_open, 0);
	cr_assert_eq(fx.app.closed, 0);
	cr_assert_eq(fx_nout(), 1);
	/* The listener is still there. */
	syn = fx_syn();
	syn.seq += 5000;
	fx_send(&syn);
	cr_assert_eq(fx_last()->flags, XT_TCP_SYN | XT_TCP_ACK);
	fx_end();
}

Test(syn_rcvd, in_window_rst_gets_challenge_ack)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out rst = fx_seg(s);

	rst.flags = XT_TCP_RST;
	rst.seq = s->rcv_nxt + 10;
	fx_send(&rst);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	cr_assert_eq(fx_nout(), 2);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, s->rcv_nxt);
	fx_end();
}

Test(syn_rcvd, out_of_window_rst_is_dropped)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out rst = fx_seg(s);

	rst.flags = XT_TCP_RST;
	rst.seq = s->rcv_nxt + 0x10000000u;
	fx_send(&rst);
	rst.seq = s->rcv_nxt - 1;
	fx_send(&rst);
	cr_assert_eq(fx_nout(), 1);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	fx_end();
}

Test(syn_rcvd, segment_without_ack_is_dropped)
{
	struct xt_sock *s = fx_syn_rcvd();

	fx_peer_data(s, 0, 100, XT_TCP_PSH);
	cr_assert_eq(fx_nout(), 1);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 1);
	cr_assert_eq(fx.app.rx_len, 0);
	fx_end();
}

Test(syn_rcvd, unacceptable_segment_gets_ack)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out seg = fx_seg(s);

	seg.seq = s->rcv_nxt + 0x20000000u;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 2);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, s->rcv_nxt);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	fx_end();
}

/*
 * RFC 9293 §3.10.7.4 fourth, SYN-RECEIVED: "If the connection was
 * initiated with a passive OPEN, then return this connection to the LISTEN
 * state and return." A SYN of another incarnation (not the retransmitted
 * SYN) in the window ends the embryonic connection.
 */
Test(syn_rcvd, new_syn_in_window_returns_to_listen)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out syn = fx_syn();

	syn.seq = s->rcv_nxt + 100;
	fx_send(&syn);
	cr_assert_null(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT),
		       "SYN-RECEIVED kept after a new SYN in its window");
	cr_assert_eq(fx.app.accepted + fx.app.closed, 0);
	fx_end();
}

Test(syn_rcvd, timestamps_negotiated_give_rtt_sample)
{
	struct xt_sock *s;
	struct xt_seg_out ack;

	fx.peer.opts |= XT_OPT_TS;
	s = fx_syn_rcvd();
	fx_advance(30);
	ack = fx_seg(s);
	fx_send(&ack);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert(s->rtt_valid);
	cr_assert_eq(s->srtt_us, 30000);
	fx_end();
}
