// Package zktest starts an Apache ZooKeeper server (the Debian package's
// jar, run with the system java) for tests of ZooKeeper clients and tools.
//
// A test that needs the server calls Start, which skips the test when java
// or the jar is missing. The server listens on 127.0.0.1 only, on a free
// port, with its data in a temporary directory, and is stopped by PID.
package zktest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Jars is the server's class path on Debian.
var Jars = []string{"/etc/zookeeper/conf", "/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar", "/usr/share/java/slf4j-api.jar"}

// ErrUnavailable is returned by Launch when java or the jar is missing.
var ErrUnavailable = errors.New("zktest: Apache ZooKeeper (java + /usr/share/java/zookeeper.jar) not installed")

// Available reports whether an Apache ZooKeeper server can be started here.
func Available() bool {
	if _, err := exec.LookPath("java"); err != nil {
		return false
	}
	_, err := os.Stat(Jars[1])
	return err == nil
}

// Options tune the server. The zero value is the configuration the shell
// tests use: tickTime 2000, extended types (TTL nodes) enabled.
type Options struct {
	TickTime int // ms; default 2000
	// Extra lines for zoo.cfg.
	Extra []string
}

// Server is a running Apache ZooKeeper.
type Server struct {
	Addr   string // 127.0.0.1:port
	Dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has been reaped
	log    string
}

// Start launches a server for t, stopped when t ends; it skips t when the
// server is not installed.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if !Available() {
		t.Skip(ErrUnavailable.Error())
	}
	dir := t.TempDir()
	s, err := Launch(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Launch starts a server with its files under dir; the caller stops it.
func Launch(dir string, o Options) (*Server, error) {
	if !Available() {
		return nil, ErrUnavailable
	}
	if o.TickTime == 0 {
		o.TickTime = 2000
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	cfg := []string{
		"tickTime=" + strconv.Itoa(o.TickTime),
		"dataDir=" + data,
		"clientPort=" + strconv.Itoa(port),
		"clientPortAddress=127.0.0.1",
		"admin.enableServer=false",
		"4lw.commands.whitelist=*",
		"maxClientCnxns=0",
		"extendedTypesEnabled=true",
	}
	cfg = append(cfg, o.Extra...)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(strings.Join(cfg, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Dir: dir, log: filepath.Join(dir, "server.log")}
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	s.cmd = exec.Command("java", "-Xmx256m", "-cp", strings.Join(Jars, ":"),
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgPath)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.Dir = dir
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	s.exited = make(chan struct{})
	var waitErr error
	go func() { waitErr = s.cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for delay := 20 * time.Millisecond; ; delay = min(delay*2, 200*time.Millisecond) {
		if r, _ := FourLetter(s.Addr, "ruok"); r == "imok" {
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("zktest: server exited (%v); log %s:\n%s", waitErr, s.log, s.tail())
		case <-time.After(delay):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("zktest: server did not answer ruok; log:\n%s", s.tail())
		}
	}
}

func (s *Server) tail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Stop kills the server by its PID and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// FourLetter sends a four-letter word and returns the trimmed answer.
func FourLetter(addr, word string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := conn.Write([]byte(word)); err != nil {
		return "", err
	}
	var sb strings.Builder
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		sb.WriteString(sc.Text())
		sb.WriteByte('\n')
	}
	return strings.TrimSpace(sb.String()), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
