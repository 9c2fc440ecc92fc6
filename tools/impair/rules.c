// SPDX-License-Identifier: MIT
/*
 * The table is built with libnftnl and sent as one nfnetlink batch, so it
 * appears whole or not at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include "rules.h"

/* Before the kernel's own hooks at "raw" priority (-300) and conntrack
 * (-200): we see segments as they are on the wire. */
#define CHAIN_PRIO	(-300)
#define NFQUEUE_REV	3
#define XT_ALIGN8(n)	(((n) + 7) & ~(size_t)7)	/* x_tables' XT_ALIGN */
#define BATCH_BYTES	(64 * 1024)

static const char *const chain_name[XT_DIR_N] = { "in", "out" };
static const uint32_t chain_hook[XT_DIR_N] = { NF_INET_PRE_ROUTING,
					       NF_INET_LOCAL_OUT };
static const uint32_t dev_key[XT_DIR_N] = { NFT_META_IIF, NFT_META_OIF };

/* --- one nfnetlink batch ------------------------------------------------ */

struct batch {
	struct mnl_nlmsg_batch *b;
	char buf[2 * BATCH_BYTES];	/* room for one message past the limit */
	int overflow;
};

static char *batch_cur(struct batch *bt)
{
	return mnl_nlmsg_batch_current(bt->b);
}

static void batch_next(struct batch *bt)
{
	/* Our table is a few hundred bytes; past the limit is a bug. */
	if (!mnl_nlmsg_batch_next(bt->b))
		bt->overflow = 1;
}

static void batch_open(struct batch *bt, struct xt_rules *r)
{
	bt->overflow = 0;
	bt->b = mnl_nlmsg_batch_start(bt->buf, BATCH_BYTES);
	nftnl_batch_begin(batch_cur(bt), r->seq++);
	batch_next(bt);
}

/* Sends the batch, the last message carrying NLM_F_ACK, and returns the
 * first error the kernel reports for it, or 0. */
static int batch_send(struct batch *bt, struct xt_rules *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int ret;

	nftnl_batch_end(batch_cur(bt), r->seq++);
	batch_next(bt);
	if (bt->overflow) {
		ret = -EMSGSIZE;
		goto out;
	}
	if (mnl_socket_sendto(r->nl, mnl_nlmsg_batch_head(bt->b),
			      mnl_nlmsg_batch_size(bt->b)) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		/* seq 0: accept acks for any message of the batch. */
		ret = mnl_cb_run(buf, (size_t)n, 0, r->portid, NULL, NULL);
		if (ret < 0) {
			ret = -errno;
			goto out;
		}
	} while (ret > 0);
	ret = 0;
out:
	mnl_nlmsg_batch_stop(bt->b);
	return ret;
}

/* Puts the last message of a batch under NLM_F_ACK. */
static void want_ack(char *msg)
{
	((struct nlmsghdr *)msg)->nlmsg_flags |= NLM_F_ACK;
}

/* --- expressions ------------------------------------------------------------ */

static int add_expr(struct nftnl_rule *rule, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(rule, e);
	return 0;
}

static int add_meta(struct nftnl_rule *rule, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return add_expr(rule, e);
}

static int add_payload(struct nftnl_rule *rule, uint32_t base, uint32_t off,
		       uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return add_expr(rule, e);
}

static int add_cmp_eq(struct nftnl_rule *rule, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return add_expr(rule, e);
}

static int add_accept(struct nftnl_rule *rule)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	}
	return add_expr(rule, e);
}

/* xtables' NFQUEUE target, revision 3, through nft_compat. */
static int add_nfqueue(struct nftnl_rule *rule, uint16_t queue)
{
	size_t len = XT_ALIGN8(sizeof(struct xt_NFQ_info_v3));
	struct xt_NFQ_info_v3 *info = calloc(1, len);
	struct nftnl_expr *e = nftnl_expr_alloc("target");

	if (!info || !e) {
		free(info);
		nftnl_expr_free(e);
		return -ENOMEM;
	}
	info->queuenum = queue;
	info->queues_total = 1;
	info->flags = NFQ_FLAG_BYPASS;
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, NFQUEUE_REV);
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, (uint32_t)len); /* owns info */
	return add_expr(rule, e);
}

/* --- rules ------------------------------------------------------------------- */

/* port_off: -1 for no port match, else the offset of the TCP port field. */
static int build_queue_rule(struct nftnl_rule *rule, const struct xt_rules_cfg *c,
			    int dir, int port_off)
{
	uint8_t tcp = IPPROTO_TCP;
	uint16_t port = htons(c->port);
	int ret;

	ret = add_meta(rule, dev_key[dir]);
	ret = ret ?: add_cmp_eq(rule, &c->ifindex, sizeof(c->ifindex));
	ret = ret ?: add_meta(rule, NFT_META_L4PROTO);
	ret = ret ?: add_cmp_eq(rule, &tcp, sizeof(tcp));
	if (port_off >= 0) {
		ret = ret ?: add_payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER,
					 (uint32_t)port_off, sizeof(port));
		ret = ret ?: add_cmp_eq(rule, &port, sizeof(port));
	}
	ret = ret ?: add_expr(rule, nftnl_expr_alloc("counter"));
	return ret ?: add_nfqueue(rule, c->queue[dir]);
}

static int build_mark_rule(struct nftnl_rule *rule, const struct xt_rules_cfg *c)
{
	int ret = add_meta(rule, NFT_META_MARK);

	ret = ret ?: add_cmp_eq(rule, &c->mark, sizeof(c->mark));
	return ret ?: add_accept(rule);
}

/* kind: 0 the mark rule; 1 the queue rule (source port, or any port);
 * 2 the queue rule on the destination port. */
static int put_rule(struct batch *bt, struct xt_rules *r,
		    const struct xt_rules_cfg *c, int dir, int kind)
{
	struct nftnl_rule *rule = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret;

	if (!rule)
		return -ENOMEM;
	nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, r->table);
	nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, chain_name[dir]);
	nftnl_rule_set_u32(rule, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	if (kind == 0)
		ret = build_mark_rule(rule, c);
	else
		ret = build_queue_rule(rule, c, dir,
				       !c->port ? -1 : kind == 1 ? 0 : 2);
	if (ret == 0) {
		nlh = nftnl_rule_nlmsg_build_hdr(batch_cur(bt), NFT_MSG_NEWRULE,
						 NFPROTO_IPV4,
						 NLM_F_CREATE | NLM_F_APPEND,
						 r->seq++);
		nftnl_rule_nlmsg_build_payload(nlh, rule);
		batch_next(bt);
	}
	nftnl_rule_free(rule);
	return ret;
}

static int put_chain(struct batch *bt, struct xt_rules *r, int dir)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!ch)
		return -ENOMEM;
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, r->table);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, chain_name[dir]);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, chain_hook[dir]);
	nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, CHAIN_PRIO);
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = nftnl_chain_nlmsg_build_hdr(batch_cur(bt), NFT_MSG_NEWCHAIN,
					  NFPROTO_IPV4, NLM_F_CREATE, r->seq++);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	batch_next(bt);
	nftnl_chain_free(ch);
	return 0;
}

/* NEWTABLE or DELTABLE for r->table, as the batch's next message. */
static int put_table(struct batch *bt, struct xt_rules *r, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, r->table);
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	nlh = nftnl_table_nlmsg_build_hdr(batch_cur(bt), type, NFPROTO_IPV4,
					  type == NFT_MSG_NEWTABLE ? NLM_F_CREATE | NLM_F_EXCL : 0,
					  r->seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	batch_next(bt);
	nftnl_table_free(t);
	return 0;
}

static int delete_table(struct xt_rules *r)
{
	struct batch *bt = malloc(sizeof(*bt));
	char *last;
	int ret;

	if (!bt)
		return -ENOMEM;
	batch_open(bt, r);
	last = batch_cur(bt);
	ret = put_table(bt, r, NFT_MSG_DELTABLE);
	if (ret == 0) {
		want_ack(last);
		ret = batch_send(bt, r);
	}
	free(bt);
	return ret;
}

static int create_table(struct xt_rules *r, const struct xt_rules_cfg *c)
{
	struct batch *bt = malloc(sizeof(*bt));
	char *last = NULL;
	int ret, dir, kind;

	if (!bt)
		return -ENOMEM;
	batch_open(bt, r);
	ret = put_table(bt, r, NFT_MSG_NEWTABLE);
	for (dir = 0; dir < XT_DIR_N && ret == 0; dir++) {
		if (!c->on[dir])
			continue;
		ret = put_chain(bt, r, dir);
		for (kind = 0; kind <= (c->port ? 2 : 1) && ret == 0; kind++) {
			last = batch_cur(bt);
			ret = put_rule(bt, r, c, dir, kind);
		}
	}
	if (ret == 0 && last) {
		want_ack(last);
		ret = batch_send(bt, r);
	} else if (ret == 0) {
		ret = -EINVAL;		/* no direction on: nothing to queue */
	}
	free(bt);
	return ret;
}

int xt_rules_add(struct xt_rules *r, const struct xt_rules_cfg *c)
{
	int ret;

	*r = (struct xt_rules){ .seq = (uint32_t)time(NULL) };
	if (snprintf(r->table, sizeof(r->table), "xtcp_impair_%s", c->ifname) >=
	    (int)sizeof(r->table))
		return -ENAMETOOLONG;
	r->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!r->nl)
		return -errno;
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto fail;
	}
	r->portid = mnl_socket_get_portid(r->nl);

	/* Left by a run that could not close its socket: only possible on a
	 * kernel without owner flags, or when the owner is still alive. */
	ret = delete_table(r);
	if (ret && ret != -ENOENT)
		goto fail;
	ret = create_table(r, c);
	if (ret)
		goto fail;
	r->added = true;
	return 0;
fail:
	mnl_socket_close(r->nl);
	r->nl = NULL;
	return ret;
}

void xt_rules_del(struct xt_rules *r)
{
	if (!r || !r->nl)
		return;
	if (r->added)
		delete_table(r);	/* closing the socket would, too */
	r->added = false;
	mnl_socket_close(r->nl);
	r->nl = NULL;
}
