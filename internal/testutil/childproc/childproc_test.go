package childproc

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sh(t *testing.T, script string) *Process {
	t.Helper()
	p := &Process{Name: "sh", Argv: []string{"/bin/sh", "-c", script}, LogPath: filepath.Join(t.TempDir(), "log"), Tag: "test"}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill() })
	return p
}

func TestWaitReadyWhenReady(t *testing.T) {
	p := sh(t, "exec sleep 60")
	calls := 0
	if err := p.WaitReady(func() bool { calls++; return calls == 3 }, time.Minute); err != nil {
		t.Fatal(err)
	}
	if !p.Running() || p.PID() == 0 {
		t.Fatalf("running %v, pid %d after it became ready", p.Running(), p.PID())
	}
	if err := p.Stop(5 * time.Second); err != nil || p.Running() || p.PID() != 0 {
		t.Fatalf("Stop: %v, running %v, pid %d", err, p.Running(), p.PID())
	}
}

func TestWaitReadyExited(t *testing.T) {
	p := sh(t, "echo failing on purpose; exit 3")
	err := p.WaitReady(func() bool { return false }, time.Minute)
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "failing on purpose") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("WaitReady = %v, want ErrExited with the exit status and the log's tail", err)
	}
	if p.PID() != 0 {
		t.Errorf("pid %d kept after the exit", p.PID())
	}
}

func TestWaitReadyTimeoutKills(t *testing.T) {
	p := sh(t, "exec sleep 60")
	err := p.WaitReady(func() bool { return false }, 50*time.Millisecond)
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("WaitReady = %v, want ErrNotReady", err)
	}
	if p.Running() || p.PID() != 0 {
		t.Fatalf("running %v, pid %d after the timeout: want it killed", p.Running(), p.PID())
	}
	if b, _ := os.ReadFile(p.LogPath); !strings.HasPrefix(string(b), "=== test ") {
		t.Errorf("log %q: want the run header first", b)
	}
}
