/* SPDX-License-Identifier: MIT */
/*
 * Loss recovery's state (recovery.c): the scoreboard of every segment sent
 * and not yet cumulatively acknowledged, RFC 6675's counters over it, and
 * RACK-TLP's (RFC 8985).
 *
 * The scoreboard is a ring of segment records in sequence order, one per
 * segment as it was first sent, from SND.UNA to SND.MAX. A cumulative ACK
 * pops from the front; a SACK block finds its records by binary search;
 * the counters (bytes SACKed, lost, retransmitted) are kept as records
 * change, so pipe (RFC 6675 §2) costs nothing to read, and no ACK walks
 * the whole queue: loss detection resumes from hints.
 */
#ifndef XTCP_RECOVERY_H
#define XTCP_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

/* One segment sent: [seq, end), a FIN counting one. */
struct xt_txseg {
	uint32_t seq, end;
	uint64_t xmit_us;		/* its last (re)transmission */
	/* The connection's delivery state when it last left (rate.c). */
	uint64_t delivered_us, first_sent_us;
	uint32_t delivered;
	uint8_t flags;			/* XT_TXSEG_* */
	bool app_limited;
};

/*
 * LOST stays set once a record is deemed lost, resent or not, so that pipe
 * counts a resent record once (RFC 6675 §2: IsLost still holds, plus its
 * retransmission), as Linux's lost_out and retrans_out do; RETRANS says a
 * resend is out. NextSeg resends LOST records without RETRANS.
 */
#define XT_TXSEG_SACKED		(1u << 0)	/* the peer holds it */
#define XT_TXSEG_LOST		(1u << 1)	/* deemed lost */
#define XT_TXSEG_RETRANS	(1u << 2)	/* resent, fate unknown: in pipe */
#define XT_TXSEG_EVER_RETRANS	(1u << 3)	/* Karn: no RTT sample from it */
#define XT_TXSEG_FIN		(1u << 4)

#define XT_REC_ACKED_RTX	8	/* resent records remembered past SND.UNA */

/* What a connection's recovery is doing (Linux's tcp_ca_state). */
enum xt_rec_state {
	XT_REC_OPEN,			/* no loss being repaired */
	XT_REC_RECOVERY,		/* RFC 6675 fast recovery */
	XT_REC_LOSS,			/* after an RTO, until SND.UNA > recover */
};

struct xt_scoreboard {
	struct xt_txseg *seg;		/* ring of cap, n used from head */
	uint32_t cap, head, n;
	uint32_t sacked, lost, retrans;	/* bytes in records so flagged */
	uint32_t high_sacked;		/* end of the highest SACKed record */
	/* Records below these sequence numbers were looked at already: */
	uint32_t lost_hint;		/* by the DupThresh rule (IsLost) */
	uint32_t rexmit_hint;		/* by NextSeg, for LOST records */
	uint32_t rack_hint;		/* by RACK: all SACKed or awaiting a resend */
};

/* RACK (RFC 8985 §6.1) and TLP (§7) variables. */
struct xt_rack {
	uint64_t xmit_us;		/* RACK.xmit_ts */
	uint32_t end_seq;		/* RACK.end_seq */
	uint32_t rtt_us;		/* RACK.rtt */
	uint32_t fack;			/* RACK.fack: highest delivered end */
	uint32_t prior_fack;		/* fack before the ACK being processed */
	uint32_t min_rtt_us;		/* RACK.min_RTT; 0: none yet */
	uint32_t dsack_round;		/* RACK.dsack_round; valid if dsack_seen */
	uint8_t reo_wnd_mult;		/* RACK.reo_wnd_mult */
	uint8_t reo_wnd_persist;	/* RACK.reo_wnd_persist */
	bool dsack_seen;		/* a D-SACK in the current round */
	bool reordering_seen;		/* RACK.reordering_seen */
	bool tlp_out;			/* a probe is out: TLP.end_seq valid */
	bool tlp_is_retrans;
	uint32_t tlp_end_seq;		/* TLP.end_seq */
};

/* The rtx timer's meaning while it runs (one timer, as Linux's). */
enum xt_rtx_kind {
	XT_RTX_RTO,			/* RFC 6298 retransmission timeout */
	XT_RTX_REO,			/* RACK's reordering timer, §6.2 step 5 */
	XT_RTX_PTO,			/* TLP's probe timeout, §7.2 */
};

struct xt_recovery {
	enum xt_rec_state state;
	uint32_t recover;		/* SND.MAX when recovery or LOSS began */
	uint32_t dupacks;		/* RFC 5681 duplicates, without SACK */
	/* Proportional rate reduction in fast recovery (RFC 6937). */
	uint32_t prr_delivered, prr_out, recover_fs;
	uint32_t reno_sacked;		/* without SACK: dupacks as SACKed bytes */
	/* Spurious retransmissions (RFC 2883 §4, Linux's undo). */
	uint32_t undo_marker;		/* SND.UNA when the episode began */
	uint32_t undo_retrans;		/* its retransmissions not D-SACKed */
	bool undo_valid;
	/*
	 * The last resent records the cumulative ACK passed, so that a
	 * D-SACK below SND.UNA counts for undo only when it names one of
	 * them: a network's duplicate of an original is no evidence.
	 */
	uint8_t acked_rtx_next;
	uint32_t acked_rtx[XT_REC_ACKED_RTX][2];
	enum xt_rtx_kind rtx_kind;
	struct xt_rack rack;
};

#endif /* XTCP_RECOVERY_H */
