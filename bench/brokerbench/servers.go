package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/wharf-project/wharf/bench/internal/procstat"
	"github.com/wharf-project/wharf/bench/internal/wharfbin"
	"github.com/wharf-project/wharf/internal/testutil/childproc"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// A driver creates, fills, reads and deletes logs on one server through
// that server's client library.
type driver interface {
	// createLog makes a log of the given partitions (a topic; a stream of
	// that many subjects) and returns once it takes records.
	createLog(ctx context.Context, name string, partitions int) error
	deleteLog(ctx context.Context, name string, partitions int) error
	// produce runs spec against the log; stored is how many records the log
	// should hold afterwards, counting any sent outside the clock.
	produce(ctx context.Context, name string, spec loadSpec) (r loadResult, stored int64, err error)
	// consume reads the log from its start until want records have come.
	consume(ctx context.Context, name string, partitions int, want int64) (consumeResult, error)
	// fillIdle makes n partitions (or their equivalent), each holding one
	// record, and returns how to remove them again.
	fillIdle(ctx context.Context, n int) (cleanup func(context.Context) error, err error)
	close()
}

type consumeResult struct {
	records, bytes int64
	elapsed        time.Duration
}

// The servers compared. NATS runs as two processes: its default
// configuration for the acks=1 runs, and "sync_interval: always" for the
// durable (acks=all) runs.
const (
	serverWharf = "wharf"
	serverKfake = "kfake"
	serverNATS  = "nats"
)

var allServers = []string{serverWharf, serverKfake, serverNATS}

// server is one side of the comparison: started here, or already running.
type server struct {
	name    string
	durable bool // NATS only: this process syncs every write; it serves the durable runs
	addr    string
	pid     int                // 0 when unknown (an external server without -wharf-pid)
	proc    *childproc.Process // nil when external
	drv     driver
	version string
	dataDir string
}

func (s *server) kafka() bool { return s.name != serverNATS }

// serves reports whether this server takes part in runs of the given
// durability: Kafka servers in both, each NATS process in one.
func (s *server) serves(durable bool) bool { return s.kafka() || s.durable == durable }

// mode names how a run of the given durability is configured here.
func (s *server) mode(durable bool) string {
	switch {
	case s.kafka() && durable:
		return "acks=all"
	case s.kafka():
		return "acks=1"
	case s.durable:
		return "sync always"
	}
	return "sync 2m (default)"
}

// label tells the processes apart in the server list.
func (s *server) label() string {
	if s.name == serverNATS && s.durable {
		return "nats (sync_interval: always)"
	}
	if s.name == serverNATS {
		return "nats (default sync_interval: 2m)"
	}
	return s.name
}

type serverInfo struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Addr     string `json:"addr"`
	PID      int    `json:"pid"`
	External bool   `json:"external"`
	DataDir  string `json:"data_dir,omitempty"`
	Version  string `json:"version"`
	Log      string `json:"log,omitempty"`
}

func (s *server) info() serverInfo {
	in := serverInfo{Name: s.name, Label: s.label(), Addr: s.addr, PID: s.pid, External: s.proc == nil, DataDir: s.dataDir, Version: s.version}
	if s.proc != nil {
		in.Log = s.proc.LogPath
	}
	return in
}

const startTimeout = 60 * time.Second

// startServers starts (or attaches to) the servers cfg.only names, in
// the order wharf, kfake, nats. On error it returns those already
// started, for the caller to stop.
func startServers(ctx context.Context, cfg config, dir string) ([]*server, error) {
	var out []*server
	type starter func(config, string) (*server, error)
	var todo []starter
	if cfg.runs(serverWharf) {
		todo = append(todo, startWharf)
	}
	if cfg.runs(serverKfake) {
		todo = append(todo, startKfake)
	}
	if cfg.runs(serverNATS) {
		todo = append(todo,
			func(c config, d string) (*server, error) { return startNATS(d, false) },
			func(c config, d string) (*server, error) { return startNATS(d, true) })
	}
	for _, start := range todo {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		s, err := start(cfg, dir)
		if err != nil {
			return out, err
		}
		out = append(out, s)
		if err := s.connect(cfg); err != nil {
			return out, fmt.Errorf("%s: %w", s.label(), err)
		}
	}
	return out, nil
}

func (s *server) connect(cfg config) error {
	var err error
	if s.kafka() {
		s.drv, err = newKafkaDriver(s.addr, cfg.linger)
	} else {
		s.drv, err = newNATSDriver(s.addr)
	}
	return err
}

func startWharf(cfg config, dir string) (*server, error) {
	if cfg.wharfAddr != "" {
		if !kafkaReady(cfg.wharfAddr) {
			return nil, fmt.Errorf("no Kafka broker answers metadata requests at -wharf-addr %s", cfg.wharfAddr)
		}
		return &server{name: serverWharf, addr: cfg.wharfAddr, pid: cfg.wharfPID}, nil
	}
	bin, err := wharfbin.Path(cfg.wharfBin, dir)
	if err != nil {
		return nil, fmt.Errorf("%w\n(to measure the peers alone: -only kfake,nats)", err)
	}
	sdir := filepath.Join(dir, serverWharf)
	data := filepath.Join(sdir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	var addrs [3]string
	for i := range addrs {
		p, err := zkproc.FreePort()
		if err != nil {
			return nil, err
		}
		addrs[i] = fmt.Sprintf("127.0.0.1:%d", p)
	}
	argv := []string{bin, "server", "--data-dir", data, "--kafka-addr", addrs[0], "--zk-addr", addrs[1], "--http-addr", addrs[2]}
	p, err := startProc(serverWharf, sdir, filepath.Join(sdir, "wharf.log"), argv, nil, func() bool { return kafkaReady(addrs[0]) }, startTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w\n(to measure the peers alone: -only kfake,nats)", err)
	}
	return &server{name: serverWharf, addr: addrs[0], pid: p.PID(), proc: p, dataDir: data, version: wharfVersion(bin)}, nil
}

// wharfVersion is the first line of `wharf version`.
func wharfVersion(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(first)
}

// startPeer runs this program again as the child that hosts a peer
// (child.go), in dir/<name> on a free port. prepare gets that directory
// and address and returns the child's environment.
func startPeer(name, dir string, prepare func(sdir, addr string) ([]string, error), ready func(addr string) bool) (*childproc.Process, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	sdir := filepath.Join(dir, name)
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		return nil, "", err
	}
	port, err := zkproc.FreePort()
	if err != nil {
		return nil, "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	env, err := prepare(sdir, addr)
	if err != nil {
		return nil, "", err
	}
	p, err := startProc(name, sdir, filepath.Join(sdir, name+".log"), []string{self}, env, func() bool { return ready(addr) }, startTimeout)
	return p, addr, err
}

func startKfake(_ config, dir string) (*server, error) {
	p, addr, err := startPeer(serverKfake, dir, func(_, addr string) ([]string, error) {
		return []string{envServe + "=kfake", envAddr + "=" + addr}, nil
	}, kafkaReady)
	if err != nil {
		return nil, err
	}
	return &server{name: serverKfake, addr: addr, pid: p.PID(), proc: p, version: "kfake " + moduleVersion("github.com/twmb/franz-go/pkg/kfake") + ", in memory"}, nil
}

// natsConfig is the nats-server configuration of a run: JetStream with
// file storage under store, and with always set, "sync_interval: always"
// (fsync after every write); otherwise the default sync_interval (2m).
func natsConfig(addr, store string, always bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\n", addr)
	fmt.Fprintf(&b, "jetstream {\n  store_dir: %q\n  max_memory_store: 256MB\n  max_file_store: 256GB\n", store)
	if always {
		b.WriteString("  sync_interval: always\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func startNATS(dir string, always bool) (*server, error) {
	name := "nats"
	if always {
		name = "nats-sync-always"
	}
	var store string
	p, addr, err := startPeer(name, dir, func(sdir, addr string) ([]string, error) {
		store = filepath.Join(sdir, "store")
		conf := filepath.Join(sdir, "nats.conf")
		if err := os.WriteFile(conf, []byte(natsConfig(addr, store, always)), 0o644); err != nil {
			return nil, err
		}
		return []string{envServe + "=nats", envConf + "=" + conf}, nil
	}, natsReady)
	if err != nil {
		return nil, err
	}
	return &server{name: serverNATS, durable: always, addr: addr, pid: p.PID(), proc: p, dataDir: store,
		version: "nats-server " + moduleVersion("github.com/nats-io/nats-server/v2")}, nil
}

// release runs after each of a server's cases, outside the clock: kfake
// keeps what a deleted topic held as garbage on its heap (gigabytes after
// a 1 KiB run), which takes memory from whichever server runs next, so
// its child is told to return free heap to the system (SIGUSR1, see
// releaseOnSignal) and the bench waits until its RSS stops falling. The
// other servers free a deleted topic's memory themselves.
func (s *server) release() {
	if s.name != serverKfake || s.proc == nil || !s.proc.Running() {
		return
	}
	if err := syscall.Kill(s.pid, syscall.SIGUSR1); err != nil {
		return
	}
	last := int64(-1)
	for range 100 {
		time.Sleep(100 * time.Millisecond)
		rss, _, err := procstat.Mem(s.pid)
		if err != nil || (last >= 0 && rss >= last-last/100) {
			return
		}
		last = rss
	}
}

func stopServers(servers []*server) {
	for _, s := range servers {
		if s.drv != nil {
			s.drv.close()
		}
		if s.proc != nil {
			if err := s.proc.Stop(stopTimeout); err != nil {
				fmt.Fprintf(os.Stderr, "brokerbench: stop %s: %v\n", s.label(), err)
			}
		}
	}
}

// moduleVersion is the version of a module built into this program.
func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == path {
				if m.Replace != nil {
					return m.Replace.Version
				}
				return m.Version
			}
		}
	}
	return "unknown"
}
