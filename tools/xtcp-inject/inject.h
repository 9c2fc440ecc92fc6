/* SPDX-License-Identifier: MIT */
/*
 * xtcp-inject: forged TCP/IPv4 frames sent raw (AF_PACKET) from a testbed
 * namespace at a bounded rate, for the attack tests. Three modes, each a
 * generator of frames:
 *
 *   flood      segments from random sources in --src-net (ACKs, data, FINs)
 *   blind      segments on one live 4-tuple with blind sequence numbers
 *              (RSTs, SYNs, data): RFC 5961's attacker
 *   malformed  every kind of broken frame (malformed.c's catalogue)
 *
 * main.c -> xi_opts_parse() (opts.c) -> xi_send() (tx.c) -> gen (spoof.c,
 * malformed.c) -> xt_frame_build() (user/wire/codec.c).
 */
#ifndef XI_INJECT_H
#define XI_INJECT_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#define XI_FRAME_MAX		2048
#define XI_MAX_KINDS		32
/*
 * Source ports of frames forged from a real client's address: below
 * Linux's ephemeral range (ip_local_port_range, 32768-60999 by default),
 * so that they never hit one of its live connections by chance.
 */
#define XI_SPORT_LO		1024
#define XI_SPORT_HI		32767

enum xi_mode { XI_FLOOD, XI_BLIND, XI_MALFORMED };

struct xi_opts {
	enum xi_mode mode;
	char ifname[IF_NAMESIZE];
	uint8_t src_mac[6], dst_mac[6];	/* src: the interface's by default */
	uint32_t saddr, daddr;		/* network order */
	uint16_t sport, dport;
	uint32_t net, mask;		/* flood: sources, network order */
	uint64_t count;			/* frames to send */
	double rate;			/* frames per second; 0: flat out */
	double seconds;			/* and no longer than this */
	uint32_t kinds;			/* bit per kind of the mode; 0: all */
	uint64_t seed;
};

/* A mode's frames: names of its kinds, and one frame of kind k. */
struct xi_gen {
	const char *const *names;
	int nkinds;
	/*
	 * Writes the i-th of the n frames of kind k into buf; returns its
	 * length, or < 0.
	 */
	int (*make)(const struct xi_opts *o, uint64_t *rng, int k,
		    uint64_t i, uint64_t n, uint8_t *buf, size_t cap);
};

extern const struct xi_gen xi_flood_gen, xi_blind_gen, xi_malformed_gen;

/* 0, 1 after --help, or -EINVAL with a message on stderr. */
int xi_opts_parse(struct xi_opts *o, int argc, char **argv);
/* The mode's generator with --kind's names resolved; -EINVAL if unknown. */
const struct xi_gen *xi_gen_of(const struct xi_opts *o);

/* Frames sent per kind, and in all. */
struct xi_report {
	uint64_t sent, per_kind[XI_MAX_KINDS];
	double elapsed_s;
};

/* Sends o->count frames of g, paced; 0 or -errno. */
int xi_send(const struct xi_opts *o, const struct xi_gen *g,
	    struct xi_report *r);

/* xorshift64*: the same --seed, the same frames. */
static inline uint64_t xi_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#endif /* XI_INJECT_H */
