package main

import (
	"time"

	"github.com/wharf-project/wharf/internal/testutil/childproc"
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
	if err := p.WaitReady(ready, timeout); err != nil {
		return nil, err
	}
	return p, nil
}
