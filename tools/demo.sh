#!/usr/bin/env bash
# `make demo`: the testbed, xtcpd on one end, the Linux kernel's own TCP
# clients on the other, and what happened in plain words. Tears everything
# down on the way out, however it ends.
set -Eeuo pipefail
. "$(dirname "$0")/../tests/integration/lib.sh"
trap - ERR

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { sed 's/^/   /'; }

CONNS=${DEMO_CONNS:-200}

say "Bringing up the testbed: two namespaces joined by a veth pair"
tb_up demo
echo "   side a: $NS_A, $IF_A, $IP_A  (xtcpd)"
echo "   side b: $NS_B, $IF_B, $IP_B  (Linux: curl, nc, ping)"

say "Starting xtcpd on side a: echo on 7, http on 80, banner on 13"
start_xtcpd xtcpd.log --listen 7:echo --listen 80:http --listen 13:banner
grep ready "$XTCPD_LOG" | show

say "ping from side b: ICMP is not xtcp's, so the kernel answers it"
on_b timeout 5 ping -c 3 -i 0.2 -W 1 "$IP_A" | tail -2 | show

say "curl http://$IP_A/ from side b (Linux TCP) to xtcpd's http service"
on_b timeout 5 curl -sS -i "http://$IP_A/" | show

say "curl fetches 1 MB in one response, checked byte for byte"
# The http service's body: this 63-character line and a newline, repeated.
want=$(yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ. |
	head -c 1000000 | sha256sum)
got=$(on_b timeout 10 curl -sS "http://$IP_A/1000000" | sha256sum)
if [ "$got" = "$want" ]; then
	echo "   1000000 bytes, sha256 ${got:0:16}... as expected"
else
	echo "   MISMATCH: sha256 ${got:0:16}..., expected ${want:0:16}..."
	exit 1
fi

say "nc sends a line to the echo service and reads it back"
on_b timeout 5 bash -c "echo 'hello, xtcp' | nc -N $IP_A 7" | show

say "banner: the server writes one line and closes first"
on_b timeout 5 nc -d "$IP_A" 13 | show

say "$CONNS sequential connections (handshake, request, close) with curl"
start=$(now_ms)
ok=$(on_b timeout 60 bash -c "for i in \$(seq $CONNS); do curl -s -o /dev/null -w '%{http_code}\n' http://$IP_A/; done" | grep -c '^200$' || true)
ms=$(( $(now_ms) - start ))
echo "   $ok of $CONNS answered 200 in ${ms} ms: $(( ok * 1000 / (ms > 0 ? ms : 1) )) connections/s"
echo "   (one curl process per connection: this measures curl, not xtcp;"
echo "    'make bench' measures handshake rates against the kernel's)"

say "xtcpctl stats: what the XDP program decided, per verdict"
"$XTCPCTL_BIN" --iface "$IF_A" stats | show

say "bpftool reads the same pinned maps (BTF gives field names)"
echo "   \$ bpftool map show pinned $PIN_ROOT/$IF_A/listen_ports"
bpftool map show pinned "$PIN_ROOT/$IF_A/listen_ports" | show
echo "   \$ bpftool map dump pinned $PIN_ROOT/$IF_A/listen_ports"
bpftool map dump pinned "$PIN_ROOT/$IF_A/listen_ports" | show

say "Stopping xtcpd (SIGTERM): it detaches XDP and removes its pins"
stop_xtcpd
echo "   pins left: $(ls "$PIN_ROOT/$IF_A" 2>/dev/null | wc -l)"
say "Done; the testbed is removed on exit"
