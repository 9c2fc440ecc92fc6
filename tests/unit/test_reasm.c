// SPDX-License-Identifier: MIT
/*
 * Reassembly queue. Sequence numbers start near 0xFFFFFF00, as lwIP's tests
 * do, so most cases cross the wrap at 2^32 without saying so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>
#include "tcp/reasm.h"

#define ISN		0xFFFFFF00u
#define NO_LIMIT	UINT32_MAX
#define TAG_OLD		0x00
#define TAG_NEW		0x5a

/*
 * The test stream: the byte at sequence number seq. A tag XORed in tells
 * apart two copies of the same range.
 */
static uint8_t pat(uint32_t seq, uint8_t tag)
{
	return (uint8_t)(seq * 37 + (seq >> 8) + 11) ^ tag;
}

static void pat_fill(uint8_t *buf, uint32_t seq, uint32_t len, uint8_t tag)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = pat(seq + i, tag);
}

/* One queue and a receive ring, rcv_nxt starting at ISN. */
struct reasm_fx {
	struct xt_reasm q;
	struct xt_ring ring;
	uint32_t rcv_nxt;
};

static struct reasm_fx fx;

static void fx_setup_limit(uint32_t limit, uint32_t ring_cap)
{
	xt_reasm_free(&fx.q);
	xt_ring_free(&fx.ring);
	xt_reasm_init(&fx.q, limit, NULL);
	cr_assert_eq(xt_ring_init(&fx.ring, ring_cap), 0);
	fx.rcv_nxt = ISN;
}

static void fx_setup(void)
{
	memset(&fx, 0, sizeof(fx));
	fx_setup_limit(NO_LIMIT, 4096);
}

static void fx_teardown(void)
{
	xt_reasm_free(&fx.q);
	xt_ring_free(&fx.ring);
}

TestSuite(reasm, .init = fx_setup, .fini = fx_teardown);

/* Inserts [ISN + off, ISN + off + len) carrying the stream XOR tag. */
static int ins_tag(uint32_t off, uint32_t len, uint8_t tag)
{
	uint8_t *buf = malloc(len ? len : 1);
	int ret;

	cr_assert_not_null(buf);
	pat_fill(buf, ISN + off, len, tag);
	ret = xt_reasm_insert(&fx.q, fx.rcv_nxt, ISN + off, buf, len);
	free(buf);
	cr_assert_leq(fx.q.bytes, fx.q.limit);
	return ret;
}

static int ins(uint32_t off, uint32_t len)
{
	return ins_tag(off, len, TAG_OLD);
}

static uint32_t drain(void)
{
	return xt_reasm_drain(&fx.q, &fx.rcv_nxt, &fx.ring);
}

/* Reads len bytes out of the ring; checks them against the stream at off. */
static void expect_ring(uint32_t off, uint32_t len, uint8_t tag)
{
	uint8_t got[512], want[512];

	cr_assert_leq(len, sizeof(got));
	cr_assert_eq(xt_ring_read(&fx.ring, got, len), len);
	pat_fill(want, ISN + off, len, tag);
	cr_assert(!memcmp(got, want, len), "bytes at +%u differ", off);
}

static void expect_sack(unsigned i, const struct xt_sack_range *sr,
			uint32_t start, uint32_t end)
{
	cr_assert_eq(sr[i].start, ISN + start, "block %u start %#x", i,
		     sr[i].start);
	cr_assert_eq(sr[i].end, ISN + end, "block %u end %#x", i, sr[i].end);
}

Test(reasm, init_gives_an_empty_queue)
{
	struct xt_sack_range sr[4];

	cr_assert(xt_reasm_empty(&fx.q));
	cr_assert_eq(fx.q.bytes, 0);
	cr_assert_eq(fx.q.nsegs, 0);
	cr_assert_eq(drain(), 0);
	cr_assert_eq(xt_reasm_sack(&fx.q, sr, 4), 0);
}

Test(reasm, free_is_idempotent)
{
	cr_assert_eq(ins(10, 20), 20);
	xt_reasm_free(&fx.q);
	cr_assert(xt_reasm_empty(&fx.q));
	cr_assert_eq(fx.q.bytes, 0);
	xt_reasm_free(&fx.q);
	xt_reasm_free(NULL);
	cr_assert_eq(ins(0, 5), 5, "usable again after free");
}

Test(reasm, in_order_segment_drains_at_once)
{
	cr_assert_eq(ins(0, 300), 300);
	cr_assert_eq(drain(), 300);
	cr_assert_eq(fx.rcv_nxt, ISN + 300);
	cr_assert(xt_reasm_empty(&fx.q));
	cr_assert_eq(fx.q.bytes, 0);
	expect_ring(0, 300, TAG_OLD);
}

Test(reasm, out_of_order_waits_for_the_gap)
{
	cr_assert_eq(ins(100, 50), 50);
	cr_assert_eq(ins(200, 50), 50);
	cr_assert_eq(fx.q.nsegs, 2);
	cr_assert_eq(drain(), 0);
	cr_assert_eq(fx.rcv_nxt, ISN);
	cr_assert_eq(ins(0, 100), 100);
	cr_assert_eq(drain(), 150);
	cr_assert_eq(fx.rcv_nxt, ISN + 150);
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(ins(150, 50), 50);
	cr_assert_eq(drain(), 100);
	cr_assert(xt_reasm_empty(&fx.q));
	expect_ring(0, 250, TAG_OLD);
}

Test(reasm, duplicate_stores_nothing)
{
	cr_assert_eq(ins(40, 60), 60);
	cr_assert_eq(ins_tag(40, 60, TAG_NEW), 0);
	cr_assert_eq(ins_tag(50, 10, TAG_NEW), 0);
	cr_assert_eq(fx.q.bytes, 60);
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(ins(0, 40), 40);
	cr_assert_eq(drain(), 100);
	expect_ring(0, 100, TAG_OLD);
}

Test(reasm, adjacent_segments_coalesce)
{
	cr_assert_eq(ins(100, 10), 10);
	cr_assert_eq(ins(110, 10), 10);
	cr_assert_eq(ins(90, 10), 10);
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(ins(130, 10), 10);
	cr_assert_eq(fx.q.nsegs, 2);
	cr_assert_eq(ins(120, 10), 10, "fills the gap between two blocks");
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(fx.q.bytes, 50);
}

/* New data over the start of a stored block: only its head is new. */
Test(reasm, overlapping_segments_keep_first_bytes)
{
	cr_assert_eq(ins_tag(50, 50, TAG_OLD), 50);
	cr_assert_eq(ins_tag(20, 50, TAG_NEW), 30);
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(ins_tag(0, 20, TAG_OLD), 20);
	cr_assert_eq(drain(), 100);
	expect_ring(0, 20, TAG_OLD);
	expect_ring(20, 30, TAG_NEW);
	expect_ring(50, 50, TAG_OLD);
}

/* New data over the end of a stored block: only its tail is new. */
Test(reasm, overlap_past_the_end_keeps_first_bytes)
{
	cr_assert_eq(ins_tag(10, 50, TAG_OLD), 50);
	cr_assert_eq(ins_tag(40, 40, TAG_NEW), 20);
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(fx.q.bytes, 70);
	cr_assert_eq(ins_tag(0, 10, TAG_OLD), 10);
	cr_assert_eq(drain(), 80);
	expect_ring(0, 60, TAG_OLD);
	expect_ring(60, 20, TAG_NEW);
}

Test(reasm, segment_covering_several_stored_fills_only_gaps)
{
	cr_assert_eq(ins_tag(10, 10, TAG_OLD), 10);
	cr_assert_eq(ins_tag(30, 10, TAG_OLD), 10);
	cr_assert_eq(ins_tag(50, 10, TAG_OLD), 10);
	cr_assert_eq(fx.q.nsegs, 3);
	cr_assert_eq(ins_tag(5, 65, TAG_NEW), 65 - 30);
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(fx.q.bytes, 65);
	cr_assert_eq(ins_tag(0, 5, TAG_OLD), 5);
	cr_assert_eq(drain(), 70);
	expect_ring(0, 5, TAG_OLD);
	expect_ring(5, 5, TAG_NEW);
	expect_ring(10, 10, TAG_OLD);
	expect_ring(20, 10, TAG_NEW);
	expect_ring(30, 10, TAG_OLD);
	expect_ring(40, 10, TAG_NEW);
	expect_ring(50, 10, TAG_OLD);
	expect_ring(60, 10, TAG_NEW);
}

Test(reasm, segment_ending_inside_a_later_block_merges_it)
{
	cr_assert_eq(ins_tag(30, 20, TAG_OLD), 20);
	cr_assert_eq(ins_tag(60, 20, TAG_OLD), 20);
	cr_assert_eq(ins_tag(10, 30, TAG_NEW), 20);
	cr_assert_eq(fx.q.nsegs, 2);
	cr_assert_eq(ins_tag(0, 10, TAG_OLD), 10);
	cr_assert_eq(drain(), 50);
	expect_ring(0, 10, TAG_OLD);
	expect_ring(10, 20, TAG_NEW);
	expect_ring(30, 20, TAG_OLD);
	cr_assert_eq(fx.q.nsegs, 1);
}

/* RFC 9293 §3.10.7.4: only the part at or after RCV.NXT is new text. */
Test(reasm, segment_straddling_rcv_nxt_is_trimmed)
{
	fx.rcv_nxt = ISN + 100;
	cr_assert_eq(ins(60, 80), 40);
	cr_assert_eq(fx.q.bytes, 40);
	cr_assert_eq(drain(), 40);
	cr_assert_eq(fx.rcv_nxt, ISN + 140);
	expect_ring(100, 40, TAG_OLD);
}

Test(reasm, segment_wholly_before_rcv_nxt_is_ignored)
{
	fx.rcv_nxt = ISN + 100;
	cr_assert_eq(ins(0, 100), 0);
	cr_assert_eq(ins(50, 20), 0);
	cr_assert(xt_reasm_empty(&fx.q));
	cr_assert_eq(ins(100, 0), 0, "empty segment");
	cr_assert(xt_reasm_empty(&fx.q));
}

/* The caller took some bytes another way and moved rcv_nxt past them. */
Test(reasm, stored_bytes_before_rcv_nxt_are_dropped)
{
	cr_assert_eq(ins(10, 20), 20);
	cr_assert_eq(ins(40, 20), 20);
	fx.rcv_nxt = ISN + 45;
	cr_assert_eq(drain(), 15);
	cr_assert_eq(fx.q.bytes, 0);
	cr_assert(xt_reasm_empty(&fx.q));
	expect_ring(45, 15, TAG_OLD);

	cr_assert_eq(ins(70, 20), 20);
	fx.rcv_nxt = ISN + 80;
	cr_assert_eq(ins(100, 5), 5);
	cr_assert_eq(fx.q.bytes, 15, "insert drops the stale half too");
	cr_assert_eq(fx.q.nsegs, 2);
}

Test(reasm, memory_limit_stores_lowest_bytes_first)
{
	fx_setup_limit(80, 4096);
	cr_assert_eq(ins_tag(50, 40, TAG_OLD), 40);
	cr_assert_eq(ins_tag(0, 100, TAG_NEW), 40, "returns the partial count");
	cr_assert_eq(fx.q.bytes, 80);
	cr_assert_eq(fx.q.nsegs, 2, "[0,40) and [50,90)");
	cr_assert_eq(ins_tag(90, 10, TAG_NEW), 0, "full");
	cr_assert_eq(drain(), 40);
	cr_assert_eq(ins_tag(40, 60, TAG_NEW), 20, "room again");
	cr_assert_eq(fx.q.bytes, 60);
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(drain(), 60);
	expect_ring(0, 50, TAG_NEW);
	expect_ring(50, 40, TAG_OLD);
	expect_ring(90, 10, TAG_NEW);
}

Test(reasm, memory_limit_stops_at_the_exact_byte)
{
	fx_setup_limit(25, 4096);
	cr_assert_eq(ins(10, 10), 10);
	cr_assert_eq(ins(30, 10), 10);
	cr_assert_eq(ins(0, 50), 5, "fills [0,5) only");
	cr_assert_eq(fx.q.bytes, 25);
	cr_assert_eq(fx.q.nsegs, 3);
	cr_assert_eq(ins(5, 1), 0);
	fx_setup_limit(0, 16);
	cr_assert_eq(ins(0, 10), 0, "a zero limit stores nothing");
	cr_assert(xt_reasm_empty(&fx.q));
}

Test(reasm, drain_into_a_small_ring_leaves_the_rest_queued)
{
	fx_setup_limit(NO_LIMIT, 70);
	cr_assert_eq(ins(0, 200), 200);
	cr_assert_eq(drain(), 70);
	cr_assert_eq(fx.rcv_nxt, ISN + 70);
	cr_assert_eq(fx.q.bytes, 130);
	cr_assert_eq(drain(), 0, "ring is full");
	expect_ring(0, 50, TAG_OLD);
	cr_assert_eq(ins(200, 30), 30, "append after a partial drain");
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(drain(), 50);
	expect_ring(50, 70, TAG_OLD);
	cr_assert_eq(drain(), 70);
	expect_ring(120, 70, TAG_OLD);
	cr_assert_eq(drain(), 40);
	expect_ring(190, 40, TAG_OLD);
	cr_assert(xt_reasm_empty(&fx.q));
	cr_assert_eq(fx.rcv_nxt, ISN + 230);
}

Test(reasm, sack_blocks_most_recent_first)
{
	struct xt_sack_range sr[4];

	ins(100, 10);
	ins(300, 10);
	ins(200, 10);
	cr_assert_eq(xt_reasm_sack(&fx.q, sr, 4), 3);
	expect_sack(0, sr, 200, 210);
	expect_sack(1, sr, 300, 310);
	expect_sack(2, sr, 100, 110);
}

/* RFC 2018 §4: the block holding the segment that caused the ACK first. */
Test(reasm, sack_duplicate_moves_its_block_first)
{
	struct xt_sack_range sr[4];

	ins(100, 10);
	ins(200, 10);
	cr_assert_eq(ins(102, 3), 0);
	cr_assert_eq(xt_reasm_sack(&fx.q, sr, 4), 2);
	expect_sack(0, sr, 100, 110);
	expect_sack(1, sr, 200, 210);
}

Test(reasm, sack_reports_a_merged_block_first)
{
	struct xt_sack_range sr[4];

	ins(100, 10);
	ins(300, 10);
	ins(500, 10);
	ins(110, 10);
	cr_assert_eq(xt_reasm_sack(&fx.q, sr, 4), 3);
	expect_sack(0, sr, 100, 120);
	expect_sack(1, sr, 500, 510);
	expect_sack(2, sr, 300, 310);
}

Test(reasm, sack_count_is_capped_at_max)
{
	struct xt_sack_range sr[8];

	for (uint32_t i = 0; i < 6; i++)
		ins(100 + 20 * i, 10);
	cr_assert_eq(xt_reasm_sack(&fx.q, sr, 8), 6);
	cr_assert_eq(xt_reasm_sack(&fx.q, sr, 3), 3);
	expect_sack(0, sr, 200, 210);
	expect_sack(1, sr, 180, 190);
	expect_sack(2, sr, 160, 170);
	cr_assert_eq(xt_reasm_sack(&fx.q, sr, 0), 0);
}

Test(reasm, sack_drops_drained_blocks)
{
	struct xt_sack_range sr[4];

	ins(50, 10);
	ins(10, 10);
	ins(0, 10);
	cr_assert_eq(drain(), 20);
	cr_assert_eq(xt_reasm_sack(&fx.q, sr, 4), 1);
	expect_sack(0, sr, 50, 60);
}

/* Blocks on both sides of 2^32 sort and merge by sequence distance. */
Test(reasm, blocks_across_sequence_wrap)
{
	struct xt_sack_range sr[4];
	uint32_t to_wrap = 0u - ISN;	/* 256 */

	fx.rcv_nxt = ISN + to_wrap - 100;
	cr_assert_eq(ins(to_wrap + 20, 30), 30);	/* [0x14, 0x32) */
	cr_assert_eq(ins(to_wrap - 50, 40), 40);	/* ends before 0 */
	cr_assert_eq(fx.q.nsegs, 2);
	cr_assert_eq(xt_reasm_sack(&fx.q, sr, 4), 2);
	cr_assert_eq(sr[0].start, 0xFFFFFFCEu);
	cr_assert_eq(sr[0].end, 0xFFFFFFF6u);
	cr_assert_eq(sr[1].start, 0x14u);
	cr_assert_eq(ins(to_wrap - 10, 30), 30, "bridges 0");
	cr_assert_eq(fx.q.nsegs, 1);
	cr_assert_eq(ins(to_wrap - 100, 50), 50);
	cr_assert_eq(drain(), 150);
	cr_assert_eq(fx.rcv_nxt, 0x32u);
	expect_ring(to_wrap - 100, 150, TAG_OLD);
}

/* Far ahead of rcv_nxt: no wrap into "before", nothing past 2^31. */
Test(reasm, data_2g_ahead_is_not_stored)
{
	uint8_t b[8] = { 0 };

	cr_assert_eq(xt_reasm_insert(&fx.q, ISN, ISN + 0x80000000u, b, 8), 0);
	cr_assert_eq(xt_reasm_insert(&fx.q, ISN, ISN + 0x7ffffffcu, b, 8), 3);
	cr_assert_eq(fx.q.bytes, 3);
}

/* --- Randomized, against a model that tracks one flag per byte. --- */

#define RND_LEN		3000
#define RND_CHUNKS	400

struct chunk {
	uint32_t off, len;
};

struct model {
	uint8_t have[RND_LEN];
	uint32_t nxt;			/* offset of rcv_nxt */
	uint32_t bytes;
	uint32_t limit;
	uint32_t partial;		/* inserts the limit cut short */
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* What the queue must store: missing bytes, lowest first, within budget. */
static uint32_t model_insert(struct model *m, struct chunk c)
{
	uint32_t added = 0;

	for (uint32_t i = c.off; i < c.off + c.len; i++) {
		if (i < m->nxt || m->have[i])
			continue;
		if (m->bytes + added == m->limit) {
			m->partial++;
			break;
		}
		m->have[i] = 1;
		added++;
	}
	m->bytes += added;
	return added;
}

static uint32_t model_drain(struct model *m, uint32_t space)
{
	uint32_t n = 0;

	while (n < space && m->nxt + n < RND_LEN && m->have[m->nxt + n])
		n++;
	m->nxt += n;
	m->bytes -= n;
	return n;
}

/* The end of the run of held bytes that starts at i. */
static uint32_t model_run_end(const struct model *m, uint32_t i)
{
	while (i < RND_LEN && m->have[i])
		i++;
	return i;
}

/* SACK blocks are exactly the runs the model holds; the newest first. */
static void check_sack(const struct model *m, struct chunk last)
{
	static struct xt_sack_range sr[RND_LEN / 2];
	unsigned n = xt_reasm_sack(&fx.q, sr, RND_LEN / 2), runs = 0;
	uint32_t start, hit = UINT32_MAX;

	cr_assert_eq(n, fx.q.nsegs);
	for (uint32_t i = m->nxt; i < RND_LEN; i++)
		if (m->have[i] && (i == m->nxt || !m->have[i - 1]))
			runs++;
	cr_assert_eq(n, runs);
	for (unsigned k = 0; k < n; k++) {
		start = sr[k].start - ISN;
		cr_assert_lt(start, RND_LEN);
		cr_assert(m->have[start] && (start == m->nxt ||
					     !m->have[start - 1]));
		cr_assert_eq(sr[k].end, ISN + model_run_end(m, start));
	}
	for (uint32_t i = last.off; i < last.off + last.len; i++)
		if (i >= m->nxt && m->have[i] && hit == UINT32_MAX)
			hit = i;
	if (hit != UINT32_MAX)
		cr_assert((uint32_t)(ISN + hit - sr[0].start) <
			  sr[0].end - sr[0].start,
			  "first block holds the last segment");
}

/* Overlapping chunks, then a tiling so that their union is everything. */
static unsigned make_chunks(struct chunk *c, uint32_t *seed)
{
	unsigned n = 0;

	for (; n < RND_CHUNKS; n++) {
		c[n].off = rnd(seed) % RND_LEN;
		c[n].len = 1 + rnd(seed) % 120;
		if (c[n].off + c[n].len > RND_LEN)
			c[n].len = RND_LEN - c[n].off;
	}
	for (uint32_t off = 0; off < RND_LEN; off += c[n++].len) {
		c[n].off = off;
		c[n].len = 1 + rnd(seed) % 200;
		if (off + c[n].len > RND_LEN)
			c[n].len = RND_LEN - off;
	}
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = rnd(seed) % (i + 1);
		struct chunk t = c[i];

		c[i] = c[j];
		c[j] = t;
	}
	return n;
}

static uint32_t ring_out(uint8_t *out, uint32_t at, uint32_t *seed)
{
	return xt_ring_read(&fx.ring, out + at, rnd(seed) % 150);
}

static void step(struct model *m, const uint8_t *stream, struct chunk c,
		 uint8_t *out, uint32_t *got, uint32_t *seed)
{
	uint32_t want = model_insert(m, c);
	uint32_t space, n;

	cr_assert_eq(xt_reasm_insert(&fx.q, fx.rcv_nxt, ISN + c.off,
				     stream + c.off, c.len), (int)want,
		     "chunk [%u, %u)", c.off, c.off + c.len);
	cr_assert_eq(fx.q.bytes, m->bytes);
	cr_assert_leq(fx.q.bytes, fx.q.limit);
	check_sack(m, c);
	if (rnd(seed) % 3 == 0)
		return;
	space = xt_ring_space(&fx.ring);
	n = drain();
	cr_assert_eq(n, model_drain(m, space));
	cr_assert_eq(fx.rcv_nxt, ISN + m->nxt);
	*got += ring_out(out, *got, seed);
}

/* Drains and reads out until nothing more is contiguous. */
static void drain_out(struct model *m, uint8_t *out, uint32_t *got)
{
	uint32_t space, n;

	do {
		space = xt_ring_space(&fx.ring);
		n = drain();
		cr_assert_eq(n, model_drain(m, space));
		*got += xt_ring_read(&fx.ring, out + *got, RND_LEN);
	} while (n);
}

/*
 * The queue is full of data beyond the hole at rcv_nxt, so the hole can
 * never be stored: the caller must renege (RFC 2018 §8) and drop it all.
 */
static void renege(struct model *m)
{
	xt_reasm_free(&fx.q);
	memset(m->have + m->nxt, 0, RND_LEN - m->nxt);
	m->bytes = 0;
}

static void random_run(uint32_t seed, uint32_t limit, uint32_t ring_cap)
{
	static struct chunk c[RND_CHUNKS + RND_LEN];
	static uint8_t stream[RND_LEN], out[RND_LEN];
	static struct model m;
	unsigned n, reneged = 0;
	uint32_t got = 0;

	fx_setup_limit(limit, ring_cap);
	memset(&m, 0, sizeof(m));
	m.limit = limit;
	pat_fill(stream, ISN, RND_LEN, (uint8_t)seed);
	n = make_chunks(c, &seed);
	for (unsigned i = 0; i < n; i++)
		step(&m, stream, c[i], out, &got, &seed);
	/* What the limit turned away comes again, in order, as a resend. */
	for (int guard = 0; got < RND_LEN; guard++) {
		struct chunk r = { m.nxt, RND_LEN - m.nxt };

		cr_assert_lt(guard, 10000, "no progress");
		if (!m.have[m.nxt] && m.bytes == m.limit) {
			renege(&m);
			reneged++;
		}
		if (r.len > 150)
			r.len = 150;
		step(&m, stream, r, out, &got, &seed);
		drain_out(&m, out, &got);
	}
	cr_assert(!memcmp(out, stream, RND_LEN), "seed %u", seed);
	cr_assert(xt_reasm_empty(&fx.q));
	if (limit == NO_LIMIT)
		cr_assert_eq(reneged + m.partial, 0);
	else
		cr_assert(reneged && m.partial, "the limit was exercised");
}

Test(reasm, random_chunks_reassemble_the_stream)
{
	for (uint32_t seed = 1; seed <= 4; seed++)
		random_run(seed * 2654435761u, NO_LIMIT, 4096);
}

Test(reasm, random_chunks_under_a_memory_limit)
{
	for (uint32_t seed = 1; seed <= 4; seed++)
		random_run(seed * 40503u, 257, 97);
}

/* --- a bound shared by several queues ------------------------------------ */

Test(reasm, pool_bounds_queues_together)
{
	struct xt_reasm_pool pool = { .limit = 100 };
	struct xt_reasm other;
	uint8_t buf[60];

	fx_setup_limit(NO_LIMIT, 4096);
	fx.q.pool = &pool;
	xt_reasm_init(&other, NO_LIMIT, &pool);
	pat_fill(buf, ISN + 10, sizeof(buf), TAG_OLD);
	cr_assert_eq(xt_reasm_insert(&other, ISN, ISN + 10, buf, 60), 60);
	cr_assert_eq(pool.bytes, 60);
	cr_assert_eq(ins(10, 60), 40, "what the pool has left");
	cr_assert_eq(pool.bytes, 100);
	cr_assert_eq(pool.refused, 1);
	cr_assert_eq(ins(80, 5), 0, "the pool is full");
	cr_assert_eq(pool.refused, 2);

	xt_reasm_free(&other);
	cr_assert_eq(pool.bytes, 40, "other's bytes went back");
	cr_assert_eq(ins(50, 20), 20);
	cr_assert_eq(pool.bytes, 60);
	fx.rcv_nxt = ISN + 10;
	cr_assert_eq(drain(), 60);
	cr_assert_eq(pool.bytes, 0, "drained bytes go back too");
	expect_ring(10, 60, TAG_OLD);
	cr_assert_eq(pool.refused, 2);
	fx.q.pool = NULL;
}

Test(reasm, own_limit_below_the_pool_is_not_a_refusal)
{
	struct xt_reasm_pool pool = { .limit = 1000 };

	fx_setup_limit(50, 4096);
	fx.q.pool = &pool;
	cr_assert_eq(ins(10, 100), 50);
	cr_assert_eq(pool.bytes, 50);
	cr_assert_eq(pool.refused, 0);
	xt_reasm_free(&fx.q);
	cr_assert_eq(pool.bytes, 0);
	fx.q.pool = NULL;
}
