// Package zktest starts ZooKeeper servers for the tests of the Kafka
// packages: Wharf's coordinator in-process, or Apache ZooKeeper 3.8 as a
// process (skipped when Java or the jar is missing, except under CI), and
// ends sessions on demand. Import it from _test.go files only.
package zktest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/server"
)

// Wharf starts Wharf's coordinator in-process on 127.0.0.1 (tickTime
// 200 ms, so sessions may be as short as 400 ms) and returns its address.
// It is closed when the test ends.
func Wharf(t testing.TB) string {
	t.Helper()
	srv, err := server.New(server.Options{ClientAddr: "127.0.0.1:0", DataDir: t.TempDir(), TickTime: 200})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr().String()
}

// Server is a ZooKeeper server for one test: Addr is host:port and Root
// a chroot private to the test ("" on a server of its own). Connect is
// the zookeeper.connect string for it.
type Server struct {
	Addr string
	Root string
}

// Connect is Addr+Root, optionally with a further chroot ("/kafka").
func (s Server) Connect(chroot string) string { return s.Addr + s.Root + chroot }

var apache struct {
	once sync.Once
	srv  *zkproc.Server
	err  error
	n    atomic.Int64
}

// Apache returns a chroot of its own on the package's shared Apache
// ZooKeeper 3.8 (tickTime 200), started on first use and stopped by Main;
// WHARF_TEST_APACHE_ZK=host:port uses a running server instead. Without
// Java or the jar the test is skipped (failed under CI).
func Apache(t testing.TB) Server {
	t.Helper()
	root := fmt.Sprintf("/test-%d-%d", os.Getpid(), apache.n.Add(1))
	if a := os.Getenv("WHARF_TEST_APACHE_ZK"); a != "" {
		return Server{a, root}
	}
	testutil.Slow(t)
	apache.once.Do(func() {
		if apache.err = zkproc.ApacheAvailable(); apache.err != nil {
			return
		}
		dir, err := os.MkdirTemp("", "kafka-zktest")
		if err != nil {
			apache.err = err
			return
		}
		apache.srv, apache.err = zkproc.Start(zkproc.Apache, dir, zkproc.Options{TickTime: 200, ForceSyncOff: true})
	})
	if apache.srv == nil {
		testutil.RequirePeer(t, fmt.Sprintf("Apache ZooKeeper 3.8 (%v)", apache.err), false)
	}
	return Server{apache.srv.Addr, root}
}

// Main runs the tests and stops the shared Apache server: call it from
// TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if apache.srv != nil {
		apache.srv.Stop()
		os.RemoveAll(apache.srv.Dir)
	}
	os.Exit(code)
}

// Servers runs fn against Wharf's coordinator (a server of its own) and
// against Apache ZooKeeper (a chroot of its own), as subtests "wharf" and
// "apache".
func Servers(t *testing.T, fn func(t *testing.T, srv Server)) {
	t.Run("wharf", func(t *testing.T) { fn(t, Server{Addr: Wharf(t)}) })
	t.Run("apache", func(t *testing.T) { fn(t, Apache(t)) })
}

// Expire ends the session of sess at the server as an expiry does: a
// second client resumes the session and closes it, so sess hears that its
// session expired when it reconnects. addr is host:port (no chroot).
func Expire(t testing.TB, addr string, sess *client.Client) {
	t.Helper()
	twin, err := client.Connect(client.Config{Servers: addr, SessionID: sess.SessionID(), SessionPasswd: sess.SessionPasswd(), SessionTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := twin.WaitConnected(ctx); err != nil {
		t.Fatalf("twin session: %v", err)
	}
	if twin.SessionID() != sess.SessionID() {
		t.Fatal("twin did not resume the session")
	}
	twin.Close()
}

// WaitFor polls cond every 10 ms until it holds or timeout passes.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !testutil.WaitFor(cond, timeout) {
		t.Fatalf("timed out waiting for %s", what)
	}
}
