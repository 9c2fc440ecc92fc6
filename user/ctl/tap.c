// SPDX-License-Identifier: MIT
/*
 * connect -> ask for the tap -> read records until --count is reached,
 * ^C, or xtcpd goes away; the trace flushes its held-back line whenever
 * the stream is quiet for a moment.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/ctlsock.h"
#include "common/pcap.h"
#include "ctl/tap.h"

#define QUIET_MS	100	/* a held-back trace line waits this long */
#define DRAIN_RECS	64	/* read after --count, until quiet */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* ^C and SIGTERM end the session cleanly (poll returns EINTR). */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int tap_open(const char *ifname)
{
	struct xt_ctl_req req = { .op = XT_CTL_OP_TAP };
	int fd = xt_ctl_connect(ifname), ret;

	if (fd < 0) {
		fprintf(stderr, "xtcpctl: cannot reach xtcpd on %s (%s/%s.sock): "
			"%s\n", ifname, XT_CTL_SOCK_DIR, ifname, strerror(-fd));
		return fd;
	}
	ret = xt_write_full(fd, &req, sizeof(req));
	if (ret) {
		fprintf(stderr, "xtcpctl: tap request: %s\n", strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * The next record: 1, 0 when nothing came for timeout_ms, or -1 at the
 * end (xtcpd went away, or a signal).
 */
static int next_rec(int fd, struct xt_tap_rec *r, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	if (interrupted || (n < 0 && errno != EINTR))
		return -1;
	if (n <= 0)
		return 0;
	return xt_read_full(fd, r, sizeof(*r)) == sizeof(*r) ? 1 : -1;
}

static void put(const char *text, size_t len)
{
	if (len) {
		fwrite(text, 1, len, stdout);
		fflush(stdout);
	}
}

int ctl_trace(const struct ctl_tap_opts *o)
{
	static struct xt_ladder l;
	char text[4 * XT_LADDER_LINE];
	struct xt_tap_rec r;
	int fd, got;

	catch_signals();
	fd = tap_open(o->ifname);
	if (fd < 0)
		return 1;
	xt_ladder_init(&l, o->json, &o->filter);
	while (!o->count || l.finished < (unsigned long)o->count) {
		got = next_rec(fd, &r, QUIET_MS);
		if (got < 0)
			break;
		if (got)
			put(text, xt_ladder_feed(&l, &r, text, sizeof(text)));
		else
			put(text, xt_ladder_flush(&l, text, sizeof(text)));
	}
	/* What the last connection's end brought along (its last ACK). */
	for (int i = 0; i < DRAIN_RECS && next_rec(fd, &r, QUIET_MS) > 0; i++)
		put(text, xt_ladder_feed(&l, &r, text, sizeof(text)));
	put(text, xt_ladder_flush(&l, text, sizeof(text)));
	close(fd);
	return 0;
}

static bool is_frame(const struct xt_tap_rec *r)
{
	return r->kind != XT_TAP_STATE && r->kind != XT_TAP_LOST;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC: records carry the monotonic clock. */
static int64_t realtime_offset_ns(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000 +
	       (rt.tv_nsec - mono.tv_nsec);
}

static FILE *capture_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "we") : stdout;

	if (!f)
		fprintf(stderr, "xtcpctl: %s: %s\n", path, strerror(errno));
	else if (xt_pcap_write_header(f, XT_TAP_SNAPLEN)) {
		fprintf(stderr, "xtcpctl: %s: write failed\n", path);
		if (f != stdout)
			fclose(f);
		f = NULL;
	}
	return f;
}

int ctl_capture(const struct ctl_tap_opts *o)
{
	int64_t off = realtime_offset_ns();
	struct xt_tap_lost lost = { 0 };
	long frames = 0;
	struct xt_tap_rec r;
	int fd, got, ret = 0;
	FILE *f;

	catch_signals();
	f = capture_file(o->file);
	if (!f)
		return 1;
	fd = tap_open(o->ifname);
	if (fd < 0) {
		if (f != stdout)
			fclose(f);
		return 1;
	}
	while (!o->count || frames < o->count) {
		got = next_rec(fd, &r, QUIET_MS);
		if (got < 0)
			break;
		if (!got)
			continue;
		if (r.kind == XT_TAP_LOST)
			lost = r.lost;
		if (!is_frame(&r))
			continue;
		if (xt_pcap_write_frame(f, (uint64_t)((int64_t)r.ts_ns + off),
					r.data, r.caplen, r.len)) {
			fprintf(stderr, "xtcpctl: %s: write failed\n", o->file);
			ret = 1;
			break;
		}
		frames++;
		if (f == stdout)
			fflush(f);
	}
	close(fd);
	if (f != stdout && fclose(f))
		ret = 1;
	fprintf(stderr, "xtcpctl: %ld frames captured; lost %llu (XDP's tap_ring "
		"full %llu, xtcpd's queues full %llu, this reader too slow %llu)\n",
		frames, (unsigned long long)(lost.ring_full + lost.queue_full +
					     lost.client_slow),
		(unsigned long long)lost.ring_full,
		(unsigned long long)lost.queue_full,
		(unsigned long long)lost.client_slow);
	return ret;
}
