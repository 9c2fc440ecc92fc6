// SPDX-License-Identifier: MIT
/*
 * proxy: `--listen PORT:proxy=HOST:PORT` (or unix:PATH). The client's TCP
 * ends in xtcp (handshake, cookies and RST filtering are xtcp's); its
 * bytes are relayed to a backend over a non-blocking kernel socket,
 * watched on the worker's loop (xt_io_watch).
 *
 * Each direction holds at most one buffer of bytes in between. A buffer
 * is refilled only once it is empty: the client's bytes stay in xtcp's
 * receive buffer (its window closes) while the backend does not take
 * them, and the backend's stay in the kernel's socket (its sends block)
 * while the client does not read. A FIN each way becomes a shutdown the
 * other way (half-close), once what came before it is through; a reset
 * either way becomes a reset the other way; a backend that refuses, fails
 * or does not answer within the timeout resets the client.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "app/service.h"
#include "common/log.h"

#define PROXY_BUF	32768

struct proxy {
	struct xt_sock *s;		/* NULL once the client side is over */
	const struct xt_proxy_cfg *pc;
	int fd;				/* the backend socket */
	struct xt_io_watch *watch;
	uint32_t events;		/* what watch asks for now */
	struct xt_app_timer *timer;	/* the connect timeout */
	bool connected;
	bool client_eof, backend_eof;	/* FIN read from each side */
	bool backend_shut, client_shut;	/* FIN passed on to each side */
	size_t up_len, up_off;		/* client -> backend, unwritten */
	size_t dn_len, dn_off;		/* backend -> client, unsent */
	uint8_t up[PROXY_BUF], dn[PROXY_BUF];
};

/* Backend connections open now, over every worker and proxy port. */
static atomic_uint proxy_backends;

static void proxy_free(struct proxy *p, bool reset_backend)
{
	if (reset_backend) {
		/* SO_LINGER 0: close() sends a RST. */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	xt_io_unwatch(p->watch);
	close(p->fd);
	xt_app_timer_free(p->timer);
	atomic_fetch_sub(&proxy_backends, 1);
	free(p);
}

/* The backend failed or is gone: the client is reset (RFC 9293 §3.10.5). */
static void proxy_abort_client(struct proxy *p)
{
	if (p->s) {
		xt_sock_set_ctx(p->s, NULL);
		xt_abort(p->s);
	}
	proxy_free(p, false);
}

/* The client is gone abnormally: so is the backend, by a reset. */
static void proxy_abort_backend(struct proxy *p)
{
	if (p->s) {
		xt_sock_set_ctx(p->s, NULL);
		xt_abort(p->s);
	}
	proxy_free(p, true);
}

/*
 * "\r\n\r\n\0\r\nQUIT\n", version 2 PROXY, TCP over IPv4, then source
 * and destination addresses and ports (HAProxy's proxy-protocol.txt §2.2).
 */
static size_t proxy_v2_header(const struct xt_sock *s, uint8_t *b)
{
	static const uint8_t sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	uint32_t saddr, daddr;
	uint16_t sport, dport;

	xt_sock_peer(s, &saddr, &sport);
	xt_sock_local(s, &daddr, &dport);
	memcpy(b, sig, sizeof(sig));
	b[12] = 0x21;			/* version 2, PROXY */
	b[13] = 0x11;			/* AF_INET, STREAM */
	b[14] = 0;
	b[15] = 12;			/* the address block's length */
	memcpy(b + 16, &saddr, 4);	/* both already in network order */
	memcpy(b + 20, &daddr, 4);
	b[24] = (uint8_t)(sport >> 8);
	b[25] = (uint8_t)sport;
	b[26] = (uint8_t)(dport >> 8);
	b[27] = (uint8_t)dport;
	return 28;
}

/* Client -> backend. -1: the backend failed (the proxy is freed). */
static int pump_up(struct proxy *p)
{
	for (;;) {
		if (p->up_off < p->up_len) {
			ssize_t n = send(p->fd, p->up + p->up_off,
					 p->up_len - p->up_off, MSG_NOSIGNAL);

			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (n < 0) {
				proxy_abort_client(p);
				return -1;
			}
			p->up_off += (size_t)n;
			continue;
		}
		p->up_off = p->up_len = 0;
		if (!p->s || p->client_eof)
			break;
		ssize_t n = xt_recv(p->s, p->up, sizeof(p->up));

		if (n == -EAGAIN)
			return 0;
		if (n <= 0) {
			p->client_eof = true;
			break;
		}
		p->up_len = (size_t)n;
	}
	/* The client's FIN, after all its bytes (half-close). */
	if (p->client_eof && !p->backend_shut) {
		shutdown(p->fd, SHUT_WR);
		p->backend_shut = true;
	}
	return 0;
}

/* Backend -> client. -1: either side failed (the proxy is freed). */
static int pump_down(struct proxy *p)
{
	for (;;) {
		if (!p->s) {		/* nobody to give it to */
			p->dn_off = p->dn_len = 0;
			return 0;
		}
		if (p->dn_off < p->dn_len) {
			ssize_t n = xt_send(p->s, p->dn + p->dn_off,
					    p->dn_len - p->dn_off);

			if (n < 0) {
				proxy_abort_backend(p);
				return -1;
			}
			if (n == 0)
				return 0;	/* writable() comes back */
			p->dn_off += (size_t)n;
			continue;
		}
		p->dn_off = p->dn_len = 0;
		if (p->backend_eof)
			break;
		ssize_t n = recv(p->fd, p->dn, sizeof(p->dn), 0);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0) {		/* ECONNRESET and the like */
			proxy_abort_client(p);
			return -1;
		}
		if (n == 0) {
			p->backend_eof = true;
			break;
		}
		p->dn_len = (size_t)n;
	}
	if (p->backend_eof && !p->client_shut) {
		xt_shutdown(p->s);
		p->client_shut = true;
	}
	return 0;
}

static void proxy_watch_update(struct proxy *p)
{
	uint32_t ev = 0;

	if (!p->connected || p->up_off < p->up_len)
		ev |= EPOLLOUT;
	if (p->connected && !p->backend_eof && p->dn_len == 0)
		ev |= EPOLLIN;
	if (ev != p->events && !xt_io_modify(p->watch, ev))
		p->events = ev;
}

/* Moves what can move both ways; ends the proxy when both are done. */
static void proxy_pump(struct proxy *p)
{
	if (!p->connected)
		return;
	if (pump_up(p) || pump_down(p))
		return;
	if (p->backend_shut && (p->client_shut || !p->s)) {
		if (p->s) {
			xt_sock_set_ctx(p->s, NULL);
			xt_close(p->s);
		}
		proxy_free(p, false);
		return;
	}
	proxy_watch_update(p);
}

static void proxy_backend_ready(int fd, uint32_t events, void *arg)
{
	struct proxy *p = arg;

	(void)events;
	if (!p->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			xt_dbg("proxy: backend connect: %s", strerror(err));
			proxy_abort_client(p);
			return;
		}
		p->connected = true;
		xt_app_timer_cancel(p->timer);
	}
	proxy_pump(p);
}

static void proxy_timeout(struct xt_app_timer *t, void *arg)
{
	struct proxy *p = arg;

	(void)t;
	if (!p->connected) {
		xt_dbg("proxy: backend connect timed out");
		proxy_abort_client(p);
	}
}

static int proxy_connect(struct proxy *p)
{
	int one = 1;

	p->fd = socket(p->pc->addr.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	if (p->pc->addr.ss_family == AF_INET)
		setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(p->fd, (const struct sockaddr *)&p->pc->addr,
		    p->pc->addrlen) && errno != EINPROGRESS)
		return -errno;
	p->events = EPOLLOUT;
	return xt_io_watch(xt_sock_stack(p->s), p->fd, p->events,
			   proxy_backend_ready, p, &p->watch);
}

static void proxy_accepted(struct xt_sock *s, void *arg)
{
	const struct xt_service_cfg *cfg = arg;
	struct proxy *p;
	int ret;

	if (atomic_fetch_add(&proxy_backends, 1) >= cfg->proxy.max_conns) {
		atomic_fetch_sub(&proxy_backends, 1);
		xt_dbg("proxy: %u backend connections: reset",
		       cfg->proxy.max_conns);
		xt_abort(s);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		atomic_fetch_sub(&proxy_backends, 1);
		xt_abort(s);
		return;
	}
	p->s = s;
	p->pc = &cfg->proxy;
	p->fd = -1;
	p->timer = xt_app_timer_new(xt_sock_stack(s), proxy_timeout, p);
	ret = p->timer ? proxy_connect(p) : -ENOMEM;
	if (ret) {
		xt_dbg("proxy: backend: %s", strerror(-ret));
		proxy_abort_client(p);
		return;
	}
	xt_app_timer_arm(p->timer, p->pc->connect_timeout_ms);
	if (p->pc->v2)
		p->up_len = proxy_v2_header(s, p->up);
	xt_sock_set_nodelay(s, 1);
	xt_sock_set_ctx(s, p);
}

static void proxy_io(struct xt_sock *s)
{
	struct proxy *p = xt_sock_ctx(s);

	if (p)
		proxy_pump(p);
}

/*
 * The client's connection ended without our close: after both FINs (its
 * bytes are all read, so the backend gets its FIN), or by a reset or a
 * timeout, which the backend gets as a reset.
 */
static void proxy_closed(struct xt_sock *s, enum xt_close_reason why)
{
	struct proxy *p = xt_sock_ctx(s);

	if (!p)
		return;
	p->s = NULL;
	if (why != XT_CLOSE_NORMAL || !p->connected) {
		proxy_free(p, true);
		return;
	}
	p->client_eof = true;
	proxy_pump(p);
}

const struct xt_app_ops xt_proxy_ops = {
	.accepted = proxy_accepted,
	.readable = proxy_io,
	.writable = proxy_io,
	.closed = proxy_closed,
};
