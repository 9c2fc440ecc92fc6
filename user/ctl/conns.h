/* SPDX-License-Identifier: MIT */
/*
 * `xtcpctl conns`: one line per connection, like `ss -tani`. Tuples and
 * states come from the pinned conns map; queues, RTT, RTO, cwnd,
 * retransmissions and timers from xtcpd's control socket (root only).
 */
#ifndef XTCP_CTL_CONNS_H
#define XTCP_CTL_CONNS_H

#include <stdio.h>

struct conns_filter {
	int state;		/* enum xt_tcp_state, or -1: any */
	int port;		/* local or remote, or 0: any */
};

/* The state called name ("FIN-WAIT-1", "fin_wait_1", ...), or -1. */
int ctl_state_parse(const char *name);

/*
 * One snapshot of every interface in ifnames (n of them), printed to out
 * as text or as one JSON object on one line. 0, or -errno when not one
 * interface could be read.
 */
int ctl_conns(FILE *out, char ifnames[][64], int n,
	      const struct conns_filter *f, int json);

#endif /* XTCP_CTL_CONNS_H */
