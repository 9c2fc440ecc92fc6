/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * The tap (xtcp/tap.h): while ctl.flags has XT_CTL_TAP, each frame XDP
 * answers itself (the frame as it came, then the answer) or drops on a
 * port xtcp owns goes to tap_ring; frames steered to xtcpd are its
 * workers' to record. Off, the cost is the one test of the flag. A full
 * ring loses the record and counts it: the program never waits.
 */
#ifndef XTCP_TAP_BPF_H
#define XTCP_TAP_BPF_H

#include "maps.bpf.h"
#include "parse.h"

static __always_inline int tap_is_on(const struct xt_pkt *pkt)
{
	return pkt->ctl && (pkt->ctl->flags & XT_CTL_TAP);
}

/* The first XT_TAP_SNAPLEN bytes of the frame into the per-CPU scratch. */
static __always_inline struct xt_tap_rec *tap_copy(struct xdp_md *ctx,
						   __u8 kind)
{
	__u32 zero = 0, len = ctx->data_end - ctx->data;
	struct xt_tap_rec *r = bpf_map_lookup_elem(&tap_scratch, &zero);
	__u64 caplen = len;

	if (!r)		/* a one-entry array: cannot happen */
		return NULL;
	/*
	 * The verifier wants the size bounded, in the register that is
	 * passed: the empty asm keeps clang from checking a copy.
	 */
	asm volatile("" : "+r"(caplen));
	if (caplen > XT_TAP_SNAPLEN)
		caplen = XT_TAP_SNAPLEN;
	asm volatile("" : "+r"(caplen));
	if (caplen < 1 || caplen > XT_TAP_SNAPLEN)
		return NULL;
	if (bpf_xdp_load_bytes(ctx, 0, r->data, caplen))
		return NULL;
	r->ts_ns = bpf_ktime_get_ns();
	r->kind = kind;
	r->worker = (__u8)ctx->rx_queue_index;
	r->caplen = (__u16)caplen;
	r->len = len;
	return r;
}

static __always_inline void tap_put(const struct xt_tap_rec *r,
				    struct xt_xdp_stats *st)
{
	if (r && bpf_ringbuf_output(&tap_ring, (void *)r, sizeof(*r), 0))
		st->tap_ring_full++;
}

/*
 * Before the verdict: the frame as it came, kept in the scratch until
 * tap_after() knows whether XDP answers or drops it. NULL: tap off.
 */
static __always_inline struct xt_tap_rec *tap_before(struct xdp_md *ctx,
						     const struct xt_pkt *pkt)
{
	return tap_is_on(pkt) ? tap_copy(ctx, XT_TAP_XDP_IN) : NULL;
}

/* After it: what XDP answered or dropped; xtcpd records what it steered. */
static __always_inline void tap_after(struct xdp_md *ctx,
				      struct xt_tap_rec *in, int act,
				      struct xt_xdp_stats *st)
{
	if (!in || (act != XDP_TX && act != XDP_DROP))
		return;
	if (act == XDP_DROP)
		in->kind = XT_TAP_XDP_DROP;
	tap_put(in, st);
	if (act == XDP_TX)	/* the answer, rewritten in the same frame */
		tap_put(tap_copy(ctx, XT_TAP_XDP_TX), st);
}

#endif /* XTCP_TAP_BPF_H */
