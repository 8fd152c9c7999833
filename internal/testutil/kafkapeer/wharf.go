package kafkapeer

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/childproc"
)

// DefaultStartTimeout bounds a broker's start when options leave it 0.
const DefaultStartTimeout = 60 * time.Second

// WharfOptions configure StartWharfServer. The zero value is a fresh
// server on free ports with a fresh data directory.
type WharfOptions struct {
	WharfBin     string        // "" = testutil.BuildWharf
	DataDir      string        // --data-dir; "" = a new temp dir
	KafkaPort    int           // --kafka-addr port; 0 = a free one
	ZKPort       int           // --zk-addr port; 0 = a free one
	HTTPPort     int           // --http-addr port; 0 = a free one
	Args         []string      // more arguments after the standard ones
	Env          []string      // more environment (KAFKA_*, …)
	StartTimeout time.Duration // 0 = DefaultStartTimeout
}

// WharfServer is `wharf server` running as a process owned by one test.
// It implements Broker.
type WharfServer struct {
	KafkaAddr string // 127.0.0.1:port, the bootstrap address
	ZKAddr    string // the embedded coordinator's client address
	HTTPAddr  string
	DataDir   string
	LogPath   string // stdout and stderr of every run, appended

	t       testing.TB
	p       *childproc.Process
	timeout time.Duration
}

func (s *WharfServer) Kind() string { return KindWharf }
func (s *WharfServer) Addr() string { return s.KafkaAddr }

// PID is the current process's id, 0 when it does not run.
func (s *WharfServer) PID() int { return s.p.PID() }

// Stop shuts the server down with SIGTERM (SIGKILL after StopTimeout).
func (s *WharfServer) Stop() { s.t.Helper(); mustDo(s.t, "stop wharf server", s.p.Stop(StopTimeout)) }

// ExitErr is how the last run ended once it has: nil for exit status 0
// (or while it runs), else the *exec.ExitError.
func (s *WharfServer) ExitErr() error { return s.p.ExitErr() }

// Kill crashes the server with SIGKILL and waits until it is gone.
func (s *WharfServer) Kill() { s.t.Helper(); mustDo(s.t, "kill wharf server", s.p.Kill()) }

// Restart stops the server if it runs and starts it again on the same
// ports and data directory, returning once it answers Metadata.
func (s *WharfServer) Restart() {
	s.t.Helper()
	mustDo(s.t, "stop wharf server", s.p.Stop(StopTimeout))
	mustDo(s.t, "restart wharf server", s.start())
}

func (s *WharfServer) start() error {
	if err := s.p.Start(); err != nil {
		return err
	}
	return s.p.WaitReady(func() bool { return metadataReady(s.KafkaAddr, time.Second) }, s.timeout)
}

// StartWharfServer runs `wharf server --kafka-addr … --zk-addr …
// --http-addr … --data-dir …` on 127.0.0.1 and returns once a franz-go
// Metadata request succeeds. A binary without the server subcommand skips
// the test.
func StartWharfServer(t testing.TB, opts WharfOptions) *WharfServer {
	t.Helper()
	testutil.Slow(t)
	bin := opts.WharfBin
	if bin == "" {
		bin = wharfBin(t, "server")
	}
	dir := testutil.TempDir(t, "wharf-server")
	s := &WharfServer{
		DataDir: opts.DataDir,
		LogPath: filepath.Join(dir, "wharf.log"),
		t:       t,
		timeout: cmp.Or(opts.StartTimeout, DefaultStartTimeout),
	}
	if s.DataDir == "" {
		s.DataDir = filepath.Join(dir, "data")
	}
	auto := opts.KafkaPort == 0 || opts.ZKPort == 0 || opts.HTTPPort == 0
	var err error
	for attempt := 0; ; attempt++ {
		s.KafkaAddr = loopback(t, opts.KafkaPort)
		s.ZKAddr = loopback(t, opts.ZKPort)
		s.HTTPAddr = loopback(t, opts.HTTPPort)
		argv := []string{bin, "server",
			"--kafka-addr", s.KafkaAddr, "--zk-addr", s.ZKAddr,
			"--http-addr", s.HTTPAddr, "--data-dir", s.DataDir}
		s.p = newProcess("wharf server", append(argv, opts.Args...), dir, opts.Env, s.LogPath)
		if err = s.start(); err == nil || !retryPorts(auto, attempt, err, s.p) {
			break
		}
	}
	if err != nil {
		t.Fatalf("start wharf server: %v", err)
	}
	t.Logf("wharf server: kafka %s, zookeeper %s, http %s (pid %d, log %s)", s.KafkaAddr, s.ZKAddr, s.HTTPAddr, s.p.PID(), s.LogPath)
	watch(t, s.p)
	return s
}

// BrokerOptions configure StartWharfBroker.
type BrokerOptions struct {
	WharfBin string // "" = testutil.BuildWharf
	BrokerID int    // broker.id
	Port     int    // the PLAINTEXT listener's port; 0 = a free one
	LogDirs  string // log.dirs; "" = a new temp dir
	// Props are server.properties keys; each replaces the default with the
	// same key (see BrokerProperties).
	Props        map[string]string
	Args         []string // more arguments after the file (--override k=v)
	Env          []string
	StartTimeout time.Duration // 0 = DefaultStartTimeout
}

// WharfBroker is `wharf broker server.properties` running as a process
// owned by one test. It implements Broker.
type WharfBroker struct {
	ListenAddr string // 127.0.0.1:port
	ZKConnect  string
	ConfigPath string // the server.properties it runs on
	LogDirs    string
	LogPath    string

	t       testing.TB
	p       *childproc.Process
	timeout time.Duration
}

func (b *WharfBroker) Kind() string { return KindWharfBroker }
func (b *WharfBroker) Addr() string { return b.ListenAddr }

// PID is the current process's id, 0 when it does not run.
func (b *WharfBroker) PID() int { return b.p.PID() }

// Stop shuts the broker down with SIGTERM (SIGKILL after StopTimeout).
func (b *WharfBroker) Stop() { b.t.Helper(); mustDo(b.t, "stop wharf broker", b.p.Stop(StopTimeout)) }

// ExitErr is how the last run ended once it has: nil for exit status 0
// (or while it runs), else the *exec.ExitError.
func (b *WharfBroker) ExitErr() error { return b.p.ExitErr() }

// Kill crashes the broker with SIGKILL and waits until it is gone.
func (b *WharfBroker) Kill() { b.t.Helper(); mustDo(b.t, "kill wharf broker", b.p.Kill()) }

// Restart stops the broker if it runs and starts it again on the same
// server.properties, returning once it answers Metadata.
func (b *WharfBroker) Restart() {
	b.t.Helper()
	mustDo(b.t, "stop wharf broker", b.p.Stop(StopTimeout))
	mustDo(b.t, "restart wharf broker", b.start())
}

func (b *WharfBroker) start() error {
	if err := b.p.Start(); err != nil {
		return err
	}
	return b.p.WaitReady(func() bool { return metadataReady(b.ListenAddr, time.Second) }, b.timeout)
}

// BrokerProperties renders the server.properties StartWharfBroker writes: a
// single-broker test cluster (replication factors 1, no initial rebalance
// delay), then props, each replacing the default with the same key. Keys
// are sorted.
func BrokerProperties(brokerID int, listenAddr, zkConnect, logDirs string, props map[string]string) string {
	all := map[string]string{
		"broker.id":                                strconv.Itoa(brokerID),
		"listeners":                                "PLAINTEXT://" + listenAddr,
		"log.dirs":                                 logDirs,
		"zookeeper.connect":                        zkConnect,
		"zookeeper.connection.timeout.ms":          "18000",
		"num.partitions":                           "1",
		"default.replication.factor":               "1",
		"offsets.topic.replication.factor":         "1",
		"transaction.state.log.replication.factor": "1",
		"transaction.state.log.min.isr":            "1",
		"group.initial.rebalance.delay.ms":         "0",
	}
	maps.Copy(all, props)
	var sb strings.Builder
	sb.WriteString("# written by internal/testutil/kafkapeer\n")
	for _, k := range slices.Sorted(maps.Keys(all)) {
		fmt.Fprintf(&sb, "%s=%s\n", k, all[k])
	}
	return sb.String()
}

// StartWharfBroker writes a server.properties (BrokerProperties) for a
// broker joining the ZooKeeper at zkConnect (Apache ZooKeeper from
// testutil.StartApacheZK, or `wharf zookeeper`), runs `wharf broker` on it
// and returns once the broker answers Metadata. A binary without the broker
// subcommand skips the test.
func StartWharfBroker(t testing.TB, zkConnect string, opts BrokerOptions) *WharfBroker {
	t.Helper()
	testutil.Slow(t)
	bin := opts.WharfBin
	if bin == "" {
		bin = wharfBin(t, "broker")
	}
	dir := testutil.TempDir(t, fmt.Sprintf("wharf-broker-%d", opts.BrokerID))
	b := &WharfBroker{
		ZKConnect:  zkConnect,
		ConfigPath: filepath.Join(dir, "server.properties"),
		LogDirs:    cmp.Or(opts.LogDirs, filepath.Join(dir, "kafka-logs")),
		LogPath:    filepath.Join(dir, "wharf.log"),
		t:          t,
		timeout:    cmp.Or(opts.StartTimeout, DefaultStartTimeout),
	}
	var err error
	for attempt := 0; ; attempt++ {
		b.ListenAddr = loopback(t, opts.Port)
		props := BrokerProperties(opts.BrokerID, b.ListenAddr, zkConnect, b.LogDirs, opts.Props)
		if err = os.WriteFile(b.ConfigPath, []byte(props), 0o644); err != nil {
			t.Fatal(err)
		}
		argv := append([]string{bin, "broker", b.ConfigPath}, opts.Args...)
		b.p = newProcess("wharf broker", argv, dir, opts.Env, b.LogPath)
		if err = b.start(); err == nil || !retryPorts(opts.Port == 0, attempt, err, b.p) {
			break
		}
	}
	if err != nil {
		t.Fatalf("start wharf broker: %v", err)
	}
	t.Logf("wharf broker %d on %s, zookeeper %s (pid %d, log %s)", opts.BrokerID, b.ListenAddr, zkConnect, b.p.PID(), b.LogPath)
	watch(t, b.p)
	return b
}

// startApacheZK starts Apache ZooKeeper 3.8 for a wharf-broker target.
func startApacheZK(t testing.TB) string {
	t.Helper()
	return testutil.StartApacheZK(t, testutil.ZKOptions{}).Addr
}

var subcommands sync.Map // "bin\x00sub" -> error (nil when present)

// ErrNoSubcommand means the wharf binary has no such subcommand yet.
var ErrNoSubcommand = errors.New("kafkapeer: wharf has no such subcommand")

// WharfHasSubcommand reports (as a nil error) whether bin has the named
// subcommand, by running `bin sub --help`: cobra answers an unknown
// subcommand's --help with the root's help, whose usage lacks "wharf sub".
func WharfHasSubcommand(bin, sub string) error {
	key := bin + "\x00" + sub
	if v, ok := subcommands.Load(key); ok {
		err, _ := v.(error)
		return err
	}
	out, err := exec.Command(bin, sub, "--help").CombinedOutput()
	switch {
	case err != nil:
		err = fmt.Errorf("%w: `wharf %s --help`: %v: %s", ErrNoSubcommand, sub, err, bytes.TrimSpace(out))
	case !strings.Contains(string(out), "wharf "+sub):
		err = fmt.Errorf("%w: `wharf %s --help` prints the root usage", ErrNoSubcommand, sub)
	}
	subcommands.Store(key, err)
	return err
}

// wharfBin builds wharf (testutil.BuildWharf) and skips the test when it
// lacks the subcommand: Wharf's broker is built in stages, and a target
// whose subcommand is missing is not yet testable rather than broken.
func wharfBin(t testing.TB, sub string) string {
	t.Helper()
	bin := testutil.BuildWharf(t)
	if err := WharfHasSubcommand(bin, sub); err != nil {
		t.Skipf("%v: Wharf's Kafka broker is not built yet; %s=%s self-tests the harness against an in-memory stand-in",
			err, TargetEnv, KindKfake)
	}
	return bin
}

// watch fails the test if the process dies on its own, prints its log's
// tail when the test failed, and stops it, all when the test ends.
func watch(t testing.TB, p *childproc.Process) {
	t.Cleanup(func() {
		if p.PID() != 0 && !p.Running() {
			t.Errorf("%s exited on its own: %v", p.Name, p.ExitErr())
		}
		if t.Failed() {
			t.Logf("%s log tail (%s):\n%s", p.Name, p.LogPath, p.LogTail(60))
		}
		if err := p.Stop(StopTimeout); err != nil {
			t.Errorf("stop %s: %v", p.Name, err)
		}
	})
}

// retryPorts reports whether a failed start is worth another attempt on
// new ports: the ports were chosen here and one was taken meanwhile.
func retryPorts(auto bool, attempt int, err error, p *childproc.Process) bool {
	return auto && attempt < 2 && errors.Is(err, ErrExited) &&
		strings.Contains(strings.ToLower(p.LogTail(40)), "address already in use")
}

func loopback(t testing.TB, port int) string {
	if port == 0 {
		port = testutil.FreePort(t)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

func mustDo(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
