// SPDX-License-Identifier: MIT
/*
 * The data path: reassembly (RFC 9293 §3.10.7.4 seventh), windows and
 * silly-window avoidance (§3.8.6), Nagle (RFC 1122 §4.2.3.4), options
 * (MSS §3.7.1, RFC 7323 window scale, timestamps and PAWS, RFC 2018
 * SACK), fast retransmit and NewReno (RFC 5681, RFC 6582), and sequence
 * numbers that wrap at 2^32.
 */
#include <string.h>
#include "unit/tcp_fixture.h"

TestSuite(reassembly, .init = fx_init, .fini = fx_fini);
TestSuite(window, .init = fx_init, .fini = fx_fini);
TestSuite(nagle, .init = fx_init, .fini = fx_fini);
TestSuite(options, .init = fx_init, .fini = fx_fini);
TestSuite(paws, .init = fx_init, .fini = fx_fini);
TestSuite(sack, .init = fx_init, .fini = fx_fini);
TestSuite(recovery, .init = fx_init, .fini = fx_fini);
TestSuite(wrap, .init = fx_init, .fini = fx_fini);

/* The peer's stream offset as a sequence number. */
static uint32_t pseq(uint32_t off)
{
	return fx.peer.isn + 1 + off;
}

/* Bytes of our stream the engine has put in segments, by offset. */
static uint32_t sent_payload(size_t from)
{
	uint32_t n = 0;

	for (size_t i = from; i < fx_nout(); i++)
		n += fx_out_at(i)->seg.payload_len;
	return n;
}

/* --- reassembly ---------------------------------------------------------- */

Test(reassembly, out_of_order_then_filled)
{
	struct xt_sock *s = fx_established();
	size_t n = fx_nout();

	fx_peer_data(s, 1000, 1000, XT_TCP_ACK);
	cr_assert_eq(fx_nout(), n + 1, "no immediate ACK for a gap");
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, pseq(0));
	cr_assert_eq(fx.app.rx_len, 0);
	fx_peer_data(s, 0, 1000, XT_TCP_ACK);
	cr_assert_eq(fx_nout(), n + 2, "no immediate ACK for a filled gap");
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, pseq(2000));
	fx_expect_rx(2000);
	fx_end();
}

Test(reassembly, overlaps_and_duplicates_deliver_the_exact_stream)
{
	static const struct { uint32_t off, len; } segs[] = {
		{ 1000, 500 }, { 1200, 800 }, { 3000, 1000 }, { 2900, 200 },
		{ 0, 700 }, { 600, 600 }, { 4500, 1460 }, { 4000, 1000 },
		{ 1000, 500 }, { 2000, 1000 }, { 5900, 100 }, { 0, 100 },
	};
	struct xt_sock *s = fx_established();

	for (unsigned i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		fx_peer_data(s, segs[i].off, segs[i].len, XT_TCP_ACK);
	fx_expect_rx(6000);
	cr_assert_eq(s->rcv_nxt, pseq(6000));
	cr_assert(xt_reasm_empty(&s->reasm));
	fx_end();
}

Test(reassembly, random_overlapping_segments)
{
	enum { LEN = 30000 };
	struct xt_sock *s = fx_established();
	uint32_t rnd = 0x9e3779b9u;

	for (int i = 0; i < 300; i++) {
		uint32_t off = pkt_rand(&rnd) % LEN;
		uint32_t len = 1 + pkt_rand(&rnd) % FX_MSS;

		if (off + len > LEN)
			len = LEN - off;
		fx_peer_data(s, off, len, XT_TCP_ACK);
	}
	for (uint32_t off = 0; off < LEN; off += 1000)	/* the holes */
		fx_peer_data(s, off, 1000, XT_TCP_ACK);
	fx_expect_rx(LEN);
	cr_assert(xt_reasm_empty(&s->reasm));
	fx_end();
}

Test(reassembly, duplicate_is_acked_at_once)
{
	struct xt_sock *s = fx_established();
	size_t n;

	fx_peer_data(s, 0, 100, XT_TCP_ACK);
	fx_advance(fx.cfg.delack_ms);
	n = fx_nout();
	fx_peer_data(s, 0, 100, XT_TCP_ACK);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, pseq(100));
	fx_expect_rx(100);
	fx_end();
}

/*
 * RFC 5681 §4.2: an immediate duplicate ACK for each out-of-order segment,
 * so that a sender without SACK sees three of them. A worker hands the
 * stack a batch of segments before one poll.
 */
Test(reassembly, each_out_of_order_segment_in_a_batch_gets_a_dupack)
{
	struct xt_sock *s = fx_established();
	uint8_t data[100];
	size_t n = fx_nout();

	memset(data, 0x55, sizeof(data));
	for (uint32_t i = 1; i <= 3; i++) {
		struct xt_seg_out o = fx_seg(s);

		o.seq = pseq(i * 100);
		pkt_set_payload(&o, data, sizeof(data));
		fx_input(&o);
	}
	fx_poll();
	cr_assert_eq(fx_nout(), n + 3, "%zu duplicate ACKs for 3 segments",
		     fx_nout() - n);
	for (size_t i = n; i < fx_nout(); i++)
		cr_assert_eq(fx_out_at(i)->seg.ack, pseq(0));
	fx_end();
}

Test(reassembly, data_beyond_the_window_is_not_acked)
{
	struct xt_sock *s;

	fx.cfg.rcvbuf = 3000;
	fx_restart();
	fx.app.autoread = false;
	s = fx_established();
	fx_peer_data(s, 0, 1000, XT_TCP_ACK);
	fx_peer_data(s, 1000, 1000, XT_TCP_ACK);
	fx_peer_data(s, 2000, 1400, XT_TCP_ACK);	/* 400 too many */
	fx_advance(fx.cfg.delack_ms);
	cr_assert_eq(fx_last()->ack, pseq(3000));
	cr_assert_eq(fx_last()->wnd, 0);
	cr_assert_eq(xt_sock_readable(s), 3000);
	fx_end();
}

/* --- windows ------------------------------------------------------------- */

/* RFC 9293 §3.8.6: the right edge offered never moves left. */
Test(window, right_edge_never_moves_left)
{
	struct xt_sock *s;
	uint32_t edge = 0;
	uint8_t buf[700];

	fx.cfg.rcvbuf = 8000;
	fx_restart();
	fx.app.autoread = false;
	s = fx_established();
	for (uint32_t off = 0; off < 20000; off += 700) {
		size_t n = fx_nout();

		fx_peer_data(s, off, 700, XT_TCP_ACK);
		fx_advance(fx.cfg.delack_ms);
		if (off % 2100 == 0)
			(void)xt_recv(s, buf, sizeof(buf));
		fx_advance(fx.cfg.delack_ms);
		for (size_t i = n; i < fx_nout(); i++) {
			const struct xt_seg_out *o = &fx_out_at(i)->seg;
			uint32_t right = o->ack + o->wnd;

			if (edge)
				cr_assert(xt_seq_ge(right, edge),
					  "right edge %#x moved left of %#x",
					  right, edge);
			edge = right;
		}
		cr_assert_leq(xt_sock_readable(s), 8000);
	}
	fx_end();
}

Test(window, reading_a_closed_window_sends_an_update)
{
	struct xt_sock *s = fx_filled(4000);
	static uint8_t buf[4000];
	size_t n = fx_nout();

	cr_assert_eq(xt_recv(s, buf, sizeof(buf)), 4000);
	fx_poll();
	cr_assert_eq(fx_nout(), n + 1, "no window update after the read");
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, pseq(4000));
	cr_assert_eq(fx_last()->wnd, 4000);
	fx_end();
}

/* Receiver SWS avoidance: a few bytes read do not reopen the window. */
Test(window, a_small_read_does_not_send_an_update)
{
	struct xt_sock *s = fx_filled(4000);
	uint8_t buf[10];
	size_t n = fx_nout();

	cr_assert_eq(xt_recv(s, buf, sizeof(buf)), 10);
	fx_advance(1000);
	cr_assert_eq(fx_nout(), n);
	fx_end();
}

/* The peer's zero-window probe (one byte at RCV.NXT) is answered. */
Test(window, zero_window_probe_is_answered)
{
	struct xt_sock *s = fx_filled(2000);
	size_t n = fx_nout();

	fx_peer_data(s, 2000, 1, XT_TCP_ACK);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, pseq(2000));
	cr_assert_eq(fx_last()->wnd, 0);
	cr_assert_eq(xt_sock_readable(s), 2000);
	fx_end();
}

/*
 * §3.10.7.4's "special allowance" for ACKs with RCV.WND zero: a pure ACK
 * from beyond the closed window (one of the peer's segments was lost, so
 * its SND.NXT is ahead) still acknowledges our data; the segment itself
 * is answered with an ACK, as any unacceptable one.
 */
Test(window, pure_ack_beyond_a_closed_window_still_acknowledges)
{
	struct xt_sock *s = fx_filled(2000);
	struct xt_seg_out ack;
	size_t n;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 1000);
	cr_assert_eq(xt_tcp_outstanding(s), 1000);
	n = fx_nout();
	ack = fx_seg(s);
	ack.seq = s->rcv_nxt + 500;	/* 500 of the peer's bytes were lost */
	ack.ack = s->snd_max;
	fx_send(&ack);
	cr_assert_eq(s->snd_una, s->snd_max, "the ACK was ignored");
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, pseq(2000));
	cr_assert_eq(xt_sock_readable(s), 2000, "data accepted from beyond");
	fx_end();
}

/*
 * ... but not from further than any window we can have offered: a blind
 * attacker's pure ACK with a sprayed SEG.SEQ does not acknowledge data
 * the peer has not got (RFC 5961 §5).
 */
Test(window, blind_ack_far_beyond_the_window_is_ignored)
{
	struct xt_sock *s = fx_filled(2000);
	struct xt_seg_out ack;
	uint32_t una;
	size_t n;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 1000);
	una = s->snd_una;
	n = fx_nout();
	ack = fx_seg(s);
	ack.seq = s->rcv_nxt + 0x40000000u;
	ack.ack = s->snd_max;
	fx_send(&ack);
	cr_assert_eq(s->snd_una, una, "a blind ACK acknowledged our data");
	cr_assert_eq(xt_tcp_outstanding(s), 1000);
	cr_assert_eq(fx_nout(), n + 1, "answered with an ACK, as unacceptable");
	fx_end();
}

Test(window, peer_window_is_scaled)
{
	struct xt_sock *s;
	struct xt_seg_out seg;

	fx.peer.opts |= XT_OPT_WSCALE;
	fx.peer.wscale = 3;
	s = fx_established();
	seg = fx_seg(s);
	seg.wnd = 1000;			/* 8000 bytes */
	fx_send(&seg);
	cr_assert_eq(s->snd_wnd, 8000);
	xt_sock_set_nodelay(s, 1);
	fx_write(s, 20000);
	cr_assert_leq(xt_tcp_outstanding(s), 8000);
	cr_assert_geq(xt_tcp_outstanding(s), 8000 - FX_MSS);
	fx_end();
}

Test(window, our_window_is_scaled_after_the_syn)
{
	struct xt_sock *s;

	fx.peer.opts |= XT_OPT_WSCALE;
	s = fx_established();
	fx_peer_data(s, 0, 100, XT_TCP_ACK);
	fx_advance(fx.cfg.delack_ms);
	cr_assert_gt(s->rcv_wscale, 0);
	cr_assert_eq(fx_last()->wnd, fx.cfg.rcvbuf >> s->rcv_wscale);
	fx_end();
}

Test(window, shift_above_14_is_taken_as_14)
{
	struct xt_sock *s;

	fx.peer.opts |= XT_OPT_WSCALE;
	fx.peer.wscale = 15;
	s = fx_established();
	cr_assert_eq(s->snd_wscale, XT_TCP_MAX_WSCALE);
	fx_end();
}

Test(window, no_scaling_unless_both_offer)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out seg = fx_seg(s);

	cr_assert_eq(s->rcv_wscale, 0);
	seg.wnd = 1000;
	fx_send(&seg);
	cr_assert_eq(s->snd_wnd, 1000);
	fx_end();
}

/* --- Nagle --------------------------------------------------------------- */

Test(nagle, small_segment_waits_for_the_ack)
{
	struct xt_sock *s = fx_established();

	fx_write(s, 100);
	cr_assert_eq(fx_nout(), 2, "the first small segment waited");
	fx_write(s, 100);
	cr_assert_eq(fx_nout(), 2, "sent with data in flight");
	fx_ack_all(s);
	cr_assert_eq(fx_nout(), 3);
	cr_assert_eq(fx_last()->payload_len, 100);
	cr_assert_eq(fx_last()->seq, s->iss + 1 + 100);
	fx_end();
}

Test(nagle, small_writes_coalesce)
{
	struct xt_sock *s = fx_established();

	fx_write(s, 10);
	for (int i = 0; i < 5; i++)
		fx_write(s, 10);
	cr_assert_eq(fx_nout(), 2);
	fx_ack_all(s);
	cr_assert_eq(fx_nout(), 3);
	cr_assert_eq(fx_last()->payload_len, 50);
	fx_end();
}

Test(nagle, tail_of_a_large_write_waits)
{
	struct xt_sock *s = fx_established();

	fx_write(s, FX_MSS + 40);
	cr_assert_eq(fx_nout(), 2);
	cr_assert_eq(fx_last()->payload_len, FX_MSS);
	fx_ack_all(s);
	cr_assert_eq(fx_last()->payload_len, 40);
	fx_end();
}

Test(nagle, nodelay_sends_at_once)
{
	struct xt_sock *s = fx_established();

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 100);
	fx_write(s, 100);
	cr_assert_eq(fx_nout(), 3);
	cr_assert_eq(fx_last()->seq, s->iss + 1 + 100);
	fx_end();
}

Test(nagle, turning_nodelay_on_releases_held_data)
{
	struct xt_sock *s = fx_established();

	fx_write(s, 100);
	fx_write(s, 100);
	cr_assert_eq(fx_nout(), 2);
	xt_sock_set_nodelay(s, 1);
	fx_poll();
	cr_assert_eq(fx_nout(), 3);
	fx_end();
}

/* --- options: MSS, timestamps -------------------------------------------- */

static void expect_segment_sizes(uint16_t peer_mss, bool offer, uint32_t ts,
				 uint32_t expect)
{
	struct xt_sock *s;

	if (offer)
		fx.peer.mss = peer_mss;
	else
		fx.peer.opts &= ~XT_OPT_MSS;
	fx.peer.opts |= ts;
	s = fx_established();
	xt_sock_set_nodelay(s, 1);
	fx_write(s, 5000);
	for (size_t i = 1; i < fx_nout(); i++)
		cr_assert_leq(fx_out_at(i)->seg.payload_len, expect);
	cr_assert_eq(fx_out_at(1)->seg.payload_len, expect);
	cr_assert_eq(sent_payload(1), 5000);
}

Test(options, mss_536_without_the_option)
{
	expect_segment_sizes(0, false, 0, XT_TCP_DEFAULT_MSS);
	fx_end();
}

Test(options, mss_from_the_peer)
{
	expect_segment_sizes(1000, true, 0, 1000);
	fx_end();
}

Test(options, mss_clamped_to_our_mtu)
{
	expect_segment_sizes(8960, true, 0, FX_MSS);
	fx_end();
}

Test(options, timestamps_take_12_bytes_of_the_mss)
{
	expect_segment_sizes(FX_MSS, true, XT_OPT_TS, FX_MSS - 12);
	fx_end();
}

Test(options, timestamps_echoed_and_clocked)
{
	struct xt_sock *s;
	uint32_t ts1, peer_ts;

	fx.peer.opts |= XT_OPT_TS;
	s = fx_established();
	fx.peer.tsval += 0x1234;	/* the peer's clock jumps ahead */
	peer_ts = fx.peer.tsval + (uint32_t)fx.now;
	fx_peer_data(s, 0, 10, XT_TCP_ACK);
	fx_advance(fx.cfg.delack_ms);
	cr_assert(fx_last()->opts.present & XT_OPT_TS);
	cr_assert_eq(fx_last()->opts.tsecr, peer_ts);
	ts1 = fx_last()->opts.tsval;
	fx_advance(100);
	fx_write(s, 10);
	cr_assert_eq(fx_last()->opts.tsval - ts1, 100, "TSval ticks in ms");
	fx_end();
}

/* RFC 7323 §4.3: a delayed ACK echoes the earliest unacknowledged TSval. */
Test(options, delayed_ack_echoes_the_earliest_tsval)
{
	struct xt_sock *s;
	uint32_t first;

	fx.peer.opts |= XT_OPT_TS;
	s = fx_established();
	first = fx.peer.tsval + (uint32_t)fx.now;
	fx_peer_data(s, 0, 10, XT_TCP_ACK);
	fx_advance(5);
	fx_peer_data(s, 10, 10, XT_TCP_ACK);
	fx_advance(fx.cfg.delack_ms);
	cr_assert_eq(fx_last()->ack, pseq(20));
	cr_assert_eq(fx_last()->opts.tsecr, first);
	fx_end();
}

/* RFC 7323 §4.3 R3: only a segment at the left edge updates TS.Recent. */
Test(options, out_of_order_segment_does_not_update_ts_recent)
{
	struct xt_sock *s;
	uint32_t recent;

	fx.peer.opts |= XT_OPT_TS;
	s = fx_established();
	recent = s->ts_recent;
	fx_advance(500);
	fx_peer_data(s, 1000, 10, XT_TCP_ACK);
	cr_assert_eq(s->ts_recent, recent);
	cr_assert_eq(fx_last()->opts.tsecr, recent);
	fx_end();
}

/* --- PAWS (RFC 7323 §5) -------------------------------------------------- */

static struct xt_sock *ts_connection(void)
{
	struct xt_sock *s;

	fx.peer.opts |= XT_OPT_TS;
	s = fx_established();
	fx_advance(100);
	fx_peer_data(s, 0, 10, XT_TCP_ACK);
	fx_advance(fx.cfg.delack_ms);
	return s;
}

Test(paws, old_timestamp_is_dropped_and_acked)
{
	struct xt_sock *s = ts_connection();
	size_t n = fx_nout();

	fx.peer.tsval -= 1000;
	fx_peer_data(s, 10, 10, XT_TCP_ACK);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, pseq(10));
	fx_expect_rx(10);
	cr_assert_eq(xt_stack_stats(fx.st)->paws_drops, 1);
	fx_end();
}

Test(paws, equal_timestamp_is_accepted)
{
	struct xt_sock *s = ts_connection();

	fx.peer.tsval = s->ts_recent - (uint32_t)fx.now;
	fx_peer_data(s, 10, 10, XT_TCP_ACK);
	fx_expect_rx(20);
	cr_assert_eq(xt_stack_stats(fx.st)->paws_drops, 0);
	fx_end();
}

Test(paws, timestamp_wrapping_past_2_31_is_old)
{
	struct xt_sock *s = ts_connection();

	fx.peer.tsval += 0x80000001u;	/* "newer" by more than half */
	fx_peer_data(s, 10, 10, XT_TCP_ACK);
	fx_expect_rx(10);
	cr_assert_eq(xt_stack_stats(fx.st)->paws_drops, 1);
	fx_end();
}

Test(paws, recent_timestamp_expires_after_24_days_idle)
{
	struct xt_sock *s = ts_connection();

	s->ts_recent_at = fx.now - TCP_PAWS_IDLE_MS - 1;
	fx.peer.tsval -= 1000;
	fx_peer_data(s, 10, 10, XT_TCP_ACK);
	fx_expect_rx(20);
	fx_end();
}

/* --- SACK (RFC 2018) ----------------------------------------------------- */

Test(sack, blocks_describe_out_of_order_data)
{
	struct xt_sock *s;
	const struct xt_seg_out *o;

	fx.peer.opts |= XT_OPT_SACK_PERM;
	s = fx_established();
	cr_assert(s->sack_ok);
	fx_peer_data(s, 1000, 500, XT_TCP_ACK);
	o = fx_last();
	cr_assert_eq(o->ack, pseq(0));
	cr_assert(o->opts.present & XT_OPT_SACK);
	cr_assert_eq(o->opts.nsack, 1);
	cr_assert_eq(o->opts.sack[0].start, pseq(1000));
	cr_assert_eq(o->opts.sack[0].end, pseq(1500));
	fx_peer_data(s, 3000, 500, XT_TCP_ACK);
	o = fx_last();
	cr_assert_eq(o->opts.nsack, 2);
	/* RFC 2018 §4: the block of the latest segment first. */
	cr_assert_eq(o->opts.sack[0].start, pseq(3000));
	cr_assert_eq(o->opts.sack[1].start, pseq(1000));
	fx_peer_data(s, 0, 1000, XT_TCP_ACK);
	o = fx_last();
	cr_assert_eq(o->ack, pseq(1500));
	cr_assert_eq(o->opts.nsack, 1);
	cr_assert_eq(o->opts.sack[0].start, pseq(3000));
	cr_assert_eq(o->opts.sack[0].end, pseq(3500));
	fx_end();
}

Test(sack, none_without_permission)
{
	struct xt_sock *s = fx_established();

	fx_peer_data(s, 1000, 500, XT_TCP_ACK);
	cr_assert_eq(fx_last()->opts.present & XT_OPT_SACK, 0);
	fx_end();
}

Test(sack, three_blocks_with_timestamps)
{
	struct xt_sock *s;

	fx.peer.opts |= XT_OPT_SACK_PERM | XT_OPT_TS;
	s = fx_established();
	for (uint32_t i = 1; i <= 5; i++)
		fx_peer_data(s, i * 1000, 100, XT_TCP_ACK);
	cr_assert_eq(fx_last()->opts.nsack, 3);
	cr_assert(fx_last()->opts.present & XT_OPT_TS);
	cr_assert_eq(fx_last()->opts.sack[0].start, pseq(5000));
	fx_end();
}

/* --- fast retransmit and NewReno ----------------------------------------- */

/* Five full segments out, NewReno's (RFC 6582) window; the first is lost. */
static struct xt_sock *five_out(void)
{
	struct xt_sock *s;

	fx.cfg.cc = &xt_cc_newreno;
	fx_restart();
	s = fx_established();

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 5 * FX_MSS);
	cr_assert_eq(fx_nout(), 6);
	return s;
}

static void dupack(struct xt_sock *s, uint32_t ack, uint16_t wnd)
{
	struct xt_seg_out o = fx_seg(s);

	o.ack = ack;
	o.wnd = wnd;
	fx_send(&o);
}

Test(recovery, third_dupack_retransmits)
{
	struct xt_sock *s = five_out();
	uint32_t una = s->snd_una;

	dupack(s, una, PKT_WND);
	dupack(s, una, PKT_WND);
	cr_assert_eq(fx_nout(), 6, "retransmitted after two dupacks");
	dupack(s, una, PKT_WND);
	cr_assert_eq(fx_nout(), 7);
	fx_expect(fx_last(), XT_TCP_ACK, una, s->rcv_nxt);
	cr_assert_eq(fx_last()->payload_len, FX_MSS);
	cr_assert_eq(xt_stack_stats(fx.st)->fast_retransmits, 1);
	cr_assert((s->rec.state == XT_REC_RECOVERY));
	cr_assert_eq(s->ssthresh, 5 * FX_MSS / 2);
	fx_end();
}

Test(recovery, full_ack_ends_recovery)
{
	struct xt_sock *s = five_out();

	for (int i = 0; i < 3; i++)
		dupack(s, s->snd_una, PKT_WND);
	fx_ack_all(s);
	cr_assert_not((s->rec.state == XT_REC_RECOVERY));
	cr_assert_eq(s->cwnd, s->ssthresh);
	cr_assert_eq(s->snd_una, s->snd_max);
	fx_end();
}

Test(recovery, window_change_is_not_a_dupack)
{
	struct xt_sock *s = five_out();

	for (uint16_t i = 0; i < 3; i++)
		dupack(s, s->snd_una, (uint16_t)(PKT_WND - 1 - i));
	cr_assert_eq(fx_nout(), 6);
	fx_end();
}

/* RFC 5681 §2: a duplicate ACK acknowledges exactly SND.UNA. */
Test(recovery, old_acks_are_not_dupacks)
{
	struct xt_sock *s = five_out();
	struct xt_seg_out ack = fx_seg(s);

	ack.ack = s->snd_una + FX_MSS;
	fx_send(&ack);
	for (int i = 0; i < 3; i++)
		dupack(s, s->snd_una - FX_MSS, PKT_WND);	/* reordered, old */
	cr_assert_eq(fx_nout(), 6, "old ACKs triggered a retransmission");
	cr_assert_eq(xt_stack_stats(fx.st)->fast_retransmits, 0);
	fx_end();
}

/*
 * RFC 6582 §3.2 step 5: a partial ACK retransmits the first unacknowledged
 * segment, and no more: the ones after it reached the peer (it sent
 * dupacks for them).
 */
Test(recovery, partial_ack_retransmits_only_the_next_hole)
{
	struct xt_sock *s;
	uint32_t una, top;
	size_t n;

	fx.cfg.sndbuf = 64 * 1024;
	fx_restart();
	s = fx_established();
	xt_sock_set_nodelay(s, 1);
	fx_write(s, 8 * FX_MSS);
	una = s->snd_una;
	top = s->snd_max;
	for (int i = 0; i < 3; i++)	/* segments 2, 4.. 8 arrive */
		dupack(s, una, PKT_WND);
	cr_assert_eq(fx_last()->seq, una);
	n = fx_nout();
	dupack(s, una + 2 * FX_MSS, PKT_WND);	/* segment 3 lost too */
	cr_assert_geq(fx_nout(), n + 1, "no retransmission on a partial ACK");
	cr_assert_eq(fx_out_at(n)->seg.seq, una + 2 * FX_MSS);
	for (size_t i = n + 1; i < fx_nout(); i++) {
		uint32_t seq = fx_out_at(i)->seg.seq;

		cr_assert_not(xt_seq_lt(seq, top) &&
			      fx_out_at(i)->seg.payload_len,
			      "segment at +%u resent, the peer has it",
			      seq - una);
	}
	fx_end();
}

/*
 * RFC 5681 §3.2 step 1 (limited transmit, RFC 3042): the first and second
 * duplicate ACKs each release one segment of new data, when cwnd was what
 * held it back.
 */
Test(recovery, limited_transmit_on_the_first_two_dupacks)
{
	struct xt_sock *s = fx_established();
	uint32_t una, top;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 20 * FX_MSS);
	top = s->snd_max;
	cr_assert_eq(top - s->snd_una, s->cwnd, "not cwnd-limited");
	una = s->snd_una;
	dupack(s, una, PKT_WND);
	cr_assert_eq(s->snd_max, top + FX_MSS, "first dupack sent nothing");
	dupack(s, una, PKT_WND);
	cr_assert_eq(s->snd_max, top + 2 * FX_MSS, "second dupack sent nothing");
	fx_end();
}

/*
 * RFC 5681 §4.1: after an idle period longer than the RTO, cwnd restarts
 * from the restart window, min(IW, cwnd) (RFC 6928: 10 segments here).
 */
Test(recovery, cwnd_restarts_after_idle)
{
	struct xt_sock *s = fx_established();
	uint32_t iw = 10 * FX_MSS;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 10 * FX_MSS);
	for (uint32_t i = 1; i <= 10; i++) {	/* one ACK per segment */
		struct xt_seg_out ack = fx_seg(s);

		ack.ack = s->iss + 1 + i * FX_MSS;
		fx_send(&ack);
	}
	cr_assert_gt(s->cwnd, iw);
	fx_advance(10 * s->rto_ms);
	fx_write(s, 30 * FX_MSS);
	cr_assert_leq(xt_tcp_outstanding(s), iw, "a burst of %u bytes after idle",
		      xt_tcp_outstanding(s));
	fx_end();
}

/* --- wrap-around --------------------------------------------------------- */

Test(wrap, passive_iss_near_2_32)
{
	struct xt_sock *s;

	fx_restart_iss_near(FX_WRAP, false);
	s = fx_established();
	cr_assert_geq(s->iss, FX_WRAP - 250);
	xt_sock_set_nodelay(s, 1);
	fx_write(s, 3000);
	cr_assert_lt(s->snd_nxt, s->iss, "did not wrap");
	fx_peer_data(s, 0, 1000, XT_TCP_ACK);
	fx_ack_all(s);
	cr_assert_eq(s->snd_una, s->snd_max);
	cr_assert_eq(xt_ring_len(&s->sndbuf), 0);
	fx_expect_rx(1000);	/* and the sink checked every byte sent */
	fx_end();
}

Test(wrap, retransmission_across_2_32)
{
	struct xt_sock *s;
	struct xt_seg_out ack;

	fx_restart_iss_near(FX_WRAP, false);
	s = fx_established();
	xt_sock_set_nodelay(s, 1);
	fx_write(s, 1000);
	ack = fx_seg(s);
	ack.ack = s->iss + 1 + 200;
	fx_send(&ack);
	fx_advance(s->rto_ms);
	fx_expect(fx_last(), XT_TCP_ACK | XT_TCP_PSH, s->iss + 1 + 200,
		  s->rcv_nxt);
	cr_assert_eq(fx_last()->payload_len, 800);	/* bytes: the sink */
	fx_end();
}

Test(wrap, active_open_and_close_across_2_32)
{
	struct xt_sock *s;

	fx_restart_iss_near(FX_WRAP, true);
	s = fx_connected();
	cr_assert_geq(s->iss, FX_WRAP - 250);
	xt_sock_set_nodelay(s, 1);
	fx_write(s, 2000);
	fx_ack_all(s);
	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	fx_ack_all(s);
	cr_assert_eq(s->state, XT_FIN_WAIT_2);
	{
		struct xt_seg_out fin = fx_seg(s);

		fin.flags = XT_TCP_FIN | XT_TCP_ACK;
		fx_send(&fin);
	}
	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_advance(2ULL * fx.cfg.msl_ms);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}

Test(wrap, rst_checks_across_2_32)
{
	struct xt_sock *s;
	struct xt_seg_out rst;
	size_t n;

	fx.peer.isn = 0xFFFFFFFFu;	/* RCV.NXT is 0 */
	s = fx_established();
	cr_assert_eq(s->rcv_nxt, 0);
	n = fx_nout();
	rst = fx_seg(s);
	rst.flags = XT_TCP_RST;
	rst.seq = 0xFFFFFFFFu;		/* just left of the window */
	fx_send(&rst);
	cr_assert_eq(fx_nout(), n);
	rst.seq = 1;			/* in it */
	fx_send(&rst);
	cr_assert_eq(fx_nout(), n + 1);
	rst.seq = 0;
	fx_send(&rst);
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	fx_end();
}
