// SPDX-License-Identifier: MIT
/*
 * Driving client.bpf.c: open -> configure rodata -> load -> devmap and
 * slots -> attach; then generators run with BPF_PROG_RUN in live-frames
 * mode (each run transmits its XDP_TX out of the client interface).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include "client.skel.h"
#include "workload.h"
#include "xdp.h"

#define XB_GEN_BATCH	64	/* frames the kernel sends per flush */
#define XB_NET24	0xffffff00u
#define XB_DRAIN_POLL_NS 10000000

static void xb_xdp_config(struct xb_xdp *x, const struct xb_opts *o)
{
	struct xb_client_bpf__rodata *ro = x->skel->rodata;
	static const char req[] = XB_REQUEST;

	ro->cfg_server_ip = o->server.s_addr;
	ro->cfg_server_port = o->port;
	ro->cfg_flood_port = o->flood_port;
	ro->cfg_own_ip = x->ifi.addr.s_addr;
	ro->cfg_pool_base = o->pool_count ? o->pool_base : ntohl(x->ifi.addr.s_addr);
	ro->cfg_pool_count = o->pool_count ? o->pool_count : 1;
	ro->cfg_nslots = x->nslots;
	ro->cfg_closed_loop = o->rate == 0;
	memcpy(ro->cfg_req, req, XB_REQ_LEN);
	ro->cfg_req_sum = xb_payload_sum(req, XB_REQ_LEN);
	/* Flood sources never take the server's, ours or the pool's /24. */
	ro->cfg_flood_avoid[0] = ntohl(o->server.s_addr) & XB_NET24;
	ro->cfg_flood_avoid[1] = ntohl(x->ifi.addr.s_addr) & XB_NET24;
	ro->cfg_flood_avoid[2] = ro->cfg_pool_base & XB_NET24;
}

/*
 * A SYN from us to the server: what the generators rewrite. Built in a
 * packed struct, then copied: the IP header sits 14 bytes into the frame,
 * where struct iphdr's alignment does not hold.
 */
static void xb_xdp_template(struct xb_xdp *x, const struct xb_opts *o)
{
	struct __attribute__((packed)) {
		struct ethhdr eth;
		struct iphdr ip;
		struct tcphdr tcp;
		uint8_t opt[4];
	} f;

	_Static_assert(sizeof(f) <= sizeof(x->tmpl), "the SYN template fits");
	memset(&f, 0, sizeof(f));
	memcpy(f.eth.h_source, x->ifi.mac, ETH_ALEN);
	memcpy(f.eth.h_dest, x->server_mac, ETH_ALEN);
	f.eth.h_proto = htons(ETH_P_IP);
	f.ip.version = 4;
	f.ip.ihl = 5;
	f.ip.tot_len = htons(sizeof(f.ip) + sizeof(f.tcp) + sizeof(f.opt));
	f.ip.ttl = 64;
	f.ip.protocol = IPPROTO_TCP;
	f.ip.saddr = x->ifi.addr.s_addr;
	f.ip.daddr = o->server.s_addr;
	f.tcp.source = htons(XB_PORT_LO);
	f.tcp.dest = htons(o->port);
	f.tcp.doff = 6;
	f.tcp.syn = 1;
	memset(x->tmpl, 0, sizeof(x->tmpl));
	memcpy(x->tmpl, &f, sizeof(f));
	x->tmpl_len = sizeof(f);
}

/* Both fanout entries: this interface, with xb_fanout on egress. */
static int xb_xdp_fanout(struct xb_xdp *x)
{
	struct bpf_devmap_val v = {
		.ifindex = (__u32)x->ifi.ifindex,
		.bpf_prog.fd = bpf_program__fd(x->skel->progs.xb_fanout),
	};
	int fd = bpf_map__fd(x->skel->maps.fanout);

	for (__u32 k = 0; k < 2; k++)
		if (bpf_map_update_elem(fd, &k, &v, 0))
			return -errno;
	return 0;
}

static int xb_xdp_map_slots(struct xb_xdp *x)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = x->nslots * sizeof(struct xb_slot);

	x->slots_len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	x->slots = mmap(NULL, x->slots_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(x->skel->maps.slots), 0);
	if (x->slots == MAP_FAILED) {
		x->slots = NULL;
		return -errno;
	}
	return 0;
}

static int xb_xdp_load(struct xb_xdp *x, const struct xb_opts *o)
{
	int err;

	x->skel = xb_client_bpf__open();
	if (!x->skel)
		return -errno;
	xb_xdp_config(x, o);
	err = bpf_map__set_max_entries(x->skel->maps.slots,
				       x->nslots ? x->nslots : 1);
	if (!err)
		err = xb_client_bpf__load(x->skel);
	if (err) {
		fprintf(stderr, "xtcp-bench: loading client.bpf.o: %s\n",
			strerror(-err));
		return err;
	}
	err = xb_xdp_fanout(x);
	if (!err && x->nslots)
		err = xb_xdp_map_slots(x);
	return err;
}

int xb_xdp_open(struct xb_xdp *x, const struct xb_opts *o, unsigned nslots)
{
	int err;

	*x = (struct xb_xdp){ .nslots = nslots };
	if (nslots > XB_MAX_SLOTS)
		return -EINVAL;
	err = xb_if_info(o->iface, &x->ifi);
	if (err)
		return err;
	if (o->have_server_mac)
		memcpy(x->server_mac, o->server_mac, 6);
	else if ((err = xb_resolve_mac(o->server, x->server_mac)))
		return err;
	xb_xdp_template(x, o);
	err = xb_xdp_load(x, o);
	if (err)
		return err;
	return xb_attach(&x->att, x->ifi.ifindex,
			 bpf_program__fd(x->skel->progs.xb_client));
}

/* n runs of prog on the template, each one a frame out of the interface. */
static int xb_xdp_run(struct xb_xdp *x, struct bpf_program *prog, unsigned n)
{
	struct xdp_md ctx = { .data_end = x->tmpl_len,
			      .ingress_ifindex = (__u32)x->ifi.ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = x->tmpl, .data_size_in = x->tmpl_len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .repeat = n, .batch_size = XB_GEN_BATCH);

	if (!n)
		return 0;
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	return 0;
}

int xb_xdp_seed(struct xb_xdp *x, unsigned n)
{
	return xb_xdp_run(x, x->skel->progs.xb_gen_syn, n);
}

int xb_xdp_flood(struct xb_xdp *x, unsigned n)
{
	return xb_xdp_run(x, x->skel->progs.xb_gen_flood, n);
}

/*
 * Closed loop: a slot always has a connection, so one silent for
 * timeout_ns (IDLE included: its next SYN was lost) has lost its token.
 */
unsigned xb_xdp_watch(struct xb_xdp *x, uint64_t timeout_ns)
{
	uint64_t now = xb_now_ns();
	unsigned restarted = 0;

	for (unsigned i = 0; i < x->nslots; i++) {
		const volatile struct xb_slot *s = &x->slots[i];

		/* Signed: XDP may have stamped it after `now` was read. */
		if ((int64_t)(now - s->last_ns) < (int64_t)timeout_ns)
			continue;
		x->skel->bss->seed_slot = i + 1;
		if (!xb_xdp_seed(x, 1))
			restarted++;
		x->skel->bss->seed_slot = 0;
	}
	return restarted;
}

/* Sums a per-CPU array map of u64 into out[0..n). */
static void xb_percpu_sum(int fd, unsigned n, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*v));

	if (!v)
		return;
	for (__u32 k = 0; k < n; k++) {
		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += v[c];
	}
	free(v);
}

void xb_xdp_read(struct xb_xdp *x, struct xb_snap *s)
{
	xb_percpu_sum(bpf_map__fd(x->skel->maps.counters), XB_C_COUNT, s->c);
	if (x->nslots)
		xb_percpu_sum(bpf_map__fd(x->skel->maps.hist), XB_HIST_BUCKETS,
			      s->hist);
}

static unsigned xb_xdp_busy(struct xb_xdp *x)
{
	unsigned n = 0;

	for (unsigned i = 0; i < x->nslots; i++)
		n += ((volatile struct xb_slot *)x->slots)[i].state != XB_S_IDLE;
	return n;
}

void xb_xdp_drain(struct xb_xdp *x, uint64_t wait_ns)
{
	uint64_t deadline = xb_now_ns() + wait_ns;

	if (!x->skel)
		return;
	x->skel->bss->draining = 1;
	while (x->nslots && xb_xdp_busy(x) && xb_now_ns() < deadline) {
		struct timespec ts = { 0, XB_DRAIN_POLL_NS };

		nanosleep(&ts, NULL);
	}
}

void xb_xdp_close(struct xb_xdp *x)
{
	xb_detach(&x->att);
	if (x->slots)
		munmap(x->slots, x->slots_len);
	x->slots = NULL;
	xb_client_bpf__destroy(x->skel);
	x->skel = NULL;
}
