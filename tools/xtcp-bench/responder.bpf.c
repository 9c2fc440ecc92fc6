// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * The trivial server that measures xtcp-bench's own ceiling (`xtcp-bench
 * responder`): a stateless crr server in XDP on the server's interface.
 * It keeps nothing; each answer follows from the segment it answers:
 *
 *   SYN               -> SYN-ACK, our ISN fixed (RSP_ISN), MSS only
 *   request (payload) -> ACK + the 128-byte response, seq = their ACK
 *   FIN               -> FIN-ACK, seq = their ACK
 *   anything else     -> dropped (pure ACKs, RSTs)
 *
 * Other ports, and everything not TCP, pass to the kernel.
 */
#include "pkt.bpf.h"
#include "maps.bpf.h"

#define RSP_ISN		0x10000000u

const volatile __u16 cfg_port;		/* host order */
const volatile __u64 cfg_resp[XB_RESP_LEN / 8];
const volatile __u32 cfg_resp_sum;

SEC("xdp")
int xb_responder(struct xdp_md *ctx)
{
	struct xb_seg seg;
	struct xb_pkt p;
	__u32 seq;
	__u8 flags;

	if (xb_parse(ctx, &p) || bpf_ntohs(p.tcp->dest) != cfg_port)
		return XDP_PASS;
	flags = xt_tcp_flags(p.tcp);
	seq = bpf_ntohl(p.tcp->seq);
	xb_seg_reply(&p, &seg);
	seg.seq = bpf_ntohl(p.tcp->ack_seq);
	if (flags & XT_TCP_RST)
		return XDP_DROP;
	if ((flags & (XT_TCP_SYN | XT_TCP_ACK)) == XT_TCP_SYN) {
		xb_count(XB_C_rsp_syn);
		seg.seq = RSP_ISN;
		seg.ack = seq + 1;
		seg.flags = XT_TCP_SYN | XT_TCP_ACK;
		return xb_emit_syn(ctx, &seg) ? XDP_DROP : XDP_TX;
	}
	if (flags & XT_TCP_FIN) {
		xb_count(XB_C_rsp_fin);
		seg.ack = seq + p.plen + 1;
		seg.flags = XT_TCP_FIN | XT_TCP_ACK;
		return xb_emit_bare(ctx, &seg) ? XDP_DROP : XDP_TX;
	}
	if (!p.plen)
		return XDP_DROP;
	xb_count(XB_C_rsp_req);
	seg.ack = seq + p.plen;
	seg.flags = XT_TCP_ACK | XT_TCP_PSH;
	if (xb_emit_data(ctx, &seg, cfg_resp, XB_RESP_LEN, cfg_resp_sum))
		return XDP_DROP;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
