package zkproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wharf-project/wharf/internal/testutil/childproc"
)

// Kind names a ZooKeeper-compatible server implementation.
type Kind string

const (
	Apache Kind = "zookeeper" // Apache ZooKeeper 3.8 on the JVM
	Wharf  Kind = "wharf"     // wharf zookeeper zoo.cfg
)

var (
	// ErrNotReady means the server did not answer ruok in time.
	ErrNotReady = childproc.ErrNotReady
	// ErrExited means the server process exited while it was expected to run.
	ErrExited = childproc.ErrExited
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
	proc      childproc.Process
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
	s.proc = childproc.Process{Name: string(s.Kind) + " on " + s.Addr, Argv: argv, Dir: s.Dir, LogPath: s.LogPath, Tag: "zkproc"}
	if err := s.proc.Start(); err != nil {
		return err
	}
	timeout := s.opts.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	err = s.proc.WaitReady(s.ready, timeout)
	s.PID = s.proc.PID() // 0 unless it runs
	return err
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
func (s *Server) Running() bool { return s.proc.Running() }

// Stop ends the server with SIGTERM (a clean shutdown), then SIGKILL if it
// has not exited within 15 seconds. Stopping a stopped server is a no-op.
func (s *Server) Stop() error {
	err := s.proc.Stop(15 * time.Second)
	s.PID = s.proc.PID()
	return err
}

// Kill ends the server with SIGKILL, as a crash would, and waits until it
// is gone.
func (s *Server) Kill() error {
	err := s.proc.Kill()
	s.PID = s.proc.PID()
	return err
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
func (s *Server) ExitError() error { return s.proc.ExitErr() }

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string { return s.proc.LogTail(n) }
