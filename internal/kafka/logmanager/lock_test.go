//go:build unix

package logmanager

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/vfs"
)

const lockHelperEnv = "WHARF_LOGMANAGER_LOCK_HELPER"

// TestLockHelperProcess is not a test: TestLockAcrossProcesses runs it in
// a child process, which tries to open the directory and says how it went.
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv(lockHelperEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	m, err := Open(testConfig(dir), Options{ClusterID: "wharf-test", BrokerID: 1, ManualSchedule: true})
	switch {
	case errors.Is(err, ErrLocked):
		os.Stdout.WriteString("RESULT locked\n")
	case err != nil:
		os.Stdout.WriteString("RESULT error " + err.Error() + "\n")
	default:
		os.Stdout.WriteString("RESULT opened\n")
		_ = m.Close()
	}
}

func lockProbe(t *testing.T, dir string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLockHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if r, ok := strings.CutPrefix(line, "RESULT "); ok {
			return r
		}
	}
	t.Fatalf("helper said nothing:\n%s", out)
	return ""
}

// TestLockAcrossProcesses: while a manager holds a directory, another
// process (which has its own registry) is refused by the fcntl lock; once
// it is closed, the other process gets it.
func TestLockAcrossProcesses(t *testing.T) {
	if os.Getenv(lockHelperEnv) != "" {
		t.Skip("in the helper")
	}
	dir := t.TempDir()
	m := mustOpen(t, testConfig(dir), testOptions(t, vfs.Default, newClock()))
	if got := lockProbe(t, dir); got != "locked" {
		t.Fatalf("another process while locked: %s", got)
	}
	mustClose(t, m)
	if got := lockProbe(t, dir); got != "opened" {
		t.Fatalf("another process after Close: %s", got)
	}
}
