// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include "xdp/veth.h"
#include "xdp/rtnl.h"

#define NL_BUF		32768	/* one RTM_NEWLINK, statistics included */
#define NETNS_RUN_DIR	"/run/netns"	/* where ip-netns(8) names them */

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct rtgenmsg gen;
	};
	char attrs[32];
};

bool xt_veth_is(const char *ifname)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool veth;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = (void *)&di;
	veth = !ioctl(fd, SIOCETHTOOL, &ifr) && !strcmp(di.driver, "veth");
	close(fd);
	return veth;
}

static void nl_put_u32(struct nl_req *req, unsigned short type, uint32_t v)
{
	struct rtattr *rta = (struct rtattr *)((char *)req +
					       NLMSG_ALIGN(req->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(sizeof(v));
	memcpy(RTA_DATA(rta), &v, sizeof(v));
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + rta->rta_len;
}

/* Sends req; the answer, which must be of type want, lands in buf. */
static int nl_ask(int fd, struct nl_req *req, uint16_t want, char *buf,
		  size_t len)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	int n;

	if (send(fd, req, req->nh.nlmsg_len, 0) < 0)
		return -errno;
	n = (int)recv(fd, buf, len, 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nh, (unsigned)n))
		return -EIO;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		int err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;

		return err ? err : -EIO;
	}
	return nh->nlmsg_type == want ? 0 : -EIO;
}

struct link_info {
	int link;			/* IFLA_LINK: a veth's peer */
	int link_nsid;			/* IFLA_LINK_NETNSID, -1 if absent */
	char name[IF_NAMESIZE];
};

/* RTM_GETLINK for ifindex, in the namespace nsid names (-1: this one). */
static int link_get(int fd, int ifindex, int nsid, struct link_info *li)
{
	char buf[NL_BUF];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nl_req req = { 0 };
	struct rtattr *rta;
	int len, ret;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	if (nsid >= 0)
		nl_put_u32(&req, IFLA_TARGET_NETNSID, (uint32_t)nsid);
	ret = nl_ask(fd, &req, RTM_NEWLINK, buf, sizeof(buf));
	if (ret)
		return ret;
	memset(li, 0, sizeof(*li));
	li->link_nsid = -1;
	len = (int)IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_LINK)
			memcpy(&li->link, RTA_DATA(rta), sizeof(li->link));
		else if (rta->rta_type == IFLA_LINK_NETNSID)
			memcpy(&li->link_nsid, RTA_DATA(rta),
			       sizeof(li->link_nsid));
		else if (rta->rta_type == IFLA_IFNAME)
			snprintf(li->name, sizeof(li->name), "%.*s",
				 (int)RTA_PAYLOAD(rta), (char *)RTA_DATA(rta));
	}
	return 0;
}

/* The id this namespace gives the namespace at path, or -1. */
static int nsid_of(int fd, const char *path)
{
	char buf[1024];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nl_req req = { 0 };
	struct rtattr *rta;
	int nsfd, id = -1, len, ret;

	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -1;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg));
	req.nh.nlmsg_type = RTM_GETNSID;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.gen.rtgen_family = AF_UNSPEC;
	nl_put_u32(&req, NETNSA_FD, (uint32_t)nsfd);
	ret = nl_ask(fd, &req, RTM_NEWNSID, buf, sizeof(buf));
	close(nsfd);
	if (ret)
		return -1;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct rtgenmsg)));
	for (rta = (struct rtattr *)((char *)NLMSG_DATA(nh) +
				     NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	     RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == NETNSA_NSID)
			memcpy(&id, RTA_DATA(rta), sizeof(id));
	return id;
}

/* The name ip-netns(8) gives the namespace with this nsid, if any. */
static void netns_name(int fd, int nsid, char *name, size_t len)
{
	DIR *d = opendir(NETNS_RUN_DIR);
	struct dirent *de;
	char path[sizeof(NETNS_RUN_DIR) + NAME_MAX + 1];

	name[0] = '\0';
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", de->d_name);
		if (nsid_of(fd, path) == nsid) {
			snprintf(name, len, "%s", de->d_name);
			break;
		}
	}
	closedir(d);
}

int xt_veth_peer(int ifindex, struct xt_veth_peer *peer)
{
	struct link_info li, pi;
	int fd = xt_rtnl_open(), ret;

	if (fd < 0)
		return fd;
	memset(peer, 0, sizeof(*peer));
	ret = link_get(fd, ifindex, -1, &li);
	if (ret)
		goto cleanup;
	if (!li.link) {
		ret = -ENOENT;
		goto cleanup;
	}
	peer->ifindex = li.link;
	peer->nsid = li.link_nsid;
	if (!link_get(fd, li.link, li.link_nsid, &pi))
		snprintf(peer->name, sizeof(peer->name), "%s", pi.name);
	if (li.link_nsid >= 0)
		netns_name(fd, li.link_nsid, peer->netns, sizeof(peer->netns));
cleanup:
	close(fd);
	return ret;
}
