package zkinterop

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// lineTimeout bounds the wait for one line from a client process.
const lineTimeout = 60 * time.Second

// pyProc is a kazoo script run as a process the test talks to: it reads
// the script's stdout line by line and can write to its stdin and signal it.
type pyProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *lockedBuffer
	mu     sync.Mutex
	out    []string // every stdout line read so far
	done   chan struct{}
}

// startKazoo runs testdata/<script> under the system python3 with hosts as
// its first argument and args after it.
func startKazoo(t *testing.T, script, hosts string, args ...string) *pyProc {
	t.Helper()
	testutil.Slow(t)
	err := testutil.KazooAvailable()
	msg := "kazoo (python3-kazoo under " + zkproc.SystemPython + ")"
	if err != nil {
		msg += ": " + err.Error()
	}
	testutil.RequirePeer(t, msg, err == nil)
	path, err := filepath.Abs(filepath.Join("testdata", script))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(zkproc.SystemPython, append([]string{path, hosts}, args...)...)
	cmd.Env = append(cmd.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	p := &pyProc{t: t, cmd: cmd, lines: make(chan string, 1024), stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", script, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		_ = cmd.Wait() // only after EOF: Wait closes the pipe
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			// Still running: a failed test. SIGCONT in case it was stopped.
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGCONT)
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", script, p.stderr.String())
		}
	})
	return p
}

// next returns the script's next stdout line, failing the test if the
// script ends or stays silent for lineTimeout.
func (p *pyProc) next() string {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.t.Fatalf("script ended early; stdout so far:\n%s\nstderr:\n%s", p.output(), p.stderr.String())
		}
		p.mu.Lock()
		p.out = append(p.out, l)
		p.mu.Unlock()
		return l
	case <-time.After(lineTimeout):
		p.t.Fatalf("no line from the script within %v; stdout so far:\n%s", lineTimeout, p.output())
	}
	return ""
}

// expect reads the next line and fails unless it starts with prefix.
func (p *pyProc) expect(prefix string) string {
	p.t.Helper()
	l := p.next()
	if !strings.HasPrefix(l, prefix) {
		p.t.Fatalf("script printed %q, want a line starting %q; stderr:\n%s", l, prefix, p.stderr.String())
	}
	return l
}

func (p *pyProc) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("write to script: %v", err)
	}
}

func (p *pyProc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := syscall.Kill(p.cmd.Process.Pid, sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait reads the rest of stdout and returns the lines not read before,
// failing the test unless the script exits 0.
func (p *pyProc) wait() []string {
	p.t.Helper()
	var rest []string
	deadline := time.After(testutil.ClientTimeout)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				<-p.done
				if code := p.cmd.ProcessState.ExitCode(); code != 0 {
					p.t.Fatalf("script exited %d; stdout:\n%s\nstderr:\n%s", code, p.output(), p.stderr.String())
				}
				return rest
			}
			p.mu.Lock()
			p.out = append(p.out, l)
			p.mu.Unlock()
			rest = append(rest, l)
		case <-deadline:
			p.t.Fatalf("script still running after %v; stdout:\n%s", testutil.ClientTimeout, p.output())
		}
	}
}

func (p *pyProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.out, "\n")
}

// runScenarios runs a kzlib-based script (every scenario in it) and
// returns each scenario's lines, without the "name: " prefix.
func runScenarios(t *testing.T, hosts, script string) map[string][]string {
	t.Helper()
	p := startKazoo(t, script, hosts)
	got := map[string][]string{}
	for _, l := range p.wait() {
		name, line, ok := strings.Cut(l, ": ")
		if !ok {
			t.Fatalf("%s printed %q, not a scenario line", script, l)
		}
		got[name] = append(got[name], line)
	}
	return got
}

// checkScenarios compares each scenario's lines with want, one subtest per
// scenario, and fails for a scenario that printed but is not in want.
func checkScenarios(t *testing.T, got map[string][]string, want map[string]string) {
	t.Helper()
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("scenario %s ran but has no expected output:\n%s", name, strings.Join(got[name], "\n"))
		}
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			g := strings.Join(got[name], "\n")
			if w = strings.TrimSpace(dedent(w)); g != w {
				t.Errorf("%s\n--- got:\n%s\n--- want:\n%s", firstDiff(g, w), g, w)
			}
		})
	}
}

// dedent removes the leading tabs of every line, so expected output can be
// written as an indented raw string.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, "\t")
	}
	return strings.Join(lines, "\n")
}

// firstDiff names the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, gl, wl)
		}
	}
	return "equal"
}

// normalizer replaces the parts of an output that differ between runs and
// servers without being behaviour: times, session ids, ports.
type normalizer []struct {
	re   *regexp.Regexp
	repl string
}

func (n normalizer) apply(s string) string {
	for _, r := range n {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

// lockedBuffer collects a process's output while the test reads it.
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
