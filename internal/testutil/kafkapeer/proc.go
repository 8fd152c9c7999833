package kafkapeer

import (
	"time"

	"github.com/wharf-project/wharf/internal/testutil/childproc"
)

var (
	// ErrExited means a process exited while it was expected to run.
	ErrExited = childproc.ErrExited
	// ErrNotReady means a broker did not answer Metadata in time.
	ErrNotReady = childproc.ErrNotReady
)

// StopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
const StopTimeout = 15 * time.Second

// newProcess is one long-running child (a broker, rsyslogd), waited for
// with WaitReady until it answers (see wharf.go).
func newProcess(name string, argv []string, dir string, env []string, logPath string) *childproc.Process {
	return &childproc.Process{Name: name, Argv: argv, Dir: dir, Env: env, LogPath: logPath, Tag: "kafkapeer"}
}
