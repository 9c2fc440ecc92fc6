// SPDX-License-Identifier: MIT
/*
 * The Internet checksum (RFC 1071) against known vectors, and its
 * incremental update (RFC 1624) against full recomputation.
 */
#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <criterion/criterion.h>

#include "lib/pkt.h"
#include "xtcp/csum.h"

#define IP_CHECK_OFF	offsetof(struct iphdr, check)
#define EDITS		20000

/* The checksum of buf, as the two bytes stored in a header. */
static uint16_t csum_of(const void *buf, size_t len)
{
	return xt_csum_fold(xt_csum_partial(buf, len, 0));
}

static void expect_bytes(uint16_t stored, uint8_t hi, uint8_t lo)
{
	uint8_t b[2];

	memcpy(b, &stored, sizeof(b));
	cr_assert(b[0] == hi && b[1] == lo, "%02x %02x, want %02x %02x",
		  b[0], b[1], hi, lo);
}

/* RFC 1071 §3: these bytes sum to 0xddf2, so the checksum is 0x220d. */
Test(csum, rfc1071_example)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };

	expect_bytes(csum_of(b, sizeof(b)), 0x22, 0x0d);
	expect_bytes((uint16_t)~csum_of(b, sizeof(b)), 0xdd, 0xf2);
}

/* A real IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199), check 0xb861. */
static const uint8_t ip_hdr[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

Test(csum, real_ipv4_header_verifies_and_recomputes)
{
	uint8_t h[sizeof(ip_hdr)];

	cr_assert_eq(csum_of(ip_hdr, sizeof(ip_hdr)), 0, "verifies");
	memcpy(h, ip_hdr, sizeof(h));
	memset(h + IP_CHECK_OFF, 0, 2);
	expect_bytes(csum_of(h, sizeof(h)), 0xb8, 0x61);
}

/* RFC 1071 §4.1: an odd last byte is padded with a zero byte. */
Test(csum, odd_length_pads_with_zero)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0x00 };

	expect_bytes(csum_of(b, 7), 0x23, 0x04);
	cr_assert_eq(csum_of(b, 7), csum_of(b, 8));
	cr_assert_neq(csum_of(b, 7), csum_of(b + 1, 7), "byte position");
}

/* Sums of even-length pieces chain into the sum of the whole. */
Test(csum, partial_sums_chain)
{
	uint8_t b[1501];
	size_t cut;

	pkt_fill(b, sizeof(b), 1071);
	for (cut = 0; cut <= sizeof(b); cut += 2) {
		uint32_t sum = xt_csum_partial(b, cut, 0);

		sum = xt_csum_partial(b + cut, sizeof(b) - cut, sum);
		cr_assert_eq(xt_csum_fold(sum), csum_of(b, sizeof(b)),
			     "cut at %zu", cut);
	}
}

/* 0xffff words make the accumulator carry on every add. */
Test(csum, long_runs_of_ones_fold_to_zero)
{
	uint8_t b[65536];

	memset(b, 0xff, sizeof(b));
	cr_assert_eq(csum_of(b, sizeof(b)), 0);
	cr_assert_eq(csum_of(b, 3), htobe16(0x00ff));
}

Test(csum, add_carries_around)
{
	cr_assert_eq(xt_csum_add(0xffffffffu, 1), 1);
	cr_assert_eq(xt_csum_add(0x80000000u, 0x80000000u), 1);
	cr_assert_eq(xt_csum_add(0xfffffffeu, 1), 0xffffffffu);
}

/* One's complement has two zeros: +0 (0x0000) and -0 (0xffff). */
Test(csum, fold_of_both_zeros)
{
	cr_assert_eq(xt_csum_fold(0), 0xffff);
	cr_assert_eq(xt_csum_fold(0xffff), 0);
	cr_assert_eq(xt_csum_fold(0xffffffffu), 0);
	cr_assert_eq(xt_csum_fold(0x0001fffeu), 0);
}

/*
 * RFC 1624 §3: the other words sum to 0xcd7a and m = 0x5555 becomes
 * m' = 0x3285. Eqn. 3 gives the right 0x0000; RFC 1141's form would
 * give 0xffff, which full recomputation never yields.
 */
Test(csum, rfc1624_minus_zero_corner)
{
	uint16_t hc = htobe16(0xdd2f);
	uint16_t m = htobe16(0x5555), m2 = htobe16(0x3285);

	cr_assert_eq(xt_csum_replace2(hc, m, m2), 0x0000);
	cr_assert_eq(xt_csum_replace2(0x0000, m2, m), hc);
}

/* The same corner on a real header: pick the ID that makes the sum -0. */
Test(csum, rfc1624_corner_on_a_real_header)
{
	uint8_t h[sizeof(ip_hdr)];
	uint16_t id_off = offsetof(struct iphdr, id), old, id, check;

	memcpy(h, ip_hdr, sizeof(h));
	memcpy(&old, h + id_off, 2);
	memset(h + IP_CHECK_OFF, 0, 2);
	id = csum_of(h, sizeof(h));	/* ~sum of the rest, with id 0 */
	memcpy(h + id_off, &id, 2);
	cr_assert_eq(csum_of(h, sizeof(h)), 0x0000, "full recomputation");
	memcpy(&check, ip_hdr + IP_CHECK_OFF, 2);
	cr_assert_eq(xt_csum_replace2(check, old, id), 0x0000);
}

/* A random 16-bit word of the header, not the checksum, gets value r. */
static uint16_t edit16(uint8_t *h, uint16_t check, uint32_t r)
{
	size_t w = r % 9;
	uint16_t from, to = (uint16_t)(r >> 16);

	w += w >= IP_CHECK_OFF / 2;
	memcpy(&from, h + 2 * w, 2);
	memcpy(h + 2 * w, &to, 2);
	return xt_csum_replace2(check, from, to);
}

/* A random 32-bit word of the header, not the one holding the checksum. */
static uint16_t edit32(uint8_t *h, uint16_t check, uint32_t r, uint32_t to)
{
	size_t w = r % 4;
	uint32_t from;

	w += w >= IP_CHECK_OFF / 4;
	memcpy(&from, h + 4 * w, 4);
	memcpy(h + 4 * w, &to, 4);
	return xt_csum_replace4(check, from, to);
}

/* Random edits of one header, seeded; each checked against the full sum. */
Test(csum, incremental_matches_full_on_random_ipv4_edits)
{
	uint32_t rng = 1624;
	uint8_t h[20];
	uint16_t check;
	int i;

	pkt_fill(h, sizeof(h), 791);
	memset(h + IP_CHECK_OFF, 0, 2);
	check = csum_of(h, sizeof(h));
	memcpy(h + IP_CHECK_OFF, &check, 2);
	for (i = 0; i < EDITS; i++) {
		uint32_t r = pkt_rand(&rng);

		if (r & 0x100)
			check = edit32(h, check, r, pkt_rand(&rng));
		else
			check = edit16(h, check, r);
		memcpy(h + IP_CHECK_OFF, &check, 2);
		cr_assert_eq(csum_of(h, sizeof(h)), 0, "edit %d verifies", i);
	}
}

/* The TCP checksum of a built frame, updated field by field. */
Test(csum, incremental_matches_full_on_random_tcp_edits)
{
	struct xt_seg_out s = pkt_from_peer();
	uint8_t payload[333];
	uint32_t rng = 9293;
	struct pkt_frame f;
	int i;

	pkt_fill(payload, sizeof(payload), 5);
	pkt_set_payload(&s, payload, sizeof(payload));
	pkt_set_ts(&s, 1, 2);
	f = pkt_build(&s);
	for (i = 0; i < EDITS; i++) {
		struct tcphdr *th = pkt_tcph(&f);
		uint32_t r = pkt_rand(&rng), old_seq = th->seq;
		uint16_t old_win = th->window, check = th->check;

		th->seq = pkt_rand(&rng);
		th->window = (uint16_t)r;
		check = xt_csum_replace4(check, old_seq, th->seq);
		check = xt_csum_replace2(check, old_win, th->window);
		pkt_fix_csums(&f);
		cr_assert_eq(check, th->check, "edit %d", i);
	}
}
