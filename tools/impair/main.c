// SPDX-License-Identifier: MIT
/*
 * impair: loss, duplication, reordering, delay with jitter and corruption
 * for the testbed's TCP, per direction, on a kernel without netem.
 *
 * flags -> enter side b's namespace -> GRO/GSO/TSO off on the device ->
 * bind the NFQUEUE queues -> add the nftables table that feeds them ->
 * "ready" -> loop: read queued segments, decide (decide.c), act
 * (engine.c), let held ones go when due -> SIGINT/SIGTERM -> let every
 * held segment go -> remove the table -> unbind -> offloads back ->
 * counters.
 *
 * It runs on side b because frames xtcpd sends over AF_XDP on side a skip
 * a's qdisc and netfilter: only b sees both directions, whichever stack
 * runs on a. See rules.h for the rules, engine.h for how each direction
 * holds segments.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include "engine.h"
#include "nfq.h"
#include "offload.h"
#include "opts.h"
#include "report.h"
#include "rules.h"

#define EXIT_USAGE	2
#define NETNS_DIR	"/run/netns/"
#define OWN_MARK	0x78746370	/* "xtcp": our own sends, never queued */
#define RX_ROUNDS	8	/* recv batches between two looks at the clock */

struct impair {
	struct xt_imp_opts opts;
	struct xt_offload offload;
	struct xt_nfq nfq;
	struct xt_engine engine;
	struct xt_rules rules;
	int sig_fd;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static int enter_netns(const char *name)
{
	char path[sizeof(NETNS_DIR) + NAME_MAX];
	int fd, ret = 0;

	if (strchr(name, '/') ||
	    snprintf(path, sizeof(path), NETNS_DIR "%s", name) >= (int)sizeof(path))
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void counters(struct impair *im, struct xt_imp_counters c[XT_DIR_N])
{
	for (int d = 0; d < XT_DIR_N; d++) {
		c[d] = im->engine.dir[d].c;
		xt_nfq_kernel_drops(&im->nfq, d, &c[d].kernel_dropped);
	}
}

static void print_counters(struct impair *im, const char *event)
{
	struct xt_imp_counters c[XT_DIR_N];

	counters(im, c);
	xt_report_print(stdout, im->opts.json, event, im->opts.seed, im->opts.cfg, c);
}

static void print_ready(const struct impair *im)
{
	const struct xt_imp_opts *o = &im->opts;

	printf("impair: ready on %s%s%s, seed %llu", o->ifname,
	       o->netns ? " in " : "", o->netns ? o->netns : "",
	       (unsigned long long)o->seed);
	for (int d = 0; d < XT_DIR_N; d++) {
		if (!o->cfg[d].on)
			continue;
		printf("; %s:", xt_dir_name[d]);
		xt_report_cfg(stdout, &o->cfg[d]);
	}
	printf("\n");
	fflush(stdout);
}

/* ppoll's timeout: until the next held segment or stats line is due. */
static struct timespec *timeout(uint64_t now, uint64_t next, struct timespec *ts)
{
	uint64_t wait;

	if (next == UINT64_MAX)
		return NULL;
	wait = next > now ? next - now : 0;
	ts->tv_sec = (time_t)(wait / NS_PER_S);
	ts->tv_nsec = (long)(wait % NS_PER_S);
	return ts;
}

static int run(struct impair *im)
{
	uint64_t every = (uint64_t)im->opts.stats_every_s * NS_PER_S;
	uint64_t next_stats = every ? now_ns() + every : UINT64_MAX;
	struct pollfd pfd[2] = {
		{ .fd = xt_nfq_fd(&im->nfq), .events = POLLIN },
		{ .fd = im->sig_fd, .events = POLLIN },
	};
	struct xt_engine *e = &im->engine;
	struct timespec ts;
	uint64_t now, next;
	int n, ret;

	for (;;) {
		now = now_ns();
		next = xt_engine_next_ns(e);
		if (next_stats < next)
			next = next_stats;
		if (ppoll(pfd, 2, timeout(now, next, &ts), NULL) < 0 && errno != EINTR)
			return -errno;
		if (pfd[1].revents)
			return 0;	/* SIGINT, SIGTERM or SIGHUP */

		for (int round = 0; round < RX_ROUNDS; round++) {
			e->now_ns = now_ns();
			n = xt_nfq_recv(&im->nfq, xt_engine_packet, e);
			if (n < 0)
				return n;
			if (n == 0)
				break;
		}
		/* Verdicts for what just came in go before anything held
		 * leaves, so a duplicate never overtakes its original. */
		ret = xt_nfq_flush(&im->nfq);
		now = now_ns();
		xt_engine_release(e, now, false);
		ret = ret ?: xt_nfq_flush(&im->nfq);
		ret = ret ?: e->err;
		if (ret)
			return ret;
		if (now >= next_stats) {
			print_counters(im, "stats");
			next_stats += every;
		}
	}
}

/* Everything held leaves at once, then the rules go: the kernel drops what
 * a queue still holds when its hook goes away. */
static void teardown(struct impair *im)
{
	if (im->nfq.nl) {
		xt_engine_release(&im->engine, 0, true);
		xt_nfq_flush(&im->nfq);
	}
	xt_rules_del(&im->rules);
	xt_engine_free(&im->engine);
	xt_nfq_close(&im->nfq);
	xt_offload_restore(&im->offload);
	if (im->sig_fd >= 0)
		close(im->sig_fd);
}

static int setup(struct impair *im)
{
	struct xt_imp_opts *o = &im->opts;
	uint16_t queue[XT_DIR_N] = { o->queue_base, (uint16_t)(o->queue_base + 1) };
	bool on[XT_DIR_N] = { o->cfg[XT_DIR_IN].on, o->cfg[XT_DIR_OUT].on };
	struct xt_rules_cfg rc = {
		.ifname = o->ifname, .port = o->port, .mark = OWN_MARK,
		.queue = { queue[0], queue[1] }, .on = { on[0], on[1] },
	};
	int ret;

	if (o->netns && (ret = enter_netns(o->netns))) {
		fprintf(stderr, "impair: netns %s: %s\n", o->netns, strerror(-ret));
		return ret;
	}
	rc.ifindex = if_nametoindex(o->ifname);
	if (!rc.ifindex) {
		fprintf(stderr, "impair: no device %s\n", o->ifname);
		return -ENODEV;
	}
	if (!o->keep_offloads && (ret = xt_offload_off(&im->offload, o->ifname))) {
		fprintf(stderr, "impair: GRO/GSO/TSO off on %s: %s\n", o->ifname, strerror(-ret));
		return ret;
	}
	/* Queues first: a segment queued before we listen would be let
	 * through by bypass, but not impaired. */
	ret = xt_nfq_open(&im->nfq, queue, on, o->limit);
	if (ret) {
		fprintf(stderr, "impair: NFQUEUE %u-%u: %s\n", queue[0], queue[1],
			strerror(-ret));
		return ret;
	}
	ret = xt_engine_init(&im->engine, o->cfg, o->seed, o->limit, OWN_MARK, &im->nfq);
	if (ret) {
		fprintf(stderr, "impair: raw socket: %s\n", strerror(-ret));
		return ret;
	}
	ret = xt_rules_add(&im->rules, &rc);
	if (ret)
		fprintf(stderr, "impair: nftables table for %s: %s%s\n", o->ifname,
			strerror(-ret), ret == -EPERM ? " (another impair owns it?)" : "");
	return ret;
}

int main(int argc, char **argv)
{
	struct impair im = { .sig_fd = -1, .engine.raw_fd = -1 };
	int ret;

	ret = xt_opts_parse(&im.opts, argc, argv);
	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	if (!im.opts.seed_set)
		im.opts.seed = now_ns() ^ ((uint64_t)getpid() << 32);
	/* Release times are honoured to the microsecond, not to the 50 us
	 * of the default timer slack. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	im.sig_fd = open_signals();
	if (im.sig_fd < 0) {
		ret = im.sig_fd;
		goto cleanup;
	}
	ret = setup(&im);
	if (ret)
		goto cleanup;
	print_ready(&im);
	ret = run(&im);
	if (ret)
		fprintf(stderr, "impair: %s\n", strerror(-ret));
	/* The counters before the queues go, while the kernel's are there. */
	xt_engine_release(&im.engine, 0, true);
	xt_nfq_flush(&im.nfq);
	print_counters(&im, "final");
cleanup:
	teardown(&im);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}
