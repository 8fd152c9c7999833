package zkinterop

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

var update = flag.Bool("update", false, "rewrite testdata/zkcli/*.golden from Apache ZooKeeper's answers")

// zkCliNorm removes from zkCli's output what differs between runs without
// being behaviour: the times in stat blocks and session ids. Zxids stay:
// both servers start empty and see the same sessions and txns in the same
// order, so they must count alike.
var zkCliNorm = normalizer{
	{regexp.MustCompile(`(?m)^([cm]time) = .*$`), "$1 = <time>"},
	{regexp.MustCompile(`(?m)^ephemeralOwner = 0x[1-9a-f][0-9a-f]*$`), "ephemeralOwner = <session>"},
}

// splitEvents separates the watch events zkCli's event thread prints from
// the main thread's results: the two threads interleave at random, but
// each keeps its own order. The "WATCHER::" lines and blank lines are
// dropped, so a batch with events must not print empty results.
func splitEvents(out string) (rest, events string) {
	var r, e []string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "WatchedEvent "):
			e = append(e, l)
		case l == "WATCHER::" || l == "":
		default:
			r = append(r, l)
		}
	}
	return strings.Join(r, "\n") + "\n", strings.Join(e, "\n") + "\n"
}

// zkCliResult is what one zkCli batch printed, normalised, in the form of
// its golden file: sections "-- stdout --", "-- events --" (only when
// watches fired), "-- stderr --" and "-- exit --".
type zkCliResult struct {
	stdout, events, stderr string
	code                   int
}

func (r zkCliResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- stdout --\n%s", r.stdout)
	if r.events != "" {
		fmt.Fprintf(&b, "-- events --\n%s", r.events)
	}
	fmt.Fprintf(&b, "-- stderr --\n%s-- exit --\n%d\n", r.stderr, r.code)
	return b.String()
}

func runZkCliBatch(t *testing.T, addr, stdin string) zkCliResult {
	t.Helper()
	stdout, stderr, code := testutil.RunZkCli(t, addr, stdin)
	r := zkCliResult{stdout: zkCliNorm.apply(testutil.CleanZkCli(stdout)), stderr: zkCliNorm.apply(stderr), code: code}
	if strings.Contains(r.stdout, "WatchedEvent ") {
		r.stdout, r.events = splitEvents(r.stdout)
	}
	return r
}

// TestZkCli runs Apache's zkCli (3.8, Java) in batch mode against both
// servers, one session per file testdata/zkcli/*.in, in name order on one
// server: every command family of the shell with its result texts, error
// texts, watch events and the exit code of the last command. Both servers
// must print the golden file (written from Apache's answers by -update).
//
// A zkCli quirk the watches batch works around: addWatch keeps the last -m
// it was given for later addWatch commands without -m (AddWatchCommand
// holds the mode in a field), so the default (PERSISTENT_RECURSIVE) is
// used first.
func TestZkCli(t *testing.T) {
	testutil.Slow(t)
	inputs, err := filepath.Glob(filepath.Join("testdata", "zkcli", "*.in"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata/zkcli/*.in: %v", err)
	}
	testutil.ForEachZK(t, testutil.ZKOptions{ExtendedTypes: true}, func(t *testing.T, srv *testutil.ZKServer) {
		for _, in := range inputs {
			name := strings.TrimSuffix(filepath.Base(in), ".in")
			t.Run(name, func(t *testing.T) {
				stdin, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				got := runZkCliBatch(t, srv.Addr, string(stdin)).String()
				golden := strings.TrimSuffix(in, ".in") + ".golden"
				if *update && srv.Kind == zkproc.Apache {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update to write it from Apache ZooKeeper)", err)
				}
				if got != string(want) {
					t.Errorf("%s: %s\n--- got:\n%s--- want (%s):\n%s", srv.Kind, firstDiff(got, string(want)), got, golden, want)
				}
			})
		}
	})
}

// TestZkCliExitCodes runs single commands the way scripts call zkCli.sh
// (zkCli.sh -server host:port cmd args): the exit code is the command's.
func TestZkCliExitCodes(t *testing.T) {
	testutil.Slow(t)
	tests := []struct {
		args   string
		code   int
		stdout string // a line it must print, "" for none
		stderr string // its whole stderr, trimmed
	}{
		{args: "create /x hello", code: 0, stderr: "Created /x"},
		{args: "create /x again", code: 1, stderr: "Node already exists: /x"},
		{args: "get /missing", code: 1, stderr: "Node does not exist: /missing"},
		{args: "set -v 9 /x v", code: 1, stderr: "version No is not valid : /x"},
		{args: "removewatches /x", code: 1, stderr: "KeeperErrorCode = No such watcher for /x"},
		{args: "get /x", code: 0, stdout: "hello"},
	}
	testutil.ForEachZK(t, testutil.ZKOptions{}, func(t *testing.T, srv *testutil.ZKServer) {
		for _, tc := range tests {
			stdout, stderr, code := testutil.ZkCli(t, srv.Addr, strings.Fields(tc.args)...)
			lines := strings.Split(testutil.CleanZkCli(stdout), "\n")
			if code != tc.code || strings.TrimSpace(stderr) != tc.stderr ||
				(tc.stdout != "" && !containsLine(lines, tc.stdout)) {
				t.Errorf("zkCli %s: exit %d, stdout %q, stderr %q; want exit %d, a line %q, stderr %q",
					tc.args, code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
			}
		}
	})
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
