// SPDX-License-Identifier: MIT
#include <string.h>
#include "app/service.h"

static const char *const service_names[XT_SVC_COUNT] = {
	[XT_SVC_ECHO] = "echo",
	[XT_SVC_DISCARD] = "discard",
	[XT_SVC_BANNER] = "banner",
	[XT_SVC_HTTP] = "http",
};

int xt_service_find(const char *name)
{
	for (int i = 0; i < XT_SVC_COUNT; i++)
		if (!strcmp(name, service_names[i]))
			return i;
	return -1;
}

const char *xt_service_name(int id)
{
	return id >= 0 && id < XT_SVC_COUNT ? service_names[id] : "?";
}
