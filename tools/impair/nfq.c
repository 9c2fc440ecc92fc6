// SPDX-License-Identifier: MIT
/*
 * NFQUEUE with libmnl and libnetfilter_queue's message helpers. Segments
 * are queued whole (copy range 0xffff) and one at a time: without
 * NFQA_CFG_F_GSO the kernel splits a GSO/GRO aggregate into its segments
 * before queueing, and computes a CHECKSUM_PARTIAL checksum in full, so
 * what we see is what the wire carries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include "nfq.h"

#define XT_NFQ_BATCH	32
#define COPY_RANGE	0xffff
/* A segment and its attributes, rounded up so that every buffer of the
 * batch starts aligned for struct nlmsghdr (UBSan caught an odd size). */
#define RX_BUF		((COPY_RANGE + 8192 + 7) & ~7)
#define TX_LIMIT	(256 * 1024)		/* verdict bytes per send */
#define TX_BUF		(TX_LIMIT + RX_BUF)	/* one message past the limit */
#define RCVBUF		(32 * 1024 * 1024)	/* bursts while we are busy */
#define QUEUE_PROC	"/proc/net/netfilter/nfnetlink_queue"

_Static_assert(RX_BUF % 8 == 0, "each RX buffer aligned for nlmsghdr");

/* Sends one config message with NLM_F_ACK and waits for the answer. */
static int config(struct xt_nfq *q, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(q->nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (mnl_cb_run(buf, (size_t)n, 0, q->portid, NULL, NULL) < 0)
		return -errno;
	return 0;
}

static int bind_queue(struct xt_nfq *q, uint16_t queue, uint32_t maxlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	ret = config(q, nlh);
	if (ret)
		return ret;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, maxlen);
	return config(q, nlh);
}

int xt_nfq_open(struct xt_nfq *q, const uint16_t queue[XT_DIR_N],
		const bool on[XT_DIR_N], uint32_t maxlen)
{
	int one = 1, rcvbuf = RCVBUF, ret, d;

	*q = (struct xt_nfq){ 0 };
	q->rx = malloc((size_t)XT_NFQ_BATCH * RX_BUF);
	q->tx = malloc(TX_BUF);
	q->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!q->rx || !q->tx || !q->nl) {
		ret = q->nl ? -ENOMEM : -errno;
		goto fail;
	}
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto fail;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	/* A full socket makes the kernel drop (and count) the segment; that
	 * is reported, not an error on every later read. */
	setsockopt(xt_nfq_fd(q), SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	if (setsockopt(xt_nfq_fd(q), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(xt_nfq_fd(q), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	for (d = 0; d < XT_DIR_N; d++) {
		q->queue[d] = queue[d];
		if (!on[d])
			continue;
		ret = bind_queue(q, queue[d], maxlen);
		if (ret)
			goto fail;
		q->bound[d] = true;
	}
	q->txb = mnl_nlmsg_batch_start(q->tx, TX_LIMIT);
	if (!q->txb) {
		ret = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	xt_nfq_close(q);
	return ret;
}

void xt_nfq_close(struct xt_nfq *q)
{
	if (!q)
		return;
	/* Closing the socket unbinds its queues; the kernel drops what they
	 * still hold, so callers flush their verdicts first. */
	if (q->txb)
		mnl_nlmsg_batch_stop(q->txb);
	if (q->nl)
		mnl_socket_close(q->nl);
	free(q->rx);
	free(q->tx);
	*q = (struct xt_nfq){ 0 };
}

int xt_nfq_fd(const struct xt_nfq *q)
{
	return mnl_socket_get_fd(q->nl);
}

static int dir_of(const struct xt_nfq *q, uint16_t queue)
{
	for (int d = 0; d < XT_DIR_N; d++)
		if (q->bound[d] && q->queue[d] == queue)
			return d;
	return -1;
}

/* One NFQNL_MSG_PACKET: its direction, id and bytes, all bounds-checked
 * by nfq_nlmsg_parse's attribute validation. */
static void handle_msg(struct xt_nfq *q, const struct nlmsghdr *nlh,
		       xt_nfq_cb cb, void *arg)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	struct nfgenmsg *nfg;
	struct xt_nfq_pkt pkt;
	uint32_t cap_len;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		q->errors++;	/* a verdict for an id the kernel no longer has */
		return;
	}
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_QUEUE ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFQNL_MSG_PACKET)
		return;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg) ||
	    nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR] ||
	    !attr[NFQA_PAYLOAD] ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph))
		return;
	nfg = mnl_nlmsg_get_payload(nlh);
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	pkt.dir = dir_of(q, ntohs(nfg->res_id));
	if (pkt.dir < 0)
		return;
	pkt.id = ntohl(ph->packet_id);
	pkt.data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	pkt.len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	cap_len = attr[NFQA_CAP_LEN] ? ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN]))
				     : (uint32_t)pkt.len;
	pkt.whole = cap_len == pkt.len;
	cb(arg, &pkt);
}

int xt_nfq_recv(struct xt_nfq *q, xt_nfq_cb cb, void *arg)
{
	struct mmsghdr msgs[XT_NFQ_BATCH];
	struct iovec iov[XT_NFQ_BATCH];
	int n, i;

	for (i = 0; i < XT_NFQ_BATCH; i++) {
		iov[i] = (struct iovec){ q->rx + (size_t)i * RX_BUF, RX_BUF };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i],
							  .msg_iovlen = 1 } };
	}
	n = recvmmsg(xt_nfq_fd(q), msgs, XT_NFQ_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		const struct nlmsghdr *nlh = iov[i].iov_base;
		int len = (int)msgs[i].msg_len;

		/* A datagram cut short would leave its segment without a
		 * verdict; RX_BUF holds the largest the copy range allows. */
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			q->errors++;
			continue;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			handle_msg(q, nlh, cb, arg);
	}
	return n;
}

int xt_nfq_verdict(struct xt_nfq *q, int dir, uint32_t id, int verdict,
		   const void *data, size_t len)
{
	struct nlmsghdr *nlh;

	if (len > COPY_RANGE)
		return -EMSGSIZE;
	nlh = nfq_nlmsg_put(mnl_nlmsg_batch_current(q->txb), NFQNL_MSG_VERDICT,
			    q->queue[dir]);
	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	if (data)
		nfq_nlmsg_verdict_put_pkt(nlh, data, (uint32_t)len);
	if (mnl_nlmsg_batch_next(q->txb))
		return 0;
	/* Past the limit: send what came before; reset keeps this one. */
	return xt_nfq_flush(q);
}

int xt_nfq_flush(struct xt_nfq *q)
{
	size_t size = mnl_nlmsg_batch_size(q->txb);
	int ret = 0;

	if (size && mnl_socket_sendto(q->nl, mnl_nlmsg_batch_head(q->txb), size) < 0)
		ret = -errno;
	mnl_nlmsg_batch_reset(q->txb);
	return ret;
}

int xt_nfq_kernel_drops(const struct xt_nfq *q, int dir, uint64_t *drops)
{
	unsigned int num, portid, total, mode, range, qdrop, udrop;
	char line[256];
	FILE *f;
	int ret = -ENOENT;

	if (!q->bound[dir])
		return -ENOENT;
	f = fopen(QUEUE_PROC, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u %u %u %u %u %u", &num, &portid, &total,
			   &mode, &range, &qdrop, &udrop) != 7)
			continue;
		if (num == q->queue[dir] && portid == q->portid) {
			*drops = (uint64_t)qdrop + udrop;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}
