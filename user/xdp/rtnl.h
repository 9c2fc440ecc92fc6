/* SPDX-License-Identifier: MIT */
/* The rtnetlink socket neigh.c and veth.c ask the kernel over. */
#ifndef XTCP_RTNL_H
#define XTCP_RTNL_H

/*
 * A NETLINK_ROUTE socket whose reads give up after a second, so a
 * question the kernel never answers cannot hang xtcpd. Returns the fd
 * or -errno.
 */
int xt_rtnl_open(void);

#endif /* XTCP_RTNL_H */
