// SPDX-License-Identifier: MIT
/*
 * banner: writes one line, then closes first, so that the xtcp side is
 * the one that ends in TIME_WAIT. Input is read and dropped, so that the
 * close is a FIN and not a reset.
 *
 * Almost always the line fits in the send buffer at once and no state is
 * needed; only a line longer than the free space makes one, to finish
 * from writable().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "app/service.h"

struct banner_conn {
	const char *text;		/* the cfg's, which outlives us */
	size_t off, len;		/* text[off, len) still to send */
};

static void banner_start(struct xt_sock *s, const struct xt_service_cfg *cfg)
{
	const char *text = xt_service_banner_text(cfg);
	size_t len = strlen(text), off = 0;
	struct banner_conn *c;
	int r;

	/* closed() frees the ctx: it must hold nothing that is not ours. */
	xt_sock_set_ctx(s, NULL);
	r = xt_service_send(s, text, len, &off);
	if (r > 0) {
		xt_service_close(s, NULL);
		return;
	}
	c = r == 0 ? malloc(sizeof(*c)) : NULL;
	if (!c) {
		xt_service_abort(s, NULL);
		return;
	}
	*c = (struct banner_conn){ .text = text, .off = off, .len = len };
	xt_sock_set_ctx(s, c);
}

static void banner_accepted(struct xt_sock *s, void *arg)
{
	banner_start(s, arg);
}

static void banner_connected(struct xt_sock *s)
{
	/* xt_connect's ctx is NULL (see xt_service_ops): the defaults. */
	banner_start(s, NULL);
}

static void banner_readable(struct xt_sock *s)
{
	ssize_t r = xt_service_drain(s);

	/* EOF changes nothing: the line still goes out, then our FIN. */
	if (r != 0 && r != -EAGAIN)
		xt_service_abort(s, xt_sock_ctx(s));
}

static void banner_writable(struct xt_sock *s)
{
	struct banner_conn *c = xt_sock_ctx(s);
	int r;

	if (!c)
		return;
	r = xt_service_send(s, c->text, c->len, &c->off);
	if (r > 0)
		xt_service_close(s, c);
	else if (r < 0)
		xt_service_abort(s, c);
}

const struct xt_app_ops xt_banner_ops = {
	.accepted = banner_accepted,
	.connected = banner_connected,
	.readable = banner_readable,
	.writable = banner_writable,
	.closed = xt_service_closed,
};
