/* SPDX-License-Identifier: MIT */
/*
 * `xtcpctl stats`: the XDP verdict counters, summed over CPUs, and the
 * workers' counters, summed over workers; worker >= 0: that worker's
 * counters alone.
 */
#ifndef XTCP_CTL_STATS_H
#define XTCP_CTL_STATS_H

#include <stdio.h>

int ctl_stats(FILE *out, const char *pin_dir, int json, int worker);

#endif /* XTCP_CTL_STATS_H */
