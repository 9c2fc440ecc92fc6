// SPDX-License-Identifier: MIT
/*
 * open -> clean what a crash left -> attach (libxdp) -> pin maps.
 *
 * libxdp loads the skeleton's bpf_object itself (through its dispatcher
 * where bpffs and the kernel allow, or as the interface's only program
 * otherwise), so the skeleton is only opened here, never loaded directly.
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "common/log.h"
#include "xdp/loader.h"
#include "xtcp.skel.h"

#define BPFFS_MOUNT	"/sys/fs/bpf"
#define XTCP_PROG_NAME	"xtcp_xdp"

struct xt_loader {
	struct xtcp_bpf *skel;
	void *obj_buf;			/* the object file's bytes, if one */
	struct xdp_program *prog;
	enum xdp_attach_mode mode;
	int ifindex;
	uint32_t conns_cap;		/* entries in conns and conn_win */
	char ifname[IF_NAMESIZE];
	char pin_dir[PATH_MAX];
	int pinned;
	int dispatcher;			/* attached through libxdp's dispatcher */
};

int xt_pin_dir(char *buf, size_t len, const char *ifname)
{
	int n = snprintf(buf, len, "%s/%s", XT_PIN_ROOT, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * libbpf and libxdp narrate every load (libxdp's dispatcher check fails on
 * some kernels and falls back to a plain attach, loudly): keep that for
 * -v. Failures that matter are reported by xtcpd itself.
 */
static int lib_print(const char *fmt, va_list ap)
{
	if (!xt_log_enabled(XT_LOG_DEBUG))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	return lib_print(fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	return lib_print(fmt, ap);
}

/* A fresh machine may have no bpffs: mount one, as bpftool does. */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs(BPFFS_MOUNT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_MOUNT, "bpf", 0, "mode=0700")) {
		xt_err("cannot mount bpffs at %s: %s", BPFFS_MOUNT,
		       strerror(errno));
		return -errno;
	}
	xt_info("mounted bpffs at %s", BPFFS_MOUNT);
	return 0;
}

static void unpin_dir(const char *dir)
{
	struct dirent *de;
	char path[PATH_MAX];
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) <
		    (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int prog_is_ours(struct xdp_program *p)
{
	return p && !strcmp(xdp_program__name(p), XTCP_PROG_NAME);
}

/*
 * A previous xtcpd killed with SIGKILL leaves its program attached and its
 * maps pinned. Remove both; refuse to touch anyone else's program.
 */
static int clean_stale(struct xt_loader *ld)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ld->ifindex);
	struct xdp_program *p = NULL;
	int ret = 0, found = 0, others = 0;

	unpin_dir(ld->pin_dir);
	if (libxdp_get_error(mp))
		return 0;	/* nothing attached */
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		found = prog_is_ours(p);
		others = !found;
	} else {
		while ((p = xdp_multiprog__next_prog(p, mp))) {
			found |= prog_is_ours(p);
			others |= !prog_is_ours(p);
		}
	}
	if (others) {
		xt_err("%s already runs another XDP program; detach it first "
		       "(xdp-loader status %s)", ld->ifname, ld->ifname);
		ret = -EBUSY;
	} else if (found) {
		xt_warn("removing a stale xtcp program from %s", ld->ifname);
		ret = xdp_multiprog__detach(mp);
		if (ret)
			xt_err("cannot detach the stale program: %s",
			       strerror(-ret));
	}
	xdp_multiprog__close(mp);
	return ret;
}

static int attach(struct xt_loader *ld, enum xt_xdp_mode want)
{
	int ret;

	ld->prog = xdp_program__from_bpf_obj(ld->skel->obj, "xdp");
	ret = libxdp_get_error(ld->prog);
	if (ret) {
		ld->prog = NULL;
		xt_err("cannot use the XDP object: %s", strerror(-ret));
		return ret;
	}
	ld->mode = want == XT_XDP_MODE_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	ret = xdp_program__attach(ld->prog, ld->ifindex, ld->mode, 0);
	if (ret && want == XT_XDP_MODE_AUTO) {
		xt_warn("native XDP failed on %s (%s); using skb mode, which is "
			"slower", ld->ifname, strerror(-ret));
		ld->mode = XDP_MODE_SKB;
		ret = xdp_program__attach(ld->prog, ld->ifindex, ld->mode, 0);
	}
	if (ret) {
		xt_err("cannot attach XDP to %s: %s (-v shows libbpf's log)",
		       ld->ifname, strerror(-ret));
		ld->mode = XDP_MODE_UNSPEC;
	}
	return ret;
}

/*
 * Whether libxdp attached through its dispatcher (other programs can share
 * the interface) or, when the dispatcher cannot load (libxdp 1.3.1 fails
 * its compatibility check with EPERM on some kernels, or
 * LIBXDP_SKIP_DISPATCHER is set), as the interface's only program.
 */
static void report_attach(struct xt_loader *ld)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ld->ifindex);

	if (libxdp_get_error(mp)) {
		xt_warn("attached to %s, but libxdp cannot read it back", ld->ifname);
		return;
	}
	ld->dispatcher = !xdp_multiprog__is_legacy(mp);
	if (ld->dispatcher)
		xt_info("attached to %s in %s mode through libxdp's dispatcher: "
			"other XDP programs can share it (xdp-loader status %s)",
			ld->ifname, xt_loader_mode_name(ld), ld->ifname);
	else
		xt_info("attached to %s in %s mode alone: libxdp's dispatcher did "
			"not load here (-v says why), so no other XDP program can "
			"share %s", ld->ifname, xt_loader_mode_name(ld), ld->ifname);
	xdp_multiprog__close(mp);
}

static int pin_maps(struct xt_loader *ld)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	int ret;

	if (mkdir(XT_PIN_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(ld->pin_dir, 0700) && errno != EEXIST)
		return -errno;
	ld->pinned = 1;
	bpf_object__for_each_map(map, ld->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", ld->pin_dir,
			     bpf_map__name(map)) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		ret = bpf_map__pin(map, path);
		if (ret) {
			xt_err("cannot pin %s: %s", path, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The whole file, malloc'ed; NULL with errno. */
static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
			errno = EIO;
		}
		*len = (size_t)n;
	} else {
		errno = EINVAL;
	}
	fclose(f);
	return buf;
}

/*
 * The skeleton over the object file at path (the installed one, which
 * may be newer than the copy built into xtcpd), or over that built-in
 * copy when path is NULL. libbpf reads the bytes in place: they live as
 * long as the skeleton.
 */
static int open_object(struct xt_loader *ld, const char *path)
{
	size_t len = 0;
	int ret;

	if (!path) {
		ld->skel = xtcp_bpf__open();
		if (!ld->skel) {
			xt_err("cannot open the XDP object: %s", strerror(errno));
			return -errno;
		}
		return 0;
	}
	ld->obj_buf = read_file(path, &len);
	ld->skel = calloc(1, sizeof(*ld->skel));
	if (!ld->obj_buf || !ld->skel) {
		xt_err("cannot read the XDP object %s: %s", path, strerror(errno));
		return -errno;
	}
	ret = xtcp_bpf__create_skeleton(ld->skel);
	if (!ret) {
		ld->skel->skeleton->data = ld->obj_buf;
		ld->skel->skeleton->data_sz = len;
		ret = bpf_object__open_skeleton(ld->skel->skeleton, NULL);
	}
	if (ret) {
		xt_err("%s is not an xtcp XDP object this xtcpd can use: %s",
		       path, strerror(-ret));
		return ret;
	}
	xt_info("XDP object: %s", path);
	return 0;
}

/* Before the load: the per-connection maps hold conns_cap entries. */
static int size_maps(struct xt_loader *ld, uint32_t conns_cap)
{
	int ret;

	if (!conns_cap || conns_cap > XT_MAX_CONNS_LIMIT)
		return -EINVAL;
	ret = bpf_map__set_max_entries(ld->skel->maps.conns, conns_cap);
	if (!ret)
		ret = bpf_map__set_max_entries(ld->skel->maps.conn_win,
					       conns_cap);
	if (ret) {
		xt_err("cannot size the conns maps to %u: %s", conns_cap,
		       strerror(-ret));
		return ret;
	}
	ld->conns_cap = conns_cap;
	return 0;
}

int xt_loader_open(struct xt_loader **out, const char *ifname,
		   enum xt_xdp_mode mode, const char *obj_path,
		   uint32_t conns_cap)
{
	struct xt_loader *ld = calloc(1, sizeof(*ld));
	int ret;

	*out = NULL;
	if (!ld)
		return -ENOMEM;
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	snprintf(ld->ifname, sizeof(ld->ifname), "%s", ifname);
	ld->ifindex = (int)if_nametoindex(ifname);
	if (!ld->ifindex) {
		ret = -ENODEV;
		xt_err("no interface '%s' here", ifname);
		goto cleanup;
	}
	ret = xt_pin_dir(ld->pin_dir, sizeof(ld->pin_dir), ifname);
	if (!ret)
		ret = ensure_bpffs();
	if (!ret)
		ret = clean_stale(ld);
	if (ret)
		goto cleanup;
	ret = open_object(ld, obj_path);
	if (!ret)
		ret = size_maps(ld, conns_cap);
	if (ret)
		goto cleanup;
	ret = attach(ld, mode);
	if (!ret) {
		report_attach(ld);
		ret = pin_maps(ld);
	}
	if (ret)
		goto cleanup;
	*out = ld;
	return 0;
cleanup:
	xt_loader_close(ld);
	return ret;
}

void xt_loader_close(struct xt_loader *ld)
{
	int ret;

	if (!ld)
		return;
	if (ld->prog && ld->mode != XDP_MODE_UNSPEC) {
		ret = xdp_program__detach(ld->prog, ld->ifindex, ld->mode, 0);
		if (ret)
			xt_warn("detaching XDP from %s: %s", ld->ifname,
				strerror(-ret));
		else
			xt_info("detached from %s", ld->ifname);
	}
	if (ld->pinned) {
		unpin_dir(ld->pin_dir);
		xt_info("removed %s", ld->pin_dir);
	}
	xdp_program__close(ld->prog);
	xtcp_bpf__destroy(ld->skel);
	free(ld->obj_buf);
	free(ld);
}

int xt_loader_ifindex(const struct xt_loader *ld)
{
	return ld->ifindex;
}

int xt_loader_listen_fd(const struct xt_loader *ld)
{
	return bpf_map__fd(ld->skel->maps.listen_ports);
}

int xt_loader_ctl_fd(const struct xt_loader *ld)
{
	return bpf_map__fd(ld->skel->maps.ctl);
}

int xt_loader_xsks_fd(const struct xt_loader *ld)
{
	return bpf_map__fd(ld->skel->maps.xsks);
}

int xt_loader_dstats_fd(const struct xt_loader *ld)
{
	return bpf_map__fd(ld->skel->maps.dstats);
}

int xt_loader_conns_fd(const struct xt_loader *ld)
{
	return bpf_map__fd(ld->skel->maps.conns);
}

int xt_loader_cookie_keys_fd(const struct xt_loader *ld)
{
	return bpf_map__fd(ld->skel->maps.cookie_keys);
}

int xt_loader_stats_fd(const struct xt_loader *ld)
{
	return bpf_map__fd(ld->skel->maps.stats);
}

int xt_loader_tap_ring_fd(const struct xt_loader *ld)
{
	return bpf_map__fd(ld->skel->maps.tap_ring);
}

struct xt_conn_win *xt_loader_map_conn_win(const struct xt_loader *ld)
{
	size_t len = (size_t)ld->conns_cap * sizeof(struct xt_conn_win);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(ld->skel->maps.conn_win), 0);

	return p == MAP_FAILED ? NULL : p;
}

uint32_t xt_loader_conns_cap(const struct xt_loader *ld)
{
	return ld->conns_cap;
}

int xt_loader_dispatcher(const struct xt_loader *ld)
{
	return ld->dispatcher;
}

const char *xt_loader_mode_name(const struct xt_loader *ld)
{
	return ld->mode == XDP_MODE_SKB ? "skb" : "native";
}
