/* SPDX-License-Identifier: MIT */
/*
 * The headers of a frame in a tap record (xtcp/tap.h), read leniently:
 * the record may hold only the start of the frame, and its checksums are
 * not checked (a trace shows what crossed, good or bad).
 */
#ifndef XTCP_TAPSEG_H
#define XTCP_TAPSEG_H

#include <stdbool.h>
#include <stdint.h>
#include "xtcp/tap.h"

struct xt_tapseg {
	uint32_t saddr, daddr;		/* network order */
	uint16_t sport, dport;		/* host order */
	uint32_t seq, ack;
	uint8_t flags;			/* XT_TCP_* */
	uint16_t wnd;			/* as sent, unscaled */
	uint32_t len;			/* payload bytes, by the IP total length */
	/* Options, when the captured bytes hold them. */
	uint16_t mss;			/* 0: none */
	int8_t wscale;			/* -1: none */
	bool sack_perm, ts;
	uint8_t nsack;			/* SACK blocks */
};

/* 0, or -EINVAL when the record holds no IPv4/TCP headers. */
int xt_tapseg_decode(const struct xt_tap_rec *r, struct xt_tapseg *s);

#endif /* XTCP_TAPSEG_H */
