// SPDX-License-Identifier: MIT
/* The shared test packet builder: a thin layer over the codec's builder. */
#include <endian.h>
#include <string.h>
#include <criterion/criterion.h>

#include "lib/pkt.h"

const uint8_t pkt_local_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
const uint8_t pkt_peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };

struct xt_seg_out pkt_from_peer(void)
{
	struct xt_seg_out s = {
		.saddr = htobe32(PKT_PEER_IP),
		.daddr = htobe32(PKT_LOCAL_IP),
		.sport = PKT_PEER_PORT,
		.dport = PKT_LOCAL_PORT,
		.flags = XT_TCP_ACK,
		.wnd = PKT_WND,
		.ttl = XT_IP_DEFAULT_TTL,
	};

	memcpy(s.src_mac, pkt_peer_mac, sizeof(s.src_mac));
	memcpy(s.dst_mac, pkt_local_mac, sizeof(s.dst_mac));
	return s;
}

struct xt_seg_out pkt_from_local(void)
{
	struct xt_seg_out s = pkt_from_peer();

	pkt_reverse(&s);
	return s;
}

void pkt_reverse(struct xt_seg_out *s)
{
	uint8_t mac[6];
	uint32_t addr = s->saddr;
	uint16_t port = s->sport;

	memcpy(mac, s->src_mac, sizeof(mac));
	memcpy(s->src_mac, s->dst_mac, sizeof(mac));
	memcpy(s->dst_mac, mac, sizeof(mac));
	s->saddr = s->daddr;
	s->daddr = addr;
	s->sport = s->dport;
	s->dport = port;
}

void pkt_set_mss(struct xt_seg_out *s, uint16_t mss)
{
	s->opts.mss = mss;
	s->opts.present |= XT_OPT_MSS;
}

void pkt_set_wscale(struct xt_seg_out *s, uint8_t wscale)
{
	s->opts.wscale = wscale;
	s->opts.present |= XT_OPT_WSCALE;
}

void pkt_set_sack_perm(struct xt_seg_out *s)
{
	s->opts.present |= XT_OPT_SACK_PERM;
}

void pkt_set_ts(struct xt_seg_out *s, uint32_t tsval, uint32_t tsecr)
{
	s->opts.tsval = tsval;
	s->opts.tsecr = tsecr;
	s->opts.present |= XT_OPT_TS;
}

void pkt_set_sack(struct xt_seg_out *s, const struct xt_sack_block *blocks,
		  unsigned int n)
{
	cr_assert_leq(n, XT_TCP_MAX_SACK_BLOCKS, "pkt: %u SACK blocks", n);
	memset(s->opts.sack, 0, sizeof(s->opts.sack));
	if (n)
		memcpy(s->opts.sack, blocks, n * sizeof(*blocks));
	s->opts.nsack = (uint8_t)n;
	s->opts.present |= XT_OPT_SACK;
}

void pkt_set_payload(struct xt_seg_out *s, const void *data, uint32_t len)
{
	s->payload = data;
	s->payload_len = len;
}

/* Marsaglia's xorshift32: a full period over the non-zero 32-bit states. */
uint32_t pkt_rand(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

void pkt_fill(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)pkt_rand(&x);
}

struct pkt_frame pkt_build(const struct xt_seg_out *s)
{
	struct pkt_frame f = { 0 };
	int len = xt_frame_build(s, f.buf, sizeof(f.buf));

	cr_assert_gt(len, 0, "pkt: xt_frame_build() = %d", len);
	f.len = (size_t)len;
	return f;
}

/*
 * The raw options travel as the start of the payload; moving the data
 * offset over them turns them into the option area.
 */
struct pkt_frame pkt_build_raw_opts(const struct xt_seg_out *s,
				    const uint8_t *opts, size_t n)
{
	uint8_t body[PKT_FRAME_MAX];
	struct xt_seg_out t = *s;
	struct pkt_frame f;

	cr_assert(n % 4 == 0 && n <= XT_TCP_OPT_SPACE, "pkt: %zu raw bytes", n);
	cr_assert_leq(s->payload_len, sizeof(body) - n);
	memcpy(body, opts, n);
	if (s->payload_len)
		memcpy(body + n, s->payload, s->payload_len);
	memset(&t.opts, 0, sizeof(t.opts));
	pkt_set_payload(&t, body, (uint32_t)(n + s->payload_len));
	f = pkt_build(&t);
	pkt_tcph(&f)->doff = (uint16_t)(XT_TCP_MIN_DOFF + n / 4);
	pkt_fix_csums(&f);
	return f;
}

struct xt_seg pkt_parse(const struct pkt_frame *f)
{
	struct xt_seg seg;
	enum xt_parse_err err = xt_frame_parse(f->buf, f->len, &seg);

	cr_assert_eq(err, XT_PARSE_OK, "pkt: parse: %s",
		     xt_parse_strerror(err));
	return seg;
}

struct ethhdr *pkt_eth(struct pkt_frame *f)
{
	return &f->hdr.eth;
}

struct iphdr *pkt_iph(struct pkt_frame *f)
{
	return &f->hdr.ip;
}

struct tcphdr *pkt_tcph(struct pkt_frame *f)
{
	return &f->hdr.tcp;
}

void pkt_fix_csums(struct pkt_frame *f)
{
	xt_frame_fix_csums(f->buf, f->len);
}
