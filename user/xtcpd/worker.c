// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include "common/log.h"
#include "wire/codec.h"
#include "xtcpd/worker.h"

#define WORKER_POLL_MS	100	/* how soon a stop request is noticed */

static void log_segment(const struct xt_port *port, const struct xt_seg *s)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->saddr, src, sizeof(src));
	inet_ntop(AF_INET, &s->daddr, dst, sizeof(dst));
	xt_dbg("q%u rx %s:%u > %s:%u flags 0x%02x seq %u ack %u len %u",
	       xt_port_queue(port), src, s->sport, dst, s->dport, s->flags,
	       s->seq, s->ack, s->payload_len);
}

static void worker_rx(struct xt_worker *w)
{
	struct xt_rx_frame frames[XT_PORT_BATCH];
	unsigned n = xt_port_rx(w->port, frames, XT_PORT_BATCH);
	struct xt_seg seg;

	for (unsigned i = 0; i < n; i++) {
		enum xt_parse_err err = xt_frame_parse(frames[i].data,
						       frames[i].len, &seg);
		if (err) {
			w->stats.malformed++;
			xt_dbg("q%u rx dropped: %s", xt_port_queue(w->port),
			       xt_parse_strerror(err));
			continue;
		}
		w->stats.segments++;
		log_segment(w->port, &seg);
	}
	if (n)
		xt_port_rx_release(w->port, frames, n);
}

static void *worker_main(void *arg)
{
	struct xt_worker *w = arg;
	struct pollfd pfd = { .fd = xt_port_fd(w->port), .events = POLLIN };

	while (!atomic_load(w->stop)) {
		int ret = poll(&pfd, 1, WORKER_POLL_MS);

		if (ret < 0 && errno != EINTR) {
			xt_err("q%u poll: %s", xt_port_queue(w->port),
			       strerror(errno));
			break;
		}
		if (ret > 0)
			worker_rx(w);
		xt_port_tx_flush(w->port);
	}
	return NULL;
}

int xt_worker_start(struct xt_worker *w)
{
	int ret = pthread_create(&w->thread, NULL, worker_main, w);

	if (ret)
		return -ret;
	w->started = 1;
	return 0;
}

void xt_worker_join(struct xt_worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
}
