// SPDX-License-Identifier: MIT
/*
 * xt_io_watch (include/xtcp/xtcp.h): the applications' file descriptors
 * in their worker's epoll set (the stack's cfg.io_epfd), dispatched once
 * per turn of the worker's loop. A watch removed while its event may
 * still sit in the batch being dispatched is only marked, and freed after
 * the batch: the workers are threads, so the list of those is per thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include "tcp/tcp.h"

#define IO_BATCH	64

struct xt_io_watch {
	struct xt_stack *st;
	int epfd, fd;
	xt_io_fn fn;			/* NULL: removed, freed after dispatch */
	void *arg;
	struct xt_io_watch *dead_next;
};

static __thread struct xt_io_watch *io_dead;
static __thread int io_dispatching;

int xt_io_watch(struct xt_stack *st, int fd, uint32_t events, xt_io_fn fn,
		void *arg, struct xt_io_watch **out)
{
	struct xt_io_watch *w;
	struct epoll_event ev = { .events = events };

	if (st->cfg.io_epfd <= 0)
		return -ENOTSUP;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct xt_io_watch){ .st = st, .epfd = st->cfg.io_epfd,
				   .fd = fd, .fn = fn, .arg = arg };
	ev.data.ptr = w;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;

		free(w);
		return err;
	}
	st->io_watches++;
	*out = w;
	return 0;
}

int xt_io_modify(struct xt_io_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->fd, &ev) ? -errno : 0;
}

void xt_io_unwatch(struct xt_io_watch *w)
{
	if (!w)
		return;
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->st->io_watches--;
	if (!io_dispatching) {
		free(w);
		return;
	}
	w->fn = NULL;
	w->dead_next = io_dead;
	io_dead = w;
}

unsigned xt_io_dispatch(struct xt_stack *st)
{
	struct epoll_event ev[IO_BATCH];
	int epfd = st->cfg.io_epfd;
	int n = epfd > 0 && st->io_watches ? epoll_wait(epfd, ev, IO_BATCH, 0) : 0;

	io_dispatching = 1;
	for (int i = 0; i < n; i++) {
		struct xt_io_watch *w = ev[i].data.ptr;

		if (w->fn)
			w->fn(w->fd, ev[i].events, w->arg);
	}
	io_dispatching = 0;
	while (io_dead) {
		struct xt_io_watch *w = io_dead;

		io_dead = w->dead_next;
		free(w);
	}
	return n > 0 ? (unsigned)n : 0;
}
