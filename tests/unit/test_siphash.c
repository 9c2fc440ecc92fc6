// SPDX-License-Identifier: MIT
/*
 * SipHash-2-4 against the reference vectors of Aumasson and Bernstein's
 * paper (key 00..0f, message 00..n-1), for the lengths xtcp hashes.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "xtcp/siphash.h"

static const struct xt_siphash_key ref_key = {
	.k0 = 0x0706050403020100ULL, .k1 = 0x0f0e0d0c0b0a0908ULL,
};

/* Little-endian words of the message 00 01 02 ... */
static __u64 word(int i)
{
	__u64 w = 0;

	for (int b = 7; b >= 0; b--)
		w = w << 8 | (__u64)(i * 8 + b);
	return w;
}

Test(siphash, reference_vector_16_bytes)
{
	cr_assert_eq(xt_siphash_2u64(&ref_key, word(0), word(1)),
		     0x3f2acc7f57c29bdbULL);
}

Test(siphash, reference_vector_24_bytes)
{
	cr_assert_eq(xt_siphash_3u64(&ref_key, word(0), word(1), word(2)),
		     0xb8ad50c6f649af94ULL);
}

Test(siphash, key_and_input_change_the_hash)
{
	struct xt_siphash_key k = ref_key;
	__u64 h = xt_siphash_2u64(&k, 1, 2);

	cr_assert_neq(xt_siphash_2u64(&k, 1, 3), h);
	cr_assert_neq(xt_siphash_2u64(&k, 2, 1), h);
	k.k1 ^= 1;
	cr_assert_neq(xt_siphash_2u64(&k, 1, 2), h);
}
