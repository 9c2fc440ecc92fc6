/* SPDX-License-Identifier: MIT */
/*
 * The nftables table that sends one device's TCP segments to our queues.
 *
 *   table ip xtcp_impair_DEV {                     # owned by our socket
 *     chain in  { type filter hook prerouting priority -300;
 *                 meta mark MARK accept
 *                 iif DEV meta l4proto tcp [tcp sport|dport PORT]
 *                     counter NFQUEUE num Q_IN bypass }
 *     chain out { type filter hook output priority -300;
 *                 meta mark MARK accept
 *                 oif DEV meta l4proto tcp [tcp sport|dport PORT]
 *                     counter NFQUEUE num Q_OUT bypass }
 *   }
 *
 * This kernel has no nft `queue` expression (CONFIG_NFT_QUEUE unset), so the
 * verdict is xtables' NFQUEUE target through nft_compat, as iptables-nft
 * does. The table carries NFT_TABLE_F_OWNER: the kernel deletes it when the
 * socket that made it closes, so a crash (even SIGKILL) leaves no rule
 * behind. `bypass` lets segments through unqueued in the instant between
 * our queue going away and the table with it.
 */
#ifndef XTCP_IMPAIR_RULES_H
#define XTCP_IMPAIR_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include "impair.h"

#define XT_RULES_TABLE_MAX	64

struct xt_rules_cfg {
	const char *ifname;		/* only this device's segments */
	uint32_t ifindex;
	uint16_t port;			/* 0: any; else either port equal */
	uint32_t mark;			/* our own sends carry it: not queued */
	uint16_t queue[XT_DIR_N];
	bool on[XT_DIR_N];
};

struct xt_rules {
	struct mnl_socket *nl;		/* owns the table while open */
	uint32_t portid, seq;
	char table[XT_RULES_TABLE_MAX];
	bool added;
};

/* Deletes a table of the same name left by an earlier run, then adds
 * ours. Returns 0 or -errno (-EPERM: another live process owns it). */
int xt_rules_add(struct xt_rules *r, const struct xt_rules_cfg *cfg);
/* Deletes the table (if added) and closes the socket; NULL is fine. */
void xt_rules_del(struct xt_rules *r);

#endif /* XTCP_IMPAIR_RULES_H */
