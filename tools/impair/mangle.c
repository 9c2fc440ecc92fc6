// SPDX-License-Identifier: MIT
/*
 * One changed byte always shows in the ones'-complement sum: it moves a
 * 16-bit word by d or d * 256 with 0 < |d| < 256, never by a multiple of
 * 0xffff, the only change that sum cannot see. Flipping one bit of the
 * checksum field itself is caught for the same reason.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <string.h>
#include "mangle.h"

#define TCP_CSUM_OFF	16	/* offsetof(struct tcphdr, check) */

int xt_mangle_corrupt(uint8_t *pkt, size_t len, uint64_t rand)
{
	struct iphdr ip;
	struct tcphdr tcp;
	size_t ihl, end, thl, data_off, data_len;

	if (len < sizeof(ip))
		return -EINVAL;
	memcpy(&ip, pkt, sizeof(ip));
	ihl = (size_t)ip.ihl * 4;
	end = ntohs(ip.tot_len);
	if (ip.version != 4 || ihl < sizeof(ip) || end > len || end < ihl)
		return -EINVAL;
	/* A later fragment has no TCP header where we would look for one. */
	if (ip.protocol != IPPROTO_TCP || (ntohs(ip.frag_off) & IP_OFFMASK))
		return -EINVAL;
	if (end - ihl < sizeof(tcp))
		return -EINVAL;
	memcpy(&tcp, pkt + ihl, sizeof(tcp));
	thl = (size_t)tcp.doff * 4;
	if (thl < sizeof(tcp) || thl > end - ihl)
		return -EINVAL;

	data_off = ihl + thl;
	data_len = end - data_off;
	if (data_len > 0) {
		/* XOR with 1..255: the byte always changes. */
		pkt[data_off + rand % data_len] ^= (uint8_t)(1 + (rand >> 32) % 255);
		return 0;
	}
	pkt[ihl + TCP_CSUM_OFF + (rand & 1)] ^= (uint8_t)(1u << ((rand >> 1) & 7));
	return 0;
}
