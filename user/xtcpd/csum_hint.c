// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include "common/log.h"
#include "xdp/veth.h"
#include "xtcpd/csum_hint.h"

#define HINT_CHECK_MS	1000	/* how soon after the first drop it is said */

void xt_csum_hint_init(struct xt_csum_hint *h, const char *ifname,
		       int ifindex)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->ifname, sizeof(h->ifname), "%s", ifname);
	h->ifindex = ifindex;
	/* On a real NIC a bad checksum is damage on the wire, not this. */
	h->pending = xt_veth_is(ifname);
}

/* The command that turns the peer's offload off, where it must run. */
static void fix_for(const struct xt_veth_peer *p, char *buf, size_t len)
{
	if (p->nsid < 0 && p->name[0])
		snprintf(buf, len, "ethtool -K %s tx off", p->name);
	else if (p->netns[0] && p->name[0])
		snprintf(buf, len, "ip netns exec %s ethtool -K %s tx off",
			 p->netns, p->name);
	else if (p->name[0])
		snprintf(buf, len, "ethtool -K %s tx off, in the network "
			 "namespace that is nsid %d here", p->name, p->nsid);
	else
		snprintf(buf, len, "ethtool -K PEER tx off, where PEER is the "
			 "interface with ifindex %d in %s", p->ifindex,
			 p->nsid < 0 ? "this network namespace" :
			 "the peer's network namespace");
}

void xt_csum_hint_check(struct xt_csum_hint *h, uint64_t bad_csum)
{
	struct xt_veth_peer p;
	char peer[IF_NAMESIZE + 64], fix[IF_NAMESIZE + NAME_MAX + 96];

	if (!h->pending || !bad_csum)
		return;
	h->pending = false;
	if (xt_veth_peer(h->ifindex, &p)) {
		snprintf(peer, sizeof(peer), "its peer");
		snprintf(fix, sizeof(fix), "ethtool -K PEER tx off, on %s's "
			 "peer", h->ifname);
	} else {
		snprintf(peer, sizeof(peer), "its peer %s (ifindex %d%s)",
			 p.name[0] ? p.name : "?", p.ifindex,
			 p.nsid < 0 ? "" : ", in another network namespace");
		fix_for(&p, fix, sizeof(fix));
	}
	xt_warn("%s: %llu segment%s dropped for a bad checksum. %s is a veth, "
		"and %s most likely has TX checksum offload on: it sends TCP "
		"segments with only a partial checksum, which XDP and AF_XDP "
		"see as is, so xtcp drops them all. Fix: %s",
		h->ifname, (unsigned long long)bad_csum,
		bad_csum == 1 ? "" : "s", h->ifname, peer, fix);
}

uint64_t xt_csum_hint_delay(const struct xt_csum_hint *h, uint64_t delay_ms)
{
	if (h->pending && delay_ms > HINT_CHECK_MS)
		return HINT_CHECK_MS;
	return delay_ms;
}
