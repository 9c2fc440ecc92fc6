#!/usr/bin/env bash
# Runs the integration tests (`make test-integration`): each
# tests/integration/<name>.sh in a bash of its own, on a testbed of its own
# (named after the test, see tb_name in lib.sh). Prints PASS or FAIL per test
# (with the test's output when it fails, or always with VERBOSE=1), then a
# last line "N passed, N failed". Exits 1 when a test failed, 2 when not root.
#
#   TESTS="test_foundation"   run only these
#   XTCP_TEST_TIMEOUT=300     seconds a test may take before it is stopped
#   XTCP_KEEP=1               keep each test's logs and captures
set -uo pipefail

ALL_TESTS="test_foundation test_engine_http test_engine_echo test_engine_close test_engine_many test_engine_keepalive test_engine_connect test_busy_poll test_fastpath_cookies test_fastpath_flood test_fastpath_auto test_fastpath_rst test_demo test_veth_csum test_impair test_datapath_impair test_bench_tool test_lifecycle test_conns test_install test_trace test_capture test_examples test_proxy test_multiqueue test_memory test_attack_ackflood test_attack_blind test_attack_malformed test_fault_restart test_fault_peer_gone test_fault_umem"

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TIMEOUT_S=${XTCP_TEST_TIMEOUT:-300}

if [ "$(id -u)" -ne 0 ]; then
	echo "integration tests need root (network namespaces, XDP)" >&2
	exit 2
fi

passed=0
failed=0
out=$(mktemp /tmp/xtcp-run.XXXXXX)
trap 'rm -f "$out"' EXIT

for t in ${TESTS:-$ALL_TESTS}; do
	script=$DIR/$t.sh
	if [ ! -f "$script" ]; then
		echo "    no $script"
		echo "FAIL $t"
		failed=$((failed + 1))
		continue
	fi
	start=$(date +%s)
	# TERM first, so that the test's own cleanup runs; KILL 30 s later.
	if [ "${VERBOSE:-0}" = 1 ]; then
		timeout -k 30 "$TIMEOUT_S" bash "$script" 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
	else
		timeout -k 30 "$TIMEOUT_S" bash "$script" >"$out" 2>&1
		rc=$?
	fi
	took=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		echo "PASS $t"
		passed=$((passed + 1))
	else
		[ "${VERBOSE:-0}" = 1 ] || sed 's/^/    /' "$out"
		echo "    exit $rc after ${took}s$([ "$rc" -ne 124 ] || echo ", stopped at the ${TIMEOUT_S}s limit")"
		echo "FAIL $t"
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
