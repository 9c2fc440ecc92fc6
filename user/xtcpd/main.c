// SPDX-License-Identifier: MIT
/*
 * xtcpd: parse flags -> a struct xt_host (host/host.c: attach XDP,
 * publish listeners, the settings XDP answers SYNs with and the cookie
 * keys, reserve ports for --connect, open one AF_XDP port and one worker
 * per RX queue) -> the control socket -> "ready" -> serve:
 * rotate the keys and switch auto cookies until SIGINT or SIGTERM -> drain
 * (no new connections, open ones get --drain-timeout to close) -> undo
 * everything in reverse.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include "common/log.h"
#include "host/host.h"
#include "xtcpd/config.h"
#include "xtcpd/ctlsrv.h"

#define EXIT_USAGE	2
#define DRAIN_POLL_MS	20	/* how often a drain looks at the workers */
/* Where make install puts the XDP object, from where it puts xtcpd. */
#define XT_BPF_OBJ_FROM_BIN	"../lib/xtcp/xtcp.bpf.o"

static void print_ready(const struct xt_host *h)
{
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &h->cfg.addr, addr, sizeof(addr));
	printf("xtcpd: ready on %s (%s, %s XDP, %d queue%s), listening on",
	       h->cfg.ifname, addr, xt_host_mode_name(h),
	       h->nworkers, h->nworkers == 1 ? "" : "s");
	for (int i = 0; i < h->cfg.nlisten; i++)
		printf(" %u", h->cfg.listen[i].port);
	printf("\n");
	fflush(stdout);
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

/*
 * Serves until SIGINT or SIGTERM, keeping the cookie keys and mode, and
 * watching for a veth peer's checksum offload (xt_host_tick).
 */
static int serve(struct xt_host *h)
{
	sigset_t set;

	stop_signals(&set);
	for (;;) {
		uint64_t delay = xt_host_tick(h);
		struct timespec ts = { .tv_sec = (time_t)(delay / 1000),
				       .tv_nsec = (long)(delay % 1000) * 1000000 };
		int sig = sigtimedwait(&set, NULL, &ts);

		if (sig > 0)
			return sig;
	}
}

/*
 * --bpf-object, else the object make install puts beside xtcpd
 * (PREFIX/sbin/xtcpd, PREFIX/lib/xtcp/xtcp.bpf.o), else NULL: the copy
 * built into xtcpd.
 */
static const char *bpf_object(const struct xt_config *cfg)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (cfg->bpf_object[0])
		return cfg->bpf_object;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	if (snprintf(path, sizeof(path), "%s/" XT_BPF_OBJ_FROM_BIN, exe) >=
	    (int)sizeof(path) || access(path, R_OK))
		return NULL;
	return path;
}

/*
 * A graceful stop: XDP resets SYNs to the listeners (XT_CTL_DRAIN) and the
 * workers' stacks accept nothing more and ask each service to finish.
 * Waits until no connection is left but in TIME-WAIT, the deadline, or a
 * second signal; what is left is reset by stop_workers().
 */
static void drain(struct xt_host *h, int sig)
{
	uint64_t start = xt_now_ms(), deadline = start + h->cfg.drain_ms;
	unsigned left = xt_host_unfinished(h);
	sigset_t set;

	if (!h->cfg.drain_ms || !left) {
		xt_info("signal %d: stopping, %u open connection%s", sig, left,
			left == 1 ? "" : "s");
		return;
	}
	xt_info("signal %d: draining %u connection%s for up to %u ms; new "
		"SYNs are reset; signal again to stop now", sig, left,
		left == 1 ? "" : "s", h->cfg.drain_ms);
	xt_host_drain_begin(h);
	stop_signals(&set);
	for (;;) {
		struct timespec ts = { .tv_nsec = DRAIN_POLL_MS * 1000000L };
		uint64_t now;

		sig = sigtimedwait(&set, NULL, &ts);
		now = xt_now_ms();
		left = xt_host_unfinished(h);
		if (sig > 0) {
			xt_warn("signal %d: stopping now, %u connection%s open",
				sig, left, left == 1 ? "" : "s");
			return;
		}
		if (!left) {
			xt_info("drained in %llu ms: every connection closed",
				(unsigned long long)(now - start));
			return;
		}
		if (now >= deadline) {
			xt_warn("drain timeout after %u ms: %u connection%s still open",
				h->cfg.drain_ms, left, left == 1 ? "" : "s");
			return;
		}
	}
}

int main(int argc, char **argv)
{
	static struct xt_config cfg;
	static struct xt_ctlsrv ctlsrv;
	struct xt_host *h;
	const char *obj;
	char err[256];
	sigset_t set;
	int ret;

	ret = xt_config_parse(&cfg, argc, argv, err, sizeof(err));
	if (ret == 1)
		return 0;
	if (ret) {
		fprintf(stderr, "xtcpd: %s\n", err);
		return EXIT_USAGE;
	}
	xt_log_init("xtcpd", cfg.log_level);
	obj = bpf_object(&cfg);
	if (obj && obj != cfg.bpf_object)
		snprintf(cfg.bpf_object, sizeof(cfg.bpf_object), "%s", obj);
	if (xt_host_new_cfg(&h, &cfg))
		return EXIT_USAGE;

	/* Workers inherit this mask; only main() takes the signals. */
	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	ret = xt_host_start(h, XT_HOST_THREADS);
	if (!ret)
		ret = xt_ctlsrv_start(&ctlsrv, cfg.ifname, h->workers,
				      h->nworkers, &h->tap);
	if (!ret) {
		print_ready(h);
		drain(h, serve(h));
	}
	xt_ctlsrv_stop(&ctlsrv);
	xt_host_close(h);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}
