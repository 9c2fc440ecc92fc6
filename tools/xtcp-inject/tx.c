// SPDX-License-Identifier: MIT
/*
 * Sending: one AF_PACKET socket on --iface, frames built a batch at a time
 * and handed over with sendmmsg(), paced to --rate, stopped after --count
 * frames or --seconds, whichever comes first. The kinds asked for take
 * turns, frame by frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "inject.h"

#define BATCH		64
#define NS_PER_S	1000000000.0

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * NS_PER_S) };

	nanosleep(&ts, NULL);
}

/* The kinds asked for, in turn: frame i is the (i / n)-th of sel[i % n]. */
struct turns {
	int sel[XI_MAX_KINDS];
	int n;
	uint64_t count;
};

static void turns_init(struct turns *t, const struct xi_opts *o,
		       const struct xi_gen *g)
{
	t->n = 0;
	t->count = o->count;
	for (int k = 0; k < g->nkinds; k++)
		if (!o->kinds || (o->kinds & (1u << k)))
			t->sel[t->n++] = k;
}

/* Frames of kind slot s among the first count. */
static uint64_t turns_of(const struct turns *t, int s)
{
	return t->count / (uint64_t)t->n +
	       ((uint64_t)s < t->count % (uint64_t)t->n);
}

static int open_socket(const struct xi_opts *o, struct sockaddr_ll *to)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	memset(to, 0, sizeof(*to));
	to->sll_family = AF_PACKET;
	to->sll_protocol = htons(ETH_P_IP);
	to->sll_ifindex = (int)if_nametoindex(o->ifname);
	to->sll_halen = 6;
	memcpy(to->sll_addr, o->dst_mac, 6);
	if (!to->sll_ifindex) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

/* Up to want frames from *next on, into bufs; how many, or -EINVAL. */
static int build_batch(const struct xi_opts *o, const struct xi_gen *g,
		       const struct turns *t, uint64_t *rng, uint64_t next,
		       int want, uint8_t bufs[][XI_FRAME_MAX], struct iovec *iov)
{
	for (int b = 0; b < want; b++) {
		uint64_t i = next + (uint64_t)b;
		int s = (int)(i % (uint64_t)t->n);
		int len = g->make(o, rng, t->sel[s], i / (uint64_t)t->n,
				  turns_of(t, s), bufs[b], XI_FRAME_MAX);

		if (len <= 0) {
			fprintf(stderr, "xtcp-inject: cannot build a %s frame\n",
				g->names[t->sel[s]]);
			return -EINVAL;
		}
		iov[b].iov_base = bufs[b];
		iov[b].iov_len = (size_t)len;
	}
	return want;
}

/* How many frames the rate allows now (at least 1 after a wait). */
static int paced(const struct xi_opts *o, double start, uint64_t sent,
		 uint64_t left)
{
	double due;
	uint64_t allowed;

	if (o->rate <= 0)
		return (int)(left < BATCH ? left : BATCH);
	due = start + (double)(sent + 1) / o->rate;
	if (now_s() < due)
		sleep_s(due - now_s());
	allowed = (uint64_t)((now_s() - start) * o->rate) - sent;
	if (allowed < 1)
		allowed = 1;
	if (allowed > left)
		allowed = left;
	return (int)(allowed < BATCH ? allowed : BATCH);
}

int xi_send(const struct xi_opts *o, const struct xi_gen *g,
	    struct xi_report *r)
{
	static uint8_t bufs[BATCH][XI_FRAME_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll to;
	uint64_t rng = o->seed ? o->seed : 1;
	struct turns t;
	double start;
	int fd, ret = 0;

	turns_init(&t, o, g);
	memset(r, 0, sizeof(*r));
	fd = open_socket(o, &to);
	if (fd < 0)
		return fd;
	start = now_s();
	while (r->sent < o->count && now_s() - start < o->seconds) {
		int want = paced(o, start, r->sent, o->count - r->sent), n;

		n = build_batch(o, g, &t, &rng, r->sent, want, bufs, iov);
		if (n < 0) {
			ret = n;
			break;
		}
		for (int b = 0; b < n; b++)
			msgs[b] = (struct mmsghdr){ .msg_hdr = {
				.msg_name = &to, .msg_namelen = sizeof(to),
				.msg_iov = &iov[b], .msg_iovlen = 1 } };
		n = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (n < 0 && errno != ENOBUFS && errno != EAGAIN) {
			ret = -errno;
			break;
		}
		if (n <= 0) {		/* the device queue is full: wait */
			sleep_s(0.0005);
			continue;
		}
		for (int b = 0; b < n; b++)
			r->per_kind[t.sel[(r->sent + (uint64_t)b) % (uint64_t)t.n]]++;
		r->sent += (uint64_t)n;
	}
	r->elapsed_s = now_s() - start;
	close(fd);
	return ret;
}
