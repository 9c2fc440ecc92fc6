// SPDX-License-Identifier: MIT
/*
 * Loss recovery: the SACK scoreboard (RFC 2018, RFC 6675), loss detection
 * by RACK (RFC 8985 §6) and by DupThresh (RFC 6675 IsLost), the tail loss
 * probe (RFC 8985 §7), NewReno's dupacks for peers without SACK (RFC 6582),
 * D-SACK and spurious-retransmission undo (RFC 2883, RFC 3708's idea),
 * SACK reneging, and proportional rate reduction in recovery (RFC 6937).
 *
 * It decides; it sends nothing. What to retransmit next is
 * xt_rec_next_lost(), read by xt_tcp_output(), the one place that sends;
 * congestion control (cc.h) is told of congestion and of every ACK.
 *
 *   xt_tcp_output() -> send_data() -> xt_rec_on_send()
 *   rcv_ack() -> xt_rec_on_ack() -> rec_sack() -> rec_mark_sacked()
 *                                -> rec_cumulative()
 *                                -> rec_detect_loss() -> rack_detect()
 *                                                     -> dupthresh_detect()
 *                                -> rec_state() -> cc on_congestion/on_ack
 *                                -> xt_rec_rearm()
 *   rtx timer -> xt_rec_timeout(): RTO, RACK's reordering timer, or TLP
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tcp/tcp.h"

#define SB_MIN_CAP		16
#define REC_DUPTHRESH		3	/* RFC 6675 §2 DupThresh */
#define RACK_REO_PERSIST	16	/* RFC 8985 §6.2: rounds of mult */
#define TLP_MIN_EXTRA_US	2000	/* Linux's TCP_TIMEOUT_MIN */

/* --- the scoreboard ------------------------------------------------------ */

static struct xt_txseg *sb_at(const struct xt_scoreboard *sb, uint32_t i)
{
	return &sb->seg[(sb->head + i) & (sb->cap - 1)];
}

/* The index of the first record whose end is beyond seq (n if none). */
static uint32_t sb_find(const struct xt_scoreboard *sb, uint32_t seq)
{
	uint32_t lo = 0, hi = sb->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (xt_seq_le(sb_at(sb, mid)->end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t seg_bytes(const struct xt_txseg *t)
{
	return t->end - t->seq;
}

static int sb_grow(struct xt_scoreboard *sb)
{
	uint32_t cap = sb->cap ? sb->cap * 2 : SB_MIN_CAP;
	struct xt_txseg *seg = malloc(cap * sizeof(*seg));

	if (!seg)
		return -ENOMEM;
	for (uint32_t i = 0; i < sb->n; i++)
		seg[i] = *sb_at(sb, i);
	free(sb->seg);
	sb->seg = seg;
	sb->cap = cap;
	sb->head = 0;
	return 0;
}

/* Flag changes go through here, so the byte counters stay true. */
static void sb_set(struct xt_scoreboard *sb, struct xt_txseg *t, uint8_t set,
		   uint8_t clear)
{
	uint8_t was = t->flags, now = (uint8_t)((was & ~clear) | set);
	uint32_t b = seg_bytes(t);

	if ((was ^ now) & XT_TXSEG_SACKED)
		sb->sacked += now & XT_TXSEG_SACKED ? b : -b;
	if ((was ^ now) & XT_TXSEG_LOST)
		sb->lost += now & XT_TXSEG_LOST ? b : -b;
	if ((was ^ now) & XT_TXSEG_RETRANS)
		sb->retrans += now & XT_TXSEG_RETRANS ? b : -b;
	t->flags = now;
}

/*
 * Everything sent is acknowledged: the records' memory goes back, as the
 * rings' does when they empty, so an idle connection holds none (issue
 * 12); the next send allocates SB_MIN_CAP again. Hints and counters stay.
 */
static void sb_release(struct xt_scoreboard *sb)
{
	free(sb->seg);
	sb->seg = NULL;
	sb->cap = 0;
	sb->head = 0;
}

void xt_sb_free(struct xt_scoreboard *sb)
{
	free(sb->seg);
	memset(sb, 0, sizeof(*sb));
}

/*
 * Bytes in flight, RFC 6675 §2's pipe: sent and not acknowledged, SACKed
 * or deemed lost, plus what was resent since. Without SACK, dupacks stand
 * for the segments that left the network (Linux's tcp_add_reno_sack()).
 */
uint32_t xt_rec_in_flight(const struct xt_sock *s)
{
	const struct xt_scoreboard *sb = &s->sb;
	uint32_t out = s->snd_max - s->snd_una;
	uint32_t gone = sb->sacked + sb->lost + s->rec.reno_sacked;

	out = out > gone ? out - gone : 0;
	return out + sb->retrans;
}

/* --- sending ------------------------------------------------------------- */

/*
 * A data segment [seq, end) left: a new record, or a retransmission of the
 * records it covers (xt_tcp_output() resends whole records). Returns
 * -ENOMEM when a new record cannot be kept; the caller must not send.
 */
int xt_rec_on_send(struct xt_sock *s, uint32_t seq, uint32_t end, bool fin)
{
	struct xt_scoreboard *sb = &s->sb;
	uint64_t now = s->st->now_us;
	struct xt_txseg *t;

	if (xt_seq_lt(seq, s->snd_max)) {	/* a retransmission */
		for (uint32_t i = sb_find(sb, seq); i < sb->n; i++) {
			t = sb_at(sb, i);
			if (!xt_seq_lt(t->seq, end))
				break;
			sb_set(sb, t, XT_TXSEG_RETRANS | XT_TXSEG_EVER_RETRANS,
			       0);
			t->xmit_us = now;
			xt_rate_on_send(s, t);
			if (xt_seq_lt(t->seq, sb->rack_hint))
				sb->rack_hint = t->seq;	/* RACK's again */
			if (s->rec.undo_valid)
				s->rec.undo_retrans++;
		}
		s->rec.prr_out += end - seq;
		return 0;
	}
	s->rec.prr_out += end - seq;
	if (sb->n == sb->cap && sb_grow(sb))
		return -ENOMEM;
	t = sb_at(sb, sb->n++);
	*t = (struct xt_txseg){ .seq = seq, .end = end, .xmit_us = now,
				.flags = fin ? XT_TXSEG_FIN : 0 };
	xt_rate_on_send(s, t);
	return 0;
}

/*
 * NextSeg, RFC 6675 §4 rule 1: the lowest record deemed lost and not yet
 * resent. Its bounds in *seq, *len (payload) and *fin; false if none.
 */
bool xt_rec_next_lost(struct xt_sock *s, uint32_t *seq, uint32_t *len,
		      bool *fin)
{
	struct xt_scoreboard *sb = &s->sb;

	if (!sb->lost)
		return false;
	if (xt_seq_lt(sb->rexmit_hint, s->snd_una))
		sb->rexmit_hint = s->snd_una;
	for (uint32_t i = sb_find(sb, sb->rexmit_hint); i < sb->n; i++) {
		const struct xt_txseg *t = sb_at(sb, i);

		if ((t->flags & (XT_TXSEG_LOST | XT_TXSEG_RETRANS)) !=
		    XT_TXSEG_LOST) {
			sb->rexmit_hint = t->end;
			continue;
		}
		*seq = t->seq;
		*fin = t->flags & XT_TXSEG_FIN;
		*len = seg_bytes(t) - *fin;
		return true;
	}
	return false;
}

/* The highest record, for a tail loss probe that has no new data. */
static bool rec_last(struct xt_sock *s, uint32_t *seq, uint32_t *len,
		     bool *fin)
{
	const struct xt_txseg *t;

	if (!s->sb.n)
		return false;
	t = sb_at(&s->sb, s->sb.n - 1);
	*seq = t->seq;
	*fin = t->flags & XT_TXSEG_FIN;
	*len = seg_bytes(t) - *fin;
	return true;
}

/* --- RACK (RFC 8985 §6) -------------------------------------------------- */

/* Whether a was sent after b: later, or at once and higher (§6.2). */
static bool sent_after(uint64_t a_us, uint32_t a_end, uint64_t b_us,
		       uint32_t b_end)
{
	return a_us > b_us || (a_us == b_us && xt_seq_gt(a_end, b_end));
}

/* §6.2 step 2: a record was delivered (acked or SACKed) by this ACK. */
static void rack_update(struct xt_sock *s, const struct xt_txseg *t,
			const struct xt_seg *seg)
{
	struct xt_rack *r = &s->rec.rack;
	uint64_t now = s->st->now_us;
	uint32_t rtt = (uint32_t)(now - t->xmit_us);

	if (t->flags & XT_TXSEG_EVER_RETRANS) {
		/* Delivered too soon to be the resend: the original arrived. */
		if (rtt < r->min_rtt_us)
			return;
		/* With timestamps, an echo older than the resend says so too. */
		if (s->ts_ok && (seg->opts.present & XT_OPT_TS) &&
		    xt_seq_lt(seg->opts.tsecr,
			      (uint32_t)(t->xmit_us / 1000 + s->st->ts_offset)))
			return;
	}
	if (!r->min_rtt_us || rtt < r->min_rtt_us)
		r->min_rtt_us = rtt ? rtt : 1;
	if (sent_after(t->xmit_us, t->end, r->xmit_us, r->end_seq)) {
		r->rtt_us = rtt;
		r->xmit_us = t->xmit_us;
		r->end_seq = t->end;
	}
}

/*
 * §6.2 step 3: delivered below what was delivered before this ACK, and
 * never resent. Against the fack of before the ACK (as Linux's
 * prior_fack): one ACK that acknowledges a segment and SACKs later ones
 * says the later ones came after it, not before.
 */
static void rack_detect_reordering(struct xt_sock *s, const struct xt_txseg *t)
{
	struct xt_rack *r = &s->rec.rack;

	if (xt_seq_gt(t->end, r->fack))
		r->fack = t->end;
	if (xt_seq_lt(t->end, r->prior_fack) &&
	    !(t->flags & XT_TXSEG_EVER_RETRANS))
		r->reordering_seen = true;
}

/* §6.2 step 4: the reordering window. */
static uint32_t rack_reo_wnd(const struct xt_sock *s)
{
	const struct xt_rack *r = &s->rec.rack;
	uint32_t w;

	if (!r->reordering_seen) {
		if (s->rec.state != XT_REC_OPEN)
			return 0;
		if (s->sb.sacked >= REC_DUPTHRESH * s->mss)
			return 0;
	}
	w = r->reo_wnd_mult * r->min_rtt_us / 4;
	return w < s->srtt_us ? w : s->srtt_us;
}

/* §7.2's D-SACK rounds: the window widens with each, for 16 rounds. */
static void rack_dsack_rounds(struct xt_sock *s, const struct xt_ack_sample *a)
{
	struct xt_rack *r = &s->rec.rack;

	if (r->dsack_seen && xt_seq_ge(s->snd_una, r->dsack_round))
		r->dsack_seen = false;
	if (a->flags & XT_ACK_DSACK && !r->dsack_seen) {
		r->dsack_seen = true;
		r->dsack_round = s->snd_max;
		if (r->reo_wnd_mult < UINT8_MAX)
			r->reo_wnd_mult++;
		r->reo_wnd_persist = RACK_REO_PERSIST;
	} else if (a->flags & XT_ACK_ADVANCED && !r->dsack_seen &&
		   r->reo_wnd_persist && !--r->reo_wnd_persist) {
		r->reo_wnd_mult = 1;
	}
}

static void mark_lost(struct xt_sock *s, struct xt_txseg *t)
{
	sb_set(&s->sb, t, XT_TXSEG_LOST, XT_TXSEG_RETRANS);
	if (xt_seq_lt(t->seq, s->sb.rexmit_hint))
		s->sb.rexmit_hint = t->seq;
}

/* SACKed, or lost and waiting to be resent: nothing for RACK to judge. */
static bool rack_decided(const struct xt_txseg *t)
{
	return t->flags & XT_TXSEG_SACKED ||
	       (t->flags & (XT_TXSEG_LOST | XT_TXSEG_RETRANS)) == XT_TXSEG_LOST;
}

/*
 * §6.2 step 5: every record sent before RACK.segment whose time is up is
 * lost; returns in how long the first not yet up will be (0: none). A
 * record resent since sorts by its resend, so both the never-resent ones
 * (in sequence order = sending order) and the resent ones are looked at.
 * The walk starts at rack_hint, past the leading records already decided,
 * and moves it up over the ones it decides.
 */
static uint64_t rack_detect(struct xt_sock *s)
{
	struct xt_scoreboard *sb = &s->sb;
	struct xt_rack *r = &s->rec.rack;
	uint64_t now = s->st->now_us, wait = 0;
	uint32_t reo = rack_reo_wnd(s);
	bool leading = true;

	if (!r->xmit_us)
		return 0;
	if (xt_seq_lt(sb->rack_hint, s->snd_una))
		sb->rack_hint = s->snd_una;
	for (uint32_t i = sb_find(sb, sb->rack_hint); i < sb->n; i++) {
		struct xt_txseg *t = sb_at(sb, i);
		uint64_t due;

		if (rack_decided(t)) {
			if (leading)
				sb->rack_hint = t->end;
			continue;
		}
		if (!sent_after(r->xmit_us, r->end_seq, t->xmit_us, t->end)) {
			leading = false;
			if (t->flags & XT_TXSEG_EVER_RETRANS)
				continue;
			break;	/* every later never-resent one: sent after */
		}
		due = t->xmit_us + r->rtt_us + reo;
		if (due <= now) {
			mark_lost(s, t);
			if (leading)
				sb->rack_hint = t->end;
			continue;
		}
		leading = false;
		if (!wait || due - now < wait)
			wait = due - now;
	}
	return wait;
}

/*
 * RFC 6675 IsLost: a record with DupThresh SACKed records (or as many
 * bytes) above it is lost, until reordering was seen, as Linux's RACK
 * does. The boundary is found from the top; records below the hint were
 * judged before.
 */
static void dupthresh_detect(struct xt_sock *s)
{
	struct xt_scoreboard *sb = &s->sb;
	uint32_t count = 0, bytes = 0, boundary = s->snd_una;

	/* Reordering seen: RACK's time-based rule alone (RFC 8985 §6). */
	if (!sb->sacked || s->rec.rack.reordering_seen)
		return;
	for (uint32_t i = sb->n; i-- > 0;) {
		const struct xt_txseg *t = sb_at(sb, i);

		if (!xt_seq_gt(t->end, sb->lost_hint))
			break;
		if (!(t->flags & XT_TXSEG_SACKED))
			continue;
		count++;
		bytes += seg_bytes(t);
		if (count >= REC_DUPTHRESH ||
		    bytes > (REC_DUPTHRESH - 1) * s->mss) {
			boundary = t->seq;
			break;
		}
	}
	if (!xt_seq_gt(boundary, sb->lost_hint))
		return;
	for (uint32_t i = sb_find(sb, sb->lost_hint); i < sb->n; i++) {
		struct xt_txseg *t = sb_at(sb, i);

		if (!xt_seq_lt(t->seq, boundary))
			break;
		if (!(t->flags & (XT_TXSEG_SACKED | XT_TXSEG_LOST |
				  XT_TXSEG_EVER_RETRANS)))
			mark_lost(s, t);
	}
	sb->lost_hint = boundary;
}

/* --- the ACK ------------------------------------------------------------- */

/* RFC 2883 §4: a first block below SND.UNA or inside the second. */
static bool is_dsack(const struct xt_seg *seg, uint32_t snd_una)
{
	const struct xt_sack_block *b = seg->opts.sack;

	if (!xt_seq_gt(b[0].end, snd_una))
		return true;
	return seg->opts.nsack > 1 && xt_seq_ge(b[0].start, b[1].start) &&
	       xt_seq_le(b[0].end, b[1].end);
}

/* Whether [start, end) was resent: a record, or one the ACK passed. */
static bool was_resent(const struct xt_sock *s, uint32_t start, uint32_t end)
{
	const struct xt_scoreboard *sb = &s->sb;
	uint32_t i = sb_find(sb, start);

	if (i < sb->n && xt_seq_le(sb_at(sb, i)->seq, start) &&
	    xt_seq_le(end, sb_at(sb, i)->end))
		return sb_at(sb, i)->flags & XT_TXSEG_EVER_RETRANS;
	for (unsigned k = 0; k < XT_REC_ACKED_RTX; k++)
		if (xt_seq_le(s->rec.acked_rtx[k][0], start) &&
		    xt_seq_le(end, s->rec.acked_rtx[k][1]) &&
		    s->rec.acked_rtx[k][0] != s->rec.acked_rtx[k][1])
			return true;
	return false;
}

/*
 * A D-SACKed retransmission was not needed (undo, RFC 2883 §4.2); a
 * D-SACK of anything else (the network duplicated it) says nothing.
 */
static void rec_dsack(struct xt_sock *s, const struct xt_sack_block *b,
		      struct xt_ack_sample *a)
{
	struct xt_recovery *rec = &s->rec;

	a->flags |= XT_ACK_DSACK;
	s->st->stats.dsacks++;
	if (rec->undo_valid && rec->undo_retrans &&
	    xt_seq_ge(b->start, rec->undo_marker) &&
	    was_resent(s, b->start, b->end))
		rec->undo_retrans--;
}

static void rec_mark_sacked(struct xt_sock *s, const struct xt_seg *seg,
			    uint32_t start, uint32_t end,
			    struct xt_ack_sample *a)
{
	struct xt_scoreboard *sb = &s->sb;

	for (uint32_t i = sb_find(sb, start); i < sb->n; i++) {
		struct xt_txseg *t = sb_at(sb, i);

		if (!xt_seq_le(t->end, end))
			break;
		if (xt_seq_lt(t->seq, start) || t->flags & XT_TXSEG_SACKED)
			continue;
		rack_update(s, t, seg);
		rack_detect_reordering(s, t);
		if (t->flags & XT_TXSEG_EVER_RETRANS)
			a->flags |= XT_ACK_RETRANS;
		xt_rate_on_delivered(s, t, a);
		sb_set(sb, t, XT_TXSEG_SACKED, XT_TXSEG_LOST | XT_TXSEG_RETRANS);
		a->sacked += seg_bytes(t);
		if (xt_seq_gt(t->end, sb->high_sacked) || sb->sacked == seg_bytes(t))
			sb->high_sacked = t->end;
	}
}

/* The ACK's SACK blocks (RFC 2018): D-SACK first, then the rest. */
static void rec_sack(struct xt_sock *s, const struct xt_seg *seg,
		     struct xt_ack_sample *a)
{
	const struct xt_sack_block *b = seg->opts.sack;
	unsigned i = 0;

	if (!s->sack_ok || !(seg->opts.present & XT_OPT_SACK) ||
	    !seg->opts.nsack)
		return;
	if (is_dsack(seg, s->snd_una)) {
		rec_dsack(s, &b[0], a);
		i = 1;
	}
	for (; i < seg->opts.nsack; i++) {
		/* Only what lies in SND.UNA..SND.MAX (RFC 2018 §4). */
		if (!xt_seq_lt(b[i].start, b[i].end) ||
		    xt_seq_gt(b[i].end, s->snd_max))
			continue;
		rec_mark_sacked(s, seg, b[i].start, b[i].end, a);
	}
	if (a->sacked)
		a->flags |= XT_ACK_SACKED;
}

static void remember_acked_rtx(struct xt_recovery *rec,
			       const struct xt_txseg *t)
{
	unsigned k = rec->acked_rtx_next++ % XT_REC_ACKED_RTX;

	rec->acked_rtx[k][0] = t->seq;
	rec->acked_rtx[k][1] = t->end;
}

/*
 * SND.UNA moved: the records it passed go, RACK learns of each, and the
 * oldest of them gives the RTT sample unless one was resent (Karn). The
 * oldest, as Linux's seq_rtt: a receiver that delays its ACKs makes the
 * RTT the sender waits, and SRTT, PTO and RTO must include that wait.
 */
static void rec_cumulative(struct xt_sock *s, const struct xt_seg *seg,
			   struct xt_ack_sample *a)
{
	struct xt_scoreboard *sb = &s->sb;
	uint64_t oldest = 0;

	while (sb->n) {
		struct xt_txseg *t = sb_at(sb, 0);

		if (xt_seq_gt(t->end, s->snd_una))
			break;
		if (!(t->flags & XT_TXSEG_SACKED)) {
			a->delivered += seg_bytes(t);
			rack_update(s, t, seg);
			rack_detect_reordering(s, t);
			xt_rate_on_delivered(s, t, a);
		}
		if (t->flags & XT_TXSEG_EVER_RETRANS) {
			a->flags |= XT_ACK_RETRANS;
			remember_acked_rtx(&s->rec, t);
		} else if (!oldest || t->xmit_us < oldest) {
			oldest = t->xmit_us;
		}
		sb_set(sb, t, 0, XT_TXSEG_SACKED | XT_TXSEG_LOST |
				 XT_TXSEG_RETRANS);
		sb->head = (sb->head + 1) & (sb->cap - 1);
		sb->n--;
	}
	/* A record cut by the ACK (a peer that acks mid-segment). */
	if (sb->n && xt_seq_gt(s->snd_una, sb_at(sb, 0)->seq)) {
		struct xt_txseg *t = sb_at(sb, 0);
		uint8_t flags = t->flags;

		sb_set(sb, t, 0, flags);
		t->seq = s->snd_una;
		sb_set(sb, t, flags, 0);
	}
	if (oldest && !(a->flags & XT_ACK_RETRANS))
		a->rtt_us = (uint32_t)(s->st->now_us - oldest) ?: 1;
	if (!sb->n) {
		sb->high_sacked = s->snd_una;
		sb_release(sb);
	}
}

/*
 * SACK reneging: the receiver dropped what it had SACKed, for SND.UNA now
 * sits on a SACKed record (Linux's tcp_check_sack_reneging()). Forget
 * every SACK; the RTO (or new SACKs) will find what is missing.
 */
static void rec_reneging(struct xt_sock *s)
{
	struct xt_scoreboard *sb = &s->sb;

	if (!sb->n || !(sb_at(sb, 0)->flags & XT_TXSEG_SACKED))
		return;
	s->st->stats.sack_renegings++;
	for (uint32_t i = 0; i < sb->n; i++)
		sb_set(sb, sb_at(sb, i), 0, XT_TXSEG_SACKED);
	sb->high_sacked = s->snd_una;
	sb->lost_hint = s->snd_una;
	sb->rack_hint = s->snd_una;
}

/*
 * Without SACK, RFC 6582: the third duplicate marks the first record
 * lost, and in recovery a partial ACK marks the next one. A peer that
 * agreed to SACK but sends none is treated the same, for as long as
 * nothing is SACKed.
 */
static void rec_newreno(struct xt_sock *s, const struct xt_seg *seg,
			struct xt_ack_sample *a)
{
	struct xt_recovery *rec = &s->rec;

	if (!s->sb.n || (s->sack_ok && (s->sb.sacked ||
					seg->opts.present & XT_OPT_SACK)))
		return;
	if (a->flags & XT_ACK_ADVANCED) {
		uint32_t acked = a->acked < rec->reno_sacked ? a->acked :
							      rec->reno_sacked;

		rec->reno_sacked -= acked;
		rec->dupacks = 0;
		if (rec->state == XT_REC_RECOVERY &&
		    xt_seq_lt(s->snd_una, rec->recover) &&
		    !(sb_at(&s->sb, 0)->flags & (XT_TXSEG_LOST | XT_TXSEG_RETRANS)))
			mark_lost(s, sb_at(&s->sb, 0));	/* partial ACK */
		return;
	}
	if (!(a->flags & XT_ACK_DUP))
		return;
	rec->dupacks++;
	if (rec->reno_sacked + s->mss <= s->snd_max - s->snd_una)
		rec->reno_sacked += s->mss;
	if (rec->dupacks == REC_DUPTHRESH && rec->state == XT_REC_OPEN &&
	    !(sb_at(&s->sb, 0)->flags & XT_TXSEG_EVER_RETRANS))
		mark_lost(s, sb_at(&s->sb, 0));
}

/* --- the recovery episode ----------------------------------------------- */

static void rec_begin(struct xt_sock *s, enum xt_rec_state state)
{
	struct xt_recovery *rec = &s->rec;

	if (rec->state == XT_REC_OPEN) {
		s->prior_cwnd = s->cwnd;
		s->prior_ssthresh = s->ssthresh;
		rec->undo_marker = s->snd_una;
		rec->undo_retrans = 0;
		rec->undo_valid = true;
	}
	rec->state = state;
	rec->recover = s->snd_max;
	rec->rack.tlp_out = false;	/* recovery repairs what it probed */
	rec->prr_delivered = 0;
	rec->prr_out = 0;
	rec->recover_fs = s->snd_max - s->snd_una;
}

/*
 * RFC 6937 §3: in fast recovery cwnd follows what the ACKs deliver, in
 * proportion down to ssthresh while pipe is above it (PRR), then by
 * slow start back up to it (PRR-SSRB), so recovery neither stalls nor
 * bursts.
 */
static void prr_update(struct xt_sock *s, const struct xt_ack_sample *a)
{
	struct xt_recovery *rec = &s->rec;
	uint32_t pipe = xt_rec_in_flight(s), sndcnt;

	rec->prr_delivered += a->delivered;
	if (pipe > s->ssthresh) {
		uint64_t due = ((uint64_t)rec->prr_delivered * s->ssthresh +
				rec->recover_fs - 1) / (rec->recover_fs ?: 1);

		sndcnt = due > rec->prr_out ? (uint32_t)(due - rec->prr_out) : 0;
	} else {
		uint32_t limit = rec->prr_delivered > rec->prr_out ?
				 rec->prr_delivered - rec->prr_out : 0;

		if (limit < a->delivered)
			limit = a->delivered;
		limit += s->mss;
		sndcnt = s->ssthresh - pipe < limit ? s->ssthresh - pipe : limit;
	}
	s->cwnd = pipe + sndcnt;
}

/* Every retransmission was D-SACKed: the episode was spurious. */
static void rec_try_undo(struct xt_sock *s)
{
	struct xt_recovery *rec = &s->rec;

	if (!rec->undo_valid || rec->undo_retrans ||
	    xt_seq_le(s->snd_una, rec->undo_marker))
		return;
	if (s->cwnd < s->prior_cwnd)
		s->cwnd = s->prior_cwnd;
	if (s->ssthresh < s->prior_ssthresh)
		s->ssthresh = s->prior_ssthresh;
	if (s->cc->undo)
		s->cc->undo(s);
	rec->undo_valid = false;
	rec->state = XT_REC_OPEN;	/* nothing was lost: the episode ends */
	s->st->stats.undos++;
}

/* Enter fast recovery on a loss; leave it, or LOSS, past recover. */
static void rec_state(struct xt_sock *s, struct xt_ack_sample *a)
{
	struct xt_recovery *rec = &s->rec;
	bool ended = false;

	if (rec->state != XT_REC_OPEN && xt_seq_ge(s->snd_una, rec->recover) &&
	    a->flags & XT_ACK_ADVANCED) {
		/* RFC 6675 §5, RFC 6582 step 3, RFC 6937 §3: cwnd = ssthresh. */
		if (rec->state == XT_REC_RECOVERY && !s->cc->cong_control)
			s->cwnd = s->ssthresh;
		rec->state = XT_REC_OPEN;
		ended = true;
	}
	if (rec->state == XT_REC_OPEN && s->sb.lost) {
		rec_begin(s, XT_REC_RECOVERY);	/* RFC 6675 §5 step 4 */
		s->cc->on_congestion(s, a);
		s->st->stats.fast_retransmits++;
	}
	if (a->flags & XT_ACK_DSACK)
		rec_try_undo(s);
	if (s->cc->cong_control)
		s->cc->cong_control(s, a);	/* it owns cwnd, PRR's too */
	else if (rec->state == XT_REC_RECOVERY)
		prr_update(s, a);
	else if (a->delivered && !ended)	/* after an RTO: slow start */
		s->cc->on_ack(s, a);
}

/*
 * RFC 8985 §7.4: a probe's episode ends at the ACK past it. A D-SACK for
 * a resent probe says nothing was lost; otherwise the probe repaired a
 * loss, and congestion control hears of it.
 */
static void tlp_on_ack(struct xt_sock *s, struct xt_ack_sample *a)
{
	struct xt_rack *r = &s->rec.rack;

	if (!r->tlp_out || !xt_seq_ge(s->snd_una, r->tlp_end_seq))
		return;
	r->tlp_out = false;
	if (!r->tlp_is_retrans || a->flags & XT_ACK_DSACK)
		return;
	if (s->rec.state == XT_REC_OPEN) {
		s->cc->on_congestion(s, a);
		s->st->stats.tlp_recoveries++;
	}
}

void xt_rec_on_ack(struct xt_sock *s, const struct xt_seg *seg,
		   struct xt_ack_sample *a)
{
	uint64_t wait;

	s->rec.rack.prior_fack = s->rec.rack.fack;
	rec_sack(s, seg, a);
	if (a->flags & XT_ACK_ADVANCED)
		rec_cumulative(s, seg, a);
	rec_reneging(s);
	rec_newreno(s, seg, a);
	a->delivered += a->sacked;
	xt_rate_sample(s, a);
	if (a->rtt_us)
		xt_rtt_sample_us(s, a->rtt_us);
	rack_dsack_rounds(s, a);
	wait = rack_detect(s);
	dupthresh_detect(s);
	rec_state(s, a);
	tlp_on_ack(s, a);
	xt_rec_rearm(s, a->flags & XT_ACK_ADVANCED, wait);
}

/* --- the timer ----------------------------------------------------------- */

/* RFC 8985 §7.2: a probe when only the tail could be lost, and SACK says. */
static bool tlp_eligible(const struct xt_sock *s)
{
	return s->sack_ok && s->rec.state == XT_REC_OPEN &&
	       !s->rec.rack.tlp_out && s->rtt_valid && s->sb.n;
}

static uint64_t tlp_pto_us(const struct xt_sock *s)
{
	uint64_t pto = 2ull * s->srtt_us;

	/* One segment out: the peer may delay its ACK (§7.2, Linux). */
	if (s->sb.n == 1)
		pto += (uint64_t)s->st->cfg.rto_min_ms * 1000;
	else
		pto += TLP_MIN_EXTRA_US;
	return pto;
}

static void arm_at_us(struct xt_sock *s, enum xt_rtx_kind kind, uint64_t us)
{
	/* The wheel counts milliseconds: round up, never early. */
	uint64_t ms = (us + 999) / 1000;

	s->rec.rtx_kind = kind;
	xt_wheel_arm(&s->st->wheel, &s->rtx_timer, s->st->now + (ms ? ms : 1));
}

/*
 * After an ACK (restart: it acknowledged new data, RFC 6298 §5.3) or a
 * send: RACK's reordering timer when a record waits on it, else a probe
 * when one is due (never later than the RTO), else the RTO, started only
 * if it is not running (§5.1).
 */
void xt_rec_rearm(struct xt_sock *s, bool restart, uint64_t reo_wait_us)
{
	uint64_t rto_us = (uint64_t)s->rto_ms * 1000;

	if (s->snd_max == s->snd_una) {
		xt_wheel_cancel(&s->st->wheel, &s->rtx_timer);
		return;
	}
	if (reo_wait_us) {
		arm_at_us(s, XT_RTX_REO, reo_wait_us);
		return;
	}
	if (tlp_eligible(s)) {
		uint64_t pto = tlp_pto_us(s);

		arm_at_us(s, XT_RTX_PTO, pto < rto_us ? pto : rto_us);
		return;
	}
	if (restart || !xt_timer_armed(&s->rtx_timer) ||
	    s->rec.rtx_kind != XT_RTX_RTO)
		arm_at_us(s, XT_RTX_RTO, rto_us);
}

/* RFC 6298 §5.4-5.6 and RFC 6675 §5.1: every record not SACKed is lost. */
static void rec_rto(struct xt_sock *s)
{
	struct xt_scoreboard *sb = &s->sb;

	rec_begin(s, XT_REC_LOSS);
	s->cc->on_rto(s);
	for (uint32_t i = 0; i < sb->n; i++) {
		struct xt_txseg *t = sb_at(sb, i);

		if (!(t->flags & XT_TXSEG_SACKED))
			sb_set(sb, t, XT_TXSEG_LOST, XT_TXSEG_RETRANS);
	}
	sb->rexmit_hint = s->snd_una;
	sb->lost_hint = s->snd_una;
	s->rec.dupacks = 0;
	s->rec.reno_sacked = 0;
	/* Retransmissions after an RTO are not D-SACK evidence (Linux). */
	s->rec.undo_valid = false;
}

/*
 * RFC 8985 §7.3: the probe. New data if the windows allow, else the last
 * record again; either way it goes out now, outside cwnd.
 */
static void tlp_fire(struct xt_sock *s)
{
	struct xt_rack *r = &s->rec.rack;
	uint32_t seq, len;
	bool fin;

	s->st->stats.tlp_probes++;
	if (xt_tcp_send_new_one(s)) {
		r->tlp_is_retrans = false;
	} else if (rec_last(s, &seq, &len, &fin)) {
		xt_tcp_resend(s, seq, len, fin);
		r->tlp_is_retrans = true;
	} else {
		return;
	}
	r->tlp_out = true;
	r->tlp_end_seq = s->snd_max;
	arm_at_us(s, XT_RTX_RTO, (uint64_t)s->rto_ms * 1000);
}

/*
 * The rtx timer fired. Returns true when the caller (tcp_timer.c) is to
 * treat it as an RTO: back off, count, give up after too many.
 */
bool xt_rec_timeout(struct xt_sock *s)
{
	switch (s->rec.rtx_kind) {
	case XT_RTX_REO: {
		struct xt_ack_sample a = {
			.now_us = s->st->now_us,
			.prior_in_flight = xt_tcp_outstanding(s),
		};
		uint64_t wait = rack_detect(s);

		rec_state(s, &a);
		xt_rec_rearm(s, false, wait);
		xt_tcp_output(s);
		return false;
	}
	case XT_RTX_PTO:
		tlp_fire(s);
		return false;
	case XT_RTX_RTO:
	default:
		rec_rto(s);
		return true;
	}
}

void xt_rec_init(struct xt_sock *s)
{
	memset(&s->rec, 0, sizeof(s->rec));
	s->rec.rack.reo_wnd_mult = 1;
	s->rec.rack.fack = s->snd_una;
	s->sb.high_sacked = s->sb.lost_hint = s->sb.rexmit_hint = s->snd_una;
	s->sb.rack_hint = s->snd_una;
}
