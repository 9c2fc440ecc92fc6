#!/usr/bin/env bash
# Packet capture (issue 10):
#
#   1. xtcpd --syncookies always --pcap FILE: tcpdump -r reads FILE and
#      shows the SYN, XDP's cookie SYN-ACK, and the rest of a curl
#      connection; meanwhile xtcpctl trace --json draws the SYN-ACK as
#      XDP's, one event per line
#   2. xtcpctl capture --count 5 on a running xtcpd stops after 5 frames
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PORT=80
tb_up "$TB"

# 1. From the start, with XDP answering every SYN.
PCAP=$WORKDIR/xtcpd.pcap
start_xtcpd xtcpd.log --syncookies always --pcap "$PCAP" --listen "$PORT:http"
spawn a TRACE_PID trace.jsonl timeout 20 "$XTCPCTL_BIN" --iface "$IF_A" trace --json --count 1
wait_for "the trace client" 5 grep -q "tap client came" "$XTCPD_LOG"
on_b timeout 5 curl -s -o /dev/null "http://$IP_A:$PORT/5000" || fail "curl failed"
wait_exit "$TRACE_PID" 10 || fail "trace --json --count 1 did not end"
reap "$TRACE_PID"
stop_xtcpd
grep -q -- "--pcap: [1-9][0-9]* frames written, 0 lost" "$XTCPD_LOG" || fail "xtcpd did not say what --pcap wrote"
tcpdump -nn -r "$PCAP" >"$WORKDIR/pcap.txt" 2>"$WORKDIR/tcpdump.err" || fail "tcpdump -r: $(cat "$WORKDIR/tcpdump.err")"
sed 's/^/  | /' "$WORKDIR/pcap.txt"
grep -Eq "IP $IP_B\.[0-9]+ > $IP_A\.$PORT: Flags \[S\], seq" "$WORKDIR/pcap.txt" || fail "no SYN in the pcap"
grep -Eq "IP $IP_A\.$PORT > $IP_B\.[0-9]+: Flags \[S\.\], seq [0-9]+, ack [0-9]+" "$WORKDIR/pcap.txt" ||
	fail "no cookie SYN-ACK in the pcap"
grep -Eq "IP $IP_A\.$PORT > $IP_B\.[0-9]+: Flags \[F?\.?P?\.?\], seq [0-9]+:[0-9]+, .*length [0-9]+" "$WORKDIR/pcap.txt" ||
	fail "no data from xtcpd in the pcap"
grep -Eq "Flags \[F\.\]" "$WORKDIR/pcap.txt" || fail "no FIN in the pcap"
pass "--pcap: tcpdump -r reads the SYN, XDP's cookie SYN-ACK, the data and the close"
sed -n 's/^/  | /; 1,4p' "$WORKDIR/trace.jsonl"
grep -q '"from":"xtcpd","to":"peer","by":"xdp","dropped":false,.*"flags":"SYN,ACK","seq":0,"ack":1' "$WORKDIR/trace.jsonl" ||
	fail "trace --json: no SYN-ACK by XDP"
grep -q '"event":"state","side":"xtcpd","from":"CLOSED","to":"ESTABLISHED"' "$WORKDIR/trace.jsonl" ||
	fail "trace --json: the cookie ACK did not take xtcpd to ESTABLISHED"
if grep -v '^{.*}$' "$WORKDIR/trace.jsonl"; then
	fail "trace --json: a line that is not one object"
fi
pass "trace --json: XDP's cookie SYN-ACK, then CLOSED -> ESTABLISHED at the ACK"

# 2. On a running daemon, N frames and no more.
start_xtcpd xtcpd2.log --listen "$PORT:http"
spawn a CAP_PID capture.log timeout 20 "$XTCPCTL_BIN" --iface "$IF_A" capture --count 5 "$WORKDIR/cap.pcap"
wait_for "the capture client" 5 grep -q "tap on" "$XTCPD_LOG"
on_b timeout 5 curl -s -o /dev/null "http://$IP_A:$PORT/200000" || fail "curl failed"
wait_exit "$CAP_PID" 5 || fail "capture --count 5 did not stop"
reap "$CAP_PID"
assert_eq "capture exit status" "$REAP_STATUS" 0
sed 's/^/  | /' "$WORKDIR/capture.log"
grep -q "^xtcpctl: 5 frames captured; lost 0" "$WORKDIR/capture.log" || fail "capture did not report 5 frames"
n=$(tcpdump -nn -r "$WORKDIR/cap.pcap" 2>/dev/null | wc -l)
assert_eq "frames tcpdump reads back" "$n" 5
pass "capture --count 5: five frames, then it stops"
wait_for "the tap off once the client left" 5 grep -q "tap off" "$XTCPD_LOG"
stop_xtcpd
