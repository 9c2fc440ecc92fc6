/* SPDX-License-Identifier: MIT */
/*
 * Facts about a network interface, asked of the kernel by ioctl and
 * netlink in the current network namespace (never through /sys, which
 * belongs to whichever namespace mounted it).
 */
#ifndef XTCP_NETIF_H
#define XTCP_NETIF_H

#include <stdint.h>

struct xt_netif {
	int ifindex;
	uint32_t addr;			/* first IPv4 address, network order */
	uint8_t mac[6];
	uint32_t mtu;
	uint32_t rx_queues;
};

/* Returns 0, or -ENODEV / -EADDRNOTAVAIL / another -errno. */
int xt_netif_query(const char *ifname, struct xt_netif *nif);

#endif /* XTCP_NETIF_H */
