"""What the seed generators (seeds_*.py) share: writing a corpus, and
Ethernet + IPv4 + TCP frames with correct checksums between the testbed's
addresses (198.18.0.0/15)."""
import os
import struct
import sys

LOCAL_IP = bytes([198, 18, 0, 1])
PEER_IP = bytes([198, 18, 0, 2])
LOCAL_MAC = bytes([2, 0, 0, 0, 0, 0x0a])
PEER_MAC = bytes([2, 0, 0, 0, 0, 0x0b])

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def opt_mss(mss):
    return struct.pack(">BBH", 2, 4, mss)


def opt_wscale(ws):
    return bytes([1, 3, 3, ws])


def opt_sackperm_ts(tsval, tsecr):
    return bytes([4, 2, 8, 10]) + struct.pack(">II", tsval, tsecr)


def opt_ts(tsval, tsecr):
    return bytes([1, 1, 8, 10]) + struct.pack(">II", tsval, tsecr)


def frame(flags, seq=0, ack=0, sport=40000, dport=80, opts=b"", payload=b"",
          wnd=65535, src=PEER_IP, dst=LOCAL_IP, ttl=64, ip_id=1, frag=0x4000):
    """A frame from the peer to xtcp, checksums right."""
    opts += b"\0" * (-len(opts) % 4)
    doff = (20 + len(opts)) // 4
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                      wnd, 0, 0) + opts + payload
    pseudo = src + dst + struct.pack(">BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack(">H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ip_id, frag,
                     ttl, 6, 0, src, dst)
    ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
    return LOCAL_MAC + PEER_MAC + b"\x08\x00" + ip + tcp


def write_corpus(seeds, default_dir):
    """Writes each seed to a file named after it, in argv[1] or
    default_dir."""
    out = sys.argv[1] if len(sys.argv) > 1 else default_dir
    os.makedirs(out, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {out}")
