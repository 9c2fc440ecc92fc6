/* SPDX-License-Identifier: MIT */
/*
 * One worker per RX queue: shared-nothing, run to completion.
 * rx batch -> parse -> (TCP) -> tx batch -> repeat.
 */
#ifndef XTCP_WORKER_H
#define XTCP_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "xdp/netif.h"
#include "xdp/port.h"
#include "xtcpd/config.h"

struct xt_worker_stats {
	uint64_t segments;		/* parsed and handed to TCP */
	uint64_t malformed;		/* rejected by the codec */
};

struct xt_worker {
	struct xt_port *port;
	const struct xt_config *cfg;
	const struct xt_netif *nif;
	atomic_int *stop;
	pthread_t thread;
	int started;
	struct xt_worker_stats stats;
};

int xt_worker_start(struct xt_worker *w);
/* Waits for the worker to notice *stop and return. */
void xt_worker_join(struct xt_worker *w);

#endif /* XTCP_WORKER_H */
