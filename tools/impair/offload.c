// SPDX-License-Identifier: MIT
/* The ethtool ioctls, as `ethtool -K DEV gro off gso off tso off`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include "offload.h"

static const struct {
	unsigned int get, set;
} cmds[XT_OFFLOAD_N] = {
	[XT_OFFLOAD_GRO] = { ETHTOOL_GGRO, ETHTOOL_SGRO },
	[XT_OFFLOAD_GSO] = { ETHTOOL_GGSO, ETHTOOL_SGSO },
	[XT_OFFLOAD_TSO] = { ETHTOOL_GTSO, ETHTOOL_STSO },
};

static int ethtool(int fd, const char *ifname, struct ethtool_value *ev)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)ev;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

int xt_offload_off(struct xt_offload *o, const char *ifname)
{
	int fd, ret = 0;

	memset(o, 0, sizeof(*o));
	snprintf(o->ifname, sizeof(o->ifname), "%s", ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < XT_OFFLOAD_N && ret == 0; i++) {
		struct ethtool_value ev = { .cmd = cmds[i].get };

		ret = ethtool(fd, ifname, &ev);
		if (ret || !ev.data)
			continue;
		ev = (struct ethtool_value){ .cmd = cmds[i].set, .data = 0 };
		ret = ethtool(fd, ifname, &ev);
		o->turned_off[i] = ret == 0;
	}
	close(fd);
	return ret;
}

void xt_offload_restore(struct xt_offload *o)
{
	int fd;

	if (!o || !o->ifname[0])
		return;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	for (int i = 0; i < XT_OFFLOAD_N; i++) {
		struct ethtool_value ev = { .cmd = cmds[i].set, .data = 1 };

		if (o->turned_off[i] && ethtool(fd, o->ifname, &ev) == 0)
			o->turned_off[i] = false;
	}
	close(fd);
}
