// SPDX-License-Identifier: MIT
/*
 * Opens N TCP connections on kernel sockets and holds them idle, for
 * measuring what an idle connection costs a server (tools/mem_per_conn.sh).
 * One thread, epoll, non-blocking connects, at most P in flight; each
 * connection binds one of the source addresses in turn, with
 * IP_BIND_ADDRESS_NO_PORT so that a port is picked per 4-tuple at connect
 * time: every source address gives the whole ip_local_port_range.
 *
 *   conn_hold -d ADDR:PORT -s ADDR[,ADDR...] -n N [-p P] [-t SECONDS]
 *
 * Prints "established N" once all N are (or "failed: ..." and exits 1 at
 * the -t deadline, default 60 s), then holds them, sending nothing, until
 * SIGTERM or SIGINT. A connection the server ends meanwhile is counted as
 * lost. At the end it resets every connection (SO_LINGER 0: no TIME-WAIT
 * left behind), prints "held N lost L" and exits 0 when none was lost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SRC		64
#define MAX_EVENTS	512
#define FD_SLACK	64	/* stdio, epoll, ... beyond the connections */

struct hold {
	struct sockaddr_in dst;
	struct in_addr src[MAX_SRC];
	int nsrc;
	long n;			/* connections wanted */
	long inflight_max;
	long timeout_s;
	int ep;
	long started, inflight, established, failed, lost;
	int first_err;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int usage(void)
{
	fprintf(stderr, "usage: conn_hold -d ADDR:PORT -s ADDR[,ADDR...] -n N "
		"[-p INFLIGHT] [-t SECONDS]\n");
	return 2;
}

static int parse_dst(struct hold *h, char *arg)
{
	char *colon = strrchr(arg, ':');
	long port;

	if (!colon)
		return -1;
	*colon = '\0';
	port = strtol(colon + 1, NULL, 10);
	h->dst.sin_family = AF_INET;
	h->dst.sin_port = htons((uint16_t)port);
	return port > 0 && port < 65536 &&
	       inet_pton(AF_INET, arg, &h->dst.sin_addr) == 1 ? 0 : -1;
}

static int parse_src(struct hold *h, char *arg)
{
	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		if (h->nsrc == MAX_SRC ||
		    inet_pton(AF_INET, tok, &h->src[h->nsrc]) != 1)
			return -1;
		h->nsrc++;
	}
	return h->nsrc ? 0 : -1;
}

static int parse_args(struct hold *h, int argc, char **argv)
{
	int c;

	h->inflight_max = 256;
	h->timeout_s = 60;
	while ((c = getopt(argc, argv, "d:s:n:p:t:")) != -1) {
		switch (c) {
		case 'd':
			if (parse_dst(h, optarg))
				return -1;
			break;
		case 's':
			if (parse_src(h, optarg))
				return -1;
			break;
		case 'n':
			h->n = strtol(optarg, NULL, 10);
			break;
		case 'p':
			h->inflight_max = strtol(optarg, NULL, 10);
			break;
		case 't':
			h->timeout_s = strtol(optarg, NULL, 10);
			break;
		default:
			return -1;
		}
	}
	return h->dst.sin_port && h->nsrc && h->n > 0 && h->n < 10000000 &&
	       h->inflight_max > 0 && h->timeout_s > 0 ? 0 : -1;
}

/* Room for n connections' descriptors (root may raise the hard limit). */
static int raise_nofile(long n)
{
	struct rlimit rl = { .rlim_cur = (rlim_t)(n + FD_SLACK),
			     .rlim_max = (rlim_t)(n + FD_SLACK) };
	struct rlimit cur;

	if (getrlimit(RLIMIT_NOFILE, &cur))
		return -1;
	if (cur.rlim_cur >= rl.rlim_cur)
		return 0;
	if (cur.rlim_max > rl.rlim_max)
		rl.rlim_max = cur.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static void note_error(struct hold *h, int err)
{
	if (!h->first_err)
		h->first_err = err;
}

/* One more non-blocking connect, from the next source address. */
static int start_one(struct hold *h)
{
	struct sockaddr_in src = { .sin_family = AF_INET,
				   .sin_addr = h->src[h->started % h->nsrc] };
	struct epoll_event ev = { .events = EPOLLOUT };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		       sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
	    (connect(fd, (struct sockaddr *)&h->dst, sizeof(h->dst)) &&
	     errno != EINPROGRESS)) {
		int err = errno;

		close(fd);
		return -err;
	}
	ev.data.fd = fd;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev)) {
		int err = errno;

		close(fd);
		return -err;
	}
	h->started++;
	h->inflight++;
	return 0;
}

/* A connect finished: established (then watched for its end) or failed. */
static void connect_done(struct hold *h, int fd)
{
	struct epoll_event ev = { .events = EPOLLRDHUP | EPOLLIN,
				  .data.fd = fd };
	socklen_t len = sizeof(int);
	int err = 0;

	h->inflight--;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err ||
	    epoll_ctl(h->ep, EPOLL_CTL_MOD, fd, &ev)) {
		note_error(h, err ? err : errno);
		h->failed++;
		close(fd);
		return;
	}
	h->established++;
}

/* Sent nothing, so anything readable is the server ending it. */
static void conn_ended(struct hold *h, int fd)
{
	h->lost++;
	epoll_ctl(h->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

static void handle(struct hold *h, const struct epoll_event *ev)
{
	if (ev->events & EPOLLOUT)
		connect_done(h, ev->data.fd);
	else
		conn_ended(h, ev->data.fd);
}

/* Starts connects while allowed; 0, or a negative errno of socket(). */
static int fill(struct hold *h)
{
	while (h->started < h->n && h->inflight < h->inflight_max) {
		int ret = start_one(h);

		if (ret) {
			note_error(h, -ret);
			h->failed++;
			return ret;
		}
	}
	return 0;
}

/* Polls until every connection is up, one failed, or the deadline. */
static int open_all(struct hold *h)
{
	struct epoll_event evs[MAX_EVENTS];
	long deadline = now_ms() + h->timeout_s * 1000;

	while (h->established < h->n && !stop) {
		int n;

		if (fill(h) || h->failed || now_ms() >= deadline)
			return -1;
		n = epoll_wait(h->ep, evs, MAX_EVENTS, 100);
		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < n; i++)
			handle(h, &evs[i]);
	}
	return h->established == h->n ? 0 : -1;
}

/* Holds until a signal; counts the connections the server ends. */
static void hold_all(struct hold *h)
{
	struct epoll_event evs[MAX_EVENTS];

	while (!stop) {
		int n = epoll_wait(h->ep, evs, MAX_EVENTS, 200);

		for (int i = 0; i < n; i++)
			handle(h, &evs[i]);
	}
}

/* Resets every connection still open: the fds are the lowest ones left. */
static void reset_all(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	for (rlim_t fd = 3; fd < rl.rlim_cur; fd++)
		if (!setsockopt((int)fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
			close((int)fd);
}

int main(int argc, char **argv)
{
	struct hold h = { .ep = -1 };
	int ok;

	if (parse_args(&h, argc, argv))
		return usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (raise_nofile(h.n)) {
		perror("conn_hold: setrlimit(RLIMIT_NOFILE)");
		return 1;
	}
	h.ep = epoll_create1(0);
	if (h.ep < 0) {
		perror("conn_hold: epoll_create1");
		return 1;
	}
	ok = !open_all(&h);
	if (ok) {
		printf("established %ld\n", h.established);
	} else {
		printf("failed: %ld of %ld established, %ld failed (%s)\n",
		       h.established, h.n, h.failed,
		       h.first_err ? strerror(h.first_err) :
		       stop ? "stopped" : "timed out");
	}
	fflush(stdout);
	if (ok)
		hold_all(&h);
	close(h.ep);
	reset_all();
	printf("held %ld lost %ld\n", h.established - h.lost, h.lost);
	return ok && !h.lost ? 0 : 1;
}
