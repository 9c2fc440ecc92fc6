// SPDX-License-Identifier: MIT
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include "xdp/netif.h"

static int netif_ioctl(int fd, const char *ifname, unsigned long req,
		       struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	strncpy(ifr->ifr_name, ifname, IFNAMSIZ - 1);
	return ioctl(fd, req, ifr) ? -errno : 0;
}

/* Drivers report queues as rx or as combined channels; take the larger. */
static uint32_t netif_rx_queues(int fd, const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	uint32_t n;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = (void *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		return 1;
	n = ch.rx_count > ch.combined_count ? ch.rx_count : ch.combined_count;
	return n ? n : 1;
}

static int netif_first_ipv4(const char *ifname, uint32_t *addr)
{
	struct ifaddrs *ifa, *i;
	int ret = -EADDRNOTAVAIL;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, ifname))
			continue;
		*addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		ret = 0;
		break;
	}
	freeifaddrs(ifa);
	return ret;
}

int xt_netif_query(const char *ifname, struct xt_netif *nif)
{
	struct ifreq ifr;
	int fd, ret;

	memset(nif, 0, sizeof(*nif));
	nif->ifindex = (int)if_nametoindex(ifname);
	if (!nif->ifindex)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = netif_ioctl(fd, ifname, SIOCGIFHWADDR, &ifr);
	if (ret)
		goto cleanup;
	memcpy(nif->mac, ifr.ifr_hwaddr.sa_data, sizeof(nif->mac));
	ret = netif_ioctl(fd, ifname, SIOCGIFMTU, &ifr);
	if (ret)
		goto cleanup;
	nif->mtu = (uint32_t)ifr.ifr_mtu;
	nif->rx_queues = netif_rx_queues(fd, ifname);
	ret = netif_first_ipv4(ifname, &nif->addr);
cleanup:
	close(fd);
	return ret;
}
