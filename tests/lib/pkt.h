/* SPDX-License-Identifier: MIT */
/*
 * The one packet builder every test uses: a template segment between the
 * local end (xtcp, 198.18.0.1) and its peer (198.18.0.2), a few setters,
 * and frames built through the codec. Tests change a few fields of the
 * template, as smoltcp's do:
 *
 *	struct xt_seg_out s = pkt_from_peer();
 *	s.flags = XT_TCP_SYN;
 *	pkt_set_mss(&s, 1460);
 *	struct pkt_frame f = pkt_build(&s);
 *
 * Builders and pkt_parse() assert success with Criterion; for the codec's
 * own error paths call xt_frame_build() or xt_frame_parse() directly.
 */
#ifndef XTCP_TESTS_PKT_H
#define XTCP_TESTS_PKT_H

#include <stddef.h>
#include <stdint.h>
#include "wire/codec.h"

/* The testbed (DESIGN.md): 198.18.0.0/15, RFC 2544's benchmarking range. */
#define PKT_LOCAL_IP		0xc6120001u	/* 198.18.0.1, host order */
#define PKT_PEER_IP		0xc6120002u	/* 198.18.0.2, host order */
#define PKT_LOCAL_PORT		80
#define PKT_PEER_PORT		40000
#define PKT_WND			65535

extern const uint8_t pkt_local_mac[6];		/* 02:00:00:00:00:0a */
extern const uint8_t pkt_peer_mac[6];		/* 02:00:00:00:00:0b */

/* Where the builder puts each header: it never emits IP options. */
#define PKT_IP_OFF		XT_ETH_HLEN
#define PKT_TCP_OFF		(PKT_IP_OFF + 20)
#define PKT_OPT_OFF		(PKT_TCP_OFF + XT_TCP_HDR_MIN)

/* Headers, the most options, a 1500-byte MTU's payload, and some slack. */
#define PKT_FRAME_MAX		2048

/*
 * A built frame. buf sits 2 bytes past a 4-byte boundary, like the kernel's
 * NET_IP_ALIGN, so that the IPv4 and TCP headers are aligned. The headers
 * are members of the union, not casts of buf, so that edits through
 * pkt_iph() and pkt_tcph() are seen by the compiler as edits of the frame
 * (C11 §6.5p7): casting buf would break strict aliasing.
 */
struct pkt_frame {
	union {
		struct {
			uint16_t align;
			uint8_t buf[PKT_FRAME_MAX];
		};
		struct {
			uint16_t align_;
			struct ethhdr eth;
			struct iphdr ip;
			struct tcphdr tcp;	/* at PKT_TCP_OFF */
		} hdr;
	};
	size_t len;
};

_Static_assert(offsetof(struct pkt_frame, hdr.ip) ==
	       offsetof(struct pkt_frame, buf) + PKT_IP_OFF,
	       "pkt_frame IPv4 offset");
_Static_assert(offsetof(struct pkt_frame, hdr.tcp) ==
	       offsetof(struct pkt_frame, buf) + PKT_TCP_OFF,
	       "pkt_frame TCP offset");

/* Template segments: ACK, seq 0, ack 0, window PKT_WND, TTL 64, no options. */
struct xt_seg_out pkt_from_peer(void);		/* peer -> local */
struct xt_seg_out pkt_from_local(void);		/* local -> peer */

/* Swap the two ends: MACs, addresses and ports. */
void pkt_reverse(struct xt_seg_out *s);

/* Option setters; each also marks the option present. */
void pkt_set_mss(struct xt_seg_out *s, uint16_t mss);
void pkt_set_wscale(struct xt_seg_out *s, uint8_t wscale);
void pkt_set_sack_perm(struct xt_seg_out *s);
void pkt_set_ts(struct xt_seg_out *s, uint32_t tsval, uint32_t tsecr);
void pkt_set_sack(struct xt_seg_out *s, const struct xt_sack_block *blocks,
		  unsigned int n);
/* Payload: points at data, which must outlive the build. */
void pkt_set_payload(struct xt_seg_out *s, const void *data, uint32_t len);

/* A seeded PRNG (xorshift32) for deterministic tests; *state != 0. */
uint32_t pkt_rand(uint32_t *state);
/* Deterministic payload bytes: the same seed gives the same bytes. */
void pkt_fill(uint8_t *buf, size_t len, uint32_t seed);

/* Builds s; asserts that the codec accepts it. */
struct pkt_frame pkt_build(const struct xt_seg_out *s);

/*
 * Builds s with raw option bytes (n a multiple of 4, at most 40) in place
 * of s->opts: for malformed and unusual option areas.
 */
struct pkt_frame pkt_build_raw_opts(const struct xt_seg_out *s,
				    const uint8_t *opts, size_t n);

/* Parses f with checksums checked; asserts XT_PARSE_OK. Views into f. */
struct xt_seg pkt_parse(const struct pkt_frame *f);

/* Headers of a built frame, for editing in place; then pkt_fix_csums(). */
struct ethhdr *pkt_eth(struct pkt_frame *f);
struct iphdr *pkt_iph(struct pkt_frame *f);
struct tcphdr *pkt_tcph(struct pkt_frame *f);
void pkt_fix_csums(struct pkt_frame *f);

#endif /* XTCP_TESTS_PKT_H */
