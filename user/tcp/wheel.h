/* SPDX-License-Identifier: MIT */
/*
 * Hierarchical timer wheel: the TCP engine's timers, one wheel per worker
 * thread, no locking, no allocation.
 *
 * Ticks are milliseconds. Level L has 64 slots of 64^L ms each, so the four
 * levels reach 2^24 ms (about 4.6 h) ahead; a timer further out is parked at
 * the horizon and re-filed each time it comes round, so it still fires at
 * its exact millisecond. A timer moves down a level ("cascades") when its
 * slot comes due, and fires from level 0 at exactly t->expires, never early.
 *
 * Arm and cancel are O(1): the node is embedded in the caller's struct
 * (container_of() gets back to it) and linked through pprev, so it can be
 * unlinked without knowing which list holds it.
 */
#ifndef XTCP_WHEEL_H
#define XTCP_WHEEL_H

#include <stdint.h>

#define XT_WHEEL_BITS		6
#define XT_WHEEL_SLOTS		(1u << XT_WHEEL_BITS)
#define XT_WHEEL_LEVELS		4
/* How far ahead a timer can be filed as it is; later ones are re-filed. */
#define XT_WHEEL_HORIZON_MS	(1ull << (XT_WHEEL_BITS * XT_WHEEL_LEVELS))

struct xt_timer;
typedef void (*xt_timer_fn)(struct xt_timer *t, uint64_t now_ms);

/* Embed in your struct; container_of() to get back to it. */
struct xt_timer {
	struct xt_timer *next, **pprev;	/* pprev == NULL: not armed */
	uint64_t expires;		/* ms */
	xt_timer_fn fn;
};

struct xt_wheel {
	uint64_t clk;			/* next tick to run; all before ran */
	unsigned count;			/* armed timers */
	/* Armed to a tick that already ran: fired at the next chance. */
	struct xt_timer *overdue;
	uint64_t occupied[XT_WHEEL_LEVELS];	/* bit s: slot[L][s] in use */
	struct xt_timer *slot[XT_WHEEL_LEVELS][XT_WHEEL_SLOTS];
};

/* wheel.c */
void xt_wheel_init(struct xt_wheel *w, uint64_t now_ms);
void xt_timer_init(struct xt_timer *t, xt_timer_fn fn);
int xt_timer_armed(const struct xt_timer *t);

/*
 * (Re)arms t to fire at expires_ms, cancelling it first if armed.
 * expires_ms <= now (the last advance) fires on the next advance.
 */
void xt_wheel_arm(struct xt_wheel *w, struct xt_timer *t, uint64_t expires_ms);
/* No-op if t is not armed. */
void xt_wheel_cancel(struct xt_wheel *w, struct xt_timer *t);
/*
 * Fires every timer with expires <= now_ms, each exactly once, in
 * nondecreasing expiry order (ties in any order); callbacks get now_ms.
 * A callback may arm or cancel any timer, itself included. A due timer it
 * cancels does not fire. A timer it arms to a tick this advance has already
 * run fires later in this advance or on the next one: never lost, and a
 * callback that keeps re-arming itself to now cannot make advance spin.
 * now_ms going backwards is ignored (overdue timers still fire).
 * Returns the number fired.
 */
unsigned xt_wheel_advance(struct xt_wheel *w, uint64_t now_ms);
/*
 * d such that no armed timer is due before now + d, now being the last
 * advance: 0 if one is due, cap_ms if none is armed or the next is further.
 * Meant as the poll() timeout. It never overshoots; it may undershoot, when
 * the next work is moving a slot of timers down a level (at most once per
 * level per slot), and is exact once the next timer is at level 0.
 */
uint64_t xt_wheel_next_delay(const struct xt_wheel *w, uint64_t cap_ms);

/* Armed timers, for tests and leak checks. */
unsigned xt_wheel_count(const struct xt_wheel *w);

#endif /* XTCP_WHEEL_H */
