// SPDX-License-Identifier: MIT
/*
 * xtcp-fetch: a parallel HTTP/1.1 fetcher on libxtcp, driving the stack
 * from its own poll() loop (XT_HOST_CALLER).
 *
 *   xtcp-fetch -i IFACE -s ADDR[:PORT] [-c CONC] [-o DIR] [-t SECS] PATH...
 *
 * GETs every PATH from ADDR:PORT (default 80), each on a connection of
 * its own, CONC of them at a time (default 4), and writes each body to
 * DIR/N (N = the path's position, from 0) when -o is given. Prints one
 * line per path: "STATUS BYTES PATH"; exits 0 when every answer was a 200
 * whose body had its Content-Length, 1 otherwise or after SECS seconds
 * (default 30). Built only against the installed library:
 *
 *   cc -O2 fetch.c $(pkg-config --cflags --libs xtcp) -o xtcp-fetch
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xtcp/xtcp.h>

#define HEAD_MAX	8192
#define EPH_LO		61000	/* local ports, reserved from the kernel */
#define EPH_HI		61999

struct fetch {
	const char *path;
	int index;
	FILE *out;			/* -o: the body goes here */
	char head[HEAD_MAX];
	size_t head_len;
	int in_body, status;
	long long clen, got;		/* Content-Length (-1: none), body */
	int done, ok;
};

static struct {
	struct fetch *f;
	int n, next, active, finished, failed;
	const char *outdir;
	uint32_t addr;
	uint16_t port;
	uint8_t mac[6];
} run;

static void finish(struct fetch *f, int ok)
{
	if (f->done)
		return;
	f->done = 1;
	f->ok = ok && f->status == 200 && (f->clen < 0 || f->got == f->clen);
	if (f->out)
		fclose(f->out);
	f->out = NULL;
	printf("%d %lld %s\n", f->status, f->got, f->path);
	run.active--;
	run.finished++;
	run.failed += !f->ok;
}

/* The head is complete in f->head: status line and Content-Length. */
static int parse_head(struct fetch *f, size_t end)
{
	const char *cl;

	f->head[end] = '\0';
	if (sscanf(f->head, "HTTP/1.%*d %d", &f->status) != 1)
		return -1;
	cl = strcasestr(f->head, "\r\nContent-Length:");
	f->clen = cl ? strtoll(cl + 17, NULL, 10) : -1;
	return 0;
}

static int body(struct fetch *f, const char *p, size_t n)
{
	f->got += (long long)n;
	return f->out && fwrite(p, 1, n, f->out) != n ? -1 : 0;
}

static void on_readable(struct xt_sock *s)
{
	struct fetch *f = xt_sock_ctx(s);
	char buf[16384];
	ssize_t n;

	while ((n = xt_recv(s, buf, sizeof(buf))) > 0) {
		const char *p = buf;
		size_t len = (size_t)n;

		if (!f->in_body) {
			size_t take = len < HEAD_MAX - 1 - f->head_len ?
				      len : HEAD_MAX - 1 - f->head_len;
			char *e;

			memcpy(f->head + f->head_len, p, take);
			f->head_len += take;
			f->head[f->head_len] = '\0';
			e = strstr(f->head, "\r\n\r\n");
			if (!e) {
				if (f->head_len == HEAD_MAX - 1)
					goto bad;
				continue;
			}
			/* What came after the head is body. */
			size_t used = (size_t)(e + 4 - f->head) -
				      (f->head_len - take);
			if (parse_head(f, (size_t)(e - f->head)))
				goto bad;
			f->in_body = 1;
			p += used;
			len -= used;
		}
		if (body(f, p, len))
			goto bad;
	}
	if (n == 0) {			/* the server closed: all of it */
		xt_sock_set_ctx(s, NULL);
		finish(f, f->in_body);
		xt_close(s);
	}
	return;
bad:
	xt_sock_set_ctx(s, NULL);
	finish(f, 0);
	xt_abort(s);
}

static void on_connected(struct xt_sock *s)
{
	struct fetch *f = xt_sock_ctx(s);
	char req[2200];
	char host[INET_ADDRSTRLEN];
	int len;

	inet_ntop(AF_INET, &run.addr, host, sizeof(host));
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
		       "User-Agent: xtcp-fetch\r\nConnection: close\r\n\r\n",
		       f->path, host);
	/* A fresh connection's send buffer takes a request whole. */
	if (len >= (int)sizeof(req) || xt_send(s, req, (size_t)len) != len) {
		xt_sock_set_ctx(s, NULL);
		finish(f, 0);
		xt_abort(s);
	}
}

static void on_closed(struct xt_sock *s, enum xt_close_reason why)
{
	struct fetch *f = xt_sock_ctx(s);

	if (!f)
		return;
	fprintf(stderr, "xtcp-fetch: %s: connection %s\n", f->path,
		xt_close_reason_name(why));
	finish(f, 0);
}

static const struct xt_app_ops fetch_ops = {
	.connected = on_connected,
	.readable = on_readable,
	.closed = on_closed,
};

static int start_next(struct xt_host *h)
{
	struct fetch *f = &run.f[run.next];
	struct xt_sock *s;
	int ret;

	if (run.outdir) {
		char name[4096];

		snprintf(name, sizeof(name), "%s/%d", run.outdir, f->index);
		f->out = fopen(name, "w");
		if (!f->out)
			return -errno;
	}
	ret = xt_connect(xt_host_stack(h, 0), run.addr, run.port, run.mac,
			 &fetch_ops, f, &s);
	if (ret)
		return ret;
	run.next++;
	run.active++;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Connections CONC at a time, until all are answered or the deadline. */
static int fetch_all(struct xt_host *h, int conc, uint64_t deadline)
{
	struct pollfd p = { .fd = xt_host_fd(h), .events = POLLIN };
	int ret;

	while (run.finished < run.n) {
		while (run.active < conc && run.next < run.n) {
			ret = start_next(h);
			if (ret)
				return ret;
		}
		ret = xt_host_work(h);
		if (ret < 0)
			return ret;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		if (ret && poll(&p, 1, ret > 100 ? 100 : ret) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Our FINs acknowledged before the host closes (it resets what is left). */
static void finish_closes(struct xt_host *h, uint64_t deadline)
{
	struct pollfd p = { .fd = xt_host_fd(h), .events = POLLIN };
	int wait;

	xt_host_drain_begin(h);
	while (xt_host_unfinished(h) && now_ms() < deadline) {
		wait = xt_host_work(h);
		if (wait > 0)
			poll(&p, 1, wait > 20 ? 20 : wait);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: xtcp-fetch -i IFACE -s ADDR[:PORT] [-c CONC] "
		"[-o DIR] [-t SECS] PATH...\n");
	exit(2);
}

static int parse_server(char *arg)
{
	char *colon = strchr(arg, ':');
	long port = 80;

	if (colon) {
		*colon = '\0';
		port = strtol(colon + 1, NULL, 10);
	}
	run.port = (uint16_t)port;
	return inet_pton(AF_INET, arg, &run.addr) == 1 && port > 0 &&
	       port < 65536 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct xt_host_opts o;
	struct xt_host *h = NULL;
	int opt, ret, conc = 4, secs = 30, have_server = 0;

	xt_host_opts_init(&o);
	o.eph_lo = EPH_LO;
	o.eph_hi = EPH_HI;
	while ((opt = getopt(argc, argv, "i:s:c:o:t:v")) != -1) {
		switch (opt) {
		case 'i': o.ifname = optarg; break;
		case 's': have_server = !parse_server(optarg); if (!have_server) usage(); break;
		case 'c': conc = atoi(optarg); break;
		case 'o': run.outdir = optarg; break;
		case 't': secs = atoi(optarg); break;
		case 'v': o.log_level = 3; break;
		default: usage();
		}
	}
	if (!o.ifname || !have_server || conc < 1 || secs < 1 || optind == argc)
		usage();
	run.n = argc - optind;
	run.f = calloc((size_t)run.n, sizeof(*run.f));
	if (!run.f)
		return 1;
	for (int i = 0; i < run.n; i++) {
		run.f[i].path = argv[optind + i];
		run.f[i].index = i;
	}
	ret = xt_host_open(&h, &o);
	if (!ret)
		ret = xt_host_start(h, XT_HOST_CALLER);
	if (!ret)
		ret = xt_host_resolve(h, run.addr, run.mac, 3000);
	if (!ret)
		ret = fetch_all(h, conc, now_ms() + (uint64_t)secs * 1000);
	if (!ret)
		finish_closes(h, now_ms() + 1000);
	if (ret)
		fprintf(stderr, "xtcp-fetch: %s\n", strerror(-ret));
	xt_host_close(h);
	for (int i = 0; i < run.n; i++)
		if (run.f[i].out)
			fclose(run.f[i].out);
	free(run.f);
	return ret || run.failed ? 1 : 0;
}
