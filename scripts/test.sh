#!/usr/bin/env bash
# Runs Wharf's test suite: installs the real peers the tests use (Debian
# packages, when missing), downloads Go modules, builds, runs `go test` over
# the module and prints a summary. CI runs exactly this (.ci/run).
#
#   ./scripts/test.sh                          # the whole suite
#   ./scripts/test.sh -short                   # skip slow and peer tests (no installs)
#   ./scripts/test.sh ./internal/zk/...        # some packages
#   ./scripts/test.sh -run 'TestX/wharf' -v ./internal/zk/server
#
# Arguments that look like packages (./…, ../…, github.com/…) select
# packages (default ./...); everything else goes to `go test` as flags. -v
# prints all test output as it comes (the summary is printed either way).
#
# Environment:
#   CI=true              a missing peer fails its tests instead of skipping them
#   WHARF_TEST_TIMEOUT   go test -timeout per package binary (default 20m)
#   WHARF_SKIP_DEPS=1    do not install Debian packages
#   WHARF_BIN            test this wharf binary instead of building ./cmd/wharf
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

is_ci() { case "${CI:-}" in 1 | true | TRUE | True | yes) return 0 ;; esac; return 1; }
step() { printf '\n==> %s\n' "$*"; }

flags=()
pkgs=()
short=0
verbose=()
timeout_set=0
for a in "$@"; do
	case "$a" in
	-short | --short | -short=true) short=1; flags+=(-short) ;;
	-v | -v=true | -test.v) verbose=(-v) ;; # -json already carries all output
	-timeout | -timeout=* | --timeout | --timeout=*) timeout_set=1; flags+=("$a") ;;
	./* | ../* | . | github.com/*) pkgs+=("$a") ;;
	*) flags+=("$a") ;;
	esac
done
((${#pkgs[@]})) || pkgs=(./...)
((timeout_set)) || flags+=(-timeout "${WHARF_TEST_TIMEOUT:-20m}")

start=$(date +%s)

if ! command -v go >/dev/null 2>&1; then
	echo "test.sh: go is not on PATH (https://go.dev/dl/; the module needs $(sed -n 's/^go //p' go.mod))" >&2
	exit 1
fi

if ((short)) || [[ "${WHARF_SKIP_DEPS:-}" == 1 ]]; then
	: # -short runs no peers
else
	step "test dependencies (Debian packages)"
	if ! scripts/install-test-deps.sh; then
		if is_ci; then
			echo "test.sh: cannot install the test dependencies under CI" >&2
			exit 1
		fi
		echo "test.sh: going on without them; tests that need a missing peer will skip" >&2
	else
		echo "ok"
	fi
fi

step "go mod download"
go mod download

step "go build ${pkgs[*]}"
build_ok=1
if ! go build "${pkgs[@]}"; then
	build_ok=0
	echo "test.sh: build failed; running the tests anyway, to show what else passes or fails" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/wharf-test.XXXXXX")
go build -o "$work/testreport" ./scripts/testreport

step "go test -count=1 ${flags[*]} ${pkgs[*]}"
log="$work/go-test.json"
set +o pipefail +e
go test -json -count=1 "${flags[@]}" "${pkgs[@]}" 2>&1 | tee "$log" | "$work/testreport" "${verbose[@]}"
status=("${PIPESTATUS[@]}")
set -o pipefail -e

elapsed=$(($(date +%s) - start))
printf 'total time %dm%02ds\n' $((elapsed / 60)) $((elapsed % 60))
if ((elapsed > 30 * 60)) && ((!short)); then
	echo "test.sh: warning: the suite took over 30 minutes (the CI budget); see the slowest packages above" >&2
fi

if ((!build_ok)); then
	echo "test.sh: FAIL: the build failed (see above)"
fi
if ((!build_ok || status[0] != 0 || status[2] != 0)); then
	echo "raw go test -json output: $log"
	exit 1
fi
rm -rf "$work"
