/* SPDX-License-Identifier: MIT */
/*
 * The dice: for each segment of one direction, whether it is dropped,
 * corrupted, duplicated, reordered, and when it leaves. Pure: no I/O, no
 * clock (the caller passes "now"), so a seed replays the same choices for
 * the same sequence of segments.
 */
#ifndef XTCP_IMPAIR_DECIDE_H
#define XTCP_IMPAIR_DECIDE_H

#include <stdbool.h>
#include <stdint.h>
#include "impair.h"

/* What happens to one segment. */
struct xt_plan {
	bool drop;
	bool corrupt;
	bool dup;		/* a clean copy leaves with it */
	bool reorder;		/* held reorder_gap past its turn */
	uint64_t release_ns;	/* when it leaves; <= now: at once */
	uint64_t rand;		/* spare randomness, for the corruption */
};

struct xt_decider {
	struct xt_imp_cfg cfg;
	/* Probabilities as thresholds on a 64-bit draw; p = 1 is "always". */
	uint64_t thr_loss, thr_dup, thr_reorder, thr_corrupt;
	uint64_t rng;		/* splitmix64 state */
	uint64_t floor_ns;	/* release time of the last in-order segment */
};

void xt_decide_init(struct xt_decider *d, const struct xt_imp_cfg *cfg,
		    uint64_t seed);
struct xt_plan xt_decide(struct xt_decider *d, uint64_t now_ns);

#endif /* XTCP_IMPAIR_DECIDE_H */
