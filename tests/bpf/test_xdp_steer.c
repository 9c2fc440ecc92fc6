// SPDX-License-Identifier: MIT
/*
 * The XDP program's verdicts on everything that is not xtcp's, and on
 * what it steers: a table of {what, frame, verdict, counter}, one
 * Criterion test per row.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/in.h>
#include "xdp_fixture.h"
#include "xtcp.skel.h"

#define EPH_LO		40000
#define EPH_HI		40999
#define COUNTER(name)	offsetof(struct xt_xdp_stats, name)

static struct pkt_frame tcp_to(uint16_t dport)
{
	struct xt_seg_out s = pkt_from_peer();

	s.dport = dport;
	s.flags = XT_TCP_SYN;
	pkt_set_mss(&s, 1460);
	return pkt_build(&s);
}

static void owned_syn(struct pkt_frame *f) { *f = tcp_to(PKT_LOCAL_PORT); }
static void unowned_syn(struct pkt_frame *f) { *f = tcp_to(PKT_LOCAL_PORT + 1); }
static void ephemeral_syn(struct pkt_frame *f) { *f = tcp_to(EPH_LO + 10); }
static void above_ephemeral(struct pkt_frame *f) { *f = tcp_to(EPH_HI + 1); }

static void arp_request(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	pkt_eth(f)->h_proto = htons(ETH_P_ARP);
	f->len = XT_ETH_HLEN + 28;	/* an ARP body's length */
}

static void ipv6_frame(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	pkt_eth(f)->h_proto = htons(ETH_P_IPV6);
}

static void icmp_echo(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	pkt_iph(f)->protocol = IPPROTO_ICMP;
	pkt_fix_csums(f);
}

static void ip_fragment(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	pkt_iph(f)->frag_off = htons(XT_IP_MF);
	pkt_fix_csums(f);
}

/* A "land" SYN: from the address (and port) it is sent to. */
static void land_syn(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	pkt_iph(f)->saddr = pkt_iph(f)->daddr;
	pkt_tcph(f)->source = pkt_tcph(f)->dest;
	pkt_fix_csums(f);
}

static void ip_bad_version(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	pkt_iph(f)->version = 6;
}

static void ip_short_ihl(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	pkt_iph(f)->ihl = XT_IP_MIN_IHL - 1;
}

static void eth_only(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	f->len = XT_ETH_HLEN;
}

static void tcp_truncated(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	f->len = PKT_TCP_OFF + 10;	/* half a TCP header */
}

static void tcp_doff_too_small(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	pkt_tcph(f)->doff = XT_TCP_MIN_DOFF - 1;
}

static void tcp_doff_past_frame(struct pkt_frame *f)
{
	*f = tcp_to(PKT_LOCAL_PORT);
	pkt_tcph(f)->doff = 15;
	f->len = PKT_OPT_OFF + 4;	/* a 60-byte header that is not there */
}

static void tcp_doff_past_frame_unowned(struct pkt_frame *f)
{
	tcp_doff_past_frame(f);
	pkt_tcph(f)->dest = htons(PKT_LOCAL_PORT + 1);
}

struct verdict_case {
	const char *what;
	void (*make)(struct pkt_frame *f);
	int verdict;
	size_t counter;
};

static const struct verdict_case cases[] = {
	{ "ARP goes to the kernel", arp_request, XDP_PASS, COUNTER(pass_not_ipv4) },
	{ "IPv6 goes to the kernel", ipv6_frame, XDP_PASS, COUNTER(pass_not_ipv4) },
	{ "ICMP goes to the kernel", icmp_echo, XDP_PASS, COUNTER(pass_not_tcp) },
	{ "fragments go to the kernel", ip_fragment, XDP_PASS, COUNTER(pass_fragment) },
	{ "IP version 6 in an IPv4 frame", ip_bad_version, XDP_PASS, COUNTER(pass_malformed_ip) },
	{ "IHL below 5", ip_short_ihl, XDP_PASS, COUNTER(pass_malformed_ip) },
	{ "Ethernet header only", eth_only, XDP_PASS, COUNTER(pass_malformed_ip) },
	{ "half a TCP header", tcp_truncated, XDP_PASS, COUNTER(pass_malformed_ip) },
	{ "land: from its own destination", land_syn, XDP_PASS, COUNTER(pass_malformed_ip) },
	{ "TCP to a port xtcp does not own", unowned_syn, XDP_PASS, COUNTER(pass_unowned) },
	{ "above the ephemeral range", above_ephemeral, XDP_PASS, COUNTER(pass_unowned) },
	{ "broken data offset, unowned port", tcp_doff_past_frame_unowned, XDP_PASS, COUNTER(pass_unowned) },
	{ "data offset below 5, owned port", tcp_doff_too_small, XDP_DROP, COUNTER(drop_malformed_tcp) },
	{ "data offset past the frame, owned port", tcp_doff_past_frame, XDP_DROP, COUNTER(drop_malformed_tcp) },
	{ "SYN to a listening port", owned_syn, XDP_REDIRECT, COUNTER(redirect) },
	{ "SYN to an ephemeral port, no connection", ephemeral_syn, XDP_TX, COUNTER(tx_rst_unknown) },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/*
 * Criterion hands parameters to a freshly spawned process, where pointers
 * into this (position-independent) binary mean nothing: pass row numbers.
 */
static int case_rows[NCASES];

ParameterizedTestParameters(xdp_steer, verdict)
{
	for (size_t i = 0; i < NCASES; i++)
		case_rows[i] = (int)i;
	return cr_make_param_array(int, case_rows, NCASES);
}

static void set_ephemeral_range(void)
{
	struct xt_ctl c = { .eph_lo = EPH_LO, .eph_hi = EPH_HI };
	__u32 zero = 0;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.ctl),
					 &zero, &c, BPF_ANY), 0);
}

ParameterizedTest(int *row, xdp_steer, verdict,
		  .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	const struct verdict_case *c = &cases[*row];
	struct pkt_frame f;
	uint64_t before, frames;

	set_ephemeral_range();
	c->make(&f);
	before = xdp_counter(c->counter);
	frames = xdp_counter(COUNTER(rx_frames));
	cr_assert_eq(xdp_run(&f), c->verdict, "%s", c->what);
	cr_assert_eq(xdp_counter(c->counter), before + 1,
		     "%s: its counter moved", c->what);
	cr_assert_eq(xdp_counter(COUNTER(rx_frames)), frames + 1);
}

Test(xdp_steer, owned_port_without_socket_is_dropped,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame f = tcp_to(PKT_LOCAL_PORT);
	__u32 queue = 0;

	cr_assert_eq(bpf_map_delete_elem(bpf_map__fd(fx.skel->maps.xsks),
					 &queue), 0);
	cr_assert_eq(xdp_run(&f), XDP_DROP);
	cr_assert_eq(xdp_counter(COUNTER(drop_no_socket)), 1);
	cr_assert_eq(xdp_counter(COUNTER(redirect)), 0);
}

Test(xdp_steer, ephemeral_range_off_by_default,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame f = tcp_to(EPH_LO + 10);

	cr_assert_eq(xdp_run(&f), XDP_PASS);
	cr_assert_eq(xdp_counter(COUNTER(pass_unowned)), 1);
}

Test(xdp_steer, passed_frames_are_untouched,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame f = tcp_to(PKT_LOCAL_PORT + 1), out;

	cr_assert_eq(xdp_run_out(&f, &out), XDP_PASS);
	cr_assert_eq(out.len, f.len);
	cr_assert_arr_eq(out.buf, f.buf, f.len);
}

/* --- several workers: the slot in front of the frame (struct xt_xsk_meta) */

static void set_ctl_flags(__u32 flags)
{
	struct xt_ctl c = { .flags = flags };
	__u32 zero = 0;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.ctl),
					 &zero, &c, BPF_ANY), 0);
}

static void peer_conn_insert(__u32 slot)
{
	__u32 laddr = htonl(PKT_LOCAL_IP), raddr = htonl(PKT_PEER_IP);
	struct xt_conn_key k = { .lport = PKT_LOCAL_PORT, .rport = PKT_PEER_PORT };
	struct xt_conn_val v = { .slot = slot, .state = XT_ESTABLISHED };

	memcpy(k.laddr, &laddr, sizeof(k.laddr));
	memcpy(k.raddr, &raddr, sizeof(k.raddr));
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.conns),
					 &k, &v, BPF_ANY), 0);
}

/* Runs f, expects XDP_REDIRECT and the frame behind a meta with slot. */
static void expect_meta(const struct pkt_frame *f, __u32 slot)
{
	struct pkt_frame out;
	struct xt_xsk_meta m;

	cr_assert_eq(xdp_run_out(f, &out), XDP_REDIRECT);
	cr_assert_eq(out.len, f->len + sizeof(m), "the meta goes in front");
	memcpy(&m, out.buf, sizeof(m));
	cr_assert_eq(m.magic, XT_XSK_META_MAGIC);
	cr_assert_eq(m.slot, slot, "slot %#x, not %#x", m.slot, slot);
	cr_assert_arr_eq(out.buf + sizeof(m), f->buf, f->len,
			 "the frame itself is untouched");
}

Test(xdp_steer, meta_names_the_slot_of_a_live_connection,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	struct xt_seg_out s = pkt_from_peer();
	struct pkt_frame f;

	set_ctl_flags(XT_CTL_META);
	peer_conn_insert(4242);
	f = pkt_build(&s);
	expect_meta(&f, 4242);
}

Test(xdp_steer, meta_says_none_for_a_tuple_without_entry,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame f = tcp_to(PKT_LOCAL_PORT);

	set_ctl_flags(XT_CTL_META);
	expect_meta(&f, XT_SLOT_NONE);
}

Test(xdp_steer, no_meta_with_one_worker,
     .init = xdp_fixture_setup, .fini = xdp_fixture_teardown)
{
	struct pkt_frame f = tcp_to(PKT_LOCAL_PORT), out;

	set_ctl_flags(0);
	cr_assert_eq(xdp_run_out(&f, &out), XDP_REDIRECT);
	cr_assert_eq(out.len, f.len);
	cr_assert_arr_eq(out.buf, f.buf, f.len);
}
