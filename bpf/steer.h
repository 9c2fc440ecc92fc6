/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Which segments belong to xtcpd, and handing them to its AF_XDP socket. */
#ifndef XTCP_STEER_H
#define XTCP_STEER_H

#include "maps.bpf.h"
#include "parse.h"

static __always_inline int port_is_owned(__u16 port)
{
	__u32 zero = 0;
	struct xt_ctl *c;

	if (bpf_map_lookup_elem(&listen_ports, &port))
		return 1;
	c = bpf_map_lookup_elem(&ctl, &zero);
	return c && c->eph_lo && port >= c->eph_lo && port <= c->eph_hi;
}

/* Segments to ports xtcp does not own are the kernel's business. */
static __always_inline int classify_owned(const struct xt_pkt *pkt,
					  struct xt_xdp_stats *st)
{
	if (!port_is_owned(bpf_ntohs(pkt->tcp->dest))) {
		st->pass_unowned++;
		return XDP_PASS;
	}
	if (!tcp_header_ok(pkt)) {
		st->drop_malformed_tcp++;
		return XDP_DROP;
	}
	return XT_CONTINUE;
}

static __always_inline int steer_to_socket(struct xdp_md *ctx,
					   struct xt_xdp_stats *st)
{
	/* The low bits of flags are the action when the slot is empty. */
	int act = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_DROP);

	if (act == XDP_REDIRECT)
		st->redirect++;
	else
		st->drop_no_socket++;
	return act;
}

#endif /* XTCP_STEER_H */
