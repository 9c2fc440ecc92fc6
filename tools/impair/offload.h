/* SPDX-License-Identifier: MIT */
/*
 * GRO, GSO and TSO off on one device while impair runs, back on after.
 * With them on, one queued "segment" may be many: GRO merges a's segments
 * on b's veth, GSO/TSO let b's kernel hand down 64 KB frames. The kernel
 * splits those again before queueing them to us, but at a cost in CPU and
 * in a view of the flow that is not the wire's.
 */
#ifndef XTCP_IMPAIR_OFFLOAD_H
#define XTCP_IMPAIR_OFFLOAD_H

#include <stdbool.h>
#include <net/if.h>

enum { XT_OFFLOAD_GRO, XT_OFFLOAD_GSO, XT_OFFLOAD_TSO, XT_OFFLOAD_N };

struct xt_offload {
	char ifname[IF_NAMESIZE];
	bool turned_off[XT_OFFLOAD_N];	/* what restore turns back on */
};

/* Turns each one off that is on; returns 0 or -errno. */
int xt_offload_off(struct xt_offload *o, const char *ifname);
/* Turns back on what xt_offload_off turned off; NULL is fine. */
void xt_offload_restore(struct xt_offload *o);

#endif /* XTCP_IMPAIR_OFFLOAD_H */
