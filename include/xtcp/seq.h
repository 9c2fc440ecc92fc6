/* SPDX-License-Identifier: MIT */
/*
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).
 *
 * Sequence numbers are never compared with a bare '<': a and b are compared
 * through their signed 32-bit distance, which is right across wrap-around
 * as long as they are less than 2^31 apart, as in Linux's before()/after().
 */
#ifndef XTCP_SEQ_H
#define XTCP_SEQ_H

#include <linux/types.h>

static inline int xt_seq_lt(__u32 a, __u32 b) { return (__s32)(a - b) < 0; }
static inline int xt_seq_le(__u32 a, __u32 b) { return (__s32)(a - b) <= 0; }
static inline int xt_seq_gt(__u32 a, __u32 b) { return (__s32)(a - b) > 0; }
static inline int xt_seq_ge(__u32 a, __u32 b) { return (__s32)(a - b) >= 0; }

/* start <= seq < start + len; an empty window holds nothing. */
static inline int xt_seq_in_window(__u32 seq, __u32 start, __u32 len)
{
	return (__u32)(seq - start) < len;
}

/* lo <= seq <= hi, for ranges such as SND.UNA =< SEG.ACK =< SND.NXT. */
static inline int xt_seq_between(__u32 seq, __u32 lo, __u32 hi)
{
	return (__u32)(seq - lo) <= (__u32)(hi - lo);
}

static inline __u32 xt_seq_max(__u32 a, __u32 b) { return xt_seq_gt(a, b) ? a : b; }
static inline __u32 xt_seq_min(__u32 a, __u32 b) { return xt_seq_lt(a, b) ? a : b; }

#endif /* XTCP_SEQ_H */
