// SPDX-License-Identifier: MIT
/* The service table, and the helpers every service shares. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "app/service.h"

#define SERVICE_DRAIN_CHUNK	2048

static const char *const service_names[XT_SVC_COUNT] = {
	[XT_SVC_ECHO] = "echo",
	[XT_SVC_DISCARD] = "discard",
	[XT_SVC_BANNER] = "banner",
	[XT_SVC_HTTP] = "http",
	[XT_SVC_PROXY] = "proxy",
};

static const struct xt_app_ops *const service_ops[XT_SVC_COUNT] = {
	[XT_SVC_ECHO] = &xt_echo_ops,
	[XT_SVC_DISCARD] = &xt_discard_ops,
	[XT_SVC_BANNER] = &xt_banner_ops,
	[XT_SVC_HTTP] = &xt_http_ops,
	[XT_SVC_PROXY] = &xt_proxy_ops,
};

int xt_service_find(const char *name)
{
	for (int i = 0; i < XT_SVC_COUNT; i++)
		if (i != XT_SVC_PROXY && !strcmp(name, service_names[i]))
			return i;
	return -1;
}

const char *xt_service_name(int id)
{
	return id >= 0 && id < XT_SVC_COUNT ? service_names[id] : "?";
}

int xt_service_start(struct xt_stack *st, int id, uint16_t port,
		     const struct xt_service_cfg *cfg)
{
	if (id < 0 || id >= XT_SVC_COUNT)
		return -EINVAL;
	/* xt_listen's arg is untyped; accepted() reads it back as const. */
	return xt_listen(st, port, service_ops[id], (void *)cfg);
}

const struct xt_app_ops *xt_service_ops(int id)
{
	/* http answers requests; it has nothing to say first. */
	if (id < 0 || id >= XT_SVC_COUNT || id == XT_SVC_HTTP ||
	    id == XT_SVC_PROXY)
		return NULL;
	return service_ops[id];
}

const char *xt_service_banner_text(const struct xt_service_cfg *cfg)
{
	return cfg && cfg->banner_text ? cfg->banner_text :
					 XT_SERVICE_BANNER_DEFAULT;
}

uint64_t xt_service_http_max_body(const struct xt_service_cfg *cfg)
{
	return cfg && cfg->http_max_body ? cfg->http_max_body :
					   XT_SERVICE_HTTP_MAX_BODY_DEFAULT;
}

int xt_service_send(struct xt_sock *s, const void *buf, size_t len,
		    size_t *off)
{
	while (*off < len) {
		ssize_t n = xt_send(s, (const char *)buf + *off, len - *off);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		*off += (size_t)n;
	}
	return 1;
}

ssize_t xt_service_drain(struct xt_sock *s)
{
	char buf[SERVICE_DRAIN_CHUNK];
	ssize_t n;

	do
		n = xt_recv(s, buf, sizeof(buf));
	while (n > 0);
	return n;
}

void xt_service_close(struct xt_sock *s, void *state)
{
	free(state);
	xt_sock_set_ctx(s, NULL);
	/*
	 * Whatever ended the drain, closing is still right: at EOF or with
	 * nothing left it is a clean FIN, and on a broken connection the
	 * stack has nothing left to send anyway.
	 */
	(void)xt_service_drain(s);
	xt_close(s);
}

void xt_service_abort(struct xt_sock *s, void *state)
{
	free(state);
	xt_sock_set_ctx(s, NULL);
	xt_abort(s);
}

void xt_service_closed(struct xt_sock *s, enum xt_close_reason why)
{
	(void)why;
	free(xt_sock_ctx(s));
}
