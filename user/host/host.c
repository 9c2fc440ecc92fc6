// SPDX-License-Identifier: MIT
/*
 * struct xt_host: check the interface -> attach XDP -> publish listeners,
 * the settings XDP answers SYNs with and the cookie keys -> reserve ports
 * for active opens -> one AF_XDP port and one worker per RX queue; and
 * all of it undone in reverse by xt_host_close().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include "common/log.h"
#include "host/host.h"
#include "xdp/neigh.h"
#include "xdp/port.h"
#include "tcp/stack.h"

#define RESOLVE_MS	3000	/* how long a --connect peer may take to ARP */
/* In the listen map, a port served by a library user, not a service. */
#define XT_LISTEN_APP	UINT32_MAX

#define PORT_FRAME_SIZE	2048
#define PORT_RING_SIZE	2048

/* Each RX queue's AF_XDP port: --umem-frames frames (0: the default). */
static struct xt_port_cfg host_port_cfg(const struct xt_host *h)
{
	return (struct xt_port_cfg){
		.nframes = h->cfg.umem_frames ? h->cfg.umem_frames :
			   XT_DEFAULT_UMEM_FRAMES,
		.frame_size = PORT_FRAME_SIZE,
		.ring_size = PORT_RING_SIZE,
	};
}

static int host_preflight(struct xt_host *h)
{
	int ret;

	if (geteuid() != 0) {
		xt_err("xtcp needs root (CAP_NET_ADMIN and CAP_BPF)");
		return -EPERM;
	}
	ret = xt_netif_query(h->cfg.ifname, &h->nif);
	if (ret == -ENODEV) {
		xt_err("no interface '%s' here", h->cfg.ifname);
		return ret;
	}
	if (ret && !(ret == -EADDRNOTAVAIL && h->cfg.addr)) {
		xt_err("%s: %s", h->cfg.ifname, ret == -EADDRNOTAVAIL ?
		       "has no IPv4 address; give one with --addr" :
		       strerror(-ret));
		return ret;
	}
	if (!h->cfg.addr)
		h->cfg.addr = h->nif.addr;
	return 0;
}

int xt_host_new_cfg(struct xt_host **out, const struct xt_config *cfg)
{
	struct xt_host *h = calloc(1, sizeof(*h));
	int ret;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->cfg = *cfg;
	h->epfd = -1;
	pthread_mutex_init(&h->ctl_lock, NULL);
	h->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->stop_fd < 0) {
		free(h);
		return -errno;
	}
	ret = host_preflight(h);
	if (ret) {
		close(h->stop_fd);
		free(h);
		return ret;
	}
	*out = h;
	return 0;
}

void xt_host_opts_init(struct xt_host_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->log_level = XT_LOG_INFO;
}

static int xdp_mode_parse(const char *name, enum xt_xdp_mode *mode)
{
	if (!name || !strcmp(name, "auto"))
		*mode = XT_XDP_MODE_AUTO;
	else if (!strcmp(name, "native"))
		*mode = XT_XDP_MODE_NATIVE;
	else if (!strcmp(name, "skb"))
		*mode = XT_XDP_MODE_SKB;
	else
		return -EINVAL;
	return 0;
}

/* The library's options as the xtcpd command line would give them. */
static int opts_to_cfg(const struct xt_host_opts *o, struct xt_config *cfg)
{
	xt_config_defaults(cfg);
	if (!o->ifname || strlen(o->ifname) >= sizeof(cfg->ifname) ||
	    o->log_level < XT_LOG_ERR || o->log_level > XT_LOG_DEBUG ||
	    o->queues < 0 || o->queues > XT_MAX_QUEUES ||
	    o->eph_lo > o->eph_hi || (!o->eph_lo && o->eph_hi))
		return -EINVAL;
	if (xdp_mode_parse(o->xdp_mode, &cfg->xdp_mode))
		return -EINVAL;
	if (o->bpf_object && strlen(o->bpf_object) >= sizeof(cfg->bpf_object))
		return -ENAMETOOLONG;
	strcpy(cfg->ifname, o->ifname);
	if (o->bpf_object)
		strcpy(cfg->bpf_object, o->bpf_object);
	cfg->addr = o->addr;
	cfg->queues = o->queues;
	cfg->eph_lo = o->eph_lo;
	cfg->eph_hi = o->eph_hi;
	if (o->max_conns)
		cfg->max_conns = o->max_conns;
	if (o->drain_ms)
		cfg->drain_ms = o->drain_ms;
	cfg->log_level = (enum xt_log_level)o->log_level;
	return 0;
}

int xt_host_open(struct xt_host **out, const struct xt_host_opts *o)
{
	struct xt_config *cfg = malloc(sizeof(*cfg));
	int ret;

	*out = NULL;
	if (!cfg)
		return -ENOMEM;
	ret = opts_to_cfg(o, cfg);
	if (!ret) {
		xt_log_init("xtcp", cfg->log_level);
		ret = xt_host_new_cfg(out, cfg);
	}
	if (!ret)
		(*out)->want_eph = o->eph_lo != 0;
	free(cfg);
	return ret;
}

int xt_host_listen(struct xt_host *h, uint16_t port,
		   const struct xt_app_ops *ops, void *arg)
{
	if (h->started || !port || !ops)
		return -EINVAL;
	if (h->cfg.eph_lo && port >= h->cfg.eph_lo && port <= h->cfg.eph_hi)
		return -EINVAL;
	for (int i = 0; i < h->nlisten; i++)
		if (h->listen[i].port == port)
			return -EADDRINUSE;
	for (int i = 0; i < h->cfg.nlisten; i++)
		if (h->cfg.listen[i].port == port)
			return -EADDRINUSE;
	if (h->nlisten + h->cfg.nlisten >= XT_MAX_LISTEN)
		return -ENOSPC;
	h->listen[h->nlisten++] = (struct xt_host_listener){
		.port = port, .ops = ops, .arg = arg };
	return 0;
}

void xt_host_on_worker(struct xt_host *h, xt_host_worker_fn fn, void *arg)
{
	h->on_worker = fn;
	h->on_worker_arg = arg;
}

static int publish_port(struct xt_host *h, uint16_t port, uint32_t service)
{
	struct xt_listen_val v = { .service = service };

	if (bpf_map_update_elem(xt_loader_listen_fd(h->loader), &port, &v,
				BPF_ANY)) {
		xt_err("cannot publish port %u: %s", port, strerror(errno));
		return -errno;
	}
	return 0;
}

static int publish_listeners(struct xt_host *h)
{
	int ret = 0;

	for (int i = 0; !ret && i < h->cfg.nlisten; i++)
		ret = publish_port(h, h->cfg.listen[i].port,
				   (uint32_t)h->cfg.listen[i].service);
	for (int i = 0; !ret && i < h->nlisten; i++)
		ret = publish_port(h, h->listen[i].port, XT_LISTEN_APP);
	return ret;
}

int xt_host_publish_ctl(struct xt_host *h)
{
	__u32 zero = 0;
	int ret = 0;

	pthread_mutex_lock(&h->ctl_lock);
	h->ctl.flags = (h->cookies.on ? XT_CTL_COOKIES : 0) |
		       (h->cfg.drop_bad_cookies ? 0 : XT_CTL_RST_BAD_COOKIE) |
		       (atomic_load(&h->drain) ? XT_CTL_DRAIN : 0) |
		       (atomic_load(&h->tap_on) ? XT_CTL_TAP : 0) |
		       (h->handoff ? XT_CTL_META : 0);
	h->ctl.cookie_switches = (__u32)h->cookies.switches;
	if (bpf_map_update_elem(xt_loader_ctl_fd(h->loader), &zero, &h->ctl,
				BPF_ANY)) {
		ret = -errno;
		xt_err("cannot publish settings to XDP: %s", strerror(errno));
	}
	pthread_mutex_unlock(&h->ctl_lock);
	return ret;
}

/* The tap thread's: XDP writes tap_ring only while someone listens. */
static void tap_set_flag(void *arg, bool on)
{
	struct xt_host *h = arg;

	atomic_store(&h->tap_on, on);
	xt_host_publish_ctl(h);
}

static int start_tap(struct xt_host *h)
{
	return xt_tap_start(&h->tap, h->nworkers,
			    xt_loader_tap_ring_fd(h->loader),
			    xt_loader_stats_fd(h->loader), h->cfg.pcap,
			    tap_set_flag, h);
}

/*
 * What XDP needs to answer SYNs as the stacks would: MSS, window scale,
 * the TSval clock; and the cookie keys and mode.
 */
static int prepare_xdp(struct xt_host *h)
{
	uint32_t rcvbuf = h->cfg.rcvbuf;
	int ret;

	if (!rcvbuf) {
		struct xt_stack_cfg def;

		xt_stack_cfg_default(&def);
		rcvbuf = def.rcvbuf;
	}
	h->ctl.mss = (__u16)(h->nif.mtu - 40);
	h->ctl.rst_rate = h->cfg.rst_rate;
	h->ctl.rst_burst = h->cfg.rst_burst;
	h->ctl.wscale = xt_stack_wscale_for(rcvbuf);
	if (getrandom(&h->ctl.ts_offset, sizeof(h->ctl.ts_offset), 0) !=
	    sizeof(h->ctl.ts_offset))
		return -EIO;
	ret = xt_cookies_init(&h->cookies, &h->cfg,
			      xt_loader_cookie_keys_fd(h->loader), xt_now_ms());
	return ret ? ret : xt_host_publish_ctl(h);
}

/*
 * Active opens: reserve their local ports from the kernel, tell the XDP
 * program to steer them here, and find each --connect peer's next hop.
 * xtcpd reserves them only for --connect; the library when given a range.
 */
static int prepare_connects(struct xt_host *h, bool want)
{
	int ret;

	if (!want)
		return 0;
	ret = xt_ports_reserve(&h->ports, h->cfg.eph_lo, h->cfg.eph_hi);
	if (ret) {
		xt_err("cannot reserve ports %u-%u from the kernel: %s",
		       h->cfg.eph_lo, h->cfg.eph_hi, strerror(-ret));
		return ret;
	}
	h->ctl.eph_lo = h->cfg.eph_lo;
	h->ctl.eph_hi = h->cfg.eph_hi;
	ret = xt_host_publish_ctl(h);
	for (int i = 0; !ret && i < h->cfg.nconnect; i++) {
		struct xt_connect_cfg *cc = &h->cfg.connect[i];
		char a[INET_ADDRSTRLEN];

		ret = xt_neigh_resolve(h->nif.ifindex, cc->addr, cc->mac,
				       RESOLVE_MS);
		if (ret) {
			inet_ntop(AF_INET, &cc->addr, a, sizeof(a));
			xt_err("--connect %s: no next hop via %s: %s", a,
			       h->cfg.ifname, strerror(-ret));
		}
	}
	return ret;
}

/* The worker hook: the library's listeners, then the user's own. */
static int host_worker_setup(struct xt_stack *st, unsigned index, void *arg)
{
	struct xt_host *h = arg;
	int ret;

	for (int i = 0; i < h->nlisten; i++) {
		ret = xt_listen(st, h->listen[i].port, h->listen[i].ops,
				h->listen[i].arg);
		if (ret) {
			xt_err("q%u: cannot listen on %u: %s", index,
			       h->listen[i].port, strerror(-ret));
			return ret;
		}
	}
	return h->on_worker ? h->on_worker(st, index, h->on_worker_arg) : 0;
}

static void worker_wire(struct xt_host *h, struct xt_worker *w, int q, int nq)
{
	uint32_t share = xt_loader_conns_cap(h->loader) / (uint32_t)nq;

	w->cfg = &h->cfg;
	w->nif = &h->nif;
	w->stop = &h->stop;
	w->drain = &h->drain;
	w->dstats_fd = xt_loader_dstats_fd(h->loader);
	w->index = (uint32_t)q;
	w->conns_fd = xt_loader_conns_fd(h->loader);
	w->cookie_keys_fd = xt_loader_cookie_keys_fd(h->loader);
	w->keys = h->cookies.keys;
	w->ts_offset = h->ctl.ts_offset;
	w->win = h->win;
	w->tap = &h->tap;
	w->slot_base = (uint32_t)q * share;
	w->nworkers = (uint32_t)nq;
	w->handoff = h->handoff;
	w->max_conns = h->cfg.max_conns < share ? h->cfg.max_conns : share;
	w->setup = host_worker_setup;
	w->setup_arg = h;
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* XT_HOST_CALLER: one fd over every worker's socket and wake fd. */
static int caller_fd_add(struct xt_host *h, struct xt_worker *w)
{
	int ret;

	if (h->epfd < 0) {
		h->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (h->epfd < 0)
			return -errno;
		ret = epoll_add(h->epfd, h->stop_fd);
		if (ret)
			return ret;
	}
	ret = epoll_add(h->epfd, xt_port_fd(w->port));
	if (!ret)
		ret = epoll_add(h->epfd, w->io_fd);
	return ret ? ret : epoll_add(h->epfd, w->wake_fd);
}

/*
 * Several workers: the rings between them, and XDP told to say which
 * slot each frame's tuple has, before the first socket opens.
 */
static int start_handoff(struct xt_host *h, int nq)
{
	if (nq < 2)
		return 0;
	h->handoff = xt_handoff_new((unsigned)nq,
				    xt_loader_conns_cap(h->loader) / (uint32_t)nq,
				    PORT_FRAME_SIZE);
	if (!h->handoff) {
		xt_err("cannot make the rings between %d workers: %s", nq,
		       strerror(errno));
		return -errno;
	}
	return xt_host_publish_ctl(h);
}

static int start_workers(struct xt_host *h)
{
	struct xt_port_cfg port_cfg = host_port_cfg(h);
	int nq = h->cfg.queues ? h->cfg.queues : (int)h->nif.rx_queues;
	int ret;

	if (nq > (int)h->nif.rx_queues || nq > XT_MAX_QUEUES) {
		xt_err("%d queues asked, but %s has %u RX queues", nq,
		       h->cfg.ifname, h->nif.rx_queues);
		return -EINVAL;
	}
	h->win = xt_loader_map_conn_win(h->loader);
	if (!h->win) {
		xt_err("cannot map conn_win: %s", strerror(errno));
		return -errno;
	}
	ret = start_handoff(h, nq);
	if (ret)
		return ret;
	for (int q = 0; q < nq; q++) {
		struct xt_worker *w = &h->workers[q];

		worker_wire(h, w, q, nq);
		ret = xt_port_open(&w->port, h->cfg.ifname, (uint32_t)q,
				   xt_loader_xsks_fd(h->loader), &port_cfg);
		if (ret)
			return ret;
		h->nworkers++;
		ret = xt_worker_init(w);
		if (!ret)
			ret = h->mode == XT_HOST_THREADS ?
			      xt_worker_start(w) : caller_fd_add(h, w);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Entries in conns and conn_win, shared out between the workers: the
 * default's, or --max-conns when that is more (one worker can then hold
 * them all). The maps are preallocated, so this fixes their memory.
 */
static uint32_t host_conns_cap(const struct xt_host *h)
{
	return h->cfg.max_conns > XT_MAX_CONNS ? h->cfg.max_conns : XT_MAX_CONNS;
}

int xt_host_start(struct xt_host *h, enum xt_host_mode mode)
{
	const char *obj = h->cfg.bpf_object[0] ? h->cfg.bpf_object : NULL;
	int ret;

	if (h->started)
		return -EALREADY;
	h->started = true;
	h->mode = mode;
	ret = xt_loader_open(&h->loader, h->cfg.ifname, h->cfg.xdp_mode, obj,
			     host_conns_cap(h));
	if (!ret)
		ret = publish_listeners(h);
	if (!ret)
		ret = prepare_xdp(h);
	if (!ret)
		ret = prepare_connects(h, h->cfg.nconnect || h->want_eph);
	if (!ret)
		ret = start_workers(h);
	if (!ret)
		ret = start_tap(h);
	if (!ret)
		xt_csum_hint_init(&h->csum_hint, h->cfg.ifname,
				  h->nif.ifindex);
	return ret;
}

static void stop_workers(struct xt_host *h)
{
	atomic_store(&h->stop, 1);
	for (int q = 0; q < h->nworkers; q++) {
		xt_worker_join(&h->workers[q]);
		xt_worker_fini(&h->workers[q]);
		xt_port_close(h->workers[q].port);
	}
	h->nworkers = 0;
	xt_handoff_free(h->handoff);
	h->handoff = NULL;
}

void xt_host_close(struct xt_host *h)
{
	if (!h)
		return;
	stop_workers(h);
	xt_tap_stop(&h->tap);	/* after the workers: their last resets */
	if (h->win)
		munmap(h->win, (size_t)xt_loader_conns_cap(h->loader) *
		       sizeof(*h->win));
	xt_loader_close(h->loader);
	xt_ports_release(&h->ports);
	if (h->epfd >= 0)
		close(h->epfd);
	close(h->stop_fd);
	free(h);
}

unsigned xt_host_workers(const struct xt_host *h)
{
	return (unsigned)h->nworkers;
}

struct xt_stack *xt_host_stack(struct xt_host *h, unsigned i)
{
	return i < (unsigned)h->nworkers ? h->workers[i].stack : NULL;
}

uint32_t xt_host_addr(const struct xt_host *h)
{
	return h->cfg.addr;
}

const char *xt_host_mode_name(const struct xt_host *h)
{
	return xt_loader_mode_name(h->loader);
}

int xt_host_resolve(struct xt_host *h, uint32_t daddr, uint8_t mac[6],
		    int timeout_ms)
{
	return xt_neigh_resolve(h->nif.ifindex, daddr, mac, timeout_ms);
}
