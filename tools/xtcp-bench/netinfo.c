// SPDX-License-Identifier: MIT
/* The client interface's index, MAC and address; the server's MAC. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "netinfo.h"
#include "stats.h"

#define XB_ARP_WAIT_NS		2000000000ull
#define XB_ARP_POLL_NS		20000000
#define XB_DISCARD_PORT		9

int xb_if_info(const char *name, struct xb_ifinfo *info)
{
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	info->ifindex = (int)if_nametoindex(name);
	if (!info->ifindex) {
		fprintf(stderr, "xtcp-bench: no interface %s here\n", name);
		return -ENODEV;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		err = -errno;
		goto cleanup;
	}
	memcpy(info->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFADDR, &ifr)) {
		err = -errno;
		fprintf(stderr, "xtcp-bench: %s has no IPv4 address\n", name);
		goto cleanup;
	}
	info->addr = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
cleanup:
	close(fd);
	return err;
}

/* The MAC /proc/net/arp holds for addr (complete entries only). */
static int xb_arp_lookup(struct in_addr addr, uint8_t mac[6])
{
	FILE *f = fopen("/proc/net/arp", "r");
	char line[256], ip[64], hw[64], want[INET_ADDRSTRLEN];
	unsigned type, flags, m[6];
	int err = -ENOENT;

	if (!f)
		return -errno;
	inet_ntop(AF_INET, &addr, want, sizeof(want));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s 0x%x 0x%x %63s", ip, &type, &flags, hw) != 4)
			continue;
		if (strcmp(ip, want) || !(flags & 0x2))	/* ATF_COM */
			continue;
		if (sscanf(hw, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5]) != 6)
			continue;
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)m[i];
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

int xb_resolve_mac(struct in_addr server, uint8_t mac[6])
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = server,
				   .sin_port = htons(XB_DISCARD_PORT) };
	uint64_t deadline = xb_now_ns() + XB_ARP_WAIT_NS;
	int fd;

	if (!xb_arp_lookup(server, mac))
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	while (xb_now_ns() < deadline) {
		struct timespec ts = { 0, XB_ARP_POLL_NS };

		sendto(fd, "", 1, 0, (struct sockaddr *)&sin, sizeof(sin));
		nanosleep(&ts, NULL);
		if (!xb_arp_lookup(server, mac)) {
			close(fd);
			return 0;
		}
	}
	close(fd);
	fprintf(stderr, "xtcp-bench: no MAC for the server in the neighbour table (--server-mac)\n");
	return -EHOSTUNREACH;
}
