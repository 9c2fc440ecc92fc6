// SPDX-License-Identifier: MIT
/*
 * The frame codec: round trips through build and parse, the exact bytes
 * the builder emits, and one crafted frame for every reason parsing can
 * reject a frame.
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "lib/pkt.h"
#include "xtcp/csum.h"

static const uint8_t hello[] = "hello";
#define HELLO_LEN	((uint32_t)sizeof(hello) - 1)

/* The base of the crafted frames: a data segment from the peer. */
static struct xt_seg_out data_seg(void)
{
	struct xt_seg_out s = pkt_from_peer();

	s.flags = XT_TCP_ACK | XT_TCP_PSH;
	s.seq = 0xffffff00;
	s.ack = 0x00000100;
	pkt_set_payload(&s, hello, HELLO_LEN);
	return s;
}

/* Every field of a parsed segment against what was built. */
static void expect_same(const struct xt_seg *g, const struct xt_seg_out *s,
			const char *what)
{
	uint8_t ttl = s->ttl ? s->ttl : XT_IP_DEFAULT_TTL;

	cr_assert_arr_eq(g->src_mac, s->src_mac, 6, "%s: src_mac", what);
	cr_assert_arr_eq(g->dst_mac, s->dst_mac, 6, "%s: dst_mac", what);
	cr_assert_eq(g->saddr, s->saddr, "%s: saddr", what);
	cr_assert_eq(g->daddr, s->daddr, "%s: daddr", what);
	cr_assert_eq(g->sport, s->sport, "%s: sport", what);
	cr_assert_eq(g->dport, s->dport, "%s: dport", what);
	cr_assert_eq(g->seq, s->seq, "%s: seq", what);
	cr_assert_eq(g->ack, s->ack, "%s: ack", what);
	cr_assert_eq(g->flags, s->flags, "%s: flags", what);
	cr_assert_eq(g->wnd, s->wnd, "%s: wnd", what);
	cr_assert_eq(g->urg, s->urg, "%s: urg", what);
	cr_assert_eq(g->ttl, ttl, "%s: ttl", what);
	cr_assert_eq(g->tos, s->tos, "%s: tos", what);
	cr_assert_eq(g->ip_id, s->ip_id, "%s: ip_id", what);
	cr_assert_arr_eq(&g->opts, &s->opts, sizeof(g->opts), "%s: opts %#x",
			 what, g->opts.present);
	cr_assert_eq(g->payload_len, s->payload_len, "%s: payload_len", what);
	if (s->payload_len)
		cr_assert_arr_eq(g->payload, s->payload, s->payload_len,
				 "%s: payload", what);
}

/* --- round trips ---------------------------------------------------------- */

struct seg_kind {
	const char *name;
	uint8_t flags;
	uint16_t urg;
};

/* Options as the parser returns them: absent fields zero. */
static struct xt_tcp_opts make_opts(uint32_t present, unsigned int nsack,
				    uint32_t salt)
{
	struct xt_tcp_opts o = { .present = present };
	unsigned int i;

	if (present & XT_OPT_MSS)
		o.mss = (uint16_t)(536 + salt % 9000);
	if (present & XT_OPT_WSCALE)
		o.wscale = (uint8_t)(salt % 15);
	if (present & XT_OPT_TS) {
		o.tsval = 0xfffffff0u + salt;
		o.tsecr = ~salt;
	}
	for (i = 0; i < nsack; i++) {
		o.sack[i].start = 0xffffff00u + salt + 1000 * i;
		o.sack[i].end = o.sack[i].start + 500;
	}
	o.nsack = (uint8_t)nsack;
	return o;
}

/* Builds s, parses it both ways, and compares every field. */
static void round_trip(const struct xt_seg_out *s, const char *what)
{
	struct pkt_frame f = pkt_build(s);
	struct xt_seg g;
	size_t want = XT_FRAME_HDR_MIN + (size_t)xt_opts_len(&s->opts) +
		      s->payload_len;

	cr_assert_eq(f.len, want, "%s: frame length", what);
	g = pkt_parse(&f);
	cr_assert_eq(g.frame, f.buf, "%s: frame", what);
	cr_assert_eq(g.frame_len, f.len, "%s: frame_len", what);
	expect_same(&g, s, what);
	cr_assert_eq(xt_frame_parse_nocsum(f.buf, f.len, &g), XT_PARSE_OK);
	expect_same(&g, s, what);
}

static const uint32_t payload_lens[] = { 0, 1, 7, 537, 1460 };

/* Every option set and SACK count that fits, with every payload length. */
static unsigned int round_trip_all_opts(const struct seg_kind *k)
{
	static uint8_t payload[1460];
	unsigned int runs = 0, nsack, p;
	uint32_t present;
	char what[128];

	pkt_fill(payload, sizeof(payload), 42);
	for (present = 0; present <= XT_OPT_ALL; present++) {
		unsigned int nmax = present & XT_OPT_SACK ?
				    XT_TCP_MAX_SACK_BLOCKS : 0;

		for (nsack = !!nmax; nsack <= nmax; nsack++) {
			struct xt_seg_out s = pkt_from_peer();

			s.opts = make_opts(present, nsack, runs);
			if (xt_opts_len(&s.opts) < 0)
				continue;
			for (p = 0; p < 5; p++, runs++) {
				if (runs % 2)
					pkt_reverse(&s);
				s.flags = k->flags;
				s.urg = k->urg;
				s.seq = 0xffffff00u + 97 * runs;
				s.ack = ~s.seq;
				s.wnd = (uint16_t)(runs * 131);
				s.ttl = (uint8_t)(1 + runs % 255);
				s.tos = (uint8_t)runs;
				s.ip_id = (uint16_t)(runs * 7919);
				pkt_set_payload(&s, payload, payload_lens[p]);
				snprintf(what, sizeof(what),
					 "%s opts %#x nsack %u payload %u",
					 k->name, present, nsack,
					 payload_lens[p]);
				round_trip(&s, what);
			}
		}
	}
	return runs;
}

static const struct seg_kind seg_kinds[] = {
	{ "SYN", XT_TCP_SYN, 0 },
	{ "SYN-ACK", XT_TCP_SYN | XT_TCP_ACK, 0 },
	{ "ACK", XT_TCP_ACK, 0 },
	{ "data", XT_TCP_ACK | XT_TCP_PSH, 0 },
	{ "FIN", XT_TCP_FIN, 0 },
	{ "FIN+ACK", XT_TCP_FIN | XT_TCP_ACK, 0 },
	{ "RST", XT_TCP_RST, 0 },
	{ "RST+ACK", XT_TCP_RST | XT_TCP_ACK, 0 },
	{ "URG", XT_TCP_URG | XT_TCP_ACK | XT_TCP_PSH, 0x8001 },
	{ "ECE+CWR", XT_TCP_ECE | XT_TCP_CWR | XT_TCP_ACK, 0 },
	{ "all flags", 0xff, 0xffff },
};

#define NKINDS	(sizeof(seg_kinds) / sizeof(seg_kinds[0]))

/*
 * Criterion runs each test in a fresh process, where pointers held in a
 * parameter mean nothing: parameters are indices into the tables.
 */
static struct criterion_test_params table_indices(size_t n)
{
	static unsigned int idx[64];
	size_t i;

	cr_assert_leq(n, sizeof(idx) / sizeof(idx[0]));
	for (i = 0; i < n; i++)
		idx[i] = (unsigned int)i;
	return cr_make_param_array(unsigned int, idx, n);
}

ParameterizedTestParameters(codec_roundtrip, every_option_set_and_payload)
{
	return table_indices(NKINDS);
}

ParameterizedTest(unsigned int *i, codec_roundtrip,
		  every_option_set_and_payload)
{
	/* 16 sets without SACK; 16 with it, by 1..4 blocks, 46 of which fit */
	cr_assert_eq(round_trip_all_opts(&seg_kinds[*i]), (16 + 46) * 5);
}

Test(codec_roundtrip, zero_ttl_means_default)
{
	struct xt_seg_out s = pkt_from_local();

	s.ttl = 0;
	round_trip(&s, "ttl 0");
}

Test(codec_roundtrip, wscale_above_14_passes_as_received)
{
	struct xt_seg_out s = pkt_from_peer();

	pkt_set_wscale(&s, 255);
	round_trip(&s, "wscale 255");
}

Test(codec_roundtrip, frame_at_odd_address)
{
	struct xt_seg_out s = data_seg();
	struct pkt_frame f;
	uint8_t *odd = malloc(PKT_FRAME_MAX + 1);
	struct xt_seg g;

	pkt_set_ts(&s, 1, 2);
	f = pkt_build(&s);
	cr_assert_not_null(odd);
	memcpy(odd + 1, f.buf, f.len);
	cr_assert_eq(xt_frame_parse(odd + 1, f.len, &g), XT_PARSE_OK);
	expect_same(&g, &s, "odd address");
	cr_assert_eq(xt_frame_build(&s, odd + 1, PKT_FRAME_MAX), (int)f.len);
	cr_assert_arr_eq(odd + 1, f.buf, f.len);
	free(odd);
}

/* --- the builder's bytes -------------------------------------------------- */

/*
 * Expected frames computed independently (Python's struct module and its
 * own RFC 1071 sum), not by this codec.
 */
static const uint8_t golden_syn[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
	0x9c, 0x60, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x9c, 0x40,
	0x00, 0x50, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
	0xfa, 0xf0, 0x21, 0x50, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
	0x03, 0x07,
};

static const uint8_t golden_data[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x39, 0xbe, 0xef, 0x40, 0x00, 0x40, 0x06,
	0xef, 0xa7, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x9c, 0x40,
	0x00, 0x50, 0x00, 0x00, 0x00, 0x10, 0xde, 0xad, 0xbe, 0xef, 0x80, 0x18,
	0x01, 0xf6, 0x6a, 0x72, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x00, 0x00,
	0x00, 0x07, 0x00, 0x00, 0x00, 0x09, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

/* s builds to exactly want, and want parses back to s. */
static void expect_frame(const struct xt_seg_out *s, const uint8_t *want,
			 size_t n)
{
	struct pkt_frame f = pkt_build(s);
	struct xt_seg g;

	cr_assert_eq(f.len, n);
	cr_assert_arr_eq(f.buf, want, n);
	cr_assert_eq(xt_frame_parse(want, n, &g), XT_PARSE_OK);
	expect_same(&g, s, "golden");
}

Test(codec_build, linux_syn_layout_matches_golden_frame)
{
	struct xt_seg_out s = pkt_from_peer();

	s.flags = XT_TCP_SYN;
	s.seq = 0xffffff00;
	s.wnd = 64240;
	s.ip_id = 0x1234;
	pkt_set_mss(&s, 1460);
	pkt_set_sack_perm(&s);
	pkt_set_ts(&s, 0x01020304, 0);
	pkt_set_wscale(&s, 7);
	expect_frame(&s, golden_syn, sizeof(golden_syn));
}

Test(codec_build, data_segment_matches_golden_frame)
{
	struct xt_seg_out s = pkt_from_peer();

	s.flags = XT_TCP_ACK | XT_TCP_PSH;
	s.seq = 0x10;
	s.ack = 0xdeadbeef;
	s.wnd = 502;
	s.ip_id = 0xbeef;
	pkt_set_ts(&s, 7, 9);
	pkt_set_payload(&s, hello, HELLO_LEN);
	expect_frame(&s, golden_data, sizeof(golden_data));
}

Test(codec_build, ipv4_header_has_df_ttl_and_tcp)
{
	struct xt_seg_out s = data_seg();
	struct pkt_frame f;
	struct iphdr *ip;

	s.ttl = 0;
	s.tos = 0x02;			/* ECT(0), RFC 3168 §5 */
	f = pkt_build(&s);
	ip = pkt_iph(&f);
	cr_assert_eq(ip->version, XT_IP_VERSION);
	cr_assert_eq(ip->ihl, XT_IP_MIN_IHL);
	cr_assert_eq(ip->frag_off, htobe16(XT_IP_DF));
	cr_assert_eq(ip->ttl, XT_IP_DEFAULT_TTL);
	cr_assert_eq(ip->tos, 0x02);
	cr_assert_eq(ip->protocol, IPPROTO_TCP);
	cr_assert_eq(be16toh(ip->tot_len), f.len - XT_ETH_HLEN);
	cr_assert_eq(pkt_eth(&f)->h_proto, htobe16(ETH_P_IP));
}

Test(codec_build, cap_too_small_is_enospc)
{
	struct xt_seg_out s = data_seg();
	uint8_t buf[PKT_FRAME_MAX];
	int len = xt_frame_build(&s, buf, sizeof(buf));

	cr_assert_gt(len, 0);
	cr_assert_eq(xt_frame_build(&s, buf, (size_t)len - 1), -ENOSPC);
	cr_assert_eq(xt_frame_build(&s, buf, 0), -ENOSPC);
	cr_assert_eq(xt_frame_build(&s, buf, (size_t)len), len);
}

Test(codec_build, bad_input_is_einval)
{
	struct xt_seg_out s = data_seg();
	uint8_t buf[PKT_FRAME_MAX];

	cr_assert_eq(xt_frame_build(NULL, buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(xt_frame_build(&s, NULL, sizeof(buf)), -EINVAL);
	s.payload = NULL;
	cr_assert_eq(xt_frame_build(&s, buf, sizeof(buf)), -EINVAL);
	s = data_seg();
	s.opts.present = XT_OPT_SACK;	/* and nsack 0 */
	cr_assert_eq(xt_frame_build(&s, buf, sizeof(buf)), -EINVAL);
	s.opts.present = XT_OPT_ALL + 1;
	cr_assert_eq(xt_frame_build(&s, buf, sizeof(buf)), -EINVAL);
}

Test(codec_build, options_past_40_bytes_are_emsgsize)
{
	struct xt_seg_out s = data_seg();
	struct xt_sack_block blocks[XT_TCP_MAX_SACK_BLOCKS] = { { 1, 2 } };
	uint8_t buf[PKT_FRAME_MAX];

	pkt_set_ts(&s, 1, 2);
	pkt_set_sack(&s, blocks, XT_TCP_MAX_SACK_BLOCKS);
	cr_assert_eq(xt_frame_build(&s, buf, sizeof(buf)), -EMSGSIZE);
}

/* RFC 791: the total length field bounds a datagram at 65535 bytes. */
Test(codec_build, payload_past_ipv4_total_length_is_emsgsize)
{
	size_t cap = XT_ETH_HLEN + UINT16_MAX;
	uint32_t max = UINT16_MAX - 20 - XT_TCP_HDR_MIN;
	uint8_t *payload = calloc(1, max + 1), *buf = malloc(cap + 1);
	struct xt_seg_out s = pkt_from_local();
	struct xt_seg g;

	cr_assert(payload && buf);
	pkt_set_payload(&s, payload, max + 1);
	cr_assert_eq(xt_frame_build(&s, buf, cap + 1), -EMSGSIZE);
	pkt_set_payload(&s, payload, max);
	cr_assert_eq(xt_frame_build(&s, buf, cap), (int)cap);
	cr_assert_eq(xt_frame_parse(buf, cap, &g), XT_PARSE_OK);
	cr_assert_eq(g.payload_len, max);
	free(payload);
	free(buf);
}

/*
 * Zero-copy TX: the payload may already sit in buf, where the frame needs
 * it, a little off, or over the headers' place.
 */
Test(codec_build, payload_anywhere_in_buf_is_moved_into_place)
{
	static const size_t offs[] = { 0, 1, XT_FRAME_HDR_MIN - 1,
				       XT_FRAME_HDR_MIN, XT_FRAME_HDR_MIN + 1,
				       1000 };
	uint8_t buf[PKT_FRAME_MAX], want[300];
	unsigned int i;

	pkt_fill(want, sizeof(want), 7);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		struct xt_seg_out s = pkt_from_local();
		struct xt_seg g;
		int len;

		memcpy(buf + offs[i], want, sizeof(want));
		pkt_set_payload(&s, buf + offs[i], sizeof(want));
		len = xt_frame_build(&s, buf, sizeof(buf));
		cr_assert_eq(len, XT_FRAME_HDR_MIN + (int)sizeof(want));
		cr_assert_eq(xt_frame_parse(buf, (size_t)len, &g), XT_PARSE_OK);
		cr_assert_arr_eq(g.payload, want, sizeof(want), "at %zu",
				 offs[i]);
	}
}

Test(codec_build, fix_csums_after_an_edit_in_place)
{
	struct xt_seg_out s = data_seg();
	struct pkt_frame f = pkt_build(&s);
	struct xt_seg g;

	pkt_tcph(&f)->seq = htobe32(12345);
	cr_assert_eq(xt_frame_parse(f.buf, f.len, &g), XT_PARSE_TCP_CSUM);
	pkt_iph(&f)->ttl = 3;
	cr_assert_eq(xt_frame_parse(f.buf, f.len, &g), XT_PARSE_IP_CSUM);
	pkt_fix_csums(&f);
	g = pkt_parse(&f);
	cr_assert_eq(g.seq, 12345);
	cr_assert_eq(g.ttl, 3);
}

/* Checksums whose headers claim more than the frame holds stay as they are. */
Test(codec_build, fix_csums_leaves_a_short_frame_alone)
{
	struct xt_seg_out s = data_seg();
	struct pkt_frame f = pkt_build(&s), before;

	/* 14 bytes more than the frame holds */
	pkt_iph(&f)->tot_len = htobe16((uint16_t)f.len);
	before = f;
	pkt_fix_csums(&f);
	cr_assert_arr_eq(f.buf, before.buf, sizeof(f.buf));
	f.len = PKT_TCP_OFF - 1;
	pkt_fix_csums(&f);
	cr_assert_arr_eq(f.buf, before.buf, sizeof(f.buf));
}

/* An IPv4 header with no room for TCP gets its own checksum, and no more. */
Test(codec_build, fix_csums_writes_nothing_past_a_short_segment)
{
	struct xt_seg_out s = data_seg();
	struct pkt_frame f = pkt_build(&s), before;

	pkt_iph(&f)->tot_len = htobe16(20);
	f.len = PKT_TCP_OFF;
	before = f;
	pkt_fix_csums(&f);
	cr_assert_arr_eq(f.buf + f.len, before.buf + f.len,
			 sizeof(f.buf) - f.len);
	cr_assert_eq(xt_csum_fold(xt_csum_partial(pkt_iph(&f), 20, 0)), 0);
}

/* --- option lengths and layout -------------------------------------------- */

struct opts_len_case {
	const char *what;
	uint32_t present;
	unsigned int nsack;
	int want;
};

Test(codec_opts, length_of_each_set)
{
	static const struct opts_len_case cases[] = {
		{ "none", 0, 0, 0 },
		{ "MSS", XT_OPT_MSS, 0, 4 },
		{ "WS", XT_OPT_WSCALE, 0, 4 },
		{ "SACK_PERM", XT_OPT_SACK_PERM, 0, 4 },
		{ "TS", XT_OPT_TS, 0, 12 },
		{ "SACK_PERM+TS", XT_OPT_SACK_PERM | XT_OPT_TS, 0, 12 },
		{ "SACK 1", XT_OPT_SACK, 1, 12 },
		{ "SACK 4", XT_OPT_SACK, 4, 36 },
		{ "SACK 5", XT_OPT_SACK, 5, -EMSGSIZE },
		{ "SACK 255", XT_OPT_SACK, 255, -EMSGSIZE },
		{ "TS+SACK 3", XT_OPT_TS | XT_OPT_SACK, 3, 40 },
		{ "TS+SACK 4", XT_OPT_TS | XT_OPT_SACK, 4, -EMSGSIZE },
		{ "all, SACK 2", XT_OPT_ALL, 2, 40 },
		{ "all, SACK 3", XT_OPT_ALL, 3, -EMSGSIZE },
		{ "MSS+TS+SACK 3", XT_OPT_MSS | XT_OPT_TS | XT_OPT_SACK, 3,
		  -EMSGSIZE },
		{ "SYN: all but SACK", XT_OPT_ALL & ~XT_OPT_SACK, 0, 20 },
		{ "SACK, no blocks", XT_OPT_SACK, 0, -EINVAL },
		{ "unknown bit", XT_OPT_ALL + 1, 0, -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xt_tcp_opts o = {
			.present = cases[i].present,
			.nsack = (uint8_t)cases[i].nsack,
		};

		cr_expect_eq(xt_opts_len(&o), cases[i].want, "%s: %d",
			     cases[i].what, xt_opts_len(&o));
	}
}

/* The option area of s as built, into out; returns its length. */
static size_t built_opts(const struct xt_seg_out *s, uint8_t *out)
{
	struct pkt_frame f = pkt_build(s);
	size_t n = pkt_tcph(&f)->doff * 4u - XT_TCP_HDR_MIN;

	memcpy(out, f.buf + PKT_OPT_OFF, n);
	return n;
}

Test(codec_opts, layout_is_linux_like)
{
	static const uint8_t ts[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const uint8_t sp[] = { 1, 1, 4, 2 };
	static const uint8_t sp_ws[] = { 1, 1, 4, 2, 1, 3, 3, 14 };
	static const uint8_t sack[] = { 1, 1, 5, 10, 0xff, 0xff, 0xff, 0xfe,
					0, 0, 0, 5 };
	struct xt_sack_block b = { 0xfffffffe, 5 };
	struct xt_seg_out s = pkt_from_local();
	uint8_t got[XT_TCP_OPT_SPACE];

	pkt_set_ts(&s, 1, 2);
	cr_assert_eq(built_opts(&s, got), sizeof(ts));
	cr_assert_arr_eq(got, ts, sizeof(ts));
	s = pkt_from_local();
	pkt_set_sack_perm(&s);
	cr_assert_eq(built_opts(&s, got), sizeof(sp));
	cr_assert_arr_eq(got, sp, sizeof(sp));
	pkt_set_wscale(&s, 14);
	cr_assert_eq(built_opts(&s, got), sizeof(sp_ws));
	cr_assert_arr_eq(got, sp_ws, sizeof(sp_ws));
	s = pkt_from_local();
	pkt_set_sack(&s, &b, 1);
	cr_assert_eq(built_opts(&s, got), sizeof(sack));
	cr_assert_arr_eq(got, sack, sizeof(sack));
}

/* --- parsing: what is accepted -------------------------------------------- */

/* RFC 894 pads short frames to 60 bytes; the padding is not payload. */
Test(codec_parse, excludes_trailing_ethernet_padding)
{
	struct xt_seg_out s = pkt_from_peer();
	struct pkt_frame f;
	struct xt_seg g;

	pkt_set_payload(&s, hello, 1);
	f = pkt_build(&s);
	cr_assert_eq(f.len, 55);
	memset(f.buf + f.len, 0xa5, 60 - f.len);
	f.len = 60;
	g = pkt_parse(&f);
	cr_assert_eq(g.payload_len, 1);
	cr_assert_eq(g.payload[0], 'h');
	cr_assert_eq(g.frame_len, 60);
}

Test(codec_parse, skips_unknown_options)
{
	static const uint8_t opts[] = { 30, 6, 0xaa, 0xbb, 0xcc, 0xdd,
					2, 4, 0x05, 0xb4, 1, 1 };
	struct xt_seg_out s = data_seg();
	struct pkt_frame f = pkt_build_raw_opts(&s, opts, sizeof(opts));
	struct xt_seg g = pkt_parse(&f);

	cr_assert_eq(g.opts.present, XT_OPT_MSS);
	cr_assert_eq(g.opts.mss, 1460);
	cr_assert_eq(g.payload_len, HELLO_LEN);
}

Test(codec_parse, unknown_option_may_end_exactly_at_the_header)
{
	static const uint8_t opts[] = { 1, 1, 1, 1, 253, 4, 0xbe, 0xef };
	struct xt_seg_out s = data_seg();
	struct pkt_frame f = pkt_build_raw_opts(&s, opts, sizeof(opts));

	cr_assert_eq(pkt_parse(&f).opts.present, 0);
}

/* RFC 9293 §3.2: nothing after End of Option List is read. */
Test(codec_parse, eol_stops_parsing)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 0, 2, 0, 0 };
	struct xt_seg_out s = data_seg();
	struct pkt_frame f = pkt_build_raw_opts(&s, opts, sizeof(opts));
	struct xt_seg g = pkt_parse(&f);

	cr_assert_eq(g.opts.present, XT_OPT_MSS);
	cr_assert_eq(g.payload_len, HELLO_LEN);
}

Test(codec_parse, nop_only_option_area_is_fine)
{
	uint8_t opts[XT_TCP_OPT_SPACE];
	struct xt_seg_out s = data_seg();
	struct pkt_frame f;
	struct xt_seg g;

	memset(opts, XT_TCPOPT_NOP, sizeof(opts));
	f = pkt_build_raw_opts(&s, opts, sizeof(opts));
	g = pkt_parse(&f);
	cr_assert_eq(g.opts.present, 0);
	cr_assert_eq(g.payload_len, HELLO_LEN);
	cr_assert_arr_eq(g.payload, hello, HELLO_LEN);
}

Test(codec_parse, last_of_a_repeated_option_wins)
{
	static const uint8_t opts[] = {
		5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
		2, 4, 0x02, 0x18, 2, 4, 0x05, 0xb4,
		5, 10, 0, 0, 0, 9, 0, 0, 0, 10, 1, 1, 1, 1,
	};
	struct xt_seg_out s = data_seg();
	struct pkt_frame f = pkt_build_raw_opts(&s, opts, sizeof(opts));
	struct xt_seg g = pkt_parse(&f);

	cr_assert_eq(g.opts.mss, 1460);
	cr_assert_eq(g.opts.nsack, 1);
	cr_assert_eq(g.opts.sack[0].start, 9);
	cr_assert_eq(g.opts.sack[0].end, 10);
	cr_assert_eq(g.opts.sack[1].start, 0, "stale block left behind");
}

/* RFC 791 §3.1: IP options are skipped by the IHL. */
Test(codec_parse, skips_ip_options)
{
	static const uint8_t ipopts[] = { 1, 1, 1, 0 };
	struct xt_seg_out s = data_seg();
	struct pkt_frame f = pkt_build(&s);
	uint8_t *after_ip = f.buf + PKT_TCP_OFF;
	struct xt_seg g;

	memmove(after_ip + sizeof(ipopts), after_ip, f.len - PKT_TCP_OFF);
	memcpy(after_ip, ipopts, sizeof(ipopts));
	f.len += sizeof(ipopts);
	pkt_iph(&f)->ihl = XT_IP_MIN_IHL + 1;
	pkt_iph(&f)->tot_len = htobe16((uint16_t)(f.len - XT_ETH_HLEN));
	pkt_fix_csums(&f);
	cr_assert_eq(xt_csum_fold(xt_csum_partial(pkt_iph(&f), 24, 0)), 0,
		     "the checksum covers the IP options");
	g = pkt_parse(&f);
	expect_same(&g, &s, "ihl 6");
}

/* AF_XDP frames whose checksums the NIC verified may carry anything there. */
Test(codec_parse, nocsum_ignores_both_checksums)
{
	struct xt_seg_out s = data_seg();
	struct pkt_frame f = pkt_build(&s);
	struct xt_seg g;

	pkt_iph(&f)->check = 0;
	pkt_tcph(&f)->check = 0;
	cr_assert_eq(xt_frame_parse_nocsum(f.buf, f.len, &g), XT_PARSE_OK);
	expect_same(&g, &s, "nocsum");
}

/* Every cut of a valid frame is rejected, by the layer the cut falls in. */
Test(codec_parse, every_truncation_is_rejected)
{
	struct xt_seg_out s = data_seg();
	struct pkt_frame f;
	struct xt_seg g;
	size_t len;

	pkt_set_mss(&s, 1460);
	pkt_set_ts(&s, 1, 2);
	f = pkt_build(&s);
	for (len = 0; len < f.len; len++) {
		enum xt_parse_err want = len < XT_ETH_HLEN ?
					 XT_PARSE_ETH_TRUNC :
					 len < PKT_TCP_OFF ? XT_PARSE_IP_TRUNC :
					 XT_PARSE_IP_TOTLEN;
		uint8_t *cut = malloc(len ? len : 1);
		enum xt_parse_err got;

		cr_assert_not_null(cut);
		memcpy(cut, f.buf, len);
		got = xt_frame_parse(cut, len, &g);
		cr_assert_eq(got, want, "len %zu: %s", len,
			     xt_parse_strerror(got));
		free(cut);
	}
}

Test(codec_parse, strerror_names_are_distinct)
{
	int i, j;

	for (i = 0; i < XT_PARSE_NREASONS; i++) {
		cr_assert_str_neq(xt_parse_strerror(i), "unknown");
		for (j = 0; j < i; j++)
			cr_assert_str_neq(xt_parse_strerror(i),
					  xt_parse_strerror(j));
	}
	cr_assert_str_eq(xt_parse_strerror(XT_PARSE_IP_IHL), "ip-ihl");
	cr_assert_str_eq(xt_parse_strerror(XT_PARSE_NREASONS), "unknown");
	cr_assert_str_eq(xt_parse_strerror(-1), "unknown");
}

/* --- parsing: one crafted frame per reason -------------------------------- */

static void cut_to_nothing(struct pkt_frame *f)
{
	f->len = 0;
}

static void cut_inside_eth(struct pkt_frame *f)
{
	f->len = XT_ETH_HLEN - 1;
}

static void set_ethertype_ipv6(struct pkt_frame *f)
{
	pkt_eth(f)->h_proto = htobe16(ETH_P_IPV6);
}

static void set_ethertype_arp(struct pkt_frame *f)
{
	pkt_eth(f)->h_proto = htobe16(ETH_P_ARP);
}

static void set_ethertype_vlan(struct pkt_frame *f)
{
	pkt_eth(f)->h_proto = htobe16(ETH_P_8021Q);
}

static void cut_inside_ip(struct pkt_frame *f)
{
	f->len = PKT_TCP_OFF - 1;
}

static void set_version_6(struct pkt_frame *f)
{
	pkt_iph(f)->version = 6;
	pkt_fix_csums(f);
}

static void set_ihl_4(struct pkt_frame *f)
{
	pkt_iph(f)->ihl = XT_IP_MIN_IHL - 1;
}

static void set_ihl_past_frame(struct pkt_frame *f)
{
	pkt_iph(f)->ihl = 15;
	f->len = PKT_IP_OFF + 15 * 4 - 1;
}

static void set_totlen_below_ihl(struct pkt_frame *f)
{
	pkt_iph(f)->tot_len = htobe16(19);
}

static void set_totlen_past_frame(struct pkt_frame *f)
{
	pkt_iph(f)->tot_len = htobe16((uint16_t)(f->len - XT_ETH_HLEN + 1));
}

static void flip_ip_csum(struct pkt_frame *f)
{
	pkt_iph(f)->check ^= htobe16(0x0100);
}

static void lower_ttl_without_fix(struct pkt_frame *f)
{
	pkt_iph(f)->ttl--;
}

static void set_more_fragments(struct pkt_frame *f)
{
	pkt_iph(f)->frag_off |= htobe16(XT_IP_MF);
	pkt_fix_csums(f);
}

static void set_fragment_offset(struct pkt_frame *f)
{
	pkt_iph(f)->frag_off = htobe16(185);	/* last fragment, at 1480 */
	pkt_fix_csums(f);
}

static void set_protocol_udp(struct pkt_frame *f)
{
	pkt_iph(f)->protocol = IPPROTO_UDP;
	pkt_fix_csums(f);
}

static void set_ip_payload_19(struct pkt_frame *f)
{
	pkt_iph(f)->tot_len = htobe16(20 + XT_TCP_HDR_MIN - 1);
	pkt_fix_csums(f);
}

static void set_doff_4(struct pkt_frame *f)
{
	pkt_tcph(f)->doff = XT_TCP_MIN_DOFF - 1;
	pkt_fix_csums(f);
}

static void set_doff_past_ip_payload(struct pkt_frame *f)
{
	pkt_tcph(f)->doff = 15;		/* 60 bytes; the segment has 25 */
	pkt_fix_csums(f);
}

/* A data offset that reaches into Ethernet padding is still too long. */
static void set_doff_into_padding(struct pkt_frame *f)
{
	pkt_iph(f)->tot_len = htobe16(20 + XT_TCP_HDR_MIN);
	pkt_tcph(f)->doff = XT_TCP_MIN_DOFF + 1;
	pkt_fix_csums(f);
}

/* Were the length byte read past the options, it would say 0 here. */
static void zero_first_payload_byte(struct pkt_frame *f)
{
	f->buf[PKT_OPT_OFF + pkt_tcph(f)->doff * 4u - XT_TCP_HDR_MIN] = 0;
	pkt_fix_csums(f);
}

static void flip_payload_bit(struct pkt_frame *f)
{
	f->buf[f->len - 1] ^= 0x01;
}

/* The pseudo-header covers the addresses: fix only the IPv4 checksum. */
static void change_daddr(struct pkt_frame *f)
{
	struct iphdr *ip = pkt_iph(f);

	ip->daddr ^= htobe32(1);
	ip->check = 0;
	ip->check = xt_csum_fold(xt_csum_partial(ip, sizeof(*ip), 0));
}

struct bad_frame {
	const char *what;
	void (*mutate)(struct pkt_frame *f);	/* or NULL */
	uint8_t opts[XT_TCP_OPT_SPACE];		/* raw option area, if nopts */
	size_t nopts;
	enum xt_parse_err want;
};

#define OPTS(...)	{ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })

static const struct bad_frame bad_frames[] = {
	{ "empty frame", cut_to_nothing, .want = XT_PARSE_ETH_TRUNC },
	{ "13 bytes", cut_inside_eth, .want = XT_PARSE_ETH_TRUNC },
	{ "IPv6 ethertype", set_ethertype_ipv6, .want = XT_PARSE_NOT_IPV4 },
	{ "ARP ethertype", set_ethertype_arp, .want = XT_PARSE_NOT_IPV4 },
	{ "802.1Q tag", set_ethertype_vlan, .want = XT_PARSE_NOT_IPV4 },
	{ "19 bytes of IPv4", cut_inside_ip, .want = XT_PARSE_IP_TRUNC },
	{ "version 6", set_version_6, .want = XT_PARSE_IP_VERSION },
	{ "IHL 4", set_ihl_4, .want = XT_PARSE_IP_IHL },
	{ "IHL past the frame", set_ihl_past_frame, .want = XT_PARSE_IP_IHL },
	{ "total length < IHL", set_totlen_below_ihl,
	  .want = XT_PARSE_IP_TOTLEN },
	{ "total length past the frame", set_totlen_past_frame,
	  .want = XT_PARSE_IP_TOTLEN },
	{ "IPv4 checksum flipped", flip_ip_csum, .want = XT_PARSE_IP_CSUM },
	{ "TTL lowered, checksum kept", lower_ttl_without_fix,
	  .want = XT_PARSE_IP_CSUM },
	{ "MF set", set_more_fragments, .want = XT_PARSE_IP_FRAGMENT },
	{ "fragment offset 1480", set_fragment_offset,
	  .want = XT_PARSE_IP_FRAGMENT },
	{ "UDP", set_protocol_udp, .want = XT_PARSE_NOT_TCP },
	{ "19 bytes of TCP", set_ip_payload_19, .want = XT_PARSE_TCP_TRUNC },
	{ "data offset 4", set_doff_4, .want = XT_PARSE_TCP_DOFF },
	{ "data offset past the IP payload", set_doff_past_ip_payload,
	  .want = XT_PARSE_TCP_DOFF },
	{ "data offset into padding", set_doff_into_padding,
	  .want = XT_PARSE_TCP_DOFF },
	{ "payload bit flipped", flip_payload_bit, .want = XT_PARSE_TCP_CSUM },
	{ "daddr changed", change_daddr, .want = XT_PARSE_TCP_CSUM },
	{ "MSS length 0", NULL, OPTS(2, 0, 5, 180), XT_PARSE_OPT_LEN0 },
	{ "unknown kind, length 0", NULL, OPTS(1, 1, 30, 0),
	  XT_PARSE_OPT_LEN0 },
	{ "TS length 1", NULL, OPTS(8, 1, 1, 1), XT_PARSE_OPT_LEN1 },
	{ "kind in the last byte", NULL, OPTS(1, 1, 1, 2),
	  XT_PARSE_OPT_OVERRUN },
	{ "kind in the last byte, 0 after", zero_first_payload_byte,
	  OPTS(1, 1, 1, 2), XT_PARSE_OPT_OVERRUN },
	{ "WS past the header", NULL, OPTS(1, 1, 3, 3), XT_PARSE_OPT_OVERRUN },
	{ "TS in 8 bytes", NULL, OPTS(8, 10, 0, 0, 0, 1, 0, 0),
	  XT_PARSE_OPT_OVERRUN },
	{ "unknown kind, length 40", NULL, OPTS(30, 40, 0, 0),
	  XT_PARSE_OPT_OVERRUN },
	{ "MSS length 3", NULL, OPTS(2, 3, 5, 1), XT_PARSE_OPT_BADLEN },
	{ "MSS length 6", NULL, OPTS(2, 6, 5, 180, 0, 0, 1, 1),
	  XT_PARSE_OPT_BADLEN },
	{ "WS length 4", NULL, OPTS(3, 4, 7, 0), XT_PARSE_OPT_BADLEN },
	{ "SACK_PERM length 3", NULL, OPTS(4, 3, 0, 1), XT_PARSE_OPT_BADLEN },
	{ "TS length 8", NULL, OPTS(8, 8, 0, 0, 0, 1, 0, 0),
	  XT_PARSE_OPT_BADLEN },
	{ "SACK, no blocks", NULL, OPTS(5, 2, 1, 1), XT_PARSE_OPT_BADLEN },
	{ "SACK length 11", NULL, OPTS(5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1),
	  XT_PARSE_OPT_BADLEN },
	{ "bad MSS after a good TS", NULL,
	  OPTS(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 2, 3, 5, 180),
	  XT_PARSE_OPT_BADLEN },
};

#define NBAD	(sizeof(bad_frames) / sizeof(bad_frames[0]))

static struct pkt_frame craft(const struct bad_frame *b)
{
	struct xt_seg_out s = data_seg();
	struct pkt_frame f;

	f = b->nopts ? pkt_build_raw_opts(&s, b->opts, b->nopts) :
		       pkt_build(&s);
	if (b->mutate)
		b->mutate(&f);
	return f;
}

ParameterizedTestParameters(codec_parse, rejects_malformed)
{
	return table_indices(NBAD);
}

/* Without checksums, a checksum case parses; every other fails the same. */
ParameterizedTest(unsigned int *i, codec_parse, rejects_malformed)
{
	const struct bad_frame *b = &bad_frames[*i];
	struct pkt_frame f = craft(b);
	int csum = b->want == XT_PARSE_IP_CSUM || b->want == XT_PARSE_TCP_CSUM;
	enum xt_parse_err got;
	struct xt_seg g;

	got = xt_frame_parse(f.buf, f.len, &g);
	cr_assert_eq(got, b->want, "%s: got %s, want %s", b->what,
		     xt_parse_strerror(got), xt_parse_strerror(b->want));
	got = xt_frame_parse_nocsum(f.buf, f.len, &g);
	cr_assert_eq(got, csum ? XT_PARSE_OK : b->want, "%s, nocsum: got %s",
		     b->what, xt_parse_strerror(got));
}

Test(codec_parse, every_reason_has_a_malformed_frame)
{
	int e;
	size_t i;

	for (e = XT_PARSE_OK + 1; e < XT_PARSE_NREASONS; e++) {
		for (i = 0; i < NBAD; i++)
			if (bad_frames[i].want == (enum xt_parse_err)e)
				break;
		cr_expect_lt(i, NBAD, "no frame for %s", xt_parse_strerror(e));
	}
}
