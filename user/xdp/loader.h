/* SPDX-License-Identifier: MIT */
/*
 * The XDP side as the daemon sees it: open the skeleton, attach with
 * libxdp, pin the maps under XT_PIN_ROOT/IF/, and undo all of it.
 */
#ifndef XTCP_LOADER_H
#define XTCP_LOADER_H

#include "xtcpd/config.h"

struct xt_loader;

/*
 * Attaches xtcp's program to ifname in the given mode (AUTO: native, else
 * skb with a warning), after removing what a crashed xtcpd left behind on
 * that interface. The program comes from the object file obj_path, or
 * from the copy built into xtcpd when obj_path is NULL. The conns and
 * conn_win maps get conns_cap entries (1 to XT_MAX_CONNS_LIMIT). Returns 0
 * or a negative errno, having logged why.
 */
int xt_loader_open(struct xt_loader **out, const char *ifname,
		   enum xt_xdp_mode mode, const char *obj_path,
		   uint32_t conns_cap);
/* Detaches, unpins and frees; NULL is fine. */
void xt_loader_close(struct xt_loader *ld);

int xt_loader_ifindex(const struct xt_loader *ld);
int xt_loader_listen_fd(const struct xt_loader *ld);
int xt_loader_ctl_fd(const struct xt_loader *ld);
int xt_loader_xsks_fd(const struct xt_loader *ld);
int xt_loader_dstats_fd(const struct xt_loader *ld);
int xt_loader_conns_fd(const struct xt_loader *ld);
int xt_loader_cookie_keys_fd(const struct xt_loader *ld);
int xt_loader_stats_fd(const struct xt_loader *ld);
int xt_loader_tap_ring_fd(const struct xt_loader *ld);
/* The conn_win array, mapped read-write; NULL and errno on failure. */
struct xt_conn_win *xt_loader_map_conn_win(const struct xt_loader *ld);
/* Entries in conns and in conn_win (the mapping's length, in entries). */
uint32_t xt_loader_conns_cap(const struct xt_loader *ld);
const char *xt_loader_mode_name(const struct xt_loader *ld);
/* 1: through libxdp's dispatcher; 0: attached alone (the fallback). */
int xt_loader_dispatcher(const struct xt_loader *ld);

/* The pin directory of an interface: XT_PIN_ROOT "/" ifname. */
int xt_pin_dir(char *buf, size_t len, const char *ifname);

#endif /* XTCP_LOADER_H */
