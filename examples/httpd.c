// SPDX-License-Identifier: MIT
/*
 * xtcp-httpd: an HTTP/1.1 static-file server on libxtcp.
 *
 *   xtcp-httpd -i IFACE [-p PORT] [-d DIR] [-v]
 *
 * Serves the files under DIR (default .) on PORT (default 80) of IFACE's
 * address: GET and HEAD, keep-alive (HTTP/1.1's default; "Connection:
 * close" or HTTP/1.0 without keep-alive closes after the response),
 * pipelined requests in order, Content-Length on every response, 404 for
 * what is not there, 403 for paths that leave DIR ("..", symlinks out).
 * SIGINT or SIGTERM drains: idle connections close, responses under way
 * finish. Built only against the installed library:
 *
 *   cc -O2 httpd.c $(pkg-config --cflags --libs xtcp) -o xtcp-httpd
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <xtcp/xtcp.h>

#define REQ_MAX		8192	/* one request's head, bytes */
#define CHUNK		16384	/* file bytes read per xt_send */
#define IDLE_MS		30000	/* keep-alive connections idle this long close */

static char root[PATH_MAX];	/* realpath of DIR */
static struct xt_host *host;

/* One connection: the bytes of requests not yet answered, the response. */
struct conn {
	char in[REQ_MAX];
	size_t in_len;
	char head[512];		/* the response's status line and headers */
	size_t head_len, head_off;
	int fd;			/* the body's file, -1: none (or sent) */
	off_t body_off, body_len;
	int close_after;	/* the client asked to close, or 1.0 */
	int busy;		/* a response is under way */
	int draining;		/* stop after this response */
	struct xt_app_timer *idle;
};

static void conn_free(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	xt_app_timer_free(c->idle);
	free(c);
}

static void conn_done(struct xt_sock *s, struct conn *c)
{
	xt_sock_set_ctx(s, NULL);
	conn_free(c);
	xt_close(s);
}

/* "%XX" and '+' are not special in paths except %XX: decode in place. */
static int url_decode(char *p)
{
	char *o = p;

	for (; *p; p++) {
		if (*p == '%') {
			unsigned v;

			if (sscanf(p + 1, "%2x", &v) != 1 || !v)
				return -1;
			*o++ = (char)v;
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return 0;
}

/*
 * The file for a request path, opened, or an HTTP status: 403 when the
 * path has a ".." segment or resolves outside root, 404 when missing.
 */
static int open_path(char *path, int *fd, off_t *len)
{
	char full[PATH_MAX * 2], real[PATH_MAX];
	struct stat st;
	size_t rl = strlen(root);
	char *q = strchr(path, '?');

	if (q)
		*q = '\0';
	if (path[0] != '/' || url_decode(path))
		return 400;
	for (char *seg = path; (seg = strstr(seg, "..")); seg += 2)
		if (seg[-1] == '/' && (seg[2] == '/' || seg[2] == '\0'))
			return 403;
	snprintf(full, sizeof(full), "%s%s", root, path);
	if (!realpath(full, real))
		return errno == EACCES ? 403 : 404;
	if (strncmp(real, root, rl) || (real[rl] && real[rl] != '/'))
		return 403;
	if (stat(real, &st))
		return 404;
	if (S_ISDIR(st.st_mode)) {
		strncat(real, "/index.html", sizeof(real) - strlen(real) - 1);
		if (stat(real, &st) || !S_ISREG(st.st_mode))
			return 404;
	}
	if (!S_ISREG(st.st_mode))
		return 403;
	*fd = open(real, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return 403;
	*len = st.st_size;
	return 200;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default:  return "Error";
	}
}

/* The request's head is in[0, end): the response to send for it. */
static void start_response(struct conn *c, size_t end)
{
	char method[8], path[2048], version[16];
	int status, head_only = 0;
	char *line_end;

	c->in[end] = '\0';
	c->close_after = 0;
	status = sscanf(c->in, "%7s %2047s %15s", method, path, version) == 3 ?
		 0 : 400;
	if (!status) {
		/* HTTP/1.1 keeps the connection by default, 1.0 closes. */
		c->close_after = strcmp(version, "HTTP/1.1") != 0;
		for (char *h = strstr(c->in, "\r\n"); h && h[2]; h = line_end) {
			h += 2;
			line_end = strstr(h, "\r\n");
			if (!strncasecmp(h, "Connection:", 11)) {
				const char *v = h + 11 + strspn(h + 11, " \t");

				if (!strncasecmp(v, "close", 5))
					c->close_after = 1;
				else if (!strncasecmp(v, "keep-alive", 10))
					c->close_after = 0;
			}
			if (!line_end)
				break;
		}
		if (!strcmp(method, "HEAD"))
			head_only = 1;
		else if (strcmp(method, "GET"))
			status = 405;
	}
	c->fd = -1;
	c->body_off = 0;
	c->body_len = 0;
	if (!status)
		status = open_path(path, &c->fd, &c->body_len);
	if (status != 200) {
		static const char msg[] = "not served\n";

		/* HEAD gets the length GET would have, and no body. */
		c->body_len = 0;
		c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
			"HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n"
			"Content-Type: text/plain\r\n%s\r\n%s", status,
			reason(status), sizeof(msg) - 1,
			c->close_after ? "Connection: close\r\n" : "",
			head_only ? "" : msg);
	} else {
		c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
			"HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n"
			"Content-Type: application/octet-stream\r\n%s\r\n",
			(long long)c->body_len,
			c->close_after ? "Connection: close\r\n" : "");
		if (head_only) {
			close(c->fd);
			c->fd = -1;
			c->body_len = 0;
		}
	}
	c->head_off = 0;
	c->busy = 1;
}

/* Sends what xt_send takes; 1 when the response is out, 0 when full. */
static int send_response(struct xt_sock *s, struct conn *c)
{
	char buf[CHUNK];

	while (c->head_off < c->head_len) {
		ssize_t n = xt_send(s, c->head + c->head_off,
				    c->head_len - c->head_off);
		if (n <= 0)
			return (int)n;
		c->head_off += (size_t)n;
	}
	while (c->body_off < c->body_len) {
		size_t space = xt_sock_send_space(s), want;
		ssize_t r, n;

		if (!space)
			return 0;
		want = space < sizeof(buf) ? space : sizeof(buf);
		if ((off_t)want > c->body_len - c->body_off)
			want = (size_t)(c->body_len - c->body_off);
		r = pread(c->fd, buf, want, c->body_off);
		if (r <= 0)
			return -EIO;	/* the file shrank under us */
		n = xt_send(s, buf, (size_t)r);
		if (n < 0)
			return (int)n;
		c->body_off += n;
		if (n < r)
			return 0;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->busy = 0;
	return 1;
}

/* Where the head of the first request in c->in ends (after \r\n\r\n). */
static size_t head_end(const struct conn *c)
{
	const char *e = memmem(c->in, c->in_len, "\r\n\r\n", 4);

	return e ? (size_t)(e - c->in) + 4 : 0;
}

/*
 * Reads what there is room for, answers every complete request in
 * order, one at a time. Returns -1 when the connection was closed.
 */
static int serve(struct xt_sock *s, struct conn *c)
{
	for (;;) {
		size_t end;
		ssize_t n;
		int r;

		if (c->busy) {
			r = send_response(s, c);
			if (r < 0) {
				xt_sock_set_ctx(s, NULL);
				conn_free(c);
				xt_abort(s);
				return -1;
			}
			if (!r)
				return 0;	/* writable() goes on */
			if (c->close_after || c->draining) {
				conn_done(s, c);
				return -1;
			}
		}
		end = head_end(c);
		if (end) {
			/* The bytes behind it are the next requests. */
			start_response(c, end - 1);
			memmove(c->in, c->in + end, c->in_len - end);
			c->in_len -= end;
			continue;
		}
		if (c->in_len == sizeof(c->in) - 1) {	/* a head too long */
			c->close_after = 1;
			c->in_len = 0;
			c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
				"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
				"Connection: close\r\n\r\n");
			c->head_off = 0;
			c->fd = -1;
			c->body_len = c->body_off = 0;
			c->busy = 1;
			continue;
		}
		n = xt_recv(s, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
		if (n == -EAGAIN) {
			if (c->draining && !c->in_len) {
				conn_done(s, c);
				return -1;
			}
			xt_app_timer_arm(c->idle, IDLE_MS);
			return 0;
		}
		if (n <= 0) {			/* the client is done */
			conn_done(s, c);
			return -1;
		}
		c->in_len += (size_t)n;
	}
}

static void on_idle(struct xt_app_timer *t, void *arg)
{
	struct xt_sock *s = arg;
	struct conn *c = xt_sock_ctx(s);

	(void)t;
	if (c && !c->busy && !c->in_len)
		conn_done(s, c);
}

static void on_accepted(struct xt_sock *s, void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));

	(void)arg;
	if (c)
		c->idle = xt_app_timer_new(xt_sock_stack(s), on_idle, s);
	if (!c || !c->idle) {
		free(c);
		xt_abort(s);
		return;
	}
	c->fd = -1;
	xt_sock_set_ctx(s, c);
	xt_sock_set_nodelay(s, 1);
	xt_app_timer_arm(c->idle, IDLE_MS);
}

static void on_readable(struct xt_sock *s)
{
	struct conn *c = xt_sock_ctx(s);

	if (c && !c->busy)
		serve(s, c);
}

static void on_writable(struct xt_sock *s)
{
	struct conn *c = xt_sock_ctx(s);

	if (c)
		serve(s, c);
}

static void on_closed(struct xt_sock *s, enum xt_close_reason why)
{
	struct conn *c = xt_sock_ctx(s);

	(void)why;
	if (c)
		conn_free(c);
}

static void on_drain(struct xt_sock *s)
{
	struct conn *c = xt_sock_ctx(s);

	if (!c)
		return;
	c->draining = 1;
	if (!c->busy && !c->in_len)
		conn_done(s, c);
}

static const struct xt_app_ops http_ops = {
	.accepted = on_accepted,
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
	.drain = on_drain,
};

static void on_signal(int sig)
{
	(void)sig;
	xt_host_stop(host);
}

static void usage(void)
{
	fprintf(stderr, "usage: xtcp-httpd -i IFACE [-p PORT] [-d DIR] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct xt_host_opts o;
	const char *dir = ".";
	long port = 80;
	int opt, ret;

	xt_host_opts_init(&o);
	while ((opt = getopt(argc, argv, "i:p:d:v")) != -1) {
		switch (opt) {
		case 'i': o.ifname = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'd': dir = optarg; break;
		case 'v': o.log_level = 3; break;
		default: usage();
		}
	}
	if (!o.ifname || port < 1 || port > 65535 || optind != argc)
		usage();
	if (!realpath(dir, root)) {
		fprintf(stderr, "xtcp-httpd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	ret = xt_host_open(&host, &o);
	if (ret) {
		fprintf(stderr, "xtcp-httpd: %s: %s\n", o.ifname, strerror(-ret));
		return 1;
	}
	ret = xt_host_listen(host, (uint16_t)port, &http_ops, NULL);
	if (!ret)
		ret = xt_host_start(host, XT_HOST_THREADS);
	if (!ret) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		printf("xtcp-httpd: serving %s on port %ld of %s, %u worker%s\n",
		       root, port, o.ifname, xt_host_workers(host),
		       xt_host_workers(host) == 1 ? "" : "s");
		fflush(stdout);
		ret = xt_host_run(host);
	}
	if (ret)
		fprintf(stderr, "xtcp-httpd: %s\n", strerror(-ret));
	xt_host_close(host);
	return ret ? 1 : 0;
}
