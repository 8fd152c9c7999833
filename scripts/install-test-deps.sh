#!/usr/bin/env bash
# Installs the real peers and clients the tests run against (Debian/Ubuntu):
# Apache ZooKeeper 3.8 and its Java CLI, the C client (cli_mt), kazoo,
# slf4j bindings, netcat. Idempotent: when everything is present it only
# runs dpkg-query and exits. Uses sudo when not root (sudo -n when there is
# no terminal to ask for a password on).
#
# Exit status: 0 when everything is installed, 1 when something is missing
# and could not be installed (scripts/test.sh then goes on outside CI, and the
# tests that need a missing peer skip; under CI=true it stops).
set -euo pipefail

packages=(
	zookeeper         # /usr/share/java/zookeeper.jar, the server and zkCli; pulls a JRE
	libzookeeper-java # the jar and the jars its manifest names
	libslf4j-java     # slf4j-simple (server log) and slf4j-nop (quiet CLI)
	zookeeper-bin     # /usr/lib/zookeeper/bin/cli_mt, the C client
	python3           # /usr/bin/python3: Debian's python3-* load only under it
	python3-kazoo     # kazoo, the Python client
	netcat-openbsd    # nc, for four-letter words by hand (echo ruok | nc -q1 host port)
)

die() {
	echo "install-test-deps: $*" >&2
	exit 1
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	die "not a Debian system (no dpkg-query); install by hand: ${packages[*]}"
fi

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	if [[ "$status" != ii* ]]; then
		missing+=("$p")
	fi
done
if ((${#missing[@]} == 0)); then
	exit 0
fi
echo "install-test-deps: installing ${missing[*]}" >&2

sudo=()
if ((EUID != 0)); then
	if ! command -v sudo >/dev/null 2>&1; then
		die "not root and no sudo; as root run: apt-get install -y ${missing[*]}"
	fi
	if [[ -t 0 ]]; then
		sudo=(sudo)
	else
		sudo=(sudo -n)
	fi
fi

apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0)
if ! "${apt[@]}" update; then
	die "apt-get update failed"
fi
if ! "${apt[@]}" install "${missing[@]}"; then
	die "apt-get install ${missing[*]} failed"
fi

