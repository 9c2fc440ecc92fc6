/* SPDX-License-Identifier: MIT */
/*
 * What a run measures: a snapshot of counters, latency histogram and CPU
 * times, taken when measuring starts and when it ends; the result is the
 * difference.
 */
#ifndef XB_STATS_H
#define XB_STATS_H

#include <stdint.h>
#include "bench.h"

#define XB_MAX_CPUS	256

/* Busy and total time of one CPU, in /proc/stat ticks. */
struct xb_cpu_time {
	uint64_t busy, total;
};

struct xb_snap {
	uint64_t ns;			/* CLOCK_MONOTONIC */
	uint64_t c[XB_C_COUNT];		/* XDP counters, summed over CPUs */
	uint64_t ops;			/* completed operations (userspace engines) */
	uint64_t bytes;			/* bulk */
	uint64_t errors;		/* failed connections / transactions */
	uint64_t timeouts;		/* xdp engine slots re-seeded */
	uint64_t flood_sent;
	uint64_t hist[XB_HIST_BUCKETS];	/* latency, xb_hist_bucket() */
	struct xb_cpu_time cpu[XB_MAX_CPUS];
	int ncpu;
};

/* The latency at quantile q (0..1) of hist, in ns; 0 if empty. */
uint64_t xb_hist_quantile(const uint64_t *hist, double q);
uint64_t xb_hist_total(const uint64_t *hist);

/* Reads every CPU's times from /proc/stat into s. 0 or -errno. */
int xb_cpu_read(struct xb_snap *s);

/*
 * The busy share (0..1) of the CPUs in mask (bit i: CPU i) between a
 * and b, summed over those CPUs, and their busy seconds.
 */
double xb_cpu_busy(const struct xb_snap *a, const struct xb_snap *b,
		   const uint64_t *mask, double *busy_s);

uint64_t xb_now_ns(void);

#endif /* XB_STATS_H */
