// SPDX-License-Identifier: MIT
/*
 * The trivial server against which xtcp-bench measures its own ceiling:
 * load responder.bpf.c, attach it in place of what ran, print "ready",
 * wait, print what it answered, put the previous program back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "netinfo.h"
#include "responder.h"
#include "responder.skel.h"
#include "stats.h"
#include "workload.h"

#define XB_RSP_POLL_NS	50000000

static uint64_t xb_rsp_count(struct xb_responder_bpf *skel, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[XB_MAX_CPUS] = { 0 }, sum = 0;

	if (ncpu <= 0 || ncpu > XB_MAX_CPUS ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &key, v))
		return 0;
	for (int c = 0; c < ncpu; c++)
		sum += v[c];
	return sum;
}

static void xb_rsp_wait(const struct xb_opts *o, volatile int *stop)
{
	uint64_t end = xb_now_ns() + (uint64_t)(o->duration * 1e9);

	while (!*stop && (!o->duration || xb_now_ns() < end)) {
		struct timespec ts = { 0, XB_RSP_POLL_NS };

		nanosleep(&ts, NULL);
	}
}

int xb_responder_run(const struct xb_opts *o, volatile int *stop)
{
	static const char resp[] = XB_RESPONSE;
	struct xb_responder_bpf *skel = NULL;
	struct xb_attach att = { 0 };
	struct xb_ifinfo ifi;
	int err;

	err = xb_if_info(o->iface, &ifi);
	if (err)
		return 1;
	skel = xb_responder_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->cfg_port = o->port;
	memcpy(skel->rodata->cfg_resp, resp, XB_RESP_LEN);
	skel->rodata->cfg_resp_sum = xb_payload_sum(resp, XB_RESP_LEN);
	err = xb_responder_bpf__load(skel);
	if (err) {
		fprintf(stderr, "xtcp-bench: loading responder.bpf.o: %s\n",
			strerror(-err));
		goto cleanup;
	}
	err = xb_attach(&att, ifi.ifindex, bpf_program__fd(skel->progs.xb_responder));
	if (err)
		goto cleanup;
	printf("xtcp-bench responder: ready on %s port %u\n", o->iface, o->port);
	fflush(stdout);
	xb_rsp_wait(o, stop);
	printf("xtcp-bench responder: answered %llu SYNs, %llu requests, %llu FINs\n",
	       (unsigned long long)xb_rsp_count(skel, XB_C_rsp_syn),
	       (unsigned long long)xb_rsp_count(skel, XB_C_rsp_req),
	       (unsigned long long)xb_rsp_count(skel, XB_C_rsp_fin));
cleanup:
	xb_detach(&att);
	xb_responder_bpf__destroy(skel);
	return err ? 1 : 0;
}
