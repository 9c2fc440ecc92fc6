// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * xtcp's XDP program: parse, classify, verdict (see DESIGN.md, data flow).
 */
#include "conn_filter.h"
#include "maps.bpf.h"
#include "parse.h"
#include "steer.h"
#include "syncookie.h"
#include "tap.h"

static __always_inline struct xt_xdp_stats *stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

/* Everything after parsing: whose frame it is, and what becomes of it. */
static __always_inline int xtcp_verdict(struct xdp_md *ctx, struct xt_pkt *pkt,
					struct xt_xdp_stats *st)
{
	struct xt_conn_val *conn;
	__u32 slot;
	int act;

	act = classify_owned(pkt, st);
	if (act >= 0)
		return act;
	conn = conn_lookup(pkt);
	act = conn ? filter_live(pkt, conn, st) : filter_unknown(ctx, pkt, st);
	if (act >= 0)
		return act;
	slot = conn ? conn->slot : XT_SLOT_NONE;
	if (!conn) {
		act = syncookie_step(ctx, pkt, st);
		if (act >= 0)
			return act;
	}
	return steer_to_socket(ctx, pkt, slot, st);
}

SEC("xdp")
int xtcp_xdp(struct xdp_md *ctx)
{
	struct xt_pkt pkt = {};
	struct xt_xdp_stats *st = stats_get();
	struct xt_tap_rec *tap;
	int act;

	if (!st)	/* cannot happen for a one-entry array; the verifier asks */
		return XDP_PASS;
	st->rx_frames++;

	act = parse_frame(ctx, &pkt, st);
	if (act >= 0)
		return act;
	ctl_get(&pkt);
	tap = tap_before(ctx, &pkt);
	act = xtcp_verdict(ctx, &pkt, st);
	tap_after(ctx, tap, act, st);
	return act;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
