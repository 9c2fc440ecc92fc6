/* SPDX-License-Identifier: MIT */
/*
 * SYN cookies, one function for the XDP program and xtcpd (DESIGN.md).
 *
 * The cookie is our ISS in a SYN-ACK we answer without keeping state:
 *
 *   31      29 28  27 26                                      0
 *   +--------+------+------------------------------------------+
 *   | period | MSS  |   SipHash-2-4(key[period], tuple, ISN,   |
 *   | (3 b)  | (2 b)|   period, MSS index), low 27 bits        |
 *   +--------+------+------------------------------------------+
 *
 * 'period' is the low bits of the secret's generation: xtcpd rotates the
 * secret every period and keeps the previous one, so a cookie validates
 * during the period it was issued in and the next, and never after.
 * The client's ISN is in the MAC, so an ACK must carry ISN+1 as its SEQ-1.
 *
 * What the cookie has no room for travels in the low bits of our TSval
 * when the SYN carried timestamps, as Linux does: the peer's window scale,
 * SACK-permitted and ECN; the peer echoes it back in TSecr.
 */
#ifndef XTCP_COOKIE_H
#define XTCP_COOKIE_H

#include <linux/types.h>
#include "xtcp/siphash.h"

#define XT_COOKIE_PERIOD_BITS	3
#define XT_COOKIE_MSS_BITS	2
#define XT_COOKIE_MAC_BITS	27
#define XT_COOKIE_MAC_MASK	((1u << XT_COOKIE_MAC_BITS) - 1)
#define XT_COOKIE_PERIOD_MASK	((1u << XT_COOKIE_PERIOD_BITS) - 1)
#define XT_COOKIE_NMSS		(1u << XT_COOKIE_MSS_BITS)

/* The MSS values a cookie can carry: the largest not above the peer's. */
static const __u16 xt_cookie_mss_table[XT_COOKIE_NMSS] = {
	536, 1220, 1440, 1460,
};

/* The secrets: the current generation's and the one before. */
struct xt_cookie_keys {
	struct xt_siphash_key cur, prev;
	__u32 generation;		/* of cur; prev is generation - 1 */
	__u32 pad;
};

/* The connection as the SYN names it, addresses as on the wire. */
struct xt_cookie_tuple {
	__u32 saddr, daddr;		/* the client's, ours; network order */
	__u16 sport, dport;		/* host order */
};

static inline __u32 xt_cookie_mss_index(__u16 mss)
{
	__u32 i = XT_COOKIE_NMSS - 1;

	while (i > 0 && xt_cookie_mss_table[i] > mss)
		i--;
	return i;
}

static inline __u32 xt_cookie_mac(const struct xt_siphash_key *key,
				  const struct xt_cookie_tuple *t,
				  __u32 isn, __u32 period, __u32 mss_idx)
{
	__u64 a = (__u64)t->saddr << 32 | t->daddr;
	__u64 b = (__u64)t->sport << 48 | (__u64)t->dport << 32 | isn;
	__u64 c = (__u64)period << 8 | mss_idx;

	return (__u32)xt_siphash_3u64(key, a, b, c) & XT_COOKIE_MAC_MASK;
}

/* The cookie for a SYN with ISN 'isn' and MSS option 'mss'. */
static inline __u32 xt_cookie_make(const struct xt_cookie_keys *k,
				   const struct xt_cookie_tuple *t,
				   __u32 isn, __u16 mss)
{
	__u32 period = k->generation & XT_COOKIE_PERIOD_MASK;
	__u32 idx = xt_cookie_mss_index(mss);

	return period << (XT_COOKIE_MSS_BITS + XT_COOKIE_MAC_BITS) |
	       idx << XT_COOKIE_MAC_BITS |
	       xt_cookie_mac(&k->cur, t, isn, period, idx);
}

/*
 * Checks the cookie an ACK returns (its ACK field - 1) against the ISN it
 * implies (its SEQ field - 1). Returns the MSS it carries, or 0 when the
 * cookie is forged, for another tuple or ISN, or older than one period.
 */
static inline __u16 xt_cookie_check(const struct xt_cookie_keys *k,
				    const struct xt_cookie_tuple *t,
				    __u32 isn, __u32 cookie)
{
	__u32 period = cookie >> (XT_COOKIE_MSS_BITS + XT_COOKIE_MAC_BITS);
	__u32 idx = (cookie >> XT_COOKIE_MAC_BITS) & (XT_COOKIE_NMSS - 1);
	__u32 cur = k->generation & XT_COOKIE_PERIOD_MASK;
	__u32 prev = (k->generation - 1) & XT_COOKIE_PERIOD_MASK;
	const struct xt_siphash_key *key;

	if (period == cur)
		key = &k->cur;
	else if (period == prev)
		key = &k->prev;
	else
		return 0;
	if (xt_cookie_mac(key, t, isn, period, idx) !=
	    (cookie & XT_COOKIE_MAC_MASK))
		return 0;
	return xt_cookie_mss_table[idx];
}

/*
 * TSval low bits (RFC 7323 leaves TSval's value to the sender): window
 * scale (0-14, 15 = none), SACK-permitted, ECN.
 */
#define XT_COOKIE_TS_WS_MASK	0x0f
#define XT_COOKIE_TS_NO_WS	0x0f
#define XT_COOKIE_TS_SACK	0x10
#define XT_COOKIE_TS_ECN	0x20
#define XT_COOKIE_TS_BITS	6
#define XT_COOKIE_TS_MASK	((1u << XT_COOKIE_TS_BITS) - 1)

struct xt_cookie_opts {
	__u8 wscale;			/* XT_COOKIE_TS_NO_WS: none */
	__u8 sack_ok;
	__u8 ecn_ok;
};

/*
 * Never ahead of the clock: the stack's later TSvals continue from it,
 * and a TSval going backwards would fail the peer's PAWS check (RFC 7323
 * §5.3). Linux's cookie_init_timestamp() steps back the same way.
 */
static inline __u32 xt_cookie_ts_encode(__u32 now_ts,
					const struct xt_cookie_opts *o)
{
	__u32 bits = (o->wscale & XT_COOKIE_TS_WS_MASK) |
		     (o->sack_ok ? XT_COOKIE_TS_SACK : 0) |
		     (o->ecn_ok ? XT_COOKIE_TS_ECN : 0);
	__u32 ts = (now_ts & ~XT_COOKIE_TS_MASK) | bits;

	if ((__s32)(ts - now_ts) > 0)
		ts -= XT_COOKIE_TS_MASK + 1;
	return ts;
}

static inline void xt_cookie_ts_decode(__u32 tsecr, struct xt_cookie_opts *o)
{
	o->wscale = tsecr & XT_COOKIE_TS_WS_MASK;
	o->sack_ok = !!(tsecr & XT_COOKIE_TS_SACK);
	o->ecn_ok = !!(tsecr & XT_COOKIE_TS_ECN);
}

#endif /* XTCP_COOKIE_H */
