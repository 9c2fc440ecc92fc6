/* SPDX-License-Identifier: MIT */
/*
 * Next-hop Ethernet addresses for active opens, from the kernel's route
 * and neighbour tables over rtnetlink (DESIGN.md: the kernel keeps ARP).
 */
#ifndef XTCP_NEIGH_H
#define XTCP_NEIGH_H

#include <stdint.h>

/*
 * The MAC of the next hop from ifindex towards addr (network order). When
 * the kernel has no entry yet, it is made to resolve one (a datagram to
 * the discard port starts ARP) and asked again until timeout_ms.
 * Returns 0, -ENETUNREACH (no route via ifindex), -ETIMEDOUT, or -errno.
 */
int xt_neigh_resolve(int ifindex, uint32_t addr, uint8_t mac[6],
		     int timeout_ms);

#endif /* XTCP_NEIGH_H */
