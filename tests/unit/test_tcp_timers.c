// SPDX-License-Identifier: MIT
/*
 * The timers on the fake clock: retransmission (RFC 6298), delayed ACK
 * (RFC 1122 §4.2.3.2, RFC 5681 §4.2), persist (RFC 9293 §3.8.6.1) and
 * keepalive (RFC 1122 §4.2.3.6). The clock stops at every timer, so each
 * assertion on a time is exact to the millisecond.
 */
#include "unit/tcp_fixture.h"

TestSuite(rto, .init = fx_init, .fini = fx_fini);
TestSuite(delack, .init = fx_init, .fini = fx_fini);
TestSuite(persist, .init = fx_init, .fini = fx_fini);
TestSuite(keepalive, .init = fx_init, .fini = fx_fini);

/* Indices of the segments from 'from' on that carry sequence number seq. */
static unsigned find_seq(size_t from, uint32_t seq, uint32_t len,
			 size_t *idx, unsigned max)
{
	unsigned n = 0;

	for (size_t i = from; i < fx_nout() && n < max; i++) {
		const struct xt_seg_out *o = &fx_out_at(i)->seg;

		if (o->seq == seq && o->payload_len == len &&
		    !(o->flags & XT_TCP_RST))
			idx[n++] = i;
	}
	return n;
}

/* --- retransmission ------------------------------------------------------ */

Test(rto, backoff_doubles)
{
	struct xt_sock *s = fx_established();
	uint64_t t0 = fx.now, expect = t0, rto = fx.cfg.rto_initial_ms;
	size_t idx[8];

	fx_write(s, 100);
	fx_advance(1000 + 2000 + 4000 + 8000);
	cr_assert_eq(find_seq(1, s->iss + 1, 100, idx, 8), 5);
	for (unsigned i = 0; i < 5; i++) {
		cr_assert_eq(fx_out_at(idx[i])->at, expect,
			     "copy %u left at +%lu, not +%lu", i,
			     (unsigned long)(fx_out_at(idx[i])->at - t0),
			     (unsigned long)(expect - t0));
		expect += rto;
		rto *= 2;
	}
	cr_assert_eq(s->retries, 4);
	cr_assert_eq(xt_stack_stats(fx.st)->retransmits, 4);
	fx_end();
}

Test(rto, backoff_stops_at_rto_max)
{
	struct xt_sock *s;
	size_t idx[32];
	uint32_t seq;
	unsigned n;

	fx.cfg.rto_max_ms = 5000;
	fx.cfg.max_retries = 8;
	fx_restart();
	s = fx_established();
	seq = s->snd_nxt;
	fx_write(s, 100);
	fx_advance(60000);		/* gives up: s is gone */
	cr_assert_eq(fx.app.why, XT_CLOSE_TIMEOUT);
	n = find_seq(1, seq, 100, idx, 32);
	cr_assert_eq(n, 9, "%u copies", n);
	for (unsigned i = 1; i < n; i++)
		cr_assert_leq(fx_out_at(idx[i])->at - fx_out_at(idx[i - 1])->at,
			      5000);
	cr_assert_eq(fx_out_at(idx[8])->at - fx_out_at(idx[7])->at, 5000);
	fx_end();
}

Test(rto, give_up_resets_and_times_out)
{
	struct xt_sock *s;

	fx.cfg.max_retries = 3;
	fx_restart();
	s = fx_established();
	fx_write(s, 100);
	fx_advance(1000 + 2000 + 4000 + 8000 - 1);
	cr_assert_eq(fx.app.closed, 0);
	cr_assert_eq(fx_count(0, XT_TCP_RST), 0);
	fx_advance(1);
	fx_expect_closed(XT_CLOSE_TIMEOUT);
	cr_assert(fx_last()->flags & XT_TCP_RST);
	cr_assert_eq(xt_stack_stats(fx.st)->timeouts, 1);
	fx_end();
}

/*
 * The give-up RST must land in the peer's window: from the highest
 * sequence number sent (RFC 9293's SND.NXT), not from where the
 * retransmission rewound to. The peer may hold all three segments (only
 * its ACKs were lost), and RFC 5961 makes it drop any RST but an exact one.
 */
Test(rto, give_up_rst_comes_from_the_highest_seq_sent)
{
	struct xt_sock *s;
	uint32_t top;

	fx.cfg.max_retries = 1;
	fx_restart();
	s = fx_established();
	xt_sock_set_nodelay(s, 1);
	fx_write(s, 3000);
	top = s->snd_max;
	cr_assert_eq(top, s->iss + 1 + 3000);
	fx_advance(1000 + 2000);
	cr_assert(fx_last()->flags & XT_TCP_RST);
	cr_assert_eq(fx_last()->seq, top, "RST seq %#x, SND.MAX %#x",
		     fx_last()->seq, top);
	fx_end();
}

Test(rto, rtt_sample_lowers_rto)
{
	struct xt_sock *s = fx_established();
	size_t n;

	fx_write(s, 100);
	fx_advance(50);
	fx_ack_all(s);
	cr_assert(s->rtt_valid);
	cr_assert_eq(s->srtt_us, 50000);
	/* 50 + 4 * 25 = 150, raised to the 200 ms floor. */
	cr_assert_eq(s->rto_ms, fx.cfg.rto_min_ms);
	fx_write(s, 100);
	n = fx_nout();
	fx_advance(fx.cfg.rto_min_ms - 1);
	cr_assert_eq(fx_nout(), n);
	fx_advance(1);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK | XT_TCP_PSH, s->snd_una, s->rcv_nxt);
	fx_end();
}

Test(rto, rtt_sample_from_timestamps)
{
	struct xt_sock *s;

	fx.peer.opts |= XT_OPT_TS;
	s = fx_established();
	fx_write(s, 100);
	fx_advance(80);
	cr_assert(s->rtt_valid);	/* the handshake's sample: 0 ms */
	cr_assert_eq(s->srtt_us, 0);
	fx_ack_all(s);		/* echoes the data segment's TSval */
	/* SRTT = 7/8 * 0 + 1/8 * 80, RTTVAR = 3/4 * 0 + 1/4 * 80. */
	cr_assert_eq(s->srtt_us, 10000);
	cr_assert_eq(s->rttvar_us, 20000);
	fx_end();
}

/* Karn: no RTT sample from an ACK of a retransmitted segment. */
Test(rto, no_sample_from_a_retransmission)
{
	struct xt_sock *s = fx_established();

	fx_write(s, 100);
	fx_advance(fx.cfg.rto_initial_ms);
	fx_advance(10);
	fx_ack_all(s);
	cr_assert_not(s->rtt_valid, "sampled %u us", s->srtt_us);
	cr_assert_eq(s->rto_ms, 2 * fx.cfg.rto_initial_ms,
		     "backoff undone without a sample");
	cr_assert_eq(s->retries, 0);
	fx_end();
}

Test(rto, next_delay_is_the_rto)
{
	struct xt_sock *s = fx_established();
	uint64_t d;

	cr_assert_eq(xt_stack_next_delay(fx.st, 3600000), 3600000,
		     "a timer armed on an idle connection");
	fx_write(s, 100);
	d = xt_stack_next_delay(fx.st, 3600000);
	cr_assert_gt(d, 0);
	cr_assert_leq(d, s->rto_ms);
	fx_end();
}

Test(rto, ack_of_everything_stops_the_timer)
{
	struct xt_sock *s = fx_established();
	size_t n;

	fx_write(s, 100);
	fx_ack_all(s);
	n = fx_nout();
	fx_advance(10 * fx.cfg.rto_initial_ms);
	cr_assert_eq(fx_nout(), n, "retransmitted acknowledged data");
	cr_assert_not(xt_timer_armed(&s->rtx_timer));
	fx_end();
}

/* RFC 6298 §5.3: an ACK of new data restarts the timer. */
Test(rto, partial_ack_restarts_the_timer)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out ack;
	size_t n;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 2000);
	fx_advance(600);
	ack = fx_seg(s);
	ack.ack = s->iss + 1 + FX_MSS;
	fx_send(&ack);
	n = fx_nout();
	fx_advance(s->rto_ms - 1);
	cr_assert_eq(fx_nout(), n, "the timer was not restarted");
	fx_advance(1);
	cr_assert_eq(fx_nout(), n + 1);
	cr_assert_eq(fx_last()->seq, s->iss + 1 + FX_MSS);
	fx_end();
}

/* --- delayed ACK --------------------------------------------------------- */

Test(delack, single_segment_acked_after_delack_ms)
{
	struct xt_sock *s;
	size_t n;

	fx.app.autoread = false;	/* no window updates from reads */
	s = fx_established();
	n = fx_nout();

	fx_peer_data(s, 0, FX_MSS, XT_TCP_ACK);
	cr_assert_eq(fx_nout(), n, "ACKed at once");
	fx_advance(fx.cfg.delack_ms - 1);
	cr_assert_eq(fx_nout(), n, "ACKed before delack_ms");
	fx_advance(1);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt, FX_PEER_ISN + 1 + FX_MSS);
	fx_end();
}

Test(delack, small_segment_also_waits)
{
	struct xt_sock *s;
	size_t n;

	fx.app.autoread = false;	/* no window updates from reads */
	s = fx_established();
	n = fx_nout();

	fx_peer_data(s, 0, 10, XT_TCP_ACK | XT_TCP_PSH);
	fx_peer_data(s, 10, 10, XT_TCP_ACK | XT_TCP_PSH);
	cr_assert_eq(fx_nout(), n);
	fx_advance(fx.cfg.delack_ms);
	cr_assert_eq(fx_nout(), n + 1);
	cr_assert_eq(fx_last()->ack, FX_PEER_ISN + 1 + 20);
	fx_end();
}

Test(delack, second_full_segment_acked_at_once)
{
	struct xt_sock *s;
	size_t n;

	fx.app.autoread = false;	/* no window updates from reads */
	s = fx_established();
	n = fx_nout();

	fx_peer_data(s, 0, FX_MSS, XT_TCP_ACK);
	fx_advance(10);
	fx_peer_data(s, FX_MSS, FX_MSS, XT_TCP_ACK);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_nxt,
		  FX_PEER_ISN + 1 + 2 * FX_MSS);
	fx_advance(fx.cfg.delack_ms);
	cr_assert_eq(fx_nout(), n + 1, "a second ACK for the same data");
	/* The count starts again: the third segment waits. */
	fx_peer_data(s, 2 * FX_MSS, FX_MSS, XT_TCP_ACK);
	cr_assert_eq(fx_nout(), n + 1);
	fx_advance(fx.cfg.delack_ms);
	cr_assert_eq(fx_nout(), n + 2);
	fx_end();
}

Test(delack, ack_rides_on_data_instead)
{
	struct xt_sock *s = fx_established();
	size_t n = fx_nout();

	fx_peer_data(s, 0, 100, XT_TCP_ACK);
	fx_advance(5);
	fx_write(s, 10);
	cr_assert_eq(fx_nout(), n + 1);
	cr_assert_eq(fx_last()->ack, FX_PEER_ISN + 1 + 100);
	fx_advance(fx.cfg.delack_ms);
	cr_assert_eq(fx_nout(), n + 1);
	fx_end();
}

/* --- persist ------------------------------------------------------------- */

/* The peer closes its window; 500 bytes wait. */
static struct xt_sock *zero_window(void)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out seg = fx_seg(s);

	seg.wnd = 0;
	fx_send(&seg);
	fx_write(s, 500);
	cr_assert_eq(fx_nout(), 1, "data sent into a zero window");
	return s;
}

Test(persist, probes_back_off)
{
	struct xt_sock *s = zero_window();
	uint64_t t0 = fx.now, gap = s->rto_ms, t = t0;

	for (unsigned i = 0; i < 5; i++) {
		t += gap;
		fx_advance(t - fx.now - 1);
		cr_assert_eq(fx_nout(), 1 + i, "probe %u early", i);
		fx_advance(1);
		cr_assert_eq(fx_nout(), 2 + i, "probe %u missing", i);
		/* RFC 1122 §4.2.2.17: the peer must answer it. */
		cr_assert_eq(fx_last()->flags & (XT_TCP_SYN | XT_TCP_FIN |
						 XT_TCP_RST), 0);
		cr_assert(xt_seq_lt(fx_last()->seq, s->snd_una) ||
			  fx_last()->payload_len > 0,
			  "a probe the peer need not answer");
		gap *= 2;
	}
	cr_assert_eq(s->snd_una, s->iss + 1);
	fx_end();
}

Test(persist, backoff_is_capped_and_never_gives_up)
{
	struct xt_sock *s = zero_window();
	size_t n;

	/* Twenty minutes of probes, each answered with a zero window. */
	for (int i = 0; i < 40; i++) {
		struct xt_seg_out ans;

		n = fx_nout();
		fx_advance(TCP_PERSIST_MAX_MS);
		cr_assert_geq(fx_nout(), n + 1, "no probe within a minute");
		ans = fx_seg(s);
		ans.wnd = 0;
		fx_send(&ans);
	}
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.closed, 0);
	fx_end();
}

/*
 * Probes nobody answers: after --retries of them the peer is taken for
 * gone, the connection reset and freed (a reader that vanished behind a
 * zero window would otherwise be kept forever).
 */
Test(persist, gives_up_after_retries_unanswered_probes)
{
	size_t n;

	fx.cfg.max_retries = 3;
	fx_restart();
	zero_window();
	n = fx_nout();
	fx_advance(10 * TCP_PERSIST_MAX_MS);
	cr_assert_eq(fx_count(n, XT_TCP_RST), 1);
	cr_assert_eq(fx_nout() - n, 3 + 1, "%zu segments: 3 probes, a RST",
		     fx_nout() - n);
	cr_assert_eq(xt_stack_stats(fx.st)->timeouts, 1);
	fx_expect_closed(XT_CLOSE_TIMEOUT);
	fx_end();
}

Test(persist, window_opening_resumes_sending)
{
	struct xt_sock *s = zero_window();
	struct xt_seg_out seg;

	fx_advance(s->rto_ms);
	cr_assert_eq(fx_nout(), 2);
	seg = fx_seg(s);
	seg.ack = s->snd_una;
	seg.wnd = 1000;
	fx_send(&seg);
	cr_assert_eq(fx_nout(), 3);
	cr_assert_eq(fx_last()->payload_len, 500);
	cr_assert_eq(fx_last()->seq, s->iss + 1);
	cr_assert_not(xt_timer_armed(&s->persist_timer));
	fx_ack_all(s);
	cr_assert_eq(xt_ring_len(&s->sndbuf), 0);
	fx_end();
}

Test(persist, fin_waits_behind_data_in_a_closed_window)
{
	struct xt_sock *s = zero_window();
	struct xt_seg_out seg;

	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	cr_assert_eq(fx_count(0, XT_TCP_FIN), 0, "FIN ahead of the data");
	seg = fx_seg(s);
	seg.wnd = 1000;
	fx_send(&seg);
	fx_expect(fx_last(), XT_TCP_FIN | XT_TCP_PSH | XT_TCP_ACK, s->iss + 1,
		  s->rcv_nxt);
	cr_assert_eq(fx_last()->payload_len, 500);
	fx_end();
}

/* RFC 9293 §3.8.6.2.1 (4): a window too small for a segment is used
 * when the override timeout fires, not left idle forever. */
Test(persist, small_window_used_after_the_override_timeout)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out seg = fx_seg(s);

	seg.wnd = 100;
	fx_send(&seg);
	fx_write(s, 1000);
	fx_advance(5000);
	cr_assert_geq(fx_nout(), 2, "100 bytes of window never used");
	cr_assert_eq(fx_out_at(1)->seg.payload_len, 100);
	fx_end();
}

/* --- keepalive ----------------------------------------------------------- */

static void keepalive_cfg(void)
{
	fx.cfg.keepalive_idle_ms = 1000;
	fx.cfg.keepalive_intvl_ms = 100;
	fx.cfg.keepalive_count = 3;
	fx_restart();
}

Test(keepalive, off_by_default)
{
	struct xt_sock *s = fx_established();

	fx_advance(3ULL * 3600 * 1000);
	cr_assert_eq(fx_nout(), 1);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	fx_end();
}

Test(keepalive, unanswered_probes_close_with_timeout)
{
	struct xt_sock *s;
	uint64_t t0;

	keepalive_cfg();
	s = fx_established();
	t0 = fx.now;
	fx_advance(999);
	cr_assert_eq(fx_nout(), 1, "probe before the idle time");
	fx_advance(1);
	cr_assert_eq(fx_nout(), 2);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_una - 1, s->rcv_nxt);
	cr_assert_eq(fx_last()->payload_len, 0);
	fx_advance(100);
	fx_advance(100);
	cr_assert_eq(fx_nout(), 4);
	cr_assert_eq(fx_out_at(3)->at, t0 + 1200);
	cr_assert_eq(fx.app.closed, 0);
	fx_advance(100);
	fx_expect_closed(XT_CLOSE_TIMEOUT);
	cr_assert(fx_last()->flags & XT_TCP_RST);
	cr_assert_eq(xt_stack_stats(fx.st)->keepalive_drops, 1);
	fx_end();
}

Test(keepalive, answered_probe_keeps_the_connection)
{
	struct xt_sock *s;
	uint64_t t0;
	struct xt_seg_out ans;

	keepalive_cfg();
	s = fx_established();
	t0 = fx.now;
	fx_advance(1000);
	cr_assert_eq(fx_nout(), 2);
	ans = fx_seg(s);
	fx_send(&ans);
	fx_advance(999);
	cr_assert_eq(fx_nout(), 2, "probed again before the idle time");
	fx_advance(1);
	cr_assert_eq(fx_nout(), 3);
	cr_assert_eq(fx_out_at(2)->at, t0 + 2000);
	for (int i = 0; i < 10; i++) {
		ans = fx_seg(s);
		fx_send(&ans);
		fx_advance(1000);
	}
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.closed, 0);
	fx_end();
}

Test(keepalive, traffic_postpones_the_first_probe)
{
	struct xt_sock *s;
	uint64_t t0;

	keepalive_cfg();
	s = fx_established();
	t0 = fx.now;
	fx_advance(600);
	fx_peer_data(s, 0, 10, XT_TCP_ACK);
	fx_advance(1000 + fx.cfg.delack_ms);
	cr_assert_eq(fx_count(1, XT_TCP_ACK), 2, "delayed ACK and one probe");
	cr_assert_eq(fx_last()->seq, s->snd_una - 1);
	cr_assert_eq(fx_out_at(fx_nout() - 1)->at, t0 + 1600);
	fx_end();
}

/*
 * RFC 1122 §4.2.3.6: keepalive is for an idle connection. Data waiting
 * behind a zero window is the persist timer's (Linux's tcp_keepalive_timer
 * waits too while anything is queued or in flight): only zero-window
 * probes leave, one at a time on the persist schedule, and while the peer
 * answers them keepalive never gives up. Once the data is through,
 * keepalive takes over again.
 */
Test(keepalive, not_while_data_waits_behind_a_zero_window)
{
	static const uint64_t probe_at[] = { 1000, 3000, 7000, 15000 };
	struct xt_sock *s;
	struct xt_seg_out seg;
	unsigned probes = 0;
	uint64_t t0;

	keepalive_cfg();
	s = zero_window();
	t0 = fx.now;
	while (fx.now < t0 + 30000) {
		size_t n = fx_nout();

		fx_advance(10);
		if (fx_nout() == n)
			continue;
		for (size_t i = n; i < fx_nout(); i++, probes++) {
			cr_assert_lt(probes, 4, "probe %u at +%lu", probes,
				     (unsigned long)(fx_out_at(i)->at - t0));
			cr_assert_eq(fx_out_at(i)->at - t0, probe_at[probes],
				     "probe %u at +%lu, not +%lu", probes,
				     (unsigned long)(fx_out_at(i)->at - t0),
				     (unsigned long)probe_at[probes]);
			fx_expect(&fx_out_at(i)->seg, XT_TCP_ACK,
				  s->snd_una - 1, s->rcv_nxt);
		}
		seg = fx_seg(s);	/* the peer answers: still closed */
		seg.wnd = 0;
		fx_send(&seg);
	}
	cr_assert_eq(probes, 4);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.closed, 0);
	cr_assert_eq(xt_stack_stats(fx.st)->keepalive_drops, 0);

	seg = fx_seg(s);	/* the window opens, the data goes */
	seg.wnd = 1000;
	fx_send(&seg);
	cr_assert_eq(fx_last()->payload_len, 500);
	fx_ack_all(s);
	fx_advance(fx.cfg.keepalive_idle_ms - 1);
	cr_assert_eq(fx_last()->payload_len, 500, "probed before idle");
	fx_advance(1);
	fx_expect(fx_last(), XT_TCP_ACK, s->snd_una - 1, s->rcv_nxt);
	fx_end();
}
