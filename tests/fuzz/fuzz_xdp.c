// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the XDP program: the real object (the skeleton
 * xtcpd loads), run on frames made from the input with
 * bpf_prog_test_run_opts(). Needs root, as the XDP unit tests do.
 *
 * The maps hold what a serving xtcpd would: port 80 listening, the
 * ephemeral range 49152-49167 owned, cookie secrets, a live connection
 * (198.18.0.2:40000, slot 0, with a receive window) and one whose cookie
 * ACK just went through (40001, XT_SLOT_PENDING). No AF_XDP socket: what
 * would be steered to xtcpd ends as drop_no_socket.
 *
 * For every frame, whatever the verdict:
 *  - the counters moved as the verdict says: rx_frames by one, and one
 *    verdict counter of the verdict's kind (a cookie ACK let through
 *    counts redirect_cookie_ack too); never XDP_ABORTED;
 *  - a cookie ACK let through is one xtcpd's codec takes whole;
 *  - XDP_PASS leaves the frame as it was;
 *  - XDP_TX answers only a frame the codec takes, checksums included
 *    (option errors aside: a SYN's malformed options count as none), and
 *    never a RST;
 *  - an XDP_TX frame is well formed with correct IPv4 and TCP checksums,
 *    goes back where the frame came from, carries no payload, and is
 *    either a SYN-ACK whose ISS is a cookie that checks, or the RST
 *    RFC 9293 §3.10.7.1 prescribes.
 *
 * Input: byte 0 even: the rest is the frame, as is. Odd: a frame built
 * from fields (see build_frame()), with checksums right unless the input
 * asks to spoil them. Byte 0's bits 1-3 set ctl (cookies on, RST for a
 * bad cookie, XDP's RSTs limited to one a second).
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fuzz/input.h"
#include "wire/codec.h"
#include "xtcp/maps.h"
#include "xtcp.skel.h"

#define LOCAL_IP	0xc6120001u	/* 198.18.0.1 */
#define PEER_IP		0xc6120002u	/* 198.18.0.2 */
#define OTHER_IP	0xc6130007u	/* 198.19.0.7 */
#define LPORT		80
#define UNOWNED_PORT	22
#define EPH_LO		49152
#define EPH_HI		49167
#define LIVE_PORT	40000		/* slot LIVE_SLOT */
#define PENDING_PORT	40001		/* XT_SLOT_PENDING */
#define UNKNOWN_PORT	40002
#define LIVE_SLOT	0
#define LIVE_RCV_NXT	0x7ffffff0u
#define LIVE_RCV_WND	65535
#define FRAME_MIN	XT_ETH_HLEN	/* what test_run takes */
#define FRAME_MAX	3000		/* fits test_run's page */
#define OUT_MAX		4096

static const uint8_t local_mac[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 0x0b };

static struct xtcp_bpf *skel;
static struct xt_cookie_keys keys;
static int ncpu;
static bool verbose;		/* XTCP_FUZZ_VERBOSE=1: each verdict */
static uint8_t frame[FRAME_MAX], out[OUT_MAX];

static void require_at(int ok, const char *what, int line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_xdp.c:%d: property failed: %s\n", line, what);
	abort();
}

#define require(ok)	require_at(!!(ok), #ok, __LINE__)

/* --- the maps -------------------------------------------------------------- */

static void map_put(struct bpf_map *m, const void *k, const void *v)
{
	require(bpf_map_update_elem(bpf_map__fd(m), k, v, BPF_ANY) == 0);
}

static struct xt_conn_key conn_key(uint32_t raddr, uint16_t lport,
				   uint16_t rport)
{
	struct xt_conn_key k = { .lport = lport, .rport = rport };
	uint32_t l = htobe32(LOCAL_IP), r = htobe32(raddr);

	memcpy(k.laddr, &l, 4);
	memcpy(k.raddr, &r, 4);
	return k;
}

static void maps_init(void)
{
	struct xt_listen_val lv = { 0 };
	struct xt_conn_val live = { .slot = LIVE_SLOT, .state = XT_ESTABLISHED };
	struct xt_conn_val pend = { .slot = XT_SLOT_PENDING,
				    .state = XT_ESTABLISHED };
	struct xt_conn_win w = { .rcv_nxt = LIVE_RCV_NXT,
				 .rcv_wnd = LIVE_RCV_WND };
	struct xt_conn_key k;
	uint16_t port = LPORT;
	uint32_t zero = 0, slot = LIVE_SLOT;

	keys = (struct xt_cookie_keys){
		.cur = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL },
		.prev = { 0x1716151413121110ULL, 0x1f1e1d1c1b1a1918ULL },
		.white = { 0x2726252423222120ULL, 0x2f2e2d2c2b2a2928ULL },
		.generation = 3,
	};
	map_put(skel->maps.listen_ports, &port, &lv);
	map_put(skel->maps.cookie_keys, &zero, &keys);
	k = conn_key(PEER_IP, LPORT, LIVE_PORT);
	map_put(skel->maps.conns, &k, &live);
	k = conn_key(PEER_IP, LPORT, PENDING_PORT);
	map_put(skel->maps.conns, &k, &pend);
	map_put(skel->maps.conn_win, &slot, &w);
}

static void set_ctl(uint8_t bits)
{
	struct xt_ctl c = {
		.eph_lo = EPH_LO, .eph_hi = EPH_HI, .mss = 1460, .wscale = 7,
	};
	uint32_t zero = 0;

	if (bits & 1)
		c.flags |= XT_CTL_COOKIES;
	if (bits & 2)
		c.flags |= XT_CTL_RST_BAD_COOKIE;
	if (bits & 4) {
		c.rst_rate = 1;
		c.rst_burst = 1;
	}
	map_put(skel->maps.ctl, &zero, &c);
}

static void read_stats(struct xt_xdp_stats *sum)
{
	struct xt_xdp_stats percpu[ncpu];
	uint32_t zero = 0;
	uint64_t *s = (uint64_t *)sum;

	require(bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &zero,
				    percpu) == 0);
	memset(sum, 0, sizeof(*sum));
	for (int c = 0; c < ncpu; c++)
		for (int i = 0; i < XT_STATS_FIELD_COUNT; i++)
			s[i] += ((uint64_t *)&percpu[c])[i];
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	skel = xtcp_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "fuzz_xdp: cannot load the XDP object "
				"(root needed): %s\n", strerror(errno));
		exit(1);
	}
	verbose = getenv("XTCP_FUZZ_VERBOSE") != NULL;
	ncpu = libbpf_num_possible_cpus();
	require(ncpu > 0);
	maps_init();
	return 0;
}

/* --- frames from the input ------------------------------------------------- */


static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

/* Who sends to whom: the live, pending and unknown tuples, and others. */
static void pick_ends(uint8_t b, uint32_t *saddr, uint16_t *sport,
		      uint16_t *dport)
{
	static const uint16_t sports[] = { LIVE_PORT, PENDING_PORT,
					   UNKNOWN_PORT, 12345 };
	static const uint16_t dports[] = { LPORT, LPORT, EPH_LO + 3,
					   UNOWNED_PORT };

	*saddr = b & 0x10 ? OTHER_IP : PEER_IP;
	*sport = sports[b & 3];
	*dport = dports[(b >> 2) & 3];
}

/*
 * A valid cookie for the SYN this ACK would answer: the SYN's ISN is
 * SEG.SEQ - 1; the cookie comes back as SEG.ACK - 1.
 */
static uint32_t cookie_ack(uint32_t saddr, uint16_t sport, uint16_t dport,
			   uint32_t seq, uint8_t b)
{
	struct xt_cookie_tuple t = { .saddr = htobe32(saddr),
				     .daddr = htobe32(LOCAL_IP),
				     .sport = sport, .dport = dport };
	struct xt_cookie_opts o = { .mss = 1460, .wscale = b & 0xf,
				    .sack_ok = b >> 7 };

	return xt_cookie_make(&keys, &t, seq - 1, &o) + 1;
}

/*
 * Spoils a built frame as b asks: a checksum, the IP total length, the
 * fragment bits, the version, or nothing.
 */
static void spoil(uint8_t *f, size_t len, uint8_t b, uint8_t arg)
{
	uint8_t *ip = f + XT_ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;

	switch (b & 7) {
	case 1:
		ip[10] ^= arg | 1;			/* IPv4 checksum */
		break;
	case 2:
		if (XT_ETH_HLEN + ihl + 18 <= len)
			f[XT_ETH_HLEN + ihl + 16] ^= arg | 1;	/* TCP's */
		break;
	case 3:
		put16(ip + 2, (uint16_t)(((ip[2] << 8) | ip[3]) + (int8_t)arg));
		break;
	case 4:
		ip[6] |= arg & 0x3f;			/* MF, offset */
		break;
	case 5:
		ip[0] = (uint8_t)(arg << 4 | (ip[0] & 0xf));	/* version */
		break;
	}
}

/*
 * byte: ends (pick_ends) and how SEQ and ACK are made; flags; SEQ; ACK;
 * window; IP option words and TCP option bytes, as given; payload length;
 * then what to spoil.
 */
static size_t build_frame(struct input *in)
{
	uint8_t b = in_u8(in), flags = in_u8(in);
	uint32_t saddr, seq = in_u32(in), ack = in_u32(in);
	uint16_t sport, dport, wnd = in_u16(in);
	size_t ipopt = (in_u8(in) % 11) * 4, topt = in_u8(in) % 41;
	size_t tcp_off = XT_ETH_HLEN + 20 + ipopt, doff = 20 + (topt + 3) / 4 * 4;
	size_t plen = in_u16(in) % (FRAME_MAX - tcp_off - doff);
	size_t len = tcp_off + doff + plen;
	uint8_t *ip = frame + XT_ETH_HLEN, *th = frame + tcp_off;
	uint8_t sp = in_u8(in), sp_arg = in_u8(in);
	uint32_t l = htobe32(LOCAL_IP), s;

	pick_ends(b, &saddr, &sport, &dport);
	if (b & 0x20)
		seq = LIVE_RCV_NXT + (uint32_t)(int16_t)(seq & 0xffff);
	if (b & 0x40)
		ack = cookie_ack(saddr, sport, dport, seq, (uint8_t)ack);
	memset(frame, 0, len);
	memcpy(frame, local_mac, 6);
	memcpy(frame + 6, peer_mac, 6);
	put16(frame + 12, 0x0800);
	ip[0] = (uint8_t)(0x40 | (20 + ipopt) / 4);
	put16(ip + 2, (uint16_t)(len - XT_ETH_HLEN));
	put16(ip + 6, 0x4000);			/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	s = htobe32(saddr);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &l, 4);
	for (size_t i = 0; i < ipopt; i++)
		ip[20 + i] = in_u8(in);
	put16(th, sport);
	put16(th + 2, dport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (uint8_t)(doff / 4 << 4);
	th[13] = flags;
	put16(th + 14, wnd);
	for (size_t i = 0; i < topt; i++)
		th[20 + i] = in_u8(in);
	for (size_t i = 0; i < plen && in->n; i++)
		th[doff + i] = in_u8(in);
	xt_frame_fix_csums(frame, len);
	spoil(frame, len, sp, sp_arg);
	return len;
}

/* --- the properties -------------------------------------------------------- */

enum kind { K_NONE, K_PASS, K_DROP, K_REDIRECT, K_TX };

/* Each verdict counter's kind; redirect_cookie_ack is neither (K_NONE). */
static enum kind counter_kind(size_t off)
{
#define K(field, kind) case offsetof(struct xt_xdp_stats, field): return kind
	switch (off) {
	K(pass_not_ipv4, K_PASS);
	K(pass_not_tcp, K_PASS);
	K(pass_fragment, K_PASS);
	K(pass_malformed_ip, K_PASS);
	K(pass_unowned, K_PASS);
	K(drop_malformed_tcp, K_DROP);
	K(redirect, K_REDIRECT);
	K(drop_no_socket, K_DROP);
	K(tx_synack_cookie, K_TX);
	K(tx_rst_bad_cookie, K_TX);
	K(drop_bad_cookie, K_DROP);
	K(tx_rst_unknown, K_TX);
	K(drop_rst_unknown, K_DROP);
	K(drop_rst_window, K_DROP);
	K(drop_bad_csum, K_DROP);
	K(drop_rst_ratelimit, K_DROP);
	}
#undef K
	return K_NONE;
}

static enum kind verdict_kind(int act)
{
	switch (act) {
	case XDP_PASS:		return K_PASS;
	case XDP_DROP:		return K_DROP;
	case XDP_REDIRECT:	return K_REDIRECT;
	case XDP_TX:		return K_TX;
	}
	return K_NONE;
}

/* rx_frames by one; one verdict counter, of the verdict's kind. */
static void check_counters(const struct xt_xdp_stats *a,
			   const struct xt_xdp_stats *b, int act,
			   bool *cookie_ok)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	unsigned moved = 0;

	require(b->rx_frames == a->rx_frames + 1);
	*cookie_ok = b->redirect_cookie_ack != a->redirect_cookie_ack;
	for (size_t i = 1; i < XT_STATS_FIELD_COUNT; i++) {
		size_t off = i * sizeof(uint64_t);

		require(y[i] - x[i] <= 1);
		if (y[i] == x[i] || counter_kind(off) == K_NONE)
			continue;
		require(counter_kind(off) == verdict_kind(act));
		moved++;
	}
	require(moved == 1);
	if (*cookie_ok)
		require(b->redirect == a->redirect + 1 ||
			b->drop_no_socket == a->drop_no_socket + 1);
}

static bool codec_would_answer(enum xt_parse_err e)
{
	switch (e) {
	case XT_PARSE_OK:
	case XT_PARSE_OPT_LEN0:
	case XT_PARSE_OPT_LEN1:
	case XT_PARSE_OPT_OVERRUN:
	case XT_PARSE_OPT_BADLEN:
		return true;
	default:
		return false;
	}
}

static uint32_t seg_len(const struct xt_seg *g)
{
	return g->payload_len + !!(g->flags & XT_TCP_SYN) +
	       !!(g->flags & XT_TCP_FIN);
}

/* A cookie SYN-ACK, or RFC 9293 §3.10.7.1's RST, back to the sender. */
static void check_reply(const struct xt_seg *in, const uint8_t *f, size_t len)
{
	struct xt_seg r;
	uint8_t rf;

	require(xt_frame_parse(f, len, &r) == XT_PARSE_OK);
	require(!memcmp(r.src_mac, in->dst_mac, 6) &&
		!memcmp(r.dst_mac, in->src_mac, 6));
	require(r.saddr == in->daddr && r.daddr == in->saddr);
	require(r.sport == in->dport && r.dport == in->sport);
	require(r.payload_len == 0 && r.ttl > 0);
	rf = r.flags & (XT_TCP_SYN | XT_TCP_ACK | XT_TCP_RST | XT_TCP_FIN);
	if (rf == (XT_TCP_SYN | XT_TCP_ACK)) {
		struct xt_cookie_tuple t = { .saddr = in->saddr,
					     .daddr = in->daddr,
					     .sport = in->sport,
					     .dport = in->dport };
		struct xt_cookie_opts o;

		require((in->flags & (XT_TCP_SYN | XT_TCP_ACK | XT_TCP_RST)) ==
			XT_TCP_SYN);
		require(r.ack == in->seq + 1);
		require(xt_cookie_check(&keys, &t, in->seq, r.seq, &o) == 0);
		return;
	}
	if (in->flags & XT_TCP_ACK) {
		require(rf == XT_TCP_RST && r.seq == in->ack);
		return;
	}
	require(rf == (XT_TCP_RST | XT_TCP_ACK));
	require(r.seq == 0 && r.ack == in->seq + seg_len(in));
}

/*
 * The fields of a frame whose only fault is in its TCP options (the codec
 * checks them after both checksums): parsed with the options made NOPs.
 */
static void parse_without_options(const uint8_t *f, size_t len,
				  struct xt_seg *g)
{
	static uint8_t copy[FRAME_MAX];
	size_t tcp_off = XT_ETH_HLEN + (size_t)(f[XT_ETH_HLEN] & 0xf) * 4;
	size_t doff = (size_t)(f[tcp_off + 12] >> 4) * 4;

	memcpy(copy, f, len);
	memset(copy + tcp_off + XT_TCP_HDR_MIN, XT_TCPOPT_NOP,
	       doff - XT_TCP_HDR_MIN);
	require(xt_frame_parse_nocsum(copy, len, g) == XT_PARSE_OK);
	g->frame = f;
	g->payload = f + (g->payload - copy);
	memcpy(g->src_mac, f + 6, 6);
}

static void run(const uint8_t *f, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = f, .data_size_in = (uint32_t)len,
		.data_out = out, .data_size_out = sizeof(out),
		.repeat = 1);
	struct xt_xdp_stats before, after;
	enum xt_parse_err e;
	struct xt_seg in;
	bool cookie_ok;
	int act;

	read_stats(&before);
	require(bpf_prog_test_run_opts(
			bpf_program__fd(skel->progs.xtcp_xdp), &opts) == 0);
	read_stats(&after);
	act = (int)opts.retval;
	if (verbose)
		fprintf(stderr, "fuzz_xdp: %zu bytes: verdict %d, %u bytes out\n",
			len, act, opts.data_size_out);
	require(act != XDP_ABORTED);
	check_counters(&before, &after, act, &cookie_ok);
	e = xt_frame_parse(f, len, &in);
	/*
	 * A cookie ACK let through is one xtcpd's codec takes: one it drops
	 * would leave its pending conns entry behind.
	 */
	if (cookie_ok) {
		struct xt_conn_key k;

		require(e == XT_PARSE_OK);
		k = conn_key(be32toh(in.saddr), in.dport, in.sport);
		if (in.sport != PENDING_PORT && in.sport != LIVE_PORT)
			bpf_map_delete_elem(bpf_map__fd(skel->maps.conns), &k);
	}
	if (act == XDP_PASS)
		require(opts.data_size_out == len && !memcmp(out, f, len));
	if (act != XDP_TX)
		return;
	require(codec_would_answer(e));
	if (e != XT_PARSE_OK)
		parse_without_options(f, len, &in);
	require(!(in.flags & XT_TCP_RST));
	check_reply(&in, out, opts.data_size_out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data + 1, size ? size - 1 : 0 };
	size_t len;

	if (!size)
		return 0;
	set_ctl((uint8_t)(data[0] >> 1));
	if (data[0] & 1) {
		len = build_frame(&in);
	} else {
		len = in.n < FRAME_MAX ? in.n : FRAME_MAX;
		memcpy(frame, in.p, len);
	}
	if (len < FRAME_MIN)
		return 0;
	run(frame, len);
	return 0;
}
