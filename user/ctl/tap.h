/* SPDX-License-Identifier: MIT */
/*
 * `xtcpctl trace` and `xtcpctl capture`: a tap session on xtcpd's control
 * socket (XT_CTL_OP_TAP), drawn as a ladder (common/ladder.h) or written
 * as pcap (common/pcap.h).
 */
#ifndef XTCP_CTL_TAP_H
#define XTCP_CTL_TAP_H

#include <stdbool.h>
#include "common/ladder.h"

struct ctl_tap_opts {
	const char *ifname;
	struct xt_ladder_filter filter;	/* trace */
	bool json;			/* trace */
	long count;			/* trace: connections that end;
					 * capture: frames; 0: until ^C */
	const char *file;		/* capture: pcap file, "-": stdout */
};

/* Both return 0, or 1 after saying on stderr what went wrong. */
int ctl_trace(const struct ctl_tap_opts *o);
int ctl_capture(const struct ctl_tap_opts *o);

#endif /* XTCP_CTL_TAP_H */
