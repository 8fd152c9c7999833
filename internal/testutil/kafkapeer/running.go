package kafkapeer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
)

// Running is a client process running in the background: a consumer that
// waits for data a test produces after it has started.
type Running struct {
	t      testing.TB
	argv   []string
	cmd    *exec.Cmd
	cancel context.CancelFunc
	out    lockedBuffer
	errOut lockedBuffer
	done   chan struct{}
	err    error // valid once done is closed
}

// StartKcat starts kcat with -b set to the broker's address, then args, in
// the background. It is killed when the test ends if it still runs.
func StartKcat(t testing.TB, b Broker, args ...string) *Running {
	t.Helper()
	testutil.Slow(t)
	kcat, err := exec.LookPath("kcat")
	testutil.RequirePeer(t, "kcat", err == nil)
	return startClient(t, append([]string{kcat, "-b", b.Addr()}, args...), "", nil)
}

func startClient(t testing.TB, argv []string, stdin string, env []string) *Running {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ClientTimeout)
	r := &Running{t: t, argv: argv, cancel: cancel, done: make(chan struct{})}
	r.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	r.cmd.Env = append(os.Environ(), env...)
	r.cmd.Stdin = strings.NewReader(stdin)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.errOut
	r.cmd.WaitDelay = 5 * time.Second
	if err := r.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", argv[0], err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// WaitFor polls cond on the output so far until it is true, the process
// exits, or timeout passes, and reports whether cond became true.
func (r *Running) WaitFor(cond func(stdout, stderr string) bool, timeout time.Duration) bool {
	return testutil.WaitFor(func() bool {
		if cond(r.out.String(), r.errOut.String()) {
			return true
		}
		select {
		case <-r.done:
			return true // exited: the last check above saw everything
		default:
			return false
		}
	}, timeout) && cond(r.out.String(), r.errOut.String())
}

// WaitStderr waits until stderr contains s (see WaitFor).
func (r *Running) WaitStderr(s string, timeout time.Duration) bool {
	return r.WaitFor(func(_, stderr string) bool { return strings.Contains(stderr, s) }, timeout)
}

// Wait waits for the process to exit (it is killed at ClientTimeout after
// its start) and returns its result.
func (r *Running) Wait() Result {
	r.t.Helper()
	<-r.done
	r.cancel()
	res := Result{Argv: r.argv, Stdout: r.out.String(), Stderr: r.errOut.String(), Code: r.cmd.ProcessState.ExitCode()}
	if res.Code == -1 {
		r.t.Fatalf("%s was killed (timeout %v?): %v\nstdout:\n%s\nstderr:\n%s", strings.Join(r.argv, " "), ClientTimeout, r.err, res.Stdout, res.Stderr)
	}
	return res
}

// lockedBuffer is a bytes.Buffer written by exec's copying goroutine and
// read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Kill sends SIGKILL (a crashed client: no leave, no final commit) and
// waits for the process to end.
func (r *Running) Kill() {
	r.t.Helper()
	_ = r.cmd.Process.Kill()
	<-r.done
}

// Stdout is what the process printed so far.
func (r *Running) Stdout() string { return r.out.String() }

// Stop sends SIGTERM (a clean exit: a consumer leaves its group and
// commits) and waits for the process to end.
func (r *Running) Stop() {
	r.t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	<-r.done
}
