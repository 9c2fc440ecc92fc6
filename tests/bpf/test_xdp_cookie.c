// SPDX-License-Identifier: MIT
/*
 * SYN cookies in the XDP program (bpf/syncookie.h): the SYN-ACK it writes
 * for a SYN, what it does with the ACK that comes back, and what it leaves
 * to xtcpd. Replies are read back with the codec, so their checksums are
 * verified, and cookies with the shared xt_cookie_check().
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include "xdp_fixture.h"
#include "xtcp/csum.h"
#include "xtcp.skel.h"

#define COUNTER(name)	offsetof(struct xt_xdp_stats, name)

#define ISN		0xfffffff0u	/* the client's, near the wrap */
#define SYN_TSVAL	0x11223344u
#define OUR_MSS		1460
#define OUR_WSCALE	7
#define TS_OFFSET	0x40000000u
#define KEY_GENERATION	5
#define EPH_LO		40000
#define EPH_HI		40999

/* --- maps ------------------------------------------------------------- */

static void set_ctl_mss(__u32 flags, __u16 mss)
{
	struct xt_ctl c = {
		.eph_lo = EPH_LO, .eph_hi = EPH_HI, .flags = flags,
		.mss = mss, .wscale = OUR_WSCALE, .ts_offset = TS_OFFSET,
	};
	__u32 zero = 0;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.ctl), &zero, &c,
					 BPF_ANY), 0);
}

static void set_ctl(__u32 flags)
{
	set_ctl_mss(flags, OUR_MSS);
}

static struct xt_cookie_keys keys_get(void)
{
	struct xt_cookie_keys k;
	__u32 zero = 0;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.cookie_keys),
					 &zero, &k), 0);
	return k;
}

static void keys_set(const struct xt_cookie_keys *k)
{
	__u32 zero = 0;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.cookie_keys),
					 &zero, k, BPF_ANY), 0);
}

/* The daemon's rotation: the current secret becomes the previous one. */
static void keys_rotate(void)
{
	struct xt_cookie_keys k = keys_get();

	k.prev = k.cur;
	k.cur.k0 = k.cur.k0 * 31 + 0x9e3779b97f4a7c15ULL;
	k.cur.k1 ^= k.cur.k0;
	k.generation++;
	keys_set(&k);
}

/* The conns key of the connection from the peer's PKT_PEER_PORT. */
static struct xt_conn_key peer_conn_key(void)
{
	__u32 laddr = htonl(PKT_LOCAL_IP), raddr = htonl(PKT_PEER_IP);
	struct xt_conn_key k = { .lport = PKT_LOCAL_PORT, .rport = PKT_PEER_PORT };

	memcpy(k.laddr, &laddr, sizeof(k.laddr));
	memcpy(k.raddr, &raddr, sizeof(k.raddr));
	return k;
}

/* xtcpd holds the connection from the peer's PKT_PEER_PORT. */
static void conn_insert(void)
{
	struct xt_conn_key k = peer_conn_key();
	struct xt_conn_val v = { .slot = 0, .state = XT_ESTABLISHED };

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.conns), &k, &v,
					 BPF_ANY), 0);
}

/* Criterion .init: the fixture, cookies on, a secret in the map. */
static void cookie_setup(void)
{
	struct xt_cookie_keys k = {
		.cur = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL },
		.prev = { 0x0f1e2d3c4b5a6978ULL, 0x8796a5b4c3d2e1f0ULL },
		.white = { 0x5555555555555555ULL, 0x6666666666666666ULL },
		.generation = KEY_GENERATION,
	};

	xdp_fixture_setup();
	set_ctl(XT_CTL_COOKIES);
	keys_set(&k);
}

/* The connection as the cookie names it: the client's end first. */
static struct xt_cookie_tuple peer_tuple(void)
{
	struct xt_cookie_tuple t = {
		.saddr = htonl(PKT_PEER_IP), .daddr = htonl(PKT_LOCAL_IP),
		.sport = PKT_PEER_PORT, .dport = PKT_LOCAL_PORT,
	};
	return t;
}

static uint32_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Criterion hands parameters to a freshly spawned process, where pointers
 * into this (position-independent) binary mean nothing: pass row numbers.
 */
static struct criterion_test_params row_params(int *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rows[i] = (int)i;
	return cr_make_param_array(int, rows, n);
}

/* --- segments ----------------------------------------------------------- */

static struct xt_seg_out syn_bare(void)
{
	struct xt_seg_out s = pkt_from_peer();

	s.flags = XT_TCP_SYN;
	s.seq = ISN;
	return s;
}

/* What Linux sends: MSS, SACK_PERM, TS, WS. */
static struct xt_seg_out syn_linux(void)
{
	struct xt_seg_out s = syn_bare();

	pkt_set_mss(&s, 1460);
	pkt_set_sack_perm(&s);
	pkt_set_ts(&s, SYN_TSVAL, 0);
	pkt_set_wscale(&s, 7);
	return s;
}

static void linux_syn(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_linux();

	*f = pkt_build(&s);
}

static void syn_without_ts(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_bare();

	pkt_set_mss(&s, 1460);
	pkt_set_sack_perm(&s);
	pkt_set_wscale(&s, 7);
	*f = pkt_build(&s);
}

static void syn_mss_1300(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_bare();

	pkt_set_mss(&s, 1300);
	pkt_set_ts(&s, SYN_TSVAL, 0);
	*f = pkt_build(&s);
}

static void syn_mss_jumbo(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_bare();

	pkt_set_mss(&s, 8960);
	*f = pkt_build(&s);
}

static void syn_no_options(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_bare();

	*f = pkt_build(&s);
}

static void syn_ts_ws_no_sack(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_bare();

	pkt_set_mss(&s, 1460);
	pkt_set_ts(&s, SYN_TSVAL, 0);
	pkt_set_wscale(&s, 2);
	*f = pkt_build(&s);
}

static void syn_ws_above_14(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_bare();

	pkt_set_mss(&s, 1460);
	pkt_set_ts(&s, SYN_TSVAL, 0);
	pkt_set_wscale(&s, 15);
	*f = pkt_build(&s);
}

static void syn_ecn(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_linux();

	s.flags |= XT_TCP_ECE | XT_TCP_CWR;
	*f = pkt_build(&s);
}

/* An unknown option first, the known ones out of Linux's order, and data. */
static void syn_odd_options_and_data(struct pkt_frame *f)
{
	static const uint8_t opts[] = {
		XT_TCPOPT_NOP,
		30, 6, 0x00, 0x81, 0x02, 0x03,		/* MPTCP: skipped */
		XT_TCPOPT_MSS, XT_TCPOLEN_MSS, 0x05, 0x78,	/* 1400 */
		XT_TCPOPT_TS, XT_TCPOLEN_TS, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0,
		XT_TCPOPT_SACK_PERM, XT_TCPOLEN_SACK_PERM,
		XT_TCPOPT_WSCALE, XT_TCPOLEN_WSCALE, 9,
		XT_TCPOPT_EOL,
	};
	static const char data[] = "GET / HTTP/1.0\r\n\r\n";
	uint8_t raw[28] = { 0 };
	struct xt_seg_out s = syn_bare();

	_Static_assert(sizeof(opts) <= sizeof(raw), "raw options");
	memcpy(raw, opts, sizeof(opts));
	pkt_set_payload(&s, data, sizeof(data) - 1);
	*f = pkt_build_raw_opts(&s, raw, sizeof(raw));
}

static void syn_option_len_zero(struct pkt_frame *f)
{
	static const uint8_t raw[] = {
		XT_TCPOPT_MSS, XT_TCPOLEN_MSS, 0x05, 0xb4,
		XT_TCPOPT_SACK_PERM, 0, XT_TCPOPT_NOP, XT_TCPOPT_NOP,
	};
	struct xt_seg_out s = syn_bare();

	*f = pkt_build_raw_opts(&s, raw, sizeof(raw));
}

static void syn_option_overruns(struct pkt_frame *f)
{
	static const uint8_t raw[] = {
		XT_TCPOPT_MSS, XT_TCPOLEN_MSS, 0x05, 0xb4,
		XT_TCPOPT_NOP, XT_TCPOPT_NOP, XT_TCPOPT_TS, XT_TCPOLEN_TS,
	};
	struct xt_seg_out s = syn_bare();

	*f = pkt_build_raw_opts(&s, raw, sizeof(raw));
}

/* Linux's SYN behind a 4-byte IP option (RFC 791 NOP, NOP, NOP, EOL). */
static void syn_ip_options(struct pkt_frame *f)
{
	static const uint8_t ipopt[] = { 1, 1, 1, 0 };
	struct iphdr *ip;

	linux_syn(f);
	memmove(f->buf + PKT_TCP_OFF + sizeof(ipopt), f->buf + PKT_TCP_OFF,
		f->len - PKT_TCP_OFF);
	memcpy(f->buf + PKT_TCP_OFF, ipopt, sizeof(ipopt));
	f->len += sizeof(ipopt);
	ip = pkt_iph(f);
	ip->ihl = XT_IP_MIN_IHL + sizeof(ipopt) / 4;
	ip->tot_len = htons(ntohs(ip->tot_len) + sizeof(ipopt));
	pkt_fix_csums(f);
}

/* --- the SYN-ACK -------------------------------------------------------- */

#define SYNACK_ALL	(XT_OPT_MSS | XT_OPT_SACK_PERM | XT_OPT_TS | XT_OPT_WSCALE)

struct syn_case {
	const char *what;
	void (*make)(struct pkt_frame *f);
	uint16_t cookie_mss;		/* the MSS the cookie carries */
	uint32_t present;		/* options of the SYN-ACK */
	uint8_t ws;			/* the peer's, in the cookie */
	uint8_t sack;			/* SACK-permitted, in the cookie */
};

#define NO_WS	XT_COOKIE_NO_WS

static const struct syn_case syn_cases[] = {
	{ "Linux's SYN", linux_syn, 1460, SYNACK_ALL, 7, 1 },
	{ "no timestamps: WS and SACK all the same", syn_without_ts, 1460,
	  XT_OPT_MSS | XT_OPT_SACK_PERM | XT_OPT_WSCALE, 7, 1 },
	{ "MSS 1300 rounds down to 1220", syn_mss_1300, 1220,
	  XT_OPT_MSS | XT_OPT_TS, NO_WS, 0 },
	{ "MSS above the table: its largest", syn_mss_jumbo, 1460, XT_OPT_MSS,
	  NO_WS, 0 },
	{ "no options: MSS 536", syn_no_options, 536, XT_OPT_MSS, NO_WS, 0 },
	{ "TS and WS without SACK", syn_ts_ws_no_sack, 1460,
	  XT_OPT_MSS | XT_OPT_TS | XT_OPT_WSCALE, 2, 0 },
	{ "WS 15 is taken as 14", syn_ws_above_14, 1460,
	  XT_OPT_MSS | XT_OPT_TS | XT_OPT_WSCALE, 14, 0 },
	{ "ECN setup: answered without ECN", syn_ecn, 1460, SYNACK_ALL, 7, 1 },
	{ "odd options and data", syn_odd_options_and_data, 1220, SYNACK_ALL, 9, 1 },
	{ "option length 0: as if no options", syn_option_len_zero, 536,
	  XT_OPT_MSS, NO_WS, 0 },
	{ "option past the header: as if none", syn_option_overruns, 536,
	  XT_OPT_MSS, NO_WS, 0 },
	{ "IP options are dropped", syn_ip_options, 1460, SYNACK_ALL, 7, 1 },
};

#define NSYN (sizeof(syn_cases) / sizeof(syn_cases[0]))

static int syn_rows[NSYN];

ParameterizedTestParameters(syn_cookie, synack)
{
	return row_params(syn_rows, NSYN);
}

/* The reply goes back to where every SYN here comes from: the peer. */
static void check_headers(const struct syn_case *c, struct pkt_frame *out,
			  const struct xt_seg *r)
{
	struct iphdr *ip = pkt_iph(out);
	struct tcphdr *th = pkt_tcph(out);

	cr_assert_arr_eq(r->src_mac, pkt_local_mac, 6, "%s: src MAC", c->what);
	cr_assert_arr_eq(r->dst_mac, pkt_peer_mac, 6, "%s: dst MAC", c->what);
	cr_assert_eq(r->saddr, htonl(PKT_LOCAL_IP), "%s: source address", c->what);
	cr_assert_eq(r->daddr, htonl(PKT_PEER_IP), "%s: destination address", c->what);
	cr_assert_eq(r->sport, PKT_LOCAL_PORT, "%s: source port", c->what);
	cr_assert_eq(r->dport, PKT_PEER_PORT, "%s: destination port", c->what);
	cr_assert_eq(ip->ihl, XT_IP_MIN_IHL, "%s: IHL", c->what);
	cr_assert_eq(ip->frag_off, htons(XT_IP_DF), "%s: DF", c->what);
	cr_assert_eq(r->ttl, XT_IP_DEFAULT_TTL, "%s: TTL", c->what);
	cr_assert_eq(r->ip_id, 0, "%s: IP id", c->what);
	cr_assert_eq(r->tos, 0, "%s: TOS", c->what);
	cr_assert_eq(th->res1, 0, "%s: reserved bits", c->what);
	cr_assert_eq(out->len, PKT_TCP_OFF + th->doff * 4u,
		     "%s: nothing after the header", c->what);
}

static void check_synack(const struct syn_case *c, struct pkt_frame *out)
{
	struct xt_cookie_keys k = keys_get();
	struct xt_cookie_tuple t = peer_tuple();
	struct xt_seg r = pkt_parse(out);	/* checksums verified */
	struct xt_cookie_opts o;

	check_headers(c, out, &r);
	cr_assert_eq(r.flags, XT_TCP_SYN | XT_TCP_ACK, "%s: flags", c->what);
	cr_assert_eq(r.ack, ISN + 1, "%s: ACK = ISN + 1", c->what);
	cr_assert_eq(r.wnd, 65535, "%s: unscaled window", c->what);
	cr_assert_eq(r.urg, 0, "%s: urgent pointer", c->what);
	cr_assert_eq(r.payload_len, 0, "%s: no payload", c->what);
	cr_assert_eq(xt_cookie_check(&k, &t, ISN, r.seq, &o), 0,
		     "%s: the cookie validates", c->what);
	cr_assert_eq(o.mss, c->cookie_mss, "%s: MSS %u in the cookie", c->what,
		     o.mss);
	cr_assert_eq(o.wscale, c->ws, "%s: WS %u in the cookie", c->what,
		     o.wscale);
	cr_assert_eq(o.sack_ok, c->sack, "%s: SACK in the cookie", c->what);
	cr_assert_eq(r.opts.present, c->present, "%s: options %#x", c->what,
		     r.opts.present);
	cr_assert_eq(r.opts.mss, OUR_MSS, "%s: our MSS", c->what);
	if (c->present & XT_OPT_WSCALE)
		cr_assert_eq(r.opts.wscale, OUR_WSCALE, "%s: our WS", c->what);
	if (c->present & XT_OPT_TS)
		cr_assert_eq(r.opts.tsecr, SYN_TSVAL, "%s: TSecr echoes",
			     c->what);
}

ParameterizedTest(int *row, syn_cookie, synack,
		  .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	const struct syn_case *c = &syn_cases[*row];
	struct pkt_frame syn, out;

	c->make(&syn);
	cr_assert_eq(xdp_run_out(&syn, &out), XDP_TX, "%s", c->what);
	check_synack(c, &out);
	cr_assert_eq(xdp_counter(COUNTER(tx_synack_cookie)), 1, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect)), 0, "%s", c->what);
}

static struct xt_seg synack_for(const struct xt_seg_out *syn,
				struct pkt_frame *out)
{
	struct pkt_frame f = pkt_build(syn);

	cr_assert_eq(xdp_run_out(&f, out), XDP_TX);
	return pkt_parse(out);
}

Test(syn_cookie, options_in_linux_order,
     .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	struct xt_seg_out syn = syn_linux();
	struct pkt_frame out;
	struct xt_seg r = synack_for(&syn, &out);
	const uint8_t head[] = {
		XT_TCPOPT_MSS, XT_TCPOLEN_MSS, OUR_MSS >> 8, OUR_MSS & 0xff,
		XT_TCPOPT_SACK_PERM, XT_TCPOLEN_SACK_PERM,
		XT_TCPOPT_TS, XT_TCPOLEN_TS,
	};
	const uint8_t tail[] = {
		0x11, 0x22, 0x33, 0x44,			/* TSecr */
		XT_TCPOPT_NOP, XT_TCPOPT_WSCALE, XT_TCPOLEN_WSCALE, OUR_WSCALE,
	};

	cr_assert_eq(pkt_tcph(&out)->doff, XT_TCP_MIN_DOFF + 5);
	cr_assert_arr_eq(out.buf + PKT_OPT_OFF, head, sizeof(head));
	cr_assert_arr_eq(out.buf + PKT_OPT_OFF + 12, tail, sizeof(tail));
	cr_assert_eq(r.opts.tsecr, SYN_TSVAL);
}

Test(syn_cookie, ts_without_sack_is_nop_aligned,
     .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	struct xt_seg_out syn = syn_bare();
	struct pkt_frame out;
	const uint8_t head[] = {
		XT_TCPOPT_MSS, XT_TCPOLEN_MSS, OUR_MSS >> 8, OUR_MSS & 0xff,
		XT_TCPOPT_NOP, XT_TCPOPT_NOP, XT_TCPOPT_TS, XT_TCPOLEN_TS,
	};

	pkt_set_ts(&syn, SYN_TSVAL, 0);
	synack_for(&syn, &out);
	cr_assert_eq(pkt_tcph(&out)->doff, XT_TCP_MIN_DOFF + 4);
	cr_assert_arr_eq(out.buf + PKT_OPT_OFF, head, sizeof(head));
}

Test(syn_cookie, sack_without_ts_behind_two_nops,
     .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	struct xt_seg_out syn = syn_bare();
	struct pkt_frame out;
	const uint8_t opts[] = {
		XT_TCPOPT_MSS, XT_TCPOLEN_MSS, OUR_MSS >> 8, OUR_MSS & 0xff,
		XT_TCPOPT_NOP, XT_TCPOPT_NOP,
		XT_TCPOPT_SACK_PERM, XT_TCPOLEN_SACK_PERM,
		XT_TCPOPT_NOP, XT_TCPOPT_WSCALE, XT_TCPOLEN_WSCALE, OUR_WSCALE,
	};

	pkt_set_sack_perm(&syn);
	pkt_set_wscale(&syn, 3);
	synack_for(&syn, &out);
	cr_assert_eq(pkt_tcph(&out)->doff, XT_TCP_MIN_DOFF + 3);
	cr_assert_arr_eq(out.buf + PKT_OPT_OFF, opts, sizeof(opts));
}

Test(syn_cookie, our_smaller_mss_caps_the_cookie,
     .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	struct xt_cookie_tuple t = peer_tuple();
	struct xt_seg_out syn = syn_linux();
	struct xt_cookie_opts o;
	struct xt_cookie_keys k;
	struct pkt_frame out;
	struct xt_seg r;

	set_ctl_mss(XT_CTL_COOKIES, 1300);
	r = synack_for(&syn, &out);
	k = keys_get();
	cr_assert_eq(r.opts.mss, 1300, "the MSS we announce");
	cr_assert_eq(xt_cookie_check(&k, &t, ISN, r.seq, &o), 0);
	cr_assert_eq(o.mss, 1220, "min(1460, 1300), rounded down to the table");
}

Test(syn_cookie, tsval_is_the_clock_plus_offset,
     .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	struct xt_seg_out syn = syn_linux();
	struct pkt_frame out;
	/* The cookie carries the options: TSval is the plain clock. */
	uint32_t lo = mono_ms() + TS_OFFSET;
	struct xt_seg r = synack_for(&syn, &out);
	uint32_t hi = mono_ms() + TS_OFFSET;

	cr_assert_geq((int32_t)(r.opts.tsval - lo), 0, "TSval %u >= %u",
		      r.opts.tsval, lo);
	cr_assert_geq((int32_t)(hi - r.opts.tsval), 0, "TSval %u <= %u",
		      r.opts.tsval, hi);
}

/* --- the ACK that brings the cookie back -------------------------------- */

/* The client's ACK to a SYN-ACK, as Linux sends it: TS echoed. */
static struct xt_seg_out ack_for(const struct xt_seg *synack)
{
	struct xt_seg_out s = pkt_from_peer();

	s.seq = ISN + 1;
	s.ack = synack->seq + 1;
	pkt_set_ts(&s, SYN_TSVAL + 1, synack->opts.tsval);
	return s;
}

static void as_sent(struct xt_seg_out *s) { (void)s; }
static void with_fin(struct xt_seg_out *s) { s->flags |= XT_TCP_FIN; }
static void tampered(struct xt_seg_out *s) { s->ack ^= 1u << 20; }
static void other_port(struct xt_seg_out *s) { s->sport++; }
static void other_isn(struct xt_seg_out *s) { s->seq++; }
static void never_sent(struct xt_seg_out *s) { s->ack = 0x12345678; }

static void with_data(struct xt_seg_out *s)
{
	static const char data[] = "GET / HTTP/1.1\r\n\r\n";

	s->flags |= XT_TCP_PSH;
	pkt_set_payload(s, data, sizeof(data) - 1);
}

struct ack_case {
	const char *what;
	void (*edit)(struct xt_seg_out *s);
	int rotations;			/* of the secret, after the SYN-ACK */
};

static const struct ack_case good_acks[] = {
	{ "the ACK as sent", as_sent, 0 },
	{ "the ACK with data", with_data, 0 },
	{ "a FIN-ACK", with_fin, 0 },
	{ "one rotation later", as_sent, 1 },
};

static const struct ack_case bad_acks[] = {
	{ "a cookie with a bit flipped", tampered, 0 },
	{ "from another client port", other_port, 0 },
	{ "with another ISN", other_isn, 0 },
	{ "two rotations later", as_sent, 2 },
	{ "for a SYN-ACK never sent", never_sent, 0 },
};

#define NGOOD (sizeof(good_acks) / sizeof(good_acks[0]))
#define NBAD (sizeof(bad_acks) / sizeof(bad_acks[0]))

static int good_rows[NGOOD], bad_rows[NBAD];

/* Runs Linux's SYN, answers the SYN-ACK as c says, returns that ACK. */
static struct xt_seg_out cookie_ack(const struct ack_case *c)
{
	struct xt_seg_out syn = syn_linux(), ack;
	struct pkt_frame out;
	struct xt_seg synack = synack_for(&syn, &out);

	ack = ack_for(&synack);
	c->edit(&ack);
	for (int i = 0; i < c->rotations; i++)
		keys_rotate();
	return ack;
}

ParameterizedTestParameters(cookie_ack, redirected)
{
	return row_params(good_rows, NGOOD);
}

ParameterizedTest(int *row, cookie_ack, redirected,
		  .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	const struct ack_case *c = &good_acks[*row];
	struct xt_seg_out ack = cookie_ack(c);
	struct pkt_frame f = pkt_build(&ack);

	cr_assert_eq(xdp_run(&f), XDP_REDIRECT, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect_cookie_ack)), 1, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect)), 1, "%s", c->what);
}

ParameterizedTestParameters(bad_cookie, dropped)
{
	return row_params(bad_rows, NBAD);
}

ParameterizedTest(int *row, bad_cookie, dropped,
		  .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	const struct ack_case *c = &bad_acks[*row];
	struct xt_seg_out ack = cookie_ack(c);
	struct pkt_frame f = pkt_build(&ack);

	cr_assert_eq(xdp_run(&f), XDP_DROP, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(drop_bad_cookie)), 1, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect_cookie_ack)), 0, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect)), 0, "%s", c->what);
}

ParameterizedTestParameters(bad_cookie, reset)
{
	return row_params(bad_rows, NBAD);
}

/* RFC 9293 §3.10.7.2: <SEQ=SEG.ACK><CTL=RST>, nothing else. */
ParameterizedTest(int *row, bad_cookie, reset,
		  .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	const struct ack_case *c = &bad_acks[*row];
	struct xt_seg_out ack = cookie_ack(c);
	struct pkt_frame f = pkt_build(&ack), out;
	struct xt_seg r;

	set_ctl(XT_CTL_COOKIES | XT_CTL_RST_BAD_COOKIE);
	cr_assert_eq(xdp_run_out(&f, &out), XDP_TX, "%s", c->what);
	r = pkt_parse(&out);			/* checksums verified */
	cr_assert_eq(r.flags, XT_TCP_RST, "%s: RST alone", c->what);
	cr_assert_eq(r.seq, ack.ack, "%s: SEQ = SEG.ACK", c->what);
	cr_assert_eq(r.ack, 0, "%s", c->what);
	cr_assert_eq(r.wnd, 0, "%s", c->what);
	cr_assert_eq(r.opts.present, 0, "%s: no options", c->what);
	cr_assert_eq(r.payload_len, 0, "%s: no payload", c->what);
	cr_assert_eq(out.len, XT_FRAME_HDR_MIN, "%s", c->what);
	cr_assert_arr_eq(r.dst_mac, pkt_peer_mac, 6, "%s", c->what);
	cr_assert_eq(r.daddr, htonl(PKT_PEER_IP), "%s", c->what);
	cr_assert_eq(r.dport, ack.sport, "%s", c->what);
	cr_assert_eq(r.sport, PKT_LOCAL_PORT, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(tx_rst_bad_cookie)), 1, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(drop_bad_cookie)), 0, "%s", c->what);
}

/*
 * A valid cookie in an ACK whose options xtcpd's codec rejects: xtcpd
 * would drop it, so XDP drops it too, and leaves no pending entry behind
 * for a connection that never comes (fuzz_xdp found the entry).
 */
static const struct {
	const char *what;
	uint8_t opts[12];
	size_t n;
	enum xt_parse_err codec;	/* what xtcpd's codec says */
} broken_ack_opts[] = {
	{ "a timestamp overrunning the header",
	  { XT_TCPOPT_NOP, XT_TCPOPT_NOP, XT_TCPOPT_TS, XT_TCPOLEN_TS,
	    0, 0, 0, 1 }, 8, XT_PARSE_OPT_OVERRUN },
	{ "a SACK block cut short",
	  { XT_TCPOPT_NOP, XT_TCPOPT_NOP, XT_TCPOPT_SACK, 6, 0, 0, 0, 1 }, 8,
	  XT_PARSE_OPT_BADLEN },
	{ "an option of length 0",
	  { 30, 0, XT_TCPOPT_NOP, XT_TCPOPT_NOP }, 4, XT_PARSE_OPT_LEN0 },
};

#define NBROKEN (sizeof(broken_ack_opts) / sizeof(broken_ack_opts[0]))

static int broken_rows[NBROKEN];

ParameterizedTestParameters(cookie_ack, broken_options_dropped)
{
	return row_params(broken_rows, NBROKEN);
}

ParameterizedTest(int *row, cookie_ack, broken_options_dropped,
		  .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	const char *what = broken_ack_opts[*row].what;
	struct xt_seg_out ack = cookie_ack(&good_acks[0]);
	struct pkt_frame f = pkt_build_raw_opts(&ack, broken_ack_opts[*row].opts,
						broken_ack_opts[*row].n);
	struct xt_conn_key k = peer_conn_key();
	struct xt_conn_val v;
	struct xt_seg g;

	cr_assert_eq(xt_frame_parse(f.buf, f.len, &g),
		     broken_ack_opts[*row].codec, "%s: the codec", what);
	set_ctl(XT_CTL_COOKIES | XT_CTL_RST_BAD_COOKIE);
	cr_assert_eq(xdp_run(&f), XDP_DROP, "%s", what);
	cr_assert_eq(xdp_counter(COUNTER(drop_malformed_tcp)), 1, "%s", what);
	cr_assert_eq(xdp_counter(COUNTER(redirect_cookie_ack)), 0, "%s", what);
	cr_assert_neq(bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.conns), &k,
					  &v), 0, "%s: a pending entry", what);
}

/* --- what cookies leave to xtcpd ---------------------------------------- */

/* An ACK that carries no cookie: only xtcpd may judge it. */
static void ack_without_cookie(struct pkt_frame *f)
{
	struct xt_seg_out s = pkt_from_peer();

	s.seq = 1000;
	s.ack = 0x12345678;
	*f = pkt_build(&s);
}

static void live_ack(struct pkt_frame *f)
{
	conn_insert();
	ack_without_cookie(f);
}

static void live_syn(struct pkt_frame *f)
{
	conn_insert();
	linux_syn(f);
}

static void syn_to_ephemeral(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_linux();

	s.dport = EPH_LO + 10;
	*f = pkt_build(&s);
}

static void rst_to_listener(struct pkt_frame *f)
{
	struct xt_seg_out s = pkt_from_peer();

	s.flags = XT_TCP_RST | XT_TCP_ACK;
	*f = pkt_build(&s);
}

static void synack_to_listener(struct pkt_frame *f)
{
	struct xt_seg_out s = syn_linux();

	s.flags |= XT_TCP_ACK;
	*f = pkt_build(&s);
}

static void cookies_off_syn(struct pkt_frame *f)
{
	set_ctl(0);
	linux_syn(f);
}

static void cookies_off_ack(struct pkt_frame *f)
{
	set_ctl(XT_CTL_RST_BAD_COOKIE);
	ack_without_cookie(f);
}

/* xtcpd is draining: its listeners take nothing new (cookies on or off). */
static void draining_syn(struct pkt_frame *f)
{
	set_ctl(XT_CTL_COOKIES | XT_CTL_DRAIN);
	linux_syn(f);
}

static void draining_syn_cookies_off(struct pkt_frame *f)
{
	set_ctl(XT_CTL_DRAIN);
	linux_syn(f);
}

struct steer_case {
	const char *what;
	void (*make)(struct pkt_frame *f);	/* also sets the maps */
};

static const struct steer_case steered[] = {
	{ "ACK of a live connection, no cookie check", live_ack },
	{ "SYN on a live connection", live_syn },
	{ "cookies off: SYN", cookies_off_syn },
};

#define NSTEERED (sizeof(steered) / sizeof(steered[0]))

static int steered_rows[NSTEERED];

ParameterizedTestParameters(cookie_pass, to_xtcpd)
{
	return row_params(steered_rows, NSTEERED);
}

ParameterizedTest(int *row, cookie_pass, to_xtcpd,
		  .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	const struct steer_case *c = &steered[*row];
	struct pkt_frame f, out;

	c->make(&f);
	cr_assert_eq(xdp_run_out(&f, &out), XDP_REDIRECT, "%s", c->what);
	cr_assert_eq(out.len, f.len, "%s: untouched", c->what);
	cr_assert_arr_eq(out.buf, f.buf, f.len, "%s: untouched", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect)), 1, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(tx_synack_cookie)), 0, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect_cookie_ack)), 0, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(drop_bad_cookie)), 0, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(tx_rst_bad_cookie)), 0, "%s", c->what);
}

/* --- tuples xtcpd does not hold (conn_filter.h) ------------------------- */

struct unknown_case {
	const char *what;
	void (*make)(struct pkt_frame *f);	/* also sets the maps */
	int verdict;
	size_t counter;
};

static const struct unknown_case unknowns[] = {
	{ "SYN to an ephemeral port: reset", syn_to_ephemeral, XDP_TX,
	  COUNTER(tx_rst_unknown) },
	{ "RST to a listening port: dropped", rst_to_listener, XDP_DROP,
	  COUNTER(drop_rst_unknown) },
	{ "SYN-ACK to a listening port: reset", synack_to_listener, XDP_TX,
	  COUNTER(tx_rst_unknown) },
	{ "cookies off, ACK with no cookie: reset", cookies_off_ack, XDP_TX,
	  COUNTER(tx_rst_bad_cookie) },
	{ "draining, SYN to a listener: reset", draining_syn, XDP_TX,
	  COUNTER(tx_rst_unknown) },
	{ "draining, cookies off, SYN: reset", draining_syn_cookies_off, XDP_TX,
	  COUNTER(tx_rst_unknown) },
};

#define NUNKNOWN (sizeof(unknowns) / sizeof(unknowns[0]))

static int unknown_rows[NUNKNOWN];

ParameterizedTestParameters(conn_filter, unknown_tuple)
{
	return row_params(unknown_rows, NUNKNOWN);
}

/* RFC 9293 §3.10.7.1 answered in place: the reset checks, or a drop. */
ParameterizedTest(int *row, conn_filter, unknown_tuple,
		  .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	const struct unknown_case *c = &unknowns[*row];
	struct pkt_frame f, out;
	struct xt_seg in, r;

	c->make(&f);
	in = pkt_parse(&f);
	cr_assert_eq(xdp_run_out(&f, &out), c->verdict, "%s", c->what);
	cr_assert_eq(xdp_counter(c->counter), 1, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect)), 0, "%s", c->what);
	if (c->verdict != XDP_TX)
		return;
	r = pkt_parse(&out);			/* checksums verified */
	cr_assert(r.flags & XT_TCP_RST, "%s", c->what);
	if (in.flags & XT_TCP_ACK) {
		cr_assert_eq(r.flags, XT_TCP_RST, "%s", c->what);
		cr_assert_eq(r.seq, in.ack, "%s: SEQ = SEG.ACK", c->what);
	} else {
		cr_assert_eq(r.flags, XT_TCP_RST | XT_TCP_ACK, "%s", c->what);
		cr_assert_eq(r.seq, 0, "%s", c->what);
		cr_assert_eq(r.ack, in.seq + in.payload_len + 1,
			     "%s: ACK = SEG.SEQ + SEG.LEN", c->what);
	}
	cr_assert_eq(r.sport, in.dport, "%s", c->what);
	cr_assert_eq(r.dport, in.sport, "%s", c->what);
}

/* A live connection whose window XDP knows: RCV.NXT 5000, 1000 bytes. */
static void conn_with_window(void)
{
	struct xt_conn_win w = { .rcv_nxt = 5000, .rcv_wnd = 1000 };
	__u32 slot = 0;

	conn_insert();
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.conn_win),
					 &slot, &w, BPF_ANY), 0);
}

static struct pkt_frame rst_at(uint32_t seq)
{
	struct xt_seg_out s = pkt_from_peer();

	s.flags = XT_TCP_RST;
	s.seq = seq;
	return pkt_build(&s);
}

Test(conn_filter, rst_in_window_goes_to_xtcpd,
     .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame exact = rst_at(5000), inside = rst_at(5999);

	conn_with_window();
	cr_assert_eq(xdp_run(&exact), XDP_REDIRECT, "exact: xtcpd resets");
	cr_assert_eq(xdp_run(&inside), XDP_REDIRECT, "inside: challenge ACK");
	cr_assert_eq(xdp_counter(COUNTER(drop_rst_window)), 0);
}

Test(conn_filter, rst_outside_window_is_dropped,
     .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame past = rst_at(6000), before = rst_at(4999);

	conn_with_window();
	cr_assert_eq(xdp_run(&past), XDP_DROP, "RCV.NXT + RCV.WND");
	cr_assert_eq(xdp_run(&before), XDP_DROP, "RCV.NXT - 1");
	cr_assert_eq(xdp_counter(COUNTER(drop_rst_window)), 2);
	cr_assert_eq(xdp_counter(COUNTER(redirect)), 0);
}

Test(conn_filter, valid_cookie_ack_makes_the_tuple_live,
     .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	struct xt_seg_out syn = syn_linux();
	struct pkt_frame sf = pkt_build(&syn), out;
	struct xt_seg_out ack, data;
	struct pkt_frame af, df;
	struct xt_seg sa;

	cr_assert_eq(xdp_run_out(&sf, &out), XDP_TX);
	sa = pkt_parse(&out);
	ack = ack_for(&sa);
	af = pkt_build(&ack);
	cr_assert_eq(xdp_run(&af), XDP_REDIRECT);
	/* The next segment no longer carries ISN+1: it passes as live. */
	data = ack;
	data.seq += 100;
	df = pkt_build(&data);
	cr_assert_eq(xdp_run(&df), XDP_REDIRECT, "pending entry, not a reset");
	cr_assert_eq(xdp_counter(COUNTER(redirect_cookie_ack)), 1);
	cr_assert_eq(xdp_counter(COUNTER(tx_rst_bad_cookie)), 0);
}

/* --- checksums of what XDP answers itself (csum_check.h) ---------------- */

/* A valid cookie ACK carrying 'len' bytes, the SYN-ACK already run. */
static struct pkt_frame cookie_ack_with(uint32_t len)
{
	static uint8_t data[1460];
	struct xt_seg_out ack = cookie_ack(&good_acks[0]);

	cr_assert_leq(len, sizeof(data));
	pkt_fill(data, len, 7);
	ack.flags |= len ? XT_TCP_PSH : 0;
	pkt_set_payload(&ack, data, len);
	return pkt_build(&ack);
}

static void bad_tcp_csum(struct pkt_frame *f)
{
	pkt_tcph(f)->check ^= htons(1);
}

static void syn_bad_tcp_csum(struct pkt_frame *f)
{
	linux_syn(f);
	bad_tcp_csum(f);
}

static void syn_bad_ip_csum(struct pkt_frame *f)
{
	linux_syn(f);
	pkt_iph(f)->check ^= htons(0x100);
}

/* Moved to another source with the IP checksum mended: TCP's is stale. */
static void syn_csum_of_another_source(struct pkt_frame *f)
{
	__u32 other = htonl(PKT_PEER_IP + 1);
	struct iphdr *ip;

	linux_syn(f);
	ip = pkt_iph(f);
	ip->check = xt_csum_replace4(ip->check, ip->saddr, other);
	ip->saddr = other;
}

static void ephemeral_syn_bad_csum(struct pkt_frame *f)
{
	syn_to_ephemeral(f);
	bad_tcp_csum(f);
}

static void synack_bad_csum(struct pkt_frame *f)
{
	synack_to_listener(f);
	bad_tcp_csum(f);
}

static void cookie_ack_bad_csum(struct pkt_frame *f)
{
	*f = cookie_ack_with(0);
	bad_tcp_csum(f);
}

/* One bit of the 1400th payload byte flipped on the way. */
static void cookie_ack_payload_corrupted(struct pkt_frame *f)
{
	*f = cookie_ack_with(1400);
	f->buf[f->len - 1] ^= 0x10;
}

static void cookie_ack_odd_byte_corrupted(struct pkt_frame *f)
{
	*f = cookie_ack_with(19);
	f->buf[f->len - 1] ^= 0x01;
}

/* tot_len says more than the frame holds. */
static void cookie_ack_truncated(struct pkt_frame *f)
{
	*f = cookie_ack_with(100);
	f->len -= 4;
}

static void cookie_ack_1400(struct pkt_frame *f) { *f = cookie_ack_with(1400); }
static void cookie_ack_17(struct pkt_frame *f) { *f = cookie_ack_with(17); }
static void cookie_ack_18(struct pkt_frame *f) { *f = cookie_ack_with(18); }
static void cookie_ack_19(struct pkt_frame *f) { *f = cookie_ack_with(19); }

/* Ethernet pads short frames to 60 bytes: tot_len, not the frame, counts. */
static void syn_padded(struct pkt_frame *f)
{
	syn_no_options(f);
	memset(f->buf + f->len, 0xab, 6);
	f->len += 6;
}

struct csum_case {
	const char *what;
	void (*make)(struct pkt_frame *f);	/* may run the SYN first */
	int verdict;
	size_t counter;				/* the one that counts it */
};

static const struct csum_case csum_cases[] = {
	{ "SYN, bad TCP checksum", syn_bad_tcp_csum, XDP_DROP,
	  COUNTER(drop_bad_csum) },
	{ "SYN, bad IPv4 header checksum", syn_bad_ip_csum, XDP_DROP,
	  COUNTER(drop_bad_csum) },
	{ "SYN, checksum of another source address", syn_csum_of_another_source,
	  XDP_DROP, COUNTER(drop_bad_csum) },
	{ "SYN to an ephemeral port, bad checksum: no RST", ephemeral_syn_bad_csum,
	  XDP_DROP, COUNTER(drop_bad_csum) },
	{ "SYN-ACK to a listener, bad checksum: no RST", synack_bad_csum,
	  XDP_DROP, COUNTER(drop_bad_csum) },
	{ "valid cookie ACK, bad checksum", cookie_ack_bad_csum, XDP_DROP,
	  COUNTER(drop_bad_csum) },
	{ "valid cookie ACK, 1400th byte corrupted", cookie_ack_payload_corrupted,
	  XDP_DROP, COUNTER(drop_bad_csum) },
	{ "valid cookie ACK, odd last byte corrupted", cookie_ack_odd_byte_corrupted,
	  XDP_DROP, COUNTER(drop_bad_csum) },
	{ "valid cookie ACK, frame shorter than tot_len", cookie_ack_truncated,
	  XDP_DROP, COUNTER(drop_bad_csum) },
	{ "valid cookie ACK with 1400 bytes", cookie_ack_1400, XDP_REDIRECT,
	  COUNTER(redirect_cookie_ack) },
	{ "valid cookie ACK with 17 bytes", cookie_ack_17, XDP_REDIRECT,
	  COUNTER(redirect_cookie_ack) },
	{ "valid cookie ACK with 18 bytes", cookie_ack_18, XDP_REDIRECT,
	  COUNTER(redirect_cookie_ack) },
	{ "valid cookie ACK with 19 bytes", cookie_ack_19, XDP_REDIRECT,
	  COUNTER(redirect_cookie_ack) },
	{ "SYN in a padded frame", syn_padded, XDP_TX,
	  COUNTER(tx_synack_cookie) },
};

#define NCSUM (sizeof(csum_cases) / sizeof(csum_cases[0]))

static int csum_rows[NCSUM];

ParameterizedTestParameters(csum, verdict)
{
	return row_params(csum_rows, NCSUM);
}

/* RFC 9293 §3.1: a bad checksum is discarded silently, never answered. */
ParameterizedTest(int *row, csum, verdict,
		  .init = cookie_setup, .fini = xdp_fixture_teardown)
{
	const struct csum_case *c = &csum_cases[*row];
	uint64_t before_tx, before_redirect;
	struct pkt_frame f;

	c->make(&f);
	before_tx = xdp_counter(COUNTER(tx_synack_cookie));
	before_redirect = xdp_counter(COUNTER(redirect));
	cr_assert_eq(xdp_run(&f), c->verdict, "%s", c->what);
	cr_assert_eq(xdp_counter(c->counter) - (c->verdict == XDP_TX ?
						before_tx : 0), 1,
		     "%s", c->what);
	if (c->verdict != XDP_DROP)
		return;
	cr_assert_eq(xdp_counter(COUNTER(tx_synack_cookie)), before_tx,
		     "%s: no SYN-ACK", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect)), before_redirect,
		     "%s: not steered", c->what);
	cr_assert_eq(xdp_counter(COUNTER(redirect_cookie_ack)), 0,
		     "%s: no pending connection", c->what);
	cr_assert_eq(xdp_counter(COUNTER(tx_rst_unknown)) +
		     xdp_counter(COUNTER(tx_rst_bad_cookie)), 0,
		     "%s: no RST", c->what);
}
