/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Which segments belong to xtcpd, and handing them to its AF_XDP socket. */
#ifndef XTCP_STEER_H
#define XTCP_STEER_H

#include "maps.bpf.h"
#include "parse.h"

/* The daemon's settings, read once per frame; later steps find them in pkt. */
static __always_inline void ctl_get(struct xt_pkt *pkt)
{
	__u32 zero = 0;

	pkt->ctl = bpf_map_lookup_elem(&ctl, &zero);
}

/*
 * Owned: a listening port, or one of xtcpd's active opens. listen_ports is
 * read here once; later steps find the answer in pkt.
 */
static __always_inline int port_is_owned(struct xt_pkt *pkt)
{
	__u16 port = bpf_ntohs(pkt->tcp->dest);
	const struct xt_ctl *c = pkt->ctl;

	pkt->listening = bpf_map_lookup_elem(&listen_ports, &port) != NULL;
	return pkt->listening ||
	       (c && c->eph_lo && port >= c->eph_lo && port <= c->eph_hi);
}

/* Segments to ports xtcp does not own are the kernel's business. */
static __always_inline int classify_owned(struct xt_pkt *pkt,
					  struct xt_xdp_stats *st)
{
	if (!port_is_owned(pkt)) {
		st->pass_unowned++;
		return XDP_PASS;
	}
	if (!tcp_header_ok(pkt)) {
		st->drop_malformed_tcp++;
		return XDP_DROP;
	}
	return XT_CONTINUE;
}

/*
 * With several workers, the slot goes in front of the frame (struct
 * xt_xsk_meta) for the worker that receives it to find the owner. The
 * verifier forgets pkt's packet pointers after it: the last step.
 */
static __always_inline void steer_put_meta(struct xdp_md *ctx,
					   const struct xt_pkt *pkt, __u32 slot)
{
	struct xt_xsk_meta *m;

	if (!pkt->ctl || !(pkt->ctl->flags & XT_CTL_META) ||
	    bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return;
	m->slot = slot;
	m->magic = XT_XSK_META_MAGIC;
}

static __always_inline int steer_to_socket(struct xdp_md *ctx,
					   const struct xt_pkt *pkt, __u32 slot,
					   struct xt_xdp_stats *st)
{
	/* The low bits of flags are the action when the slot is empty. */
	int act;

	steer_put_meta(ctx, pkt, slot);
	act = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_DROP);

	if (act == XDP_REDIRECT)
		st->redirect++;
	else
		st->drop_no_socket++;
	return act;
}

#endif /* XTCP_STEER_H */
