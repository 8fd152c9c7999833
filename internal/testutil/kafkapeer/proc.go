package kafkapeer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

var (
	// ErrExited means a process exited while it was expected to run.
	ErrExited = errors.New("kafkapeer: process exited")
	// ErrNotReady means a broker did not answer Metadata in time.
	ErrNotReady = errors.New("kafkapeer: broker not ready")
)

// StopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
const StopTimeout = 15 * time.Second

// process is one long-running child (a broker, rsyslogd), started again on
// the same argv by each start call. Its stdout and stderr are appended to
// logPath. One goroutine owns it.
type process struct {
	name    string
	argv    []string
	dir     string
	env     []string
	logPath string

	pid     int
	done    chan struct{} // closed when the current process has exited
	exitErr error         // valid once done is closed
}

func (p *process) start() error {
	logf, err := os.OpenFile(p.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== kafkapeer %s: %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(p.argv, " "))
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	logf.Close() // the child has its own copy
	if err != nil {
		return fmt.Errorf("kafkapeer: start %s: %w", p.name, err)
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

// running reports whether the current process is alive.
func (p *process) running() bool {
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

// exited reports, once the process has ended, how it ended.
func (p *process) exited() (bool, error) {
	if p.done == nil || p.running() {
		return false, nil
	}
	return true, p.exitErr
}

// waitReady polls ready until it is true, the process exits, or timeout
// passes; on a timeout the process is killed.
func (p *process) waitReady(ready func() bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if !p.running() {
			p.pid = 0
			return fmt.Errorf("%w: %s: %v; log %s:\n%s", ErrExited, p.name, p.exitErr, p.logPath, p.logTail(30))
		}
		if ready() {
			return nil
		}
		if time.Now().After(deadline) {
			_ = p.kill()
			return fmt.Errorf("%w: %s after %v; log %s:\n%s", ErrNotReady, p.name, timeout, p.logPath, p.logTail(30))
		}
		// ready itself blocks for up to a second on a refused or silent
		// listener; a short pause keeps a fast failure from spinning.
		select {
		case <-p.done:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop ends the process with SIGTERM, then SIGKILL after StopTimeout.
func (p *process) stop() error {
	if !p.running() {
		p.pid = 0
		return nil
	}
	_ = syscall.Kill(p.pid, syscall.SIGTERM)
	select {
	case <-p.done:
		p.pid = 0
		return nil
	case <-time.After(StopTimeout):
	}
	return p.kill()
}

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *process) kill() error {
	if !p.running() {
		p.pid = 0
		return nil
	}
	if err := syscall.Kill(p.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kafkapeer: kill %s (pid %d): %w", p.name, p.pid, err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("kafkapeer: %s (pid %d) did not die after SIGKILL", p.name, p.pid)
	}
	p.pid = 0
	return nil
}

// logTail returns the last n lines of the process's log.
func (p *process) logTail(n int) string {
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
