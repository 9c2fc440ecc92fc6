/* SPDX-License-Identifier: MIT */
/* `xtcpctl stats`: the XDP verdict counters, summed over CPUs. */
#ifndef XTCP_CTL_STATS_H
#define XTCP_CTL_STATS_H

#include <stdio.h>

int ctl_stats(FILE *out, const char *pin_dir, int json);

#endif /* XTCP_CTL_STATS_H */
