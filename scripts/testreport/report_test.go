package main

import (
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, verbose bool, lines ...string) (string, bool) {
	t.Helper()
	var b strings.Builder
	r := newReport(&b, verbose)
	for _, l := range lines {
		r.line([]byte(l))
	}
	ok := r.summary(time.Second)
	return b.String(), ok
}

const (
	pkgA = `"Package":"example.com/a"`
	pkgB = `"Package":"example.com/b"`
)

func TestReport(t *testing.T) {
	tests := []struct {
		name   string
		lines  []string
		pass   bool
		want   []string
		unwant []string
	}{
		{
			name: "all pass",
			lines: []string{
				`{"Action":"start",` + pkgA + `}`,
				`{"Action":"run",` + pkgA + `,"Test":"TestX"}`,
				`{"Action":"output",` + pkgA + `,"Test":"TestX","Output":"noise\n"}`,
				`{"Action":"pass",` + pkgA + `,"Test":"TestX","Elapsed":0.1}`,
				`{"Action":"output",` + pkgA + `,"Output":"PASS\n"}`,
				`{"Action":"pass",` + pkgA + `,"Elapsed":0.2}`,
			},
			pass:   true,
			want:   []string{"ok   example.com/a 0.2s (1 passed, 0 skipped)", "packages: 1 ok, 0 failed", "tests:    1 passed, 0 failed, 0 skipped", "\nPASS\n"},
			unwant: []string{"noise"},
		},
		{
			name: "failed subtest prints its output once",
			lines: []string{
				`{"Action":"run",` + pkgA + `,"Test":"TestX"}`,
				`{"Action":"run",` + pkgA + `,"Test":"TestX/sub"}`,
				`{"Action":"output",` + pkgA + `,"Test":"TestX/sub","Output":"    x_test.go:9: boom\n"}`,
				`{"Action":"fail",` + pkgA + `,"Test":"TestX/sub","Elapsed":0}`,
				`{"Action":"fail",` + pkgA + `,"Test":"TestX","Elapsed":0}`,
				`{"Action":"output",` + pkgA + `,"Output":"FAIL\n"}`,
				`{"Action":"output",` + pkgA + `,"Output":"FAIL\texample.com/a\t0.1s\n"}`,
				`{"Action":"fail",` + pkgA + `,"Elapsed":0.1}`,
			},
			want:   []string{"--- FAIL: TestX/sub (example.com/a)\n    x_test.go:9: boom", "FAIL example.com/a 0.1s", "failed tests:\n  example.com/a  TestX/sub\n  example.com/a  TestX\n", "\nFAIL\n"},
			unwant: []string{"--- FAIL: TestX (", "FAIL\texample.com/a"},
		},
		{
			name: "skips grouped by reason",
			lines: []string{
				`{"Action":"output",` + pkgA + `,"Test":"TestP","Output":"    peer_test.go:12: peer java is not installed\n"}`,
				`{"Action":"output",` + pkgA + `,"Test":"TestP","Output":"--- SKIP: TestP (0.00s)\n"}`,
				`{"Action":"skip",` + pkgA + `,"Test":"TestP"}`,
				`{"Action":"output",` + pkgA + `,"Test":"TestQ","Output":"    q_test.go:3: peer java is not installed\n"}`,
				`{"Action":"skip",` + pkgA + `,"Test":"TestQ"}`,
				`{"Action":"skip",` + pkgA + `,"Test":"TestR"}`,
				`{"Action":"pass",` + pkgA + `,"Elapsed":0.1}`,
				`{"Action":"skip",` + pkgB + `}`,
			},
			pass: true,
			want: []string{"   2  peer java is not installed  (e.g. TestP)", "   1  (no reason given)", "1 without tests", "3 skipped"},
		},
		{
			name: "build failure",
			lines: []string{
				`{"ImportPath":"example.com/b","Action":"build-output","Output":"b.go:1: syntax error\n"}`,
				`{"ImportPath":"example.com/b","Action":"build-fail"}`,
				`{"Action":"start",` + pkgB + `}`,
				`{"Action":"output",` + pkgB + `,"Output":"FAIL\texample.com/b [build failed]\n"}`,
				`{"Action":"fail",` + pkgB + `,"Elapsed":0,"FailedBuild":"example.com/b"}`,
			},
			want: []string{"b.go:1: syntax error", "FAIL example.com/b [build failed]", "1 failed to build"},
		},
		{
			name:  "non-JSON lines are echoed and nothing tested fails",
			lines: []string{"go: cannot find main module"},
			want:  []string{"go: cannot find main module\n", "\nFAIL\n"},
		},
		{
			name: "panic in package output is shown",
			lines: []string{
				`{"Action":"output",` + pkgA + `,"Output":"panic: test timed out after 1s\n"}`,
				`{"Action":"fail",` + pkgA + `,"Elapsed":1}`,
			},
			want: []string{"panic: test timed out after 1s\nFAIL example.com/a 1.0s"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, pass := run(t, false, tc.lines...)
			if pass != tc.pass {
				t.Errorf("pass = %v, want %v", pass, tc.pass)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, u := range tc.unwant {
				if strings.Contains(out, u) {
					t.Errorf("output has %q:\n%s", u, out)
				}
			}
		})
	}
}

func TestVerboseEchoesEverything(t *testing.T) {
	out, _ := run(t, true,
		`{"Action":"output",`+pkgA+`,"Test":"TestX","Output":"hello\n"}`,
		`{"Action":"pass",`+pkgA+`,"Test":"TestX"}`,
		`{"Action":"pass",`+pkgA+`,"Elapsed":0.1}`)
	if !strings.Contains(out, "hello\n") {
		t.Errorf("verbose output lacks test output:\n%s", out)
	}
}
