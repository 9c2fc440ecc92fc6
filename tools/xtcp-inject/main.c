// SPDX-License-Identifier: MIT
/* xtcp-inject: parse, send, report (inject.h says what it does). */
#include <stdio.h>
#include <string.h>
#include "inject.h"

static void report(const struct xi_gen *g, const struct xi_report *r)
{
	printf("sent %llu frames in %.3f s (%.0f/s)\n",
	       (unsigned long long)r->sent, r->elapsed_s,
	       r->elapsed_s > 0 ? (double)r->sent / r->elapsed_s : 0.0);
	for (int k = 0; k < g->nkinds; k++)
		if (r->per_kind[k])
			printf("  %-14s %llu\n", g->names[k],
			       (unsigned long long)r->per_kind[k]);
}

int main(int argc, char **argv)
{
	struct xi_opts o;
	struct xi_report r;
	const struct xi_gen *g;
	int ret = xi_opts_parse(&o, argc, argv);

	if (ret)
		return ret > 0 ? 0 : 2;
	g = xi_gen_of(&o);
	ret = xi_send(&o, g, &r);
	report(g, &r);
	if (ret) {
		fprintf(stderr, "xtcp-inject: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}
