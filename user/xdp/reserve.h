/* SPDX-License-Identifier: MIT */
/*
 * Local ports for xtcpd's active opens, reserved from the kernel
 * (net.ipv4.ip_local_reserved_ports, per network namespace) so the two
 * stacks never pick the same one; the previous setting comes back on exit.
 */
#ifndef XTCP_RESERVE_H
#define XTCP_RESERVE_H

#include <stdint.h>

struct xt_reservation {
	char saved[4096];		/* the sysctl as it was */
	int active;
};

int xt_ports_reserve(struct xt_reservation *r, uint16_t lo, uint16_t hi);
void xt_ports_release(struct xt_reservation *r);	/* no-op if inactive */

#endif /* XTCP_RESERVE_H */
