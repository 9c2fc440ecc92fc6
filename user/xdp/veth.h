/* SPDX-License-Identifier: MIT */
/*
 * Facts about a veth that only matter when something is wrong with it:
 * whether an interface is one, and where its peer is, asked of the kernel
 * by ioctl and rtnetlink in the current network namespace (never through
 * /sys, which belongs to whichever namespace mounted it).
 */
#ifndef XTCP_VETH_H
#define XTCP_VETH_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>

/* Whether ifname's driver, as `ethtool -i` names it, is "veth". */
bool xt_veth_is(const char *ifname);

struct xt_veth_peer {
	int ifindex;			/* in the peer's own namespace */
	int nsid;			/* its namespace's id; -1: ours */
	char name[IF_NAMESIZE];		/* "" when the kernel would not say */
	char netns[NAME_MAX + 1];	/* its name under /run/netns, or "" */
};

/*
 * The peer of the veth ifindex. Returns 0, -ENOENT when ifindex has no
 * peer (not a veth), or another -errno; the name and netns are best effort.
 */
int xt_veth_peer(int ifindex, struct xt_veth_peer *peer);

#endif /* XTCP_VETH_H */
