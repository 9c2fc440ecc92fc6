// SPDX-License-Identifier: MIT
/*
 * The rings of handoff.h. Each ring has one producer (the worker that
 * received the frames) and one consumer (their owner): head and tail are
 * the only shared words, each written by one side, on a cache line of its
 * own. A sleeping consumer is woken through its eventfd; the sleep flag
 * and the tails are ordered by full fences on both sides (Dekker), so a
 * frame pushed while the owner goes to sleep is either seen before it
 * sleeps or wakes it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "xtcp/maps.h"
#include "xtcpd/handoff.h"

#define RING_FRAMES	256u		/* per ring, a power of two */
#define CACHE_LINE	64u

struct ring {
	_Alignas(CACHE_LINE) _Atomic uint32_t head;	/* the consumer's */
	_Alignas(CACHE_LINE) _Atomic uint32_t tail;	/* the producer's */
	bool pushed;			/* since the producer's last flush */
	uint8_t *frames;		/* RING_FRAMES entries of h->stride */
};

struct side {
	_Alignas(CACHE_LINE) _Atomic int sleeping;
	int wake_fd;
};

struct xt_handoff {
	unsigned n;
	uint32_t share, frame_max;
	uint32_t stride;		/* a length word, then the frame */
	struct side *sides;		/* [worker] */
	struct ring *rings;		/* [from * n + to] */
};

static struct ring *ring_of(struct xt_handoff *h, unsigned from, unsigned to)
{
	return &h->rings[from * h->n + to];
}

struct xt_handoff *xt_handoff_new(unsigned nworkers, uint32_t share,
				  uint32_t frame_max)
{
	struct xt_handoff *h;

	if (nworkers < 2 || !share || !frame_max) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->n = nworkers;
	h->share = share;
	h->frame_max = frame_max;
	h->stride = (uint32_t)(sizeof(uint32_t) + frame_max + CACHE_LINE - 1) &
		    ~(CACHE_LINE - 1);
	h->sides = aligned_alloc(CACHE_LINE, nworkers * sizeof(*h->sides));
	h->rings = aligned_alloc(CACHE_LINE,
				 (size_t)nworkers * nworkers * sizeof(*h->rings));
	if (!h->sides || !h->rings)
		goto fail;
	memset(h->sides, 0, nworkers * sizeof(*h->sides));
	memset(h->rings, 0, (size_t)nworkers * nworkers * sizeof(*h->rings));
	for (unsigned i = 0; i < nworkers; i++)
		h->sides[i].wake_fd = -1;
	for (unsigned f = 0; f < nworkers; f++)
		for (unsigned t = 0; t < nworkers; t++) {
			if (f == t)
				continue;
			ring_of(h, f, t)->frames = calloc(RING_FRAMES, h->stride);
			if (!ring_of(h, f, t)->frames)
				goto fail;
		}
	return h;
fail:
	xt_handoff_free(h);
	errno = ENOMEM;
	return NULL;
}

void xt_handoff_free(struct xt_handoff *h)
{
	if (!h)
		return;
	for (unsigned i = 0; h->rings && i < h->n * h->n; i++)
		free(h->rings[i].frames);
	free(h->rings);
	free(h->sides);
	free(h);
}

void xt_handoff_set_wake_fd(struct xt_handoff *h, unsigned i, int fd)
{
	if (i < h->n)
		h->sides[i].wake_fd = fd;
}

unsigned xt_handoff_owner(const struct xt_handoff *h, uint32_t slot,
			  unsigned self)
{
	if (slot < (uint64_t)h->share * h->n)
		return slot / h->share;
	if (XT_SLOT_IS_PENDING(slot) && slot - XT_SLOT_PENDING < h->n)
		return slot - XT_SLOT_PENDING;
	return self;
}

bool xt_handoff_push(struct xt_handoff *h, unsigned from, unsigned to,
		     const uint8_t *frame, uint32_t len)
{
	struct ring *r = ring_of(h, from, to);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint8_t *e;

	if (from == to || len > h->frame_max || tail - head >= RING_FRAMES)
		return false;
	e = r->frames + (size_t)(tail & (RING_FRAMES - 1)) * h->stride;
	memcpy(e, &len, sizeof(len));
	memcpy(e + sizeof(len), frame, len);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	r->pushed = true;
	return true;
}

void xt_handoff_flush(struct xt_handoff *h, unsigned from)
{
	uint64_t one = 1;

	atomic_thread_fence(memory_order_seq_cst);	/* tails, then flags */
	for (unsigned to = 0; to < h->n; to++) {
		struct ring *r = ring_of(h, from, to);

		if (!r->pushed)
			continue;
		r->pushed = false;
		if (atomic_load(&h->sides[to].sleeping) &&
		    h->sides[to].wake_fd >= 0 &&
		    write(h->sides[to].wake_fd, &one, sizeof(one)) < 0)
			xt_dbg("handoff: waking worker %u: %s", to,
			       strerror(errno));
	}
}

unsigned xt_handoff_drain(struct xt_handoff *h, unsigned to, unsigned max,
			  xt_handoff_fn fn, void *ctx)
{
	unsigned done = 0;

	for (unsigned from = 0; from < h->n && done < max; from++) {
		struct ring *r = ring_of(h, from, to);
		uint32_t head = atomic_load_explicit(&r->head,
						     memory_order_relaxed);
		uint32_t tail = atomic_load_explicit(&r->tail,
						     memory_order_acquire);

		for (; head != tail && done < max; head++, done++) {
			const uint8_t *e = r->frames +
				(size_t)(head & (RING_FRAMES - 1)) * h->stride;
			uint32_t len;

			memcpy(&len, e, sizeof(len));
			fn(ctx, e + sizeof(len), len);
		}
		atomic_store_explicit(&r->head, head, memory_order_release);
	}
	return done;
}

static bool waiting_for(struct xt_handoff *h, unsigned to)
{
	for (unsigned from = 0; from < h->n; from++) {
		struct ring *r = ring_of(h, from, to);

		if (atomic_load_explicit(&r->tail, memory_order_relaxed) !=
		    atomic_load_explicit(&r->head, memory_order_relaxed))
			return true;
	}
	return false;
}

bool xt_handoff_sleep_begin(struct xt_handoff *h, unsigned i)
{
	atomic_store(&h->sides[i].sleeping, 1);
	atomic_thread_fence(memory_order_seq_cst);	/* flag, then tails */
	if (!waiting_for(h, i))
		return true;
	atomic_store(&h->sides[i].sleeping, 0);
	return false;
}

void xt_handoff_sleep_end(struct xt_handoff *h, unsigned i)
{
	atomic_store(&h->sides[i].sleeping, 0);
}
