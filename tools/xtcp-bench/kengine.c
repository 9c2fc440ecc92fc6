// SPDX-License-Identifier: MIT
/*
 * The kernel engine. Each connection walks
 *
 *   KC_CONNECTING --writable--> crr: request out   -> KC_READING
 *                               rr:  one byte out  -> KC_PING
 *                               bulk:              -> KC_SENDING
 *   KC_READING --128 bytes in--> close, record     -> next connection
 *               (--path: the whole HTTP response, by its Content-Length)
 *   KC_PING    --1 byte in----->  record, one out  -> KC_PING
 *
 * A connection that fails is counted, closed and (closed loop) replaced.
 * Sources spread over --src-pool with IP_BIND_ADDRESS_NO_PORT, so the
 * kernel picks ports per address; --linger0 closes with a RST, which
 * leaves no TIME-WAIT on the client.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "kengine.h"
#include "workload.h"

#define KE_EVENTS	256
#define KE_BUF		65536
#define KE_TICK_NS	1000000ull	/* open loop: starts are due per tick */

enum kc_phase { KC_FREE, KC_CONNECTING, KC_READING, KC_PING, KC_SENDING };

struct kconn {
	int fd;
	enum kc_phase phase;
	uint32_t got;
	uint32_t want;			/* bytes of the response */
	uint64_t start_ns;
};

struct xb_kengine {
	const struct xb_opts *o;
	int ep;
	struct kconn *c;
	unsigned n;
	unsigned *free;			/* open loop: free connection indices */
	unsigned nfree;
	uint32_t pool_next;
	uint64_t t0, launched;		/* open loop */
	uint64_t ops, errors, bytes, overrun;
	uint64_t hist[XB_HIST_BUCKETS];
	char req[256];			/* crr's request */
	int req_len;
	char buf[KE_BUF];
};

static bool ke_open_loop(const struct xb_kengine *ke)
{
	return ke->o->mode == XB_CRR && ke->o->rate > 0;
}

static void ke_record(struct xb_kengine *ke, uint64_t start, uint64_t now)
{
	ke->hist[xb_hist_bucket(now - start)]++;
	ke->ops++;
}

static int ke_socket(struct xb_kengine *ke)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ke->o->linger0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (ke->o->pool_count) {
		struct sockaddr_in src = { .sin_family = AF_INET };

		src.sin_addr.s_addr = htonl(ke->o->pool_base +
					    ke->pool_next++ % ke->o->pool_count);
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			int err = -errno;

			close(fd);
			return err;
		}
	}
	return fd;
}

/* A new connection on c[i]. 0, or -errno (counted by the caller). */
static int ke_start(struct xb_kengine *ke, unsigned i)
{
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_addr = ke->o->server,
				   .sin_port = htons(ke->o->port) };
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = i };
	struct kconn *c = &ke->c[i];
	int fd = ke_socket(ke);

	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) && errno != EINPROGRESS) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (epoll_ctl(ke->ep, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*c = (struct kconn){ .fd = fd, .phase = KC_CONNECTING,
			     .start_ns = xb_now_ns() };
	return 0;
}

/* c[i] is done (ok or not): closed loop starts the next, open loop frees. */
static void ke_finish(struct xb_kengine *ke, unsigned i, bool ok)
{
	struct kconn *c = &ke->c[i];

	if (!ok)
		ke->errors++;
	if (c->fd >= 0)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	c->phase = KC_FREE;
	if (ke_open_loop(ke)) {
		ke->free[ke->nfree++] = i;
		return;
	}
	if (ke_start(ke, i))
		ke->errors++;	/* retried at the next tick */
}

static int ke_want(struct xb_kengine *ke, struct kconn *c, uint32_t events,
		   unsigned i)
{
	struct epoll_event ev = { .events = events, .data.u32 = i };

	return epoll_ctl(ke->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void ke_connected(struct xb_kengine *ke, unsigned i)
{
	struct kconn *c = &ke->c[i];
	socklen_t len = sizeof(int);
	int soerr = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) || soerr) {
		ke_finish(ke, i, false);
		return;
	}
	switch (ke->o->mode) {
	case XB_CRR:
		if (write(c->fd, ke->req, (size_t)ke->req_len) != ke->req_len ||
		    ke_want(ke, c, EPOLLIN, i)) {
			ke_finish(ke, i, false);
			return;
		}
		c->phase = KC_READING;
		return;
	case XB_RR:
		c->start_ns = xb_now_ns();
		if (write(c->fd, "x", 1) != 1 || ke_want(ke, c, EPOLLIN, i)) {
			ke_finish(ke, i, false);
			return;
		}
		c->phase = KC_PING;
		return;
	default:
		c->phase = KC_SENDING;
		return;
	}
}

/*
 * crr: the response; complete at XB_RESP_LEN bytes, or with --path at the
 * length its header gives (which must come whole in the first read).
 */
static void ke_read_response(struct xb_kengine *ke, unsigned i)
{
	struct kconn *c = &ke->c[i];

	for (;;) {
		ssize_t n = read(c->fd, ke->buf, sizeof(ke->buf));

		if (n > 0) {
			if (!c->got)
				c->want = ke->o->path ?
					  xb_http_response_len(ke->buf, (unsigned)n) :
					  XB_RESP_LEN;
			if (!c->want)
				break;	/* not a 200 with a length */
			c->got += (uint32_t)n;
			if (c->got < c->want)
				continue;
			ke_record(ke, c->start_ns, xb_now_ns());
			ke_finish(ke, i, true);
			return;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		break;				/* EOF or error before it all */
	}
	ke_finish(ke, i, false);
}

static void ke_pong(struct xb_kengine *ke, unsigned i)
{
	struct kconn *c = &ke->c[i];
	ssize_t n = read(c->fd, ke->buf, 1);
	uint64_t now;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n != 1) {
		ke_finish(ke, i, false);
		return;
	}
	now = xb_now_ns();
	ke_record(ke, c->start_ns, now);
	c->start_ns = now;
	if (write(c->fd, "x", 1) != 1)
		ke_finish(ke, i, false);
}

static void ke_send(struct xb_kengine *ke, unsigned i)
{
	struct kconn *c = &ke->c[i];

	for (;;) {
		ssize_t n = write(c->fd, ke->buf, sizeof(ke->buf));

		if (n > 0) {
			ke->bytes += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		ke_finish(ke, i, false);
		return;
	}
}

static void ke_event(struct xb_kengine *ke, unsigned i, uint32_t events)
{
	struct kconn *c = &ke->c[i];

	switch (c->phase) {
	case KC_CONNECTING:
		ke_connected(ke, i);
		if (c->phase == KC_SENDING)
			ke_send(ke, i);
		return;
	case KC_READING:
		ke_read_response(ke, i);
		return;
	case KC_PING:
		ke_pong(ke, i);
		return;
	case KC_SENDING:
		if (events & (EPOLLERR | EPOLLHUP))
			ke_finish(ke, i, false);
		else
			ke_send(ke, i);
		return;
	case KC_FREE:
		return;
	}
}

/* Open loop: start what is due by now. */
static void ke_launch(struct xb_kengine *ke, uint64_t now)
{
	uint64_t due = (uint64_t)(ke->o->rate * (double)(now - ke->t0) / 1e9);

	while (ke->launched < due) {
		ke->launched++;
		if (!ke->nfree) {	/* all --conns busy: this start is lost */
			ke->overrun++;
			continue;
		}
		unsigned i = ke->free[--ke->nfree];

		if (ke_start(ke, i)) {
			ke->free[ke->nfree++] = i;
			ke->errors++;
		}
	}
}

/* Closed loop: restart connections whose start failed. */
static void ke_refill(struct xb_kengine *ke)
{
	for (unsigned i = 0; i < ke->n; i++)
		if (ke->c[i].phase == KC_FREE && ke_start(ke, i))
			ke->errors++;
}

int xb_kengine_run(struct xb_kengine *ke, uint64_t until_ns, volatile int *stop)
{
	struct epoll_event evs[KE_EVENTS];

	for (;;) {
		uint64_t now = xb_now_ns();
		int n, timeout_ms;

		if (now >= until_ns || *stop)
			return 0;
		if (ke_open_loop(ke))
			ke_launch(ke, now);
		else
			ke_refill(ke);
		timeout_ms = ke_open_loop(ke) ? 1 : (int)((until_ns - now) / 1000000 + 1);
		if (timeout_ms > 10)
			timeout_ms = 10;
		n = epoll_wait(ke->ep, evs, KE_EVENTS, timeout_ms);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int k = 0; k < n; k++)
			ke_event(ke, evs[k].data.u32, evs[k].events);
	}
}

int xb_kengine_open(struct xb_kengine **out, const struct xb_opts *o)
{
	struct xb_kengine *ke = calloc(1, sizeof(*ke));

	*out = NULL;
	if (!ke)
		return -ENOMEM;
	ke->o = o;
	ke->n = o->conns;
	ke->ep = epoll_create1(EPOLL_CLOEXEC);
	ke->c = calloc(ke->n, sizeof(*ke->c));
	ke->free = calloc(ke->n, sizeof(*ke->free));
	if (ke->ep < 0 || !ke->c || !ke->free) {
		xb_kengine_close(ke);
		return -ENOMEM;
	}
	memset(ke->buf, 'x', sizeof(ke->buf));
	if (o->path) {
		ke->req_len = xb_http_request(ke->req, sizeof(ke->req), o->path);
	} else {
		memcpy(ke->req, XB_REQUEST, XB_REQ_LEN);
		ke->req_len = XB_REQ_LEN;
	}
	if (ke->req_len < 0) {
		xb_kengine_close(ke);
		return -EINVAL;
	}
	for (unsigned i = 0; i < ke->n; i++) {
		ke->c[i].fd = -1;
		ke->free[ke->nfree++] = ke->n - 1 - i;
	}
	ke->t0 = xb_now_ns();
	if (!ke_open_loop(ke))
		ke->nfree = 0;	/* ke_refill starts them all */
	*out = ke;
	return 0;
}

void xb_kengine_read(const struct xb_kengine *ke, struct xb_snap *s)
{
	s->ops += ke->ops;
	s->errors += ke->errors;
	s->bytes += ke->bytes;
	s->c[XB_C_overrun] += ke->overrun;
	for (int b = 0; b < XB_HIST_BUCKETS; b++)
		s->hist[b] += ke->hist[b];
}

void xb_kengine_close(struct xb_kengine *ke)
{
	if (!ke)
		return;
	for (unsigned i = 0; ke->c && i < ke->n; i++)
		if (ke->c[i].fd >= 0)
			close(ke->c[i].fd);
	if (ke->ep >= 0)
		close(ke->ep);
	free(ke->c);
	free(ke->free);
	free(ke);
}
