/* SPDX-License-Identifier: MIT */
/*
 * xtcpd's control socket (common/ctlsock.h): a thread that answers
 * xtcpctl with what only the daemon knows — each connection's queues,
 * RTT, timers (asked of the workers) — and streams the tap to tracers.
 */
#ifndef XTCP_CTLSRV_H
#define XTCP_CTLSRV_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/un.h>
#include "xtcpd/tap.h"
#include "xtcpd/worker.h"

struct xt_ctlsrv {
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct xt_worker *workers;
	int nworkers;
	struct xt_tap *tap;		/* XT_CTL_OP_TAP sessions go there */
	pthread_t thread;
	int started;
	atomic_int stop;
};

/*
 * Creates XT_CTL_SOCK_DIR (0700) and the socket (0600), replacing what a
 * crashed xtcpd left there, and starts the thread. 0 or -errno, logged.
 */
int xt_ctlsrv_start(struct xt_ctlsrv *c, const char *ifname,
		    struct xt_worker *workers, int nworkers, struct xt_tap *tap);
/* Stops the thread and removes the socket; safe if never started. */
void xt_ctlsrv_stop(struct xt_ctlsrv *c);

#endif /* XTCP_CTLSRV_H */
