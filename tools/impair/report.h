/* SPDX-License-Identifier: MIT */
/* impair's counters, as text or as one JSON line. */
#ifndef XTCP_IMPAIR_REPORT_H
#define XTCP_IMPAIR_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "impair.h"

/*
 * Text: one line per direction that is on,
 *   impair: in seen 3000 dropped 301 duplicated 131 ... kernel_dropped 0
 * JSON: one line, both directions,
 *   {"event":"final","seed":1,"in":{"on":true,"seen":3000,...},"out":{...}}
 * event is "final" at exit and "stats" for --stats-every.
 */
void xt_report_print(FILE *f, bool json, const char *event, uint64_t seed,
		     const struct xt_imp_cfg cfg[XT_DIR_N],
		     const struct xt_imp_counters c[XT_DIR_N]);

/* "in: loss 10% dup 5% delay 10ms±5ms" and so on, for the ready line. */
void xt_report_cfg(FILE *f, const struct xt_imp_cfg *cfg);

#endif /* XTCP_IMPAIR_REPORT_H */
