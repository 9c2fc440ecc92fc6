#!/usr/bin/env python3
"""Writes fuzz_tcp's seed corpus: scenarios in the input format that
tests/fuzz/fuzz_tcp.c decodes, each a start the fuzzer would take long to
find on its own (a bulk transfer with SACK and loss, reassembly, both
closes, cookies, a zero window, keepalive).

    tests/fuzz/seeds_tcp.py tests/fuzz/corpus/fuzz_tcp
"""
import struct

from seedlib import write_corpus

# Configuration byte (fuzz_tcp.c configure()).
RCV_4K, RCV_64K, SND_4K, SND_64K = 0x01, 0x02, 0x04, 0x08
REASM_SMALL, KEEPALIVE, NEWRENO, COOKIES = 0x10, 0x20, 0x40, 0x80
# Starting point byte: connections, the peer's SYN options.
PASSIVE, ACTIVE = 0x01, 0x02
MSS, WS, SACKP, TS = 0x10, 0x20, 0x40, 0x80
ALLOPTS = MSS | WS | SACKP | TS

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# Tuples (pick_tuple): the passive one, a second, the active, a closed port.
T_PASSIVE, T_OTHER, T_ACTIVE, T_CLOSED = 0, 1, 2, 3


def seg(tuple_=T_PASSIVE, flags=ACK, seq=0, ack=None, wnd=65535, plen=0,
        ts=False, sack=(), mss=None, ws=None, sackperm=False, nopoll=False,
        raw_seq=None, raw_ack=None):
    """One segment step. seq: bytes past RCV.NXT (signed 16 bits); ack:
    None for SND.MAX, else bytes past SND.UNA (signed 16 bits); raw_*:
    32-bit values (no connection: the ACK is always raw)."""
    opts = ts or sack or mss is not None or ws is not None or sackperm
    if raw_seq is not None:
        seq_mode, seq_b = 2, struct.pack(">I", raw_seq)
    else:
        seq_mode, seq_b = 1, struct.pack(">h", seq)
    if raw_ack is not None:
        ack_mode, ack_b = 2, struct.pack(">I", raw_ack)
    elif ack is None:
        ack_mode, ack_b = 3, b""
    else:
        ack_mode, ack_b = 1, struct.pack(">h", ack)
    b = tuple_ | seq_mode << 2 | ack_mode << 4
    b |= 0x40 if nopoll else 0
    b |= 0x80 if opts else 0
    out = bytes([0x00, b, flags]) + seq_b + ack_b + struct.pack(">H", wnd)
    if opts:
        ob = (1 if mss is not None else 0) | (2 if ws is not None else 0)
        ob |= (4 if sackperm else 0) | (8 if ts else 0) | len(sack) << 4
        out += bytes([ob])
        if mss is not None:
            out += struct.pack(">H", mss)
        if ws is not None:
            out += bytes([ws])
        if ts:
            out += bytes([0])          # TSval = the clock, TSecr = ours
        for start, length in sack:     # relative to SND.UNA
            out += struct.pack(">HH", start, length)
    return out + struct.pack(">H", plen)


def seg_noconn(flags, seq=0, ack=0, plen=0, tuple_=T_PASSIVE, **kw):
    """A segment for a tuple with no connection: SEQ past the peer's ISN,
    ACK a raw 32-bit value."""
    return seg(tuple_, flags, seq=seq, raw_ack=ack, plen=plen, **kw)


def advance(ms_index=None, ms7=None):
    """Clock: one of 1, 5, 40, 200, 1000, 3000, 10000, 60000 ms by index,
    or ms7 * 7 ms."""
    if ms7 is not None:
        return bytes([4, 0x80 | ms7])
    return bytes([4, ms_index])


def send(n, rec=0):
    """The application writes n bytes (multiple of 16, < 65536)."""
    return bytes([5, rec << 3 | 0]) + struct.pack(">H", n // 16)


def read(n, rec=0):
    return bytes([5, rec << 3 | 2]) + struct.pack(">H", n)


def autoread_toggle(rec=0):
    return bytes([5, rec << 3 | 3])


def nodelay(rec=0):
    return bytes([5, rec << 3 | 4, 1])


def shutdown(rec=0):
    return bytes([5, rec << 3 | 5])


def close(rec=0):
    return bytes([5, rec << 3 | 6])


def abort(rec=0):
    return bytes([5, rec << 3 | 7])


def connect():
    return bytes([0x0f])


SECOND = 4      # advance() index of 1000 ms
SEEDS = {}

# A bulk send: 64 KB, ACKed with SACK blocks past a hole, three duplicate
# ACKs (fast retransmit), then an RTO, then everything.
SEEDS["bulk_sack_loss"] = bytes([0, PASSIVE | ALLOPTS]) + send(64000) + \
    seg(ack=1448, ts=True) + \
    seg(ack=1448, ts=True, sack=((2896, 1448),)) + \
    seg(ack=1448, ts=True, sack=((2896, 2896),)) + \
    seg(ack=1448, ts=True, sack=((2896, 4344),)) + \
    advance(SECOND) + seg(ack=None, ts=True) + advance(SECOND) + \
    shutdown() + seg(flags=ACK | FIN, ts=True) + advance(6)

# The same with NewReno and no SACK: NewReno's partial ACKs.
SEEDS["bulk_newreno"] = bytes([NEWRENO, PASSIVE | MSS]) + send(32000) + \
    seg(ack=1460) + seg(ack=1460) + seg(ack=1460) + seg(ack=1460) + \
    seg(ack=4380) + seg(ack=None) + close()

# The peer sends out of order, fills the hole, then FIN; we close.
SEEDS["reassembly"] = bytes([REASM_SMALL, PASSIVE | ALLOPTS]) + \
    seg(seq=1000, plen=500, ts=True) + seg(seq=2000, plen=700, ts=True) + \
    seg(seq=0, plen=1000, ts=True) + seg(seq=0, plen=1000, ts=True) + \
    seg(flags=ACK | FIN, ts=True) + close() + seg(ts=True) + advance(6)

# Active open, data both ways, simultaneous close, TIME-WAIT runs out.
SEEDS["active_simclose"] = bytes([0, ACTIVE | ALLOPTS]) + \
    send(3000, rec=0) + seg(T_ACTIVE, ts=True) + \
    seg(T_ACTIVE, plen=1200, ts=True) + shutdown(rec=0) + \
    seg(T_ACTIVE, flags=ACK | FIN, ack=0, ts=True) + \
    seg(T_ACTIVE, ts=True) + advance(5)

# The handshake through the listener by crafted segments, data, RST.
SEEDS["listen_handshake"] = bytes([0, 0]) + \
    seg_noconn(SYN, mss=1460, ws=7, sackperm=True) + \
    seg(ack=1) + seg(plen=100) + seg(seq=0, flags=RST) + \
    seg_noconn(SYN) + seg_noconn(SYN, tuple_=T_OTHER) + \
    seg_noconn(ACK, ack=12345, tuple_=T_CLOSED) + advance(7)

# A cookie ACK (low byte 0x5a) with data, then the FIN.
SEEDS["cookie"] = bytes([COOKIES, 0]) + \
    seg_noconn(ACK, seq=1, ack=0x12345a5b, plen=200) + \
    seg(flags=ACK | FIN) + close() + seg() + advance(6)

# A zero window: persist probes back off, the window opens.
SEEDS["zero_window"] = bytes([SND_64K, PASSIVE | MSS]) + send(8000) + \
    seg(wnd=0, ack=None) + advance(SECOND) + advance(5) + advance(5) + \
    seg(wnd=3000, ack=None) + advance(5) + seg(ack=None) + abort()

# Keepalive: idle, probes unanswered, the connection gives up.
SEEDS["keepalive"] = bytes([KEEPALIVE, PASSIVE]) + advance(6) + \
    advance(6) + advance(6)

# A small receive buffer the application does not read: the window
# closes, the peer probes, the application reads, the window opens.
SEEDS["rcv_window"] = bytes([RCV_4K, PASSIVE | MSS | TS]) + \
    autoread_toggle() + seg(plen=1460, ts=True) + seg(seq=1460, plen=1460,
                                                       ts=True) + \
    seg(seq=2920, plen=1460, ts=True) + advance(2) + \
    seg(seq=-1, ts=True) + read(3000) + advance(2) + \
    seg(plen=1000, ts=True)

# Both ends: a second passive connection and an active one at once.
SEEDS["many"] = bytes([0, PASSIVE | ACTIVE | ALLOPTS]) + \
    seg_noconn(SYN, tuple_=T_OTHER) + connect() + send(2000, rec=1) + \
    nodelay(rec=1) + seg(T_ACTIVE, ts=True) + close(rec=1) + \
    seg(T_ACTIVE, flags=ACK | FIN, ts=True) + advance(7)


if __name__ == "__main__":
    write_corpus(SEEDS, "tests/fuzz/corpus/fuzz_tcp")
