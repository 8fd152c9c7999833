#!/usr/bin/env bash
# Installs the real peers and clients the tests run against (Debian/Ubuntu):
# Apache ZooKeeper 3.8 and its Java CLI, the C client (cli_mt), kazoo,
# slf4j bindings, netcat; the Kafka clients (kcat, confluent-kafka-python,
# kafka-python, rsyslog's omkafka, Burrow, Node.js) and kafkajs from npm.
# Idempotent: when everything is present it only runs dpkg-query, looks at
# one package.json and exits. Uses sudo for apt-get when not root (sudo -n
# when there is no terminal to ask for a password on); npm runs as the
# caller.
#
# kafkajs goes to $WHARF_NPM_DIR (default ~/.cache/wharf/npm, or
# $XDG_CACHE_HOME/wharf/npm), where internal/testutil/kafkapeer looks for it.
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
	# Kafka clients (test/kafkainterop, internal/testutil/kafkapeer)
	kcat                    # kcat 1.7 on librdkafka 2.0 (gzip, snappy, lz4, zstd)
	python3-confluent-kafka # confluent_kafka 1.7 (librdkafka) under /usr/bin/python3
	python3-kafka           # kafka-python 2.0
	rsyslog                 # rsyslogd; tests run their own (under systemd the package also starts the system one)
	rsyslog-kafka           # rsyslog's omkafka output module
	burrow                  # /usr/bin/Burrow, consumer-lag monitor (reads __consumer_offsets)
)
# Node.js for kafkajs: only when there is none (NodeSource's nodejs brings
# npm along and conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

# kafkajs, pinned; installed with npm into a cache outside the checkout.
kafkajs_version=2.2.4
npm_dir=${WHARF_NPM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wharf/npm}

status=0

# installed_kafkajs prints the version of kafkajs in $npm_dir, if any.
installed_kafkajs() {
	sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$npm_dir/node_modules/kafkajs/package.json" 2>/dev/null | head -n1
}

install_kafkajs() {
	[[ "$(installed_kafkajs)" == "$kafkajs_version" ]] && return 0
	if ! command -v npm >/dev/null 2>&1; then
		echo "install-test-deps: no npm; cannot install kafkajs@$kafkajs_version" >&2
		return 1
	fi
	echo "install-test-deps: npm install kafkajs@$kafkajs_version into $npm_dir" >&2
	mkdir -p "$npm_dir" || return 1
	# A package.json of its own keeps npm from walking up to some other project.
	[[ -f "$npm_dir/package.json" ]] ||
		printf '{"name":"wharf-test-npm","private":true}\n' >"$npm_dir/package.json" || return 1
	npm install --prefix "$npm_dir" --ignore-scripts --no-audit --no-fund \
		--loglevel=error "kafkajs@$kafkajs_version" >&2 || return 1
	[[ "$(installed_kafkajs)" == "$kafkajs_version" ]]
}

install_debs() {
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "install-test-deps: not a Debian system (no dpkg-query); install by hand: ${packages[*]}" >&2
		return 1
	fi
	local missing=() p st
	for p in "${packages[@]}"; do
		st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		if [[ "$st" != ii* ]]; then
			missing+=("$p")
		fi
	done
	((${#missing[@]} == 0)) && return 0
	echo "install-test-deps: installing ${missing[*]}" >&2

	local sudo=()
	if ((EUID != 0)); then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "install-test-deps: not root and no sudo; as root run: apt-get install -y ${missing[*]}" >&2
			return 1
		fi
		if [[ -t 0 ]]; then
			sudo=(sudo)
		else
			sudo=(sudo -n)
		fi
	fi
	local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0)
	if ! "${apt[@]}" update; then
		echo "install-test-deps: apt-get update failed" >&2
		return 1
	fi
	if ! "${apt[@]}" install "${missing[@]}"; then
		echo "install-test-deps: apt-get install ${missing[*]} failed" >&2
		return 1
	fi
}

install_debs || status=1
install_kafkajs || {
	echo "install-test-deps: kafkajs@$kafkajs_version is not installed in $npm_dir" >&2
	status=1
}
exit "$status"
