/* SPDX-License-Identifier: MIT */
/*
 * Out-of-order reassembly queue for the receive side (RFC 9293 §3.10.7.4,
 * "seventh, process the segment text"), and the SACK blocks it implies
 * (RFC 2018 §4).
 *
 * The queue holds the bytes that arrived beyond RCV.NXT, as a list of blocks
 * sorted by sequence number, never overlapping and never adjacent (adjacent
 * blocks are merged). The queue owns every block and its buffer. Payload
 * bytes held never exceed limit.
 *
 * All stored data lies within 2^31 - 1 bytes after the rcv_nxt the caller
 * passes, so that sequence numbers compare correctly across wrap-around.
 */
#ifndef XTCP_REASM_H
#define XTCP_REASM_H

#include <stdint.h>
#include "tcp/ring.h"

struct xt_reasm_seg;

/*
 * A bound shared by several queues (a stack's connections): the payload
 * bytes they hold together never exceed limit. refused counts the inserts
 * it cut short (stored less than the queue's own limit allowed).
 */
struct xt_reasm_pool {
	uint64_t bytes;			/* held by every queue sharing it */
	uint64_t limit;
	uint64_t refused;
};

struct xt_reasm {
	struct xt_reasm_seg *head;	/* lowest sequence number first */
	uint32_t bytes;			/* payload bytes held, <= limit */
	uint32_t limit;
	uint32_t nsegs;			/* blocks in the list */
	uint64_t clock;			/* counts inserts, orders SACK blocks */
	struct xt_reasm_pool *pool;	/* shared bound, or NULL: none */
};

struct xt_sack_range {
	uint32_t start, end;	/* [start, end), host order */
};

/* pool: a bound shared with other queues, or NULL; it must outlive q. */
void xt_reasm_init(struct xt_reasm *q, uint32_t limit_bytes,
		   struct xt_reasm_pool *pool);
/* Frees every block (their bytes go back to the pool); idempotent, NULL ok. */
void xt_reasm_free(struct xt_reasm *q);

/*
 * Stores the part of [seq, seq + len) not already stored. Bytes before
 * rcv_nxt are ignored, and stored bytes that rcv_nxt has passed are dropped.
 * Overlapping bytes keep what is stored (RFC 9293 allows either). Stores
 * at most up to the memory limit and what the pool has left, lowest sequence
 * numbers first. Returns the bytes newly stored (>= 0), or -ENOMEM with the
 * queue unchanged.
 *
 * Nothing is ever evicted, so a limit below the receive window can fill the
 * queue with data past a hole and then refuse the hole. With segments
 * trimmed to the window (§3.10.7.4) and limit >= the receive buffer, every
 * in-window byte fits. A full pool refuses out-of-order data the same way;
 * in-order data never passes through the queue, so a connection still
 * moves on and the sender retransmits what was refused.
 */
int xt_reasm_insert(struct xt_reasm *q, uint32_t rcv_nxt, uint32_t seq,
		    const uint8_t *data, uint32_t len);

/*
 * Drops stored bytes before *rcv_nxt, then moves the bytes contiguous from
 * *rcv_nxt into dst, as many as dst has room for, and advances *rcv_nxt.
 * Whatever does not fit stays queued. Returns the count moved.
 */
uint32_t xt_reasm_drain(struct xt_reasm *q, uint32_t *rcv_nxt,
			struct xt_ring *dst);

/*
 * Fills out[] with at most max SACK blocks (RFC 2018 §4): first the block
 * holding the most recently inserted segment, then the others, most recently
 * changed first. Returns how many. Call after xt_reasm_drain(), so that no
 * block starts at RCV.NXT.
 */
unsigned xt_reasm_sack(const struct xt_reasm *q, struct xt_sack_range *out,
		       unsigned max);

static inline int xt_reasm_empty(const struct xt_reasm *q)
{
	return !q->head;
}

#endif /* XTCP_REASM_H */
