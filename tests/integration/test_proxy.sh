#!/usr/bin/env bash
# xtcpd's proxy service in front of unmodified servers on side a's kernel:
#
#   1. nginx (a separate port, same namespace) behind --listen
#      PORT:proxy=IP:PORT: a 50 MB download and a 50 MB upload (DAV PUT)
#      from curl on side b, sha256 intact both ways
#   2. half-close, through proxy=unix:PATH to a socat backend: the
#      client's FIN reaches the backend after its bytes and the backend
#      still answers; the backend's FIN reaches the client, which still
#      sends afterwards and the backend gets it
#   3. the client does not read a 50 MB response: xtcpd's memory stays
#      bounded (grows < 16 MB) while it stalls, then every byte arrives
#   4. PROXY protocol v2: the backend reads the header with the client's
#      address and port first
#   5. the backend is down: the client's connection is reset
#   6. the backend does not answer its SYN (a full accept queue):
#      timeout=300 resets the client after the timeout, not before
#   7. max=2: with two relayed connections open, a third client is reset;
#      once one closes, the next is relayed again
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

P_NGX=8001	# proxy -> nginx
P_HC=8002	# proxy -> unix socket (socat)
P_DOWN=8003	# proxy -> nothing
P_V2=8004	# proxy-v2 -> unix socket (socat)
NGX_PORT=9080
MB50=$((50 * 1024 * 1024))

command -v nginx >/dev/null || fail "no nginx: make deps"
tb_up "$TB"
W=$WORKDIR
mkdir -p "$W/www/up" "$W/ngx"
head -c "$MB50" /dev/urandom >"$W/www/big.bin"
head -c "$MB50" /dev/urandom >"$W/upload.bin"
cat >"$W/ngx/nginx.conf" <<CONF
user root;
worker_processes 1;
daemon off;
pid $W/ngx/nginx.pid;
error_log $W/ngx/error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $W/ngx/body;
	server {
		listen $IP_A:$NGX_PORT;
		root $W/www;
		client_max_body_size 100m;
		location /up/ { dav_methods PUT; }
	}
}
CONF
spawn a NGX_PID nginx.log nginx -c "$W/ngx/nginx.conf" -e "$W/ngx/error.log"
wait_for "nginx on $IP_A:$NGX_PORT" 10 on_a curl -sf -o /dev/null "http://$IP_A:$NGX_PORT/big.bin" -r 0-0

# A backend on a unix socket, for half-close: "up" reads to EOF, then
# answers with the byte count; "down" says hello, shuts its side, then
# reads to EOF into hc_down.out.
cat >"$W/hc_server.py" <<'PY'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(8)
for _ in range(4):
    c, _ = srv.accept()
    c.settimeout(10)
    f = c.makefile("rb")
    mode = f.readline().strip()
    if mode == b"up":
        n = len(f.read())
        c.sendall(b"got %d\n" % n)
    else:
        c.sendall(b"from-backend\n")
        c.shutdown(socket.SHUT_WR)
        open(out, "wb").write(f.read())
    f.close()
    c.close()
PY
spawn a HC_PID hc.log /usr/bin/python3 "$W/hc_server.py" "$W/hc.sock" "$W/hc_down.out"
spawn a V2_PID socat_v2.log socat -t 5 UNIX-LISTEN:"$W/v2.sock",fork \
	SYSTEM:"head -c 28 >$W/v2.hdr; echo ok"
wait_for "socat sockets" 10 test -S "$W/hc.sock" -a -S "$W/v2.sock"

start_xtcpd xtcpd.log --listen "$P_NGX:proxy=$IP_A:$NGX_PORT" \
	--listen "$P_HC:proxy=unix:$W/hc.sock" --listen "$P_DOWN:proxy=$IP_A:9999" \
	--listen "$P_V2:proxy=unix:$W/v2.sock,proxy-v2"

# 1.
on_b timeout 60 curl -sSf --max-time 50 -o "$W/down.bin" "http://$IP_A:$P_NGX/big.bin" ||
	fail "50 MB download through the proxy: curl exit $?"
assert_eq "sha256 of the 50 MB download" "$(sha256sum <"$W/down.bin")" "$(sha256sum <"$W/www/big.bin")"
on_b timeout 60 curl -sSf --max-time 50 -T "$W/upload.bin" "http://$IP_A:$P_NGX/up/u.bin" ||
	fail "50 MB upload through the proxy: curl exit $?"
assert_eq "sha256 of the 50 MB upload" "$(sha256sum <"$W/www/up/u.bin")" "$(sha256sum <"$W/upload.bin")"
pass "nginx behind the proxy: 50 MB down and 50 MB up intact"

# 2. The client, a python script on side b.
cat >"$W/hc.py" <<'PY'
import socket, sys
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), timeout=10)
if mode == "up":
    s.sendall(b"up\n" + b"x" * 100000)
    s.shutdown(socket.SHUT_WR)          # our FIN, after 100003 bytes
    got = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += d
    print(got.decode().strip())
else:
    s.sendall(b"down\n")
    got = b""
    while True:                         # until the backend's FIN
        d = s.recv(65536)
        if not d:
            break
        got += d
    print(got.decode().strip())
    s.sendall(b"after-fin\n")           # still ours to send
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
PY
out=$(on_b timeout 20 /usr/bin/python3 "$W/hc.py" "$IP_A" "$P_HC" up) || fail "half-close up: exit $?"
assert_eq "backend's answer after the client's FIN" "$out" "got 100000"
out=$(on_b timeout 20 /usr/bin/python3 "$W/hc.py" "$IP_A" "$P_HC" down) || fail "half-close down: exit $?"
assert_eq "what the client read before the backend's FIN" "$out" "from-backend"
wait_for "the backend got the client's bytes sent after its FIN" 10 grep -qx after-fin "$W/hc_down.out"
pass "half-close both ways through the proxy"

# 3.
cat >"$W/stall.py" <<'PY'
import hashlib, os, socket, sys, time
host, port, wdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.settimeout(30)
s.connect((host, port))
s.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
open(wdir + "/stalled", "w").close()
deadline = time.time() + 20
while not os.path.exists(wdir + "/go") and time.time() < deadline:
    time.sleep(0.05)
h, head, n = hashlib.sha256(), b"", 0
while True:
    d = s.recv(1 << 16)
    if not d:
        break
    if head is not None:
        head += d
        i = head.find(b"\r\n\r\n")
        if i < 0:
            continue
        d, head = head[i + 4:], None
    h.update(d)
    n += len(d)
print(n, h.hexdigest())
PY
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$XTCPD_PID/status"; }
rss0=$(rss)
spawn b STALL_PID stall.out /usr/bin/python3 "$W/stall.py" "$IP_A" "$P_NGX" "$W"
wait_for "the stalled client's request" 10 test -e "$W/stalled"
# Let the pipe fill: sample until two samples 300 ms apart agree (max 5 s).
prev=0
for _ in $(seq 1 25); do
	sleep 0.3
	cur=$(rss)
	[ "$cur" = "$prev" ] && break
	prev=$cur
done
rss1=$(rss)
touch "$W/go"
wait_exit "$STALL_PID" 30 || fail "the stalled client never finished"
reap "$STALL_PID"
echo "    xtcpd VmRSS: $rss0 kB before, $rss1 kB while the client stalls"
[ $((rss1 - rss0)) -lt 16384 ] || fail "xtcpd grew $((rss1 - rss0)) kB while the client did not read"
assert_eq "the stalled download, read at last" "$(cat "$W/stall.out")" \
	"$MB50 $(sha256sum <"$W/www/big.bin" | cut -d' ' -f1)"
pass "a client that stops reading: xtcpd grows $((rss1 - rss0)) kB, then all 50 MB arrive intact"

# 4.
out=$(on_b timeout 10 curl -s --max-time 5 --local-port 40404 "telnet://$IP_A:$P_V2" </dev/null) || true
assert_eq "the v2 backend's answer" "$out" ok
hdr=$(od -An -tx1 -v "$W/v2.hdr" | tr -d ' \n')
ipx() { printf '%02x' ${1//./ }; }
want=0d0a0d0a000d0a515549540a2111000c$(ipx "$IP_B")$(ipx "$IP_A")$(printf '%04x%04x' 40404 "$P_V2")
assert_eq "PROXY v2 header" "$hdr" "$want"
pass "PROXY protocol v2 header: the client's $IP_B:40404"

# 5.
cat >"$W/down.py" <<'PY'
import socket, sys
# A refused SYN would be ConnectionRefusedError: the port is xtcp's, the
# handshake completes, and only then the reset comes (even inside
# connect(), when it beats the call's return).
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    print("eof" if not s.recv(100) else "data")
except ConnectionResetError:
    print("reset")
PY
out=$(on_b timeout 15 /usr/bin/python3 "$W/down.py" "$IP_A" "$P_DOWN") || fail "backend down: client exit $?"
assert_eq "a client of a proxy whose backend is down" "$out" "reset"
pass "backend down: the client's connection is reset"
stop_xtcpd

# 6. and 7.: a listener that never accepts, its queue already full (a
# backlog of 0 holds one connection: its own), so the kernel drops the
# proxy's SYNs; and nginx with at most two relayed connections.
P_SLOW=8005
SLOW_PORT=9998
cat >"$W/slow.py" <<'PY'
import os, socket, sys, time
ls = socket.socket()
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(0)
fill = socket.create_connection((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3], "w").close()
time.sleep(60)
PY
spawn a SLOW_PID slow.log /usr/bin/python3 "$W/slow.py" "$IP_A" "$SLOW_PORT" "$W/slow.ready"
wait_for "the backend that never accepts" 10 test -e "$W/slow.ready"
start_xtcpd xtcpd2.log --listen "$P_SLOW:proxy=$IP_A:$SLOW_PORT,timeout=300" \
	--listen "$P_NGX:proxy=$IP_A:$NGX_PORT,max=2"

cat >"$W/timed.py" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
t0 = time.monotonic()
try:
    got = s.recv(100)
    print("eof" if not got else "data", end=" ")
except ConnectionResetError:
    print("reset", end=" ")
print(int((time.monotonic() - t0) * 1000))
PY
read -r what ms < <(on_b timeout 15 /usr/bin/python3 "$W/timed.py" "$IP_A" "$P_SLOW") ||
	fail "timeout: the client failed"
assert_eq "a client whose backend never answers" "$what" reset
[ "$ms" -ge 250 ] || fail "reset after $ms ms, before the 300 ms timeout"
pass "backend silent: the client is reset after the connect timeout ($ms ms, timeout 300)"
reap "$SLOW_PID" TERM

# 7. Two clients hold relayed connections (open, idle); a third is reset.
cat >"$W/hold.py" <<'PY'
import os, socket, sys, time
a, p, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
held = [socket.create_connection((a, p), timeout=10) for _ in range(n)]
for s in held:
    s.sendall(b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
    if b"200 OK" not in s.recv(4096):
        sys.exit("no 200 through the proxy")
print("held", flush=True)
while not os.path.exists(go):
    time.sleep(0.02)
PY
printf 'small\n' >"$W/www/small"
spawn b HOLD_PID hold.log timeout 30 /usr/bin/python3 "$W/hold.py" "$IP_A" "$P_NGX" 2 "$W/release"
wait_for "two relayed connections held" 10 grep -q held "$(workfile hold.log)"
out=$(on_b timeout 15 /usr/bin/python3 "$W/down.py" "$IP_A" "$P_NGX") || fail "max: client exit $?"
assert_eq "a third client with max=2 reached" "$out" reset
touch "$W/release"
wait_exit "$HOLD_PID" 10 || fail "the holding client did not end"
reap "$HOLD_PID"
assert_eq "the holding client's exit status" "$REAP_STATUS" 0
fetch() { on_b curl -sf --max-time 5 "http://$IP_A:$P_NGX/small"; }
wait_for "relayed again once the two closed" 5 fetch
pass "max=2: a third client is reset while two are relayed; relayed again after"
stop_xtcpd
