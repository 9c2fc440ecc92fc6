// SPDX-License-Identifier: MIT
#include <errno.h>
#include "common/pcap.h"

int xt_pcap_write_header(FILE *f, uint32_t snaplen)
{
	struct xt_pcap_file_hdr h = {
		.magic = XT_PCAP_MAGIC_US,
		.version_major = XT_PCAP_VERSION_MAJOR,
		.version_minor = XT_PCAP_VERSION_MINOR,
		.snaplen = snaplen,
		.linktype = XT_PCAP_LINKTYPE_ETHERNET,
	};

	return fwrite(&h, sizeof(h), 1, f) == 1 ? 0 : -EIO;
}

int xt_pcap_write_frame(FILE *f, uint64_t ts_ns, const void *data,
			uint32_t caplen, uint32_t len)
{
	struct xt_pcap_rec_hdr h = {
		.ts_sec = (uint32_t)(ts_ns / 1000000000u),
		.ts_usec = (uint32_t)(ts_ns % 1000000000u / 1000u),
		.caplen = caplen < len ? caplen : len,
		.len = len,
	};

	if (fwrite(&h, sizeof(h), 1, f) != 1)
		return -EIO;
	if (h.caplen && fwrite(data, h.caplen, 1, f) != 1)
		return -EIO;
	return 0;
}
