// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include "common/log.h"

static const char *log_prog = "xtcp";
static enum xt_log_level log_max = XT_LOG_INFO;

void xt_log_init(const char *progname, enum xt_log_level max)
{
	log_prog = progname;
	log_max = max;
}

int xt_log_enabled(enum xt_log_level level)
{
	return level <= log_max;
}

void xt_log(enum xt_log_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "" };
	char line[512];
	va_list ap;

	if (!xt_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so lines from several workers do not mix. */
	fprintf(stderr, "%s: %s%s\n", log_prog, tag[level], line);
}
