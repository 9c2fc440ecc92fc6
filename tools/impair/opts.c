// SPDX-License-Identifier: MIT
/*
 * One table gives both getopt_long's options and --help. Impairment flags
 * apply to the directions of the last --dir before them, or to both when
 * no --dir came before; only the directions some --dir names are queued
 * (both when there is none). So
 *
 *   --delay 10ms --dir in --loss 1% --dir out --loss 3% --dup 2%
 *
 * delays both directions by 10 ms, drops 1% a -> b and 3% b -> a, and
 * duplicates 2% b -> a.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "opts.h"

#define DEFAULT_QUEUE_BASE	7870
#define DEFAULT_LIMIT		20000
#define DEFAULT_REORDER_GAP_NS	NS_PER_MS
#define MAX_TIME_NS		(60 * NS_PER_S)

enum opt_id {
	OPT_NETNS = 256, OPT_DEV, OPT_DIR, OPT_LOSS, OPT_DUP, OPT_REORDER,
	OPT_CORRUPT, OPT_DELAY, OPT_JITTER, OPT_REORDER_GAP, OPT_PORT,
	OPT_SEED, OPT_STATS_EVERY, OPT_JSON, OPT_QUEUE, OPT_LIMIT,
	OPT_KEEP_OFFLOADS, OPT_HELP,
};

static const struct opt_def {
	const char *name;
	enum opt_id id;
	const char *arg;	/* NULL: no argument */
	const char *help;
} opt_defs[] = {
	{ "netns", OPT_NETNS, "NAME", "run in network namespace NAME (side b)" },
	{ "dev", OPT_DEV, "IF", "impair TCP on this device (required)" },
	{ "dir", OPT_DIR, "in|out|both", "flags after this apply to: in = a->b (b's ingress), out = b->a" },
	{ "loss", OPT_LOSS, "P%", "drop P% of segments" },
	{ "dup", OPT_DUP, "P%", "send P% of the segments not dropped twice" },
	{ "reorder", OPT_REORDER, "P%", "hold P% back by --reorder-gap, so later ones pass them" },
	{ "corrupt", OPT_CORRUPT, "P%", "change one payload byte (or a checksum bit) of P%" },
	{ "delay", OPT_DELAY, "T", "delay every segment by T (10ms, 500us, 1s; bare: ms)" },
	{ "jitter", OPT_JITTER, "T", "delay uniform in delay ± T; never reorders" },
	{ "reorder-gap", OPT_REORDER_GAP, "T", "extra hold of a reordered segment (default 1ms)" },
	{ "port", OPT_PORT, "P", "only segments with source or destination port P" },
	{ "seed", OPT_SEED, "N", "seed of the random choices (default: from the clock; printed)" },
	{ "stats-every", OPT_STATS_EVERY, "S", "print the counters every S seconds" },
	{ "json", OPT_JSON, NULL, "print the counters as one JSON line" },
	{ "queue", OPT_QUEUE, "N", "NFQUEUE numbers N (in) and N+1 (out) (default 7870)" },
	{ "limit", OPT_LIMIT, "N", "hold at most N segments per direction (default 20000)" },
	{ "keep-offloads", OPT_KEEP_OFFLOADS, NULL, "leave GRO/GSO/TSO on the device alone" },
	{ "help", OPT_HELP, NULL, "this text" },
};

#define N_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

void xt_opts_usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s --dev IF [--netns NAME] [--dir in|out|both] [impairments...]\n"
		"Impairs IPv4 TCP on IF through NFQUEUE until SIGINT or SIGTERM, then\n"
		"removes its rules and prints what it did per direction.\n\n", prog);
	for (size_t i = 0; i < N_OPTS; i++) {
		char left[40];

		snprintf(left, sizeof(left), "--%s%s%s", opt_defs[i].name,
			 opt_defs[i].arg ? " " : "", opt_defs[i].arg ? opt_defs[i].arg : "");
		fprintf(f, "  %-26s %s\n", left, opt_defs[i].help);
	}
	fprintf(f, "\nImpairment flags before any --dir apply to both directions; after\n"
		"--dir D, to D only. Only directions named by --dir are impaired (both\n"
		"without --dir). Per segment: loss first; of the rest, corrupt, dup and\n"
		"reorder each by its own chance.\n");
}

static int bad(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "impair: --%s %s: %s\n", opt, arg, why);
	return -EINVAL;
}

/* "10%", "0.5%" or "10" (percent) -> [0, 1]. */
static int parse_pct(const char *opt, const char *arg, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || (*end && strcmp(end, "%")) || !isfinite(v) || v < 0 || v > 100)
		return bad(opt, arg, "want a percentage from 0% to 100%");
	*out = v / 100;
	return 0;
}

/* "10ms", "250us", "1s", "1500ns" or "10" (ms) -> ns. */
static int parse_time(const char *opt, const char *arg, uint64_t *out)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "", 1e6 }, { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	double v = strtod(arg, &end);

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (end == arg || strcmp(end, units[i].unit))
			continue;
		v *= units[i].ns;
		if (!isfinite(v) || v < 0 || v > (double)MAX_TIME_NS)
			break;
		*out = (uint64_t)v;
		return 0;
	}
	return bad(opt, arg, "want a time from 0 to 60s: 10ms, 500us, 1s (bare: ms)");
}

static int parse_uint(const char *opt, const char *arg, unsigned long long max,
		      unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (end == arg || *end || errno || v > max || arg[0] == '-')
		return bad(opt, arg, "want a non-negative integer in range");
	*out = v;
	return 0;
}

/* Applies one impairment flag to every direction in mask. */
static int set_dirs(struct xt_imp_opts *o, unsigned int mask, enum opt_id id,
		    const char *opt, const char *arg)
{
	double p = 0;
	uint64_t t = 0;
	int ret;

	if (id == OPT_LOSS || id == OPT_DUP || id == OPT_REORDER || id == OPT_CORRUPT)
		ret = parse_pct(opt, arg, &p);
	else
		ret = parse_time(opt, arg, &t);
	if (ret)
		return ret;
	for (int d = 0; d < XT_DIR_N; d++) {
		struct xt_imp_cfg *c = &o->cfg[d];

		if (!(mask & (1u << d)))
			continue;
		switch (id) {
		case OPT_LOSS: c->loss = p; break;
		case OPT_DUP: c->dup = p; break;
		case OPT_REORDER: c->reorder = p; break;
		case OPT_CORRUPT: c->corrupt = p; break;
		case OPT_DELAY: c->delay_ns = t; break;
		case OPT_JITTER: c->jitter_ns = t; break;
		case OPT_REORDER_GAP: c->reorder_gap_ns = t; break;
		default: return -EINVAL;
		}
	}
	return 0;
}

static int parse_dir(const char *arg, unsigned int *mask)
{
	if (!strcmp(arg, "in"))
		*mask = 1u << XT_DIR_IN;
	else if (!strcmp(arg, "out"))
		*mask = 1u << XT_DIR_OUT;
	else if (!strcmp(arg, "both"))
		*mask = (1u << XT_DIR_IN) | (1u << XT_DIR_OUT);
	else
		return bad("dir", arg, "want in, out or both");
	return 0;
}

static int parse_one(struct xt_imp_opts *o, enum opt_id id, const char *opt,
		     const char *arg, unsigned int *cur, unsigned int *named)
{
	unsigned long long v;
	int ret = 0;

	switch (id) {
	case OPT_NETNS:
		o->netns = arg;
		break;
	case OPT_DEV:
		if (!arg[0] || strlen(arg) >= sizeof(o->ifname))
			return bad(opt, arg, "not a device name");
		strcpy(o->ifname, arg);
		break;
	case OPT_DIR:
		ret = parse_dir(arg, cur);
		*named |= *cur;
		break;
	case OPT_PORT:
		ret = parse_uint(opt, arg, 65535, &v);
		o->port = (uint16_t)v;
		break;
	case OPT_SEED:
		ret = parse_uint(opt, arg, UINT64_MAX, &v);
		o->seed = v;
		o->seed_set = true;
		break;
	case OPT_STATS_EVERY:
		ret = parse_uint(opt, arg, 86400, &v);
		o->stats_every_s = (unsigned int)v;
		break;
	case OPT_QUEUE:
		ret = parse_uint(opt, arg, 65534, &v);
		o->queue_base = (uint16_t)v;
		break;
	case OPT_LIMIT:
		ret = parse_uint(opt, arg, 1000000, &v);
		if (ret == 0 && v == 0)
			return bad(opt, arg, "want at least 1");
		o->limit = (uint32_t)v;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_KEEP_OFFLOADS:
		o->keep_offloads = true;
		break;
	default:
		ret = set_dirs(o, *cur, id, opt, arg);
		break;
	}
	return ret;
}

int xt_opts_parse(struct xt_imp_opts *o, int argc, char **argv)
{
	const unsigned int both = (1u << XT_DIR_IN) | (1u << XT_DIR_OUT);
	struct option longopts[N_OPTS + 1];
	unsigned int cur = both, named = 0;
	int c, ret;

	*o = (struct xt_imp_opts){ .queue_base = DEFAULT_QUEUE_BASE,
				   .limit = DEFAULT_LIMIT };
	for (int d = 0; d < XT_DIR_N; d++)
		o->cfg[d].reorder_gap_ns = DEFAULT_REORDER_GAP_NS;
	for (size_t i = 0; i < N_OPTS; i++)
		longopts[i] = (struct option){ opt_defs[i].name,
					       opt_defs[i].arg ? required_argument : no_argument,
					       NULL, opt_defs[i].id };
	longopts[N_OPTS] = (struct option){ 0 };

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h' || c == OPT_HELP) {
			xt_opts_usage(stdout, argv[0]);
			return 1;
		}
		if (c == '?')
			return -EINVAL;		/* getopt said why */
		for (size_t i = 0; i < N_OPTS; i++) {
			if (opt_defs[i].id != (enum opt_id)c)
				continue;
			ret = parse_one(o, opt_defs[i].id, opt_defs[i].name, optarg,
					&cur, &named);
			if (ret)
				return ret;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "impair: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!o->ifname[0]) {
		fprintf(stderr, "impair: --dev IF is required\n");
		return -EINVAL;
	}
	if (!named)
		named = both;
	for (int d = 0; d < XT_DIR_N; d++)
		o->cfg[d].on = named & (1u << d);
	return 0;
}
