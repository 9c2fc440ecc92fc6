/* SPDX-License-Identifier: MIT */
/*
 * Wire constants and header layouts shared by the XDP program and xtcpd.
 *
 * The header structs themselves are the kernel's UAPI ones (struct ethhdr,
 * struct iphdr, struct tcphdr); this file adds what they lack: the TCP flag
 * byte, option kinds and lengths, and the limits xtcp relies on.
 */
#ifndef XTCP_WIRE_H
#define XTCP_WIRE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>

/* IPv4 (RFC 791) */
#define XT_IP_VERSION		4
#define XT_IP_MIN_IHL		5		/* 32-bit words */
#define XT_IP_MF		0x2000		/* more fragments */
#define XT_IP_DF		0x4000		/* don't fragment */
#define XT_IP_OFFSET		0x1fff		/* fragment offset mask */
#define XT_IP_DEFAULT_TTL	64

/* TCP flag bits, as they sit in byte 13 of the header (RFC 9293 §3.1). */
#define XT_TCP_FIN		0x01
#define XT_TCP_SYN		0x02
#define XT_TCP_RST		0x04
#define XT_TCP_PSH		0x08
#define XT_TCP_ACK		0x10
#define XT_TCP_URG		0x20
#define XT_TCP_ECE		0x40
#define XT_TCP_CWR		0x80
#define XT_TCP_FLAGS_OFF	13

#define XT_TCP_MIN_DOFF		5		/* 32-bit words */
#define XT_TCP_HDR_MIN		20
#define XT_TCP_HDR_MAX		60
#define XT_TCP_OPT_SPACE	(XT_TCP_HDR_MAX - XT_TCP_HDR_MIN)

/* TCP option kinds and lengths (RFC 9293 §3.2, RFC 7323, RFC 2018). */
#define XT_TCPOPT_EOL		0
#define XT_TCPOPT_NOP		1
#define XT_TCPOPT_MSS		2
#define XT_TCPOPT_WSCALE	3
#define XT_TCPOPT_SACK_PERM	4
#define XT_TCPOPT_SACK		5
#define XT_TCPOPT_TS		8

#define XT_TCPOLEN_MSS		4
#define XT_TCPOLEN_WSCALE	3
#define XT_TCPOLEN_SACK_PERM	2
#define XT_TCPOLEN_SACK_BLOCK	8
#define XT_TCPOLEN_TS		10

#define XT_TCP_MAX_WSCALE	14		/* RFC 7323 §2.3 */
#define XT_TCP_MAX_SACK_BLOCKS	4		/* what fits in 40 option bytes */
#define XT_TCP_DEFAULT_MSS	536		/* RFC 9293 §3.7.1, no MSS option */

#define XT_ETH_HLEN		14
#define XT_FRAME_HDR_MIN	(XT_ETH_HLEN + 20 + XT_TCP_HDR_MIN)

/* The flag byte of a TCP header; struct tcphdr only offers bitfields. */
static inline __u8 xt_tcp_flags(const struct tcphdr *th)
{
	return ((const __u8 *)th)[XT_TCP_FLAGS_OFF];
}

static inline void xt_tcp_set_flags(struct tcphdr *th, __u8 flags)
{
	((__u8 *)th)[XT_TCP_FLAGS_OFF] = flags;
}

#endif /* XTCP_WIRE_H */
