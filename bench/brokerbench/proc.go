package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

var (
	errExited   = errors.New("brokerbench: server exited")
	errNotReady = errors.New("brokerbench: server not ready")
)

// proc is a server process this program started. One goroutine owns it.
type proc struct {
	name    string
	pid     int
	logPath string
	done    chan struct{} // closed when the process has exited
	exitErr error         // valid once done is closed
}

// startProc runs argv (with extra environment) in dir, its output appended
// to logPath, and returns once ready() reports true. The process is in its
// own process group (a ^C reaches only the bench) and gets SIGKILL from
// the kernel if the bench dies.
func startProc(name, dir, logPath string, argv, env []string, ready func() bool, timeout time.Duration) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logf, "=== brokerbench %s: %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(append(slices.Clone(env), argv...), " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	logf.Close() // the child has its own copy
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, pid: cmd.Process.Pid, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.exitErr = cmd.Wait()
		close(p.done)
	}()
	exited := false
	ok := zkproc.WaitFor(func() bool {
		if !p.running() {
			exited = true
			return true
		}
		return ready()
	}, timeout)
	switch {
	case exited:
		return nil, fmt.Errorf("%w: %s: %v; log %s:\n%s", errExited, name, p.exitErr, logPath, p.logTail(30))
	case !ok:
		_ = p.kill()
		return nil, fmt.Errorf("%w: %s after %v; log %s:\n%s", errNotReady, name, timeout, logPath, p.logTail(30))
	}
	return p, nil
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop ends the process with SIGTERM, then SIGKILL if it has not exited
// within 15 seconds.
func (p *proc) stop() error {
	if !p.running() {
		return nil
	}
	_ = syscall.Kill(p.pid, syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(15 * time.Second):
	}
	return p.kill()
}

func (p *proc) kill() error {
	if !p.running() {
		return nil
	}
	if err := syscall.Kill(p.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("brokerbench: kill %s (%d): %w", p.name, p.pid, err)
	}
	<-p.done
	return nil
}

// logTail returns the last n lines of the process's log.
func (p *proc) logTail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
