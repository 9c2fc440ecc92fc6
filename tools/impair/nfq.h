/* SPDX-License-Identifier: MIT */
/*
 * Our end of NFQUEUE: one netlink socket bound to one queue per direction,
 * segments read in batches (recvmmsg), verdicts written in batches (many
 * netlink messages in one send).
 */
#ifndef XTCP_IMPAIR_NFQ_H
#define XTCP_IMPAIR_NFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "impair.h"

/* One segment the kernel queued. data is ours to change until the next
 * xt_nfq_recv(); the kernel holds the segment until it has a verdict. */
struct xt_nfq_pkt {
	int dir;
	uint32_t id;
	uint8_t *data;
	size_t len;
	bool whole;		/* false: cut short by the copy range */
};

typedef void (*xt_nfq_cb)(void *arg, struct xt_nfq_pkt *pkt);

struct xt_nfq {
	struct mnl_socket *nl;
	uint32_t portid;
	uint16_t queue[XT_DIR_N];
	bool bound[XT_DIR_N];
	uint8_t *rx;		/* XT_NFQ_BATCH receive buffers */
	char *tx;		/* verdicts waiting for xt_nfq_flush() */
	struct mnl_nlmsg_batch *txb;
	uint64_t errors;	/* netlink errors the kernel sent back */
};

/* Binds queue[d] for every d with on[d]; maxlen caps what the kernel
 * holds for us per queue. Returns 0 or -errno (-EBUSY: queue taken). */
int xt_nfq_open(struct xt_nfq *q, const uint16_t queue[XT_DIR_N],
		const bool on[XT_DIR_N], uint32_t maxlen);
void xt_nfq_close(struct xt_nfq *q);	/* NULL or closed is fine */
int xt_nfq_fd(const struct xt_nfq *q);

/* Reads what is queued (without blocking) and calls cb for each segment.
 * Returns how many datagrams it read (0: none waiting), or -errno. */
int xt_nfq_recv(struct xt_nfq *q, xt_nfq_cb cb, void *arg);

/* Queues a verdict (NF_ACCEPT or NF_DROP), with new contents when data is
 * not NULL. Sent by xt_nfq_flush(), or earlier when the batch is full. */
int xt_nfq_verdict(struct xt_nfq *q, int dir, uint32_t id, int verdict,
		   const void *data, size_t len);
int xt_nfq_flush(struct xt_nfq *q);

/* What the kernel dropped on queue dir: queue full, or our socket's
 * buffer full (/proc/net/netfilter/nfnetlink_queue). */
int xt_nfq_kernel_drops(const struct xt_nfq *q, int dir, uint64_t *drops);

#endif /* XTCP_IMPAIR_NFQ_H */
