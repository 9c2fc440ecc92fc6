// SPDX-License-Identifier: MIT
/*
 * The userspace frame codec.
 *
 * Parse: xt_frame_parse() -> parse_eth() -> parse_ipv4() -> parse_tcp()
 *        -> parse_options() -> parse_option()
 * Emit:  xt_frame_build() -> emit_eth() -> emit_ipv4() -> emit_tcp()
 *        -> emit_options() -> emit_sack(), then xt_frame_fix_csums()
 *
 * Headers are copied in and out of the kernel's UAPI structs with memcpy,
 * so a frame may start at any address; every read is checked against the
 * bytes left in the layer that holds it.
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "xtcp/csum.h"
#include "wire/codec.h"

#define IP_HLEN_MIN	sizeof(struct iphdr)
#define TCP_HLEN_MIN	sizeof(struct tcphdr)
#define OPT_HDR		2	/* kind and length bytes (RFC 9293 §3.2) */
#define CSUM_OK		0	/* a verified sum folds to ~0xffff */

_Static_assert(sizeof(struct ethhdr) == XT_ETH_HLEN, "ethhdr layout");
_Static_assert(sizeof(struct iphdr) == 20, "iphdr layout");
_Static_assert(sizeof(struct tcphdr) == XT_TCP_HDR_MIN, "tcphdr layout");
/* One block more than XT_TCP_MAX_SACK_BLOCKS never fits: nsack is bounded. */
_Static_assert(OPT_HDR + XT_TCPOLEN_SACK_BLOCK * (XT_TCP_MAX_SACK_BLOCKS + 1) >
	       XT_TCP_OPT_SPACE, "SACK block bound");

/* Where parsing stands: the rest of the current layer, and the result. */
struct parse_ctx {
	const uint8_t *p;	/* start of the current layer */
	size_t room;		/* bytes the layer may use, from p */
	bool verify;		/* check both checksums */
	struct xt_seg *seg;
};

static const char *const parse_err_names[XT_PARSE_NREASONS] = {
	[XT_PARSE_OK]		= "ok",
	[XT_PARSE_ETH_TRUNC]	= "eth-trunc",
	[XT_PARSE_NOT_IPV4]	= "not-ipv4",
	[XT_PARSE_IP_TRUNC]	= "ip-trunc",
	[XT_PARSE_IP_VERSION]	= "ip-version",
	[XT_PARSE_IP_IHL]	= "ip-ihl",
	[XT_PARSE_IP_TOTLEN]	= "ip-totlen",
	[XT_PARSE_IP_CSUM]	= "ip-csum",
	[XT_PARSE_IP_FRAGMENT]	= "ip-fragment",
	[XT_PARSE_NOT_TCP]	= "not-tcp",
	[XT_PARSE_TCP_TRUNC]	= "tcp-trunc",
	[XT_PARSE_TCP_DOFF]	= "tcp-doff",
	[XT_PARSE_TCP_CSUM]	= "tcp-csum",
	[XT_PARSE_OPT_LEN0]	= "opt-len0",
	[XT_PARSE_OPT_LEN1]	= "opt-len1",
	[XT_PARSE_OPT_OVERRUN]	= "opt-overrun",
	[XT_PARSE_OPT_BADLEN]	= "opt-badlen",
};

const char *xt_parse_strerror(enum xt_parse_err e)
{
	if ((unsigned int)e >= XT_PARSE_NREASONS || !parse_err_names[e])
		return "unknown";
	return parse_err_names[e];
}

static uint16_t load_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static uint32_t load_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static uint8_t *store_be16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static uint8_t *store_be32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

/* RFC 791 §3.1: the one's complement of the sum of the header's words. */
static uint16_t ipv4_csum(const uint8_t *ip, size_t hlen)
{
	return xt_csum_fold(xt_csum_partial(ip, hlen, 0));
}

/*
 * RFC 9293 §3.1: the TCP checksum also covers a pseudo-header of source
 * and destination address, zero, protocol and TCP length.
 */
static uint16_t tcp_csum(uint32_t saddr, uint32_t daddr, const uint8_t *tcp,
			 size_t len)
{
	uint32_t sum = xt_csum_add(saddr, daddr);

	sum = xt_csum_add(sum, htobe16(IPPROTO_TCP));
	sum = xt_csum_add(sum, htobe16((uint16_t)len));
	return xt_csum_fold(xt_csum_partial(tcp, len, sum));
}

/* --- parse ---------------------------------------------------------------- */

static enum xt_parse_err parse_eth(struct parse_ctx *c)
{
	struct ethhdr eth;

	if (c->room < sizeof(eth))
		return XT_PARSE_ETH_TRUNC;
	memcpy(&eth, c->p, sizeof(eth));
	if (eth.h_proto != htobe16(ETH_P_IP))
		return XT_PARSE_NOT_IPV4;
	memcpy(c->seg->dst_mac, eth.h_dest, sizeof(c->seg->dst_mac));
	memcpy(c->seg->src_mac, eth.h_source, sizeof(c->seg->src_mac));
	c->p += sizeof(eth);
	c->room -= sizeof(eth);
	return XT_PARSE_OK;
}

/* RFC 791 §3.1; on success the layer shrinks to the IP payload. */
static enum xt_parse_err parse_ipv4(struct parse_ctx *c)
{
	struct iphdr ip;
	size_t hlen, tot;

	if (c->room < sizeof(ip))
		return XT_PARSE_IP_TRUNC;
	memcpy(&ip, c->p, sizeof(ip));
	if (ip.version != XT_IP_VERSION)
		return XT_PARSE_IP_VERSION;
	hlen = ip.ihl * 4u;
	if (ip.ihl < XT_IP_MIN_IHL || hlen > c->room)
		return XT_PARSE_IP_IHL;
	tot = be16toh(ip.tot_len);
	if (tot < hlen || tot > c->room)
		return XT_PARSE_IP_TOTLEN;
	if (c->verify && ipv4_csum(c->p, hlen) != CSUM_OK)
		return XT_PARSE_IP_CSUM;
	if (ip.frag_off & htobe16(XT_IP_MF | XT_IP_OFFSET))
		return XT_PARSE_IP_FRAGMENT;
	if (ip.protocol != IPPROTO_TCP)
		return XT_PARSE_NOT_TCP;
	c->seg->saddr = ip.saddr;
	c->seg->daddr = ip.daddr;
	c->seg->ttl = ip.ttl;
	c->seg->tos = ip.tos;
	c->seg->ip_id = be16toh(ip.id);
	c->p += hlen;
	c->room = tot - hlen;	/* drops trailing Ethernet padding */
	return XT_PARSE_OK;
}

/* RFC 2018 §3: length 2 + 8n, n >= 1 blocks of (left edge, right edge). */
static enum xt_parse_err parse_sack(const uint8_t *p, uint8_t len,
				    struct xt_tcp_opts *o)
{
	unsigned int i, n = (len - OPT_HDR) / XT_TCPOLEN_SACK_BLOCK;

	if (len < OPT_HDR + XT_TCPOLEN_SACK_BLOCK ||
	    (len - OPT_HDR) % XT_TCPOLEN_SACK_BLOCK ||
	    n > XT_TCP_MAX_SACK_BLOCKS)
		return XT_PARSE_OPT_BADLEN;
	memset(o->sack, 0, sizeof(o->sack));
	for (i = 0, p += OPT_HDR; i < n; i++, p += XT_TCPOLEN_SACK_BLOCK) {
		o->sack[i].start = load_be32(p);
		o->sack[i].end = load_be32(p + sizeof(uint32_t));
	}
	o->nsack = (uint8_t)n;
	o->present |= XT_OPT_SACK;
	return XT_PARSE_OK;
}

/* RFC 9293 §3.1 and §3.2, RFC 7323 §2.2 and §3.2, RFC 2018 §2 and §3. */
static enum xt_parse_err parse_option(const uint8_t *p, uint8_t len,
				      struct xt_tcp_opts *o)
{
	switch (p[0]) {
	case XT_TCPOPT_MSS:
		if (len != XT_TCPOLEN_MSS)
			return XT_PARSE_OPT_BADLEN;
		o->mss = load_be16(p + OPT_HDR);
		o->present |= XT_OPT_MSS;
		break;
	case XT_TCPOPT_WSCALE:
		if (len != XT_TCPOLEN_WSCALE)
			return XT_PARSE_OPT_BADLEN;
		o->wscale = p[OPT_HDR];
		o->present |= XT_OPT_WSCALE;
		break;
	case XT_TCPOPT_SACK_PERM:
		if (len != XT_TCPOLEN_SACK_PERM)
			return XT_PARSE_OPT_BADLEN;
		o->present |= XT_OPT_SACK_PERM;
		break;
	case XT_TCPOPT_TS:
		if (len != XT_TCPOLEN_TS)
			return XT_PARSE_OPT_BADLEN;
		o->tsval = load_be32(p + OPT_HDR);
		o->tsecr = load_be32(p + OPT_HDR + sizeof(uint32_t));
		o->present |= XT_OPT_TS;
		break;
	case XT_TCPOPT_SACK:
		return parse_sack(p, len, o);
	}
	return XT_PARSE_OK;	/* unknown kinds are skipped by their length */
}

/*
 * RFC 9293 §3.2: EOL ends the list, NOP is one byte, every other kind has
 * a length byte that counts the kind and itself.
 */
static enum xt_parse_err parse_options(const uint8_t *p, size_t len,
				       struct xt_tcp_opts *o)
{
	size_t i = 0;

	while (i < len && p[i] != XT_TCPOPT_EOL) {
		enum xt_parse_err err;
		uint8_t olen;

		if (p[i] == XT_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < OPT_HDR)
			return XT_PARSE_OPT_OVERRUN;
		olen = p[i + 1];
		if (olen == 0)
			return XT_PARSE_OPT_LEN0;
		if (olen == 1)
			return XT_PARSE_OPT_LEN1;
		if (olen > len - i)
			return XT_PARSE_OPT_OVERRUN;
		err = parse_option(p + i, olen, o);
		if (err != XT_PARSE_OK)
			return err;
		i += olen;
	}
	return XT_PARSE_OK;
}

/* RFC 9293 §3.1; c->room is the IP payload, padding already excluded. */
static enum xt_parse_err parse_tcp(struct parse_ctx *c)
{
	struct xt_seg *seg = c->seg;
	struct tcphdr th;
	size_t hlen;

	if (c->room < sizeof(th))
		return XT_PARSE_TCP_TRUNC;
	memcpy(&th, c->p, sizeof(th));
	hlen = th.doff * 4u;
	if (th.doff < XT_TCP_MIN_DOFF || hlen > c->room)
		return XT_PARSE_TCP_DOFF;
	if (c->verify &&
	    tcp_csum(seg->saddr, seg->daddr, c->p, c->room) != CSUM_OK)
		return XT_PARSE_TCP_CSUM;
	seg->sport = be16toh(th.source);
	seg->dport = be16toh(th.dest);
	seg->seq = be32toh(th.seq);
	seg->ack = be32toh(th.ack_seq);
	seg->flags = xt_tcp_flags(&th);
	seg->wnd = be16toh(th.window);
	seg->urg = be16toh(th.urg_ptr);
	seg->payload = c->p + hlen;
	seg->payload_len = (uint32_t)(c->room - hlen);
	return parse_options(c->p + sizeof(th), hlen - sizeof(th), &seg->opts);
}

static enum xt_parse_err parse_frame(const uint8_t *frame, size_t len,
				     struct xt_seg *seg, bool verify)
{
	struct parse_ctx c = {
		.p = frame, .room = len, .verify = verify, .seg = seg,
	};
	enum xt_parse_err err;

	memset(seg, 0, sizeof(*seg));
	seg->frame = frame;
	seg->frame_len = len;
	err = parse_eth(&c);
	if (err == XT_PARSE_OK)
		err = parse_ipv4(&c);
	if (err == XT_PARSE_OK)
		err = parse_tcp(&c);
	return err;
}

enum xt_parse_err xt_frame_parse(const uint8_t *frame, size_t len,
				 struct xt_seg *seg)
{
	return parse_frame(frame, len, seg, true);
}

enum xt_parse_err xt_frame_parse_nocsum(const uint8_t *frame, size_t len,
					struct xt_seg *seg)
{
	return parse_frame(frame, len, seg, false);
}

/* --- emit ----------------------------------------------------------------- */

int xt_opts_len(const struct xt_tcp_opts *o)
{
	int len = 0;

	if (o->present & ~XT_OPT_ALL)
		return -EINVAL;
	if ((o->present & XT_OPT_SACK) && o->nsack == 0)
		return -EINVAL;
	if (o->present & XT_OPT_MSS)
		len += XT_TCPOLEN_MSS;
	if (o->present & XT_OPT_TS)	/* SACK_PERM or NOP,NOP; then TS */
		len += OPT_HDR + XT_TCPOLEN_TS;
	else if (o->present & XT_OPT_SACK_PERM)
		len += OPT_HDR + XT_TCPOLEN_SACK_PERM;
	if (o->present & XT_OPT_WSCALE)
		len += 1 + XT_TCPOLEN_WSCALE;
	if (o->present & XT_OPT_SACK)	/* NOP,NOP,kind,len, blocks */
		len += 2 * OPT_HDR + XT_TCPOLEN_SACK_BLOCK * o->nsack;
	return len <= XT_TCP_OPT_SPACE ? len : -EMSGSIZE;
}

/* RFC 2018 §3, aligned as NOP,NOP,kind,length like Linux. */
static uint8_t *emit_sack(const struct xt_tcp_opts *o, uint8_t *q)
{
	unsigned int i;

	*q++ = XT_TCPOPT_NOP;
	*q++ = XT_TCPOPT_NOP;
	*q++ = XT_TCPOPT_SACK;
	*q++ = OPT_HDR + XT_TCPOLEN_SACK_BLOCK * o->nsack;
	for (i = 0; i < o->nsack; i++) {
		q = store_be32(q, o->sack[i].start);
		q = store_be32(q, o->sack[i].end);
	}
	return q;
}

/* RFC 7323 §3.2 with RFC 2018 §2: (4,2,8,10) when both, else NOP-aligned. */
static uint8_t *emit_ts_sack_perm(const struct xt_tcp_opts *o, uint8_t *q)
{
	if (!(o->present & XT_OPT_TS)) {
		*q++ = XT_TCPOPT_NOP;
		*q++ = XT_TCPOPT_NOP;
		*q++ = XT_TCPOPT_SACK_PERM;
		*q++ = XT_TCPOLEN_SACK_PERM;
		return q;
	}
	if (o->present & XT_OPT_SACK_PERM) {
		*q++ = XT_TCPOPT_SACK_PERM;
		*q++ = XT_TCPOLEN_SACK_PERM;
	} else {
		*q++ = XT_TCPOPT_NOP;
		*q++ = XT_TCPOPT_NOP;
	}
	*q++ = XT_TCPOPT_TS;
	*q++ = XT_TCPOLEN_TS;
	q = store_be32(q, o->tsval);
	return store_be32(q, o->tsecr);
}

/* The layout of Linux's tcp_options_write(); xt_opts_len() sized it. */
static void emit_options(const struct xt_tcp_opts *o, uint8_t *q)
{
	if (o->present & XT_OPT_MSS) {		/* RFC 9293 §3.7.1 */
		*q++ = XT_TCPOPT_MSS;
		*q++ = XT_TCPOLEN_MSS;
		q = store_be16(q, o->mss);
	}
	if (o->present & (XT_OPT_TS | XT_OPT_SACK_PERM))
		q = emit_ts_sack_perm(o, q);
	if (o->present & XT_OPT_WSCALE) {	/* RFC 7323 §2.2 */
		*q++ = XT_TCPOPT_NOP;
		*q++ = XT_TCPOPT_WSCALE;
		*q++ = XT_TCPOLEN_WSCALE;
		*q++ = o->wscale;
	}
	if (o->present & XT_OPT_SACK)
		emit_sack(o, q);
}

static void emit_eth(const struct xt_seg_out *s, uint8_t *p)
{
	struct ethhdr eth;

	memcpy(eth.h_dest, s->dst_mac, sizeof(eth.h_dest));
	memcpy(eth.h_source, s->src_mac, sizeof(eth.h_source));
	eth.h_proto = htobe16(ETH_P_IP);
	memcpy(p, &eth, sizeof(eth));
}

/* RFC 791 §3.1: no options, DF set; the checksum is filled in last. */
static void emit_ipv4(const struct xt_seg_out *s, uint8_t *p, size_t tot)
{
	struct iphdr ip = {
		.version = XT_IP_VERSION,
		.ihl = XT_IP_MIN_IHL,
		.tos = s->tos,
		.tot_len = htobe16((uint16_t)tot),
		.id = htobe16(s->ip_id),
		.frag_off = htobe16(XT_IP_DF),
		.ttl = s->ttl ? s->ttl : XT_IP_DEFAULT_TTL,
		.protocol = IPPROTO_TCP,
		.saddr = s->saddr,
		.daddr = s->daddr,
	};

	memcpy(p, &ip, sizeof(ip));
}

/* RFC 9293 §3.1; the checksum is filled in last. */
static void emit_tcp(const struct xt_seg_out *s, uint8_t *p, size_t optlen)
{
	struct tcphdr th = {
		.source = htobe16(s->sport),
		.dest = htobe16(s->dport),
		.seq = htobe32(s->seq),
		.ack_seq = htobe32(s->ack),
		.doff = (uint16_t)((sizeof(th) + optlen) / 4),
		.window = htobe16(s->wnd),
		.urg_ptr = htobe16(s->urg),
	};

	xt_tcp_set_flags(&th, s->flags);
	memcpy(p, &th, sizeof(th));
	emit_options(&s->opts, p + sizeof(th));
}

int xt_frame_build(const struct xt_seg_out *s, uint8_t *buf, size_t cap)
{
	size_t ip_len, len;
	uint8_t *ip;
	int optlen;

	if (!s || !buf || (s->payload_len && !s->payload))
		return -EINVAL;
	optlen = xt_opts_len(&s->opts);
	if (optlen < 0)
		return optlen;
	ip_len = IP_HLEN_MIN + TCP_HLEN_MIN + (size_t)optlen + s->payload_len;
	if (ip_len > UINT16_MAX)
		return -EMSGSIZE;
	len = XT_ETH_HLEN + ip_len;
	if (len > cap)
		return -ENOSPC;
	if (s->payload_len)	/* first: it may lie where the headers go */
		memmove(buf + len - s->payload_len, s->payload, s->payload_len);
	ip = buf + XT_ETH_HLEN;
	emit_eth(s, buf);
	emit_ipv4(s, ip, ip_len);
	emit_tcp(s, ip + IP_HLEN_MIN, (size_t)optlen);
	xt_frame_fix_csums(buf, len);
	return (int)len;
}

static void store_csum(uint8_t *field, uint16_t check)
{
	memcpy(field, &check, sizeof(check));
}

void xt_frame_fix_csums(uint8_t *frame, size_t len)
{
	uint8_t *ipp, *tcp;
	struct iphdr ip;
	size_t hlen, tot;

	if (len < XT_ETH_HLEN + IP_HLEN_MIN)
		return;
	ipp = frame + XT_ETH_HLEN;
	memcpy(&ip, ipp, sizeof(ip));
	hlen = ip.ihl * 4u;
	tot = be16toh(ip.tot_len);
	if (hlen < IP_HLEN_MIN || tot < hlen || tot > len - XT_ETH_HLEN)
		return;
	store_csum(ipp + offsetof(struct iphdr, check), 0);
	store_csum(ipp + offsetof(struct iphdr, check), ipv4_csum(ipp, hlen));
	if (tot - hlen < TCP_HLEN_MIN)
		return;
	tcp = ipp + hlen;
	store_csum(tcp + offsetof(struct tcphdr, check), 0);
	store_csum(tcp + offsetof(struct tcphdr, check),
		   tcp_csum(ip.saddr, ip.daddr, tcp, tot - hlen));
}
