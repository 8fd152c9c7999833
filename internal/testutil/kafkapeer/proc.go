package kafkapeer

import (
	"errors"
	"fmt"
	"time"

	"github.com/wharf-project/wharf/internal/testutil/childproc"
)

var (
	// ErrExited means a process exited while it was expected to run.
	ErrExited = errors.New("kafkapeer: process exited")
	// ErrNotReady means a broker did not answer Metadata in time.
	ErrNotReady = errors.New("kafkapeer: broker not ready")
)

// StopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
const StopTimeout = 15 * time.Second

// process is one long-running child (a broker, rsyslogd): a
// childproc.Process and the readiness wait kafkapeer adds.
type process struct {
	childproc.Process
}

func newProcess(name string, argv []string, dir string, env []string, logPath string) *process {
	return &process{childproc.Process{Name: name, Argv: argv, Dir: dir, Env: env, LogPath: logPath, Tag: "kafkapeer"}}
}

// exited reports, once the process has ended, how it ended.
func (p *process) exited() (bool, error) {
	if p.Done() == nil || p.Running() {
		return false, nil
	}
	return true, p.ExitErr()
}

// waitReady polls ready until it is true, the process exits, or timeout
// passes; on a timeout the process is killed.
func (p *process) waitReady(ready func() bool, timeout time.Duration) error {
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
		// ready itself blocks for up to a second on a refused or silent
		// listener; a short pause keeps a fast failure from spinning.
		select {
		case <-p.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}
