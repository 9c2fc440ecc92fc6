// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "common/log.h"

static const char *const level_names[] = {
	[XT_LOG_ERR] = "error", [XT_LOG_WARN] = "warning",
	[XT_LOG_INFO] = "info", [XT_LOG_DEBUG] = "debug",
};

static const char *log_prog = "xtcp";
static enum xt_log_level log_max = XT_LOG_INFO;

void xt_log_init(const char *progname, enum xt_log_level max)
{
	log_prog = progname;
	log_max = max;
}

int xt_log_level_parse(const char *name, enum xt_log_level *level)
{
	for (int i = XT_LOG_ERR; i <= XT_LOG_DEBUG; i++)
		if (!strcmp(name, level_names[i])) {
			*level = (enum xt_log_level)i;
			return 0;
		}
	return -1;
}

int xt_log_enabled(enum xt_log_level level)
{
	return level <= log_max;
}

void xt_log(enum xt_log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!xt_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so lines from several workers do not mix. */
	fprintf(stderr, "%s: %s: %s\n", log_prog, level_names[level], line);
}
