// SPDX-License-Identifier: MIT
/*
 * Sequence arithmetic modulo 2^32 (RFC 9293 §3.4) at the wrap. As lwIP's
 * tests do, numbers start near 0xFFFFFF00 so that every window below spans
 * 0xFFFFFFFF -> 0.
 */
#include <stdint.h>
#include <criterion/criterion.h>

#include "xtcp/seq.h"

#define NEAR_WRAP	0xffffff00u
#define HALF		0x80000000u	/* 2^31: the edge of comparability */

Test(seq_wrap, lt_and_gt_across_the_wrap)
{
	cr_assert(xt_seq_lt(0xffffffffu, 0));
	cr_assert(xt_seq_lt(NEAR_WRAP, 0x100));
	cr_assert(xt_seq_gt(0, 0xffffffffu));
	cr_assert(xt_seq_gt(0x100, NEAR_WRAP));
	cr_assert_not(xt_seq_lt(0, 0xffffffffu));
	cr_assert_not(xt_seq_gt(0xffffffffu, 0));
	cr_assert_not(xt_seq_lt(NEAR_WRAP, NEAR_WRAP));
	cr_assert_not(xt_seq_gt(NEAR_WRAP, NEAR_WRAP));
}

Test(seq_wrap, le_and_ge_hold_for_equal_numbers)
{
	cr_assert(xt_seq_le(0, 0));
	cr_assert(xt_seq_ge(0xffffffffu, 0xffffffffu));
	cr_assert(xt_seq_le(0xffffffffu, 0));
	cr_assert(xt_seq_ge(0, 0xffffffffu));
	cr_assert_not(xt_seq_le(1, 0xffffffffu));
	cr_assert_not(xt_seq_ge(0xfffffffeu, 0));
}

/* Every pair less than 2^31 apart orders one way, whatever it straddles. */
Test(seq_wrap, orders_consistently_below_half_the_space)
{
	static const uint32_t dists[] = { 1, 0xff, 0x100, 0x101, 0x10000,
					  HALF - 1 };
	uint32_t a;
	unsigned int i;

	for (a = NEAR_WRAP; a != 0x100; a++) {
		for (i = 0; i < sizeof(dists) / sizeof(dists[0]); i++) {
			uint32_t b = a + dists[i];

			cr_assert(xt_seq_lt(a, b), "%#x < %#x", a, b);
			cr_assert(xt_seq_le(a, b), "%#x <= %#x", a, b);
			cr_assert(xt_seq_gt(b, a), "%#x > %#x", b, a);
			cr_assert(xt_seq_ge(b, a), "%#x >= %#x", b, a);
			cr_assert_not(xt_seq_lt(b, a), "!(%#x < %#x)", b, a);
			cr_assert_not(xt_seq_ge(a, b), "!(%#x >= %#x)", a, b);
		}
	}
}

/* Exactly 2^31 apart, each is "before" the other: the limit of the scheme. */
Test(seq_wrap, half_the_space_apart_is_ambiguous)
{
	cr_assert(xt_seq_lt(NEAR_WRAP, NEAR_WRAP + HALF));
	cr_assert(xt_seq_lt(NEAR_WRAP + HALF, NEAR_WRAP));
}

Test(seq_wrap, in_window_across_the_wrap)
{
	uint32_t start = NEAR_WRAP, len = 0x200;	/* up to 0xff */

	cr_assert(xt_seq_in_window(NEAR_WRAP, start, len));
	cr_assert(xt_seq_in_window(0xffffffffu, start, len));
	cr_assert(xt_seq_in_window(0, start, len));
	cr_assert(xt_seq_in_window(0xff, start, len));
	cr_assert_not(xt_seq_in_window(0x100, start, len), "end is open");
	cr_assert_not(xt_seq_in_window(NEAR_WRAP - 1, start, len));
	cr_assert_not(xt_seq_in_window(HALF, start, len));
}

/* RFC 9293 §3.10.7.4: a zero receive window accepts no sequence number. */
Test(seq_wrap, empty_window_holds_nothing)
{
	cr_assert_not(xt_seq_in_window(NEAR_WRAP, NEAR_WRAP, 0));
	cr_assert_not(xt_seq_in_window(0, 0, 0));
	cr_assert_not(xt_seq_in_window(0xffffffffu, 0xffffffffu, 0));
}

Test(seq_wrap, in_window_of_one_at_the_last_number)
{
	cr_assert(xt_seq_in_window(0xffffffffu, 0xffffffffu, 1));
	cr_assert_not(xt_seq_in_window(0, 0xffffffffu, 1));
	cr_assert_not(xt_seq_in_window(0xfffffffeu, 0xffffffffu, 1));
}

/* SND.UNA =< SEG.ACK =< SND.NXT (RFC 9293 §3.10.7.4), both ends closed. */
Test(seq_wrap, between_across_the_wrap)
{
	uint32_t una = NEAR_WRAP, nxt = 0x80;

	cr_assert(xt_seq_between(una, una, nxt));
	cr_assert(xt_seq_between(0xffffffffu, una, nxt));
	cr_assert(xt_seq_between(0, una, nxt));
	cr_assert(xt_seq_between(nxt, una, nxt));
	cr_assert_not(xt_seq_between(nxt + 1, una, nxt));
	cr_assert_not(xt_seq_between(una - 1, una, nxt));
}

Test(seq_wrap, between_an_empty_range_is_its_one_number)
{
	cr_assert(xt_seq_between(0xffffffffu, 0xffffffffu, 0xffffffffu));
	cr_assert_not(xt_seq_between(0, 0xffffffffu, 0xffffffffu));
	cr_assert_not(xt_seq_between(0xfffffffeu, 0xffffffffu, 0xffffffffu));
}

/* The window test and the closed range agree on [start, start + len - 1]. */
Test(seq_wrap, in_window_agrees_with_between)
{
	uint32_t start = NEAR_WRAP, len = 0x180, seq;

	for (seq = start - 0x10; seq != start + len + 0x10; seq++)
		cr_assert_eq(xt_seq_in_window(seq, start, len),
			     xt_seq_between(seq, start, start + len - 1),
			     "seq %#x", seq);
}

Test(seq_wrap, max_and_min_across_the_wrap)
{
	cr_assert_eq(xt_seq_max(0xffffffffu, 1), 1);
	cr_assert_eq(xt_seq_max(1, 0xffffffffu), 1);
	cr_assert_eq(xt_seq_min(0xffffffffu, 1), 0xffffffffu);
	cr_assert_eq(xt_seq_min(1, 0xffffffffu), 0xffffffffu);
	cr_assert_eq(xt_seq_max(NEAR_WRAP, NEAR_WRAP), NEAR_WRAP);
}
