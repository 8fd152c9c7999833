package cli

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// Differential golden tests of the zk shell against Apache ZooKeeper's own
// zkCli. Each testdata/zkcli/NAME.in is a script (stdin; {server} stands for
// the server's address); NAME.args, if present, holds the command line
// (default "-server {server} -waitforconnection"). NAME.golden is what the
// real zkCli printed, recorded with
//
//	go test ./internal/cli -run TestZkCliGolden -update
//
// which runs Debian's ZooKeeper 3.8.0 zkCli against a fresh Apache
// ZooKeeper 3.8 server, then turns its output into what 3.9 prints (the
// documented differences below) and normalizes it.
//
// Normally the test runs our shell against a fresh Apache ZooKeeper server
// (or the server in WHARF_ZK_ADDR, e.g. a Wharf server) and compares its
// normalized output with the golden files; without any server it is skipped.
//
// Documented ZooKeeper 3.8 vs 3.9 differences (applied to the recorded 3.8
// output, zk38to39):
//   - 3.9 prints the zxid in WatchedEvent lines ("... path:/x zxid: 5"); 3.8
//     prints none, and a 3.8 server sends -1. Normalization drops it.
//   - 3.9's get and set have new options (get -b -x, set -b), new option
//     strings in usage() and, in their usage errors, the option list that
//     CommandUsageHelper appends.
//
// Normalized away (zkNormalize): the server address, times, zxids, session
// ids (ephemeralOwner), the CLI version string, and the Java stack trace
// lines after an uncaught exception (our shell prints only the first line).

var zkUpdate = func() *bool {
	if f := flag.Lookup("update"); f != nil {
		v := f.Value.(flag.Getter).Get().(bool)
		return &v
	}
	return flag.Bool("update", false, "regenerate golden files from the real tools")
}()

func zkUpdating() bool {
	if f := flag.Lookup("update"); f != nil {
		return f.Value.String() == "true"
	}
	return *zkUpdate
}

type zkCase struct {
	name  string
	args  []string // with {server}
	stdin string   // with {server}
}

func zkCases(t *testing.T) []zkCase {
	ins, err := filepath.Glob("testdata/zkcli/*.in")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no scripts in testdata/zkcli: %v", err)
	}
	var cases []zkCase
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		stdin, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		args := "-server {server} -waitforconnection"
		if b, err := os.ReadFile(strings.TrimSuffix(in, ".in") + ".args"); err == nil {
			args = strings.TrimSpace(string(b))
		}
		cases = append(cases, zkCase{name: name, args: strings.Fields(args), stdin: string(stdin)})
	}
	return cases
}

// zkResult is one run: exit code and both streams.
type zkResult struct {
	code           int
	stdout, stderr string
}

func (r zkResult) String() string {
	return "== exit " + strconv.Itoa(r.code) + "\n== stdout\n" + r.stdout + "== stderr\n" + r.stderr
}

func subst(s, server string) string { return strings.ReplaceAll(s, "{server}", server) }

func zkSubstArgs(args []string, server string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = subst(a, server)
	}
	return out
}

// runOurs runs our shell in-process, as a non-terminal stdin would.
func runOurs(c zkCase, server string) zkResult {
	var out, errb bytes.Buffer
	no := false
	code := RunZkCliWith(zkSubstArgs(c.args, server), strings.NewReader(subst(c.stdin, server)), &out, &errb,
		ZkCliOptions{Interactive: &no, Location: time.UTC})
	return zkResult{code, out.String(), errb.String()}
}

// runJava runs Apache ZooKeeper's ZooKeeperMain (what zkCli.sh runs).
func runJava(t *testing.T, c zkCase, server string) zkResult {
	java, err := zkproc.Java()
	if err != nil {
		t.Fatal(err)
	}
	argv := append([]string{"-Xmx256m", "-cp", zkproc.ZooKeeperJar + ":" + zkproc.Slf4jNopJar, "org.apache.zookeeper.ZooKeeperMain"},
		zkSubstArgs(c.args, server)...)
	cmd := exec.Command(java, argv...)
	cmd.Stdin = strings.NewReader(subst(c.stdin, server))
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("zkCli: %v", err)
	}
	return zkResult{code, out.String(), errb.String()}
}

var (
	zkDateRe    = regexp.MustCompile(`[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} [A-Z][A-Za-z0-9+:-]* \d{4}`)
	zkZxidRe    = regexp.MustCompile(`(?m)^([cmp]Zxid = )0x[0-9a-f]+$`)
	zkOwnerRe   = regexp.MustCompile(`(?m)^ephemeralOwner = 0x[0-9a-f]{6,}$`)
	zkEventRe   = regexp.MustCompile(`(?m)^(WatchedEvent state:\S+ type:\S+ path:\S*) zxid: -?\d+$`)
	zkVersionRe = regexp.MustCompile(`(?m)^ZooKeeper CLI version: .*$`)
	zkTraceRe   = regexp.MustCompile(`(?m)^\tat .*\n`)
)

// zkNormalize removes what legitimately differs between two runs.
func zkNormalize(s, server string) string {
	s = strings.ReplaceAll(s, server, "{server}")
	s = zkDateRe.ReplaceAllString(s, "<date>")
	s = zkZxidRe.ReplaceAllString(s, "${1}0x<zxid>")
	s = zkOwnerRe.ReplaceAllString(s, "ephemeralOwner = 0x<session>")
	s = zkEventRe.ReplaceAllString(s, "$1")
	s = zkVersionRe.ReplaceAllString(s, "ZooKeeper CLI version: <version>")
	return zkTraceRe.ReplaceAllString(s, "")
}

// zk38to39 turns what zkCli 3.8 printed into what 3.9 prints.
func zk38to39(r zkResult) zkResult {
	get, set := zkCommandByName("get"), zkCommandByName("set")
	lines := strings.SplitAfter(r.stderr, "\n")
	for i, l := range lines {
		switch strings.TrimSuffix(l, "\n") {
		case "get [-s] [-w] path":
			lines[i] = get.usage() + "\n"
		case "set [-s] [-v version] path data":
			lines[i] = set.usage() + "\n"
		case "\tget [-s] [-w] path":
			lines[i] = "\tget " + get.optStr + "\n"
		case "\tset [-s] [-v version] path data":
			lines[i] = "\tset " + set.optStr + "\n"
		}
	}
	r.stderr = strings.Join(lines, "")
	return r
}

func (r zkResult) normalized(server string) zkResult {
	return zkResult{r.code, zkNormalize(r.stdout, server), zkNormalize(r.stderr, server)}
}

func TestZkCliGolden(t *testing.T) {
	cases := zkCases(t)
	if zkUpdating() {
		testutil.RequirePeer(t, "zkCli (java + zookeeper.jar)", zkproc.ZkCliAvailable() == nil)
		srv := testutil.StartApacheZK(t, testutil.ZKOptions{ExtendedTypes: true})
		for _, c := range cases {
			got := zk38to39(runJava(t, c, srv.Addr)).normalized(srv.Addr)
			if err := os.WriteFile("testdata/zkcli/"+c.name+".golden", []byte(got.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	server := os.Getenv("WHARF_ZK_ADDR")
	if server == "" {
		if zkproc.ApacheAvailable() != nil {
			testutil.RequirePeer(t, "a ZooKeeper server (Apache ZooKeeper 3.8, or WHARF_ZK_ADDR)", false)
		}
		server = testutil.StartApacheZK(t, testutil.ZKOptions{ExtendedTypes: true}).Addr
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := os.ReadFile("testdata/zkcli/" + c.name + ".golden")
			if err != nil {
				t.Fatalf("%v (record it with -update)", err)
			}
			got := runOurs(c, server).normalized(server).String()
			if got != string(want) {
				t.Errorf("output differs from zkCli's (testdata/zkcli/%s.golden)\n%s", c.name, zkDiff(string(want), got))
			}
		})
	}
}

// zkDiff shows the first differing lines of two outputs.
func zkDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			lo := max(0, i-3)
			return "line " + strconv.Itoa(i+1) + ":\n  zkCli: " + strconv.Quote(wl) + "\n  ours:  " + strconv.Quote(gl) +
				"\ncontext (zkCli):\n" + strings.Join(w[lo:min(len(w), i+4)], "\n") +
				"\ncontext (ours):\n" + strings.Join(g[lo:min(len(g), i+4)], "\n")
		}
	}
	return "(identical)"
}
