// SPDX-License-Identifier: MIT
/*
 * The Linux kernel's side of `make bench`: the smallest fair HTTP server
 * on kernel sockets. One thread, epoll, non-blocking accept4 in batches;
 * every request gets the same bytes as from xtcpd's http service
 * (`GET /`: 16 bytes, "hello from xtcp\n"; `GET /N`: N bytes of its
 * 64-byte pattern, here for N up to 64 KiB; xtcp-bench's crr asks for
 * /63, a 128-byte response), keep-alive unless the request says
 * "Connection: close", closed when the client has closed. It exists so
 * that both stacks are measured with the same application work and the
 * same client. A response the socket cannot take at once (only bodies of
 * tens of KiB) closes the connection.
 *
 *   kernel_httpd PORT [BACKLOG]
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS	256
#define MAX_BODY	65536
#define ROOT_BODY	"hello from xtcp\n"
/* xtcpd's http service (user/app/http.c): body byte i is PATTERN[i % 64]. */
#define PATTERN \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\n"
#define PATTERN_LEN	(sizeof(PATTERN) - 1)

static char out[MAX_BODY + 256];

static int listen_on(int port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Several processes may share the port (a process has only so many fds). */
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void accept_all(int ep, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			close(fd);
	}
}

/*
 * The response to the request starting at req, as xtcpd's http service
 * words it, in out; its length. "GET /N " asks for N pattern bytes.
 */
static size_t respond(const char *req, int closing)
{
	const char *conn = closing ? "Connection: close\r\n" : "";
	char *end;
	long size = -1;
	int n;

	if (!strncmp(req, "GET /", 5) && req[5] >= '0' && req[5] <= '9') {
		size = strtol(req + 5, &end, 10);
		if (*end != ' ' || size > MAX_BODY)
			size = -1;
	}
	if (size < 0) {
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\n"
			     "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
			     "%s\r\n%s", sizeof(ROOT_BODY) - 1, conn, ROOT_BODY);
		return (size_t)n;
	}
	n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\n"
		     "Content-Type: text/plain\r\nContent-Length: %ld\r\n%s\r\n",
		     size, conn);
	for (long i = 0; i < size; i++)
		out[n + i] = PATTERN[i % PATTERN_LEN];
	return (size_t)n + (size_t)size;
}

/* Answers every complete request read; closes at EOF or when asked. */
static void serve(int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int closing;

	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			close(fd);
		return;
	}
	buf[n] = '\0';
	closing = strstr(buf, "onnection: close") != NULL;
	for (char *req = buf, *p; (p = strstr(req, "\r\n\r\n")); req = p + 4) {
		size_t len = respond(req, closing);

		if (write(fd, out, len) != (ssize_t)len) {
			closing = 1;
			break;
		}
	}
	if (closing)
		close(fd);
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[MAX_EVENTS];
	int port = argc > 1 ? atoi(argv[1]) : 0;
	int backlog = argc > 2 ? atoi(argv[2]) : 4096;
	int lfd, ep;

	if (port <= 0 || port > 65535 || backlog <= 0) {
		fprintf(stderr, "usage: kernel_httpd PORT [BACKLOG]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_on(port, backlog);
	ep = epoll_create1(0);
	if (lfd < 0 || ep < 0) {
		perror("kernel_httpd");
		return 1;
	}
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("kernel_httpd: ready on port %d\n", port);
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd)
				accept_all(ep, lfd);
			else
				serve(evs[i].data.fd);
		}
	}
}
