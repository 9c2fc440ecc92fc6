// SPDX-License-Identifier: MIT
/*
 * Hierarchical timer wheel; the contract is in wheel.h.
 *
 * w->clk is the next tick to run. A timer due idx = expires - clk ticks
 * ahead is filed at the level L whose span holds idx (64^L <= idx < 64^(L+1))
 * in slot (expires >> 6L) & 63. That slot next comes round at
 * T = expires rounded down to a multiple of 64^L, which is after clk and no
 * later than expires. At T the timer is re-filed relative to T, so it drops
 * at least a level; at level 0 it sits in the slot of tick expires itself,
 * which holds nothing else. So timers fire at their exact tick, in order,
 * as in the Linux wheel before 4.8 (the later one gave up that exactness).
 *
 * Advancing does not walk the ticks one by one: each level's bitmap gives the
 * next tick at which it has work (a level-0 slot to fire, or a higher slot to
 * cascade), and the clock jumps straight there. Ticks skipped that way have
 * nothing filed for them, so an idle hour costs a handful of steps.
 */
#include <stddef.h>
#include <string.h>
#include "tcp/wheel.h"

#define WHEEL_SLOT_MASK		(XT_WHEEL_SLOTS - 1)
#define WHEEL_NEVER		UINT64_MAX

static unsigned wheel_shift(unsigned lvl)
{
	return lvl * XT_WHEEL_BITS;
}

/* The bits of a tick below one slot of level lvl. */
static uint64_t wheel_span_mask(unsigned lvl)
{
	return (1ull << wheel_shift(lvl)) - 1;
}

static uint64_t ror64(uint64_t x, unsigned r)
{
	r &= 63;
	return r ? (x >> r) | (x << (64 - r)) : x;
}

/*
 * Lists are headed by a plain pointer and linked back through pprev, so a
 * timer unlinks itself without knowing which list (slot, overdue, or a batch
 * being fired on the stack) holds it.
 */
static void list_push(struct xt_timer **head, struct xt_timer *t)
{
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
}

/* Moves the whole list at *from to the empty head *to. */
static void list_move(struct xt_timer **from, struct xt_timer **to)
{
	*to = *from;
	if (*to)
		(*to)->pprev = to;
	*from = NULL;
}

static struct xt_timer *list_merge(struct xt_timer *a, struct xt_timer *b)
{
	struct xt_timer *head = NULL, **tail = &head;

	while (a && b) {
		/* Take from a on ties: keeps the sort stable. */
		struct xt_timer **min = b->expires < a->expires ? &b : &a;

		*tail = *min;
		tail = &(*min)->next;
		*min = (*min)->next;
	}
	*tail = a ? a : b;
	return head;
}

/* Merge sort by expires on the next links only; depth is log2(n). */
static struct xt_timer *list_sort_next(struct xt_timer *head)
{
	struct xt_timer *slow = head, *fast, *back;

	if (!head || !head->next)
		return head;
	for (fast = head->next; fast && fast->next; fast = fast->next->next)
		slow = slow->next;
	back = slow->next;
	slow->next = NULL;
	return list_merge(list_sort_next(head), list_sort_next(back));
}

static void list_sort(struct xt_timer **head)
{
	struct xt_timer **pp = head, *t;

	*head = list_sort_next(*head);
	for (t = *head; t; t = t->next) {
		t->pprev = pp;
		pp = &t->next;
	}
}

/* Index lvl * 64 + s of the slot head pp points at, or -1 if it is none. */
static int wheel_slot_of(const struct xt_wheel *w, struct xt_timer **pp)
{
	uintptr_t p = (uintptr_t)pp, base = (uintptr_t)w->slot;

	if (p < base || p >= base + sizeof(w->slot))
		return -1;
	return (p - base) / sizeof(w->slot[0][0]);
}

static void wheel_unlink(struct xt_wheel *w, struct xt_timer *t)
{
	int i;

	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	/* Was it the last of a slot? Then the slot's bit must go. */
	else if (!*t->pprev && (i = wheel_slot_of(w, t->pprev)) >= 0)
		w->occupied[i / XT_WHEEL_SLOTS] &=
			~(1ull << (i % XT_WHEEL_SLOTS));
	t->pprev = NULL;
}

/* Files t by t->expires relative to w->clk; see the top of the file. */
static void wheel_link(struct xt_wheel *w, struct xt_timer *t)
{
	uint64_t at = t->expires, idx;
	unsigned lvl, s;

	if (at < w->clk) {
		list_push(&w->overdue, t);
		return;
	}
	idx = at - w->clk;
	if (idx >= XT_WHEEL_HORIZON_MS) {
		/*
		 * Park it at the furthest tick the wheel can hold. When that
		 * slot cascades, it is re-filed by its real expires.
		 */
		idx = XT_WHEEL_HORIZON_MS - 1;
		at = w->clk + idx;
	}
	lvl = (63 - __builtin_clzll(idx | 1)) / XT_WHEEL_BITS;
	s = (at >> wheel_shift(lvl)) & WHEEL_SLOT_MASK;
	list_push(&w->slot[lvl][s], t);
	w->occupied[lvl] |= 1ull << s;
}

/* The first tick >= clk at which level lvl has a slot to fire or cascade. */
static uint64_t wheel_level_next(const struct xt_wheel *w, unsigned lvl)
{
	uint64_t mask = wheel_span_mask(lvl);
	uint64_t first = (w->clk + mask) & ~mask;	/* slot boundary */
	unsigned i0 = (first >> wheel_shift(lvl)) & WHEEL_SLOT_MASK;
	uint64_t ahead;

	if (!w->occupied[lvl])
		return WHEEL_NEVER;
	ahead = __builtin_ctzll(ror64(w->occupied[lvl], i0));
	return first + (ahead << wheel_shift(lvl));
}

/* No timer is due before this tick, and the wheel has no work before it. */
static uint64_t wheel_next_event(const struct xt_wheel *w)
{
	uint64_t next = WHEEL_NEVER, t;
	unsigned lvl;

	for (lvl = 0; lvl < XT_WHEEL_LEVELS; lvl++) {
		t = wheel_level_next(w, lvl);
		if (t < next)
			next = t;
	}
	return next;
}

/* Empties slot s of level lvl into *list. */
static void wheel_take_slot(struct xt_wheel *w, unsigned lvl, unsigned s,
			    struct xt_timer **list)
{
	list_move(&w->slot[lvl][s], list);
	w->occupied[lvl] &= ~(1ull << s);
}

/* Re-files, relative to clk, the level's slot that comes round at clk. */
static void wheel_cascade(struct xt_wheel *w, unsigned lvl)
{
	unsigned s = (w->clk >> wheel_shift(lvl)) & WHEEL_SLOT_MASK;
	struct xt_timer *list, *t, *next;

	wheel_take_slot(w, lvl, s, &list);
	/* No callbacks run here, so the local list can be walked as is. */
	for (t = list; t; t = next) {
		next = t->next;
		wheel_link(w, t);
	}
}

/* Fires a batch; re-reads the head as a callback may cancel the next one. */
static unsigned wheel_fire(struct xt_wheel *w, struct xt_timer **list,
			   uint64_t now)
{
	struct xt_timer *t;
	unsigned n = 0;

	while ((t = *list)) {
		wheel_unlink(w, t);
		w->count--;
		t->fn(t, now);
		n++;
	}
	return n;
}

/* Runs tick clk: cascades what comes round at it, then fires its slot. */
static unsigned wheel_run_tick(struct xt_wheel *w, uint64_t now)
{
	struct xt_timer *batch;
	unsigned lvl;

	/* Top down, so nothing lands in a slot already cascaded this tick. */
	for (lvl = XT_WHEEL_LEVELS - 1; lvl > 0; lvl--)
		if (!(w->clk & wheel_span_mask(lvl)))
			wheel_cascade(w, lvl);
	wheel_take_slot(w, 0, w->clk & WHEEL_SLOT_MASK, &batch);
	/* The tick has run: a callback arming to it now goes overdue. */
	w->clk++;
	return wheel_fire(w, &batch, now);
}

/*
 * Fires the overdue timers, earliest first: they were armed at ticks that had
 * run, so they are due before anything in the wheel. Those armed meanwhile
 * wait for the next call, so a callback re-arming itself cannot spin here.
 */
static unsigned wheel_run_overdue(struct xt_wheel *w, uint64_t now)
{
	struct xt_timer *batch;

	if (!w->overdue)
		return 0;
	list_move(&w->overdue, &batch);
	list_sort(&batch);
	return wheel_fire(w, &batch, now);
}

void xt_wheel_init(struct xt_wheel *w, uint64_t now_ms)
{
	memset(w, 0, sizeof(*w));
	w->clk = now_ms + 1;
}

void xt_timer_init(struct xt_timer *t, xt_timer_fn fn)
{
	t->next = NULL;
	t->pprev = NULL;
	t->expires = 0;
	t->fn = fn;
}

int xt_timer_armed(const struct xt_timer *t)
{
	return t->pprev != NULL;
}

void xt_wheel_arm(struct xt_wheel *w, struct xt_timer *t, uint64_t expires_ms)
{
	xt_wheel_cancel(w, t);
	t->expires = expires_ms;
	wheel_link(w, t);
	w->count++;
}

void xt_wheel_cancel(struct xt_wheel *w, struct xt_timer *t)
{
	if (!xt_timer_armed(t))
		return;
	wheel_unlink(w, t);
	w->count--;
}

unsigned xt_wheel_advance(struct xt_wheel *w, uint64_t now_ms)
{
	/* Going backwards, time stands still at the last advance. */
	uint64_t now = now_ms < w->clk ? w->clk - 1 : now_ms;
	unsigned fired = wheel_run_overdue(w, now);
	uint64_t next;

	while ((next = wheel_next_event(w)) <= now) {
		w->clk = next;
		fired += wheel_run_tick(w, now);
		fired += wheel_run_overdue(w, now);
	}
	w->clk = now + 1;
	return fired;
}

uint64_t xt_wheel_next_delay(const struct xt_wheel *w, uint64_t cap_ms)
{
	uint64_t next, delay;

	if (w->overdue)
		return 0;
	next = wheel_next_event(w);
	if (next == WHEEL_NEVER)
		return cap_ms;
	/*
	 * next >= clk, and clk - 1 is the last advance. Past level 0, next is
	 * when a slot cascades, which is no later than its earliest timer.
	 */
	delay = next - (w->clk - 1);
	return delay < cap_ms ? delay : cap_ms;
}

unsigned xt_wheel_count(const struct xt_wheel *w)
{
	return w->count;
}
