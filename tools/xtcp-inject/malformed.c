// SPDX-License-Identifier: MIT
/*
 * Every kind of broken frame, each spoiled from a well-formed segment to
 * --dst (an ACK, or a SYN where the kind needs one, from a random port in
 * XI_SPORT_LO..HI): truncated headers of each layer, lying lengths, bad
 * IHL and data offset, bad checksums, fragments, malformed TCP options,
 * impossible flag sets. (Nothing shorter than an Ethernet header: AF_PACKET
 * refuses it, as a NIC drops runts.) Where a kind spoils something other
 * than a checksum, the checksums are made right again, so that only the
 * check meant for that fault can catch it.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include "inject.h"
#include "xtcp/csum.h"
#include "wire/codec.h"

/* Byte offsets in a frame the builder wrote (no IP options). */
#define ETH		0
#define IP		XT_ETH_HLEN
#define TCP		(IP + 20)
#define IP_VIHL		(IP + 0)
#define IP_TOTLEN	(IP + 2)
#define IP_FRAG		(IP + 6)
#define IP_CSUM		(IP + 10)
#define IP_SADDR	(IP + 12)
#define IP_DADDR	(IP + 16)
#define TCP_SPORT	(TCP + 0)
#define TCP_DPORT	(TCP + 2)
#define TCP_DOFF	(TCP + 12)
#define TCP_FLAGS	(TCP + XT_TCP_FLAGS_OFF)
#define TCP_CSUM	(TCP + 16)
#define OPTS		(TCP + XT_TCP_HDR_MIN)
#define FRAG_OFFSET_8K	(8192 / 8)	/* in 8-byte units */

static void put16(uint8_t *p, uint16_t host)
{
	uint16_t v = htons(host);

	memcpy(p, &v, sizeof(v));
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return ntohs(v);
}

/* The IPv4 header checksum over ihl words, whatever they hold. */
static void fix_ip_csum(uint8_t *f, size_t len)
{
	size_t hlen = (size_t)(f[IP_VIHL] & 0xf) * 4;
	uint16_t c;

	if (hlen < 20)
		hlen = 20;
	if (IP + hlen > len)
		return;
	memset(f + IP_CSUM, 0, 2);
	c = xt_csum_fold(xt_csum_partial(f + IP, hlen, 0));
	memcpy(f + IP_CSUM, &c, sizeof(c));
}

/* What a kind starts from: a bare ACK, or a SYN with raw options. */
static int base(const struct xi_opts *o, uint64_t *rng, uint8_t flags,
		uint8_t *buf, size_t cap)
{
	struct xt_seg_out s = {
		.saddr = o->saddr, .daddr = o->daddr, .dport = o->dport,
		.wnd = 65535, .flags = flags,
	};

	memcpy(s.src_mac, o->src_mac, 6);
	memcpy(s.dst_mac, o->dst_mac, 6);
	s.sport = (uint16_t)(XI_SPORT_LO + xi_rand(rng) % (XI_SPORT_HI - XI_SPORT_LO + 1));
	s.seq = (uint32_t)xi_rand(rng);
	s.ack = flags & XT_TCP_ACK ? (uint32_t)xi_rand(rng) : 0;
	return xt_frame_build(&s, buf, cap);
}

/*
 * An ACK whose 8 option bytes are opt (the data offset grows by two
 * words), checksums right.
 */
static int with_opts(const struct xi_opts *o, uint64_t *rng, uint8_t *f,
		     size_t cap, const uint8_t opt[8])
{
	int len = base(o, rng, XT_TCP_ACK, f, cap);

	if (len < 0 || (size_t)len + 8 > cap)
		return -1;
	memcpy(f + OPTS, opt, 8);
	f[TCP_DOFF] = (XT_TCP_MIN_DOFF + 2) << 4;
	put16(f + IP_TOTLEN, (uint16_t)(get16(f + IP_TOTLEN) + 8));
	len += 8;
	xt_frame_fix_csums(f, (size_t)len);
	return len;
}

enum kind {
	K_ETH_ONLY, K_IP_TRUNC, K_IP_VERSION, K_IHL_SHORT, K_IHL_LONG,
	K_TOTLEN_SHORT, K_TOTLEN_LONG, K_TRAILER, K_IP_CSUM, K_FRAG_MF,
	K_FRAG_OFFSET, K_IPOPT_OVERRUN, K_TCP_TRUNC, K_DOFF_SHORT, K_DOFF_LONG,
	K_TCP_CSUM, K_OPT_LEN0, K_OPT_LEN1, K_OPT_OVERRUN, K_OPT_BADLEN,
	K_FLAGS_NULL, K_FLAGS_XMAS, K_SYN_FIN, K_SYN_RST, K_LAND, K_PORT_ZERO,
	K_ETH_BCAST, K_NKINDS
};

_Static_assert(K_NKINDS <= XI_MAX_KINDS, "kinds fit the report");

static const char *const names[K_NKINDS] = {
	[K_ETH_ONLY] = "eth-only",
	[K_IP_TRUNC] = "ip-trunc", [K_IP_VERSION] = "ip-version",
	[K_IHL_SHORT] = "ihl-short", [K_IHL_LONG] = "ihl-long",
	[K_TOTLEN_SHORT] = "totlen-short", [K_TOTLEN_LONG] = "totlen-long",
	[K_TRAILER] = "trailer", [K_IP_CSUM] = "ip-csum",
	[K_FRAG_MF] = "frag-mf", [K_FRAG_OFFSET] = "frag-offset",
	[K_IPOPT_OVERRUN] = "ipopt-overrun", [K_TCP_TRUNC] = "tcp-trunc",
	[K_DOFF_SHORT] = "doff-short", [K_DOFF_LONG] = "doff-long",
	[K_TCP_CSUM] = "tcp-csum", [K_OPT_LEN0] = "opt-len0",
	[K_OPT_LEN1] = "opt-len1", [K_OPT_OVERRUN] = "opt-overrun",
	[K_OPT_BADLEN] = "opt-badlen", [K_FLAGS_NULL] = "flags-null",
	[K_FLAGS_XMAS] = "flags-xmas", [K_SYN_FIN] = "syn-fin",
	[K_SYN_RST] = "syn-rst", [K_LAND] = "land", [K_PORT_ZERO] = "port-zero",
	[K_ETH_BCAST] = "eth-bcast",
};

/* Kinds that spoil the IP header, then make its checksum right. */
static int spoil_ip(enum kind k, uint8_t *f, int len)
{
	switch (k) {
	case K_IP_VERSION:
		f[IP_VIHL] = (6 << 4) | XT_IP_MIN_IHL;
		break;
	case K_IHL_SHORT:
		f[IP_VIHL] = (XT_IP_VERSION << 4) | 4;
		break;
	case K_IHL_LONG:		/* 60 bytes of header in a 40-byte packet */
		f[IP_VIHL] = (XT_IP_VERSION << 4) | 0xf;
		break;
	case K_TOTLEN_SHORT:
		put16(f + IP_TOTLEN, 19);
		break;
	case K_TOTLEN_LONG:
		put16(f + IP_TOTLEN, (uint16_t)(get16(f + IP_TOTLEN) + 100));
		break;
	case K_FRAG_MF:
		put16(f + IP_FRAG, XT_IP_MF);
		break;
	case K_FRAG_OFFSET:
		put16(f + IP_FRAG, FRAG_OFFSET_8K);
		break;
	case K_TCP_TRUNC:		/* 10 bytes of TCP, and the frame cut */
		put16(f + IP_TOTLEN, 20 + 10);
		len = TCP + 10;
		break;
	default:
		return -1;
	}
	fix_ip_csum(f, (size_t)len);
	return len;
}

/* Kinds that spoil the TCP header, then make the checksums right. */
static int spoil_tcp(enum kind k, const struct xi_opts *o, uint8_t *f, int len)
{
	switch (k) {
	case K_DOFF_SHORT:
		f[TCP_DOFF] = 4 << 4;
		break;
	case K_DOFF_LONG:		/* 60 bytes of header, 20 there */
		f[TCP_DOFF] = 0xf << 4;
		break;
	case K_FLAGS_NULL:
		f[TCP_FLAGS] = 0;
		break;
	case K_FLAGS_XMAS:
		f[TCP_FLAGS] = 0xff;
		break;
	case K_SYN_FIN:
		f[TCP_FLAGS] = XT_TCP_SYN | XT_TCP_FIN;
		break;
	case K_SYN_RST:
		f[TCP_FLAGS] = XT_TCP_SYN | XT_TCP_RST;
		break;
	case K_LAND:			/* from the destination to itself */
		memcpy(f + IP_SADDR, f + IP_DADDR, 4);
		put16(f + TCP_SPORT, o->dport);
		memcpy(f + ETH + 6, f + ETH, 6);
		break;
	case K_PORT_ZERO:
		put16(f + TCP_SPORT, 0);
		break;
	default:
		return -1;
	}
	xt_frame_fix_csums(f, (size_t)len);
	return len;
}

/* Kinds that cut the frame, add to it, or spoil a checksum or address. */
static int spoil_frame(enum kind k, uint8_t *f, int len, size_t cap)
{
	switch (k) {
	case K_ETH_ONLY:
		return XT_ETH_HLEN;
	case K_IP_TRUNC:
		return IP + 12;
	case K_TRAILER:			/* bytes past the datagram */
		if ((size_t)len + 100 > cap)
			return -1;
		memset(f + len, 0xa5, 100);
		return len + 100;
	case K_IP_CSUM:
		f[IP_CSUM] ^= 0x5a;
		return len;
	case K_TCP_CSUM:
		f[TCP_CSUM] ^= 0x5a;
		return len;
	case K_IPOPT_OVERRUN:		/* record route, its length past IHL */
		if ((size_t)len + 4 > cap)
			return -1;
		memmove(f + TCP + 4, f + TCP, (size_t)len - TCP);
		f[TCP] = 7;
		f[TCP + 1] = 39;
		f[TCP + 2] = 4;
		f[TCP + 3] = 0;
		f[IP_VIHL] = (XT_IP_VERSION << 4) | (XT_IP_MIN_IHL + 1);
		put16(f + IP_TOTLEN, (uint16_t)(get16(f + IP_TOTLEN) + 4));
		len += 4;
		xt_frame_fix_csums(f, (size_t)len);
		return len;
	case K_ETH_BCAST:
		memset(f + ETH, 0xff, 6);
		return len;
	default:
		return -1;
	}
}

static const uint8_t opt_len0[8] = { 30, 0, 1, 1, 1, 1, 1, 1 };
static const uint8_t opt_len1[8] = { 30, 1, 1, 1, 1, 1, 1, 1 };
static const uint8_t opt_overrun[8] = {
	XT_TCPOPT_NOP, XT_TCPOPT_NOP, XT_TCPOPT_TS, XT_TCPOLEN_TS, 0, 0, 0, 1,
};
static const uint8_t opt_badlen[8] = {
	XT_TCPOPT_MSS, 3, 5, XT_TCPOPT_NOP, XT_TCPOPT_NOP, XT_TCPOPT_NOP,
	XT_TCPOPT_NOP, XT_TCPOPT_EOL,
};

static int make(const struct xi_opts *o, uint64_t *rng, int k, uint64_t i,
		uint64_t n, uint8_t *f, size_t cap)
{
	bool syn = k == K_SYN_FIN || k == K_SYN_RST || k == K_LAND;
	int len, ret;

	(void)i;
	(void)n;
	switch (k) {
	case K_OPT_LEN0:
		return with_opts(o, rng, f, cap, opt_len0);
	case K_OPT_LEN1:
		return with_opts(o, rng, f, cap, opt_len1);
	case K_OPT_OVERRUN:
		return with_opts(o, rng, f, cap, opt_overrun);
	case K_OPT_BADLEN:
		return with_opts(o, rng, f, cap, opt_badlen);
	}
	len = base(o, rng, syn ? XT_TCP_SYN : XT_TCP_ACK, f, cap);
	if (len < 0)
		return len;
	ret = spoil_frame((enum kind)k, f, len, cap);
	if (ret < 0)
		ret = spoil_ip((enum kind)k, f, len);
	if (ret < 0)
		ret = spoil_tcp((enum kind)k, o, f, len);
	return ret;
}

const struct xi_gen xi_malformed_gen = { names, K_NKINDS, make };
