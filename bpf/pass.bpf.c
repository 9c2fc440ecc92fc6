// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * XDP_PASS for the testbed's peer end. A veth only accepts frames sent to
 * it with XDP_TX or a redirect when its receiving end runs an XDP program
 * (it needs the peer's NAPI context); this one does nothing else.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xtcp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
