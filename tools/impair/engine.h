/* SPDX-License-Identifier: MIT */
/*
 * What impair does to each queued segment, and when held ones leave.
 *
 * The two directions hold segments differently, because of where b's
 * kernel stands:
 * - b's ingress (a -> b): the segment stays in the kernel's queue and we
 *   issue its verdict late. Nothing on b waits for it.
 * - b's egress (b -> a): a segment the queue holds still counts against
 *   its TCP socket's TCP Small Queues budget (about 1 ms of data), so
 *   holding it there for 10 ms would throttle b's sender to a fraction of
 *   its window, as netem does on a sending host. Instead we copy the
 *   bytes, drop the original at once (TCP does not see a late verdict) and
 *   send the copy ourselves when it is due, through a raw socket whose
 *   mark our rules let through. To b's TCP, that is a link with delay.
 * Duplicates are copies sent through that raw socket too; for the ingress
 * they reach b's stack over loopback (b's own ingress counters see them,
 * a capture on b's veth does not).
 */
#ifndef XTCP_IMPAIR_ENGINE_H
#define XTCP_IMPAIR_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "decide.h"
#include "heap.h"
#include "impair.h"
#include "nfq.h"

struct xt_engine_dir {
	struct xt_decider dec;
	struct xt_imp_counters c;
	uint64_t next_seq;		/* arrival number of the next segment */
	uint64_t released_end;		/* 1 + the highest seq released */
	uint32_t held;			/* held now (copies not counted) */
};

struct xt_engine {
	struct xt_engine_dir dir[XT_DIR_N];
	struct xt_nfq *nfq;
	struct xt_heap heap;
	int raw_fd;			/* IPPROTO_RAW, marked */
	uint64_t order;			/* next xt_held.order */
	uint64_t now_ns;		/* set by the caller before xt_nfq_recv */
	uint32_t limit;			/* held segments per direction */
	int err;			/* first fatal error, -errno */
};

int xt_engine_init(struct xt_engine *e, const struct xt_imp_cfg cfg[XT_DIR_N],
		   uint64_t seed, uint32_t limit, uint32_t mark,
		   struct xt_nfq *nfq);
void xt_engine_free(struct xt_engine *e);	/* NULL is fine */

/* xt_nfq_cb: decides and acts on one segment, at e->now_ns. */
void xt_engine_packet(void *engine, struct xt_nfq_pkt *pkt);
/* Lets everything due by now_ns go (everything, with all). */
void xt_engine_release(struct xt_engine *e, uint64_t now_ns, bool all);
/* When the next held segment is due; UINT64_MAX when none is held. */
uint64_t xt_engine_next_ns(const struct xt_engine *e);

#endif /* XTCP_IMPAIR_ENGINE_H */
