// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the frame codec. For arbitrary bytes:
 *
 *  1. both parsers return, and agree, except where a checksum fails;
 *  2. an accepted frame's payload lies inside the frame, after the headers;
 *  3. with its checksums fixed in place, a frame the checksum-blind parser
 *     accepts is accepted by the checking one, with the same fields;
 *  4. rebuilding from the parsed view and parsing again gives the same
 *     fields, and rebuilding that gives the same bytes.
 *
 * A property that fails abort()s, which libFuzzer reports with the input.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/codec.h"

#define FRAME_MAX	(XT_ETH_HLEN + UINT16_MAX)

static uint8_t shaped[FRAME_MAX], fixed[FRAME_MAX];
static uint8_t rebuilt[FRAME_MAX], again[FRAME_MAX];

static void require_at(int ok, const char *what, int line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_frame.c:%d: property failed: %s\n", line, what);
	abort();
}

#define require(ok)	require_at(!!(ok), #ok, __LINE__)

static int is_csum_err(enum xt_parse_err e)
{
	return e == XT_PARSE_IP_CSUM || e == XT_PARSE_TCP_CSUM;
}

/* Everything the builder reproduces but the TTL, where 0 means default. */
static int same_fields(const struct xt_seg *a, const struct xt_seg *b)
{
	return !memcmp(a->src_mac, b->src_mac, sizeof(a->src_mac)) &&
	       !memcmp(a->dst_mac, b->dst_mac, sizeof(a->dst_mac)) &&
	       a->saddr == b->saddr && a->daddr == b->daddr &&
	       a->sport == b->sport && a->dport == b->dport &&
	       a->seq == b->seq && a->ack == b->ack &&
	       a->flags == b->flags && a->wnd == b->wnd && a->urg == b->urg &&
	       a->tos == b->tos && a->ip_id == b->ip_id &&
	       !memcmp(&a->opts, &b->opts, sizeof(a->opts)) &&
	       a->payload_len == b->payload_len &&
	       !memcmp(a->payload, b->payload, a->payload_len);
}

static void seg_to_out(const struct xt_seg *g, struct xt_seg_out *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->src_mac, g->src_mac, sizeof(o->src_mac));
	memcpy(o->dst_mac, g->dst_mac, sizeof(o->dst_mac));
	o->saddr = g->saddr;
	o->daddr = g->daddr;
	o->sport = g->sport;
	o->dport = g->dport;
	o->seq = g->seq;
	o->ack = g->ack;
	o->flags = g->flags;
	o->wnd = g->wnd;
	o->urg = g->urg;
	o->ttl = g->ttl;
	o->tos = g->tos;
	o->ip_id = g->ip_id;
	o->opts = g->opts;
	o->payload = g->payload;
	o->payload_len = g->payload_len;
}

/* Properties 1 and 2; returns whether the checksum-blind parser accepts. */
static int check_parsers_agree(const uint8_t *data, size_t size,
				struct xt_seg *blind)
{
	enum xt_parse_err e = xt_frame_parse(data, size, &(struct xt_seg){ 0 });
	enum xt_parse_err b = xt_frame_parse_nocsum(data, size, blind);

	require(strcmp(xt_parse_strerror(b), "unknown") != 0);
	if (is_csum_err(e))
		require(!is_csum_err(b));
	else
		require(b == e);
	if (b != XT_PARSE_OK)
		return 0;
	require(blind->frame == data && blind->frame_len == size);
	require(blind->payload >= data + XT_FRAME_HDR_MIN);
	require(blind->payload + blind->payload_len <= data + size);
	require(blind->opts.nsack <= XT_TCP_MAX_SACK_BLOCKS);
	return 1;
}

/* Property 3. */
static void check_fixed_csums(const uint8_t *data, size_t size,
			      const struct xt_seg *blind, int blind_ok)
{
	struct xt_seg g;

	memcpy(fixed, data, size);
	xt_frame_fix_csums(fixed, size);
	if (!blind_ok)
		return;
	require(xt_frame_parse(fixed, size, &g) == XT_PARSE_OK);
	require(same_fields(blind, &g));
	require(g.ttl == blind->ttl);
}

/* Property 4. */
static void check_rebuild(const struct xt_seg *blind)
{
	struct xt_seg_out out;
	struct xt_seg g, g2;
	int n, n2;

	seg_to_out(blind, &out);
	/* Options may come packed tighter than Linux's layout emits them. */
	if (xt_opts_len(&out.opts) < 0) {
		require(xt_opts_len(&out.opts) == -EMSGSIZE);
		return;
	}
	n = xt_frame_build(&out, rebuilt, sizeof(rebuilt));
	if (n == -EMSGSIZE)
		return;		/* the same, with a 64 KiB datagram */
	require(n > 0);
	require(xt_frame_parse(rebuilt, (size_t)n, &g) == XT_PARSE_OK);
	require(same_fields(blind, &g));
	require(g.ttl == (blind->ttl ? blind->ttl : XT_IP_DEFAULT_TTL));
	seg_to_out(&g, &out);
	n2 = xt_frame_build(&out, again, sizeof(again));
	require(n2 == n && !memcmp(rebuilt, again, (size_t)n));
	require(xt_frame_parse(again, (size_t)n2, &g2) == XT_PARSE_OK);
}

/*
 * Inputs with an odd first byte skip the headers, so that the fuzzer
 * spends its time on options and lengths: byte 1 sets the data offset,
 * byte 2 how many trailing bytes are Ethernet padding, and the rest follows
 * a valid 20-byte TCP header. Checksums are made right.
 */
static size_t frame_from_tail(const uint8_t *data, size_t size)
{
	struct xt_seg_out tmpl = {
		.saddr = htobe32(0xc6120002), .daddr = htobe32(0xc6120001),
		.sport = 40000, .dport = 80, .flags = XT_TCP_ACK,
	};
	size_t tail = size - 3, pad = data[2] < tail ? data[2] : tail;
	uint8_t *ipp = shaped + XT_ETH_HLEN, *thp = ipp + sizeof(struct iphdr);
	struct iphdr ip;
	struct tcphdr th;

	require(xt_frame_build(&tmpl, shaped, sizeof(shaped)) ==
		XT_FRAME_HDR_MIN);
	memcpy(shaped + XT_FRAME_HDR_MIN, data + 3, tail);
	memcpy(&ip, ipp, sizeof(ip));
	ip.tot_len = htobe16((uint16_t)(sizeof(ip) + sizeof(th) + tail - pad));
	memcpy(ipp, &ip, sizeof(ip));
	memcpy(&th, thp, sizeof(th));
	th.doff = data[1] & 0xf;
	memcpy(thp, &th, sizeof(th));
	xt_frame_fix_csums(shaped, XT_FRAME_HDR_MIN + tail);
	return XT_FRAME_HDR_MIN + tail;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xt_seg blind;
	int blind_ok;

	if (size > FRAME_MAX - XT_FRAME_HDR_MIN)
		return 0;
	if (size >= 3 && (data[0] & 1)) {
		size = frame_from_tail(data, size);
		data = shaped;
	}
	blind_ok = check_parsers_agree(data, size, &blind);
	check_fixed_csums(data, size, &blind, blind_ok);
	if (blind_ok)
		check_rebuild(&blind);
	return 0;
}
