/* SPDX-License-Identifier: MIT */
/*
 * SipHash-2-4 (Aumasson and Bernstein) over a whole number of 64-bit
 * words, the shape every xtcp input has (tuples, ISNs, counters), so that
 * the same code compiles for BPF (no loop over a variable length) and the
 * host. Words are taken as host-order integers; callers pack them.
 */
#ifndef XTCP_SIPHASH_H
#define XTCP_SIPHASH_H

#include <linux/types.h>

struct xt_siphash_key {
	__u64 k0, k1;
};

#define XT_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define XT_SIPROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = XT_ROTL64(v1, 13); v1 ^= v0; v0 = XT_ROTL64(v0, 32); \
	v2 += v3; v3 = XT_ROTL64(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = XT_ROTL64(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = XT_ROTL64(v1, 17); v1 ^= v2; v2 = XT_ROTL64(v2, 32); \
} while (0)

struct xt_siphash_state {
	__u64 v0, v1, v2, v3;
};

static inline void xt_siphash_init(struct xt_siphash_state *s,
				   const struct xt_siphash_key *key)
{
	s->v0 = 0x736f6d6570736575ULL ^ key->k0;
	s->v1 = 0x646f72616e646f6dULL ^ key->k1;
	s->v2 = 0x6c7967656e657261ULL ^ key->k0;
	s->v3 = 0x7465646279746573ULL ^ key->k1;
}

/* Two compression rounds per message word. */
static inline void xt_siphash_word(struct xt_siphash_state *s, __u64 m)
{
	s->v3 ^= m;
	XT_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	XT_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	s->v0 ^= m;
}

/* 'nwords' is the message length in words: the final block encodes it. */
static inline __u64 xt_siphash_final(struct xt_siphash_state *s, __u32 nwords)
{
	xt_siphash_word(s, (__u64)(nwords * 8) << 56);
	s->v2 ^= 0xff;
	XT_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	XT_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	XT_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	XT_SIPROUND(s->v0, s->v1, s->v2, s->v3);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static inline __u64 xt_siphash_2u64(const struct xt_siphash_key *key,
				    __u64 a, __u64 b)
{
	struct xt_siphash_state s;

	xt_siphash_init(&s, key);
	xt_siphash_word(&s, a);
	xt_siphash_word(&s, b);
	return xt_siphash_final(&s, 2);
}

static inline __u64 xt_siphash_3u64(const struct xt_siphash_key *key,
				    __u64 a, __u64 b, __u64 c)
{
	struct xt_siphash_state s;

	xt_siphash_init(&s, key);
	xt_siphash_word(&s, a);
	xt_siphash_word(&s, b);
	xt_siphash_word(&s, c);
	return xt_siphash_final(&s, 3);
}

#endif /* XTCP_SIPHASH_H */
