/* SPDX-License-Identifier: MIT */
/* The built-in services xtcpd can serve on a port (`--listen PORT:NAME`). */
#ifndef XTCP_SERVICE_H
#define XTCP_SERVICE_H

enum xt_service_id {
	XT_SVC_ECHO,
	XT_SVC_DISCARD,
	XT_SVC_BANNER,
	XT_SVC_HTTP,
	XT_SVC_COUNT
};

/* The service called name, or -1. */
int xt_service_find(const char *name);
const char *xt_service_name(int id);

#endif /* XTCP_SERVICE_H */
