// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * xtcp's XDP program: parse, classify, verdict (see DESIGN.md, data flow).
 */
#include "conn_filter.h"
#include "maps.bpf.h"
#include "parse.h"
#include "steer.h"
#include "syncookie.h"

static __always_inline struct xt_xdp_stats *stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

SEC("xdp")
int xtcp_xdp(struct xdp_md *ctx)
{
	struct xt_pkt pkt = {};
	struct xt_xdp_stats *st = stats_get();
	struct xt_conn_val *conn;
	int act;

	if (!st)	/* cannot happen for a one-entry array; the verifier asks */
		return XDP_PASS;
	st->rx_frames++;

	act = parse_frame(ctx, &pkt, st);
	if (act >= 0)
		return act;
	act = classify_owned(&pkt, st);
	if (act >= 0)
		return act;
	conn = conn_lookup(&pkt);
	act = conn ? filter_live(&pkt, conn, st) : filter_unknown(ctx, &pkt, st);
	if (act >= 0)
		return act;
	if (!conn) {
		act = syncookie_step(ctx, &pkt, st);
		if (act >= 0)
			return act;
	}
	return steer_to_socket(ctx, st);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
