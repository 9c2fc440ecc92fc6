// SPDX-License-Identifier: MIT
/*
 * The limit on RSTs XDP sends for tuples xtcpd does not hold
 * (bpf/rst_limit.h): ctl.rst_rate per second, ctl.rst_burst back to back,
 * one bucket shared by RFC 9293 §3.10.7.1's RSTs and the RSTs for bad
 * cookies; beyond it a segment is dropped unanswered and counted in
 * drop_rst_ratelimit. Each test loads the object afresh, so its bucket
 * starts full; rate 1 per second means no token comes back while a test
 * runs, unless the test moves the bucket's clock itself.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <string.h>
#include "xdp_fixture.h"
#include "xtcp.skel.h"

#define COUNTER(name)	offsetof(struct xt_xdp_stats, name)
#define NS_PER_S	1000000000ULL

static void set_ctl(__u32 flags, __u32 rate, __u32 burst)
{
	struct xt_ctl c = {
		.flags = flags, .mss = 1460, .wscale = 7,
		.rst_rate = rate, .rst_burst = burst,
	};

	xdp_map_put0(fx.skel->maps.ctl, &c);
}

static struct xt_rst_bucket bucket_get(void)
{
	struct xt_rst_bucket b;

	xdp_map_get0(fx.skel->maps.rst_bucket, &b);
	return b;
}

/*
 * Segments of a flood with spoofed tuples: each from another source port
 * and with another sequence number, towards the listening port.
 */
static struct xt_seg_out flood_seg(int i, uint8_t flags)
{
	struct xt_seg_out s = pkt_from_peer();
	uint32_t x = 0x9e3779b9u + (uint32_t)i;

	s.sport = (uint16_t)(1024 + i);
	s.seq = pkt_rand(&x);
	s.ack = pkt_rand(&x);
	s.flags = flags;
	return s;
}

/* A bare FIN: nothing a listener takes, so RFC 9293 §3.10.7.1's RST. */
static struct pkt_frame fin_frame(int i)
{
	struct xt_seg_out s = flood_seg(i, XT_TCP_FIN);

	return pkt_build(&s);
}

/* Data with ACK: a handshake's last ACK whose cookie is bad. */
static struct pkt_frame bad_cookie_frame(int i)
{
	static const char data[] = "GET / HTTP/1.0\r\n\r\n";
	struct xt_seg_out s = flood_seg(i, XT_TCP_ACK | XT_TCP_PSH);

	pkt_set_payload(&s, data, sizeof(data) - 1);
	return pkt_build(&s);
}

/* A SYN: the cookie SYN-ACK is no RST and is not limited. */
static struct pkt_frame syn_frame(int i)
{
	struct xt_seg_out s = flood_seg(i, XT_TCP_SYN);

	pkt_set_mss(&s, 1460);
	return pkt_build(&s);
}

struct limit_case {
	const char *what;
	__u32 flags;			/* ctl.flags */
	__u32 rate, burst;		/* ctl.rst_rate, ctl.rst_burst */
	struct pkt_frame (*make)(int i);
	int n;				/* frames, back to back */
	int tx;				/* of which answered, the first ones */
	size_t tx_counter;		/* the counter the answers move */
	uint8_t tx_flags;		/* what the answers are */
};

#define RST_BAD_COOKIE	(XT_CTL_COOKIES | XT_CTL_RST_BAD_COOKIE)

static const struct limit_case limit_cases[] = {
	{ "rate 0: no limit, every FIN reset", 0, 0, 0, fin_frame, 300, 300,
	  COUNTER(tx_rst_unknown), XT_TCP_RST | XT_TCP_ACK },
	{ "FINs: a burst of 5, then dropped", 0, 1, 5, fin_frame, 40, 5,
	  COUNTER(tx_rst_unknown), XT_TCP_RST | XT_TCP_ACK },
	{ "FINs: burst 1", 0, 1, 1, fin_frame, 40, 1,
	  COUNTER(tx_rst_unknown), XT_TCP_RST | XT_TCP_ACK },
	{ "burst 0 is taken as 1", 0, 1, 0, fin_frame, 40, 1,
	  COUNTER(tx_rst_unknown), XT_TCP_RST | XT_TCP_ACK },
	{ "bad cookies: a burst of 5, then dropped", RST_BAD_COOKIE, 1, 5,
	  bad_cookie_frame, 40, 5, COUNTER(tx_rst_bad_cookie), XT_TCP_RST },
	{ "bad cookies, rate 0: no limit", RST_BAD_COOKIE, 0, 0,
	  bad_cookie_frame, 300, 300, COUNTER(tx_rst_bad_cookie), XT_TCP_RST },
	{ "SYNs: cookie SYN-ACKs are not limited", XT_CTL_COOKIES, 1, 1,
	  syn_frame, 40, 40, COUNTER(tx_synack_cookie),
	  XT_TCP_SYN | XT_TCP_ACK },
};

#define NLIMIT (sizeof(limit_cases) / sizeof(limit_cases[0]))

static int limit_rows[NLIMIT];

/* Criterion hands parameters to a fresh process: pass row numbers. */
ParameterizedTestParameters(rst_limit, flood)
{
	for (size_t i = 0; i < NLIMIT; i++)
		limit_rows[i] = (int)i;
	return cr_make_param_array(int, limit_rows, NLIMIT);
}

ParameterizedTest(int *row, rst_limit, flood,
		  .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	const struct limit_case *c = &limit_cases[*row];
	int tx = 0;

	set_ctl(c->flags, c->rate, c->burst);
	for (int i = 0; i < c->n; i++) {
		struct pkt_frame f = c->make(i), out;
		int act = xdp_run_out(&f, &out);
		struct xt_seg r;

		if (act == XDP_DROP)
			continue;
		cr_assert_eq(act, XDP_TX, "%s: frame %d: verdict %d", c->what,
			     i, act);
		cr_assert_eq(i, tx, "%s: frame %d answered after a drop",
			     c->what, i);
		r = pkt_parse(&out);		/* checksums verified */
		cr_assert_eq(r.flags, c->tx_flags, "%s: frame %d: flags %#x",
			     c->what, i, r.flags);
		cr_assert_eq(r.dport, 1024 + i, "%s: frame %d: back to its port",
			     c->what, i);
		tx++;
	}
	cr_assert_eq(tx, c->tx, "%s: %d answered, want %d", c->what, tx, c->tx);
	cr_assert_eq(xdp_counter(c->tx_counter), (uint64_t)c->tx, "%s", c->what);
	cr_assert_eq(xdp_counter(COUNTER(drop_rst_ratelimit)),
		     (uint64_t)(c->n - c->tx), "%s: drop_rst_ratelimit", c->what);
	cr_assert_eq(xdp_counter(COUNTER(rx_frames)), (uint64_t)c->n, "%s",
		     c->what);
}

/* A RST for an unknown tuple is dropped as ever, and spends no token. */
Test(rst_limit, rsts_take_no_token,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	set_ctl(0, 1, 1);
	for (int i = 0; i < 20; i++) {
		struct xt_seg_out s = flood_seg(i, XT_TCP_RST);
		struct pkt_frame f = pkt_build(&s);

		cr_assert_eq(xdp_run(&f), XDP_DROP, "RST %d", i);
	}
	cr_assert_eq(xdp_counter(COUNTER(drop_rst_unknown)), 20);
	cr_assert_eq(xdp_counter(COUNTER(drop_rst_ratelimit)), 0);
	{
		struct pkt_frame f = fin_frame(0);

		cr_assert_eq(xdp_run(&f), XDP_TX, "the token is still there");
	}
}

/*
 * The bucket's clock: each RST moves it one interval (1 s / rate) on;
 * moving it back by one interval, as a second of waiting at rate 1 would,
 * lets exactly one more RST out, which sets it a second past that now.
 */
Test(rst_limit, one_interval_one_rst,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame f = fin_frame(0);
	struct xt_rst_bucket b;
	__u64 tat;

	set_ctl(0, 1, 1);
	cr_assert_eq(xdp_run(&f), XDP_TX);
	tat = bucket_get().tat;
	cr_assert_neq(tat, 0, "the clock moved");
	cr_assert_eq(xdp_run(&f), XDP_DROP);
	cr_assert_eq(bucket_get().tat, tat, "a drop does not move it");
	b = bucket_get();
	b.tat -= NS_PER_S;
	xdp_map_put0(fx.skel->maps.rst_bucket, &b);
	cr_assert_eq(xdp_run(&f), XDP_TX, "one interval later");
	cr_assert_geq(bucket_get().tat, tat, "a second on from now");
	cr_assert_eq(xdp_run(&f), XDP_DROP);
	cr_assert_eq(xdp_counter(COUNTER(tx_rst_unknown)), 2);
	cr_assert_eq(xdp_counter(COUNTER(drop_rst_ratelimit)), 2);
}

/* The interval is 1 s / rate: at rate 4, a RST moves the clock 250 ms. */
Test(rst_limit, interval_is_a_second_over_the_rate,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame f = fin_frame(0);
	__u64 t1, t2;

	set_ctl(0, 4, 3);
	cr_assert_eq(xdp_run(&f), XDP_TX);
	t1 = bucket_get().tat;
	cr_assert_eq(xdp_run(&f), XDP_TX);
	t2 = bucket_get().tat;
	cr_assert_eq(t2 - t1, NS_PER_S / 4);
}

/* xtcpd may change the rate while the program runs: 0 lifts the limit. */
Test(rst_limit, rate_0_lifts_it_at_once,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame f = fin_frame(0);

	set_ctl(0, 1, 1);
	cr_assert_eq(xdp_run(&f), XDP_TX);
	cr_assert_eq(xdp_run(&f), XDP_DROP);
	set_ctl(0, 0, 0);
	cr_assert_eq(xdp_run(&f), XDP_TX);
	cr_assert_eq(xdp_run(&f), XDP_TX);
}
