package testutil

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// ClientTimeout bounds one run of a client process (zkCli, kazoo).
const ClientTimeout = 90 * time.Second

// RunZkCli runs zkCli (ZooKeeperMain, what zkCli.sh runs) against addr in
// batch mode, feeding it stdin: one command per line, executed in order.
// The exit code is that of the last command (0, or 1 for e.g. a missing
// node); results print on stdout, errors and "Created /x" on stderr. See
// CleanZkCli to drop the connection banner, and zkproc.ZkCliCommand for the
// exact invocation.
func RunZkCli(t testing.TB, addr, stdin string) (stdout, stderr string, code int) {
	t.Helper()
	return runZkCli(t, addr, stdin)
}

// ZkCli runs one zkCli command given as arguments (zkCli.sh -server addr
// get /x), the form whose exit code reflects that command.
func ZkCli(t testing.TB, addr string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if len(args) == 0 {
		t.Fatal("ZkCli: no command")
	}
	return runZkCli(t, addr, "", args...)
}

func runZkCli(t testing.TB, addr, stdin string, args ...string) (string, string, int) {
	t.Helper()
	Slow(t)
	requirePeerErr(t, "zkCli (java + zookeeper.jar)", zkproc.ZkCliAvailable())
	argv, err := zkproc.ZkCliCommand(addr, args...)
	if err != nil {
		t.Fatal(err)
	}
	return runProc(t, argv, stdin, nil, ClientTimeout)
}

// CleanZkCli removes the banner zkCli prints before any command output
// ("Connecting to …", the SyncConnected watcher event, "Welcome to
// ZooKeeper!", "JLine support is …"), so two servers' outputs compare equal.
func CleanZkCli(stdout string) string {
	lines := strings.SplitAfter(stdout, "\n")
	i := 0
	take := func(match func(string) bool) {
		if i < len(lines) && match(strings.TrimRight(lines[i], "\n")) {
			i++
		}
	}
	is := func(s string) func(string) bool { return func(l string) bool { return l == s } }
	take(func(l string) bool { return strings.HasPrefix(l, "Connecting to ") })
	if i+3 < len(lines) && strings.TrimRight(lines[i+1], "\n") == "WATCHER::" &&
		strings.HasPrefix(lines[i+3], "WatchedEvent state:SyncConnected type:None path:null") {
		i += 4
	}
	take(is("Welcome to ZooKeeper!"))
	take(func(l string) bool { return strings.HasPrefix(l, "JLine support is ") })
	return strings.Join(lines[i:], "")
}

// CliMtTimeout is how long RunCliMt lets cli_mt run. Most batch commands
// end on their own within a second; exists, wexists, myid, config and help
// never end batch mode and are killed at this deadline.
var CliMtTimeout = 10 * time.Second

// CliMtNoRC is CliMtResult.RC when the output has no "rc = N" line.
const CliMtNoRC = -999

// CliMtResult is what one cli_mt batch command printed.
type CliMtResult struct {
	Output string // stdout and stderr; cli_mt prints its results on stderr
	RC     int    // the ZooKeeper return code of the first "rc = N" line, or CliMtNoRC
	Exited bool   // false when it was killed at CliMtTimeout
}

var rcLine = regexp.MustCompile(`rc = (-?\d+)`)

// RunCliMt runs one command through the C client's shell in batch mode
// (cli_mt -h addr -c cmd). Its exit code is always 0; the result is the
// "rc = N" it prints (0 = ok, -101 = no node, -110 = node exists, …).
// Notes from trying it on Apache ZooKeeper 3.8: `create [+e|s|c] /path`
// takes no data (create, then `set /path data`); czxid/mzxid and versions in
// its Stat dump are hexadecimal; `get` prints " value_len = N" then the
// data.
func RunCliMt(t testing.TB, addr, cmd string) CliMtResult {
	t.Helper()
	Slow(t)
	requirePeerErr(t, "cli_mt (zookeeper-bin)", zkproc.CliMtAvailable())
	ctx, cancel := context.WithTimeout(context.Background(), CliMtTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, zkproc.CliMt, "-h", addr, "-c", cmd)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	err := c.Run()
	res := CliMtResult{Output: out.String(), RC: CliMtNoRC, Exited: ctx.Err() == nil}
	var exit *exec.ExitError
	if err != nil && res.Exited && !errors.As(err, &exit) {
		t.Fatalf("cli_mt: %v", err)
	}
	if m := rcLine.FindStringSubmatch(res.Output); m != nil {
		res.RC, _ = strconv.Atoi(m[1])
	}
	return res
}

var kazooCheck struct {
	once sync.Once
	err  error
}

// KazooAvailable reports whether Debian's python3-kazoo can be imported by
// /usr/bin/python3.
func KazooAvailable() error {
	kazooCheck.once.Do(func() {
		out, err := exec.Command(zkproc.SystemPython, "-c", "import kazoo").CombinedOutput()
		if err != nil {
			kazooCheck.err = errors.New(strings.TrimSpace(string(out)) + " " + err.Error())
		}
	})
	return kazooCheck.err
}

// RunKazoo runs a Python script with kazoo under /usr/bin/python3 (the only
// interpreter that sees Debian's python3-kazoo). The connection string is
// sys.argv[1] and $ZK_HOSTS; args follow it.
//
//	from kazoo.client import KazooClient
//	zk = KazooClient(hosts=sys.argv[1]); zk.start(timeout=10)
func RunKazoo(t testing.TB, hosts, script string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	Slow(t)
	requirePeerErr(t, "kazoo (python3-kazoo under "+zkproc.SystemPython+")", KazooAvailable())
	path := filepath.Join(t.TempDir(), "kazoo_script.py")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	argv := append([]string{zkproc.SystemPython, path, hosts}, args...)
	return runProc(t, argv, "", []string{"ZK_HOSTS=" + hosts, "PYTHONDONTWRITEBYTECODE=1"}, ClientTimeout)
}

// runProc runs argv to completion, failing the test if it cannot start or
// outlives timeout.
func runProc(t testing.TB, argv []string, stdin string, env []string, timeout time.Duration) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Stdin = strings.NewReader(stdin)
	c.Env = append(os.Environ(), env...)
	c.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out after %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(argv[0]), timeout, out.String(), errb.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run %s: %v", argv[0], err)
	}
	return out.String(), errb.String(), c.ProcessState.ExitCode()
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// Connect opens a go-zookeeper session to addr, waits until it has a
// session, and closes it when the test ends.
func Connect(t testing.TB, addr string) *zk.Conn {
	t.Helper()
	conn, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(discardLogger{}))
	if err != nil {
		t.Fatalf("connect %s: %v", addr, err)
	}
	t.Cleanup(conn.Close)
	deadline := time.After(15 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return conn // later events are dropped by the client when nobody reads them
			}
		case <-deadline:
			t.Fatalf("connect %s: no session after 15s (state %v)", addr, conn.State())
		}
	}
}
