/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * The limit on RSTs XDP sends for tuples xtcpd does not hold (conn_filter.h,
 * syncookie.h): without it, every spoofed segment of an ACK flood would be
 * answered, and xtcp would reflect the flood at whoever the sources name.
 * ctl.rst_rate per second, ctl.rst_burst back to back, one bucket for the
 * whole program (not per CPU), as Linux's icmp_msgs_per_sec and
 * icmp_msgs_burst bound its ICMP errors. Over the limit, the segment is
 * dropped unanswered (drop_rst_ratelimit).
 *
 * The bucket is GCRA's virtual clock (struct xt_rst_bucket): each RST moves
 * `tat` one interval on, and a RST may leave while tat lies no more than
 * burst - 1 intervals ahead of now.
 */
#ifndef XTCP_RST_LIMIT_H
#define XTCP_RST_LIMIT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps.bpf.h"

#define RST_LIMIT_NS_PER_S	1000000000ULL

/* 1: a RST may be sent now (and is counted against the limit); 0: not. */
static __always_inline int rst_limit_take(const struct xt_ctl *c)
{
	struct xt_rst_bucket *b;
	__u64 now, step, slack, tat;
	__u32 zero = 0;
	int ok;

	if (!c || !c->rst_rate)
		return 1;
	b = bpf_map_lookup_elem(&rst_bucket, &zero);
	if (!b)		/* cannot happen for a one-entry array */
		return 0;
	now = bpf_ktime_get_ns();
	step = RST_LIMIT_NS_PER_S / c->rst_rate;
	slack = (__u64)(c->rst_burst ? c->rst_burst - 1 : 0) * step;
	/*
	 * Over the limit, the common case under a flood, is decided without
	 * the lock: tat only grows, so a stale read can only let one more
	 * segment reach the locked check below, never let a RST out.
	 */
	if ((__s64)(*(volatile __u64 *)&b->tat - now) > (__s64)slack)
		return 0;
	bpf_spin_lock(&b->lock);
	tat = (__s64)(b->tat - now) > 0 ? b->tat : now;
	ok = tat - now <= slack;
	if (ok)
		b->tat = tat + step;
	bpf_spin_unlock(&b->lock);
	return ok;
}

#endif /* XTCP_RST_LIMIT_H */
