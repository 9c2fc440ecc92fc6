// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "xdp/neigh.h"
#include "xdp/rtnl.h"

#define NL_BUF		16384
#define RESOLVE_STEP_MS	20
#define NUD_USABLE	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | \
			 NUD_PERMANENT | NUD_NOARP)

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct rtmsg rt;
		struct ndmsg nd;
	};
	char attrs[64];
};

/* RTM_GETROUTE to addr: the gateway if there is one, else addr itself. */
static int route_nexthop(int fd, int ifindex, uint32_t addr, uint32_t *hop)
{
	struct nl_req req = { 0 };
	struct rtattr *rta;
	char buf[NL_BUF];
	struct nlmsghdr *nh;
	int oif = 0, len;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.rt.rtm_family = AF_INET;
	req.rt.rtm_dst_len = 32;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = RTA_DST;
	rta->rta_len = RTA_LENGTH(sizeof(addr));
	memcpy(RTA_DATA(rta), &addr, sizeof(addr));
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + rta->rta_len;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	len = (int)recv(fd, buf, sizeof(buf), 0);
	if (len < 0)
		return -errno;
	nh = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(nh, (unsigned)len) || nh->nlmsg_type != RTM_NEWROUTE)
		return -ENETUNREACH;
	*hop = addr;
	len = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(NLMSG_DATA(nh)); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_GATEWAY)
			memcpy(hop, RTA_DATA(rta), sizeof(*hop));
		else if (rta->rta_type == RTA_OIF)
			memcpy(&oif, RTA_DATA(rta), sizeof(oif));
	}
	return oif == ifindex ? 0 : -ENETUNREACH;
}

/* One neighbour message: is it hop on ifindex, usable, with a MAC? */
static int neigh_match(struct nlmsghdr *nh, int ifindex, uint32_t hop,
		       uint8_t mac[6])
{
	struct ndmsg *nd = NLMSG_DATA(nh);
	int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	struct rtattr *rta;
	int dst_ok = 0, mac_ok = 0;

	if (nh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != ifindex ||
	    !(nd->ndm_state & NUD_USABLE))
		return 0;
	for (rta = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == NDA_DST && RTA_PAYLOAD(rta) == 4)
			dst_ok = !memcmp(RTA_DATA(rta), &hop, 4);
		else if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6) {
			memcpy(mac, RTA_DATA(rta), 6);
			mac_ok = 1;
		}
	}
	return dst_ok && mac_ok;
}

/* Dumps the IPv4 neighbour table looking for hop; 1 found, 0 not, -errno. */
static int neigh_lookup(int fd, int ifindex, uint32_t hop, uint8_t mac[6])
{
	struct nl_req req = { 0 };
	char buf[NL_BUF];
	int found = 0;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nd.ndm_family = AF_INET;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		int len = (int)recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0)
			return -errno;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return found;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			found |= neigh_match(nh, ifindex, hop, mac);
		}
	}
}

/* A datagram to the discard port makes the kernel ARP for hop. */
static void neigh_poke(uint32_t hop)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9),
				   .sin_addr.s_addr = hop };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
}

int xt_neigh_resolve(int ifindex, uint32_t addr, uint8_t mac[6],
		     int timeout_ms)
{
	const struct timespec step = { .tv_nsec = RESOLVE_STEP_MS * 1000000L };
	int fd = xt_rtnl_open(), ret;
	uint32_t hop;

	if (fd < 0)
		return fd;
	ret = route_nexthop(fd, ifindex, addr, &hop);
	for (int waited = 0; !ret; waited += RESOLVE_STEP_MS) {
		ret = neigh_lookup(fd, ifindex, hop, mac);
		if (ret == 1) {
			ret = 0;
			break;
		}
		if (ret < 0)
			break;
		if (waited >= timeout_ms) {
			ret = -ETIMEDOUT;
			break;
		}
		if (waited == 0)
			neigh_poke(hop);
		nanosleep(&step, NULL);
	}
	close(fd);
	return ret;
}
