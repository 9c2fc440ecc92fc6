#!/usr/bin/env bash
# tools/impair (build/impair) on side b, with the Linux kernel on both
# sides: each impairment happens at the rate asked, its counters agree with
# what both kernels counted, and it leaves nothing behind.
#
#   1. loss 10%, dup 5%, corrupt 5% both ways, on 3000 probes from a (TCP
#      ACKs with 100 bytes to a closed port; b's kernel answers each good
#      one with a RST, so b -> a carries ~2700 segments): the tool's counts
#      equal the kernels' (TcpInSegs, TcpInCsumErrors, TcpOutRsts) exactly,
#      and each rate lies within Z standard deviations of its binomial mean
#   2. delay 10ms ± 5ms, each direction alone: 100 SYN/RST round trips
#      timed by a capture on a: none under 5 ms, mean 10 ms within what 100
#      uniform samples allow, spread that of a uniform ±5 ms
#   3. reorder 25% a -> b on a 4 MB TCP transfer: the rate, segments really
#      overtaken, b's kernel queued out-of-order segments, the bytes intact
#   4. (not asserted) a 20 MB transfer at 1% loss: time and the tool's CPU
#   5. SIGTERM: exit 0, rules gone (probes pass), GSO on b as it was;
#      --port leaves other ports alone; SIGKILL: the kernel removes the
#      rules with the process
#   6. bad usage exits 2
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

IMPAIR_BIN=$BUILD/impair
PROBES=3000
PROBE_PORT=9		# closed on b: every good probe gets a RST
BULK_PORT=5001
Z=4.5			# a false alarm once in ~150000 checks
IMPAIR_PID=

[ -x "$IMPAIR_BIN" ] || fail "no $IMPAIR_BIN: run make"

# --- helpers ---------------------------------------------------------------------

# ctr a|b NAME: kernel counter NAME (nstat's name) in that side's namespace.
ctr() {
	"on_$1" nstat -asz "$2" | awk -v n="$2" '$1 == n { print $2; f = 1 } END { exit !f }'
}

# count LOG DIR NAME: counter NAME of direction DIR from impair's last
# text report in LOG.
count() {
	awk -v d="$2" -v n="$3" '$1 == "impair:" && $2 == d {
		for (i = 3; i < NF; i += 2) if ($i == n) v = $(i + 1) }
		END { if (v == "") exit 1; print v }' "$(workfile "$1")"
}

# delta a|b NAME: how much counter NAME grew since `before` was taken.
declare -A before
delta() {
	echo $(($(ctr "$1" "$2") - ${before["$1 $2"]}))
}

impair_ready() {
	grep -q "ready" "$1" && return 0
	alive "$IMPAIR_PID" || cat "$1"
	return 1
}

# impair_start LOG ARG...: impair on side b's device with ARG..., PID in
# IMPAIR_PID, once it says it is ready.
impair_start() {
	local log=$1
	shift
	spawn host IMPAIR_PID "$log" "$IMPAIR_BIN" --netns "$NS_B" --dev "$IF_B" "$@"
	wait_for "impair $* ready" 5 impair_ready "$(workfile "$log")"
}

# impair_stop: SIGTERM, which must end it with status 0 within 5 s.
impair_stop() {
	reap "$IMPAIR_PID" TERM 5
	assert_eq "impair exit status after SIGTERM" "$REAP_STATUS" 0
}

# probe N [INTERVAL_US [PORT]]: N TCP ACKs with 100 bytes from a to a
# closed port of b's.
probe() {
	on_a timeout 30 hping3 -q -A -d 100 -c "$1" -i "u${2:-200}" -p "${3:-$PROBE_PORT}" \
		"$IP_B" >/dev/null 2>&1 || true	# exits 1 when nothing answers
}

# binom WHAT K N P: K hits in N trials lie within Z standard deviations of
# N * P.
binom() {
	local what=$1 k=$2 n=$3 p=$4 verdict
	verdict=$(awk -v k="$k" -v n="$n" -v p="$p" -v z="$Z" 'BEGIN {
		m = n * p; sd = sqrt(n * p * (1 - p)); lo = m - z * sd; hi = m + z * sd
		printf "%d of %d = %.2f%%, want %g%% (%.0f..%.0f)", k, n, 100 * k / n, 100 * p,
			(lo < 0 ? 0 : lo), hi
		exit !(n > 0 && k >= lo && k <= hi) }') || fail "$what: $verdict"
	pass "$what: $verdict"
}

# --- 1. loss, duplication, corruption ----------------------------------------------

tb_up "$TB"
echo "testbed $TB: $IF_A $IP_A ($NS_A) <-> $IF_B $IP_B ($NS_B)"

for c in "a TcpInSegs" "a TcpInCsumErrors" "b TcpInSegs" "b TcpInCsumErrors" "b TcpOutRsts"; do
	# shellcheck disable=SC2086 # "SIDE NAME", split on purpose
	before[$c]=$(ctr $c)
done
impair_start mixed.log --loss 10% --dup 5% --corrupt 5% --seed 8
probe "$PROBES"
impair_stop

for d in in out; do
	for n in seen dropped duplicated corrupted send_errors kernel_dropped overflow; do
		declare "${d}_$n=$(count mixed.log "$d" "$n")"
	done
done
# shellcheck disable=SC2154 # in_* and out_* come from the declare above
{
	assert_eq "a -> b segments impair saw" "$in_seen" "$PROBES"
	assert_eq "b's TcpInSegs = seen - dropped + duplicated (a -> b)" \
		"$(delta b TcpInSegs)" $((in_seen - in_dropped + in_duplicated))
	assert_eq "b's TcpInCsumErrors = corrupted (a -> b)" "$(delta b TcpInCsumErrors)" "$in_corrupted"
	assert_eq "b -> a segments impair saw = b's TcpOutRsts" "$out_seen" "$(delta b TcpOutRsts)"
	assert_eq "a's TcpInSegs = seen - dropped + duplicated (b -> a)" \
		"$(delta a TcpInSegs)" $((out_seen - out_dropped + out_duplicated))
	assert_eq "a's TcpInCsumErrors = corrupted (b -> a)" "$(delta a TcpInCsumErrors)" "$out_corrupted"
	for d in in out; do
		for n in send_errors kernel_dropped overflow; do
			v=${d}_$n
			assert_eq "$d $n" "${!v}" 0
		done
	done
	pass "impair's counts equal both kernels' counters, both directions"

	binom "loss a -> b" "$in_dropped" "$in_seen" 0.10
	binom "loss b -> a" "$out_dropped" "$out_seen" 0.10
	binom "dup a -> b" "$in_duplicated" $((in_seen - in_dropped)) 0.05
	binom "dup b -> a" "$out_duplicated" $((out_seen - out_dropped)) 0.05
	binom "corrupt a -> b (payload bytes; caught by b's checksum)" \
		"$in_corrupted" $((in_seen - in_dropped)) 0.05
	binom "corrupt b -> a (RSTs: checksum field; caught by a's checksum)" \
		"$out_corrupted" $((out_seen - out_dropped)) 0.05
}

# --- 2. delay with jitter ------------------------------------------------------------

# rtts PCAP: "n mean sd min max" in ms of the SYN -> RST round trips that a
# capture on a holds (hping3 gives each SYN a source port of its own).
rtts() {
	tcpdump -n -tt -r "$1" 2>/dev/null | awk '
		$5 ~ /\.'"$PROBE_PORT"':$/ { sent[$3] = $1; next }
		$3 ~ /\.'"$PROBE_PORT"'$/ {
			k = $5; sub(/:$/, "", k)
			if (!(k in sent)) next
			r = ($1 - sent[k]) * 1000; s += r; ss += r * r; n++
			if (n == 1 || r < mn) mn = r
			if (r > mx) mx = r
		}
		END { if (!n) exit 1; m = s / n; sd = ss / n - m * m
			printf "%d %.3f %.3f %.3f %.3f\n", n, m, (sd > 0 ? sqrt(sd) : 0), mn, mx }'
}

for d in in out; do
	pcap=$WORKDIR/delay_$d.pcap
	impair_start "delay_$d.log" --dir "$d" --delay 10ms --jitter 5ms
	spawn a TCPDUMP_PID "tcpdump_$d.log" timeout 60 \
		tcpdump -i "$IF_A" -n -U --immediate-mode -Z root -w "$pcap" "tcp port $PROBE_PORT"
	wait_for "tcpdump listening on $IF_A" 5 grep -q "listening on" "$WORKDIR/tcpdump_$d.log"
	# 10 ms apart, no less than the jitter's whole span: in-order release
	# never holds one segment for the one before it.
	on_a timeout 30 hping3 -q -S -c 100 -i u10000 -p "$PROBE_PORT" "$IP_B" >/dev/null 2>&1 || true
	reap "$TCPDUMP_PID" INT 5
	impair_stop
	read -r n mean sd mn mx <<<"$(rtts "$pcap")" || fail "no round trips in $pcap"
	assert_eq "round trips timed ($d)" "$n" 100
	assert_eq "segments delayed ($d)" "$(count "delay_$d.log" "$d" delayed)" 100
	# The delay is a floor: no round trip under 5 ms. The mean of 100
	# uniform ±5 ms samples has a standard deviation of 0.29 ms; allow
	# Z of them, plus 1 ms above for a busy machine's wake-ups. A uniform
	# ±5 ms has a standard deviation of 2.89 ms.
	awk -v n="$n" -v m="$mean" -v sd="$sd" -v mn="$mn" -v mx="$mx" -v z="$Z" 'BEGIN {
		lo = 10 - z * 0.289; hi = 10 + z * 0.289 + 1
		exit !(mn >= 5 && m >= lo && m <= hi && sd >= 2 && sd <= 4) }' ||
		fail "delay $d: rtt mean $mean sd $sd min $mn max $mx ms; want min >= 5, mean 10 ± $Z·0.29 (+1), sd 2..4"
	pass "delay $d 10ms ± 5ms: 100 round trips, mean $mean ms, sd $sd, min $mn, max $mx"
done

# --- 3. reordering --------------------------------------------------------------------

head -c $((4 * 1024 * 1024)) /dev/urandom >"$WORKDIR/blob4"
ofo_before=$(ctr b TcpExtTCPOFOQueue)
impair_start reorder.log --dir in --reorder 25%
spawn a SERVER_PID server.log timeout 30 socat -u "OPEN:$WORKDIR/blob4" \
	"TCP-LISTEN:$BULK_PORT,reuseaddr"
wait_for "socat listening on a:$BULK_PORT" 5 sh -c \
	"nsenter --net=/run/netns/$NS_A ss -Hltn 'sport = :$BULK_PORT' | grep -q ."
on_b timeout 30 socat -u "TCP:$IP_A:$BULK_PORT" - >"$WORKDIR/got4"
reap "$SERVER_PID" TERM 5
impair_stop
assert_eq "4 MB through 25% reordering, sha256" \
	"$(sha256sum <"$WORKDIR/got4")" "$(sha256sum <"$WORKDIR/blob4")"
seen=$(count reorder.log in seen)
reordered=$(count reorder.log in reordered)
overtaken=$(count reorder.log in overtaken)
ofo=$(($(ctr b TcpExtTCPOFOQueue) - ofo_before))
binom "reorder a -> b" "$reordered" "$seen" 0.25
# At ~1 Gbit/s a 1 ms hold lets ~80 segments pass; a held segment no later
# one overtook can only be one of the last of the transfer.
assert_ge "reordered segments overtaken (of $reordered)" "$overtaken" $((reordered * 9 / 10))
assert_ge "b's TcpExtTCPOFOQueue" "$ofo" 1
pass "reordering seen by b's kernel: $overtaken overtaken, TCPOFOQueue +$ofo"

# --- 4. CPU at 1% loss (reported, not asserted) ------------------------------------------

cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"
}
head -c 20000000 /dev/urandom >"$WORKDIR/blob20"
impair_start cpu.log --loss 1%
spawn a SERVER_PID server20.log timeout 30 socat -u "OPEN:$WORKDIR/blob20" \
	"TCP-LISTEN:$BULK_PORT,reuseaddr"
wait_for "socat listening on a:$BULK_PORT" 5 sh -c \
	"nsenter --net=/run/netns/$NS_A ss -Hltn 'sport = :$BULK_PORT' | grep -q ."
cpu0=$(cpu_ms "$IMPAIR_PID")
t0=$(now_ms)
got=$(on_b timeout 30 socat -u "TCP:$IP_A:$BULK_PORT" - | wc -c)
t1=$(now_ms)
cpu1=$(cpu_ms "$IMPAIR_PID")
reap "$SERVER_PID" TERM 5
impair_stop
assert_eq "bytes through 1% loss" "$got" 20000000
segs=$(($(count cpu.log in seen) + $(count cpu.log out seen)))
echo "  info: 20 MB a -> b at 1% loss each way: $((t1 - t0)) ms" \
	"($((20000000 * 8 / 1000 / (t1 - t0 + 1))) Mbit/s); impair used" \
	"$((cpu1 - cpu0)) ms of CPU for $segs segments"

# --- 5. leaving nothing behind ----------------------------------------------------------

gso() {
	on_b ethtool -k "$IF_B" | awk '$1 == "generic-segmentation-offload:" { print $2 }'
}

# probe_passes N: N probes all reach b, and all N RSTs reach a.
probe_passes() {
	local a0 b0
	a0=$(ctr a TcpInSegs)
	b0=$(ctr b TcpInSegs)
	probe "$1" 1000
	assert_eq "probes that reached b" $(($(ctr b TcpInSegs) - b0)) "$1"
	assert_eq "RSTs that reached a" $(($(ctr a TcpInSegs) - a0)) "$1"
}

gso_was=$(gso)
impair_start drop_all.log --loss 100% --json
b0=$(ctr b TcpInSegs)
probe 20 1000
assert_eq "probes that reached b through 100% loss" $(($(ctr b TcpInSegs) - b0)) 0
assert_eq "GSO on $IF_B while impair runs" "$(gso)" off
impair_stop
grep -q '^{"event":"final","seed":[0-9]*,"in":{"on":true,"seen":20,"dropped":20,' \
	"$WORKDIR/drop_all.log" || fail "no final JSON line: $(tail -n 1 "$WORKDIR/drop_all.log")"
probe_passes 50
assert_eq "GSO on $IF_B after impair" "$(gso)" "$gso_was"
pass "SIGTERM: exit 0, JSON counters, rules gone, GSO back to $gso_was"

impair_start port.log --loss 100% --port $((PROBE_PORT + 1))
b0=$(ctr b TcpInSegs)
probe 20 1000 $((PROBE_PORT + 1))
assert_eq "probes to :$((PROBE_PORT + 1)) that reached b through --port $((PROBE_PORT + 1)) --loss 100%" \
	$(($(ctr b TcpInSegs) - b0)) 0
probe_passes 20
impair_stop
pass "--port: only that port's segments are impaired"

impair_start crash.log --loss 100%
reap "$IMPAIR_PID" KILL 5
probe_passes 50
impair_start again.log --loss 0%
impair_stop
pass "SIGKILL: the kernel removed the rules with the process; a new impair starts over"

# --- 6. bad usage -------------------------------------------------------------------------

for args in "--loss 10%" "--dev $IF_B --loss 200%" "--dev $IF_B --delay 5parsecs" "--dev $IF_B --dir sideways"; do
	rc=0
	# shellcheck disable=SC2086 # word splitting wanted
	"$IMPAIR_BIN" --netns "$NS_B" $args >/dev/null 2>"$WORKDIR/bad.err" || rc=$?
	assert_eq "exit status of impair $args" "$rc" 2
	assert_eq "lines on stderr from impair $args" "$(wc -l <"$WORKDIR/bad.err")" 1
done
pass "bad usage: exit 2, one line on stderr"
