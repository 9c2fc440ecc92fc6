/* SPDX-License-Identifier: MIT */
/*
 * The userspace frame codec: Ethernet + IPv4 (RFC 791) + TCP (RFC 9293 §3.1)
 * with the options of RFC 9293 §3.2, RFC 7323 and RFC 2018.
 *
 * Two forms, as in smoltcp's wire module: struct xt_seg is a parsed,
 * zero-copy view of a received frame; struct xt_seg_out is what the TCP
 * engine asks to send, and xt_frame_build() emits it. Parsing never reads
 * outside the frame it is given, and frames may start at any address.
 */
#ifndef XTCP_WIRE_CODEC_H
#define XTCP_WIRE_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "xtcp/wire.h"

/* Why a frame is rejected; one reason per check, in the order made. */
enum xt_parse_err {
	XT_PARSE_OK = 0,
	XT_PARSE_ETH_TRUNC,	/* shorter than an Ethernet header */
	XT_PARSE_NOT_IPV4,	/* ethertype is not IPv4 */
	XT_PARSE_IP_TRUNC,	/* shorter than a minimal IPv4 header */
	XT_PARSE_IP_VERSION,	/* version != 4 */
	XT_PARSE_IP_IHL,	/* IHL < 5 or header past the frame */
	XT_PARSE_IP_TOTLEN,	/* total length < IHL*4 or past the frame */
	XT_PARSE_IP_CSUM,	/* header checksum does not verify */
	XT_PARSE_IP_FRAGMENT,	/* MF set or non-zero offset */
	XT_PARSE_NOT_TCP,	/* protocol != 6 */
	XT_PARSE_TCP_TRUNC,	/* IP payload shorter than 20 bytes */
	XT_PARSE_TCP_DOFF,	/* data offset < 5 or past the IP payload */
	XT_PARSE_TCP_CSUM,	/* TCP checksum (with pseudo-header) fails */
	XT_PARSE_OPT_LEN0,	/* option length byte 0 */
	XT_PARSE_OPT_LEN1,	/* option length byte 1 */
	XT_PARSE_OPT_OVERRUN,	/* option or its length byte past the header */
	XT_PARSE_OPT_BADLEN,	/* known option with the wrong length */
	XT_PARSE_NREASONS
};

/* Short stable names such as "ip-ihl", for logs and counters. */
const char *xt_parse_strerror(enum xt_parse_err e);

/* Which options a segment carries, or is to carry: xt_tcp_opts.present. */
#define XT_OPT_MSS		(1u << 0)
#define XT_OPT_WSCALE		(1u << 1)
#define XT_OPT_SACK_PERM	(1u << 2)
#define XT_OPT_TS		(1u << 3)
#define XT_OPT_SACK		(1u << 4)
#define XT_OPT_ALL		(XT_OPT_MSS | XT_OPT_WSCALE | \
				 XT_OPT_SACK_PERM | XT_OPT_TS | XT_OPT_SACK)

struct xt_sack_block {
	uint32_t start, end;		/* host order */
};

/*
 * Parsed options; fields of options not in 'present' are zero, and so are
 * sack[] entries past nsack. Where an option appears twice, the last wins.
 */
struct xt_tcp_opts {
	uint32_t present;		/* XT_OPT_* bits */
	uint16_t mss;
	uint8_t wscale;			/* as received; the engine clamps */
	uint8_t nsack;			/* 1..XT_TCP_MAX_SACK_BLOCKS */
	uint32_t tsval, tsecr;
	struct xt_sack_block sack[XT_TCP_MAX_SACK_BLOCKS];
};

/*
 * A received segment: a zero-copy view into the frame, fields in host order
 * except addresses, which stay in network order.
 */
struct xt_seg {
	const uint8_t *frame;
	size_t frame_len;
	uint8_t src_mac[6], dst_mac[6];
	uint32_t saddr, daddr;		/* network order */
	uint16_t sport, dport;		/* host order */
	uint32_t seq, ack;
	uint8_t flags;			/* XT_TCP_* flag byte */
	uint16_t wnd, urg;		/* window (unscaled), urgent pointer */
	uint8_t ttl;
	uint16_t ip_id;
	uint8_t tos;			/* DSCP and ECN (RFC 3168) */
	struct xt_tcp_opts opts;
	/* Trailing Ethernet padding is excluded via the IP total length. */
	const uint8_t *payload;
	uint32_t payload_len;
};

/*
 * Returns XT_PARSE_OK or the reason the frame is rejected. Unknown option
 * kinds are skipped by their length; EOL ends the option list. Never reads
 * outside [frame, frame + len). On error *seg holds no meaning.
 */
enum xt_parse_err xt_frame_parse(const uint8_t *frame, size_t len,
				 struct xt_seg *seg);

/*
 * Same, but skips both checksum verifications: for frames from AF_XDP whose
 * checksums the NIC verified, and for tests.
 */
enum xt_parse_err xt_frame_parse_nocsum(const uint8_t *frame, size_t len,
					struct xt_seg *seg);

/* What to send: the representation the builder emits. */
struct xt_seg_out {
	uint8_t src_mac[6], dst_mac[6];
	uint32_t saddr, daddr;		/* network order */
	uint16_t sport, dport;		/* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd, urg;
	uint8_t ttl;			/* 0 means XT_IP_DEFAULT_TTL */
	uint16_t ip_id;
	uint8_t tos;			/* DSCP and ECN (RFC 3168) */
	struct xt_tcp_opts opts;	/* which to emit: opts.present */
	const uint8_t *payload;
	uint32_t payload_len;
};

/*
 * Bytes the options of o take on emit, padded to a multiple of 4 (<= 40),
 * -EMSGSIZE if they do not fit (callers pick nsack: with timestamps, at most
 * 3 SACK blocks fit), or -EINVAL for unknown 'present' bits or SACK with
 * nsack 0.
 */
int xt_opts_len(const struct xt_tcp_opts *o);

/*
 * Writes Ethernet + IPv4 + TCP + options + payload into buf, with the IPv4
 * header checksum and the full TCP checksum (pseudo-header). DF set, no IP
 * options, no Ethernet padding. Returns the frame length, or -ENOSPC if cap
 * is too small, -EMSGSIZE if options or payload do not fit in a TCP header
 * or an IPv4 datagram, -EINVAL for bad input. The payload may lie anywhere
 * in buf, even where the frame needs it (zero-copy TX): it is moved into
 * place before any header is written.
 *
 * Option layout, like Linux: MSS first; SACK_PERM and TS together as
 * (4,2,8,10) when both, otherwise NOP,NOP,TS or NOP,NOP,SACK_PERM; WS as
 * NOP,(3,3,ws); SACK blocks as NOP,NOP,(5,2+8n,...). Always 4-byte aligned.
 */
int xt_frame_build(const struct xt_seg_out *s, uint8_t *buf, size_t cap);

/*
 * Recomputes both checksums of a frame built or edited in place. Valid
 * headers are assumed: a checksum whose header does not fit in the frame
 * (by its IHL and total length) is left untouched.
 */
void xt_frame_fix_csums(uint8_t *frame, size_t len);

#endif /* XTCP_WIRE_CODEC_H */
