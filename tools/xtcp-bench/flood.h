/* SPDX-License-Identifier: MIT */
/*
 * The SYN flood: a thread that runs xb_gen_flood (client.bpf.c) in
 * live-frames mode, paced to a rate or flat out.
 */
#ifndef XB_FLOOD_H
#define XB_FLOOD_H

#include <pthread.h>
#include <stdint.h>
#include "xdp.h"

struct xb_flood {
	struct xb_xdp *x;
	double rate;		/* SYN/s; XB_FLOOD_MAX: as fast as it goes */
	volatile int stop;
	uint64_t sent;		/* read with __atomic_load_n */
	int err;
	pthread_t thread;
	int running;
};

/* 0 or -errno. */
int xb_flood_start(struct xb_flood *f, struct xb_xdp *x, double rate);
uint64_t xb_flood_sent(const struct xb_flood *f);
/* Stops and joins it; f may never have started. */
void xb_flood_stop(struct xb_flood *f);

#endif /* XB_FLOOD_H */
