/* SPDX-License-Identifier: MIT */
/* A run's result: from two snapshots to one human line and one JSON line. */
#ifndef XB_REPORT_H
#define XB_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "opts.h"
#include "stats.h"

struct xb_result {
	double secs;
	uint64_t ops;			/* crr: connections; rr: transactions;
					 * synflood: SYN-ACKs received;
					 * bulk: MiB sent */
	uint64_t errors, timeouts, bytes, flood_sent;
	uint64_t c[XB_C_COUNT];		/* XDP counters over the run */
	uint64_t lat_ns[4];		/* p50 p90 p99 p99.9 */
	double srv_cpu, srv_busy_s;	/* CPUs' worth busy, seconds busy */
	double cli_cpu, cli_busy_s;
};

/*
 * The difference b - a. The server's CPU is o->server_cpu; the client's
 * are the ones this process may run on, less the server's.
 */
void xb_result_make(struct xb_result *r, const struct xb_opts *o,
		    const struct xb_snap *a, const struct xb_snap *b);
void xb_report_human(FILE *f, const struct xb_opts *o, const struct xb_result *r);
/* total: the whole run, warm-up and drain included (for exact checks). */
void xb_report_json(FILE *f, const struct xb_opts *o, const struct xb_result *r,
		    const struct xb_snap *total);

#endif /* XB_REPORT_H */
