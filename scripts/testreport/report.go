package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json's TestEvent, plus the
// build events `go test -json` interleaves).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string
	ImportPath  string // build-output, build-fail
}

type testKey struct{ pkg, test string }

type pkgResult struct {
	name    string
	action  string // pass, fail, skip
	elapsed float64
	tests   map[string]int // action -> count of top-level and sub tests
	build   bool           // failed to build
}

type report struct {
	w       io.Writer
	verbose bool

	output   map[testKey][]string // buffered output per test ("" = package level)
	pkgs     map[string]*pkgResult
	failed   []testKey
	skipped  map[string][]testKey // reason -> tests
	builds   map[string][]string  // import path -> build output
	failures int                  // failures not attached to a test or package (bad input)
}

func newReport(w io.Writer, verbose bool) *report {
	return &report{
		w: w, verbose: verbose,
		output:  map[testKey][]string{},
		pkgs:    map[string]*pkgResult{},
		skipped: map[string][]testKey{},
		builds:  map[string][]string{},
	}
}

func (r *report) pkg(name string) *pkgResult {
	p := r.pkgs[name]
	if p == nil {
		p = &pkgResult{name: name, tests: map[string]int{}}
		r.pkgs[name] = p
	}
	return p
}

// line takes one line of input.
func (r *report) line(b []byte) {
	var e event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &e) != nil {
		fmt.Fprintf(r.w, "%s\n", b)
		return
	}
	r.add(e)
}

func (r *report) add(e event) {
	switch e.Action {
	case "build-output":
		r.builds[e.ImportPath] = append(r.builds[e.ImportPath], e.Output)
		fmt.Fprint(r.w, e.Output)
		return
	case "build-fail":
		return
	}
	k := testKey{e.Package, e.Test}
	switch e.Action {
	case "output":
		if r.verbose {
			fmt.Fprint(r.w, e.Output)
		}
		r.output[k] = append(r.output[k], e.Output)
	case "pass", "fail", "skip":
		if e.Test == "" {
			r.endPackage(e)
			return
		}
		p := r.pkg(e.Package)
		p.tests[e.Action]++
		switch e.Action {
		case "fail":
			r.failed = append(r.failed, k)
			if !r.verbose && !r.hasFailedChild(k) {
				fmt.Fprintf(r.w, "--- FAIL: %s (%s)\n%s", e.Test, e.Package, strings.Join(r.output[k], ""))
			}
		case "skip":
			reason := skipReason(r.output[k])
			r.skipped[reason] = append(r.skipped[reason], k)
		}
		delete(r.output, k)
	}
}

// hasFailedChild reports whether a subtest of k already failed (and had its
// output printed), so a parent's "--- FAIL" adds nothing.
func (r *report) hasFailedChild(k testKey) bool {
	for _, f := range r.failed {
		if f.pkg == k.pkg && strings.HasPrefix(f.test, k.test+"/") {
			return true
		}
	}
	return false
}

func (r *report) endPackage(e event) {
	p := r.pkg(e.Package)
	p.action, p.elapsed = e.Action, e.Elapsed
	p.build = e.FailedBuild != ""
	k := testKey{e.Package, ""}
	switch {
	case e.Action == "fail" && p.build:
		fmt.Fprintf(r.w, "FAIL %s [build failed]\n", e.Package)
	case e.Action == "fail":
		// Package-level output holds panics, timeouts and TestMain failures.
		if !r.verbose {
			for _, l := range r.output[k] {
				if !isResultLine(l) {
					fmt.Fprint(r.w, l)
				}
			}
		}
		fmt.Fprintf(r.w, "FAIL %s %.1fs\n", e.Package, e.Elapsed)
	case e.Action == "skip":
		// no test files
	default:
		fmt.Fprintf(r.w, "ok   %s %.1fs (%d passed, %d skipped)\n", e.Package, e.Elapsed, p.tests["pass"], p.tests["skip"])
	}
	delete(r.output, k)
}

// isResultLine matches the lines go test prints at the end of a package,
// which the report prints in its own form.
func isResultLine(l string) bool {
	return l == "PASS\n" || l == "FAIL\n" || strings.HasPrefix(l, "FAIL\t") || strings.HasPrefix(l, "ok  \t")
}

var fileLine = regexp.MustCompile(`^\s*[\w./-]+\.go:\d+: `)

// skipReason is the message the test gave t.Skip: the last output line
// before "--- SKIP", without its file:line prefix.
func skipReason(out []string) string {
	for i := len(out) - 1; i >= 0; i-- {
		l := strings.TrimSpace(out[i])
		if l == "" || strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		return strings.TrimSpace(fileLine.ReplaceAllString(out[i], ""))
	}
	return "(no reason given)"
}

// summary prints the totals and reports whether the run passed.
func (r *report) summary(wall time.Duration) bool {
	var ok, failed, build, noTests int
	tests := map[string]int{}
	for _, p := range r.pkgs {
		for a, n := range p.tests {
			tests[a] += n
		}
		switch {
		case p.build:
			build++
		case p.action == "fail":
			failed++
		case p.action == "skip":
			noTests++
		case p.action == "pass":
			ok++
		}
	}
	if build == 0 && len(r.builds) > 0 {
		build = 1 // build output with no package marked: still a failed build
	}

	w := r.w
	fmt.Fprintf(w, "\n======== summary (%s) ========\n", wall.Round(time.Second))
	fmt.Fprintf(w, "packages: %d ok, %d failed, %d failed to build, %d without tests\n", ok, failed, build, noTests)
	fmt.Fprintf(w, "tests:    %d passed, %d failed, %d skipped\n", tests["pass"], tests["fail"], tests["skip"])

	if len(r.failed) > 0 {
		fmt.Fprintln(w, "\nfailed tests:")
		for _, k := range r.failed {
			fmt.Fprintf(w, "  %s  %s\n", k.pkg, k.test)
		}
	}
	if len(r.skipped) > 0 {
		fmt.Fprintln(w, "\nskipped, by reason:")
		reasons := slices.SortedFunc(maps.Keys(r.skipped), func(a, b string) int {
			return cmp.Or(cmp.Compare(len(r.skipped[b]), len(r.skipped[a])), cmp.Compare(a, b))
		})
		for i, reason := range reasons {
			if i == 8 {
				fmt.Fprintf(w, "  … and %d more reasons\n", len(reasons)-i)
				break
			}
			ks := r.skipped[reason]
			fmt.Fprintf(w, "  %4d  %s  (e.g. %s)\n", len(ks), reason, ks[0].test)
		}
	}
	timed := slices.SortedFunc(maps.Values(r.pkgs), func(a, b *pkgResult) int { return cmp.Compare(b.elapsed, a.elapsed) })
	if len(timed) > 0 && timed[0].elapsed > 0 {
		fmt.Fprintln(w, "\nslowest packages:")
		for _, p := range timed[:min(5, len(timed))] {
			if p.elapsed > 0 {
				fmt.Fprintf(w, "  %6.1fs  %s\n", p.elapsed, p.name)
			}
		}
	}
	pass := failed == 0 && build == 0 && tests["fail"] == 0 && r.failures == 0 && len(r.pkgs) > 0
	if pass {
		fmt.Fprintln(w, "\nPASS")
	} else {
		fmt.Fprintln(w, "\nFAIL")
	}
	return pass
}
