#!/usr/bin/env python3
"""Writes fuzz_frame's seed corpus: whole frames (first byte even: the
destination MAC's first byte is 2) of each kind the codec meets, and
option areas for its tail mode (first byte odd; fuzz_frame.c says how).

    tests/fuzz/seeds_frame.py tests/fuzz/corpus/fuzz_frame
"""
from seedlib import (ACK, FIN, PSH, RST, SYN, frame, opt_mss, opt_sackperm_ts,
                     opt_ts, opt_wscale, write_corpus)

SEEDS = {
    "syn_opts": frame(SYN, seq=1000, opts=opt_mss(1460) +
                      opt_sackperm_ts(7, 0) + opt_wscale(7)),
    "synack": frame(SYN | ACK, seq=5, ack=1001, opts=opt_mss(1460)),
    "ack_data": frame(ACK | PSH, seq=1001, ack=6, opts=opt_ts(8, 9),
                      payload=b"GET / HTTP/1.1\r\n\r\n"),
    "fin": frame(FIN | ACK, seq=1019, ack=6),
    "rst": frame(RST, seq=1019),
    "fragment": frame(ACK, seq=1, frag=0x2000),
    # Tail mode: [odd, data offset, padding] + what follows the header.
    "tail_sack": bytes([1, 10, 0]) + bytes([1, 1, 5, 18]) +
    bytes(range(16)),
    "tail_eol": bytes([3, 6, 2]) + bytes([0, 0, 0, 0]) + b"xy",
    "tail_badlen": bytes([5, 7, 0]) + bytes([2, 3, 1, 1, 8, 9, 0, 0]),
}


if __name__ == "__main__":
    write_corpus(SEEDS, "tests/fuzz/corpus/fuzz_frame")
