package testutil

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// InstallHint is what to run when a peer is missing.
const InstallHint = "scripts/install-test-deps.sh"

// CI reports whether the tests run under CI (CI=true, as CI services set
// it), or WHARF_REQUIRE_PEERS=1 asks for the same strictness.
func CI() bool {
	for _, k := range []string{"CI", "WHARF_REQUIRE_PEERS"} {
		switch strings.ToLower(os.Getenv(k)) {
		case "1", "true", "yes":
			return true
		}
	}
	return false
}

// RequirePeer skips the test when the named peer is not available, or
// fails it under CI, where the peers are installed by the CI script and a
// missing one is a broken setup rather than a reason to test less.
func RequirePeer(t testing.TB, name string, available bool) {
	t.Helper()
	if available {
		return
	}
	if CI() {
		t.Fatalf("peer %s is not installed; CI must install it (%s)", name, InstallHint)
		return
	}
	t.Skipf("peer %s is not installed; run %s", name, InstallHint)
}

// requirePeerErr is RequirePeer for an availability check that explains
// itself.
func requirePeerErr(t testing.TB, name string, err error) {
	t.Helper()
	if err != nil {
		name += " (" + strings.TrimPrefix(err.Error(), zkproc.ErrPeerMissing.Error()+": ") + ")"
	}
	RequirePeer(t, name, err == nil)
}

// Slow skips the test under -short: everything that starts a process or a
// JVM is slow.
func Slow(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("slow test (starts processes); skipped with -short")
	}
}

// FreePort returns a port on 127.0.0.1 that was free a moment ago and has
// not been handed out before in this test binary.
func FreePort(t testing.TB) int {
	t.Helper()
	p, err := zkproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TempDir returns a new directory named name inside a per-test temp dir,
// removed when the test ends. With WHARF_TEST_KEEP=1 the directory is kept
// and its path logged, to look at data and logs after a run.
func TempDir(t testing.TB, name string) string {
	t.Helper()
	var base string
	if os.Getenv("WHARF_TEST_KEEP") == "1" {
		var err error
		base, err = os.MkdirTemp("", "wharf-test-")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("keeping %s", base)
	} else {
		base = t.TempDir()
	}
	dir := filepath.Join(base, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// WaitFor polls cond until it is true or timeout passes and reports whether
// it became true. Use it instead of sleeping.
func WaitFor(cond func() bool, timeout time.Duration) bool {
	return zkproc.WaitFor(cond, timeout)
}

// Listening reports whether something accepts a TCP connection on addr
// within a second.
func Listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Four sends a four-letter word to addr and returns the reply.
func Four(addr, cmd string) (string, error) { return zkproc.Four(addr, cmd) }
