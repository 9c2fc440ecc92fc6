/* SPDX-License-Identifier: MIT */
/* A binary min-heap of held segments, earliest release first. */
#ifndef XTCP_IMPAIR_HEAP_H
#define XTCP_IMPAIR_HEAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * A segment impair holds. Two kinds, because the two directions hold
 * differently (see engine.c): for b's ingress the kernel keeps the segment
 * and we owe it a verdict; for b's egress we keep the bytes and send them
 * ourselves. The heap owns every entry it holds; whoever pops one frees it.
 */
enum xt_held_kind {
	XT_HELD_VERDICT,	/* accept packet `id`, with data[] if len > 0 */
	XT_HELD_SEND,		/* send data[] through the raw socket */
};

struct xt_held {
	uint64_t when_ns;	/* release time */
	uint64_t order;		/* insertion order: ties leave FIFO */
	uint64_t seq;		/* arrival number in its direction */
	uint32_t id;		/* the kernel's packet id (VERDICT) */
	uint32_t len;		/* bytes in data[] */
	uint8_t dir;		/* enum xt_dir */
	uint8_t kind;		/* enum xt_held_kind */
	uint8_t is_copy;	/* a --dup copy (not counted as a release) */
	uint8_t data[];
};

struct xt_heap {
	struct xt_held **v;
	size_t n, cap;
};

int xt_heap_push(struct xt_heap *h, struct xt_held *e);
struct xt_held *xt_heap_top(const struct xt_heap *h);	/* NULL if empty */
struct xt_held *xt_heap_pop(struct xt_heap *h);		/* NULL if empty */
void xt_heap_free(struct xt_heap *h);	/* frees every entry too */

#endif /* XTCP_IMPAIR_HEAP_H */
