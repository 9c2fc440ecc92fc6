// SPDX-License-Identifier: MIT
/*
 * Running a struct xt_host: the housekeeping tick (cookie keys, auto
 * cookies, the checksum hint), xt_host_run() with its drain for
 * XT_HOST_THREADS, and xt_host_fd()/xt_host_work() for XT_HOST_CALLER.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "common/log.h"
#include "host/host.h"
#include "xdp/counters.h"

#define DRAIN_POLL_MS	20	/* how often a drain looks at the workers */

/* What the housekeeping watches, summed over the workers and XDP. */
struct watched {
	uint64_t syns, half_open;	/* for auto cookies */
	uint64_t bad_csum;		/* for the checksum hint */
};

/*
 * Every SYN to a listener, for auto cookies: those the workers saw and
 * those XDP answered itself (once cookies are on, no SYN reaches a
 * worker, and the flood must still count); and the half-open count.
 * Every segment dropped for a bad checksum: by the workers, and by XDP
 * before it answers a segment itself.
 */
static void sum_watched(const struct xt_host *h, struct watched *w)
{
	struct xt_xdp_stats xs;

	memset(w, 0, sizeof(*w));
	for (int q = 0; q < h->nworkers; q++) {
		w->syns += atomic_load(&h->workers[q].syns_seen);
		w->half_open += atomic_load(&h->workers[q].half_open);
		w->bad_csum += atomic_load(&h->workers[q].bad_csum);
	}
	if (!xt_xdp_stats_read(xt_loader_stats_fd(h->loader), &xs)) {
		w->syns += xs.tx_synack_cookie;
		w->bad_csum += xs.drop_bad_csum;
	}
}

uint64_t xt_host_tick(struct xt_host *h)
{
	uint64_t now = xt_now_ms();
	struct watched w;

	sum_watched(h, &w);
	xt_csum_hint_check(&h->csum_hint, w.bad_csum);
	if (xt_cookies_tick(&h->cookies, now, w.syns, w.half_open))
		xt_host_publish_ctl(h);
	return xt_csum_hint_delay(&h->csum_hint,
				  xt_cookies_next_delay(&h->cookies, now));
}

void xt_host_stop(struct xt_host *h)
{
	uint64_t one = 1;

	atomic_fetch_add(&h->stops, 1);
	/* Only a full counter fails, and then a wakeup is pending anyway. */
	if (write(h->stop_fd, &one, sizeof(one)) < 0)
		return;
}

int xt_host_stopping(const struct xt_host *h)
{
	return atomic_load(&h->stops) > 0;
}

/* Sleeps until xt_host_stop() or ms have passed. */
static void wait_stop(struct xt_host *h, uint64_t ms)
{
	struct pollfd p = { .fd = h->stop_fd, .events = POLLIN };
	uint64_t drained;

	if (poll(&p, 1, ms > INT32_MAX ? INT32_MAX : (int)ms) > 0 &&
	    read(h->stop_fd, &drained, sizeof(drained)) < 0)
		xt_dbg("stop fd: %s", strerror(errno));
}

void xt_host_drain_begin(struct xt_host *h)
{
	if (atomic_exchange(&h->drain, 1))
		return;
	xt_host_publish_ctl(h);
	for (int q = 0; q < h->nworkers; q++)
		xt_worker_wake(&h->workers[q]);
}

unsigned xt_host_unfinished(const struct xt_host *h)
{
	unsigned n = 0;

	for (int q = 0; q < h->nworkers; q++)
		n += atomic_load(&h->workers[q].unfinished);
	return n;
}

/* Until every connection closed, drain_ms, or another xt_host_stop(). */
static void host_drain(struct xt_host *h)
{
	uint64_t start = xt_now_ms(), deadline = start + h->cfg.drain_ms;
	int stops = atomic_load(&h->stops);
	unsigned left = xt_host_unfinished(h);

	if (!h->cfg.drain_ms || !left)
		return;
	xt_info("draining %u connection%s for up to %u ms", left,
		left == 1 ? "" : "s", h->cfg.drain_ms);
	xt_host_drain_begin(h);
	while ((left = xt_host_unfinished(h)) && xt_now_ms() < deadline &&
	       atomic_load(&h->stops) == stops)
		wait_stop(h, DRAIN_POLL_MS);
	if (left)
		xt_warn("stopping with %u connection%s open", left,
			left == 1 ? "" : "s");
}

int xt_host_run(struct xt_host *h)
{
	if (!h->started || h->mode != XT_HOST_THREADS || !h->nworkers)
		return -EINVAL;
	while (!xt_host_stopping(h))
		wait_stop(h, xt_host_tick(h));
	host_drain(h);
	return 0;
}

int xt_host_fd(const struct xt_host *h)
{
	return h->mode == XT_HOST_CALLER ? h->epfd : -EINVAL;
}

/* The eventfds in xt_host_fd() stay readable until read. */
static void clear_eventfd(int fd)
{
	uint64_t drained;

	if (read(fd, &drained, sizeof(drained)) < 0 && errno != EAGAIN)
		xt_dbg("eventfd %d: %s", fd, strerror(errno));
}

int xt_host_work(struct xt_host *h)
{
	uint64_t now = xt_now_ms(), wait = UINT64_MAX;

	if (h->mode != XT_HOST_CALLER || !h->nworkers)
		return -EINVAL;
	clear_eventfd(h->stop_fd);
	for (int q = 0; q < h->nworkers; q++) {
		uint64_t d;

		clear_eventfd(h->workers[q].wake_fd);
		d = xt_worker_step(&h->workers[q]);
		if (d < wait)
			wait = d;
	}
	if (now >= h->tick_at)
		h->tick_at = now + xt_host_tick(h);
	if (h->tick_at - now < wait)
		wait = h->tick_at - now;
	return wait > INT32_MAX ? INT32_MAX : (int)wait;
}
