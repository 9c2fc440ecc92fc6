/* SPDX-License-Identifier: MIT */
/*
 * The hint for a veth whose peer sends with TX checksum offload on. Such a
 * peer hands over frames whose TCP checksum holds only the pseudo-header
 * sum (CHECKSUM_PARTIAL); XDP and AF_XDP see them as they are, so XDP and
 * xtcpd drop every one as corrupt and the connection silently never
 * starts. The main thread feeds in the bad-checksum drops counted so far;
 * the first time there are any on a veth, this logs, once, what is wrong
 * and the `ethtool -K PEER tx off` that fixes it (DESIGN.md, Testbed).
 */
#ifndef XTCP_CSUM_HINT_H
#define XTCP_CSUM_HINT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct xt_csum_hint {
	char ifname[IF_NAMESIZE];
	int ifindex;
	bool pending;			/* a veth, and not logged yet */
};

/* Whether ifname is a veth decides if the hint can ever be due. */
void xt_csum_hint_init(struct xt_csum_hint *h, const char *ifname,
		       int ifindex);
/*
 * bad_csum: every segment dropped for a bad IPv4 or TCP checksum so far,
 * by XDP and by xtcpd. Logs the hint the first time it is not zero.
 */
void xt_csum_hint_check(struct xt_csum_hint *h, uint64_t bad_csum);
/* delay_ms, shortened while the hint may still be due, so it comes soon. */
uint64_t xt_csum_hint_delay(const struct xt_csum_hint *h, uint64_t delay_ms);

#endif /* XTCP_CSUM_HINT_H */
