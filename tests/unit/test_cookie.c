// SPDX-License-Identifier: MIT
/*
 * SYN cookies (include/xtcp/cookie.h): what a cookie carries comes back,
 * anything changed in what it covers breaks it, and it expires with the
 * secret it was made with.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include "xtcp/cookie.h"

static const struct xt_cookie_tuple tuple = {
	.saddr = 0x020012c6,		/* 198.18.0.2, network order on LE */
	.daddr = 0x010012c6,		/* 198.18.0.1 */
	.sport = 40000,
	.dport = 80,
};

#define ISN	0xfffffff0u		/* the client's, near the wrap */

static struct xt_cookie_keys keys_at(__u32 generation)
{
	struct xt_cookie_keys k = {
		.cur = { 0x0123456789abcdefULL + generation, 0xfedcba9876543210ULL },
		.prev = { 0x0123456789abcdefULL + generation - 1,
			  0xfedcba9876543210ULL },
		.generation = generation,
	};
	return k;
}

/* The daemon's rotation: the current secret becomes the previous one. */
static struct xt_cookie_keys rotate(const struct xt_cookie_keys *k)
{
	struct xt_cookie_keys n = keys_at(k->generation + 1);

	n.prev = k->cur;
	return n;
}

Test(cookie, every_mss_index_round_trips)
{
	struct xt_cookie_keys k = keys_at(5);

	for (__u32 i = 0; i < XT_COOKIE_NMSS; i++) {
		__u16 mss = xt_cookie_mss_table[i];
		__u32 c = xt_cookie_make(&k, &tuple, ISN, mss);

		cr_assert_eq(xt_cookie_check(&k, &tuple, ISN, c), mss,
			     "MSS %u", mss);
	}
}

Test(cookie, mss_rounds_down_to_the_table)
{
	cr_assert_eq(xt_cookie_mss_table[xt_cookie_mss_index(1460)], 1460);
	cr_assert_eq(xt_cookie_mss_table[xt_cookie_mss_index(9000)], 1460);
	cr_assert_eq(xt_cookie_mss_table[xt_cookie_mss_index(1459)], 1440);
	cr_assert_eq(xt_cookie_mss_table[xt_cookie_mss_index(1300)], 1220);
	cr_assert_eq(xt_cookie_mss_table[xt_cookie_mss_index(536)], 536);
	cr_assert_eq(xt_cookie_mss_table[xt_cookie_mss_index(100)], 536,
		     "below the table: the smallest, as RFC 9293's default");
}

Test(cookie, any_changed_field_breaks_it)
{
	struct xt_cookie_keys k = keys_at(5);
	__u32 c = xt_cookie_make(&k, &tuple, ISN, 1460);
	struct xt_cookie_tuple t;

	t = tuple; t.saddr ^= htonl(1);
	cr_assert_eq(xt_cookie_check(&k, &t, ISN, c), 0, "client address");
	t = tuple; t.daddr ^= htonl(1);
	cr_assert_eq(xt_cookie_check(&k, &t, ISN, c), 0, "our address");
	t = tuple; t.sport++;
	cr_assert_eq(xt_cookie_check(&k, &t, ISN, c), 0, "client port");
	t = tuple; t.dport++;
	cr_assert_eq(xt_cookie_check(&k, &t, ISN, c), 0, "our port");
	cr_assert_eq(xt_cookie_check(&k, &tuple, ISN + 1, c), 0, "ISN");
	for (int bit = 0; bit < 32; bit++)
		cr_assert_eq(xt_cookie_check(&k, &tuple, ISN, c ^ (1u << bit)), 0,
			     "cookie bit %d flipped", bit);
}

Test(cookie, another_secret_rejects_it)
{
	struct xt_cookie_keys k = keys_at(5), other = keys_at(5);
	__u32 c = xt_cookie_make(&k, &tuple, ISN, 1460);

	other.cur.k1 ^= 1;
	cr_assert_eq(xt_cookie_check(&other, &tuple, ISN, c), 0);
}

Test(cookie, valid_for_one_more_period_then_expired)
{
	struct xt_cookie_keys k = keys_at(7);
	__u32 c = xt_cookie_make(&k, &tuple, ISN, 1440);
	struct xt_cookie_keys k1 = rotate(&k), k2 = rotate(&k1);

	cr_assert_eq(xt_cookie_check(&k1, &tuple, ISN, c), 1440,
		     "the previous secret still validates");
	cr_assert_eq(xt_cookie_check(&k2, &tuple, ISN, c), 0,
		     "two rotations later it is refused");
}

Test(cookie, expiry_across_the_period_counter_wrap)
{
	/* Generation 7 -> 8 wraps the 3-bit period from 7 to 0. */
	struct xt_cookie_keys k = keys_at(XT_COOKIE_PERIOD_MASK);
	__u32 c = xt_cookie_make(&k, &tuple, ISN, 536);
	struct xt_cookie_keys k1 = rotate(&k);

	cr_assert_eq(xt_cookie_check(&k1, &tuple, ISN, c), 536);
	/* Eight rotations later the period bits match again: the key won't. */
	for (int i = 0; i < 7; i++)
		k1 = rotate(&k1);
	cr_assert_eq(k1.generation & XT_COOKIE_PERIOD_MASK,
		     k.generation & XT_COOKIE_PERIOD_MASK);
	cr_assert_eq(xt_cookie_check(&k1, &tuple, ISN, c), 0);
}

Test(cookie, timestamp_bits_carry_every_option_combination)
{
	for (__u8 ws = 0; ws <= XT_COOKIE_TS_NO_WS; ws++)
		for (int sack = 0; sack < 2; sack++)
			for (int ecn = 0; ecn < 2; ecn++) {
				struct xt_cookie_opts in = { ws, sack, ecn }, out;
				__u32 ts = xt_cookie_ts_encode(0x12345678, &in);

				cr_assert(ts <= 0x12345678 &&
					  0x12345678 - ts <= XT_COOKIE_TS_MASK,
					  "never ahead of the clock, at most "
					  "64 ms behind: %#x", ts);
				xt_cookie_ts_decode(ts, &out);
				cr_assert_eq(out.wscale, ws);
				cr_assert_eq(out.sack_ok, sack);
				cr_assert_eq(out.ecn_ok, ecn);
			}
}
