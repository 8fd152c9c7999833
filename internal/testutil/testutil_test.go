package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// recordTB captures Skipf and Fatalf instead of ending the test.
type recordTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordTB) Helper()                   {}
func (r *recordTB) Skipf(f string, a ...any)  { r.skipped = fmt.Sprintf(f, a...) }
func (r *recordTB) Fatalf(f string, a ...any) { r.failed = fmt.Sprintf(f, a...) }

func TestRequirePeer(t *testing.T) {
	tests := []struct {
		ci        string
		available bool
		skip      bool
		fail      bool
	}{
		{ci: "", available: true},
		{ci: "", available: false, skip: true},
		{ci: "true", available: false, fail: true},
		{ci: "true", available: true},
		{ci: "false", available: false, skip: true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("CI=%q/available=%v", tc.ci, tc.available), func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			t.Setenv("WHARF_REQUIRE_PEERS", "")
			r := &recordTB{TB: t}
			RequirePeer(r, "thing", tc.available)
			if (r.skipped != "") != tc.skip || (r.failed != "") != tc.fail {
				t.Fatalf("skipped %q failed %q; want skip %v fail %v", r.skipped, r.failed, tc.skip, tc.fail)
			}
			if msg := r.skipped + r.failed; msg != "" && (!strings.Contains(msg, "thing") || !strings.Contains(msg, InstallHint)) {
				t.Errorf("message %q does not name the peer and the install script", msg)
			}
		})
	}
}

func TestCleanZkCli(t *testing.T) {
	banner := "Connecting to 127.0.0.1:2181\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n"
	tests := []struct{ name, in, want string }{
		{"one-shot", banner + "hello\n", "hello\n"},
		{"batch", banner + "Welcome to ZooKeeper!\nJLine support is disabled\nx\n[a, b]\n", "x\n[a, b]\n"},
		{"empty data keeps its line", banner + "Welcome to ZooKeeper!\nJLine support is disabled\n\n[a]\n", "\n[a]\n"},
		{"nothing after banner", banner, ""},
		{"later watch events stay", banner + "\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/a\n",
			"\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/a\n"},
		{"no banner", "plain\n", "plain\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanZkCli(tc.in); got != tc.want {
				t.Errorf("CleanZkCli = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTempDirAndPorts(t *testing.T) {
	d := TempDir(t, "data")
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() || filepath.Base(d) != "data" {
		t.Fatalf("TempDir = %s (%v)", d, err)
	}
	if a, b := FreePort(t), FreePort(t); a == b {
		t.Fatalf("FreePort returned %d twice", a)
	}
	if !WaitFor(func() bool { return true }, time.Millisecond) {
		t.Fatal("WaitFor missed a true condition")
	}
}

var fake struct {
	once sync.Once
	bin  string
	err  error
}

// fakeWharf builds zkproc's stand-in for `wharf zookeeper`.
func fakeWharf(t *testing.T) string {
	t.Helper()
	fake.once.Do(func() {
		fake.bin = filepath.Join(os.TempDir(), fmt.Sprintf("zkproc-fakezk-%d", os.Getuid()), "fakezk")
		fake.err = zkproc.GoBuild(".", "./zkproc/testdata/fakezk", fake.bin)
	})
	if fake.err != nil {
		t.Fatal(fake.err)
	}
	return fake.bin
}

func TestStartWharfZKLifecycle(t *testing.T) {
	Slow(t)
	srv := StartWharfZK(t, ZKOptions{WharfBin: fakeWharf(t)})
	if r, err := Four(srv.Addr, "ruok"); r != "imok" {
		t.Fatalf("ruok = %q, %v", r, err)
	}
	pid := srv.PID
	srv.Kill()
	if srv.Running() {
		t.Fatal("running after Kill")
	}
	srv.Restart()
	if srv.PID == 0 || srv.PID == pid {
		t.Fatalf("restart: pid %d (was %d)", srv.PID, pid)
	}
	starts, _ := os.ReadFile(filepath.Join(srv.DataDir, "fakezk-starts"))
	if n := strings.Count(string(starts), "\n"); n != 2 {
		t.Errorf("%d starts on the data dir, want 2", n)
	}
}

// TestForEachZKRunsBoth runs ForEachZK with the stand-in as Wharf: one
// subtest per server, each with its own server and data dir.
func TestForEachZKRunsBoth(t *testing.T) {
	Slow(t)
	t.Setenv("WHARF_BIN", fakeWharf(t))
	var mu sync.Mutex
	seen := map[string]string{}
	ForEachZK(t, ZKOptions{}, func(t *testing.T, srv *ZKServer) {
		if r, err := Four(srv.Addr, "ruok"); r != "imok" {
			t.Fatalf("ruok = %q, %v", r, err)
		}
		mu.Lock()
		seen[string(srv.Kind)] = srv.DataDir
		mu.Unlock()
	})
	if seen["wharf"] == "" {
		t.Fatal("the wharf subtest did not run")
	}
	if zkproc.ApacheAvailable() == nil && seen["zookeeper"] == "" {
		t.Fatal("the zookeeper subtest did not run")
	}
	if seen["wharf"] != "" && seen["wharf"] == seen["zookeeper"] {
		t.Fatal("both servers shared a data dir")
	}
}
