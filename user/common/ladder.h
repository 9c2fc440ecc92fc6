/* SPDX-License-Identifier: MIT */
/*
 * `xtcpctl trace`'s drawing: tap records (xtcp/tap.h) in, text out. Each
 * connection's life as the ladder diagram of the TCP textbooks, peer on
 * the left, xtcpd on the right, one arrow per segment:
 *
 *   #1  SYN-SENT     ── SYN seq 0 win 64240 <mss 1460,...> ──────▶ SYN-RECEIVED
 *   #1  ESTABLISHED  ◀──────── SYN,ACK seq 0 ack 1 win 65535 ─────
 *
 * Sequence numbers are relative to each side's ISN. xtcpd's states are
 * the ones it reports; the peer's are inferred from the segments that
 * cross (RFC 9293 §3.3.2), drawn where the segment that causes them ends.
 * Or, with json, one JSON object per event and line.
 *
 * No I/O and no clock: the caller feeds records and prints what comes
 * back, and calls xt_ladder_flush() when nothing came for a while (a
 * line is held back a moment, in case the state it caused follows).
 */
#ifndef XTCP_LADDER_H
#define XTCP_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xtcp/tap.h"

#define XT_LADDER_CONNS		64	/* connections drawn at once */
#define XT_LADDER_LINE		512	/* bytes in one line, at most */
#define XT_LADDER_STATE_UNKNOWN	0xff

struct xt_ladder_filter {
	uint16_t port;			/* either side's; 0: any */
	uint32_t addr;			/* network order; with port, one end */
	bool have_addr;
};

struct xt_ladder_conn {
	bool used;
	unsigned id;			/* #N in the drawing */
	uint32_t laddr, raddr;		/* xtcpd's side first */
	uint16_t lport, rport;
	bool peer_isn_known, our_isn_known;
	uint32_t peer_isn, our_isn;
	bool peer_fin_sent;
	uint32_t peer_fin_end;		/* the seq after the peer's FIN */
	bool our_fin_sent;
	uint32_t our_fin_end;
	uint8_t peer_state, our_state;	/* enum xt_tcp_state, or UNKNOWN */
	bool finished;			/* xtcpd's side CLOSED or TIME-WAIT */
	uint64_t last_ns;
};

/* A line held back: a segment that a state may still be added to. */
struct xt_ladder_line {
	bool held;
	unsigned conn;			/* index into conns */
	uint64_t ts_ns;
	bool seg, inbound;		/* an arrow, and which way */
	char left[16], right[40];	/* the states shown at each end */
	char label[160];
	const char *tail;		/* the arrow's end: "▶", "✕", "◀" */
};

struct xt_ladder {
	bool json;
	struct xt_ladder_filter filter;
	struct xt_ladder_conn conns[XT_LADDER_CONNS];
	unsigned next_id;
	unsigned finished;		/* connections that ended */
	uint64_t t0_ns;			/* the first record's time */
	struct xt_ladder_line hold;
};

void xt_ladder_init(struct xt_ladder *l, bool json,
		    const struct xt_ladder_filter *f);
/*
 * Appends what record r adds to the drawing to out (cap bytes, always
 * NUL-terminated, whole lines only); returns the length written.
 */
size_t xt_ladder_feed(struct xt_ladder *l, const struct xt_tap_rec *r,
		      char *out, size_t cap);
/* Writes the line held back, if any. */
size_t xt_ladder_flush(struct xt_ladder *l, char *out, size_t cap);

#endif /* XTCP_LADDER_H */
