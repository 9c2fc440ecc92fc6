// SPDX-License-Identifier: MIT
/*
 * BBR (draft-cardwell-iccrg-bbr-congestion-control-00, "BBR v1", Linux's
 * tcp_bbr.c): a model of the path instead of a reaction to loss. The
 * bottleneck bandwidth is the largest delivery rate (rate.c) of the last
 * ten round trips, the propagation delay the smallest RTT of the last ten
 * seconds; cwnd is a gain times their product. Random loss does not cut
 * the window, which is why the kernel's default on some machines (BBR)
 * keeps its rate on a lossy link where CUBIC halves it.
 *
 * xtcpd does not pace, so the pacing gains of the draft have nothing to
 * act on: cwnd alone bounds what is in flight (cwnd_gain 2 in ProbeBW, the
 * draft's; 2/ln 2 in Startup; 1 in Drain, which only the window can do). Without pacing a flight leaves
 * in bursts of up to cwnd; on a veth or a NIC with deep rings that costs
 * nothing measurable, on a shallow-buffered bottleneck it would.
 *
 * Recovery is the draft's §4.3.4: packet conservation in the first round
 * of fast recovery, the window before the episode restored after it. It
 * owns cwnd on every ACK (cong_control): no PRR, and ssthresh unused.
 */
#include <string.h>
#include "tcp/tcp.h"

#define BBR_BW_ROUNDS		10	/* max filter window, round trips */
#define BBR_BW_SHIFT		8	/* bw in 2^-8 bytes per millisecond */
#define BBR_MIN_RTT_WIN_US	(10ull * 1000000)	/* min_rtt filter */
#define BBR_PROBE_RTT_US	(200ull * 1000)	/* time at 4 segments */
#define BBR_HIGH_GAIN		2885	/* 2/ln(2), in thousandths */
#define BBR_CWND_GAIN		2000	/* ProbeBW */
#define BBR_GAIN_UNIT		1000
#define BBR_FULL_BW_NUM		5	/* growth of 25% ... */
#define BBR_FULL_BW_DEN		4
#define BBR_FULL_BW_ROUNDS	3	/* ... missing for 3 rounds: full */
#define BBR_MIN_CWND_SEGS	4
#define BBR_QUANTA_SEGS		3	/* room for delayed and stretched ACKs */

enum bbr_mode { BBR_STARTUP, BBR_DRAIN, BBR_PROBE_BW, BBR_PROBE_RTT };

struct bbr {
	/*
	 * The max filter: the best rate of each of the last rounds that had
	 * a sample that counted, by round number; rounds without one (an
	 * application-limited stretch) do not age the estimate (Linux's
	 * minmax, which only moves when a sample goes in).
	 */
	uint32_t bw_round[BBR_BW_ROUNDS];
	uint16_t bw_round_id[BBR_BW_ROUNDS];
	uint16_t bw_last_round;
	uint32_t round_count;
	uint32_t next_round_delivered;	/* the round ends past this */
	uint32_t full_bw;		/* max_bw when growth last counted */
	uint32_t min_rtt_us;		/* 0: no sample yet */
	uint64_t min_rtt_stamp_us;
	uint64_t probe_rtt_done_us;	/* 0: ProbeRTT's 4 segments not reached */
	uint32_t prior_cwnd;		/* before recovery, a timeout, ProbeRTT */
	uint8_t mode;			/* enum bbr_mode */
	uint8_t full_bw_cnt;
	uint8_t prev_rec_state;		/* enum xt_rec_state at the last ACK */
	bool round_start, full_bw_reached, packet_conservation;
	bool probe_rtt_round_done;
};

_Static_assert(sizeof(struct bbr) <= XT_CC_PRIV_SIZE,
	       "BBR's state must fit in xt_sock.cc_priv");

static struct bbr *bbr_of(struct xt_sock *s)
{
	return (struct bbr *)s->cc_priv;
}

static uint32_t bbr_max_bw(const struct bbr *b)
{
	uint32_t bw = 0;

	for (unsigned i = 0; i < BBR_BW_ROUNDS; i++)
		if ((uint16_t)(b->bw_last_round - b->bw_round_id[i]) <
		    BBR_BW_ROUNDS && b->bw_round[i] > bw)
			bw = b->bw_round[i];
	return bw;
}

static void bbr_bw_insert(struct bbr *b, uint32_t bw)
{
	uint16_t round = (uint16_t)b->round_count;
	unsigned slot = round % BBR_BW_ROUNDS;

	if (b->bw_round_id[slot] != round) {
		b->bw_round_id[slot] = round;
		b->bw_round[slot] = 0;
	}
	if (bw > b->bw_round[slot])
		b->bw_round[slot] = bw;
	b->bw_last_round = round;
}

/* gain (thousandths) times the bandwidth-delay product, in bytes. */
static uint32_t bbr_bdp(const struct xt_sock *s, const struct bbr *b,
			uint32_t gain)
{
	uint64_t bdp;

	if (!b->min_rtt_us || !bbr_max_bw(b))
		return XT_CC_INITIAL_SEGS * s->mss;	/* no model yet */
	bdp = (uint64_t)bbr_max_bw(b) * b->min_rtt_us / 1000 >> BBR_BW_SHIFT;
	bdp = bdp * gain / BBR_GAIN_UNIT;
	return bdp < UINT32_MAX ? (uint32_t)bdp : UINT32_MAX;
}

/*
 * Drain's gain is 1: the draft drains the Startup queue by pacing below the
 * rate; without pacing only the window can, so it drops to one BDP until
 * what is in flight fits.
 */
static uint32_t bbr_cwnd_gain(const struct bbr *b);

/* What the window aims at: gain BDPs and room for ACK quantization. */
static uint32_t bbr_target(const struct xt_sock *s, const struct bbr *b,
			   uint32_t gain)
{
	return bbr_bdp(s, b, gain) + BBR_QUANTA_SEGS * s->mss;
}

static uint32_t bbr_cwnd_gain(const struct bbr *b)
{
	switch (b->mode) {
	case BBR_STARTUP:
		return BBR_HIGH_GAIN;
	case BBR_DRAIN:
		return BBR_GAIN_UNIT;
	default:
		return BBR_CWND_GAIN;
	}
}

static void bbr_save_cwnd(struct xt_sock *s, struct bbr *b)
{
	if (b->prev_rec_state == XT_REC_OPEN && b->mode != BBR_PROBE_RTT)
		b->prior_cwnd = s->cwnd;
	else if (s->cwnd > b->prior_cwnd)
		b->prior_cwnd = s->cwnd;
}

/* §4.1.1.1: rounds, and the max filter of delivery rates. */
static void bbr_update_bw(struct xt_sock *s, struct bbr *b,
			  const struct xt_ack_sample *a)
{
	uint64_t bw;

	b->round_start = false;
	if (!a->rs_valid)
		return;
	if (xt_seq_ge(a->rs_prior_delivered, b->next_round_delivered)) {
		b->next_round_delivered = s->delivered;
		b->round_count++;
		b->round_start = true;
		b->packet_conservation = false;
	}
	bw = ((uint64_t)a->rs_delivered * 1000 << BBR_BW_SHIFT) /
	     a->rs_interval_us;
	if (bw > UINT32_MAX)
		bw = UINT32_MAX;
	/* An application-limited sample only counts when it is the best. */
	if (a->rs_app_limited && bw < bbr_max_bw(b))
		return;
	bbr_bw_insert(b, (uint32_t)bw);
}

/* §4.3.2.2: Startup is over when three rounds grew the rate < 25%. */
static void bbr_check_full_bw(struct bbr *b, const struct xt_ack_sample *a)
{
	uint32_t bw = bbr_max_bw(b);

	if (b->full_bw_reached || !b->round_start || a->rs_app_limited)
		return;
	if ((uint64_t)bw * BBR_FULL_BW_DEN >=
	    (uint64_t)b->full_bw * BBR_FULL_BW_NUM) {
		b->full_bw = bw;
		b->full_bw_cnt = 0;
		return;
	}
	if (++b->full_bw_cnt >= BBR_FULL_BW_ROUNDS)
		b->full_bw_reached = true;
}

/* §4.3.3: Drain until what is in flight fits one BDP. */
static void bbr_check_drain(struct xt_sock *s, struct bbr *b)
{
	if (b->mode == BBR_STARTUP && b->full_bw_reached)
		b->mode = BBR_DRAIN;
	if (b->mode == BBR_DRAIN &&
	    xt_rec_in_flight(s) <= bbr_target(s, b, BBR_GAIN_UNIT))
		b->mode = BBR_PROBE_BW;
}

/* §4.3.5: min_rtt's window, and ProbeRTT when it expires. */
static void bbr_update_min_rtt(struct xt_sock *s, struct bbr *b,
			       const struct xt_ack_sample *a)
{
	uint64_t now = s->st->now_us;
	bool expired = b->min_rtt_us &&
		       now - b->min_rtt_stamp_us > BBR_MIN_RTT_WIN_US;

	if (a->rtt_us && (!b->min_rtt_us || a->rtt_us < b->min_rtt_us ||
			  expired)) {
		b->min_rtt_us = a->rtt_us;
		b->min_rtt_stamp_us = now;
	}
	if (expired && b->mode != BBR_PROBE_RTT) {
		bbr_save_cwnd(s, b);
		b->mode = BBR_PROBE_RTT;
		b->probe_rtt_done_us = 0;
	}
	if (b->mode != BBR_PROBE_RTT)
		return;
	if (!b->probe_rtt_done_us &&
	    xt_rec_in_flight(s) <= BBR_MIN_CWND_SEGS * s->mss) {
		b->probe_rtt_done_us = now + BBR_PROBE_RTT_US;
		b->probe_rtt_round_done = false;
		b->next_round_delivered = s->delivered;
	} else if (b->probe_rtt_done_us) {
		if (b->round_start)
			b->probe_rtt_round_done = true;
		if (b->probe_rtt_round_done && now > b->probe_rtt_done_us) {
			b->min_rtt_stamp_us = now;
			if (s->cwnd < b->prior_cwnd)
				s->cwnd = b->prior_cwnd;
			b->mode = b->full_bw_reached ? BBR_PROBE_BW :
						       BBR_STARTUP;
		}
	}
}

/*
 * §4.3.4: conservation in the first round of fast recovery, the window of
 * before restored when recovery (or the timeout's LOSS) ends. Returns
 * true when conservation decided cwnd.
 */
static bool bbr_recover_or_restore(struct xt_sock *s, struct bbr *b,
				   uint32_t acked)
{
	enum xt_rec_state state = s->rec.state;
	uint32_t pipe = xt_rec_in_flight(s);

	if (state == XT_REC_RECOVERY && b->prev_rec_state != XT_REC_RECOVERY) {
		b->packet_conservation = true;
		b->next_round_delivered = s->delivered;	/* a round from now */
		s->cwnd = pipe + acked;
	} else if (b->prev_rec_state != XT_REC_OPEN &&
		   state == XT_REC_OPEN) {
		if (s->cwnd < b->prior_cwnd)
			s->cwnd = b->prior_cwnd;
		b->packet_conservation = false;
	}
	b->prev_rec_state = (uint8_t)state;
	if (!b->packet_conservation)
		return false;
	if (s->cwnd < pipe + acked)
		s->cwnd = pipe + acked;
	return true;
}

/* §4.2.3: toward gain * BDP, by what was delivered. */
static void bbr_set_cwnd(struct xt_sock *s, struct bbr *b, uint32_t acked)
{
	uint32_t target, floor = BBR_MIN_CWND_SEGS * s->mss;

	if (acked && !bbr_recover_or_restore(s, b, acked)) {
		target = bbr_target(s, b, bbr_cwnd_gain(b));
		if (b->full_bw_reached)
			s->cwnd = s->cwnd + acked < target ? s->cwnd + acked :
							     target;
		else if (s->cwnd < target ||
			 s->delivered < XT_CC_INITIAL_SEGS * s->mss)
			s->cwnd += acked;
		if (s->cwnd < floor)
			s->cwnd = floor;
	}
	if (b->mode == BBR_PROBE_RTT && s->cwnd > floor)
		s->cwnd = floor;
}

/* --- the ops ------------------------------------------------------------ */

static void bbr_init(struct xt_sock *s)
{
	struct bbr *b = bbr_of(s);

	memset(b, 0, sizeof(*b));
	b->next_round_delivered = s->delivered;
	s->cwnd = XT_CC_INITIAL_SEGS * s->mss;
	s->ssthresh = UINT32_MAX;	/* unused: BBR never slow-starts to it */
}

/* Every ACK, in recovery too: the model, then the window. */
static void bbr_cong_control(struct xt_sock *s, const struct xt_ack_sample *a)
{
	struct bbr *b = bbr_of(s);

	bbr_update_bw(s, b, a);
	bbr_check_full_bw(b, a);
	bbr_check_drain(s, b);
	bbr_update_min_rtt(s, b, a);
	bbr_set_cwnd(s, b, a->delivered);
}

static void bbr_on_ack(struct xt_sock *s, const struct xt_ack_sample *a)
{
	bbr_cong_control(s, a);
}

/* Fast recovery begins: cong_control conserves from the next ACK on. */
static void bbr_on_congestion(struct xt_sock *s, const struct xt_ack_sample *a)
{
	(void)a;
	bbr_save_cwnd(s, bbr_of(s));
}

/* A timeout: one segment, then back to the model (Linux's CA_EVENT_LOSS). */
static void bbr_on_rto(struct xt_sock *s)
{
	struct bbr *b = bbr_of(s);

	bbr_save_cwnd(s, b);
	b->prev_rec_state = XT_REC_LOSS;
	b->full_bw = 0;
	b->round_start = true;
	s->cwnd = s->mss;
}

/* BBR keeps its window across idle periods: the model still holds. */
static void bbr_after_idle(struct xt_sock *s)
{
	(void)s;
}

/* A spurious episode: start looking for a full pipe again (Linux). */
static void bbr_undo(struct xt_sock *s)
{
	struct bbr *b = bbr_of(s);

	b->full_bw = 0;
	b->full_bw_cnt = 0;
}

const struct xt_cc_ops xt_cc_bbr = {
	.name = "bbr",
	.init = bbr_init,
	.on_ack = bbr_on_ack,
	.on_congestion = bbr_on_congestion,
	.on_rto = bbr_on_rto,
	.after_idle = bbr_after_idle,
	.undo = bbr_undo,
	.cong_control = bbr_cong_control,
};
