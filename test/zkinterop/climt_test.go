package zkinterop

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// TestCliMt drives Apache's C client shell (cli_mt, batch mode: one command
// per process and session) against both servers. Each step states the rc
// it must print and lines its output must contain. cli_mt's create writes
// the data "new"; its stat dump prints zxids and versions in hex.
func TestCliMt(t *testing.T) {
	testutil.Slow(t)
	steps := []struct {
		cmd   string
		rc    int
		lines []string // each must be a whole line of the output
	}{
		{"create /mt", 0, []string{"Creating [/mt] node (mode: 0)", "[/mt]: rc = 0", "\tname = /mt"}},
		{"create /mt", -110, []string{"[/mt]: rc = -110"}},
		{"get /mt", 0, []string{"/mt: rc = 0", " value_len = 3", "new", "\tversion=0\taversion=0", "\tephemeralOwner = 0"}},
		{"set /mt hello", 0, []string{"/mt: rc = 0 Stat:", "\tversion=1\taversion=0"}},
		{"get /mt", 0, []string{" value_len = 5", "hello", "\tversion=1\taversion=0"}},
		{"create2 /mt/c2", 0, []string{"[/mt/c2]: rc = 0", "\tname = /mt/c2", "\tversion=0\taversion=0"}},
		// The ephemeral goes when cli_mt closes its session; delete does
		// not bump the parent's cversion, so the next sequence number is 2.
		{"create +e /mt/e", 0, []string{"Creating [/mt/e] node (mode: 1)", "\tname = /mt/e"}},
		{"create +s /mt/s", 0, []string{"Creating [/mt/s] node (mode: 2)", "\tname = /mt/s0000000002"}},
		{"create +es /mt/es", 0, []string{"Creating [/mt/es] node (mode: 3)", "\tname = /mt/es0000000003"}},
		{"ls /mt", 0, []string{"/mt: rc = 0", "\tc2", "\ts0000000002"}},
		{"ls2 /mt", 0, []string{"/mt: rc = 0", "\tc2", "\ts0000000002", "\tversion=1\taversion=0"}},
		{"create +c /mt/cont", 0, []string{"Creating [/mt/cont] node (mode: 4)", "\tname = /mt/cont"}},
		// TTL nodes need extendedTypesEnabled, which this server lacks:
		// PrepRequestProcessor answers Unimplemented.
		{"create +t=5000 /mt/ttl", -6, []string{"[/mt/ttl]: rc = -6"}},
		{"delete /mt", -111, []string{"/mt: rc = -111"}},
		{"delete /nope", -101, []string{"/nope: rc = -101"}},
		{"get /nope", -101, []string{"/nope: rc = -101", "Stat:", "null"}},
		{"set /nope x", -101, []string{"/nope: rc = -101 Stat:", "null"}},
		{"create /nope/x", -101, []string{"[/nope/x]: rc = -101"}},
		{"create /mt/c2/x", 0, nil},
		{"delete /mt/c2/x", 0, []string{"/mt/c2/x: rc = 0"}},
		{"sync /mt", 0, []string{"[/mt]: rc = 0", "\tname = /mt"}},
	}
	testutil.ForEachZK(t, testutil.ZKOptions{}, func(t *testing.T, srv *testutil.ZKServer) {
		for _, s := range steps {
			r := testutil.RunCliMt(t, srv.Addr, s.cmd)
			lines := strings.Split(r.Output, "\n")
			if r.RC != s.rc {
				t.Errorf("cli_mt %q: rc %d, want %d; output:\n%s", s.cmd, r.RC, s.rc, r.Output)
				continue
			}
			for _, l := range s.lines {
				if !containsLine(lines, l) {
					t.Errorf("cli_mt %q: no line %q in output:\n%s", s.cmd, l, r.Output)
				}
			}
		}
		conn := testutil.Connect(t, srv.Addr)
		// exists is synchronous in cli_mt and never ends batch mode: it
		// prints nothing for a node that exists and "Error -101" for one
		// that does not, and leaves a watch. Watch it fire, then stop it.
		existsThenFire(t, srv, "exists /mt", "", func() { mustSet(t, conn, "/mt", "again") },
			"Watcher CHANGED_EVENT state = CONNECTED_STATE for path /mt")
		existsThenFire(t, srv, "exists /later", "Error -101 for /later", func() { mustCreate(t, conn, "/later") },
			"Watcher CREATED_EVENT state = CONNECTED_STATE for path /later")
		existsThenFire(t, srv, "wexists /later", "", func() { mustDelete(t, conn, "/later") },
			"Watcher DELETED_EVENT state = CONNECTED_STATE for path /later")
	})
}

// existsThenFire runs cli_mt's exists-like cmd, waits until the server
// lists its watch (wchp), runs fire and waits for the watcher's line.
func existsThenFire(t *testing.T, srv *testutil.ZKServer, cmd, first string, fire func(), event string) {
	t.Helper()
	path := cmd[strings.LastIndexByte(cmd, ' ')+1:]
	testutil.RequirePeer(t, "cli_mt", zkproc.CliMtAvailable() == nil)
	c := exec.Command(zkproc.CliMt, "-h", srv.Addr, "-c", cmd)
	out := &lockedBuffer{}
	c.Stdout, c.Stderr = out, out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(c.Process.Pid, syscall.SIGKILL)
		_ = c.Wait()
	}()
	watched := testutil.WaitFor(func() bool {
		r, err := testutil.Four(srv.Addr, "wchp")
		return err == nil && containsLine(strings.Split(r, "\n"), path)
	}, 10*time.Second)
	if !watched {
		t.Fatalf("cli_mt %q: the server lists no watch on %s; output:\n%s", cmd, path, out)
	}
	// exists returns (and prints) after the server has set the watch.
	if first != "" && !testutil.WaitFor(func() bool { return strings.Contains(out.String(), first+"\n") }, 10*time.Second) {
		t.Errorf("cli_mt %q: no %q in output:\n%s", cmd, first, out)
	}
	fire()
	if !testutil.WaitFor(func() bool { return strings.Contains(out.String(), event+"\n") }, 10*time.Second) {
		t.Errorf("cli_mt %q: no %q; output:\n%s", cmd, event, out)
	}
}

func mustSet(t *testing.T, c *zk.Conn, path, data string) {
	t.Helper()
	if _, err := c.Set(path, []byte(data), -1); err != nil {
		t.Fatalf("set %s: %v", path, err)
	}
}

func mustCreate(t *testing.T, c *zk.Conn, path string) {
	t.Helper()
	if _, err := c.Create(path, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
}

func mustDelete(t *testing.T, c *zk.Conn, path string) {
	t.Helper()
	if err := c.Delete(path, -1); err != nil {
		t.Fatalf("delete %s: %v", path, err)
	}
}
