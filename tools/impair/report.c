// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include "report.h"

const char *const xt_dir_name[XT_DIR_N] = { "in", "out" };

static void print_json(FILE *f, const char *event, uint64_t seed,
		       const struct xt_imp_cfg cfg[XT_DIR_N],
		       const struct xt_imp_counters c[XT_DIR_N])
{
	fprintf(f, "{\"event\":\"%s\",\"seed\":%" PRIu64, event, seed);
	for (int d = 0; d < XT_DIR_N; d++) {
		fprintf(f, ",\"%s\":{\"on\":%s", xt_dir_name[d],
			cfg[d].on ? "true" : "false");
#define XT_IMP_JSON(name) fprintf(f, ",\"" #name "\":%" PRIu64, c[d].name);
		XT_IMP_COUNTERS(XT_IMP_JSON)
#undef XT_IMP_JSON
		fputc('}', f);
	}
	fputs("}\n", f);
}

void xt_report_print(FILE *f, bool json, const char *event, uint64_t seed,
		     const struct xt_imp_cfg cfg[XT_DIR_N],
		     const struct xt_imp_counters c[XT_DIR_N])
{
	if (json) {
		print_json(f, event, seed, cfg, c);
	} else {
		for (int d = 0; d < XT_DIR_N; d++) {
			if (!cfg[d].on)
				continue;
			fprintf(f, "impair: %s", xt_dir_name[d]);
#define XT_IMP_TEXT(name) fprintf(f, " " #name " %" PRIu64, c[d].name);
			XT_IMP_COUNTERS(XT_IMP_TEXT)
#undef XT_IMP_TEXT
			fputc('\n', f);
		}
	}
	fflush(f);
}

static void pct(FILE *f, const char *what, double p)
{
	if (p > 0)
		fprintf(f, " %s %g%%", what, p * 100);
}

static void ms(FILE *f, const char *what, uint64_t ns)
{
	fprintf(f, " %s %gms", what, (double)ns / NS_PER_MS);
}

void xt_report_cfg(FILE *f, const struct xt_imp_cfg *cfg)
{
	pct(f, "loss", cfg->loss);
	pct(f, "dup", cfg->dup);
	pct(f, "corrupt", cfg->corrupt);
	pct(f, "reorder", cfg->reorder);
	if (cfg->reorder > 0)
		ms(f, "gap", cfg->reorder_gap_ns);
	if (cfg->delay_ns || cfg->jitter_ns)
		ms(f, "delay", cfg->delay_ns);
	if (cfg->jitter_ns)
		ms(f, "jitter", cfg->jitter_ns);
}
