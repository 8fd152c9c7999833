// Package childproc runs one long-lived child process for tests (a
// ZooKeeper server, a broker, rsyslogd): started again on the same argv by
// each Start, its stdout and stderr appended to a log file, stopped with
// SIGTERM then SIGKILL or killed as a crash would. The child gets its own
// process group and, on Linux, dies with the test binary (Pdeathsig).
// One goroutine owns a Process.
package childproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// killWait bounds the wait for a child to die after SIGKILL.
const killWait = 30 * time.Second

var (
	// ErrExited means the process exited while it was expected to run.
	ErrExited = errors.New("childproc: process exited")
	// ErrNotReady means the process did not become ready in time.
	ErrNotReady = errors.New("childproc: process not ready")
)

// Process is one child process and how to start it.
type Process struct {
	Name    string   // for errors and the log's run header
	Argv    []string // Argv[0] is the program
	Dir     string   // working directory ("" = the test's)
	Env     []string // added to the test's environment
	LogPath string   // stdout and stderr of every run, appended
	Tag     string   // names the starter in the log's run header ("zkproc")

	pid     int
	done    chan struct{} // closed when the current process has exited
	exitErr error         // valid once done is closed
}

// Start starts the process (again), appending a run header to the log.
func (p *Process) Start() error {
	logf, err := os.OpenFile(p.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== %s %s: %s\n", p.Tag, time.Now().Format(time.RFC3339Nano), strings.Join(p.Argv, " "))
	cmd := exec.Command(p.Argv[0], p.Argv[1:]...)
	cmd.Dir = p.Dir
	if len(p.Env) > 0 {
		cmd.Env = append(os.Environ(), p.Env...)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	logf.Close() // the child has its own copy
	if err != nil {
		return fmt.Errorf("%s: start %s: %w", p.Tag, p.Name, err)
	}
	p.pid = cmd.Process.Pid
	done := make(chan struct{})
	p.done = done
	go func() {
		p.exitErr = cmd.Wait()
		close(done)
	}()
	return nil
}

// PID is the current process's id, 0 when it does not run (or its exit
// was not yet noticed by Stop, Kill or Forget).
func (p *Process) PID() int { return p.pid }

// Forget clears the pid of a process that has exited.
func (p *Process) Forget() { p.pid = 0 }

// Done is closed when the current process has exited (nil before Start).
func (p *Process) Done() <-chan struct{} { return p.done }

// Running reports whether the current process is alive.
func (p *Process) Running() bool {
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// ExitErr is how the last process ended: nil while it runs, before any
// start, or after a clean exit.
func (p *Process) ExitErr() error {
	if p.done == nil || p.Running() {
		return nil
	}
	return p.exitErr
}

// WaitReady polls ready until it reports true. When the process exits
// first it returns ErrExited (and forgets the pid); when timeout passes it
// kills the process and returns ErrNotReady. Both errors carry the log's
// last lines. ready may block for a while (a refused or silent listener);
// between calls a short pause keeps a fast failure from spinning.
func (p *Process) WaitReady(ready func() bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if !p.Running() {
			p.Forget()
			return fmt.Errorf("%w: %s: %v; log %s:\n%s", ErrExited, p.Name, p.ExitErr(), p.LogPath, p.LogTail(30))
		}
		if ready() {
			return nil
		}
		if time.Now().After(deadline) {
			_ = p.Kill()
			return fmt.Errorf("%w: %s after %v; log %s:\n%s", ErrNotReady, p.Name, timeout, p.LogPath, p.LogTail(30))
		}
		select {
		case <-p.done:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop ends the process with SIGTERM, then SIGKILL after timeout. Stopping
// a stopped process is a no-op.
func (p *Process) Stop(timeout time.Duration) error {
	if !p.Running() {
		p.pid = 0
		return nil
	}
	_ = syscall.Kill(p.pid, syscall.SIGTERM)
	select {
	case <-p.done:
		p.pid = 0
		return nil
	case <-time.After(timeout):
	}
	return p.Kill()
}

// Kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *Process) Kill() error {
	if !p.Running() {
		p.pid = 0
		return nil
	}
	if err := syscall.Kill(p.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("%s: kill %s (pid %d): %w", p.Tag, p.Name, p.pid, err)
	}
	select {
	case <-p.done:
	case <-time.After(killWait):
		return fmt.Errorf("%s: %s (pid %d) did not die after SIGKILL", p.Tag, p.Name, p.pid)
	}
	p.pid = 0
	return nil
}

// LogTail returns the last n lines of the log.
func (p *Process) LogTail(n int) string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
