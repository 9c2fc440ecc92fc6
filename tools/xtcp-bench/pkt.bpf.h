/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Segments for xtcp-bench's XDP programs: parse one, and write one afresh
 * in the frame it arrived in (every header at a fixed offset, no IP or TCP
 * options but a SYN's MSS, checksums whole). The caller saves what the
 * reply needs before the frame is resized (struct xb_seg).
 */
#ifndef XB_PKT_BPF_H
#define XB_PKT_BPF_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xtcp/csum.h"
#include "xtcp/wire.h"
#include "bench.h"

#define XB_IP_HLEN	20
#define XB_HDRS_LEN	(XT_ETH_HLEN + XB_IP_HLEN + XT_TCP_HDR_MIN)
#define XB_SYN_OPT_LEN	XT_TCPOLEN_MSS

/* A parsed segment: its headers, and the TCP payload's length. */
struct xb_pkt {
	struct ethhdr *eth;
	struct iphdr *ip;
	struct tcphdr *tcp;
	__u32 plen;
};

/* What a reply is made of, in the direction it goes. Host order. */
struct xb_seg {
	__u8 src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	__be32 saddr, daddr;
	__u16 sport, dport;
	__u32 seq, ack;
	__u8 flags;
};

/* Where the headers of a frame without IP options sit. */
#define XB_IP_OFF	XT_ETH_HLEN
#define XB_TCP_OFF	(XT_ETH_HLEN + XB_IP_HLEN)

static __always_inline struct iphdr *xb_ip_at(void *frame)
{
	return frame + XB_IP_OFF;
}

static __always_inline struct tcphdr *xb_tcp_at(void *frame)
{
	return frame + XB_TCP_OFF;
}

/* 0 for an IPv4 TCP segment without IP options, -1 otherwise. */
static __always_inline int xb_parse(struct xdp_md *ctx, struct xb_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = xb_ip_at(data);
	struct tcphdr *tcp = xb_tcp_at(data);
	__u32 tot, thl;

	if (data + XB_HDRS_LEN > end)
		return -1;
	if (eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != XT_IP_MIN_IHL || ip->protocol != IPPROTO_TCP)
		return -1;
	/* Fragments are never ours. */
	if (ip->frag_off & bpf_htons(XT_IP_MF | XT_IP_OFFSET))
		return -1;
	tot = bpf_ntohs(ip->tot_len);
	thl = (__u32)tcp->doff * 4;
	if (thl < XT_TCP_HDR_MIN || tot < XB_IP_HLEN + thl ||
	    data + XT_ETH_HLEN + tot > end)
		return -1;
	p->eth = eth;
	p->ip = ip;
	p->tcp = tcp;
	p->plen = tot - XB_IP_HLEN - thl;
	return 0;
}

/* The reply to p: addresses and ports swapped; seq, ack, flags unset. */
static __always_inline void xb_seg_reply(const struct xb_pkt *p,
					 struct xb_seg *s)
{
	__builtin_memcpy(s->src_mac, p->eth->h_dest, ETH_ALEN);
	__builtin_memcpy(s->dst_mac, p->eth->h_source, ETH_ALEN);
	s->saddr = p->ip->daddr;
	s->daddr = p->ip->saddr;
	s->sport = bpf_ntohs(p->tcp->dest);
	s->dport = bpf_ntohs(p->tcp->source);
}

/* The same direction as p (a frame we are about to send on). */
static __always_inline void xb_seg_same(const struct xb_pkt *p,
					struct xb_seg *s)
{
	__builtin_memcpy(s->src_mac, p->eth->h_source, ETH_ALEN);
	__builtin_memcpy(s->dst_mac, p->eth->h_dest, ETH_ALEN);
	s->saddr = p->ip->saddr;
	s->daddr = p->ip->daddr;
	s->sport = bpf_ntohs(p->tcp->source);
	s->dport = bpf_ntohs(p->tcp->dest);
}

/* One's-complement sum of n 16-bit words (n a constant: unrolled). */
static __always_inline __u32 xb_sum16(const void *p, int n)
{
	const __u16 *w = p;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/*
 * Resizes the frame to len bytes; its start, or NULL. A frame that came
 * as an skb (the kernel's segments, on a veth) may have no tailroom: it
 * then grows at the front, into the headroom XDP always has.
 */
static __always_inline void *xb_resize(struct xdp_md *ctx, __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	int delta = (int)len - (int)(end - data);

	if (delta && bpf_xdp_adjust_tail(ctx, delta) &&
	    (delta < 0 || bpf_xdp_adjust_head(ctx, -delta)))
		return NULL;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + len > end)
		return NULL;
	return data;
}

/*
 * Writes s's headers at the frame's start, with opt_len option bytes and
 * plen payload bytes already in place after them (their one's-complement
 * sum in tail_sum). The frame must have room for all of it (xb_resize).
 */
static __always_inline void xb_write(void *frame, const struct xb_seg *s,
				     __u32 opt_len, __u32 plen, __u32 tail_sum)
{
	__u16 tcp_len = (__u16)(XT_TCP_HDR_MIN + opt_len + plen);
	struct ethhdr *eth = frame;
	struct iphdr *ip = xb_ip_at(frame);
	struct tcphdr *tcp = xb_tcp_at(frame);
	__u32 sum;

	__builtin_memcpy(eth->h_source, s->src_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, s->dst_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);

	ip->version = XT_IP_VERSION;
	ip->ihl = XT_IP_MIN_IHL;
	ip->tos = 0;
	ip->tot_len = bpf_htons(XB_IP_HLEN + tcp_len);
	ip->id = 0;
	ip->frag_off = bpf_htons(XT_IP_DF);
	ip->ttl = XT_IP_DEFAULT_TTL;
	ip->protocol = IPPROTO_TCP;
	ip->check = 0;
	ip->saddr = s->saddr;
	ip->daddr = s->daddr;
	ip->check = xt_csum_fold(xb_sum16(ip, XB_IP_HLEN / 2));

	tcp->source = bpf_htons(s->sport);
	tcp->dest = bpf_htons(s->dport);
	tcp->seq = bpf_htonl(s->seq);
	tcp->ack_seq = bpf_htonl(s->ack);
	((__u8 *)tcp)[12] = (__u8)(((XT_TCP_HDR_MIN + opt_len) / 4) << 4);
	xt_tcp_set_flags(tcp, s->flags);
	tcp->window = bpf_htons(XB_WINDOW);
	tcp->check = 0;
	tcp->urg_ptr = 0;

	/* RFC 9293 §3.1: pseudo-header, header, options and payload. */
	sum = (s->saddr & 0xffff) + (s->saddr >> 16) +
	      (s->daddr & 0xffff) + (s->daddr >> 16) +
	      bpf_htons(IPPROTO_TCP) + bpf_htons(tcp_len);
	sum += xb_sum16(tcp, XT_TCP_HDR_MIN / 2);
	sum = xt_csum_add(sum, tail_sum);
	tcp->check = xt_csum_fold(sum);
}

/* A segment without payload or options (ACK, FIN, RST) as the frame. */
static __always_inline int xb_emit_bare(struct xdp_md *ctx,
					const struct xb_seg *s)
{
	void *frame = xb_resize(ctx, XB_HDRS_LEN);

	if (!frame)
		return -1;
	xb_write(frame, s, 0, 0, 0);
	return 0;
}

/* A SYN (or SYN-ACK) with one option, MSS (RFC 9293 §3.7.1). */
static __always_inline int xb_emit_syn(struct xdp_md *ctx,
				       const struct xb_seg *s)
{
	void *frame = xb_resize(ctx, XB_HDRS_LEN + XB_SYN_OPT_LEN);
	__u8 *opt;
	__u32 sum;

	if (!frame)
		return -1;
	opt = frame + XB_HDRS_LEN;
	opt[0] = XT_TCPOPT_MSS;
	opt[1] = XT_TCPOLEN_MSS;
	opt[2] = XB_MSS >> 8;
	opt[3] = XB_MSS & 0xff;
	sum = xb_sum16(opt, XB_SYN_OPT_LEN / 2);
	xb_write(frame, s, XB_SYN_OPT_LEN, 0, sum);
	return 0;
}

/*
 * A segment carrying len bytes of words[] (len a constant multiple of 8),
 * whose one's-complement sum userspace gave as sum.
 */
static __always_inline int xb_emit_data(struct xdp_md *ctx,
					const struct xb_seg *s,
					const volatile __u64 *words, __u32 len,
					__u32 sum)
{
	void *frame = xb_resize(ctx, XB_HDRS_LEN + len);
	__u64 *dst;

	if (!frame)
		return -1;
	dst = frame + XB_HDRS_LEN;
	for (__u32 i = 0; i < len / 8; i++)
		dst[i] = words[i];
	xb_write(frame, s, 0, len, sum);
	return 0;
}

#endif /* XB_PKT_BPF_H */
