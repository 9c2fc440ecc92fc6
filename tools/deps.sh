#!/usr/bin/env bash
# Installs the Debian packages that xtcp's build, tests, demo and bench
# need: only what is missing, non-interactively, with one 'apt-get update'
# and only when something is missing.
set -euo pipefail

PACKAGES=(
	make gcc clang llvm pkg-config            # toolchain (clang: BPF side)
	libbpf-dev libxdp-dev libelf-dev zlib1g-dev bpftool xdp-tools
	libcriterion-dev libclang-rt-14-dev       # unit tests, libFuzzer runtime
	valgrind                                  # make valgrind
	iproute2 ethtool iputils-ping tcpdump     # testbed and captures
	socat curl netcat-openbsd wrk hping3      # Linux peers and load
	gnuplot-nox                               # make bench's plots
	coreutils procps util-linux               # sha256sum, pgrep-free ps, nsenter
	libnftnl-dev libmnl-dev libnetfilter-queue-dev  # tools/impair: nftables, NFQUEUE
	systemd man-db                            # test_install: systemd-analyze verify, man
	nginx-light python3                       # test_proxy: the backend; test_examples: a Linux HTTP server
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
