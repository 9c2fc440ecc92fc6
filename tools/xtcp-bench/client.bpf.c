// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * xtcp-bench's client side, on the client's interface. Three jobs:
 *
 *  - the `xdp` engine's crr client: every segment of a benchmark
 *    connection is answered here, none goes through the kernel's TCP.
 *    Per slot: SYN-ACK -> ACK + request; response -> FIN-ACK; server's FIN
 *    -> last ACK, and (closed loop) the slot's next SYN. Frames the server
 *    sends: 3; frames the client sends: 4, so the last one is cloned:
 *    the ACK is broadcast to both entries of `fanout` (this interface
 *    twice), whose egress program xb_fanout turns the second copy into
 *    the next SYN.
 *  - SYN-ACKs (and RSTs) sent to flood sources are counted and dropped, so
 *    counting them costs the client nothing but this.
 *  - everything else passes (ARP, the kernel engine's sockets, ssh...).
 *
 * xb_gen_syn and xb_gen_flood are not attached: userspace runs them with
 * BPF_PROG_RUN in live-frames mode, each run sending one SYN out of this
 * interface (a slot's first, or a flood SYN from a random source).
 *
 *   xb_client() -> xb_flood_reply()
 *               -> xb_crr() -> xb_on_synack() / xb_on_data() / xb_on_fin()
 *                              / xb_on_ack() -> xb_start_next()
 */
#include "pkt.bpf.h"
#include "maps.bpf.h"

/* Set by userspace before load (network order where it says __be). */
const volatile __be32 cfg_server_ip;
const volatile __u16 cfg_server_port;
const volatile __u16 cfg_flood_port;
const volatile __be32 cfg_own_ip;
const volatile __u32 cfg_pool_base;	/* host order */
const volatile __u32 cfg_pool_count = 1;
const volatile __u32 cfg_nslots;	/* 0: no crr in XDP */
const volatile __u32 cfg_closed_loop;
const volatile __u64 cfg_req[XB_REQ_LEN / 8];
const volatile __u32 cfg_req_sum;
/* /24s (host order) flood sources avoid: the testbed's, the pool's. */
const volatile __u32 cfg_flood_avoid[3];

/* For xb_gen_syn: the next slot to seed, or (slot + 1) to re-seed one. */
__u32 seed_next;
__u32 seed_slot;
/* Set by userspace at the end: completions start nothing new. */
__u32 draining;

/* The crr slots, mmapped by userspace to watch for stalled ones. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* set to the slot count at load */
	__type(key, __u32);
	__type(value, struct xb_slot);
} slots SEC(".maps");

/* This interface twice: broadcasting the last ACK here sends it twice. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} fanout SEC(".maps");

/*
 * Per CPU: the IP ID the last broadcast ACK carried (xb_client), and the
 * one xb_fanout saw last. The two copies of a broadcast are queued one
 * after the other on the CPU that broadcast them, so the copy whose ID
 * xb_fanout has just seen is the second.
 */
struct xb_pair {
	__u16 sent;
	__u16 seen;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xb_pair);
} pair SEC(".maps");

static __always_inline struct xb_pair *xb_pair_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pair, &zero);
}

/* Gives the frame (our ACK, IP ID 0) the next pair ID. */
static __always_inline int xb_stamp_pair(struct xdp_md *ctx, struct xb_pair *pr)
{
	void *data = (void *)(long)ctx->data;
	struct iphdr *ip = xb_ip_at(data);

	if (data + XB_HDRS_LEN > (void *)(long)ctx->data_end)
		return -1;
	pr->sent++;
	if (!pr->sent)		/* 0 is what unstamped frames carry */
		pr->sent = 1;
	ip->check = xt_csum_replace2(ip->check, ip->id, bpf_htons(pr->sent));
	ip->id = bpf_htons(pr->sent);
	return 0;
}

static __always_inline int xb_is_ours(__be32 daddr)
{
	return daddr == cfg_own_ip ||
	       bpf_ntohl(daddr) - cfg_pool_base < cfg_pool_count;
}

/* Replies to flood sources: counted and dropped. */
static __always_inline int xb_flood_reply(const struct xb_pkt *p)
{
	__u16 sport = bpf_ntohs(p->tcp->source);
	__u8 flags;

	if (sport != cfg_server_port && sport != cfg_flood_port)
		return -1;
	if (xb_is_ours(p->ip->daddr))
		return -1;
	flags = xt_tcp_flags(p->tcp);
	if ((flags & (XT_TCP_SYN | XT_TCP_ACK)) == (XT_TCP_SYN | XT_TCP_ACK))
		xb_count(XB_C_flood_synack);
	else if (flags & XT_TCP_RST)
		xb_count(XB_C_flood_rst);
	else
		xb_count(XB_C_flood_other);
	return XDP_DROP;
}

/*
 * The slot's next connection: a new tuple, ISN and start time, and its SYN
 * written over the frame (macs from dir, which goes towards the server).
 */
static __always_inline int xb_start(struct xdp_md *ctx, __u32 slot,
				    struct xb_slot *s, struct xb_seg *dir)
{
	__u32 addr;
	__u16 port;

	s->gen++;
	xb_slot_tuple(slot, s->gen, cfg_nslots, cfg_pool_base, cfg_pool_count,
		      &addr, &port);
	s->isn = bpf_get_prandom_u32();
	s->start_ns = bpf_ktime_get_ns();
	s->last_ns = s->start_ns;
	s->state = XB_S_SYN_SENT;
	dir->saddr = bpf_htonl(addr);
	dir->daddr = cfg_server_ip;
	dir->sport = port;
	dir->dport = cfg_server_port;
	dir->seq = s->isn;
	dir->ack = 0;
	dir->flags = XT_TCP_SYN;
	xb_count(XB_C_syn_sent);
	return xb_emit_syn(ctx, dir) ? XDP_DROP : XDP_TX;
}

static __always_inline void xb_complete(struct xb_slot *s, __u64 now)
{
	xb_record(now - s->start_ns);
	xb_count(XB_C_completed);
	s->state = XB_S_IDLE;
}

/* Closed loop: after a connection ends on a segment of the server's. */
static __always_inline int xb_start_next(struct xdp_md *ctx, __u32 slot,
					 struct xb_slot *s,
					 const struct xb_pkt *p)
{
	struct xb_seg seg;

	if (!cfg_closed_loop || draining)
		return XDP_DROP;
	xb_seg_reply(p, &seg);
	return xb_start(ctx, slot, s, &seg);
}

/* Our reply to p on slot s: seq and ack from the slot's books. */
static __always_inline int xb_reply(struct xdp_md *ctx, const struct xb_pkt *p,
				    __u32 seq, __u32 ack, __u8 flags)
{
	struct xb_seg seg;

	xb_seg_reply(p, &seg);
	seg.seq = seq;
	seg.ack = ack;
	seg.flags = flags;
	return xb_emit_bare(ctx, &seg) ? XDP_DROP : XDP_TX;
}

/* SYN-SENT: the SYN-ACK (RFC 9293 §3.10.7.3) -> ACK + request. */
static __always_inline int xb_on_synack(struct xdp_md *ctx,
					const struct xb_pkt *p,
					struct xb_slot *s)
{
	struct xb_seg seg;

	if (bpf_ntohl(p->tcp->ack_seq) != s->isn + 1)
		return XDP_DROP;
	s->srv_isn = bpf_ntohl(p->tcp->seq);
	s->state = XB_S_REQ_SENT;
	xb_seg_reply(p, &seg);
	seg.seq = s->isn + 1;
	seg.ack = s->srv_isn + 1;
	seg.flags = XT_TCP_ACK | XT_TCP_PSH;
	if (xb_emit_data(ctx, &seg, cfg_req, XB_REQ_LEN, cfg_req_sum))
		return XDP_DROP;
	return XDP_TX;
}

/*
 * The response: once all of it is in (or the server closed), our FIN
 * (RFC 9293 §3.10.4, CLOSE in ESTABLISHED); before that, an ACK.
 */
static __always_inline int xb_on_data(struct xdp_md *ctx,
				      const struct xb_pkt *p,
				      struct xb_slot *s, __u8 flags)
{
	__u32 seq = bpf_ntohl(p->tcp->seq);
	__u32 fin = flags & XT_TCP_FIN ? 1 : 0;
	__u32 rcv_end = seq + p->plen + fin;
	__u32 ours = s->isn + 1 + XB_REQ_LEN;

	if (!fin && rcv_end - (s->srv_isn + 1) < XB_RESP_LEN) {
		xb_count(XB_C_partial);
		return xb_reply(ctx, p, ours, rcv_end, XT_TCP_ACK);
	}
	s->state = fin ? XB_S_LAST_ACK : XB_S_FIN_SENT;
	return xb_reply(ctx, p, ours, rcv_end, XT_TCP_FIN | XT_TCP_ACK);
}

/*
 * FIN-WAIT: the server's FIN (RFC 9293 §3.10.7.4, eighth step) -> our last
 * ACK, and the slot's next SYN beside it.
 */
static __always_inline int xb_on_fin(struct xdp_md *ctx,
				     const struct xb_pkt *p,
				     struct xb_slot *s, __u64 now)
{
	struct xb_pair *pr = xb_pair_get();
	struct xb_seg seg;
	__u32 seq = bpf_ntohl(p->tcp->seq);

	xb_complete(s, now);
	xb_seg_reply(p, &seg);
	seg.seq = s->isn + 2 + XB_REQ_LEN;
	seg.ack = seq + p->plen + 1;
	seg.flags = XT_TCP_ACK;
	if (xb_emit_bare(ctx, &seg))
		return XDP_DROP;
	if (!cfg_closed_loop || draining || !pr)
		return XDP_TX;
	/* The broadcast's two copies carry this ID; see struct xb_pair. */
	if (xb_stamp_pair(ctx, pr))
		return XDP_DROP;
	return bpf_redirect_map(&fanout, 0, BPF_F_BROADCAST);
}

/* The slot of the connection p belongs to, if p is one of ours. */
static __always_inline struct xb_slot *xb_slot_of(const struct xb_pkt *p,
						  __u32 *slot)
{
	__u32 dport = bpf_ntohs(p->tcp->dest);
	__u32 off = dport - XB_PORT_LO;

	if (dport < XB_PORT_LO || off >= XB_MAX_SLOTS / cfg_nslots * cfg_nslots)
		return NULL;
	*slot = off % cfg_nslots;
	return bpf_map_lookup_elem(&slots, slot);
}

/* Whether p belongs to the slot's current connection. */
static __always_inline int xb_is_current(const struct xb_pkt *p, __u32 slot,
					 const struct xb_slot *s)
{
	__u32 addr;
	__u16 port;

	xb_slot_tuple(slot, s->gen, cfg_nslots, cfg_pool_base, cfg_pool_count,
		      &addr, &port);
	return p->ip->daddr == bpf_htonl(addr) &&
	       bpf_ntohs(p->tcp->dest) == port;
}

/* A segment for an earlier connection: a FIN is still acknowledged. */
static __always_inline int xb_on_stray(struct xdp_md *ctx,
				       const struct xb_pkt *p, __u8 flags)
{
	xb_count(XB_C_stray);
	if (!(flags & XT_TCP_FIN) || (flags & XT_TCP_RST))
		return XDP_DROP;
	return xb_reply(ctx, p, bpf_ntohl(p->tcp->ack_seq),
			bpf_ntohl(p->tcp->seq) + p->plen + 1, XT_TCP_ACK);
}

static __always_inline int xb_crr(struct xdp_md *ctx, const struct xb_pkt *p)
{
	__u8 flags = xt_tcp_flags(p->tcp);
	struct xb_slot *s;
	__u32 slot;
	__u64 now;

	if (bpf_ntohs(p->tcp->source) != cfg_server_port)
		return XDP_PASS;
	s = xb_slot_of(p, &slot);
	if (!s)
		return XDP_PASS;
	if (!xb_is_current(p, slot, s))
		return xb_on_stray(ctx, p, flags);
	now = bpf_ktime_get_ns();
	s->last_ns = now;
	if (flags & XT_TCP_RST) {
		xb_count(XB_C_resets);
		s->state = XB_S_IDLE;
		return xb_start_next(ctx, slot, s, p);
	}
	switch (s->state) {
	case XB_S_SYN_SENT:
	case XB_S_REQ_SENT:	/* a retransmitted SYN-ACK: the same again */
		if ((flags & (XT_TCP_SYN | XT_TCP_ACK)) ==
		    (XT_TCP_SYN | XT_TCP_ACK))
			return xb_on_synack(ctx, p, s);
		if (s->state == XB_S_REQ_SENT &&
		    (p->plen || (flags & XT_TCP_FIN)))
			return xb_on_data(ctx, p, s, flags);
		return XDP_DROP;
	case XB_S_FIN_SENT:
		if (flags & XT_TCP_FIN)
			return xb_on_fin(ctx, p, s, now);
		return XDP_DROP;	/* the ACK of our FIN */
	case XB_S_LAST_ACK:	/* RFC 9293 §3.10.7.4: our FIN acked */
		if (bpf_ntohl(p->tcp->ack_seq) != s->isn + 2 + XB_REQ_LEN)
			return XDP_DROP;
		xb_complete(s, now);
		return xb_start_next(ctx, slot, s, p);
	}
	return XDP_DROP;
}

SEC("xdp")
int xb_client(struct xdp_md *ctx)
{
	struct xb_pkt p;
	int act;

	if (xb_parse(ctx, &p) || p.ip->saddr != cfg_server_ip)
		return XDP_PASS;
	act = xb_flood_reply(&p);
	if (act >= 0)
		return act;
	if (!cfg_nslots)
		return XDP_PASS;
	return xb_crr(ctx, &p);
}

/*
 * Egress of the broadcast last ACK: the first copy goes as it is, the
 * second becomes the slot's next SYN.
 */
SEC("xdp/devmap")
int xb_fanout(struct xdp_md *ctx)
{
	struct xb_pair *pr = xb_pair_get();
	struct xb_seg seg;
	struct xb_slot *s;
	struct xb_pkt p;
	__u32 slot;
	__u16 id;

	if (!pr || xb_parse(ctx, &p))
		return XDP_PASS;
	id = bpf_ntohs(p.ip->id);
	if (id != pr->seen) {
		pr->seen = id;
		return XDP_PASS;
	}
	slot = (bpf_ntohs(p.tcp->source) - XB_PORT_LO) % cfg_nslots;
	s = bpf_map_lookup_elem(&slots, &slot);
	if (!s)
		return XDP_DROP;
	xb_seg_same(&p, &seg);
	return xb_start(ctx, slot, s, &seg) == XDP_TX ? XDP_PASS : XDP_DROP;
}

/* Live frames: one run sends one slot's first SYN (template: any SYN). */
SEC("xdp")
int xb_gen_syn(struct xdp_md *ctx)
{
	struct xb_seg seg;
	struct xb_slot *s;
	struct xb_pkt p;
	__u32 slot;

	if (xb_parse(ctx, &p) || !cfg_nslots)
		return XDP_DROP;
	if (seed_slot)
		slot = seed_slot - 1;
	else
		slot = seed_next++ % cfg_nslots;	/* one thread runs it */
	s = bpf_map_lookup_elem(&slots, &slot);
	if (!s)
		return XDP_DROP;
	if (!cfg_closed_loop && s->state != XB_S_IDLE)
		xb_count(XB_C_overrun);
	xb_seg_same(&p, &seg);
	return xb_start(ctx, slot, s, &seg);
}

/* 198.18.0.0/15 (RFC 2544), host order. */
#define XB_FLOOD_NET	0xc6120000u
#define XB_FLOOD_MASK	0x0001ffffu
#define XB_NET24	0xffffff00u

/* A random flood source in 198.18.0.0/15, outside cfg_flood_avoid. */
static __always_inline __u32 xb_flood_addr(__u32 r)
{
	__u32 a = XB_FLOOD_NET | (r & XB_FLOOD_MASK);

	/* Three /24s to avoid: four steps of one /24 always get out. */
#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u32 net = a & XB_NET24;

		if (net != cfg_flood_avoid[0] && net != cfg_flood_avoid[1] &&
		    net != cfg_flood_avoid[2])
			break;
		a = XB_FLOOD_NET | ((a + 0x100) & XB_FLOOD_MASK);
	}
	return a;
}

/* Live frames: one run sends one flood SYN (random source, port, ISN). */
SEC("xdp")
int xb_gen_flood(struct xdp_md *ctx)
{
	struct xb_seg seg;
	struct xb_pkt p;

	if (xb_parse(ctx, &p))
		return XDP_DROP;
	xb_seg_same(&p, &seg);
	seg.saddr = bpf_htonl(xb_flood_addr(bpf_get_prandom_u32()));
	seg.daddr = cfg_server_ip;
	seg.sport = (__u16)(XB_PORT_LO + bpf_get_prandom_u32() % (65536 - XB_PORT_LO));
	seg.dport = cfg_flood_port;
	seg.seq = bpf_get_prandom_u32();
	seg.ack = 0;
	seg.flags = XT_TCP_SYN;
	return xb_emit_syn(ctx, &seg) ? XDP_DROP : XDP_TX;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
