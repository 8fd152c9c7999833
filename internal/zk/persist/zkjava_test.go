package persist

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Apache ZooKeeper as installed by Debian's zookeeper package: the oracle
// for byte compatibility. Tests that need it skip when it is absent.
var zkJars = []string{
	"/usr/share/java/zookeeper.jar",
	"/usr/share/java/zookeeper-jute.jar",
	"/usr/share/java/slf4j-api.jar",
	"/usr/share/java/slf4j-nop.jar",
	"/usr/share/java/netty-all.jar",
	"/usr/share/java/commons-cli.jar",
	"/usr/share/java/snappy-java.jar",
}

// zkClasspath returns the classpath to run ZooKeeper's classes, or skips.
func zkClasspath(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("java not installed: Apache ZooKeeper oracle unavailable (apt-get install zookeeper)")
	}
	for _, j := range zkJars {
		if _, err := os.Stat(j); err != nil {
			t.Skipf("%s missing: Apache ZooKeeper oracle unavailable (apt-get install zookeeper)", j)
		}
	}
	return strings.Join(zkJars, ":")
}

// runJava runs a ZooKeeper main class and returns its stdout; stderr is
// reported on failure.
func runJava(t testing.TB, cp string, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "java", append([]string{"-cp", cp}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("java %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, out.String(), errb.String())
	}
	return out.String()
}

// zkServer is an Apache ZooKeeper standalone server run for a test.
type zkServer struct {
	cmd  *exec.Cmd
	addr string
	log  bytes.Buffer
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startZK runs QuorumPeerMain (standalone) on dataDir with a small
// preallocation and snapCount, listening on 127.0.0.1 only.
func startZK(t testing.TB, cp, dataDir string) *zkServer {
	t.Helper()
	port := freePort(t)
	cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"+
		"admin.enableServer=false\nsnapCount=10\npreAllocSize=16\nextendedTypesEnabled=true\n",
		dataDir, port)
	cfgPath := filepath.Join(filepath.Dir(dataDir), fmt.Sprintf("zoo-%d.cfg", port))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &zkServer{addr: fmt.Sprintf("127.0.0.1:%d", port)}
	s.cmd = exec.Command("java", "-cp", cp, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgPath)
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.stop() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		// The port opens before the database is loaded (and the startup
		// snapshot taken): wait until srvr reports a mode.
		out, err := fourLetterWord(s.addr, "srvr")
		if err == nil && strings.Contains(out, "Mode: ") {
			return s
		}
		if time.Now().After(deadline) || s.cmd.ProcessState != nil {
			t.Fatalf("ZooKeeper did not start on %s: %v %q\n%s", s.addr, err, out, s.log.String())
		}
		time.Sleep(100 * time.Millisecond) // polling: the server gives no other signal
	}
}

// fourLetterWord sends a four-letter command and returns the reply.
func fourLetterWord(addr, cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// stop ends the server by its PID and waits for it.
func (s *zkServer) stop() {
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// zkCli runs zkCli (ZooKeeperMain) with commands on stdin.
func zkCli(t testing.TB, cp, addr string, commands ...string) string {
	t.Helper()
	return runJava(t, cp, strings.Join(commands, "\n")+"\nquit\n",
		"org.apache.zookeeper.ZooKeeperMain", "-server", addr)
}
