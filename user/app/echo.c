// SPDX-License-Identifier: MIT
/*
 * echo (RFC 862): writes back every byte it reads, in order.
 *
 * Flow control runs end to end: while some output is still pending the
 * service reads nothing more, so input backs up in the receive buffer and
 * the peer's window closes. writable() resumes the loop. After the peer's
 * FIN, everything read has been echoed by the time xt_recv() says EOF, so
 * the close (our FIN after the queued bytes) can follow at once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "app/service.h"

#define ECHO_BUF_SIZE	4096

struct echo_conn {
	size_t off, len;		/* buf[off, len) still to send */
	bool draining;			/* close once buf is out */
	char buf[ECHO_BUF_SIZE];
};

/* Sends what is pending, then reads and sends until input or space runs out. */
static void echo_pump(struct xt_sock *s, struct echo_conn *c)
{
	for (;;) {
		int r = xt_service_send(s, c->buf, c->len, &c->off);
		ssize_t n;

		if (r < 0)
			goto fail;
		if (r == 0)
			return;		/* writable() resumes */
		if (c->draining) {
			xt_service_close(s, c);
			return;
		}
		n = xt_recv(s, c->buf, sizeof(c->buf));
		if (n == -EAGAIN)
			return;		/* readable() resumes */
		if (n == 0) {
			xt_service_close(s, c);
			return;
		}
		if (n < 0)
			goto fail;
		c->off = 0;
		c->len = (size_t)n;
	}
fail:
	xt_service_abort(s, c);
}

static void echo_start(struct xt_sock *s)
{
	struct echo_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		xt_service_abort(s, NULL);
		return;
	}
	xt_sock_set_ctx(s, c);
	/* Bytes may have come with the handshake's last ACK. */
	echo_pump(s, c);
}

static void echo_accepted(struct xt_sock *s, void *arg)
{
	(void)arg;
	echo_start(s);
}

static void echo_resume(struct xt_sock *s)
{
	struct echo_conn *c = xt_sock_ctx(s);

	if (c)
		echo_pump(s, c);
}

/* Draining: what was read goes back, then our FIN. */
static void echo_drain(struct xt_sock *s)
{
	struct echo_conn *c = xt_sock_ctx(s);

	if (!c)
		return;
	c->draining = true;
	echo_pump(s, c);
}

const struct xt_app_ops xt_echo_ops = {
	.accepted = echo_accepted,
	.connected = echo_start,
	.readable = echo_resume,
	.writable = echo_resume,
	.closed = xt_service_closed,
	.drain = echo_drain,
};
