// SPDX-License-Identifier: MIT
/* The flood thread: batches of live frames, paced against the clock. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "flood.h"

#define XB_FLOOD_BATCH_MAX	4096
#define XB_FLOOD_IDLE_NS	100000

static void *xb_flood_main(void *arg)
{
	struct xb_flood *f = arg;
	uint64_t t0 = xb_now_ns();

	while (!f->stop) {
		uint64_t sent = f->sent, n = XB_FLOOD_BATCH_MAX;

		if (f->rate > XB_FLOOD_MAX) {
			uint64_t due = (uint64_t)(f->rate * (double)(xb_now_ns() - t0) / 1e9);

			n = due > sent ? due - sent : 0;
			if (n > XB_FLOOD_BATCH_MAX)
				n = XB_FLOOD_BATCH_MAX;
		}
		if (!n) {
			struct timespec ts = { 0, XB_FLOOD_IDLE_NS };

			nanosleep(&ts, NULL);
			continue;
		}
		f->err = xb_xdp_flood(f->x, (unsigned)n);
		if (f->err)
			break;
		__atomic_store_n(&f->sent, sent + n, __ATOMIC_RELAXED);
	}
	return NULL;
}

int xb_flood_start(struct xb_flood *f, struct xb_xdp *x, double rate)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->x = x;
	f->rate = rate;
	err = pthread_create(&f->thread, NULL, xb_flood_main, f);
	if (err)
		return -err;
	f->running = 1;
	return 0;
}

uint64_t xb_flood_sent(const struct xb_flood *f)
{
	return __atomic_load_n(&f->sent, __ATOMIC_RELAXED);
}

void xb_flood_stop(struct xb_flood *f)
{
	if (!f->running)
		return;
	f->stop = 1;
	pthread_join(f->thread, NULL);
	f->running = 0;
}
