/* SPDX-License-Identifier: MIT */
/* impair's command line (see `impair --help`), parsed into one struct. */
#ifndef XTCP_IMPAIR_OPTS_H
#define XTCP_IMPAIR_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include "impair.h"

struct xt_imp_opts {
	const char *netns;		/* NULL: the current namespace */
	char ifname[IF_NAMESIZE];
	struct xt_imp_cfg cfg[XT_DIR_N];
	uint16_t port;			/* 0: every TCP port */
	uint64_t seed;
	bool seed_set;
	unsigned int stats_every_s;	/* 0: only at the end */
	bool json;
	uint16_t queue_base;		/* in: base, out: base + 1 */
	uint32_t limit;			/* held segments per direction */
	bool keep_offloads;
};

/* Returns 0, 1 after --help (printed), or -EINVAL after a message. */
int xt_opts_parse(struct xt_imp_opts *o, int argc, char **argv);
void xt_opts_usage(FILE *f, const char *prog);

#endif /* XTCP_IMPAIR_OPTS_H */
