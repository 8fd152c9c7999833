#!/usr/bin/env bash
# Runs every fuzz target (func FuzzX(f *testing.F) in a _test.go file) for a
# while each. `go test` already runs their seed corpora; this searches for
# new failing inputs. A failure leaves the input in the package's
# testdata/fuzz/FuzzX/ — commit it, and it becomes a regression seed.
#
#   ./scripts/fuzz.sh                    # every target, 10s each
#   ./scripts/fuzz.sh -t 60 ./internal/zk/...
#   ./scripts/fuzz.sh -t 30 -run Jute    # targets whose name matches a regexp
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

secs=10
match=.
pkgs=()
while (($#)); do
	case "$1" in
	-t) secs=$2 && shift 2 ;;
	-run) match=$2 && shift 2 ;;
	-h | --help)
		sed -n '2,10p' "$0"
		exit 0
		;;
	*) pkgs+=("$1") && shift ;;
	esac
done
((${#pkgs[@]})) || pkgs=(./...)

failed=()
ran=0
while read -r pkg dir; do
	[[ -n "$dir" ]] || continue
	targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*(' "$dir"/*_test.go 2>/dev/null | sed 's/^func //; s/($//' | sort -u || true)
	for t in $targets; do
		[[ "$t" =~ $match ]] || continue
		ran=$((ran + 1))
		echo "==> $pkg $t (${secs}s)"
		if ! go test -run '^$' -fuzz "^${t}\$" -fuzztime "${secs}s" "$pkg"; then
			failed+=("$pkg $t")
		fi
	done
done < <(go list -f '{{.ImportPath}} {{.Dir}}' "${pkgs[@]}")

echo
echo "fuzz targets run: $ran, failed: ${#failed[@]}"
for f in "${failed[@]}"; do
	echo "  FAIL $f (failing input under its testdata/fuzz/)"
done
((${#failed[@]} == 0))
