/* SPDX-License-Identifier: MIT */
/* What xtcp-bench needs to know about its interface and the server's. */
#ifndef XB_NETINFO_H
#define XB_NETINFO_H

#include <stdint.h>
#include <netinet/in.h>

struct xb_ifinfo {
	int ifindex;
	uint8_t mac[6];
	struct in_addr addr;	/* its IPv4 address */
};

/* 0, or -errno after printing what failed. */
int xb_if_info(const char *name, struct xb_ifinfo *info);

/*
 * The server's MAC from the neighbour table, after a datagram to it has
 * made the kernel resolve it (up to 2 s). 0, or -errno.
 */
int xb_resolve_mac(struct in_addr server, uint8_t mac[6]);

#endif /* XB_NETINFO_H */
