/* SPDX-License-Identifier: MIT */
/*
 * Leveled logging to stderr, one line per event, prefixed with the
 * program's name and the level: "xtcpd: warning: ...".
 */
#ifndef XTCP_LOG_H
#define XTCP_LOG_H

enum xt_log_level { XT_LOG_ERR, XT_LOG_WARN, XT_LOG_INFO, XT_LOG_DEBUG };

void xt_log_init(const char *progname, enum xt_log_level max);
/* "error", "warning", "info" or "debug": 0 and *level, or -1. */
int xt_log_level_parse(const char *name, enum xt_log_level *level);
int xt_log_enabled(enum xt_log_level level);
void xt_log(enum xt_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define xt_err(...)	xt_log(XT_LOG_ERR, __VA_ARGS__)
#define xt_warn(...)	xt_log(XT_LOG_WARN, __VA_ARGS__)
#define xt_info(...)	xt_log(XT_LOG_INFO, __VA_ARGS__)
#define xt_dbg(...)	do { if (xt_log_enabled(XT_LOG_DEBUG)) \
				xt_log(XT_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif /* XTCP_LOG_H */
