// SPDX-License-Identifier: MIT
/*
 * Out-of-order reassembly queue (RFC 9293 §3.10.7.4) and SACK blocks
 * (RFC 2018 §4).
 *
 * An insert first works out, without changing anything, which stored blocks
 * the new data touches and how many new bytes the memory limit lets in
 * (reasm_plan). It then makes room in one buffer, the only step that can
 * fail (reasm_merge), copies the gaps in, and frees the blocks it swallowed
 * (reasm_fill, reasm_link). So a failed insert leaves the queue unchanged.
 *
 * Within one call, positions are offsets from rcv_nxt. Every stored byte
 * lies less than REASM_SPAN past rcv_nxt, so offsets neither wrap nor
 * overflow, and sequence numbers compare correctly with xt_seq_*().
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "xtcp/seq.h"
#include "tcp/reasm.h"

/* Past this many bytes beyond rcv_nxt, before() and after() turn ambiguous. */
#define REASM_SPAN	0x7fffffffu

struct xt_reasm_seg {
	struct xt_reasm_seg *next;
	uint8_t *buf;		/* cap bytes, owned by the block */
	uint32_t cap;
	uint32_t skip;		/* the data is buf[skip .. skip + len) */
	uint32_t seq;		/* sequence number of buf[skip] */
	uint32_t len;		/* > 0 */
	uint64_t stamp;		/* q->clock at the last insert touching it */
};

/* What one insert will do, worked out before anything changes. */
struct reasm_plan {
	uint32_t base;			/* rcv_nxt: offsets count from here */
	uint32_t off, end;		/* the new data */
	struct xt_reasm_seg **link;	/* where the result hangs in the list */
	struct xt_reasm_seg *first;	/* first stored block merged, or NULL */
	struct xt_reasm_seg *last;	/* last stored block merged, or NULL */
	uint32_t start, stop;		/* the merged block */
	uint32_t add;			/* new bytes it takes in */
	bool pool_cut;			/* the pool, not q->limit, stopped it */
};

static inline uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static inline uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

static uint32_t seg_start(const struct reasm_plan *p,
			  const struct xt_reasm_seg *s)
{
	return s->seq - p->base;
}

static uint32_t seg_stop(const struct reasm_plan *p,
			 const struct xt_reasm_seg *s)
{
	return s->seq - p->base + s->len;
}

static void seg_free(struct xt_reasm_seg *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s);
}

static struct xt_reasm_seg *seg_new(uint32_t cap)
{
	struct xt_reasm_seg *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->buf = malloc(cap);
	if (!s->buf) {
		free(s);
		return NULL;
	}
	s->cap = cap;
	return s;
}

/* The list is sorted, its blocks neither overlap nor touch, sums add up. */
static void reasm_check(const struct xt_reasm *q)
{
#ifndef NDEBUG
	const struct xt_reasm_seg *s;
	uint32_t bytes = 0, nsegs = 0;

	for (s = q->head; s; s = s->next) {
		assert(s->len > 0 && s->len <= s->cap - s->skip);
		assert(!s->next || xt_seq_lt(s->seq + s->len, s->next->seq));
		bytes += s->len;
		nsegs++;
	}
	assert(bytes == q->bytes && nsegs == q->nsegs);
	assert(q->bytes <= q->limit);
	assert(!q->pool || (q->pool->bytes >= q->bytes &&
			    q->pool->bytes <= q->pool->limit));
#else
	(void)q;
#endif
}

void xt_reasm_init(struct xt_reasm *q, uint32_t limit_bytes,
		   struct xt_reasm_pool *pool)
{
	memset(q, 0, sizeof(*q));
	q->limit = limit_bytes;
	q->pool = pool;
}

/* Payload bytes in (n > 0) or out (n < 0) of q, and of its pool. */
static void reasm_account(struct xt_reasm *q, int64_t n)
{
	q->bytes = (uint32_t)(q->bytes + n);
	if (q->pool)
		q->pool->bytes = (uint64_t)(q->pool->bytes + n);
}

/* Leaves an empty queue with the same limit. */
void xt_reasm_free(struct xt_reasm *q)
{
	struct xt_reasm_seg *s, *next;

	if (!q)
		return;
	for (s = q->head; s; s = next) {
		next = s->next;
		seg_free(s);
	}
	q->head = NULL;
	reasm_account(q, -(int64_t)q->bytes);
	q->nsegs = 0;
}

/* Consumes n <= len bytes from the front of the first block. */
static void reasm_consume(struct xt_reasm *q, uint32_t n)
{
	struct xt_reasm_seg *s = q->head;

	s->skip += n;
	s->seq += n;
	s->len -= n;
	reasm_account(q, -(int64_t)n);
	if (s->len)
		return;
	q->head = s->next;
	q->nsegs--;
	seg_free(s);
}

/* Drops what the caller has already received: bytes before rcv_nxt. */
static void reasm_prune(struct xt_reasm *q, uint32_t rcv_nxt)
{
	struct xt_reasm_seg *s;

	while ((s = q->head) && xt_seq_lt(s->seq, rcv_nxt))
		reasm_consume(q, min_u32(rcv_nxt - s->seq, s->len));
}

/* New bytes q may take in: its own limit, and what its pool has left. */
static uint32_t reasm_budget(const struct xt_reasm *q, bool *pool_less)
{
	uint32_t own = q->limit - q->bytes;
	uint64_t left;

	*pool_less = false;
	if (!q->pool)
		return own;
	left = q->pool->limit > q->pool->bytes ?
	       q->pool->limit - q->pool->bytes : 0;
	if (left >= own)
		return own;
	*pool_less = true;
	return (uint32_t)left;
}

/*
 * Walks the blocks from the first one that reaches p->off. Each block that
 * overlaps or touches the data covered so far is merged; each gap before
 * p->end is filled from the new data while the memory limit allows, lowest
 * offsets first. Where the budget runs out, the merged block ends.
 */
static void reasm_plan(struct xt_reasm *q, struct reasm_plan *p)
{
	bool pool_less;
	uint32_t budget = reasm_budget(q, &pool_less);
	uint32_t cur = p->off, fill_to, n;
	struct xt_reasm_seg *s;

	p->link = &q->head;
	while (*p->link && seg_stop(p, *p->link) < p->off)
		p->link = &(*p->link)->next;
	for (s = *p->link; ; ) {
		if (s && seg_start(p, s) <= cur) {
			if (!p->first)
				p->first = s;
			p->last = s;
			cur = max_u32(cur, seg_stop(p, s));
			s = s->next;
			continue;
		}
		if (cur >= p->end)
			break;
		fill_to = s ? min_u32(seg_start(p, s), p->end) : p->end;
		n = min_u32(fill_to - cur, budget - p->add);
		p->add += n;
		cur += n;
		if (cur < fill_to) {
			p->pool_cut = pool_less;
			break;
		}
	}
	p->start = p->first ? min_u32(p->off, seg_start(p, p->first)) : p->off;
	p->stop = cur;
}

/* Grows geometrically, but no block ever needs more than the limit. */
static uint32_t seg_grow(uint32_t cap, uint32_t need, uint32_t limit)
{
	uint64_t c = (uint64_t)cap * 2;

	if (c > limit)
		c = limit;
	return max_u32((uint32_t)c, need);
}

/*
 * Makes s->buf hold blen bytes from s->skip on, with s's own data lead bytes
 * in. Only fails, leaving s unchanged, when realloc() does.
 */
static int seg_reserve(struct xt_reasm_seg *s, uint32_t lead, uint32_t blen,
		       uint32_t limit)
{
	uint8_t *buf;
	uint32_t cap;

	if (s->skip >= lead && s->cap - (s->skip - lead) >= blen) {
		s->skip -= lead;
		return 0;
	}
	if (blen > s->cap) {
		cap = seg_grow(s->cap, blen, limit);
		buf = realloc(s->buf, cap);
		if (!buf)
			return -ENOMEM;
		s->buf = buf;
		s->cap = cap;
	}
	memmove(s->buf + lead, s->buf + s->skip, s->len);
	s->skip = 0;
	return 0;
}

/* Copies the new data for offsets [from, to) into the merged block. */
static void fill_new(const struct reasm_plan *p, uint8_t *dst,
		     const uint8_t *data, uint32_t from, uint32_t to)
{
	if (from < to)
		memcpy(dst + (from - p->start), data + (from - p->off),
		       to - from);
}

/*
 * Fills the merged block blk: stored bytes stay as they are and new data
 * goes only into the gaps between them. RFC 9293 §3.10.7.4 lets either copy
 * win where they overlap; keeping what is stored means a byte, once queued,
 * never changes.
 */
static void reasm_fill(const struct reasm_plan *p, struct xt_reasm_seg *blk,
		       const uint8_t *data)
{
	uint8_t *dst = blk->buf + blk->skip;
	uint32_t pos = p->start;
	struct xt_reasm_seg *s;

	for (s = p->first; s; s = s == p->last ? NULL : s->next) {
		fill_new(p, dst, data, pos, seg_start(p, s));
		if (s != blk)
			memcpy(dst + (seg_start(p, s) - p->start),
			       s->buf + s->skip, s->len);
		pos = seg_stop(p, s);
	}
	fill_new(p, dst, data, pos, p->stop);
}

/* Puts blk in the list in place of the blocks it swallowed. */
static void reasm_link(struct xt_reasm *q, const struct reasm_plan *p,
		       struct xt_reasm_seg *blk)
{
	struct xt_reasm_seg *next = p->last ? p->last->next : *p->link;
	struct xt_reasm_seg *s, *t;

	if (p->first) {
		for (s = p->first->next; s != next; s = t) {
			t = s->next;
			seg_free(s);
			q->nsegs--;
		}
	} else {
		*p->link = blk;
		q->nsegs++;
	}
	blk->next = next;
	blk->seq = p->base + p->start;
	blk->len = p->stop - p->start;
	reasm_account(q, p->add);
}

static int reasm_merge(struct xt_reasm *q, const struct reasm_plan *p,
		       const uint8_t *data)
{
	struct xt_reasm_seg *blk = p->first;
	uint32_t blen = p->stop - p->start;

	if (blk) {
		if (seg_reserve(blk, seg_start(p, blk) - p->start, blen,
				q->limit))
			return -ENOMEM;
	} else {
		blk = seg_new(blen);
		if (!blk)
			return -ENOMEM;
	}
	reasm_fill(p, blk, data);
	reasm_link(q, p, blk);
	return (int)p->add;
}

/*
 * Stamps every block the segment overlaps, so that the one holding it is
 * reported first (RFC 2018 §4), even when nothing new was stored. Runs after
 * reasm_link(), when *p->link is the merged block if there is one.
 */
static void reasm_touch(struct xt_reasm *q, const struct reasm_plan *p)
{
	struct xt_reasm_seg *s;

	for (s = *p->link; s && seg_start(p, s) < p->end; s = s->next)
		if (seg_stop(p, s) > p->off)
			s->stamp = q->clock;
}

int xt_reasm_insert(struct xt_reasm *q, uint32_t rcv_nxt, uint32_t seq,
		    const uint8_t *data, uint32_t len)
{
	struct reasm_plan p = { .base = rcv_nxt };
	uint32_t old;
	int ret;

	reasm_prune(q, rcv_nxt);
	/* RFC 9293 §3.10.7.4: text before RCV.NXT has been received already. */
	if (xt_seq_lt(seq, rcv_nxt)) {
		old = rcv_nxt - seq;
		if (old >= len)
			return 0;
		data += old;
		len -= old;
		seq = rcv_nxt;
	}
	p.off = seq - rcv_nxt;
	if (!len || p.off >= REASM_SPAN)
		return 0;
	p.end = p.off + min_u32(len, REASM_SPAN - p.off);
	q->clock++;
	reasm_plan(q, &p);
	ret = p.add ? reasm_merge(q, &p, data) : 0;
	if (ret < 0)
		return ret;
	if (p.pool_cut)
		q->pool->refused++;
	reasm_touch(q, &p);
	reasm_check(q);
	return ret;
}

uint32_t xt_reasm_drain(struct xt_reasm *q, uint32_t *rcv_nxt,
			struct xt_ring *dst)
{
	struct xt_reasm_seg *s;
	uint32_t n;

	reasm_prune(q, *rcv_nxt);
	/* Blocks never touch, so only the first can start at RCV.NXT. */
	s = q->head;
	if (!s || s->seq != *rcv_nxt)
		return 0;
	n = xt_ring_write(dst, s->buf + s->skip, s->len);
	reasm_consume(q, n);
	*rcv_nxt += n;
	reasm_check(q);
	return n;
}

/* Report order: most recently touched first, then lowest sequence first. */
struct sack_key {
	uint64_t stamp;
	uint32_t idx;
};

static int sack_before(struct sack_key a, struct sack_key b)
{
	return a.stamp > b.stamp || (a.stamp == b.stamp && a.idx < b.idx);
}

/*
 * RFC 2018 §4: the first block MUST hold the segment that triggered the
 * ACK; the rest SHOULD repeat the most recently reported blocks. A block's
 * stamp is the last insert that touched it, so ordering by stamp gives both.
 * Selection is O(max * nsegs); max is at most 4 in a TCP header.
 */
unsigned xt_reasm_sack(const struct xt_reasm *q, struct xt_sack_range *out,
		       unsigned max)
{
	struct sack_key last = { UINT64_MAX, 0 }, best = last, k;
	const struct xt_reasm_seg *s, *found;
	unsigned n;
	uint32_t i;

	for (n = 0; n < max; n++) {
		found = NULL;
		for (s = q->head, i = 0; s; s = s->next, i++) {
			k = (struct sack_key){ s->stamp, i };
			if (sack_before(last, k) &&
			    (!found || sack_before(k, best))) {
				found = s;
				best = k;
			}
		}
		if (!found)
			break;
		out[n].start = found->seq;
		out[n].end = found->seq + found->len;
		last = best;
	}
	return n;
}
