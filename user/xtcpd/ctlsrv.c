// SPDX-License-Identifier: MIT
/*
 * The control thread: accept -> check the peer is root -> read one
 * request -> answer it -> close.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "common/ctlsock.h"
#include "common/log.h"
#include "xtcpd/ctlsrv.h"

#define CTL_POLL_MS		100	/* how soon a stop is noticed */
#define CTL_IO_TIMEOUT_S	2	/* a client that stalls is dropped */
#define SNAPSHOT_TIMEOUT_MS	500

static int peer_is_root(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) &&
	       cred.uid == 0;
}

/* Every worker's connections, gathered, then sent in one go. */
static int answer_conns(struct xt_ctlsrv *c, int fd)
{
	struct xt_ctl_conns_hdr hdr = { .workers = (uint32_t)c->nworkers };
	struct xt_conn_info *all = NULL;
	int ret = 0;

	for (int q = 0; q < c->nworkers && !ret; q++) {
		struct xt_conn_info *part, *grown;
		unsigned n;

		ret = xt_worker_snapshot(&c->workers[q], &part, &n,
					 SNAPSHOT_TIMEOUT_MS);
		if (ret)
			break;
		grown = realloc(all, (hdr.n + n + 1) * sizeof(*all));
		if (grown) {
			all = grown;
			memcpy(all + hdr.n, part, n * sizeof(*all));
			hdr.n += n;
		} else {
			ret = -ENOMEM;
		}
		free(part);
	}
	if (!ret)
		ret = xt_write_full(fd, &hdr, sizeof(hdr));
	if (!ret && hdr.n)
		ret = xt_write_full(fd, all, hdr.n * sizeof(*all));
	free(all);
	return ret;
}

/*
 * Returns whether fd was handed on (a tap session, which the tap thread
 * now owns and closes); otherwise the caller closes it.
 */
static bool serve_client(struct xt_ctlsrv *c, int fd)
{
	struct timeval tv = { .tv_sec = CTL_IO_TIMEOUT_S };
	struct xt_ctl_req req;
	int ret;

	if (!peer_is_root(fd)) {
		xt_warn("control socket: refused a client that is not root");
		return false;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (xt_read_full(fd, &req, sizeof(req)) != sizeof(req))
		return false;
	switch (req.op) {
	case XT_CTL_OP_CONNS:
		ret = answer_conns(c, fd);
		break;
	case XT_CTL_OP_TAP:
		ret = c->tap ? xt_tap_add_client(c->tap, fd) : -EOPNOTSUPP;
		if (!ret)
			return true;
		break;
	default:
		ret = -EOPNOTSUPP;
		break;
	}
	if (ret)
		xt_dbg("control socket: request %u: %s", req.op, strerror(-ret));
	return false;
}

static void *ctlsrv_main(void *arg)
{
	struct xt_ctlsrv *c = arg;
	struct pollfd pfd = { .fd = c->listen_fd, .events = POLLIN };

	while (!atomic_load(&c->stop)) {
		int fd, n = poll(&pfd, 1, CTL_POLL_MS);

		if (n <= 0)
			continue;
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (!serve_client(c, fd))
			close(fd);
	}
	return NULL;
}

static int ctlsrv_listen(struct xt_ctlsrv *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (mkdir(XT_CTL_SOCK_DIR, 0700) && errno != EEXIST)
		return -errno;
	memcpy(sa.sun_path, c->path, sizeof(sa.sun_path));
	unlink(c->path);	/* a crashed xtcpd's */
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		return -errno;
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(c->path, 0600) || listen(c->listen_fd, 16))
		return -errno;
	return 0;
}

int xt_ctlsrv_start(struct xt_ctlsrv *c, const char *ifname,
		    struct xt_worker *workers, int nworkers, struct xt_tap *tap)
{
	int ret = xt_ctl_sock_path(c->path, sizeof(c->path), ifname);

	c->listen_fd = -1;
	c->workers = workers;
	c->nworkers = nworkers;
	c->tap = tap;
	if (!ret)
		ret = ctlsrv_listen(c);
	if (!ret)
		ret = -pthread_create(&c->thread, NULL, ctlsrv_main, c);
	if (ret) {
		xt_err("control socket %s: %s", c->path, strerror(-ret));
		return ret;
	}
	c->started = 1;
	return 0;
}

void xt_ctlsrv_stop(struct xt_ctlsrv *c)
{
	if (c->started) {
		atomic_store(&c->stop, 1);
		pthread_join(c->thread, NULL);
		c->started = 0;
	}
	if (c->listen_fd > 0) {
		close(c->listen_fd);
		unlink(c->path);
	}
	c->listen_fd = -1;
}
