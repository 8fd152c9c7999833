package testutil

import (
	"testing"

	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// ZKOptions configure a server started by StartApacheZK or StartWharfZK:
// the zoo.cfg keys (both servers get the same file) and, for Apache, extra
// JVM flags. The zero value is a standalone server on a free port with a
// fresh data directory. See zkproc.Options.
type ZKOptions = zkproc.Options

// TestSuperDigest is a superDigest whose super user authenticates with
// digest "super:test".
const TestSuperDigest = zkproc.TestSuperDigest

// ZKServer is a ZooKeeper-compatible server process owned by one test: its
// Addr (127.0.0.1:port), DataDir, PID, Kind ("zookeeper" or "wharf") and
// log come from zkproc.Server. Stop, Kill and Restart fail the test on
// error. It is stopped when the test ends; if it died on its own before
// that, the test fails.
type ZKServer struct {
	*zkproc.Server
	t testing.TB
}

// Stop shuts the server down cleanly (SIGTERM, then SIGKILL after 15s).
func (s *ZKServer) Stop() {
	s.t.Helper()
	if err := s.Server.Stop(); err != nil {
		s.t.Fatalf("stop %s: %v", s.Kind, err)
	}
}

// Kill crashes the server with SIGKILL and waits until it is gone.
func (s *ZKServer) Kill() {
	s.t.Helper()
	if err := s.Server.Kill(); err != nil {
		s.t.Fatalf("kill %s: %v", s.Kind, err)
	}
}

// Restart stops the server if it runs and starts it again on the same
// zoo.cfg, port and data directory, returning once it answers ruok.
func (s *ZKServer) Restart() {
	s.t.Helper()
	if err := s.Server.Restart(); err != nil {
		s.t.Fatalf("restart %s: %v", s.Kind, err)
	}
}

// StartApacheZK starts Apache ZooKeeper 3.8 (Debian's jar, on the JVM
// directly, logging through slf4j-simple into the test's temp dir) and
// returns once it serves. Apache-only JVM flags go in opts.JVMFlags.
func StartApacheZK(t testing.TB, opts ZKOptions) *ZKServer {
	t.Helper()
	Slow(t)
	requirePeerErr(t, "Apache ZooKeeper 3.8", zkproc.ApacheAvailable())
	return startZK(t, zkproc.Apache, opts)
}

// StartWharfZK starts `wharf zookeeper zoo.cfg` (the binary from
// BuildWharf unless opts.WharfBin names one) and returns once it answers
// ruok.
func StartWharfZK(t testing.TB, opts ZKOptions) *ZKServer {
	t.Helper()
	Slow(t)
	if opts.WharfBin == "" {
		opts.WharfBin = BuildWharf(t)
	}
	return startZK(t, zkproc.Wharf, opts)
}

func startZK(t testing.TB, kind zkproc.Kind, opts ZKOptions) *ZKServer {
	t.Helper()
	srv, err := zkproc.Start(kind, TempDir(t, string(kind)), opts)
	if err != nil {
		t.Fatalf("start %s: %v", kind, err)
	}
	t.Logf("%s on %s (pid %d, log %s)", kind, srv.Addr, srv.PID, srv.LogPath)
	t.Cleanup(func() {
		if srv.PID != 0 && !srv.Running() {
			// Not stopped by the test: it died.
			t.Errorf("%s exited on its own: %v", kind, srv.ExitError())
		}
		if t.Failed() {
			t.Logf("%s log tail (%s):\n%s", kind, srv.LogPath, srv.LogTail(60))
		}
		if err := srv.Stop(); err != nil {
			t.Errorf("stop %s: %v", kind, err)
		}
	})
	return &ZKServer{Server: srv, t: t}
}

// ForEachZK runs fn as two subtests, "zookeeper" against Apache ZooKeeper
// and "wharf" against Wharf, each on a fresh server started with opts, so
// one test states the behaviour both must share. Select one side with
// -run 'TestX/wharf'. opts.DataDir must be empty: each server gets its own.
func ForEachZK(t *testing.T, opts ZKOptions, fn func(t *testing.T, srv *ZKServer)) {
	t.Helper()
	if opts.DataDir != "" {
		t.Fatal("ForEachZK: opts.DataDir must be empty; each server gets its own")
	}
	t.Run(string(zkproc.Apache), func(t *testing.T) {
		t.Helper()
		fn(t, StartApacheZK(t, opts))
	})
	t.Run(string(zkproc.Wharf), func(t *testing.T) {
		t.Helper()
		fn(t, StartWharfZK(t, opts))
	})
}
