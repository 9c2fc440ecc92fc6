#!/usr/bin/env python3
"""Writes fuzz_xdp's seed corpus: one frame for each way through the XDP
program (tests/fuzz/fuzz_xdp.c decodes them; XTCP_FUZZ_VERBOSE=1 prints
each verdict).

    tests/fuzz/seeds_xdp.py tests/fuzz/corpus/fuzz_xdp
"""
import struct

from seedlib import (ACK, FIN, RST, SYN, frame, opt_mss, opt_sackperm_ts,
                     opt_wscale, write_corpus)

COOKIES, RST_BAD_COOKIE = 0x2, 0x4          # byte 0, beside the odd bit

# pick_ends(): source port by bits 0-1, destination by bits 2-3.
LIVE, PENDING, UNKNOWN, OTHER_SPORT = 0, 1, 2, 3
TO_LISTEN, TO_EPH, TO_UNOWNED = 0 << 2, 2 << 2, 3 << 2
FROM_OTHER_IP, SEQ_NEAR_RCV_NXT, VALID_COOKIE = 0x10, 0x20, 0x40
# spoil()
SPOIL_IP_CSUM, SPOIL_TCP_CSUM, SPOIL_TOTLEN, SPOIL_FRAG = 1, 2, 3, 4


def built(ctl, ends, flags, seq=1000, ack=0, wnd=65535, ipopt=b"",
          topt=b"", payload=b"", spoil=0, spoil_arg=0):
    """A frame built by fuzz_xdp.c's build_frame() from these fields."""
    assert len(ipopt) % 4 == 0 and len(topt) <= 40
    return bytes([1 | ctl, ends, flags]) + struct.pack(
        ">IIHBBHBB", seq, ack, wnd, len(ipopt) // 4, len(topt), len(payload),
        spoil, spoil_arg) + ipopt + topt + payload


def raw(ctl, data):
    """A frame as is (byte 0 even)."""
    return bytes([ctl & ~1]) + data


SYN_OPTS = opt_mss(1460) + opt_sackperm_ts(1, 0) + opt_wscale(7)

SEEDS = {
    "syn_cookie": built(COOKIES, UNKNOWN | TO_LISTEN, SYN, topt=SYN_OPTS),
    "syn_to_daemon": built(0, UNKNOWN | TO_LISTEN, SYN, topt=SYN_OPTS),
    "syn_bad_opts": built(COOKIES, UNKNOWN | TO_LISTEN, SYN,
                          topt=bytes([2, 9, 5, 0xb4])),
    "cookie_ack": built(COOKIES, UNKNOWN | TO_LISTEN | VALID_COOKIE, ACK,
                        ack=0x87, payload=b"GET /"),
    "bad_cookie_rst": built(COOKIES | RST_BAD_COOKIE, UNKNOWN | TO_LISTEN,
                            ACK, ack=12345),
    "bad_cookie_drop": built(COOKIES, UNKNOWN | TO_LISTEN, ACK, ack=12345),
    "ack_to_eph": built(0, UNKNOWN | TO_EPH, ACK, ack=777),
    "synfin_unknown": built(COOKIES, UNKNOWN | TO_LISTEN, SYN | FIN,
                            payload=b"x" * 10),
    "rst_unknown": built(0, UNKNOWN | TO_LISTEN, RST),
    "rst_live_in_window": built(0, LIVE | TO_LISTEN | SEQ_NEAR_RCV_NXT, RST,
                                seq=100),
    "rst_live_outside": built(0, LIVE | TO_LISTEN | SEQ_NEAR_RCV_NXT, RST,
                              seq=0x8000),
    "data_live": built(0, LIVE | TO_LISTEN, ACK | 0x08, payload=b"y" * 100),
    "data_pending": built(0, PENDING | TO_LISTEN, ACK, payload=b"z"),
    "syn_bad_tcp_csum": built(COOKIES, UNKNOWN | TO_LISTEN, SYN,
                              spoil=SPOIL_TCP_CSUM, spoil_arg=4),
    "ack_bad_ip_csum": built(0, UNKNOWN | TO_EPH, ACK, spoil=SPOIL_IP_CSUM,
                             spoil_arg=2),
    "short_totlen": built(0, UNKNOWN | TO_EPH, ACK, payload=b"abcd",
                          spoil=SPOIL_TOTLEN, spoil_arg=0xf0),
    "fragment": built(0, UNKNOWN | TO_LISTEN, SYN, spoil=SPOIL_FRAG,
                      spoil_arg=0x20),
    "ip_options": built(COOKIES, UNKNOWN | TO_LISTEN | FROM_OTHER_IP, SYN,
                        ipopt=bytes([1, 1, 1, 0]), topt=SYN_OPTS),
    "unowned": built(0, OTHER_SPORT | TO_UNOWNED, SYN),
    "raw_syn": raw(COOKIES, frame(SYN, sport=40123, opts=SYN_OPTS)),
    "raw_arp": raw(0, bytes(12) + b"\x08\x06" + bytes(28)),
    "raw_ipv6": raw(0, bytes(12) + b"\x86\xdd" + bytes(40)),
    "raw_udp": raw(0, frame(ACK)[:23] + b"\x11" + frame(ACK)[24:]),
}

if __name__ == "__main__":
    write_corpus(SEEDS, "tests/fuzz/corpus/fuzz_xdp")
