/* SPDX-License-Identifier: MIT */
/*
 * impair: what one direction of the link is asked to do, and what it did.
 * Shared by every file of tools/impair/ (see main.c for the whole picture).
 */
#ifndef XTCP_IMPAIR_H
#define XTCP_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#define NS_PER_MS	1000000ULL
#define NS_PER_S	1000000000ULL

/* The two directions, named from side b, where impair runs. */
enum xt_dir {
	XT_DIR_IN,	/* b's ingress: a -> b */
	XT_DIR_OUT,	/* b's egress:  b -> a */
	XT_DIR_N,
};

extern const char *const xt_dir_name[XT_DIR_N];

/* One direction's impairments; probabilities in [0, 1]. */
struct xt_imp_cfg {
	bool on;			/* this direction is queued at all */
	double loss, dup, reorder, corrupt;
	uint64_t delay_ns, jitter_ns;	/* delay uniform in delay ± jitter */
	uint64_t reorder_gap_ns;	/* extra hold of a reordered segment */
};

/*
 * Per-direction counters, one list for the struct, the text report and the
 * JSON line. What each counts, in the order a segment meets them: seen,
 * then dropped (of seen), then corrupted and duplicated (each of the
 * segments not dropped), then delayed or reordered (held past "now").
 */
#define XT_IMP_COUNTERS(X)						\
	X(seen)		/* segments the kernel queued to us */		\
	X(dropped)	/* dropped by --loss */				\
	X(duplicated)	/* sent twice by --dup */			\
	X(reordered)	/* held back by --reorder */			\
	X(overtaken)	/* reordered ones a later segment overtook */	\
	X(delayed)	/* held by --delay/--jitter */			\
	X(corrupted)	/* a byte changed by --corrupt */		\
	X(overflow)	/* dropped: more than --limit held */		\
	X(send_errors)	/* copies or held segments the kernel refused */ \
	X(kernel_dropped) /* lost in the kernel's queue (full, or socket) */

struct xt_imp_counters {
#define XT_IMP_FIELD(name) uint64_t name;
	XT_IMP_COUNTERS(XT_IMP_FIELD)
#undef XT_IMP_FIELD
};

#endif /* XTCP_IMPAIR_H */
