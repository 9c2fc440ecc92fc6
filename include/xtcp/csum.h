/* SPDX-License-Identifier: MIT */
/*
 * Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are kept as 32-bit one's-complement accumulators in network byte
 * order and folded to 16 bits at the end. The incremental helpers compile
 * for BPF and the host; the whole-buffer sum is host-only, since the XDP
 * program uses bpf_csum_diff() for that.
 */
#ifndef XTCP_CSUM_H
#define XTCP_CSUM_H

#include <linux/types.h>

static inline __u32 xt_csum_add(__u32 sum, __u32 addend)
{
	sum += addend;
	return sum + (sum < addend);
}

static inline __u16 xt_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). 'check' is the header's checksum
 * field as stored (network order); 'from' and 'to' are the old and new
 * 16-bit words, also as stored.
 */
static inline __u16 xt_csum_replace2(__u16 check, __u16 from, __u16 to)
{
	__u32 sum = (__u16)~check;

	sum = xt_csum_add(sum, (__u16)~from);
	sum = xt_csum_add(sum, to);
	return xt_csum_fold(sum);
}

static inline __u16 xt_csum_replace4(__u16 check, __u32 from, __u32 to)
{
	check = xt_csum_replace2(check, (__u16)(from >> 16), (__u16)(to >> 16));
	return xt_csum_replace2(check, (__u16)from, (__u16)to);
}

#ifndef __bpf__
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One's-complement sum of a buffer, in network order, not yet folded. */
static inline __u32 xt_csum_partial(const void *buf, size_t len, __u32 sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	for (; len >= 2; p += 2, len -= 2) {
		uint16_t w;

		memcpy(&w, p, sizeof(w));
		acc += w;
	}
	if (len) {
		uint16_t w = 0;

		memcpy(&w, p, 1);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (__u32)acc;
}
#endif

#endif /* XTCP_CSUM_H */
