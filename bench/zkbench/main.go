// Command zkbench measures Wharf's ZooKeeper service against Apache
// ZooKeeper 3.8 in one run on one machine: both servers side by side, each
// on its own port and data dir on the same disk, driven in turn by the same
// client (github.com/go-zookeeper/zk). It reports ops/s, p50/p99 latency,
// the server's CPU time and peak RSS, the Wharf/ZooKeeper ratios next to
// the project's targets, and the disk's fsync latency as the physical
// floor. See bench/README.md.
//
//	go run ./bench/zkbench                       # both servers, a few minutes
//	go run ./bench/zkbench -only zk -duration 2s # Apache ZooKeeper alone
//	go run ./bench/zkbench -zk-addr 127.0.0.1:2181 -zk-pid 1234 -only zk
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wharf-project/wharf/bench/internal/latency"
	"github.com/wharf-project/wharf/bench/internal/machine"
	"github.com/wharf-project/wharf/bench/internal/procstat"
)

type config struct {
	only         string
	workloads    []string
	workers      int
	conns        int
	duration     time.Duration
	warmup       time.Duration
	ops          int64
	createOps    int64
	payload      int
	nodes        int
	dir          string
	keep         bool
	out          string
	fsyncN       int
	zkAddr       string
	zkPID        int
	zkHeap       string
	wharfAddr    string
	wharfPID     int
	wharfBin     string
	forceSyncOff bool
}

func parseFlags(args []string) (config, error) {
	var c config
	var wls string
	fs := flag.NewFlagSet("zkbench", flag.ContinueOnError)
	fs.StringVar(&c.only, "only", "both", "servers to measure: both, zk or wharf")
	fs.StringVar(&wls, "workloads", "create,set,get,mix", "comma-separated workloads: create, set, get, mix (90% get, 10% set)")
	fs.IntVar(&c.workers, "workers", 64, "workers in the concurrent configuration (each also runs with 1 worker)")
	fs.IntVar(&c.conns, "conns", 8, "connections the concurrent workers share")
	fs.DurationVar(&c.duration, "duration", 8*time.Second, "measured time per workload, configuration and server")
	fs.DurationVar(&c.warmup, "warmup", 3*time.Second, "throw-away run before each measured one (JIT warm-up); 0 = none")
	fs.Int64Var(&c.ops, "ops", 0, "measure a fixed number of ops per run instead of -duration")
	fs.Int64Var(&c.createOps, "create-ops", 40000, "creates per create run (warm-up: a quarter), so both servers hold the same data and peak RSS compares like with like; 0 = use -duration/-ops")
	fs.IntVar(&c.payload, "payload", 100, "bytes per node")
	fs.IntVar(&c.nodes, "nodes", 1000, "nodes that set, get and mix pick from")
	fs.StringVar(&c.dir, "dir", "", "parent of the data dirs (default: a new dir under $TMPDIR); must be a real disk")
	fs.BoolVar(&c.keep, "keep", false, "keep the data dirs and server logs")
	fs.StringVar(&c.out, "out", "", "also write zkbench-<time>.json and .md into this dir (e.g. bench/results)")
	fs.IntVar(&c.fsyncN, "fsync-n", 1000, "4 KiB write+sync rounds for the fsync reference; 0 = skip")
	fs.StringVar(&c.zkAddr, "zk-addr", "", "measure an already-running ZooKeeper at host:port instead of starting one")
	fs.IntVar(&c.zkPID, "zk-pid", 0, "pid of the server at -zk-addr, for CPU and RSS")
	fs.StringVar(&c.zkHeap, "zk-heap", "1000m", "Apache ZooKeeper's -Xmx (zkServer.sh's default is 1000m)")
	fs.StringVar(&c.wharfAddr, "wharf-addr", "", "measure an already-running Wharf at host:port instead of starting one")
	fs.IntVar(&c.wharfPID, "wharf-pid", 0, "pid of the server at -wharf-addr, for CPU and RSS")
	fs.StringVar(&c.wharfBin, "wharf-bin", "", "wharf binary to run (default: go build ./cmd/wharf)")
	fs.BoolVar(&c.forceSyncOff, "no-fsync", false, "run both servers with forceSync=no (not durable; default is on)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch c.only {
	case "both", "zk", "wharf":
	case "zookeeper":
		c.only = "zk"
	default:
		return c, fmt.Errorf("-only %q: want both, zk or wharf", c.only)
	}
	for _, w := range strings.Split(wls, ",") {
		w = strings.TrimSpace(w)
		if _, ok := workloadByName(w); !ok {
			return c, fmt.Errorf("unknown workload %q", w)
		}
		c.workloads = append(c.workloads, w)
	}
	if c.workers < 1 || c.conns < 1 || c.conns > c.workers {
		return c, fmt.Errorf("-workers %d -conns %d: want 1 <= conns <= workers", c.workers, c.conns)
	}
	if c.payload < 0 || c.nodes < 1 || (c.ops <= 0 && c.duration <= 0) {
		return c, fmt.Errorf("bad -payload, -nodes, -ops or -duration")
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err == flag.ErrHelp {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "zkbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "zkbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	dir, done, err := machine.WorkDir(cfg.dir, "zkbench", cfg.keep)
	if err != nil {
		return err
	}
	defer done()

	rep := newReport(cfg, dir)
	rep.printHeader()

	if cfg.fsyncN > 0 {
		if rep.Fsync, err = machine.MeasureFsync(dir, cfg.fsyncN); err != nil {
			return fmt.Errorf("fsync probe: %w", err)
		}
		machine.PrintFsync(os.Stdout, rep.Fsync)
	}

	servers, err := startServers(ctx, cfg, dir)
	defer stopServers(servers)
	if err != nil {
		return err
	}
	for _, s := range servers {
		rep.Servers = append(rep.Servers, s.info())
	}
	rep.printServers()

	payload := make([]byte, cfg.payload)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	for _, s := range servers {
		conns, err := connect(ctx, s.addr, cfg.conns)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		s.nodes, err = prepareNodes(ctx, conns, cfg.nodes, payload)
		closeAll(conns)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}

	runID := time.Now().UnixNano()
	concs := [][2]int{{1, 1}, {cfg.workers, cfg.conns}}
	for _, name := range cfg.workloads {
		wl, _ := workloadByName(name)
		for _, cc := range concs {
			for _, s := range servers {
				spec := loadSpec{wl: wl, workers: cc[0], conns: cc[1], nodes: s.nodes, payload: payload}
				fixed := name == "create" && cfg.createOps > 0
				if cfg.warmup > 0 {
					spec.duration, spec.ops = cfg.warmup, 0
					if fixed {
						spec.ops = max(cfg.createOps/4, 1)
					}
					spec.prefix = fmt.Sprintf("/zkbench/create/%d-%s-warm-%s-%d", runID, s.name, name, cc[0])
					if _, err := runLoad(ctx, s.addr, spec); err != nil {
						return fmt.Errorf("%s %s warm-up: %w", s.name, name, err)
					}
				}
				spec.duration, spec.ops = cfg.duration, cfg.ops
				if fixed {
					spec.ops = cfg.createOps
				}
				spec.prefix = fmt.Sprintf("/zkbench/create/%d-%s-%s-%d", runID, s.name, name, cc[0])
				r, err := measure(ctx, s, spec)
				if err != nil {
					return fmt.Errorf("%s %s: %w", s.name, name, err)
				}
				rep.add(r)
			}
		}
	}
	for _, s := range servers {
		if s.pid != 0 {
			if _, hwm, err := procstat.Mem(s.pid); err == nil {
				rep.setFinalHWM(s.name, hwm)
			}
		}
	}
	rep.printTable()
	rep.printTargets()
	if cfg.out != "" {
		paths, err := rep.write(cfg.out)
		if err != nil {
			return err
		}
		fmt.Printf("\nwrote %s\n", strings.Join(paths, ", "))
	}
	return nil
}

// measure runs spec against s, sampling the server's CPU time and RSS.
func measure(ctx context.Context, s *server, spec loadSpec) (result, error) {
	var cpu0, cpu1 time.Duration
	if s.pid != 0 {
		cpu0, _ = procstat.CPU(s.pid)
	}
	sampler := procstat.StartSampler(s.pid, 100*time.Millisecond)
	lr, err := runLoad(ctx, s.addr, spec)
	peak := sampler.Stop()
	if s.pid != 0 {
		cpu1, _ = procstat.CPU(s.pid)
	}
	if err != nil {
		return result{}, err
	}
	if lr.ops == 0 {
		return result{}, fmt.Errorf("no op succeeded (%d errors, first: %v)", lr.errors, lr.firstErr)
	}
	r := result{
		Server: s.name, Workload: spec.wl.name, Workers: spec.workers, Conns: spec.conns,
		Ops: lr.ops, Errors: lr.errors, Seconds: lr.elapsed.Seconds(),
		OpsPerSec: float64(lr.ops) / lr.elapsed.Seconds(),
		P50us:     latency.US(lr.lat.P50), P99us: latency.US(lr.lat.P99), P999us: latency.US(lr.lat.P999), MaxUs: latency.US(lr.lat.Max),
		PeakRSSMiB: float64(peak) / (1 << 20),
	}
	if s.pid != 0 {
		r.CPUSeconds = (cpu1 - cpu0).Seconds()
		r.CPUPerOpUs = r.CPUSeconds * 1e6 / float64(lr.ops)
	}
	if lr.errors > 0 {
		fmt.Fprintf(os.Stderr, "zkbench: %s %s %d/%d: %d errors (first: %v)\n", s.name, spec.wl.name, spec.workers, spec.conns, lr.errors, lr.firstErr)
	}
	return r, nil
}
