// SPDX-License-Identifier: MIT
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sched.h>
#include <stdlib.h>
#include "xdp/port.h"
#include "xdp_fixture.h"
#include "xtcp.skel.h"

struct xdp_fixture fx;

static const struct xt_port_cfg lo_port_cfg = {
	.nframes = 64, .frame_size = 2048, .ring_size = 32,
};

void xdp_fixture_setup(void)
{
	struct xt_listen_val lv = { .service = 0 };
	__u16 port = PKT_LOCAL_PORT;
	int ret;

	/*
	 * Criterion runs each test in its own process: give it a network
	 * namespace of its own, so its AF_XDP socket on lo cannot collide
	 * with anyone else's, and vanishes with the process.
	 */
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	fx.skel = xtcp_bpf__open_and_load();
	cr_assert_not_null(fx.skel, "load the XDP object (run as root)");
	ret = bpf_map_update_elem(bpf_map__fd(fx.skel->maps.listen_ports),
				  &port, &lv, BPF_ANY);
	cr_assert_eq(ret, 0, "publish port %u", port);
	/*
	 * A real AF_XDP socket in xsks[0], bound to lo (no program attached
	 * there), so that bpf_redirect_map() finds a socket and says
	 * XDP_REDIRECT, as on a serving interface.
	 */
	ret = xt_port_open(&fx.port, "lo", 0,
			   bpf_map__fd(fx.skel->maps.xsks), &lo_port_cfg);
	cr_assert_eq(ret, 0, "AF_XDP socket on lo: %s", strerror(-ret));
}

void xdp_fixture_teardown(void)
{
	xt_port_close(fx.port);
	xtcp_bpf__destroy(fx.skel);
	fx.port = NULL;
	fx.skel = NULL;
}

int xdp_run_out(const struct pkt_frame *f, struct pkt_frame *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = f->buf,
		.data_size_in = (__u32)f->len,
		.data_out = out ? out->buf : NULL,
		.data_size_out = out ? sizeof(out->buf) : 0,
		.repeat = 1,
	);
	int ret = bpf_prog_test_run_opts(
		bpf_program__fd(fx.skel->progs.xtcp_xdp), &opts);

	cr_assert_eq(ret, 0, "bpf_prog_test_run_opts: %s", strerror(errno));
	if (out)
		out->len = opts.data_size_out;
	return (int)opts.retval;
}

int xdp_run(const struct pkt_frame *f)
{
	return xdp_run_out(f, NULL);
}

void xdp_map_get0(const struct bpf_map *m, void *val)
{
	__u32 zero = 0;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(m), &zero, val), 0,
		     "read %s: %s", bpf_map__name(m), strerror(errno));
}

void xdp_map_put0(const struct bpf_map *m, const void *val)
{
	__u32 zero = 0;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(m), &zero, val, BPF_ANY), 0,
		     "write %s: %s", bpf_map__name(m), strerror(errno));
}

uint64_t xdp_counter(size_t off)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xt_xdp_stats *percpu = calloc((size_t)ncpu, sizeof(*percpu));
	__u32 zero = 0;
	uint64_t sum = 0;

	cr_assert_not_null(percpu);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.stats),
					 &zero, percpu), 0);
	for (int c = 0; c < ncpu; c++)
		sum += *(uint64_t *)((char *)&percpu[c] + off);
	free(percpu);
	return sum;
}
