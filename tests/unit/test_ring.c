// SPDX-License-Identifier: MIT
/* Byte ring: wrap-around at capacities that are not powers of two. */
#include <errno.h>
#include <string.h>
#include <criterion/criterion.h>
#include "tcp/ring.h"

/* A byte that depends on its position in the stream written so far. */
static uint8_t ring_pat(uint32_t pos)
{
	return (uint8_t)(pos * 7 + pos / 251 + 3);
}

static void ring_pat_fill(uint8_t *buf, uint32_t pos, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		buf[i] = ring_pat(pos + i);
}

static void ring_setup(struct xt_ring *r, uint32_t cap)
{
	cr_assert_eq(xt_ring_init(r, cap), 0);
	cr_assert_eq(r->limit, cap);
	cr_assert_eq(r->cap, 0, "memory before any byte");
	cr_assert_eq(xt_ring_len(r), 0);
	cr_assert_eq(xt_ring_space(r), cap);
}

/* Writes n pattern bytes starting at stream position pos; returns count. */
static uint32_t ring_put(struct xt_ring *r, uint32_t pos, uint32_t n)
{
	uint8_t buf[256];

	cr_assert_leq(n, sizeof(buf));
	ring_pat_fill(buf, pos, n);
	return xt_ring_write(r, buf, n);
}

/* Reads up to n bytes and checks they are the pattern from pos on. */
static uint32_t ring_get(struct xt_ring *r, uint32_t pos, uint32_t n)
{
	uint8_t buf[256], want[256];
	uint32_t got;

	cr_assert_leq(n, sizeof(buf));
	got = xt_ring_read(r, buf, n);
	ring_pat_fill(want, pos, got);
	cr_assert(!memcmp(buf, want, got), "bytes from %u differ", pos);
	return got;
}

Test(ring, init_rejects_zero_capacity)
{
	struct xt_ring r;

	cr_assert_eq(xt_ring_init(&r, 0), -EINVAL);
	cr_assert_null(r.buf);
	cr_assert_eq(xt_ring_space(&r), 0);
	xt_ring_free(&r);
}

Test(ring, free_is_safe_on_zeroed_and_freed_rings)
{
	struct xt_ring r = { 0 };

	xt_ring_free(&r);
	xt_ring_free(NULL);
	ring_setup(&r, 5);
	xt_ring_free(&r);
	cr_assert_null(r.buf);
	cr_assert_eq(r.cap, 0);
	xt_ring_free(&r);
}

Test(ring, zeroed_ring_accepts_and_yields_nothing)
{
	struct xt_ring r = { 0 };
	uint8_t b[4] = { 1, 2, 3, 4 };

	cr_assert_eq(xt_ring_write(&r, b, 4), 0);
	cr_assert_eq(xt_ring_read(&r, b, 4), 0);
	cr_assert_eq(xt_ring_peek(&r, 0, b, 4), 0);
	cr_assert_eq(xt_ring_drop(&r, 4), 0);
}

Test(ring, write_then_read_returns_same_bytes)
{
	struct xt_ring r;

	ring_setup(&r, 10);
	cr_assert_eq(ring_put(&r, 0, 6), 6);
	cr_assert_eq(xt_ring_len(&r), 6);
	cr_assert_eq(xt_ring_space(&r), 4);
	cr_assert_eq(ring_get(&r, 0, 6), 6);
	cr_assert_eq(xt_ring_len(&r), 0);
	cr_assert_eq(xt_ring_space(&r), 10);
	xt_ring_free(&r);
}

Test(ring, partial_write_when_full)
{
	struct xt_ring r;

	ring_setup(&r, 10);
	cr_assert_eq(ring_put(&r, 0, 7), 7);
	cr_assert_eq(ring_put(&r, 7, 7), 3);
	cr_assert_eq(xt_ring_space(&r), 0);
	cr_assert_eq(ring_put(&r, 10, 1), 0);
	cr_assert_eq(ring_get(&r, 0, 4), 4);
	cr_assert_eq(ring_put(&r, 10, 9), 4, "fills the freed room only");
	cr_assert_eq(ring_get(&r, 4, 100), 10);
	xt_ring_free(&r);
}

Test(ring, read_more_than_stored_returns_len)
{
	struct xt_ring r;
	uint8_t buf[16];

	ring_setup(&r, 9);
	cr_assert_eq(ring_put(&r, 0, 5), 5);
	cr_assert_eq(ring_get(&r, 0, 16), 5);
	cr_assert_eq(xt_ring_read(&r, buf, sizeof(buf)), 0);
	xt_ring_free(&r);
}

/* Odd sizes make every write and read land at a different split point. */
Test(ring, wrap_around_at_capacity_seven)
{
	struct xt_ring r;
	uint32_t wpos = 0, rpos = 0;

	ring_setup(&r, 7);
	for (uint32_t i = 0; i < 200; i++) {
		wpos += ring_put(&r, wpos, 1 + i % 5);
		rpos += ring_get(&r, rpos, 1 + i % 4);
		cr_assert_eq(xt_ring_len(&r), wpos - rpos);
		cr_assert_leq(xt_ring_len(&r), 7);
		cr_assert(r.cap ? r.head < r.cap : r.head == 0, "head %u of %u",
			  r.head, r.cap);
	}
	rpos += ring_get(&r, rpos, 7);
	cr_assert_eq(rpos, wpos);
	cr_assert_gt(wpos, 7 * 50, "went round many times");
	xt_ring_free(&r);
}

/* ring_put or ring_get, n bytes in steps of at most 256; the count done. */
static uint32_t ring_many(uint32_t (*op)(struct xt_ring *, uint32_t, uint32_t),
			  struct xt_ring *r, uint32_t pos, uint32_t n)
{
	uint32_t done = 0;

	while (done < n) {
		uint32_t step = n - done < 256 ? n - done : 256;
		uint32_t moved = op(r, pos + done, step);

		done += moved;
		if (moved < step)
			break;
	}
	return done;
}

/* Memory follows the bytes: it grows by doubling and goes when emptied. */
Test(ring, memory_grows_with_the_bytes_and_goes_when_empty)
{
	struct xt_ring r;

	ring_setup(&r, 1u << 20);
	cr_assert_eq(ring_many(ring_put, &r, 0, 100), 100);
	cr_assert_eq(r.cap, 4096, "first allocation");
	cr_assert_eq(ring_many(ring_put, &r, 100, 10000), 10000);
	cr_assert_eq(r.cap, 16384, "doubled to fit");
	cr_assert_eq(ring_many(ring_get, &r, 0, 5000), 5000);
	cr_assert_eq(ring_many(ring_put, &r, 10100, 20000), 20000, "grown past a wrap");
	cr_assert_eq(ring_many(ring_get, &r, 5000, 25100), 25100, "the bytes in order");
	cr_assert_eq(r.cap, 0, "memory kept by an empty ring");
	cr_assert_null(r.buf);
	xt_ring_free(&r);
}

Test(ring, full_ring_wraps_exactly)
{
	struct xt_ring r;
	uint32_t pos = 0;

	ring_setup(&r, 13);
	for (int i = 0; i < 30; i++) {
		cr_assert_eq(ring_put(&r, pos, 13), 13);
		cr_assert_eq(xt_ring_space(&r), 0);
		cr_assert_eq(ring_get(&r, pos, 8), 8);
		cr_assert_eq(ring_get(&r, pos + 8, 5), 5);
		pos += 13;
		cr_assert_eq(ring_put(&r, pos, 4), 4, "offset the head");
		cr_assert_eq(ring_get(&r, pos, 4), 4);
		pos += 4;
	}
	xt_ring_free(&r);
}

Test(ring, peek_at_every_offset_across_the_wrap)
{
	struct xt_ring r;
	uint8_t buf[16], want[16];

	ring_setup(&r, 11);
	ring_put(&r, 0, 8);
	ring_get(&r, 0, 6);
	cr_assert_eq(ring_put(&r, 8, 9), 9);	/* bytes 6..17 wrap at 11 */
	cr_assert_eq(xt_ring_len(&r), 11);
	for (uint32_t off = 0; off < 11; off++) {
		for (uint32_t n = 0; n <= 12; n++) {
			uint32_t exp = n < 11 - off ? n : 11 - off;

			memset(buf, 0xee, sizeof(buf));
			cr_assert_eq(xt_ring_peek(&r, off, buf, n), exp,
				     "off %u n %u", off, n);
			ring_pat_fill(want, 6 + off, exp);
			cr_assert(!memcmp(buf, want, exp), "off %u n %u",
				  off, n);
			cr_assert_eq(buf[exp], 0xee, "no write past count");
		}
	}
	cr_assert_eq(xt_ring_len(&r), 11, "peek consumes nothing");
	cr_assert_eq(ring_get(&r, 6, 11), 11);
	xt_ring_free(&r);
}

Test(ring, peek_at_or_beyond_len_returns_zero)
{
	struct xt_ring r;
	uint8_t buf[4];

	ring_setup(&r, 6);
	ring_put(&r, 0, 3);
	cr_assert_eq(xt_ring_peek(&r, 3, buf, 4), 0);
	cr_assert_eq(xt_ring_peek(&r, 100, buf, 4), 0);
	cr_assert_eq(xt_ring_peek(&r, UINT32_MAX, buf, 4), 0);
	cr_assert_eq(xt_ring_peek(&r, 2, buf, 4), 1);
	cr_assert_eq(buf[0], ring_pat(2));
	xt_ring_free(&r);
}

Test(ring, drop_consumes_without_copying)
{
	struct xt_ring r;

	ring_setup(&r, 10);
	ring_put(&r, 0, 8);
	cr_assert_eq(xt_ring_drop(&r, 5), 5);
	cr_assert_eq(xt_ring_len(&r), 3);
	cr_assert_eq(ring_put(&r, 8, 6), 6);	/* wraps */
	cr_assert_eq(xt_ring_drop(&r, 4), 4);
	cr_assert_eq(ring_get(&r, 9, 5), 5);
	cr_assert_eq(xt_ring_drop(&r, 3), 0);
	ring_put(&r, 14, 2);
	cr_assert_eq(xt_ring_drop(&r, 50), 2, "drops at most len");
	cr_assert_eq(xt_ring_len(&r), 0);
	xt_ring_free(&r);
}

Test(ring, capacity_of_one)
{
	struct xt_ring r;

	ring_setup(&r, 1);
	for (uint32_t pos = 0; pos < 5; pos++) {
		cr_assert_eq(ring_put(&r, pos, 3), 1);
		cr_assert_eq(ring_put(&r, pos + 1, 1), 0);
		cr_assert_eq(ring_get(&r, pos, 3), 1);
	}
	xt_ring_free(&r);
}

static uint32_t ring_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Random writes, reads, peeks and drops against the stream positions. */
Test(ring, random_operations_match_the_stream)
{
	static const uint32_t caps[] = { 3, 13, 100, 255 };
	uint8_t buf[256], want[256];

	for (unsigned c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		struct xt_ring r;
		uint32_t seed = 0x9e3779b9u + c, wpos = 0, rpos = 0, n, off;

		ring_setup(&r, caps[c]);
		for (int i = 0; i < 3000; i++) {
			n = ring_rand(&seed) % 200;
			switch (ring_rand(&seed) % 4) {
			case 0:
				wpos += ring_put(&r, wpos, n);
				break;
			case 1:
				rpos += ring_get(&r, rpos, n);
				break;
			case 2:
				off = ring_rand(&seed) % (caps[c] + 1);
				n = xt_ring_peek(&r, off, buf, n);
				ring_pat_fill(want, rpos + off, n);
				cr_assert(!memcmp(buf, want, n));
				break;
			default:
				rpos += xt_ring_drop(&r, n);
				break;
			}
			cr_assert_eq(xt_ring_len(&r), wpos - rpos);
			cr_assert_leq(xt_ring_len(&r), caps[c]);
		}
		xt_ring_free(&r);
	}
}

Test(ring, span_points_into_the_ring_unless_it_wraps)
{
	struct xt_ring r;
	const uint8_t *p;

	ring_setup(&r, 13);
	cr_assert_eq(ring_put(&r, 0, 10), 10);
	cr_assert_eq(ring_get(&r, 0, 8), 8);		/* head at 8, 2 held */
	cr_assert_eq(ring_put(&r, 10, 9), 9);		/* 11 held, wrapping */
	p = xt_ring_span(&r, 1, 4);			/* indexes 9..12 */
	cr_assert_not_null(p);
	cr_assert_eq(p, r.buf + 9, "in place, no copy");
	for (uint32_t i = 0; i < 4; i++)
		cr_assert_eq(p[i], ring_pat(9 + i));
	cr_assert_null(xt_ring_span(&r, 1, 5), "would wrap past the end");
	p = xt_ring_span(&r, 5, 6);			/* wrapped part: 0..5 */
	cr_assert_eq(p, r.buf + 0);
	cr_assert_eq(p[0], ring_pat(13));
	cr_assert_null(xt_ring_span(&r, 5, 7), "more than is held");
	cr_assert_null(xt_ring_span(&r, 0, 0));
	xt_ring_free(&r);
	cr_assert_null(xt_ring_span(&r, 0, 1), "a freed ring holds nothing");
}
