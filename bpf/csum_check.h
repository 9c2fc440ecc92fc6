/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Checksums of the segments the XDP program answers or acts on by itself
 * (RFC 9293 §3.1 MUST-2/3, RFC 1122 §4.2.2.7): a segment with a bad IPv4
 * or TCP checksum is discarded silently, never answered, as the kernel's
 * xdp_synproxy_kern.c selftest does before it replies. Segments steered to
 * xtcpd are checked there, so a live connection's segments pay nothing
 * here.
 */
#ifndef XTCP_CSUM_CHECK_H
#define XTCP_CSUM_CHECK_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xtcp/csum.h"
#include "parse.h"

/* bpf_csum_diff() sums at most 512 bytes a call, in whole 32-bit words. */
#define CSUM_CHUNK		512
/* A frame the program can see whole: up to a 9000-byte jumbo payload. */
#define CSUM_MAX_CHUNKS		18
#define CSUM_LEN_MAX		(CSUM_CHUNK * CSUM_MAX_CHUNKS)
/* Where a summed range can start: the TCP header after a 60-byte IP one. */
#define CSUM_OFF_MAX		(XT_ETH_HLEN + 0xf * 4)
/* Above any offset reached, CSUM_OFF_MAX + CSUM_LEN_MAX; see csum_at(). */
#define CSUM_OFF_MASK		0x3fff

/* TCP's pseudo-header (RFC 9293 §3.1), to seed the checksum. */
struct csum_pseudo {
	__be32 saddr, daddr;
	__u8 zero, proto;
	__be16 len;
};

/*
 * The frame at 'off'. The mask changes nothing (offsets stay below it) but
 * gives the verifier a bound it keeps: across the loop below it loses the
 * one checked on entry, and an unbounded offset makes every later
 * comparison with data_end prove nothing.
 */
static __always_inline void *csum_at(struct xdp_md *ctx, __u32 off)
{
	return (void *)(long)ctx->data + (off & CSUM_OFF_MASK);
}

/* Sums the bytes [*off, *off + n) of the frame into *sum; -1 past its end. */
static __always_inline int csum_span(struct xdp_md *ctx, __u32 *off, __u32 n,
				     __u32 *sum)
{
	void *end = (void *)(long)ctx->data_end;
	void *p = csum_at(ctx, *off);

	if (p + n > end)
		return -1;
	*sum = (__u32)bpf_csum_diff(NULL, 0, p, n, *sum);
	*off += n;
	return 0;
}

/*
 * 1 when the RFC 1071 sum of the frame's bytes [off, off + len), seeded
 * with 'seed', folds to zero: the range holds a correct checksum. 0
 * otherwise, and when the range is not all in the frame.
 *
 * Whole 512-byte chunks first, then the rest in power-of-two pieces, each
 * a multiple of four bytes, then the last one to three bytes padded with
 * zeros (RFC 1071's odd byte). Every piece starts a multiple of four bytes
 * from 'off', so 32-bit sums fold to the 16-bit one.
 *
 * A global function, like syncookie_parse_opts(): the verifier checks it
 * once, on its own, not once for every way its callers reach it.
 */
__noinline int csum_frame_ok(struct xdp_md *ctx, __u32 off, __u32 len,
			     __u32 seed)
{
	void *end = (void *)(long)ctx->data_end;
	__u32 sum = seed, i;
	__u8 *tail;
	__u8 last[4] = {};

	if (off > CSUM_OFF_MAX || len > CSUM_LEN_MAX)
		return 0;
	for (i = 0; i < CSUM_MAX_CHUNKS && len >= CSUM_CHUNK; i++) {
		if (csum_span(ctx, &off, CSUM_CHUNK, &sum))
			return 0;
		len -= CSUM_CHUNK;
	}
	/* Each piece's size is a constant, as the helper's size must be. */
	if ((len & 256) && csum_span(ctx, &off, 256, &sum))
		return 0;
	if ((len & 128) && csum_span(ctx, &off, 128, &sum))
		return 0;
	if ((len & 64) && csum_span(ctx, &off, 64, &sum))
		return 0;
	if ((len & 32) && csum_span(ctx, &off, 32, &sum))
		return 0;
	if ((len & 16) && csum_span(ctx, &off, 16, &sum))
		return 0;
	if ((len & 8) && csum_span(ctx, &off, 8, &sum))
		return 0;
	if ((len & 4) && csum_span(ctx, &off, 4, &sum))
		return 0;
	if (len & 3) {
		tail = csum_at(ctx, off);
		if ((void *)(tail + 1) > end)
			return 0;
		last[0] = tail[0];
		if ((len & 3) > 1) {
			if ((void *)(tail + 2) > end)
				return 0;
			last[1] = tail[1];
		}
		if ((len & 3) > 2) {
			if ((void *)(tail + 3) > end)
				return 0;
			last[2] = tail[2];
		}
		sum = (__u32)bpf_csum_diff(NULL, 0, (void *)last, sizeof(last),
					   sum);
	}
	return xt_csum_fold(sum) == 0;
}

/*
 * The IPv4 header's checksum, then TCP's over the pseudo-header, header
 * and payload. tot_len, not the frame's end, bounds the segment: a short
 * frame is padded on the wire (Ethernet's 60-byte minimum).
 */
static __always_inline int csum_segment_ok(struct xdp_md *ctx,
					   const struct xt_pkt *pkt)
{
	__u32 ip_off = (void *)pkt->ip - (void *)pkt->eth;
	__u32 ihl = pkt->ip->ihl * 4;
	__u32 tot = bpf_ntohs(pkt->ip->tot_len);
	struct csum_pseudo ph = {
		.saddr = pkt->ip->saddr, .daddr = pkt->ip->daddr,
		.proto = IPPROTO_TCP,
	};
	__u32 seed;

	if (tot < ihl + XT_TCP_HDR_MIN ||
	    (void *)pkt->ip + tot > pkt->data_end)
		return 0;
	if (!csum_frame_ok(ctx, ip_off, ihl, 0))
		return 0;
	ph.len = bpf_htons(tot - ihl);
	seed = (__u32)bpf_csum_diff(NULL, 0, (void *)&ph, sizeof(ph), 0);
	return csum_frame_ok(ctx, ip_off + ihl, tot - ihl, seed);
}

#endif /* XTCP_CSUM_CHECK_H */
