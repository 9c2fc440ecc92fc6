// SPDX-License-Identifier: MIT
/*
 * Byte ring. Every copy is at most two memcpy()s: up to the end of buf, then
 * from its start. Index arithmetic never adds two values that could together
 * reach 2^32, so any cap up to UINT32_MAX works. The buffer grows on
 * write (ring.h) and is freed when the ring empties.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tcp/ring.h"

static inline uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Index of the byte off bytes after the head, for off <= cap; always < cap. */
static uint32_t ring_idx(const struct xt_ring *r, uint32_t off)
{
	uint32_t to_end = r->cap - r->head;

	return off < to_end ? r->head + off : off - to_end;
}

#define RING_MIN_ALLOC	4096	/* the first allocation, at the least */

int xt_ring_init(struct xt_ring *r, uint32_t limit)
{
	memset(r, 0, sizeof(*r));
	if (!limit)
		return -EINVAL;
	r->limit = limit;
	return 0;
}

/* Room for 'need' bytes in all: a larger buffer, the bytes at its start. */
static void ring_grow(struct xt_ring *r, uint32_t need)
{
	uint64_t cap = r->cap ? r->cap : RING_MIN_ALLOC;
	uint8_t *buf;

	while (cap < need)
		cap *= 2;
	if (cap > r->limit)
		cap = r->limit;
	buf = malloc(cap);
	if (!buf)
		return;		/* the write takes what fits now */
	if (r->len) {
		uint32_t first = min_u32(r->len, r->cap - r->head);

		memcpy(buf, r->buf + r->head, first);
		memcpy(buf + first, r->buf, r->len - first);
	}
	free(r->buf);
	r->buf = buf;
	r->cap = (uint32_t)cap;
	r->head = 0;
}

/* Buffer and limit both go: nothing more is written (TIME-WAIT, CLOSED). */
void xt_ring_free(struct xt_ring *r)
{
	if (!r)
		return;
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* Copies n bytes out of the ring starting at index i, wrapping once. */
static void ring_copy_out(const struct xt_ring *r, uint32_t i, uint8_t *dst,
			  uint32_t n)
{
	uint32_t first = min_u32(n, r->cap - i);

	memcpy(dst, r->buf + i, first);
	memcpy(dst + first, r->buf, n - first);
}

uint32_t xt_ring_write(struct xt_ring *r, const void *src, uint32_t n)
{
	uint32_t i, first;

	n = min_u32(n, xt_ring_space(r));
	if (!n)
		return 0;
	if (r->len + n > r->cap)
		ring_grow(r, r->len + n);
	n = min_u32(n, r->cap - r->len);
	if (!n)
		return 0;
	i = ring_idx(r, r->len);
	first = min_u32(n, r->cap - i);
	memcpy(r->buf + i, src, first);
	memcpy(r->buf, (const uint8_t *)src + first, n - first);
	r->len += n;
	return n;
}

const uint8_t *xt_ring_span(const struct xt_ring *r, uint32_t off, uint32_t n)
{
	uint64_t start;

	if (!n || (uint64_t)off + n > r->len)	/* !n: also a freed ring */
		return NULL;
	start = ((uint64_t)r->head + off) % r->cap;
	return start + n <= r->cap ? r->buf + start : NULL;
}

uint32_t xt_ring_peek(const struct xt_ring *r, uint32_t off, void *dst,
		      uint32_t n)
{
	if (off >= r->len)
		return 0;
	n = min_u32(n, r->len - off);
	ring_copy_out(r, ring_idx(r, off), dst, n);
	return n;
}

uint32_t xt_ring_drop(struct xt_ring *r, uint32_t n)
{
	n = min_u32(n, r->len);
	if (!n)
		return 0;
	r->head = ring_idx(r, n);
	r->len -= n;
	if (!r->len) {		/* empty: the memory goes back */
		free(r->buf);
		r->buf = NULL;
		r->cap = 0;
		r->head = 0;
	}
	return n;
}

uint32_t xt_ring_read(struct xt_ring *r, void *dst, uint32_t n)
{
	return xt_ring_drop(r, xt_ring_peek(r, 0, dst, n));
}
