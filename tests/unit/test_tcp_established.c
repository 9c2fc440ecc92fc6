// SPDX-License-Identifier: MIT
/*
 * Tests for the ESTABLISHED state: data both ways, the four acceptability
 * cases of RFC 9293 §3.10.7.4, the ACK checks (with RFC 5961 §5), the
 * peer's FIN, and the bits and options a segment may carry.
 */
#include <errno.h>
#include <string.h>
#include "unit/tcp_fixture.h"

TestSuite(established, .init = fx_init, .fini = fx_fini);
TestSuite(acceptability, .init = fx_init, .fini = fx_fini);

/* --- data ------------------------------------------------------------------ */

Test(established, data_in_is_delivered_and_acked)
{
	struct xt_sock *s = fx_established();

	fx_peer_data(s, 0, 1000, XT_TCP_ACK | XT_TCP_PSH);
	fx_expect_rx(1000);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 1 + 1000);
	cr_assert_gt(fx.app.readable, 0);
	fx_advance(fx.cfg.delack_ms);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, FX_PEER_ISN + 1 + 1000);
	fx_end();
}

Test(established, data_out_is_split_at_the_mss)
{
	struct xt_sock *s = fx_established();
	uint32_t seq = s->snd_nxt;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 3000);
	cr_assert_eq(fx_nout(), 4);
	for (unsigned i = 0; i < 3; i++) {
		const struct xt_seg_out *o = &fx_out_at(1 + i)->seg;
		uint32_t len = i < 2 ? FX_MSS : 3000 - 2 * FX_MSS;

		cr_assert_eq(o->seq, seq);
		cr_assert_eq(o->payload_len, len);
		cr_assert_eq(o->ack, s->rcv_nxt);
		for (uint32_t j = 0; j < len; j++)
			cr_assert_eq(o->payload[j],
				     fx_local_byte(seq - (s->iss + 1) + j));
		seq += len;
	}
	cr_assert_eq(s->snd_nxt, s->iss + 1 + 3000);
	fx_end();
}

/* PSH marks the segment that empties what the application wrote. */
Test(established, psh_only_on_the_last_segment_of_a_write)
{
	struct xt_sock *s = fx_established();

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 3000);
	cr_assert_eq(fx_out_at(1)->seg.flags, XT_TCP_ACK);
	cr_assert_eq(fx_out_at(2)->seg.flags, XT_TCP_ACK);
	cr_assert_eq(fx_out_at(3)->seg.flags, XT_TCP_ACK | XT_TCP_PSH);
	fx_end();
}

Test(established, acked_data_leaves_the_send_buffer)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out ack;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 2000);
	ack = fx_seg(s);
	ack.ack = s->iss + 1 + 1000;
	fx_send(&ack);
	cr_assert_eq(s->snd_una, s->iss + 1 + 1000);
	cr_assert_eq(xt_ring_len(&s->sndbuf), 1000);
	fx_ack_all(s);
	cr_assert_eq(s->snd_una, s->iss + 1 + 2000);
	cr_assert_eq(xt_ring_len(&s->sndbuf), 0);
	cr_assert_not(xt_timer_armed(&s->rtx_timer), "RTO armed, nothing out");
	fx_end();
}

Test(established, data_both_ways_with_piggybacked_ack)
{
	struct xt_sock *s = fx_established();
	const struct xt_seg_out *o;
	size_t n;

	fx_peer_data(s, 0, 100, XT_TCP_ACK | XT_TCP_PSH);
	n = fx_nout();
	fx_write(s, 50);
	cr_assert_eq(fx_nout(), n + 1);
	o = fx_last();
	cr_assert_eq(o->payload_len, 50);
	cr_assert_eq(o->ack, FX_PEER_ISN + 1 + 100, "data does not carry the ACK");
	fx_advance(fx.cfg.delack_ms * 2);
	cr_assert_eq(fx_nout(), n + 1, "a separate ACK followed the data");
	/* The peer's reply acks ours and carries more. */
	fx_peer_data(s, 100, 100, XT_TCP_ACK | XT_TCP_PSH);
	cr_assert_eq(s->snd_una, s->snd_max);
	fx_expect_rx(200);
	fx_end();
}

Test(established, writable_after_a_short_send)
{
	struct xt_sock *s;
	static uint8_t big[10000];
	ssize_t n;

	fx.cfg.sndbuf = 4096;
	fx_restart();
	fx.raw_tx = true;		/* zeros, not the pattern */
	s = fx_established();
	n = xt_send(s, big, sizeof(big));
	cr_assert_eq(n, 4096);
	cr_assert_eq(xt_send(s, big, 1), 0);
	cr_assert_eq(xt_sock_send_space(s), 0);
	fx_poll();
	cr_assert_eq(fx.app.writable, 0);
	fx_ack_all(s);
	cr_assert_eq(fx.app.writable, 1);
	cr_assert_gt(xt_sock_send_space(s), 0);
	fx_end();
}

Test(established, recv_without_data_is_eagain)
{
	struct xt_sock *s = fx_established();
	uint8_t b;

	cr_assert_eq(xt_recv(s, &b, 1), -EAGAIN);
	cr_assert_eq(xt_sock_readable(s), 0);
	fx_end();
}

/* --- the ACK field (§3.10.7.4 fifth, RFC 5961 §5.2) ------------------------ */

Test(established, ack_of_unsent_data_is_acked_and_dropped)
{
	struct xt_sock *s = fx_established();
	uint8_t data[100];
	struct xt_seg_out seg = fx_seg(s);

	memset(data, 0xee, sizeof(data));
	seg.ack = s->snd_max + 1;
	pkt_set_payload(&seg, data, sizeof(data));
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 2);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, FX_PEER_ISN + 1);
	cr_assert_eq(fx.app.rx_len, 0, "data of a bad ACK delivered");
	cr_assert_eq(s->snd_una, s->iss + 1);
	cr_assert_eq(xt_stack_stats(fx.st)->bad_acks, 1);
	fx_end();
}

Test(established, ack_older_than_the_max_window_is_acked_and_dropped)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out seg = fx_seg(s);

	seg.ack = s->snd_una - s->max_snd_wnd - 1;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 2);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, s->rcv_nxt);
	fx_end();
}

Test(established, old_ack_within_the_window_still_carries_data)
{
	struct xt_sock *s = fx_established();
	uint8_t data[50];
	struct xt_seg_out seg = fx_seg(s);

	for (int i = 0; i < 50; i++)
		data[i] = fx_peer_byte((uint32_t)i);
	seg.ack = s->snd_una - 100;
	pkt_set_payload(&seg, data, sizeof(data));
	fx_send(&seg);
	fx_expect_rx(50);
	fx_end();
}

Test(established, segment_without_ack_is_dropped)
{
	struct xt_sock *s = fx_established();

	fx_peer_data(s, 0, 100, XT_TCP_PSH);
	cr_assert_eq(fx.app.rx_len, 0);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 1);
	cr_assert_eq(fx_nout(), 1);
	fx_end();
}

Test(established, window_update_releases_held_data)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out seg = fx_seg(s);

	seg.wnd = 0;
	fx_send(&seg);
	cr_assert_eq(s->snd_wnd, 0);
	fx_write(s, 500);
	cr_assert_eq(fx_nout(), 1, "sent into a zero window");
	seg = fx_seg(s);
	seg.wnd = 1000;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 2);
	cr_assert_eq(fx_last()->payload_len, 500);
	fx_end();
}

/* SND.WL1/SND.WL2: a reordered older segment does not undo the window. */
Test(established, older_segment_does_not_update_the_window)
{
	struct xt_sock *s = fx_established();
	uint32_t seq0 = s->rcv_nxt;
	struct xt_seg_out old;

	fx_peer_data(s, 0, 100, XT_TCP_ACK);
	cr_assert_eq(s->snd_wnd, PKT_WND);
	old = fx_seg(s);
	old.seq = seq0;		/* a copy of the first segment, late */
	old.wnd = 10;
	fx_send(&old);
	cr_assert_eq(s->snd_wnd, PKT_WND);
	fx_end();
}

/* --- the peer's FIN ---------------------------------------------------------- */

Test(established, fin_enters_close_wait)
{
	struct xt_sock *s = fx_established();
	uint8_t b;

	fx_peer_data(s, 0, 10, XT_TCP_ACK | XT_TCP_FIN);
	cr_assert_eq(s->state, XT_CLOSE_WAIT);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, FX_PEER_ISN + 1 + 11);
	fx_expect_rx(10);
	cr_assert(fx.app.eof);
	cr_assert_eq(xt_recv(s, &b, 1), 0);
	fx_end();
}

Test(established, fin_beyond_a_hole_waits_for_it)
{
	struct xt_sock *s = fx_established();

	fx_peer_data(s, 100, 100, XT_TCP_ACK | XT_TCP_FIN);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, FX_PEER_ISN + 1);
	fx_peer_data(s, 0, 100, XT_TCP_ACK);
	cr_assert_eq(s->state, XT_CLOSE_WAIT);
	fx_expect_rx(200);
	cr_assert(fx.app.eof);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, FX_PEER_ISN + 1 + 201);
	fx_end();
}

/* --- what a segment may carry ------------------------------------------------ */

/* §3.10.7.4 sixth and RFC 6093: urgent data is read inline, in order. */
Test(established, urgent_data_is_delivered_inline)
{
	struct xt_sock *s = fx_established();
	uint8_t data[200];
	struct xt_seg_out seg = fx_seg(s);

	for (int i = 0; i < 200; i++)
		data[i] = fx_peer_byte((uint32_t)i);
	seg.flags = XT_TCP_ACK | XT_TCP_URG | XT_TCP_PSH;
	seg.urg = 50;
	pkt_set_payload(&seg, data, 100);
	fx_send(&seg);
	seg = fx_seg(s);
	pkt_set_payload(&seg, data + 100, 100);
	fx_send(&seg);
	fx_expect_rx(200);
	fx_end();
}

Test(established, reserved_bits_are_ignored)
{
	struct xt_sock *s = fx_established();
	uint8_t data[64];
	struct xt_seg_out seg = fx_seg(s);
	struct pkt_frame f;

	for (int i = 0; i < 64; i++)
		data[i] = fx_peer_byte((uint32_t)i);
	seg.flags = XT_TCP_ACK | XT_TCP_ECE | XT_TCP_CWR;
	pkt_set_payload(&seg, data, sizeof(data));
	f = pkt_build(&seg);
	pkt_tcph(&f)->res1 = 0xf;
	pkt_fix_csums(&f);
	fx_send_frame(&f);
	fx_expect_rx(64);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	fx_end();
}

Test(established, unknown_options_are_skipped)
{
	static const uint8_t opts[] = {
		99, 4, 0xab, 0xcd,			/* unknown, length 4 */
		254, 6, 1, 2, 3, 4,			/* experimental */
		XT_TCPOPT_NOP, XT_TCPOPT_EOL,
	};
	struct xt_sock *s = fx_established();
	uint8_t data[40];
	struct xt_seg_out seg = fx_seg(s);
	struct pkt_frame f;

	for (int i = 0; i < 40; i++)
		data[i] = fx_peer_byte((uint32_t)i);
	pkt_set_payload(&seg, data, sizeof(data));
	f = pkt_build_raw_opts(&seg, opts, sizeof(opts));
	fx_send_frame(&f);
	fx_expect_rx(40);
	fx_end();
}

Test(established, unknown_options_in_syn_are_skipped)
{
	static const uint8_t opts[] = {
		99, 4, 0xab, 0xcd,
		XT_TCPOPT_MSS, XT_TCPOLEN_MSS, 0x03, 0xe8,	/* 1000 */
	};
	struct xt_seg_out syn = fx_syn();
	struct pkt_frame f;
	struct xt_sock *s;

	cr_assert_eq(fx_listen(), 0);
	f = pkt_build_raw_opts(&syn, opts, sizeof(opts));
	fx_send_frame(&f);
	cr_assert_eq(fx_last()->flags, XT_TCP_SYN | XT_TCP_ACK);
	s = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT);
	cr_assert_eq(s->mss, 1000);
	fx_end();
}

/* --- the four acceptability cases (§3.10.7.4 first) -------------------------- */

struct accept_case {
	char what[48];		/* an array: parameters cross processes */
	bool zero_wnd;		/* our advertised window closed */
	int32_t off;		/* SEG.SEQ - RCV.NXT; 'wnd_off' adds RCV.WND */
	bool wnd_off;
	uint32_t len;
	bool acceptable;
};

static const struct accept_case accept_cases[] = {
	{ "len 0, wnd > 0, at RCV.NXT", false, 0, false, 0, true },
	{ "len 0, wnd > 0, last in window", false, -1, true, 0, true },
	{ "len 0, wnd > 0, just past the window", false, 0, true, 0, false },
	{ "len 0, wnd > 0, just before RCV.NXT", false, -1, false, 0, false },
	{ "len 0, wnd 0, at RCV.NXT", true, 0, false, 0, true },
	{ "len 0, wnd 0, past RCV.NXT", true, 1, false, 0, false },
	{ "len > 0, wnd > 0, start in window", false, -5, true, 10, true },
	{ "len > 0, wnd > 0, end in window", false, -10, false, 20, true },
	{ "len > 0, wnd > 0, all old", false, -20, false, 20, false },
	{ "len > 0, wnd > 0, all past the window", false, 0, true, 20, false },
};

static void run_accept_case(const struct accept_case *c)
{
	struct xt_sock *s = c->zero_wnd ? fx_filled(2000) : fx_established();
	uint32_t rcv_nxt = s->rcv_nxt, wnd = s->rcv_adv - s->rcv_nxt;
	uint8_t data[32];
	struct xt_seg_out seg = fx_seg(s);
	size_t n = fx_nout();
	uint32_t delivered = 0;

	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = fx_peer_byte(rcv_nxt - FX_PEER_ISN - 1 + c->off + i);
	seg.seq = rcv_nxt + (uint32_t)c->off + (c->wnd_off ? wnd : 0);
	seg.wnd = 1234;		/* a window update shows the ACK was taken */
	pkt_set_payload(&seg, data, c->len);
	fx_send(&seg);
	if (c->acceptable) {
		if (c->len && c->off < 0 && !c->wnd_off)
			delivered = c->len + (uint32_t)c->off;
		cr_assert_eq(s->rcv_nxt, rcv_nxt + delivered, "%s", c->what);
		/* SND.WL1 rules out a window from before RCV.NXT. */
		if (!delivered)
			cr_assert_eq(s->snd_wnd, 1234, "%s: not accepted",
				     c->what);
	} else {
		cr_assert_eq(s->snd_wnd, PKT_WND, "%s: accepted", c->what);
		cr_assert_eq(s->rcv_nxt, rcv_nxt, "%s", c->what);
		cr_assert_eq(fx_nout(), n + 1, "%s: not answered", c->what);
		fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, rcv_nxt);
	}
	cr_assert_eq(s->state, XT_ESTABLISHED);
}

ParameterizedTestParameters(acceptability, four_cases)
{
	return cr_make_param_array(struct accept_case, (void *)accept_cases,
				   sizeof(accept_cases) / sizeof(accept_cases[0]));
}

ParameterizedTest(const struct accept_case *c, acceptability, four_cases)
{
	run_accept_case(c);
	fx_end();
}

/* RFC 9293: with the window closed, ACKs still count (and are answered). */
Test(acceptability, zero_window_still_takes_acks_of_data_it_drops)
{
	struct xt_sock *s = fx_filled(2000);
	uint8_t data[20] = { 0 };
	struct xt_seg_out seg;

	fx_write(s, 100);
	seg = fx_seg(s);
	seg.ack = s->snd_max;
	pkt_set_payload(&seg, data, sizeof(data));
	fx_send(&seg);
	cr_assert_eq(s->snd_una, s->snd_max, "the ACK was not processed");
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 1 + 2000);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, s->rcv_nxt);
	cr_assert_eq(fx_last()->wnd, 0);
	fx_end();
}
