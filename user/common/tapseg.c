// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include "common/tapseg.h"
#include "xtcp/wire.h"

#define IP_MIN_HLEN	20

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* RFC 9293 §3.2 options, as far as the captured bytes go. */
static void decode_opts(const uint8_t *o, size_t n, struct xt_tapseg *s)
{
	size_t i = 0;

	while (i < n && o[i] != XT_TCPOPT_EOL) {
		uint8_t kind = o[i], len;

		if (kind == XT_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || (len = o[i + 1]) < 2 || i + len > n)
			return;
		if (kind == XT_TCPOPT_MSS && len == XT_TCPOLEN_MSS)
			s->mss = rd16(o + i + 2);
		else if (kind == XT_TCPOPT_WSCALE && len == XT_TCPOLEN_WSCALE)
			s->wscale = (int8_t)o[i + 2];
		else if (kind == XT_TCPOPT_SACK_PERM)
			s->sack_perm = true;
		else if (kind == XT_TCPOPT_TS && len == XT_TCPOLEN_TS)
			s->ts = true;
		else if (kind == XT_TCPOPT_SACK)
			s->nsack = (uint8_t)((len - 2) / XT_TCPOLEN_SACK_BLOCK);
		i += len;
	}
}

int xt_tapseg_decode(const struct xt_tap_rec *r, struct xt_tapseg *s)
{
	size_t cap = r->caplen < XT_TAP_SNAPLEN ? r->caplen : XT_TAP_SNAPLEN;
	const uint8_t *ip = r->data + XT_ETH_HLEN, *tcp;
	size_t ihl, doff, avail;
	uint16_t totlen;

	memset(s, 0, sizeof(*s));
	s->wscale = -1;
	if (cap < XT_ETH_HLEN + IP_MIN_HLEN ||
	    rd16(r->data + 12) != ETH_P_IP || (ip[0] >> 4) != XT_IP_VERSION ||
	    ip[9] != IPPROTO_TCP)
		return -EINVAL;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	totlen = rd16(ip + 2);
	if (ihl < IP_MIN_HLEN || cap < XT_ETH_HLEN + ihl + XT_TCP_HDR_MIN)
		return -EINVAL;
	tcp = ip + ihl;
	memcpy(&s->saddr, ip + 12, 4);
	memcpy(&s->daddr, ip + 16, 4);
	s->sport = rd16(tcp);
	s->dport = rd16(tcp + 2);
	s->seq = rd32(tcp + 4);
	s->ack = rd32(tcp + 8);
	s->flags = tcp[XT_TCP_FLAGS_OFF];
	s->wnd = rd16(tcp + 14);
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff >= XT_TCP_HDR_MIN && totlen >= ihl + doff)
		s->len = totlen - (uint32_t)(ihl + doff);
	avail = cap - XT_ETH_HLEN - ihl;
	if (doff > XT_TCP_HDR_MIN)
		decode_opts(tcp + XT_TCP_HDR_MIN,
			    (doff < avail ? doff : avail) - XT_TCP_HDR_MIN, s);
	return 0;
}
