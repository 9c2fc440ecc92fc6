// SPDX-License-Identifier: MIT
/*
 * The Linux kernel's echo server for `make bench` (tools/bench_datapath.sh):
 * what xtcpd's echo service does (RFC 862), on kernel sockets. A process
 * per connection, blocking reads and writes of up to 64 KB: the simplest
 * server that never stands between the kernel's TCP and the measurement.
 * The peer's FIN is answered with ours once everything was echoed.
 * With `discard`, it reads and drops instead (RFC 863), as xtcpd's
 * discard service does: the Linux side of xtcp-bench's bulk.
 *
 *   kernel_echo PORT [discard] [CC]
 *
 * CC picks the congestion control of every connection (TCP_CONGESTION on
 * the listener, which accepted sockets inherit), so the bench can compare
 * xtcpd with the kernel running the same algorithm, whatever the
 * machine's default (net.ipv4.tcp_congestion_control) is.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ECHO_BUF	65536

/* Writes all of buf; -1 on an error. */
static int write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, (size_t)n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

static void serve(int fd, int discard)
{
	static char buf[ECHO_BUF];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (!discard && write_all(fd, buf, n)))
			break;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int one = 1, lfd, port = argc >= 2 && argc <= 4 ? atoi(argv[1]) : 0;
	int discard = 0;
	const char *cc = NULL;

	for (int i = 2; i < argc && port > 0; i++) {
		if (!strcmp(argv[i], "discard") && !discard)
			discard = 1;
		else if (!cc)
			cc = argv[i];
		else
			port = 0;
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: kernel_echo PORT [discard] [CC]\n");
		return 2;
	}
	signal(SIGCHLD, SIG_IGN);	/* children reap themselves */
	sin.sin_port = htons((uint16_t)port);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 64)) {
		perror("kernel_echo");
		return 1;
	}
	if (cc && setsockopt(lfd, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc))) {
		fprintf(stderr, "kernel_echo: congestion control %s: %s\n", cc,
			strerror(errno));
		return 1;
	}
	printf("kernel_echo: ready on port %d%s%s\n", port, cc ? ", " : "",
	       cc ? cc : "");
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("kernel_echo: accept");
			return 1;
		}
		switch (fork()) {
		case 0:
			close(lfd);
			serve(fd, discard);
			_exit(0);
		case -1:
			perror("kernel_echo: fork");	/* not served */
			close(fd);
			break;
		default:
			close(fd);
		}
	}
}
