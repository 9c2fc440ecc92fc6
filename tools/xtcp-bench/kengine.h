/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine: the client on the kernel's sockets, one thread,
 * epoll, non-blocking connects. crr (closed loop over --conns connections,
 * or open loop at --rate), rr (1-byte ping-pong) and bulk (writes).
 */
#ifndef XB_KENGINE_H
#define XB_KENGINE_H

#include <stdint.h>
#include "opts.h"
#include "stats.h"

struct xb_kengine;

/* Opens the connections (closed loop) or the clock (open loop). */
int xb_kengine_open(struct xb_kengine **ke, const struct xb_opts *o);
/* Runs the event loop until CLOCK_MONOTONIC until_ns, or *stop. */
int xb_kengine_run(struct xb_kengine *ke, uint64_t until_ns,
		   volatile int *stop);
/* Adds what it counted to s. */
void xb_kengine_read(const struct xb_kengine *ke, struct xb_snap *s);
/* Closes every connection and frees; ke may be NULL. */
void xb_kengine_close(struct xb_kengine *ke);

#endif /* XB_KENGINE_H */
