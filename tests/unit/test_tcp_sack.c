// SPDX-License-Identifier: MIT
/*
 * Loss recovery with SACK (user/tcp/recovery.c), on the fake clock: the
 * scoreboard and pipe (RFC 6675), NextSeg's choices, RACK's reordering
 * window and TLP's probe (RFC 8985), D-SACK undo (RFC 2883), reneging,
 * and the RTO's marking.
 *
 * The peer offers SACK; the first ACK of data arrives RTT_MS after it
 * left, so SRTT is known and TLP may run.
 */
#include <criterion/criterion.h>
#include "tcp_fixture.h"

#define RTT_MS		10
#define SEG		FX_MSS

static void sack_init(void)
{
	fx_init();
	fx.cfg.sndbuf = 256 * 1024;
	fx.peer.opts |= XT_OPT_SACK_PERM;
	fx_restart();
}

TestSuite(scoreboard, .init = sack_init, .fini = fx_fini);
TestSuite(rack, .init = sack_init, .fini = fx_fini);
TestSuite(tlp, .init = sack_init, .fini = fx_fini);
TestSuite(dsack, .init = sack_init, .fini = fx_fini);

/* An ACK of 'ack' with SACK blocks [l, r) given as offsets from base. */
static void sack_ack(struct xt_sock *s, uint32_t base, uint32_t ack_off,
		     const uint32_t (*blk)[2], unsigned n)
{
	struct xt_seg_out o = fx_seg(s);
	struct xt_sack_block b[XT_TCP_MAX_SACK_BLOCKS];

	o.ack = base + ack_off;
	for (unsigned i = 0; i < n; i++) {
		b[i].start = base + blk[i][0];
		b[i].end = base + blk[i][1];
	}
	if (n)
		pkt_set_sack(&o, b, n);
	fx_send(&o);
}

/*
 * ESTABLISHED, with one segment sent and acked RTT_MS later (SRTT known),
 * then 'nsegs' full segments out, unacked. Returns SND.UNA then.
 */
static struct xt_sock *segs_out(unsigned nsegs, uint32_t *base)
{
	struct xt_sock *s = fx_established();

	xt_sock_set_nodelay(s, 1);
	fx_write(s, SEG);
	fx_advance(RTT_MS);
	fx_ack_all(s);
	cr_assert(s->rtt_valid, "no RTT sample from the first segment");
	cr_assert_eq(s->srtt_us, RTT_MS * 1000);
	s->cwnd = 100 * SEG;		/* so nsegs leave at once */
	*base = s->snd_una;
	fx_write(s, (size_t)nsegs * SEG);
	cr_assert_eq(s->snd_max - *base, nsegs * SEG, "not all sent");
	return s;
}

/* How many segments from index 'from' on carry data starting at seq. */
static unsigned sent_at(size_t from, uint32_t seq)
{
	unsigned n = 0;

	for (size_t i = from; i < fx_nout(); i++)
		if (fx_out_at(i)->seg.payload_len && fx_out_at(i)->seg.seq == seq)
			n++;
	return n;
}

/* --- the scoreboard and RFC 6675 ---------------------------------------- */

Test(scoreboard, sacked_bytes_leave_the_pipe)
{
	uint32_t base;
	struct xt_sock *s = segs_out(10, &base);
	const uint32_t blk[][2] = { { 1 * SEG, 3 * SEG } };

	cr_assert_eq(xt_rec_in_flight(s), 10 * SEG);
	fx_advance(RTT_MS);
	sack_ack(s, base, 0, blk, 1);
	cr_assert_eq(s->sb.sacked, 2 * SEG);
	cr_assert_eq(s->sb.lost, 0, "two SACKed above it: not yet lost");
	cr_assert_eq(xt_rec_in_flight(s), 8 * SEG);
	fx_end();
}

/* IsLost: three SACKed segments above a hole; NextSeg resends it. */
Test(scoreboard, three_sacked_above_a_hole_resend_it)
{
	uint32_t base;
	struct xt_sock *s = segs_out(10, &base);
	const uint32_t blk[][2] = { { 1 * SEG, 4 * SEG } };
	size_t n = fx_nout();

	fx_advance(RTT_MS);		/* the first ACK comes an RTT later */
	sack_ack(s, base, 0, blk, 1);
	cr_assert_eq(s->rec.state, XT_REC_RECOVERY);
	cr_assert_eq(sent_at(n, base), 1, "the hole was not resent once");
	/* RFC 6675 pipe: the lost hole counts once more, for its resend. */
	cr_assert_eq(xt_rec_in_flight(s), 7 * SEG, "a resent hole counted twice");
	cr_assert_eq(xt_stack_stats(fx.st)->fast_retransmits, 1);
	cr_assert_eq(s->rec.recover, base + 10 * SEG);
	fx_end();
}

/* Two holes below the SACKed data: both resent, lowest first, once. */
Test(scoreboard, every_hole_resent_once_lowest_first)
{
	uint32_t base;
	struct xt_sock *s = segs_out(10, &base);
	const uint32_t blk1[][2] = { { 2 * SEG, 3 * SEG }, { 4 * SEG, 7 * SEG } };
	const uint32_t blk2[][2] = { { 2 * SEG, 3 * SEG }, { 4 * SEG, 8 * SEG } };
	size_t n = fx_nout(), first = 0, second = 0;

	fx_advance(RTT_MS);		/* the first ACK comes an RTT later */
	sack_ack(s, base, SEG, blk1, 2);	/* segment 0 arrived */
	for (size_t i = n; i < fx_nout(); i++) {
		uint32_t seq = fx_out_at(i)->seg.seq;

		if (seq == base + SEG && !first)
			first = i;
		if (seq == base + 3 * SEG && !second)
			second = i;
	}
	cr_assert(first && second && first < second,
		  "holes at 1 and 3 not resent in order (%zu, %zu)", first,
		  second);
	sack_ack(s, base, SEG, blk2, 2);
	cr_assert_eq(sent_at(n, base + SEG), 1, "hole 1 resent again");
	cr_assert_eq(sent_at(n, base + 3 * SEG), 1, "hole 3 resent again");
	fx_end();
}

Test(scoreboard, recovery_ends_at_recover_with_cwnd_at_ssthresh)
{
	uint32_t base;
	struct xt_sock *s = segs_out(10, &base);
	const uint32_t blk[][2] = { { 1 * SEG, 4 * SEG } };

	fx_advance(RTT_MS);		/* the first ACK comes an RTT later */
	sack_ack(s, base, 0, blk, 1);
	cr_assert_eq(s->rec.state, XT_REC_RECOVERY);
	fx_ack_all(s);
	cr_assert_eq(s->rec.state, XT_REC_OPEN);
	cr_assert_leq(s->cwnd, s->ssthresh);
	cr_assert_eq(s->sb.n, 0, "records left after everything was acked");
	fx_end();
}

/* The receiver dropped what it SACKed: forget it, resend on the RTO. */
Test(scoreboard, reneging_forgets_the_sacks)
{
	uint32_t base;
	struct xt_sock *s = segs_out(4, &base);
	const uint32_t blk[][2] = { { 2 * SEG, 3 * SEG } };

	fx_advance(RTT_MS);		/* the first ACK comes an RTT later */
	sack_ack(s, base, 0, blk, 1);
	cr_assert_eq(s->sb.sacked, SEG);
	sack_ack(s, base, 2 * SEG, NULL, 0);	/* up to the SACKed one */
	cr_assert_eq(s->sb.sacked, 0, "SACKs kept after reneging");
	cr_assert_eq(xt_stack_stats(fx.st)->sack_renegings, 1);
	fx_end();
}

/*
 * RFC 6675 §5.1: after an RTO every un-SACKed segment is lost. Here RACK
 * started recovery first, and its resends were lost too.
 */
Test(scoreboard, rto_marks_all_but_the_sacked_lost)
{
	uint32_t base;
	struct xt_sock *s = segs_out(6, &base);
	const uint32_t blk[][2] = { { 4 * SEG, 5 * SEG } };
	size_t n;

	fx_advance(RTT_MS);		/* the first ACK comes an RTT later */
	sack_ack(s, base, 0, blk, 1);
	fx_advance(RTT_MS);
	cr_assert_eq(s->rec.state, XT_REC_RECOVERY);
	n = fx_nout();
	fx_advance(s->rto_ms + 1);
	cr_assert_eq(s->rec.state, XT_REC_LOSS);
	cr_assert_eq(xt_stack_stats(fx.st)->rto_expiries, 1);
	cr_assert_eq(s->cwnd, SEG, "not one segment after the RTO");
	cr_assert_eq(sent_at(n, base), 1, "the first segment not resent");
	cr_assert_eq(sent_at(n, base + 4 * SEG), 0, "a SACKed one resent");
	fx_end();
}

/* --- RACK --------------------------------------------------------------- */

/*
 * §6.2: without reordering seen, one SACK above a hole starts nothing at
 * once (reo_wnd = min_RTT/4); the reordering timer marks it lost when
 * that window has passed.
 */
Test(rack, a_hole_is_lost_when_the_reordering_window_passes)
{
	uint32_t base;
	struct xt_sock *s;
	const uint32_t blk[][2] = { { 1 * SEG, 2 * SEG } };
	size_t n;

	s = segs_out(3, &base);
	fx_advance(RTT_MS);
	n = fx_nout();
	sack_ack(s, base, 0, blk, 1);
	cr_assert_eq(sent_at(n, base), 0, "resent within the window");
	cr_assert(xt_timer_armed(&s->rtx_timer));
	cr_assert_eq(s->rec.rtx_kind, XT_RTX_REO);
	fx_advance(RTT_MS / 4 + 1);
	cr_assert_eq(sent_at(n, base), 1, "not resent after the window");
	cr_assert_eq(s->rec.state, XT_REC_RECOVERY);
	fx_end();
}

/*
 * A resent segment lost again: new data sent after the resend arrives, so
 * RACK finds the resend lost by time, with no RTO.
 */
Test(rack, a_lost_retransmission_is_resent_before_the_rto)
{
	uint32_t base;
	struct xt_sock *s = segs_out(10, &base);
	const uint32_t blk1[][2] = { { 1 * SEG, 4 * SEG } };
	const uint32_t blk2[][2] = { { 1 * SEG, 10 * SEG } };
	const uint32_t blk3[][2] = { { 1 * SEG, 11 * SEG } };
	size_t n = fx_nout();
	uint64_t t0;

	fx_advance(RTT_MS);
	t0 = fx.now;
	sack_ack(s, base, 0, blk1, 1);		/* the hole resent at t0 */
	cr_assert_eq(sent_at(n, base), 1);
	fx_advance(RTT_MS);
	sack_ack(s, base, 0, blk2, 1);
	fx_write(s, SEG);			/* new data, after the resend */
	cr_assert_eq(s->snd_max, base + 11 * SEG, "no new data");
	fx_advance(RTT_MS);
	sack_ack(s, base, 0, blk3, 1);		/* it arrived; the resend not */
	cr_assert_eq(sent_at(n, base), 2, "the lost retransmission not resent");
	cr_assert_lt(fx.now - t0, s->rto_ms, "only by the RTO");
	cr_assert_eq(xt_stack_stats(fx.st)->rto_expiries, 0);
	fx_end();
}

/* §7.2: each D-SACK widens the window, for 16 rounds. */
Test(rack, dsack_widens_the_reordering_window)
{
	uint32_t base;
	struct xt_sock *s = segs_out(4, &base);
	const uint32_t dsack[][2] = { { 0, SEG } };

	fx_advance(RTT_MS);		/* the first ACK comes an RTT later */
	cr_assert_eq(s->rec.rack.reo_wnd_mult, 1);
	sack_ack(s, base, 2 * SEG, dsack, 1);	/* below SND.UNA: a D-SACK */
	cr_assert_eq(s->rec.rack.reo_wnd_mult, 2);
	cr_assert_eq(s->rec.rack.reo_wnd_persist, 16);
	cr_assert_eq(xt_stack_stats(fx.st)->dsacks, 1);
	fx_end();
}

/* --- TLP ---------------------------------------------------------------- */

/* §7.2: no ACK for the tail: a probe at 2·SRTT (+2 ms), long before RTO. */
Test(tlp, probe_at_two_srtt_resends_the_last_segment)
{
	uint32_t base;
	struct xt_sock *s = segs_out(4, &base);
	size_t n = fx_nout();
	uint64_t t0 = fx.now;

	cr_assert_eq(s->rec.rtx_kind, XT_RTX_PTO);
	fx_advance(2 * RTT_MS + 2);
	cr_assert_eq(sent_at(n, base + 3 * SEG), 1, "no probe of the last segment");
	cr_assert_leq(fx_out_at(fx_nout() - 1)->at - t0, 2 * RTT_MS + 3);
	cr_assert_eq(xt_stack_stats(fx.st)->tlp_probes, 1);
	cr_assert_eq(s->rec.rtx_kind, XT_RTX_RTO, "the RTO follows a probe");
	fx_end();
}

/*
 * The last two segments lost: the probe resends the last, its SACK shows
 * the other lost (RACK), and all is repaired in a few RTTs, not an RTO.
 */
Test(tlp, lost_tail_is_repaired_without_an_rto)
{
	uint32_t base;
	struct xt_sock *s = segs_out(4, &base);
	const uint32_t blk[][2] = { { 3 * SEG, 4 * SEG } };
	uint64_t t0 = fx.now;

	fx_advance(RTT_MS);
	sack_ack(s, base, 2 * SEG, NULL, 0);
	fx_advance(2 * RTT_MS + 2);		/* PTO: 2 SRTT + 2 ms */
	cr_assert_eq(xt_stack_stats(fx.st)->tlp_probes, 1);
	fx_advance(RTT_MS);
	sack_ack(s, base, 2 * SEG, blk, 1);	/* the probe arrived */
	fx_advance(RTT_MS);			/* RACK's window, then resent */
	fx_ack_all(s);
	cr_assert_eq(s->snd_una, s->snd_max);
	cr_assert_lt(fx.now - t0, 8 * RTT_MS);
	cr_assert_eq(xt_stack_stats(fx.st)->rto_expiries, 0);
	fx_end();
}

Test(tlp, new_data_is_the_probe_when_there_is_some)
{
	uint32_t base;
	struct xt_sock *s = segs_out(4, &base);
	uint32_t top = s->snd_max;

	s->cwnd = 4 * SEG;		/* what is queued waits on cwnd */
	fx_write(s, 2 * SEG);
	cr_assert_eq(s->snd_max, top, "cwnd did not hold it");
	fx_advance(2 * RTT_MS + 2);
	cr_assert_eq(s->snd_max, top + SEG, "the probe was not new data");
	fx_end();
}

/* --- D-SACK undo --------------------------------------------------------- */

/* Every retransmission of the episode D-SACKed: cwnd comes back. */
Test(dsack, spurious_recovery_is_undone)
{
	uint32_t base, cwnd0;
	struct xt_sock *s = segs_out(10, &base);
	const uint32_t blk[][2] = { { 1 * SEG, 4 * SEG } };
	const uint32_t dsack[][2] = { { 0, SEG } };

	fx_advance(RTT_MS);		/* the first ACK comes an RTT later */
	cwnd0 = s->cwnd;
	sack_ack(s, base, 0, blk, 1);
	cr_assert_eq(s->rec.state, XT_REC_RECOVERY);
	cr_assert_lt(s->cwnd, cwnd0, "no reduction on entering recovery");
	/* The original arrived after all: the resend is D-SACKed. */
	sack_ack(s, base, 4 * SEG, dsack, 1);
	cr_assert_eq(xt_stack_stats(fx.st)->undos, 1);
	cr_assert_geq(s->cwnd, cwnd0, "cwnd not restored");
	fx_end();
}

/* A D-SACK of a segment never resent: the network duplicated it. */
Test(dsack, a_duplicate_of_an_original_is_no_evidence)
{
	uint32_t base;
	struct xt_sock *s = segs_out(10, &base);
	const uint32_t blk[][2] = { { 1 * SEG, 4 * SEG } };
	const uint32_t dsack[][2] = { { 2 * SEG, 3 * SEG } };

	fx_advance(RTT_MS);		/* the first ACK comes an RTT later */
	sack_ack(s, base, 0, blk, 1);
	cr_assert_eq(s->rec.state, XT_REC_RECOVERY);
	sack_ack(s, base, 4 * SEG, dsack, 1);
	cr_assert_eq(xt_stack_stats(fx.st)->dsacks, 1);
	cr_assert_eq(xt_stack_stats(fx.st)->undos, 0, "undone on a duplicate");
	fx_end();
}

/* Reordering seen: only RACK's clock marks losses, not three SACKs. */
Test(rack, no_dupthresh_once_reordering_was_seen)
{
	uint32_t base;
	struct xt_sock *s = segs_out(10, &base);
	const uint32_t blk1[][2] = { { 2 * SEG, 3 * SEG } };
	const uint32_t blk2[][2] = { { 4 * SEG, 7 * SEG } };
	size_t n = fx_nout();

	fx_advance(RTT_MS);
	sack_ack(s, base, 0, blk1, 1);		/* 2 before 0 and 1 */
	sack_ack(s, base, 3 * SEG, NULL, 0);	/* 0 and 1: reordered */
	cr_assert(s->rec.rack.reordering_seen);
	sack_ack(s, base, 3 * SEG, blk2, 1);	/* three SACKed above 3 */
	cr_assert_eq(s->sb.lost, 0, "DupThresh marked a reordered one lost");
	cr_assert_eq(sent_at(n, base + 3 * SEG), 0);
	fx_end();
}

Test(dsack, a_real_loss_is_not_undone)
{
	uint32_t base;
	struct xt_sock *s = segs_out(10, &base);
	const uint32_t blk[][2] = { { 1 * SEG, 4 * SEG } };

	fx_advance(RTT_MS);		/* the first ACK comes an RTT later */
	sack_ack(s, base, 0, blk, 1);
	fx_ack_all(s);				/* no D-SACK: it was lost */
	cr_assert_eq(xt_stack_stats(fx.st)->undos, 0);
	cr_assert_leq(s->cwnd, s->ssthresh);
	fx_end();
}
