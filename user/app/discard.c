// SPDX-License-Identifier: MIT
/*
 * discard (RFC 863): reads and drops everything, and closes once the peer
 * has. It keeps no per-connection state, so the socket's ctx stays NULL.
 */
#include <errno.h>
#include "app/service.h"

static void discard_pump(struct xt_sock *s)
{
	ssize_t r = xt_service_drain(s);

	if (r == 0)
		xt_service_close(s, NULL);
	else if (r != -EAGAIN)
		xt_service_abort(s, NULL);
}

static void discard_start(struct xt_sock *s)
{
	/* closed() frees the ctx: it must hold nothing that is not ours. */
	xt_sock_set_ctx(s, NULL);
	/* Bytes may have come with the handshake's last ACK. */
	discard_pump(s);
}

static void discard_accepted(struct xt_sock *s, void *arg)
{
	(void)arg;
	discard_start(s);
}

static void discard_writable(struct xt_sock *s)
{
	/* Never sends, so never waits for space. */
	(void)s;
}

/* Draining: nothing is owed, so the FIN goes now. */
static void discard_drain(struct xt_sock *s)
{
	xt_service_close(s, NULL);
}

const struct xt_app_ops xt_discard_ops = {
	.accepted = discard_accepted,
	.connected = discard_start,
	.readable = discard_pump,
	.writable = discard_writable,
	.closed = xt_service_closed,
	.drain = discard_drain,
};
