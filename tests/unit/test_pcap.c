// SPDX-License-Identifier: MIT
/* The pcap writer (common/pcap.h): the bytes tcpdump expects. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "common/pcap.h"

static char *buf;
static size_t len;

static FILE *mem_open(void)
{
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	return f;
}

Test(pcap, file_header)
{
	FILE *f = mem_open();
	struct xt_pcap_file_hdr h;

	cr_assert_eq(xt_pcap_write_header(f, 192), 0);
	fclose(f);
	cr_assert_eq(len, sizeof(h));
	memcpy(&h, buf, sizeof(h));
	cr_assert_eq(h.magic, 0xa1b2c3d4u);
	cr_assert_eq(h.version_major, 2);
	cr_assert_eq(h.version_minor, 4);
	cr_assert_eq(h.thiszone, 0);
	cr_assert_eq(h.snaplen, 192);
	cr_assert_eq(h.linktype, 1, "Ethernet");
	free(buf);
}

Test(pcap, frame_record_truncated_to_caplen)
{
	static const uint8_t frame[300] = { 0x02, 0, 0, 0, 0, 0x0a };
	FILE *f = mem_open();
	struct xt_pcap_rec_hdr h;

	cr_assert_eq(xt_pcap_write_frame(f, 1700000000123456789ull, frame, 192,
					 sizeof(frame)), 0);
	fclose(f);
	cr_assert_eq(len, sizeof(h) + 192);
	memcpy(&h, buf, sizeof(h));
	cr_assert_eq(h.ts_sec, 1700000000u);
	cr_assert_eq(h.ts_usec, 123456u);
	cr_assert_eq(h.caplen, 192);
	cr_assert_eq(h.len, 300);
	cr_assert_arr_eq(buf + sizeof(h), frame, 192);
	free(buf);
}

Test(pcap, caplen_never_above_len)
{
	static const uint8_t frame[60];
	FILE *f = mem_open();
	struct xt_pcap_rec_hdr h;

	cr_assert_eq(xt_pcap_write_frame(f, 0, frame, 192, sizeof(frame)), 0);
	fclose(f);
	memcpy(&h, buf, sizeof(h));
	cr_assert_eq(h.caplen, 60);
	cr_assert_eq(len, sizeof(h) + 60);
	free(buf);
}
