// SPDX-License-Identifier: MIT
/*
 * The tap in the XDP program (bpf/tap.h): with ctl.flags XT_CTL_TAP, a
 * frame XDP answers itself leaves two records in tap_ring (the frame as
 * it came, then the answer), a frame it drops one; frames it steers to
 * xtcpd or passes to the kernel none. Without the flag, nothing.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <string.h>
#include "xdp_fixture.h"
#include "xtcp/tap.h"
#include "xtcp.skel.h"

#define EPH_LO		40000
#define EPH_HI		40999
#define MAX_RECS	4

static struct pkt_frame syn_to(uint16_t dport)
{
	struct xt_seg_out s = pkt_from_peer();

	s.dport = dport;
	s.flags = XT_TCP_SYN;
	pkt_set_mss(&s, 1460);
	return pkt_build(&s);
}

/* No connection: XDP resets it (XDP_TX). */
static void ephemeral_syn(struct pkt_frame *f) { *f = syn_to(EPH_LO + 10); }
/* To xtcpd's socket (XDP_REDIRECT): xtcpd records it, not XDP. */
static void listener_syn(struct pkt_frame *f) { *f = syn_to(PKT_LOCAL_PORT); }
static void unowned_syn(struct pkt_frame *f) { *f = syn_to(PKT_LOCAL_PORT + 1); }

static void bad_doff(struct pkt_frame *f)
{
	*f = syn_to(PKT_LOCAL_PORT);
	pkt_tcph(f)->doff = XT_TCP_MIN_DOFF - 1;
}

struct tap_case {
	const char *what;
	void (*make)(struct pkt_frame *f);
	bool tap;
	int verdict;
	uint8_t kinds[MAX_RECS];	/* the records expected, 0-terminated */
};

static const struct tap_case cases[] = {
	{ "off: an XDP answer leaves nothing", ephemeral_syn, false, XDP_TX, { 0 } },
	{ "off: an XDP drop leaves nothing", bad_doff, false, XDP_DROP, { 0 } },
	{ "on: an answer, the frame then the reply", ephemeral_syn, true, XDP_TX,
	  { XT_TAP_XDP_IN, XT_TAP_XDP_TX } },
	{ "on: a drop, the frame", bad_doff, true, XDP_DROP, { XT_TAP_XDP_DROP } },
	{ "on: steered to xtcpd, nothing (xtcpd's)", listener_syn, true, XDP_REDIRECT, { 0 } },
	{ "on: the kernel's, nothing", unowned_syn, true, XDP_PASS, { 0 } },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int case_rows[NCASES];

ParameterizedTestParameters(xdp_tap, records)
{
	for (size_t i = 0; i < NCASES; i++)
		case_rows[i] = (int)i;
	return cr_make_param_array(int, case_rows, NCASES);
}

struct got {
	struct xt_tap_rec recs[MAX_RECS + 1];
	unsigned n;
};

static int on_rec(void *ctx, void *data, size_t size)
{
	struct got *g = ctx;

	cr_assert_eq(size, sizeof(struct xt_tap_rec));
	if (g->n <= MAX_RECS)
		memcpy(&g->recs[g->n++], data, sizeof(struct xt_tap_rec));
	return 0;
}

static void set_ctl(bool tap)
{
	struct xt_ctl c = { .eph_lo = EPH_LO, .eph_hi = EPH_HI,
			    .flags = tap ? XT_CTL_TAP : 0 };
	__u32 zero = 0;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.ctl),
					 &zero, &c, BPF_ANY), 0);
}

ParameterizedTest(int *row, xdp_tap, records,
		  .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	const struct tap_case *c = &cases[*row];
	struct ring_buffer *rb;
	struct pkt_frame f, out;
	struct got g = { 0 };
	unsigned want = 0;

	rb = ring_buffer__new(bpf_map__fd(fx.skel->maps.tap_ring), on_rec, &g,
			      NULL);
	cr_assert_not_null(rb);
	set_ctl(c->tap);
	c->make(&f);
	cr_assert_eq(xdp_run_out(&f, &out), c->verdict, "%s", c->what);
	cr_assert_geq(ring_buffer__consume(rb), 0);
	while (want < MAX_RECS && c->kinds[want])
		want++;
	cr_assert_eq(g.n, want, "%s: %u records", c->what, g.n);
	for (unsigned i = 0; i < g.n; i++) {
		const struct xt_tap_rec *r = &g.recs[i];
		/* The reply is the frame the program left, the rest the input. */
		const struct pkt_frame *as = r->kind == XT_TAP_XDP_TX ? &out : &f;

		cr_assert_eq(r->kind, c->kinds[i], "%s: record %u", c->what, i);
		cr_assert_eq(r->len, as->len);
		cr_assert_eq(r->caplen, as->len < XT_TAP_SNAPLEN ? as->len :
			     XT_TAP_SNAPLEN);
		cr_assert_arr_eq(r->data, as->buf, r->caplen, "%s: record %u's bytes",
				 c->what, i);
		cr_assert_neq(r->ts_ns, 0);
	}
	cr_assert_eq(xdp_counter(offsetof(struct xt_xdp_stats, tap_ring_full)), 0);
	ring_buffer__free(rb);
}
