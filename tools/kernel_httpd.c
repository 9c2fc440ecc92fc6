// SPDX-License-Identifier: MIT
/*
 * The Linux kernel's side of `make bench`: the smallest fair HTTP server
 * on kernel sockets. One thread, epoll, non-blocking accept4 in batches;
 * every request gets the same response as xtcpd's http service (`GET /`:
 * 16 bytes, "hello from xtcp\n"), keep-alive unless the request says
 * "Connection: close". It exists so that both stacks are measured with the
 * same application work and the same client.
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

static const char resp_keep[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	"Content-Length: 16\r\n\r\nhello from xtcp\n";
static const char resp_close[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	"Content-Length: 16\r\nConnection: close\r\n\r\nhello from xtcp\n";

static int listen_on(int port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
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
	for (char *p = buf; (p = strstr(p, "\r\n\r\n")); p += 4) {
		const char *r = closing ? resp_close : resp_keep;
		size_t len = closing ? sizeof(resp_close) - 1 : sizeof(resp_keep) - 1;

		if (write(fd, r, len) != (ssize_t)len)
			break;
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
