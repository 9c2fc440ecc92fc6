/* SPDX-License-Identifier: MIT */
/*
 * Byte ring: the TCP send and receive buffers.
 *
 * The ring owns buf (cap bytes). Bytes live at buf[head .. head + len), taken
 * modulo cap; cap is any size >= 1, not necessarily a power of two.
 */
#ifndef XTCP_RING_H
#define XTCP_RING_H

#include <stdint.h>

/*
 * The memory follows what is stored: it is allocated as bytes arrive,
 * doubling, up to 'limit', and given back when the ring empties, so an
 * idle connection holds none and a fast one as much as its window needs.
 */
struct xt_ring {
	uint8_t *buf;
	uint32_t cap;		/* bytes allocated, <= limit */
	uint32_t limit;		/* the most the ring may hold */
	uint32_t head;		/* index of the oldest byte */
	uint32_t len;		/* bytes stored, <= cap */
};

/* 0, -EINVAL if cap is 0, or -ENOMEM. On failure *r is zeroed. */
int xt_ring_init(struct xt_ring *r, uint32_t cap);
/* Safe on a zeroed or already freed ring, and on NULL. */
void xt_ring_free(struct xt_ring *r);

static inline uint32_t xt_ring_len(const struct xt_ring *r)
{
	return r->len;
}

static inline uint32_t xt_ring_space(const struct xt_ring *r)
{
	return r->limit - r->len;
}

/* Appends min(n, space) bytes; returns how many. */
uint32_t xt_ring_write(struct xt_ring *r, const void *src, uint32_t n);
/* Consumes min(n, len) bytes from the head into dst; returns how many. */
uint32_t xt_ring_read(struct xt_ring *r, void *dst, uint32_t n);
/*
 * Copies up to n bytes starting off bytes after the head, without consuming
 * them; returns how many (0 if off >= len).
 */
uint32_t xt_ring_peek(const struct xt_ring *r, uint32_t off, void *dst,
		      uint32_t n);
/*
 * The n bytes starting off bytes after head, in place, when they lie in one
 * piece (they do unless they wrap around the end); NULL otherwise, or when
 * fewer than off + n bytes are held.
 */
const uint8_t *xt_ring_span(const struct xt_ring *r, uint32_t off, uint32_t n);
/* Consumes min(n, len) bytes without copying; returns how many. */
uint32_t xt_ring_drop(struct xt_ring *r, uint32_t n);

#endif /* XTCP_RING_H */
