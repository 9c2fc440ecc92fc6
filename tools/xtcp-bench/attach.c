// SPDX-License-Identifier: MIT
/* XDP attach with XDP_FLAGS_REPLACE both ways, so nothing else is clobbered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "attach.h"

int xb_attach(struct xb_attach *a, int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 old_id = 0;
	__u32 flags = XDP_FLAGS_DRV_MODE;
	int err;

	*a = (struct xb_attach){ .ifindex = ifindex, .prog_fd = prog_fd,
				 .old_fd = -1 };
	err = bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &old_id);
	if (err)
		old_id = 0;
	if (old_id) {
		/* Hold it, or replacing it would free it. */
		a->old_fd = bpf_prog_get_fd_by_id(old_id);
		if (a->old_fd < 0) {
			err = -errno;
			fprintf(stderr, "xtcp-bench: cannot hold XDP prog %u: %s\n",
				old_id, strerror(errno));
			return err;
		}
		opts.old_prog_fd = a->old_fd;
		flags |= XDP_FLAGS_REPLACE;
	}
	err = bpf_xdp_attach(ifindex, prog_fd, flags, &opts);
	if (err) {
		fprintf(stderr, "xtcp-bench: XDP attach to ifindex %d: %s\n",
			ifindex, strerror(-err));
		if (a->old_fd >= 0)
			close(a->old_fd);
		a->old_fd = -1;
		return err;
	}
	a->on = true;
	return 0;
}

void xb_detach(struct xb_attach *a)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = a->prog_fd);
	int err;

	if (!a->on)
		return;
	if (a->old_fd >= 0)
		err = bpf_xdp_attach(a->ifindex, a->old_fd,
				     XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
	else
		err = bpf_xdp_detach(a->ifindex, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fprintf(stderr, "xtcp-bench: restoring XDP on ifindex %d: %s\n",
			a->ifindex, strerror(-err));
	if (a->old_fd >= 0)
		close(a->old_fd);
	a->old_fd = -1;
	a->on = false;
}
