/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Frame dissection for the XDP program: Ethernet, IPv4, TCP, each step
 * bounds-checked against data_end before any field is read, as the
 * verifier demands.
 */
#ifndef XTCP_PARSE_H
#define XTCP_PARSE_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xtcp/maps.h"
#include "xtcp/wire.h"
#include "verdict.h"

/* Pointers into the frame, filled in as dissection goes. */
struct xt_pkt {
	struct ethhdr *eth;
	struct iphdr *ip;
	struct tcphdr *tcp;
	void *data_end;
	/* Found once (ctl_get(), classify_owned()), for every later step. */
	const struct xt_ctl *ctl;	/* NULL: xtcpd has not set it */
	int listening;			/* the destination port is a listener's */
};

static __always_inline int parse_eth(struct xt_pkt *pkt, void *data,
				     struct xt_xdp_stats *st)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > pkt->data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP)) {
		st->pass_not_ipv4++;
		return XDP_PASS;
	}
	pkt->eth = eth;
	return XT_CONTINUE;
}

/* Anything xtcp cannot own goes to the kernel, which judges it itself. */
static __always_inline int parse_ipv4(struct xt_pkt *pkt,
				      struct xt_xdp_stats *st)
{
	struct iphdr *ip = (void *)(pkt->eth + 1);
	__u32 ihl_bytes;

	if ((void *)(ip + 1) > pkt->data_end || ip->version != XT_IP_VERSION ||
	    ip->ihl < XT_IP_MIN_IHL) {
		st->pass_malformed_ip++;
		return XDP_PASS;
	}
	ihl_bytes = ip->ihl * 4;
	if ((void *)ip + ihl_bytes > pkt->data_end) {
		st->pass_malformed_ip++;
		return XDP_PASS;
	}
	/* From its own destination ("land"): a martian the kernel drops. */
	if (ip->saddr == ip->daddr) {
		st->pass_malformed_ip++;
		return XDP_PASS;
	}
	if (ip->frag_off & bpf_htons(XT_IP_MF | XT_IP_OFFSET)) {
		st->pass_fragment++;
		return XDP_PASS;
	}
	if (ip->protocol != IPPROTO_TCP) {
		st->pass_not_tcp++;
		return XDP_PASS;
	}
	pkt->ip = ip;
	return XT_CONTINUE;
}

/*
 * Only the fixed header is checked here: whether a short or lying data
 * offset matters depends on whether the port is ours (tcp_header_ok()).
 */
static __always_inline int parse_tcp(struct xt_pkt *pkt,
				     struct xt_xdp_stats *st)
{
	/* ihl is re-read and masked so the verifier sees a bounded offset. */
	struct tcphdr *tcp = (void *)pkt->ip + ((pkt->ip->ihl & 0xf) * 4);

	if ((void *)(tcp + 1) > pkt->data_end) {
		st->pass_malformed_ip++;
		return XDP_PASS;
	}
	pkt->tcp = tcp;
	return XT_CONTINUE;
}

/* The segment's connection as the conns map names it, from our side. */
static __always_inline void pkt_conn_key(const struct xt_pkt *pkt,
					 struct xt_conn_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->laddr, &pkt->ip->daddr, sizeof(k->laddr));
	__builtin_memcpy(k->raddr, &pkt->ip->saddr, sizeof(k->raddr));
	k->lport = bpf_ntohs(pkt->tcp->dest);
	k->rport = bpf_ntohs(pkt->tcp->source);
}

static __always_inline int tcp_header_ok(const struct xt_pkt *pkt)
{
	__u32 doff = pkt->tcp->doff;

	return doff >= XT_TCP_MIN_DOFF &&
	       (void *)pkt->tcp + doff * 4 <= pkt->data_end;
}

static __always_inline int parse_frame(struct xdp_md *ctx, struct xt_pkt *pkt,
				       struct xt_xdp_stats *st)
{
	int act;

	pkt->data_end = (void *)(long)ctx->data_end;
	act = parse_eth(pkt, (void *)(long)ctx->data, st);
	if (act >= 0)
		return act;
	act = parse_ipv4(pkt, st);
	if (act >= 0)
		return act;
	return parse_tcp(pkt, st);
}

#endif /* XTCP_PARSE_H */
