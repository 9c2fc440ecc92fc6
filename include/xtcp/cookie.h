/* SPDX-License-Identifier: MIT */
/*
 * SYN cookies, one function for the XDP program and xtcpd (DESIGN.md).
 *
 * The cookie is our ISS in a SYN-ACK we answer without keeping state. It
 * carries everything the connection needs from the SYN, with or without
 * timestamps, under a MAC, and the whole of it is whitened:
 *
 *    31  30 29  28   25   24  23                                     0
 *   +---+-----+--------+----+---------------------------------------+
 *   |gen| MSS | wscale |SACK|  MAC: SipHash-2-4(key[gen], tuple,    |
 *   |   | idx | 0-14,  |    |  client ISN, bits 31-24), low 24 bits  |
 *   |   |     | 15 none|    |                                       |
 *   +---+-----+--------+----+---------------------------------------+
 *          cookie = that + SipHash-2-4(white, tuple, client ISN)
 *
 * - gen: the low bit of the secret's generation. xtcpd rotates the secret
 *   every period and keeps the one before, so a cookie validates in the
 *   period it was issued in and the next, and never after. One bit is
 *   enough: only two secrets are ever live.
 * - The MAC covers the tuple, the client's ISN and the bits above it, so
 *   none of them can be changed; an ACK must carry ISN+1 as its SEQ-1. At
 *   24 bits a blind guess succeeds once in 2^24, as Linux's does.
 * - Whitening (RFC 6528): the plain layout has structure (consecutive
 *   cookies would share their top byte). Adding a keyed hash of the tuple
 *   and the client's ISN, under a secret that never rotates, makes every
 *   bit unpredictable off-path; the check subtracts it again, as Linux's
 *   __cookie_v4_init_sequence() and __cookie_v4_check() do.
 *
 * Unlike Linux's, the cookie itself carries the peer's window scale and
 * SACK-permitted, so a SYN without timestamps loses neither; TSval stays
 * the plain clock.
 */
#ifndef XTCP_COOKIE_H
#define XTCP_COOKIE_H

#include <linux/types.h>
#include "xtcp/siphash.h"

#define XT_COOKIE_MAC_BITS	24
#define XT_COOKIE_MAC_MASK	((1u << XT_COOKIE_MAC_BITS) - 1)
#define XT_COOKIE_SACK_SHIFT	24
#define XT_COOKIE_WS_SHIFT	25
#define XT_COOKIE_WS_MASK	0xfu
#define XT_COOKIE_NO_WS		0xfu	/* the SYN had no window scale */
#define XT_COOKIE_MSS_SHIFT	29
#define XT_COOKIE_MSS_BITS	2
#define XT_COOKIE_NMSS		(1u << XT_COOKIE_MSS_BITS)
#define XT_COOKIE_GEN_SHIFT	31

/* The MSS values a cookie can carry: the largest not above the peer's. */
static const __u16 xt_cookie_mss_table[XT_COOKIE_NMSS] = {
	536, 1220, 1440, 1460,
};

/*
 * The secrets: the current generation's and the one before, for the MAC;
 * 'white' for whitening, set once when xtcpd starts and never rotated.
 */
struct xt_cookie_keys {
	struct xt_siphash_key cur, prev;
	struct xt_siphash_key white;
	__u32 generation;		/* of cur; prev is generation - 1 */
	__u32 pad;
};

/* The connection as the SYN names it, addresses as on the wire. */
struct xt_cookie_tuple {
	__u32 saddr, daddr;		/* the client's, ours; network order */
	__u16 sport, dport;		/* host order */
};

/* What a cookie carries from the SYN's options. */
struct xt_cookie_opts {
	__u16 mss;			/* rounded down to the table */
	__u8 wscale;			/* 0-14; XT_COOKIE_NO_WS: none */
	__u8 sack_ok;
};

static inline __u32 xt_cookie_mss_index(__u16 mss)
{
	__u32 i = XT_COOKIE_NMSS - 1;

	while (i > 0 && xt_cookie_mss_table[i] > mss)
		i--;
	return i;
}

/* The tuple and the client's ISN as two SipHash words. */
static inline __u64 xt_cookie_word_addrs(const struct xt_cookie_tuple *t)
{
	return (__u64)t->saddr << 32 | t->daddr;
}

static inline __u64 xt_cookie_word_ports(const struct xt_cookie_tuple *t,
					 __u32 isn)
{
	return (__u64)t->sport << 48 | (__u64)t->dport << 32 | isn;
}

static inline __u32 xt_cookie_white(const struct xt_cookie_keys *k,
				    const struct xt_cookie_tuple *t, __u32 isn)
{
	return (__u32)xt_siphash_2u64(&k->white, xt_cookie_word_addrs(t),
				      xt_cookie_word_ports(t, isn));
}

/* 'info' is the cookie's bits 31-24: generation, MSS, wscale, SACK. */
static inline __u32 xt_cookie_mac(const struct xt_siphash_key *key,
				  const struct xt_cookie_tuple *t,
				  __u32 isn, __u32 info)
{
	return (__u32)xt_siphash_3u64(key, xt_cookie_word_addrs(t),
				      xt_cookie_word_ports(t, isn), info) &
	       XT_COOKIE_MAC_MASK;
}

/* The cookie for a SYN with ISN 'isn' asking for what 'o' says. */
static inline __u32 xt_cookie_make(const struct xt_cookie_keys *k,
				   const struct xt_cookie_tuple *t, __u32 isn,
				   const struct xt_cookie_opts *o)
{
	__u32 ws = o->wscale <= XT_COOKIE_NO_WS ? o->wscale : XT_COOKIE_NO_WS;
	__u32 info = (k->generation & 1) << XT_COOKIE_GEN_SHIFT |
		     xt_cookie_mss_index(o->mss) << XT_COOKIE_MSS_SHIFT |
		     ws << XT_COOKIE_WS_SHIFT |
		     (o->sack_ok ? 1u : 0u) << XT_COOKIE_SACK_SHIFT;

	return (info | xt_cookie_mac(&k->cur, t, isn, info)) +
	       xt_cookie_white(k, t, isn);
}

/*
 * Checks the cookie an ACK returns (its ACK field - 1) against the ISN it
 * implies (its SEQ field - 1). Returns 0 and fills *o with what the cookie
 * carries, or -1 when it is forged, for another tuple or ISN, or older
 * than one period.
 */
static inline int xt_cookie_check(const struct xt_cookie_keys *k,
				  const struct xt_cookie_tuple *t, __u32 isn,
				  __u32 cookie, struct xt_cookie_opts *o)
{
	__u32 plain = cookie - xt_cookie_white(k, t, isn);
	__u32 info = plain & ~XT_COOKIE_MAC_MASK;
	const struct xt_siphash_key *key;

	key = (plain >> XT_COOKIE_GEN_SHIFT) == (k->generation & 1) ?
	      &k->cur : &k->prev;
	if (xt_cookie_mac(key, t, isn, info) != (plain & XT_COOKIE_MAC_MASK))
		return -1;
	o->mss = xt_cookie_mss_table[(plain >> XT_COOKIE_MSS_SHIFT) &
				     (XT_COOKIE_NMSS - 1)];
	o->wscale = (plain >> XT_COOKIE_WS_SHIFT) & XT_COOKIE_WS_MASK;
	o->sack_ok = (plain >> XT_COOKIE_SACK_SHIFT) & 1;
	return 0;
}

#endif /* XTCP_COOKIE_H */
