/* SPDX-License-Identifier: MIT */
/*
 * The classic pcap file format (tcpdump, Wireshark): a global header,
 * then one record header and the captured bytes per frame. Microsecond
 * timestamps, Ethernet link type, written in host byte order (readers
 * tell by the magic number).
 */
#ifndef XTCP_PCAP_H
#define XTCP_PCAP_H

#include <stdint.h>
#include <stdio.h>

#define XT_PCAP_MAGIC_US	0xa1b2c3d4u
#define XT_PCAP_VERSION_MAJOR	2
#define XT_PCAP_VERSION_MINOR	4
#define XT_PCAP_LINKTYPE_ETHERNET 1

struct xt_pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;		/* 0: timestamps are UTC */
	uint32_t sigfigs;		/* 0 */
	uint32_t snaplen;
	uint32_t linktype;
};

struct xt_pcap_rec_hdr {
	uint32_t ts_sec, ts_usec;
	uint32_t caplen;		/* bytes that follow */
	uint32_t len;			/* the frame's length on the wire */
};

_Static_assert(sizeof(struct xt_pcap_file_hdr) == 24, "pcap file header");
_Static_assert(sizeof(struct xt_pcap_rec_hdr) == 16, "pcap record header");

/* The file header. 0 or -EIO. */
int xt_pcap_write_header(FILE *f, uint32_t snaplen);
/*
 * One frame captured at ts_ns (CLOCK_REALTIME, ns); caplen bytes of it
 * (no more than len) are in data. 0 or -EIO.
 */
int xt_pcap_write_frame(FILE *f, uint64_t ts_ns, const void *data,
			uint32_t caplen, uint32_t len);

#endif /* XTCP_PCAP_H */
