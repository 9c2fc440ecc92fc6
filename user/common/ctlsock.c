// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "common/ctlsock.h"

int xt_ctl_sock_path(char *buf, size_t len, const char *ifname)
{
	int n = snprintf(buf, len, "%s/%s.sock", XT_CTL_SOCK_DIR, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xt_ctl_connect(const char *ifname)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret = xt_ctl_sock_path(sa.sun_path, sizeof(sa.sun_path), ifname);

	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

ssize_t xt_read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got ? -EPIPE : 0;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int xt_write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = send(fd, (const char *)buf + put, len - put,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		put += (size_t)n;
	}
	return 0;
}
