// SPDX-License-Identifier: MIT
/*
 * xtcpd: parse flags -> attach XDP -> publish listeners, the settings XDP
 * answers SYNs with and the cookie keys -> reserve ports for --connect ->
 * open one AF_XDP port and one worker per RX queue -> "ready" -> serve:
 * rotate the keys and switch auto cookies until SIGINT or SIGTERM -> drain
 * (no new connections, open ones get --drain-timeout to close) -> undo
 * everything in reverse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <bpf/bpf.h>
#include "common/log.h"
#include "xdp/counters.h"
#include "xdp/loader.h"
#include "xdp/neigh.h"
#include "xdp/netif.h"
#include "xdp/reserve.h"
#include "xdp/port.h"
#include "tcp/stack.h"
#include "xtcpd/config.h"
#include "xtcpd/cookies.h"
#include "xtcpd/ctlsrv.h"
#include "xtcpd/csum_hint.h"
#include "xtcpd/tap.h"
#include "xtcpd/worker.h"

#define EXIT_USAGE	2
#define RESOLVE_MS	3000	/* how long a --connect peer may take to ARP */
#define DRAIN_POLL_MS	20	/* how often a drain looks at the workers */
/* Where make install puts the XDP object, from where it puts xtcpd. */
#define XT_BPF_OBJ_FROM_BIN	"../lib/xtcp/xtcp.bpf.o"

static const struct xt_port_cfg port_cfg = {
	.nframes = 4096,
	.frame_size = 2048,
	.ring_size = 2048,
};

struct daemon {
	struct xt_config cfg;
	struct xt_netif nif;
	struct xt_loader *loader;
	struct xt_reservation ports;
	struct xt_conn_win *win;		/* conn_win, mmapped */
	struct xt_ctl ctl;			/* what XDP is told, as last told */
	pthread_mutex_t ctl_lock;		/* main and the tap thread tell it */
	atomic_bool tap_on;			/* ctl.flags XT_CTL_TAP */
	struct xt_tap tap;
	struct xt_cookies cookies;
	struct xt_csum_hint csum_hint;
	struct xt_worker workers[XT_MAX_QUEUES];
	struct xt_ctlsrv ctlsrv;
	int nworkers;
	atomic_int stop;
	atomic_int drain;
};

static int publish_listeners(const struct daemon *d)
{
	int fd = xt_loader_listen_fd(d->loader);

	for (int i = 0; i < d->cfg.nlisten; i++) {
		__u16 port = d->cfg.listen[i].port;
		struct xt_listen_val v = { .service = d->cfg.listen[i].service };

		if (bpf_map_update_elem(fd, &port, &v, BPF_ANY)) {
			xt_err("cannot publish port %u: %s", port,
			       strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int publish_ctl(struct daemon *d)
{
	__u32 zero = 0;
	int ret = 0;

	pthread_mutex_lock(&d->ctl_lock);
	d->ctl.flags = (d->cookies.on ? XT_CTL_COOKIES : 0) |
		       (d->cfg.drop_bad_cookies ? 0 : XT_CTL_RST_BAD_COOKIE) |
		       (atomic_load(&d->drain) ? XT_CTL_DRAIN : 0) |
		       (atomic_load(&d->tap_on) ? XT_CTL_TAP : 0);
	d->ctl.cookie_switches = (__u32)d->cookies.switches;
	if (bpf_map_update_elem(xt_loader_ctl_fd(d->loader), &zero, &d->ctl,
				BPF_ANY)) {
		ret = -errno;
		xt_err("cannot publish settings to XDP: %s", strerror(errno));
	}
	pthread_mutex_unlock(&d->ctl_lock);
	return ret;
}

/* The tap thread's: XDP writes tap_ring only while someone listens. */
static void tap_set_flag(void *arg, bool on)
{
	struct daemon *d = arg;

	atomic_store(&d->tap_on, on);
	publish_ctl(d);
}

static int start_tap(struct daemon *d)
{
	return xt_tap_start(&d->tap, d->nworkers,
			    xt_loader_tap_ring_fd(d->loader),
			    xt_loader_stats_fd(d->loader), d->cfg.pcap,
			    tap_set_flag, d);
}

/*
 * What XDP needs to answer SYNs as the stacks would: MSS, window scale,
 * the TSval clock; and the cookie keys and mode.
 */
static int prepare_xdp(struct daemon *d)
{
	uint32_t rcvbuf = d->cfg.rcvbuf;
	int ret;

	if (!rcvbuf) {
		struct xt_stack_cfg def;

		xt_stack_cfg_default(&def);
		rcvbuf = def.rcvbuf;
	}
	d->ctl.mss = (__u16)(d->nif.mtu - 40);
	d->ctl.wscale = xt_stack_wscale_for(rcvbuf);
	if (getrandom(&d->ctl.ts_offset, sizeof(d->ctl.ts_offset), 0) !=
	    sizeof(d->ctl.ts_offset))
		return -EIO;
	ret = xt_cookies_init(&d->cookies, &d->cfg,
			      xt_loader_cookie_keys_fd(d->loader), xt_now_ms());
	return ret ? ret : publish_ctl(d);
}

/*
 * Active opens: reserve their local ports from the kernel, tell the XDP
 * program to steer them here, and find each peer's next-hop MAC.
 */
static int prepare_connects(struct daemon *d)
{
	int ret;

	if (!d->cfg.nconnect)
		return 0;
	ret = xt_ports_reserve(&d->ports, d->cfg.eph_lo, d->cfg.eph_hi);
	if (ret) {
		xt_err("cannot reserve ports %u-%u from the kernel: %s",
		       d->cfg.eph_lo, d->cfg.eph_hi, strerror(-ret));
		return ret;
	}
	d->ctl.eph_lo = d->cfg.eph_lo;
	d->ctl.eph_hi = d->cfg.eph_hi;
	ret = publish_ctl(d);
	for (int i = 0; !ret && i < d->cfg.nconnect; i++) {
		struct xt_connect_cfg *cc = &d->cfg.connect[i];
		char a[INET_ADDRSTRLEN];

		ret = xt_neigh_resolve(d->nif.ifindex, cc->addr, cc->mac,
				       RESOLVE_MS);
		if (ret) {
			inet_ntop(AF_INET, &cc->addr, a, sizeof(a));
			xt_err("--connect %s: no next hop via %s: %s", a,
			       d->cfg.ifname, strerror(-ret));
		}
	}
	return ret;
}

static int start_workers(struct daemon *d)
{
	int nq = d->cfg.queues ? d->cfg.queues : (int)d->nif.rx_queues;
	int ret;

	if (nq > (int)d->nif.rx_queues) {
		xt_err("--queues %d, but %s has %u RX queues", nq,
		       d->cfg.ifname, d->nif.rx_queues);
		return -EINVAL;
	}
	d->win = xt_loader_map_conn_win(d->loader);
	if (!d->win) {
		xt_err("cannot map conn_win: %s", strerror(errno));
		return -errno;
	}
	for (int q = 0; q < nq; q++) {
		struct xt_worker *w = &d->workers[q];
		uint32_t share = XT_MAX_CONNS / (uint32_t)nq;

		w->cfg = &d->cfg;
		w->nif = &d->nif;
		w->stop = &d->stop;
		w->drain = &d->drain;
		w->dstats_fd = xt_loader_dstats_fd(d->loader);
		w->index = (uint32_t)q;
		w->conns_fd = xt_loader_conns_fd(d->loader);
		w->cookie_keys_fd = xt_loader_cookie_keys_fd(d->loader);
		w->keys = d->cookies.keys;
		w->ts_offset = d->ctl.ts_offset;
		w->tap = &d->tap;
		w->win = d->win;
		w->slot_base = (uint32_t)q * share;
		w->max_conns = d->cfg.max_conns < share ? d->cfg.max_conns : share;
		ret = xt_port_open(&w->port, d->cfg.ifname, (uint32_t)q,
				   xt_loader_xsks_fd(d->loader), &port_cfg);
		if (ret)
			return ret;
		d->nworkers++;
		ret = xt_worker_init(w);
		if (!ret)
			ret = xt_worker_start(w);
		if (ret)
			return ret;
	}
	return 0;
}

static void stop_workers(struct daemon *d)
{
	atomic_store(&d->stop, 1);
	for (int q = 0; q < d->nworkers; q++) {
		xt_worker_join(&d->workers[q]);
		xt_worker_fini(&d->workers[q]);
		xt_port_close(d->workers[q].port);
	}
	d->nworkers = 0;
}

static void print_ready(const struct daemon *d)
{
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &d->cfg.addr, addr, sizeof(addr));
	printf("xtcpd: ready on %s (%s, %s XDP, %d queue%s), listening on",
	       d->cfg.ifname, addr, xt_loader_mode_name(d->loader),
	       d->nworkers, d->nworkers == 1 ? "" : "s");
	for (int i = 0; i < d->cfg.nlisten; i++)
		printf(" %u", d->cfg.listen[i].port);
	printf("\n");
	fflush(stdout);
}

/* Checks what can be checked before touching the interface: exit 2 if bad. */
static int preflight(struct daemon *d)
{
	int ret;

	if (geteuid() != 0) {
		xt_err("xtcpd needs root (CAP_NET_ADMIN and CAP_BPF)");
		return -EPERM;
	}
	ret = xt_netif_query(d->cfg.ifname, &d->nif);
	if (ret == -ENODEV) {
		xt_err("no interface '%s' here", d->cfg.ifname);
		return ret;
	}
	if (ret && !(ret == -EADDRNOTAVAIL && d->cfg.addr)) {
		xt_err("%s: %s", d->cfg.ifname, ret == -EADDRNOTAVAIL ?
		       "has no IPv4 address; give one with --addr" :
		       strerror(-ret));
		return ret;
	}
	if (!d->cfg.addr)
		d->cfg.addr = d->nif.addr;
	return 0;
}

/* What the main thread watches, summed over the workers and XDP. */
struct watched {
	uint64_t syns, half_open;	/* for auto cookies */
	uint64_t bad_csum;		/* for the checksum hint */
};

/*
 * Every SYN to a listener, for auto cookies: those the workers saw and
 * those XDP answered itself (once cookies are on, no SYN reaches a
 * worker, and the flood must still count); and the half-open count.
 * Every segment dropped for a bad checksum: by the workers, and by XDP
 * before it answers a segment itself.
 */
static void sum_watched(const struct daemon *d, struct watched *w)
{
	struct xt_xdp_stats xs;

	memset(w, 0, sizeof(*w));
	for (int q = 0; q < d->nworkers; q++) {
		w->syns += atomic_load(&d->workers[q].syns_seen);
		w->half_open += atomic_load(&d->workers[q].half_open);
		w->bad_csum += atomic_load(&d->workers[q].bad_csum);
	}
	if (!xt_xdp_stats_read(xt_loader_stats_fd(d->loader), &xs)) {
		w->syns += xs.tx_synack_cookie;
		w->bad_csum += xs.drop_bad_csum;
	}
}

/*
 * Serves until SIGINT or SIGTERM, keeping the cookie keys and mode, and
 * watching for a veth peer's checksum offload.
 */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

static int serve(struct daemon *d)
{
	sigset_t set;

	stop_signals(&set);
	for (;;) {
		uint64_t now = xt_now_ms();
		uint64_t delay = xt_csum_hint_delay(&d->csum_hint,
			xt_cookies_next_delay(&d->cookies, now));
		struct timespec ts = { .tv_sec = (time_t)(delay / 1000),
				       .tv_nsec = (long)(delay % 1000) * 1000000 };
		int sig = sigtimedwait(&set, NULL, &ts);
		struct watched w;

		if (sig > 0)
			return sig;
		sum_watched(d, &w);
		xt_csum_hint_check(&d->csum_hint, w.bad_csum);
		if (xt_cookies_tick(&d->cookies, xt_now_ms(), w.syns,
				    w.half_open))
			publish_ctl(d);
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

static unsigned sum_unfinished(const struct daemon *d)
{
	unsigned n = 0;

	for (int q = 0; q < d->nworkers; q++)
		n += atomic_load(&d->workers[q].unfinished);
	return n;
}

/*
 * A graceful stop: XDP resets SYNs to the listeners (XT_CTL_DRAIN) and the
 * workers' stacks accept nothing more and ask each service to finish.
 * Waits until no connection is left but in TIME-WAIT, the deadline, or a
 * second signal; what is left is reset by stop_workers().
 */
static void drain(struct daemon *d, int sig)
{
	uint64_t start = xt_now_ms(), deadline = start + d->cfg.drain_ms;
	unsigned left = sum_unfinished(d);
	sigset_t set;

	if (!d->cfg.drain_ms || !left) {
		xt_info("signal %d: stopping, %u open connection%s", sig, left,
			left == 1 ? "" : "s");
		return;
	}
	xt_info("signal %d: draining %u connection%s for up to %u ms; new "
		"SYNs are reset; signal again to stop now", sig, left,
		left == 1 ? "" : "s", d->cfg.drain_ms);
	atomic_store(&d->drain, 1);
	publish_ctl(d);
	stop_signals(&set);
	for (;;) {
		struct timespec ts = { .tv_nsec = DRAIN_POLL_MS * 1000000L };
		uint64_t now;

		sig = sigtimedwait(&set, NULL, &ts);
		now = xt_now_ms();
		left = sum_unfinished(d);
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
				d->cfg.drain_ms, left, left == 1 ? "" : "s");
			return;
		}
	}
}

int main(int argc, char **argv)
{
	static struct daemon d;
	char err[256];
	sigset_t set;
	int ret;

	pthread_mutex_init(&d.ctl_lock, NULL);
	ret = xt_config_parse(&d.cfg, argc, argv, err, sizeof(err));
	if (ret == 1)
		return 0;
	if (ret) {
		fprintf(stderr, "xtcpd: %s\n", err);
		return EXIT_USAGE;
	}
	xt_log_init("xtcpd", d.cfg.log_level);
	if (preflight(&d))
		return EXIT_USAGE;

	/* Workers inherit this mask; only main() takes the signals. */
	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	ret = xt_loader_open(&d.loader, d.cfg.ifname, d.cfg.xdp_mode,
			     bpf_object(&d.cfg));
	if (!ret)
		ret = publish_listeners(&d);
	if (!ret)
		ret = prepare_xdp(&d);
	if (!ret)
		ret = prepare_connects(&d);
	if (!ret)
		ret = start_workers(&d);
	if (!ret)
		ret = start_tap(&d);
	if (!ret)
		ret = xt_ctlsrv_start(&d.ctlsrv, d.cfg.ifname, d.workers,
				      d.nworkers, &d.tap);
	if (!ret) {
		xt_csum_hint_init(&d.csum_hint, d.cfg.ifname, d.nif.ifindex);
		print_ready(&d);
		drain(&d, serve(&d));
	}
	xt_ctlsrv_stop(&d.ctlsrv);
	stop_workers(&d);
	xt_tap_stop(&d.tap);	/* after the workers: their last resets */
	if (d.win)
		munmap(d.win, (size_t)XT_MAX_CONNS * sizeof(*d.win));
	xt_loader_close(d.loader);
	xt_ports_release(&d.ports);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}
