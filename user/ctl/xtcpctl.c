// SPDX-License-Identifier: MIT
/* xtcpctl: read what a running xtcpd publishes under XT_PIN_ROOT. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "ctl/stats.h"
#include "xdp/loader.h"

#define EXIT_USAGE	2

static void usage(FILE *out)
{
	fprintf(out,
"usage: xtcpctl [--iface IF] [--json] stats\n"
"\n"
"  stats     XDP verdict counters (summed over CPUs), connections per\n"
"            state and TCP counters (summed over workers)\n"
"  --iface   the interface xtcpd serves (default: the only one running)\n"
"  --json    one JSON object instead of name/value lines\n");
}

/* The only interface under XT_PIN_ROOT, when --iface is not given. */
static int find_only_iface(char *ifname, size_t len)
{
	DIR *d = opendir(XT_PIN_ROOT);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -ENOENT;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && n++ == 0)
			snprintf(ifname, len, "%s", de->d_name);
	closedir(d);
	return n == 1 ? 0 : n ? -EEXIST : -ENOENT;
}

int main(int argc, char **argv)
{
	char ifname[NAME_MAX + 1] = "", pin_dir[PATH_MAX];
	const char *cmd = NULL;
	int json = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iface") && i + 1 < argc)
			snprintf(ifname, sizeof(ifname), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!cmd && argv[i][0] != '-')
			cmd = argv[i];
		else {
			fprintf(stderr, "xtcpctl: unexpected '%s'; see xtcpctl --help\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!cmd || strcmp(cmd, "stats")) {
		fprintf(stderr, "xtcpctl: %s; see xtcpctl --help\n",
			cmd ? "unknown command" : "no command given");
		return EXIT_USAGE;
	}
	if (!ifname[0] && (ret = find_only_iface(ifname, sizeof(ifname)))) {
		fprintf(stderr, "xtcpctl: %s; name one with --iface\n",
			ret == -EEXIST ? "xtcpd serves several interfaces" :
			"no xtcpd is running (nothing under " XT_PIN_ROOT ")");
		return 1;
	}
	if (xt_pin_dir(pin_dir, sizeof(pin_dir), ifname))
		return EXIT_USAGE;
	ret = ctl_stats(stdout, pin_dir, json);
	if (ret) {
		fprintf(stderr, "xtcpctl: cannot read %s/stats: %s\n", pin_dir,
			strerror(-ret));
		return 1;
	}
	return 0;
}
