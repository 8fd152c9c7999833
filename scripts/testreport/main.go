// Command testreport turns `go test -json` output into what a person wants
// to read: one line per package as it finishes, the full output of every
// failed test, and a summary at the end — counts, failed tests, why tests
// were skipped, the slowest packages. scripts/test.sh pipes the suite
// through it.
//
// Usage: go test -json ./... 2>&1 | testreport [-v]
//
// With -v every line of test output is echoed as it arrives. Lines that are
// not JSON (go command errors) are echoed as they are. The exit status is 1
// when any package, test or build failed, or nothing was tested; 0 otherwise.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	verbose := flag.Bool("v", false, "echo all test output as it arrives")
	flag.Parse()
	r := newReport(os.Stdout, *verbose)
	start := time.Now()
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		r.line(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stdout, "testreport: reading input:", err)
		r.failures++
	}
	if !r.summary(time.Since(start)) {
		os.Exit(1)
	}
}
