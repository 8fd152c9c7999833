package zkproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Kind names a ZooKeeper-compatible server implementation.
type Kind string

const (
	Apache Kind = "zookeeper" // Apache ZooKeeper 3.8 on the JVM
	Wharf  Kind = "wharf"     // wharf zookeeper zoo.cfg
)

var (
	// ErrNotReady means the server did not answer ruok in time.
	ErrNotReady = errors.New("zkproc: server not ready")
	// ErrExited means the server process exited while it was expected to run.
	ErrExited = errors.New("zkproc: server exited")
	// ErrNoBinary means Options.WharfBin was empty for a Wharf server.
	ErrNoBinary = errors.New("zkproc: no wharf binary given")
)

// Server is one running (or stopped) server process.
type Server struct {
	Kind       Kind
	Addr       string // 127.0.0.1:<clientPort>
	Port       int
	AdminAddr  string // 127.0.0.1:<admin.serverPort>, "" unless Options.AdminServer
	DataDir    string
	Dir        string // holds zoo.cfg and the log
	ConfigPath string
	LogPath    string // stdout and stderr of every run, appended
	PID        int    // of the current process; 0 when not running

	opts      Options
	adminPort int
	cmd       *exec.Cmd
	done      chan struct{} // closed when the current process has exited
	exitErr   error         // valid once done is closed
}

// Start writes <dir>/zoo.cfg for opts and starts a server of the given kind
// on it, returning once it is ready. dir is created if needed.
func Start(kind Kind, dir string, opts Options) (*Server, error) {
	if kind == Wharf && opts.WharfBin == "" {
		return nil, ErrNoBinary
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(dir, "data")
	}
	if dataDir, err = filepath.Abs(dataDir); err != nil {
		return nil, err
	}
	for _, d := range []string{dir, dataDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if opts.MyID > 0 {
		if err := os.WriteFile(filepath.Join(dataDir, "myid"), fmt.Appendf(nil, "%d\n", opts.MyID), 0o644); err != nil {
			return nil, err
		}
	}
	s := &Server{
		Kind:       kind,
		DataDir:    dataDir,
		Dir:        dir,
		ConfigPath: filepath.Join(dir, "zoo.cfg"),
		LogPath:    filepath.Join(dir, string(kind)+".log"),
		opts:       opts,
	}
	// A port chosen here can be taken by another process before the server
	// binds it; then choose again. A port the caller chose is not changed.
	for attempt := 0; ; attempt++ {
		if err := s.choosePorts(); err != nil {
			return nil, err
		}
		if err := os.WriteFile(s.ConfigPath, []byte(opts.zooCfg(dataDir, s.Port, s.adminPort)), 0o644); err != nil {
			return nil, err
		}
		err := s.start()
		if err == nil {
			return s, nil
		}
		autoPorts := opts.Port == 0 && (!opts.AdminServer || opts.AdminPort == 0)
		if attempt >= 2 || !autoPorts || !errors.Is(err, ErrExited) ||
			!strings.Contains(strings.ToLower(s.LogTail(40)), "address already in use") {
			return nil, err
		}
	}
}

func (s *Server) choosePorts() error {
	var err error
	s.Port = s.opts.Port
	if s.Port == 0 {
		if s.Port, err = FreePort(); err != nil {
			return err
		}
	}
	s.Addr = fmt.Sprintf("127.0.0.1:%d", s.Port)
	if s.opts.AdminServer {
		s.adminPort = s.opts.AdminPort
		if s.adminPort == 0 {
			if s.adminPort, err = FreePort(); err != nil {
				return err
			}
		}
		s.AdminAddr = fmt.Sprintf("127.0.0.1:%d", s.adminPort)
	}
	return nil
}

func (s *Server) argv() ([]string, error) {
	switch s.Kind {
	case Apache:
		java, err := Java()
		if err != nil {
			return nil, err
		}
		argv := []string{java}
		if !slices.ContainsFunc(s.opts.JVMFlags, func(f string) bool { return strings.HasPrefix(f, "-Xmx") }) {
			argv = append(argv, "-Xmx1000m") // zkServer.sh's default heap (ZK_SERVER_HEAP)
		}
		argv = append(argv, s.opts.JVMFlags...)
		return append(argv, "-cp", ApacheClasspath(),
			"org.apache.zookeeper.server.quorum.QuorumPeerMain", s.ConfigPath), nil
	case Wharf:
		return []string{s.opts.WharfBin, "zookeeper", s.ConfigPath}, nil
	}
	return nil, fmt.Errorf("zkproc: unknown server kind %q", s.Kind)
}

// start runs the process on the current config and waits until it is ready.
func (s *Server) start() error {
	argv, err := s.argv()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(s.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== zkproc %s: %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(argv, " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.Dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	logf.Close() // the child has its own copy
	if err != nil {
		return err
	}
	s.cmd, s.PID = cmd, cmd.Process.Pid
	done := make(chan struct{})
	s.done = done
	go func() {
		s.exitErr = cmd.Wait()
		close(done)
	}()

	timeout := s.opts.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	exited := false
	ready := WaitFor(func() bool {
		select {
		case <-done:
			exited = true
			return true
		default:
		}
		return s.ready()
	}, timeout)
	switch {
	case exited:
		s.PID = 0
		return fmt.Errorf("%w: %s on %s: %v; log %s:\n%s", ErrExited, s.Kind, s.Addr, s.exitErr, s.LogPath, s.LogTail(30))
	case !ready:
		_ = s.Kill()
		return fmt.Errorf("%w: %s on %s after %v; log %s:\n%s", ErrNotReady, s.Kind, s.Addr, timeout, s.LogPath, s.LogTail(30))
	}
	return nil
}

// ready asks ruok; a server whose whitelist leaves ruok out still proves it
// listens by saying so.
func (s *Server) ready() bool {
	r, err := four(s.Addr, "ruok", time.Second)
	if err != nil || (r != "imok" && !strings.Contains(r, "whitelist")) {
		return false
	}
	if s.Kind != Apache {
		return true
	}
	// Apache listens (and says imok) before it has loaded its database;
	// srvr reports a Mode only once it serves.
	r, err = four(s.Addr, "srvr", time.Second)
	return err == nil && (strings.Contains(r, "Mode:") || strings.Contains(r, "whitelist"))
}

// Running reports whether the current process is alive.
func (s *Server) Running() bool {
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Stop ends the server with SIGTERM (a clean shutdown), then SIGKILL if it
// has not exited within 15 seconds. Stopping a stopped server is a no-op.
func (s *Server) Stop() error {
	if !s.Running() {
		s.PID = 0
		return nil
	}
	_ = syscall.Kill(s.PID, syscall.SIGTERM)
	select {
	case <-s.done:
		s.PID = 0
		return nil
	case <-time.After(15 * time.Second):
	}
	return s.Kill()
}

// Kill ends the server with SIGKILL, as a crash would, and waits until it
// is gone.
func (s *Server) Kill() error {
	if !s.Running() {
		s.PID = 0
		return nil
	}
	if err := syscall.Kill(s.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("zkproc: kill %d: %w", s.PID, err)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("zkproc: pid %d did not die after SIGKILL", s.PID)
	}
	s.PID = 0
	return nil
}

// Restart stops the server if it runs and starts it again on the same
// zoo.cfg, port and data directory.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start()
}

// ExitError returns how the last process ended (nil while it runs or after a
// clean exit).
func (s *Server) ExitError() error {
	if s.Running() || s.done == nil {
		return nil
	}
	return s.exitErr
}

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
