// SPDX-License-Identifier: MIT
/*
 * Tests for segments no connection owns (RFC 9293 §3.10.7.1, CLOSED) and
 * for the LISTEN state (§3.10.7.2): the resets they get, and passive open.
 */
#include <endian.h>
#include <errno.h>
#include "unit/tcp_fixture.h"

TestSuite(closed, .init = fx_init, .fini = fx_fini);
TestSuite(listen, .init = fx_init, .fini = fx_fini);

static const uint8_t some_bytes[100];

/* --- CLOSED: no listener on the port ------------------------------------- */

Test(closed, syn_gets_rst_ack_from_seq_zero)
{
	struct xt_seg_out syn = fx_syn();

	fx_send(&syn);
	cr_assert_eq(fx_nout(), 1);
	/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	fx_expect(fx_last(), XT_TCP_RST | XT_TCP_ACK, 0, FX_PEER_ISN + 1);
	cr_assert_eq(fx_last()->sport, PKT_LOCAL_PORT);
	cr_assert_eq(fx_last()->dport, PKT_PEER_PORT);
	cr_assert_eq(fx_last()->daddr, htobe32(PKT_PEER_IP));
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}

Test(closed, ack_gets_rst_from_seg_ack)
{
	struct xt_seg_out seg = pkt_from_peer();

	seg.seq = 1000;
	seg.ack = 0x12345678;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 1);
	/* <SEQ=SEG.ACK><CTL=RST>, no ACK bit */
	fx_expect(fx_last(), XT_TCP_RST, 0x12345678, 0);
	fx_end();
}

Test(closed, data_and_fin_without_ack_counted_in_reset_ack)
{
	struct xt_seg_out seg = pkt_from_peer();

	seg.flags = XT_TCP_FIN | XT_TCP_PSH;
	seg.seq = 0xFFFFFFF0u;
	pkt_set_payload(&seg, some_bytes, sizeof(some_bytes));
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 1);
	/* SEG.LEN counts the payload and the FIN, across the wrap. */
	fx_expect(fx_last(), XT_TCP_RST | XT_TCP_ACK, 0,
		  (uint32_t)(0xFFFFFFF0u + sizeof(some_bytes) + 1));
	fx_end();
}

Test(closed, rst_is_never_answered)
{
	struct xt_seg_out seg = pkt_from_peer();

	seg.flags = XT_TCP_RST;
	fx_send(&seg);
	seg.flags = XT_TCP_RST | XT_TCP_ACK;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 0);
	cr_assert_eq(xt_stack_stats(fx.st)->resets_sent, 0);
	fx_end();
}

Test(closed, other_port_than_the_listener_resets)
{
	struct xt_seg_out syn = fx_syn();

	cr_assert_eq(fx_listen(), 0);
	syn.dport = PKT_LOCAL_PORT + 1;
	fx_send(&syn);
	fx_expect(fx_last(), XT_TCP_RST | XT_TCP_ACK, 0, FX_PEER_ISN + 1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}

/* --- LISTEN -------------------------------------------------------------- */

Test(listen, second_listen_on_a_port_fails)
{
	cr_assert_eq(fx_listen(), 0);
	cr_assert_eq(fx_listen(), -EADDRINUSE);
	fx_end();
}

Test(listen, syn_gets_syn_ack_and_opens_syn_rcvd)
{
	struct xt_sock *s = fx_syn_rcvd();
	const struct xt_seg_out *sa = fx_last();

	cr_assert_eq(fx_nout(), 1);
	fx_expect(sa, XT_TCP_SYN | XT_TCP_ACK, s->iss, FX_PEER_ISN + 1);
	cr_assert(sa->opts.present & XT_OPT_MSS);
	cr_assert_eq(sa->opts.mss, FX_MSS);
	cr_assert_eq(s->snd_nxt, s->iss + 1);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	cr_assert_eq(fx.app.accepted, 0, "accepted before the handshake");
	cr_assert_eq(xt_stack_stats(fx.st)->passive_opens, 1);
	fx_end();
}

Test(listen, syn_ack_offers_only_what_the_syn_offered)
{
	struct xt_sock *s;

	fx.peer.opts = XT_OPT_MSS;
	s = fx_syn_rcvd();
	cr_assert_eq(fx_last()->opts.present, XT_OPT_MSS,
		     "options %#x offered back to a SYN with MSS only",
		     fx_last()->opts.present);
	cr_assert_not(s->ws_ok || s->ts_ok || s->sack_ok);
	fx_end();
}

Test(listen, syn_ack_answers_every_option_offered)
{
	const struct xt_seg_out *sa;
	struct xt_sock *s;

	fx.peer.opts = XT_OPT_MSS | XT_OPT_WSCALE | XT_OPT_SACK_PERM | XT_OPT_TS;
	fx.peer.wscale = 4;
	s = fx_syn_rcvd();
	sa = fx_last();
	cr_assert_eq(sa->opts.present, XT_OPT_MSS | XT_OPT_WSCALE |
		     XT_OPT_SACK_PERM | XT_OPT_TS);
	/* RFC 7323 §2.3: enough shift for the receive buffer. */
	cr_assert_eq(sa->opts.wscale, xt_tcp_our_wscale(fx.st));
	cr_assert_gt(fx.cfg.rcvbuf >> sa->opts.wscale, 0);
	cr_assert_leq(fx.cfg.rcvbuf >> sa->opts.wscale, 65535);
	/* RFC 7323 §3.2: TSecr echoes the SYN's TSval. */
	cr_assert_eq(sa->opts.tsecr, FX_PEER_TSVAL + (uint32_t)fx.now);
	cr_assert(s->ws_ok && s->ts_ok && s->sack_ok);
	cr_assert_eq(s->snd_wscale, 4);
	/* The window of a SYN is never scaled (RFC 7323 §2.2). */
	cr_assert_eq(sa->wnd, 65535);
	fx_end();
}

Test(listen, rst_is_ignored)
{
	struct xt_seg_out seg = fx_syn();

	cr_assert_eq(fx_listen(), 0);
	seg.flags = XT_TCP_RST;
	fx_send(&seg);
	seg.flags = XT_TCP_RST | XT_TCP_SYN;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 0);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}

/* Found by xtcp-inject's malformed frames: it opened a connection. */
Test(listen, syn_fin_is_dropped)
{
	struct xt_seg_out seg = fx_syn();

	cr_assert_eq(fx_listen(), 0);
	seg.flags = XT_TCP_SYN | XT_TCP_FIN;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 0);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(xt_stack_stats(fx.st)->passive_opens, 0);
	fx_end();
}

Test(listen, ack_gets_rst_from_seg_ack)
{
	struct xt_seg_out seg = fx_syn();

	cr_assert_eq(fx_listen(), 0);
	seg.flags = XT_TCP_ACK;
	seg.ack = 0xFFFFFFFFu;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 1);
	fx_expect(fx_last(), XT_TCP_RST, 0xFFFFFFFFu, 0);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}

Test(listen, syn_ack_gets_rst)
{
	struct xt_seg_out seg = fx_syn();

	cr_assert_eq(fx_listen(), 0);
	seg.flags = XT_TCP_SYN | XT_TCP_ACK;
	seg.ack = 777;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 1);
	fx_expect(fx_last(), XT_TCP_RST, 777, 0);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}

Test(listen, segment_without_syn_ack_or_rst_is_dropped)
{
	struct xt_seg_out seg = fx_syn();

	cr_assert_eq(fx_listen(), 0);
	seg.flags = XT_TCP_FIN;
	fx_send(&seg);
	seg.flags = XT_TCP_PSH;
	pkt_set_payload(&seg, some_bytes, sizeof(some_bytes));
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 0);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}

Test(listen, handshake_accepts_once)
{
	struct xt_sock *s = fx_established();

	cr_assert_eq(fx.app.accepted, 1);
	cr_assert_eq(fx.app.connected, 0);
	cr_assert_eq(s->snd_una, s->iss + 1);
	/* The third segment of the handshake is not answered. */
	cr_assert_eq(fx_nout(), 1);
	cr_assert_eq(fx.st->nhalf_open, 0);
	fx_end();
}

Test(listen, listener_survives_many_connections)
{
	struct xt_seg_out syn = fx_syn();

	cr_assert_eq(fx_listen(), 0);
	for (uint16_t i = 0; i < 5; i++) {
		syn.sport = (uint16_t)(PKT_PEER_PORT + i);
		fx_send(&syn);
		fx_expect(fx_last(), XT_TCP_SYN | XT_TCP_ACK, fx_last()->seq,
			  FX_PEER_ISN + 1);
	}
	cr_assert_eq(xt_stack_conn_count(fx.st), 5);
	cr_assert_eq(fx.st->nhalf_open, 5);
	fx_end();
}

/* Two connections on one listener: each segment reaches its own. */
Test(listen, connections_are_demultiplexed_by_tuple)
{
	struct xt_sock *a, *b;
	struct xt_seg_out syn, seg;
	static const uint8_t data[300];

	fx.app.autoread = false;
	a = fx_established();
	syn = fx_syn();
	syn.sport = PKT_PEER_PORT + 1;
	syn.seq = 5000;
	fx_send(&syn);
	b = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT + 1);
	cr_assert_not_null(b);
	cr_assert_neq(a, b);
	seg = fx_seg(b);
	seg.ack = b->iss + 1;
	fx_send(&seg);
	cr_assert_eq(b->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.accepted, 2);
	seg = fx_seg(b);
	pkt_set_payload(&seg, data, 300);
	fx_send(&seg);
	seg = fx_seg(a);
	pkt_set_payload(&seg, data, 100);
	fx_send(&seg);
	cr_assert_eq(xt_sock_readable(a), 100);
	cr_assert_eq(xt_sock_readable(b), 300);
	cr_assert_eq(b->rcv_nxt, 5000 + 1 + 300);
	seg = fx_seg(b);
	seg.flags = XT_TCP_RST;
	fx_send(&seg);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	cr_assert_eq(a->state, XT_ESTABLISHED);
	fx_end();
}

/* RFC 6528: the ISN depends on the 4-tuple, not only on the clock. */
Test(listen, iss_differs_per_tuple)
{
	struct xt_seg_out syn = fx_syn();
	uint32_t iss0;

	cr_assert_eq(fx_listen(), 0);
	fx_send(&syn);
	iss0 = fx_last()->seq;
	syn.sport++;
	fx_send(&syn);
	cr_assert_neq(fx_last()->seq, iss0);
	cr_assert_neq(fx_last()->seq - iss0, 1u);
	fx_end();
}

Test(listen, backlog_full_drops_syn_silently)
{
	struct xt_seg_out syn = fx_syn();

	fx.cfg.max_half_open = 2;
	fx_restart();
	cr_assert_eq(fx_listen(), 0);
	for (uint16_t i = 0; i < 3; i++) {
		syn.sport = (uint16_t)(PKT_PEER_PORT + i);
		fx_send(&syn);
	}
	cr_assert_eq(fx_nout(), 2, "the third SYN was answered");
	cr_assert_eq(xt_stack_conn_count(fx.st), 2);
	cr_assert_eq(xt_stack_stats(fx.st)->backlog_drops, 1);
	fx_end();
}

Test(listen, backlog_frees_a_slot_once_established)
{
	struct xt_sock *s;
	struct xt_seg_out syn;

	fx.cfg.max_half_open = 1;
	fx_restart();
	s = fx_established();
	cr_assert_eq(s->state, XT_ESTABLISHED);
	syn = fx_syn();
	syn.sport = PKT_PEER_PORT + 1;
	fx_send(&syn);
	cr_assert_eq(fx_last()->flags, XT_TCP_SYN | XT_TCP_ACK);
	cr_assert_eq(xt_stack_conn_count(fx.st), 2);
	fx_end();
}

Test(listen, connection_limit_drops_syn)
{
	struct xt_seg_out syn = fx_syn();

	fx.cfg.max_conns = 1;
	fx_restart();
	cr_assert_eq(fx_listen(), 0);
	fx_send(&syn);
	syn.sport++;
	fx_send(&syn);
	cr_assert_eq(fx_nout(), 1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	cr_assert_eq(xt_stack_stats(fx.st)->conn_limit_drops, 1);
	fx_end();
}

/* An active open at --max-conns fails at once: no SYN, counted. */
Test(listen, connect_at_the_limit_is_refused)
{
	struct xt_sock *s = NULL;
	size_t sent;

	fx.cfg.max_conns = 1;
	fx_restart();
	fx_established();
	sent = fx_nout();
	cr_assert_eq(fx_connect(PKT_PEER_PORT, &s), -ENOMEM);
	fx_poll();
	cr_assert_null(s);
	cr_assert_eq(fx_nout(), sent, "a SYN left");
	cr_assert_eq(xt_stack_stats(fx.st)->conn_limit_drops, 1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	fx_end();
}

/*
 * RFC 9293 §3.8.6: the window offered is buffer the receiver has. With a
 * 4 KiB receive buffer the SYN-ACK must not offer 64 KiB, whatever the
 * peer's ISN (here one half the sequence space away from 0).
 */
Test(listen, syn_ack_window_fits_the_receive_buffer)
{
	fx.cfg.rcvbuf = 4096;
	fx_restart();
	for (uint32_t isn = 0; isn < 4; isn++) {
		struct xt_sock *s;

		fx.peer.isn = isn * 0x40000000u;
		fx.peer.wnd = PKT_WND;
		s = fx_syn_rcvd();
		cr_assert_leq(fx_last()->wnd, 4096,
			      "peer ISN %#x: SYN-ACK offers %u bytes",
			      fx.peer.isn, fx_last()->wnd);
		xt_abort(s);	/* never accepted: not the app's to count */
		fx_poll();
	}
	fx_end();
}

Test(listen, syn_with_data_is_acknowledged_only_if_kept)
{
	struct xt_seg_out syn = fx_syn();
	uint8_t data[10];
	uint32_t acked;
	struct xt_sock *s;

	for (int i = 0; i < 10; i++)
		data[i] = fx_peer_byte((uint32_t)i);
	cr_assert_eq(fx_listen(), 0);
	pkt_set_payload(&syn, data, sizeof(data));
	fx_send(&syn);
	acked = fx_last()->ack - (FX_PEER_ISN + 1);
	cr_assert(acked == 0 || acked == sizeof(data), "acked %u", acked);
	s = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT);
	{
		struct xt_seg_out ack = fx_seg(s);

		fx_send(&ack);
	}
	cr_assert_eq(s->state, XT_ESTABLISHED);
	/* Whatever the SYN-ACK acknowledged reaches the application. */
	fx_expect_rx(acked);
	fx_end();
}
