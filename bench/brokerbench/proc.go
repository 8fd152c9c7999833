package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/wharf-project/wharf/internal/testutil/childproc"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

var (
	errExited   = errors.New("brokerbench: server exited")
	errNotReady = errors.New("brokerbench: server not ready")
)

// stopTimeout is how long a server gets to stop after SIGTERM before
// SIGKILL.
const stopTimeout = 15 * time.Second

// startProc runs argv (with extra environment) in dir, its output
// appended to logPath (childproc: its own process group, so a ^C reaches
// only the bench, and SIGKILL from the kernel if the bench dies), and
// returns once ready() reports true.
func startProc(name, dir, logPath string, argv, env []string, ready func() bool, timeout time.Duration) (*childproc.Process, error) {
	p := &childproc.Process{Name: name, Argv: argv, Dir: dir, Env: env, LogPath: logPath, Tag: "brokerbench"}
	if err := p.Start(); err != nil {
		return nil, err
	}
	exited := false
	ok := zkproc.WaitFor(func() bool {
		if !p.Running() {
			exited = true
			return true
		}
		return ready()
	}, timeout)
	switch {
	case exited:
		return nil, fmt.Errorf("%w: %s: %v; log %s:\n%s", errExited, name, p.ExitErr(), logPath, p.LogTail(30))
	case !ok:
		_ = p.Kill()
		return nil, fmt.Errorf("%w: %s after %v; log %s:\n%s", errNotReady, name, timeout, logPath, p.LogTail(30))
	}
	return p, nil
}
