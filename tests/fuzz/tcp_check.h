/* SPDX-License-Identifier: MIT */
/*
 * The TCP engine's invariants, as fuzz_tcp.c checks them after every
 * poll. Each one that fails prints what it saw and abort()s, which
 * libFuzzer reports with the input that got there.
 */
#ifndef XTCP_TESTS_FUZZ_TCP_CHECK_H
#define XTCP_TESTS_FUZZ_TCP_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include "tcp/tcp.h"

void fz_fail(const char *file, int line, const char *what);

#define fz_require(ok)							\
	do {								\
		if (!(ok))						\
			fz_fail(__FILE__, __LINE__, #ok);		\
	} while (0)

/*
 * After a poll: the books (table, gauges, half-open count, no dead
 * connection left, no work pending), and for every connection its
 * sequence space, queue accounting and timers.
 */
void fz_check_stack(const struct xt_stack *st);

#endif /* XTCP_TESTS_FUZZ_TCP_CHECK_H */
