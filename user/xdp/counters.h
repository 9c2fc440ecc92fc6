/* SPDX-License-Identifier: MIT */
/* The XDP program's per-CPU verdict counters, summed. */
#ifndef XTCP_COUNTERS_H
#define XTCP_COUNTERS_H

#include "xtcp/maps.h"

/* Reads the stats map (by fd) and adds up every CPU's copy. 0 or -errno. */
int xt_xdp_stats_read(int fd, struct xt_xdp_stats *sum);

#endif /* XTCP_COUNTERS_H */
