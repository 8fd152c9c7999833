package kafkaserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
)

// scriptDir lays out a Kafka/ZooKeeper installation: bin/ with the
// scripts as links to a private copy of the wharf binary (the stop scripts
// signal every server of *this* executable, so other tests' servers, of
// the shared build, are out of their reach), conf/ and config/.
func scriptDir(t *testing.T) string {
	t.Helper()
	src := testutil.BuildWharf(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	self := filepath.Join(bin, "wharf")
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(self, os.O_WRONLY|os.O_CREATE, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	for _, name := range []string{"zkServer.sh", "kafka-server-start.sh", "kafka-server-stop.sh", "zookeeper-server-start.sh", "zookeeper-server-stop.sh"} {
		if err := os.Symlink("wharf", filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type scriptResult struct {
	stdout, stderr string
	code           int
}

// script runs bin/<name> args in dir, as `bin/<name> …` from the
// installation's directory, with a clean environment for the script's
// variables.
func script(t *testing.T, dir, name string, args ...string) scriptResult {
	t.Helper()
	cmd := exec.Command(filepath.Join("bin", name), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ZOOCFGDIR=", "ZOOCFG=", "ZOOPIDFILE=", "ZOO_LOG_DIR=", "LOG_DIR=", "SIGNAL=", "USER=tester")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return scriptResult{so.String(), se.String(), code}
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	if !testutil.WaitFor(func() bool { return syscall.Kill(pid, 0) != nil }, 20*time.Second) {
		t.Fatalf("process %d still runs", pid)
	}
}

// zkServer.sh start/status/version/stop with the script's texts, the pid
// file in dataDir and the daemon's output under logs/.
func TestZkServerScript(t *testing.T) {
	dir := scriptDir(t)
	port := testutil.FreePort(t)
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=srvr\n", data, port)
	if err := os.WriteFile(filepath.Join(dir, "conf", "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	preamble := "ZooKeeper JMX enabled by default\nUsing config: " + dir + "/bin/../conf/zoo.cfg\n"
	pidFile := filepath.Join(data, "zookeeper_server.pid")

	r := script(t, dir, "zkServer.sh", "start")
	b, err := os.ReadFile(pidFile)
	pid, _ := strconv.Atoi(string(b))
	if pid > 0 {
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	}
	if r.code != 0 || r.stdout != "Starting zookeeper ... STARTED\n" || r.stderr != preamble {
		t.Fatalf("start: %+v", r)
	}
	if err != nil || pid <= 0 {
		t.Fatalf("pid file %s: %q %v", pidFile, b, err)
	}
	want := fmt.Sprintf("Client port found: %d. Client address: 127.0.0.1. Client SSL: false.\nMode: standalone\n", port)
	if !testutil.WaitFor(func() bool { return script(t, dir, "zkServer.sh", "status").stdout == want }, 20*time.Second) {
		t.Fatalf("status: %+v", script(t, dir, "zkServer.sh", "status"))
	}
	if r := script(t, dir, "zkServer.sh", "start"); r.code != 1 || r.stdout != fmt.Sprintf("Starting zookeeper ... already running as process %d.\n", pid) {
		t.Errorf("second start: %+v", r)
	}
	if r := script(t, dir, "zkServer.sh", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "Apache ZooKeeper, version ") {
		t.Errorf("version: %+v", r)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "logs", "zookeeper-tester-server-*.out")); len(matches) != 1 {
		t.Errorf("daemon output under logs/: %v", matches)
	}
	if r := script(t, dir, "zkServer.sh", "stop"); r.code != 0 || r.stdout != "Stopping zookeeper ... STOPPED\n" {
		t.Errorf("stop: %+v", r)
	}
	waitGone(t, pid)
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file after stop: %v", err)
	}
	if r := script(t, dir, "zkServer.sh", "stop"); r.stdout != "Stopping zookeeper ... no zookeeper to stop (could not find file "+pidFile+")\n" {
		t.Errorf("stop again: %+v", r)
	}
	if r := script(t, dir, "zkServer.sh", "status"); r.code != 1 || !strings.HasSuffix(r.stdout, "Error contacting service. It is probably not running.\n") {
		t.Errorf("status when stopped: %+v", r)
	}
	if r := script(t, dir, "zkServer.sh", "bogus"); !strings.Contains(r.stderr, "Usage: bin/zkServer.sh [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd}") {
		t.Errorf("usage: %+v", r)
	}
}

// zookeeper-server-start.sh -daemon and kafka-server-start.sh -daemon run
// in the background with their output in logs/; the stop scripts stop
// them, and say so when there is nothing to stop.
func TestStartScriptsDaemonAndStop(t *testing.T) {
	dir := scriptDir(t)
	zkPort, kafkaPort := testutil.FreePort(t), testutil.FreePort(t)
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, "config", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("zookeeper.properties", fmt.Sprintf("dataDir=%s\nclientPort=%d\nmaxClientCnxns=0\nadmin.enableServer=false\n", filepath.Join(dir, "zk"), zkPort))
	write("server.properties", fmt.Sprintf("broker.id=0\nlisteners=PLAINTEXT://127.0.0.1:%d\nlog.dirs=%s\nzookeeper.connect=127.0.0.1:%d\n"+
		"offsets.topic.replication.factor=1\n", kafkaPort, filepath.Join(dir, "kafka-logs"), zkPort))

	if r := script(t, dir, "kafka-server-stop.sh"); r.code != 1 || r.stdout != "No kafka server to stop\n" {
		t.Errorf("kafka-server-stop.sh with nothing running: %+v", r)
	}
	if r := script(t, dir, "zookeeper-server-start.sh", "-daemon", "config/zookeeper.properties"); r.code != 0 || r.stdout != "" {
		t.Fatalf("zookeeper-server-start.sh -daemon: %+v", r)
	}
	t.Cleanup(func() { script(t, dir, "zookeeper-server-stop.sh") })
	if r := script(t, dir, "kafka-server-start.sh", "-daemon", "config/server.properties"); r.code != 0 || r.stdout != "" {
		t.Fatalf("kafka-server-start.sh -daemon: %+v", r)
	}
	t.Cleanup(func() { script(t, dir, "kafka-server-stop.sh") })
	kafkaAddr := fmt.Sprintf("127.0.0.1:%d", kafkaPort)
	if !testutil.WaitFor(func() bool { return testutil.Listening(kafkaAddr) }, 60*time.Second) {
		b, _ := os.ReadFile(filepath.Join(dir, "logs", "kafkaServer.out"))
		t.Fatalf("the daemonized broker never listened on %s; logs/kafkaServer.out:\n%s", kafkaAddr, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", "zookeeper.out")); err != nil {
		t.Errorf("logs/zookeeper.out: %v", err)
	}
	if r := script(t, dir, "kafka-server-stop.sh"); r.code != 0 {
		t.Fatalf("kafka-server-stop.sh: %+v", r)
	}
	if !testutil.WaitFor(func() bool { return script(t, dir, "kafka-server-stop.sh").code == 1 }, 60*time.Second) {
		t.Fatal("the broker did not stop")
	}
	if r := script(t, dir, "zookeeper-server-stop.sh"); r.code != 0 {
		t.Fatalf("zookeeper-server-stop.sh: %+v", r)
	}
	if !testutil.WaitFor(func() bool {
		r := script(t, dir, "zookeeper-server-stop.sh")
		return r.code == 1 && r.stdout == "No zookeeper server to stop\n"
	}, 30*time.Second) {
		t.Fatal("the ZooKeeper server did not stop")
	}
}
