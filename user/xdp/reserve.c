// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "xdp/reserve.h"

#define SYSCTL_PATH	"/proc/sys/net/ipv4/ip_local_reserved_ports"

static int sysctl_read(char *buf, size_t len)
{
	int fd = open(SYSCTL_PATH, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n == len - 1)
		return -E2BIG;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

static int sysctl_write(const char *val)
{
	int fd = open(SYSCTL_PATH, O_WRONLY | O_CLOEXEC);
	ssize_t n, len = (ssize_t)strlen(val);

	if (fd < 0)
		return -errno;
	n = write(fd, val, (size_t)len);
	close(fd);
	return n == len ? 0 : n < 0 ? -errno : -EIO;
}

int xt_ports_reserve(struct xt_reservation *r, uint16_t lo, uint16_t hi)
{
	char val[sizeof(r->saved) + 16];
	int ret = sysctl_read(r->saved, sizeof(r->saved));

	if (ret)
		return ret;
	if (snprintf(val, sizeof(val), "%s%s%u-%u", r->saved,
		     r->saved[0] ? "," : "", lo, hi) >= (int)sizeof(val))
		return -E2BIG;
	ret = sysctl_write(val);
	r->active = !ret;
	return ret;
}

void xt_ports_release(struct xt_reservation *r)
{
	if (!r->active)
		return;
	/* An empty value is written as a newline: the kernel wants one. */
	sysctl_write(r->saved[0] ? r->saved : "\n");
	r->active = 0;
}
