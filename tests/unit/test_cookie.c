// SPDX-License-Identifier: MIT
/*
 * SYN cookies (include/xtcp/cookie.h): what a cookie carries comes back,
 * anything changed in what it covers breaks it, it expires with the
 * secret it was made with, and it looks random (RFC 6528).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdbool.h>
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
		.white = { 0x5555555555555555ULL, 0x6666666666666666ULL },
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

static const struct xt_cookie_opts opts_full = {
	.mss = 1460, .wscale = 7, .sack_ok = 1,
};

/* Checks c and returns the MSS it carries, 0 when it is refused. */
static __u16 check_mss(const struct xt_cookie_keys *k,
		       const struct xt_cookie_tuple *t, __u32 isn, __u32 c)
{
	struct xt_cookie_opts o;

	return xt_cookie_check(k, t, isn, c, &o) ? 0 : o.mss;
}

Test(cookie, every_option_combination_round_trips)
{
	struct xt_cookie_keys k = keys_at(5);

	for (__u32 i = 0; i < XT_COOKIE_NMSS; i++)
		for (__u8 ws = 0; ws <= XT_COOKIE_NO_WS; ws++)
			for (__u8 sack = 0; sack < 2; sack++) {
				struct xt_cookie_opts in = {
					xt_cookie_mss_table[i], ws, sack
				}, out;
				__u32 c = xt_cookie_make(&k, &tuple, ISN, &in);

				cr_assert_eq(xt_cookie_check(&k, &tuple, ISN,
							     c, &out), 0);
				cr_assert_eq(out.mss, in.mss, "MSS %u", in.mss);
				cr_assert_eq(out.wscale, ws, "wscale %u", ws);
				cr_assert_eq(out.sack_ok, sack);
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
	__u32 c = xt_cookie_make(&k, &tuple, ISN, &opts_full);
	struct xt_cookie_tuple t;

	t = tuple; t.saddr ^= htonl(1);
	cr_assert_eq(check_mss(&k, &t, ISN, c), 0, "client address");
	t = tuple; t.daddr ^= htonl(1);
	cr_assert_eq(check_mss(&k, &t, ISN, c), 0, "our address");
	t = tuple; t.sport++;
	cr_assert_eq(check_mss(&k, &t, ISN, c), 0, "client port");
	t = tuple; t.dport++;
	cr_assert_eq(check_mss(&k, &t, ISN, c), 0, "our port");
	cr_assert_eq(check_mss(&k, &tuple, ISN + 1, c), 0, "ISN");
	for (int bit = 0; bit < 32; bit++)
		cr_assert_eq(check_mss(&k, &tuple, ISN, c ^ (1u << bit)), 0,
			     "cookie bit %d flipped", bit);
}

Test(cookie, another_secret_rejects_it)
{
	struct xt_cookie_keys k = keys_at(5), other = keys_at(5);
	__u32 c = xt_cookie_make(&k, &tuple, ISN, &opts_full);

	other.cur.k1 ^= 1;
	cr_assert_eq(check_mss(&other, &tuple, ISN, c), 0, "MAC key");
	other = keys_at(5);
	other.white.k0 ^= 1;
	cr_assert_eq(check_mss(&other, &tuple, ISN, c), 0, "whitening key");
}

Test(cookie, valid_for_one_more_period_then_expired)
{
	struct xt_cookie_keys k = keys_at(7);
	struct xt_cookie_opts o = { .mss = 1440, .wscale = XT_COOKIE_NO_WS };
	__u32 c = xt_cookie_make(&k, &tuple, ISN, &o);
	struct xt_cookie_keys k1 = rotate(&k), k2 = rotate(&k1);

	cr_assert_eq(check_mss(&k, &tuple, ISN, c), 1440);
	cr_assert_eq(check_mss(&k1, &tuple, ISN, c), 1440,
		     "the previous secret still validates");
	cr_assert_eq(check_mss(&k2, &tuple, ISN, c), 0,
		     "two rotations later it is refused");
	/* The generation bit matches again every other rotation. */
	for (int i = 0; i < 6; i++)
		k2 = rotate(&k2);
	cr_assert_eq(check_mss(&k2, &tuple, ISN, c), 0, "and stays refused");
}

/*
 * RFC 6528: an off-path attacker must not guess our ISS. Consecutive SYNs
 * from one client (ports and ISNs stepping up, as a scan's do) must give
 * cookies with no shared structure: the plain layout's top byte (the
 * generation and options) would be the same in every one of them.
 */
#define NCOOKIES	50

static void fifty_cookies(__u32 *c)
{
	struct xt_cookie_keys k = keys_at(5);
	struct xt_cookie_tuple t = tuple;

	for (int i = 0; i < NCOOKIES; i++) {
		t.sport = (__u16)(tuple.sport + i);
		c[i] = xt_cookie_make(&k, &t, ISN + (__u32)i * 64000,
				      &opts_full);
	}
}

Test(cookie, fifty_cookies_have_fifty_top_bytes)
{
	__u32 c[NCOOKIES];
	bool seen[256] = { false };
	int distinct = 0;

	fifty_cookies(c);
	for (int i = 0; i < NCOOKIES; i++) {
		distinct += !seen[c[i] >> 24];
		seen[c[i] >> 24] = true;
	}
	/* 50 random bytes: about 45.6 distinct on average, 35 is far out. */
	cr_assert_geq(distinct, 35, "%d distinct top bytes", distinct);
}

Test(cookie, fifty_cookies_are_far_apart)
{
	__u32 c[NCOOKIES];
	int close = 0;

	fifty_cookies(c);
	for (int i = 1; i < NCOOKIES; i++) {
		__u32 d = c[i] - c[i - 1];

		close += d < (1u << 24) || -d < (1u << 24);
	}
	/* For random ISNs each delta is that close with p = 1/128. */
	cr_assert_leq(close, 3, "%d of %d deltas under 2^24", close,
		      NCOOKIES - 1);
}

Test(cookie, every_bit_varies)
{
	__u32 c[NCOOKIES];

	fifty_cookies(c);
	for (int bit = 0; bit < 32; bit++) {
		int ones = 0;

		for (int i = 0; i < NCOOKIES; i++)
			ones += c[i] >> bit & 1;
		cr_assert(ones >= 10 && ones <= 40,
			  "bit %d set in %d of %d cookies", bit, ones, NCOOKIES);
	}
}
