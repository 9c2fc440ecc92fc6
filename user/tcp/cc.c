// SPDX-License-Identifier: MIT
/*
 * The congestion-control algorithms by name (cc.h), for --cc. Each lives
 * in its own file: cc_cubic.c (the default), cc_newreno.c, cc_bbr.c.
 */
#include <stddef.h>
#include <string.h>
#include "tcp/cc.h"

static const struct xt_cc_ops *const cc_all[] = {
	&xt_cc_cubic,
	&xt_cc_newreno,
	&xt_cc_bbr,
};

const struct xt_cc_ops *xt_cc_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(cc_all) / sizeof(cc_all[0]); i++)
		if (!strcmp(cc_all[i]->name, name))
			return cc_all[i];
	return NULL;
}
