/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Connection-aware filtering (DESIGN.md, the contract): xtcpd puts every
 * connection it holds in `conns` before its first segment leaves, so a
 * tuple that is not there is one xtcpd would answer as CLOSED or LISTEN,
 * and the XDP program may answer for it.
 */
#ifndef XTCP_CONN_FILTER_H
#define XTCP_CONN_FILTER_H

#include "csum_check.h"
#include "maps.bpf.h"
#include "parse.h"
#include "rst_limit.h"
#include "syncookie.h"

static __always_inline struct xt_conn_val *conn_lookup(const struct xt_pkt *pkt)
{
	struct xt_conn_key k;

	pkt_conn_key(pkt, &k);
	return bpf_map_lookup_elem(&conns, &k);
}

/*
 * RFC 5961 §3.2: a RST outside RCV.NXT .. RCV.NXT+RCV.WND is dropped here;
 * one inside goes to xtcpd, which resets on an exact match and otherwise
 * sends a challenge ACK. A closed window admits only RCV.NXT itself.
 */
static __always_inline int filter_live(const struct xt_pkt *pkt,
				       const struct xt_conn_val *v,
				       struct xt_xdp_stats *st)
{
	const struct xt_conn_win *w;
	__u32 slot = v->slot, wnd;

	if (!(xt_tcp_flags(pkt->tcp) & XT_TCP_RST) || XT_SLOT_IS_PENDING(slot))
		return XT_CONTINUE;
	w = bpf_map_lookup_elem(&conn_win, &slot);
	if (!w)
		return XT_CONTINUE;
	wnd = w->rcv_wnd ? w->rcv_wnd : 1;
	if (bpf_ntohl(pkt->tcp->seq) - w->rcv_nxt < wnd)
		return XT_CONTINUE;
	st->drop_rst_window++;
	return XDP_DROP;
}

/*
 * RFC 9293 §3.10.7.1, what CLOSED answers: nothing to a RST; to a segment
 * with ACK, <SEQ=SEG.ACK><CTL=RST>; otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
 * <CTL=RST,ACK>. Built in place, sent back with XDP_TX, within the RST
 * rate (rst_limit.h); over it, dropped.
 */
static __always_inline int reset_unknown(struct xdp_md *ctx, struct xt_pkt *pkt,
					 struct xt_xdp_stats *st)
{
	__u8 flags = xt_tcp_flags(pkt->tcp);
	struct syncookie_reply r = {};
	__u32 len;
	int act;

	if (!rst_limit_take(pkt->ctl)) {
		st->drop_rst_ratelimit++;
		return XDP_DROP;
	}
	syncookie_reply_init(pkt, &r);
	if (flags & XT_TCP_ACK) {
		r.seq = bpf_ntohl(pkt->tcp->ack_seq);
		r.flags = XT_TCP_RST;
	} else {
		/* SEG.LEN: the payload, and one each for SYN and FIN. */
		len = bpf_ntohs(pkt->ip->tot_len) - pkt->ip->ihl * 4 -
		      pkt->tcp->doff * 4;
		r.ack = bpf_ntohl(pkt->tcp->seq) + len +
			!!(flags & XT_TCP_SYN) + !!(flags & XT_TCP_FIN);
		r.flags = XT_TCP_RST | XT_TCP_ACK;
	}
	act = syncookie_emit(ctx, pkt, &r);
	if (act == XDP_TX) {
		st->tx_rst_unknown++;
		return act;
	}
	return act == XT_CONTINUE ? XDP_DROP : act;	/* no room: drop */
}

/*
 * A tuple xtcpd does not hold: RSTs are dropped (nothing to reset). Every
 * other segment may be answered here, so its checksums are checked first
 * (csum_check.h). What a listener may take, a SYN or a handshake's last
 * ACK, goes on to the SYN cookie step, unless xtcpd is draining; anything
 * else is reset here.
 */
static __always_inline int filter_unknown(struct xdp_md *ctx,
					  struct xt_pkt *pkt,
					  struct xt_xdp_stats *st)
{
	__u8 flags = xt_tcp_flags(pkt->tcp) &
		     (XT_TCP_SYN | XT_TCP_ACK | XT_TCP_RST);

	if (flags & XT_TCP_RST) {
		st->drop_rst_unknown++;
		return XDP_DROP;
	}
	if (!csum_segment_ok(ctx, pkt)) {
		st->drop_bad_csum++;
		return XDP_DROP;
	}
	if ((flags == XT_TCP_SYN || flags == XT_TCP_ACK) && pkt->listening &&
	    !(pkt->ctl && (pkt->ctl->flags & XT_CTL_DRAIN)))
		return XT_CONTINUE;
	return reset_unknown(ctx, pkt, st);
}

#endif /* XTCP_CONN_FILTER_H */
