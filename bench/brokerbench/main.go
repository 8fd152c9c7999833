package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wharf-project/wharf/bench/internal/machine"
	"github.com/wharf-project/wharf/bench/internal/procstat"
)

type config struct {
	only        []string
	duration    time.Duration
	records     int64
	sizes       []int
	partitions  []int
	inflight    int
	linger      time.Duration
	halfRate    bool
	warmup      time.Duration
	repeat      int
	idleParts   int
	idleWait    time.Duration
	stepTimeout time.Duration
	dir         string
	keep        bool
	fillCacheGB int
	out         string
	fsyncN      int
	wharfAddr   string
	wharfPID    int
	wharfBin    string
}

func (c config) runs(server string) bool { return slices.Contains(c.only, server) }

func parseInts(s, what string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-%s: bad value %q", what, f)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseFlags(args []string) (config, error) {
	var c config
	var only, sizes, parts string
	fs := flag.NewFlagSet("brokerbench", flag.ContinueOnError)
	fs.StringVar(&only, "only", strings.Join(allServers, ","), "comma-separated servers to measure: wharf, kfake, nats")
	fs.DurationVar(&c.duration, "duration", 3*time.Second, "produce time per run (each case, server, and the half-rate run)")
	fs.Int64Var(&c.records, "records", 0, "produce this many records per run instead of -duration")
	fs.StringVar(&sizes, "sizes", "100,1024", "comma-separated record (value) sizes in bytes")
	fs.StringVar(&parts, "partitions", "1,8", "comma-separated partition counts (NATS: subjects of one stream)")
	fs.IntVar(&c.inflight, "inflight", 10000, "records in flight (sent, not yet acknowledged) per producer")
	fs.DurationVar(&c.linger, "linger", 0, "kgo producer linger (Kafka's linger.ms)")
	fs.BoolVar(&c.halfRate, "half-rate", true, "after each peak run, produce at half its rate and report the latency")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "throw-away produce run on each server before the measured ones; 0 = none")
	fs.IntVar(&c.repeat, "repeat", 1, "run every case this many times per server (interleaved) and report the run of median msgs/s")
	fs.IntVar(&c.idleParts, "idle-partitions", 1000, "partitions (NATS: streams) for the idle-RSS measurement; 0 skips it")
	fs.DurationVar(&c.idleWait, "idle-wait", 3*time.Second, "how long the idle partitions sit before RSS is read")
	fs.DurationVar(&c.stepTimeout, "step-timeout", 2*time.Minute, "give up on one produce, consume or setup step after this long")
	fs.StringVar(&c.dir, "dir", "", "parent of the data dirs (default: a new dir under $TMPDIR); must be a real disk")
	fs.BoolVar(&c.keep, "keep", false, "keep the data dirs and server logs")
	fs.IntVar(&c.fillCacheGB, "fill-page-cache", 0, "first write a file of this many GB into the data dir, kept for the run, so that new page cache comes from reclaimed cache (warm memory) rather than pages a VM balloon handed back to the host")
	fs.StringVar(&c.out, "out", "", "also write brokerbench-<time>.json and .md into this dir (e.g. bench/results)")
	fs.IntVar(&c.fsyncN, "fsync-n", 500, "4 KiB write+sync rounds for the fsync reference; 0 = skip")
	fs.StringVar(&c.wharfAddr, "wharf-addr", "", "measure an already-running Wharf broker at host:port instead of starting one")
	fs.IntVar(&c.wharfPID, "wharf-pid", 0, "pid of the broker at -wharf-addr, for CPU and RSS")
	fs.StringVar(&c.wharfBin, "wharf-bin", "", "wharf binary to run (default: go build ./cmd/wharf)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	for _, s := range strings.Split(only, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(allServers, s) {
			return c, fmt.Errorf("-only: unknown server %q (want %s)", s, strings.Join(allServers, ", "))
		}
		if !slices.Contains(c.only, s) {
			c.only = append(c.only, s)
		}
	}
	var err error
	if c.sizes, err = parseInts(sizes, "sizes"); err != nil {
		return c, err
	}
	if c.partitions, err = parseInts(parts, "partitions"); err != nil {
		return c, err
	}
	if c.records < 0 || (c.records == 0 && c.duration <= 0) {
		return c, errors.New("want -duration > 0 or -records > 0")
	}
	if c.inflight < 1 || c.idleParts < 0 || c.linger < 0 || c.stepTimeout <= 0 || c.warmup < 0 || c.repeat < 1 {
		return c, errors.New("bad -inflight, -idle-partitions, -linger, -step-timeout, -warmup or -repeat")
	}
	if c.wharfPID != 0 && c.wharfAddr == "" {
		return c, errors.New("-wharf-pid needs -wharf-addr")
	}
	return c, nil
}

func main() {
	if code, hosted := childMain(); hosted {
		os.Exit(code)
	}
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "brokerbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "brokerbench: ") {
			msg = "brokerbench: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}

// aCase is one produce configuration, run against every server.
type aCase struct {
	recordBytes int
	partitions  int
	durable     bool
}

func (c aCase) String() string {
	acks := "acks1"
	if c.durable {
		acks = "acksall"
	}
	return fmt.Sprintf("%dB-p%d-%s", c.recordBytes, c.partitions, acks)
}

// pairOrder is the order of a pair's two cases (acks=1, acks=all) in
// repeat i: alternating, so that neither mode always runs first. On a
// virtual machine the cost of the page cache a run grows drifts during a
// bench (new guest pages the host has reclaimed cost a host fault each on
// first touch, ~8 µs per 4 KiB page here, which caps a 1 MiB pwrite near
// 400 MB/s), and running every acks=1 repeat before every acks=all one
// turned that drift into a gap between the modes.
func pairOrder(i int) [2]int {
	if i%2 == 1 {
		return [2]int{1, 0}
	}
	return [2]int{0, 1}
}

// cases lists the produce configurations in pairs: for each size and
// partition count, acks=1 then acks=all.
func cases(cfg config) []aCase {
	var out []aCase
	for _, size := range cfg.sizes {
		for _, p := range cfg.partitions {
			for _, durable := range []bool{false, true} {
				out = append(out, aCase{recordBytes: size, partitions: p, durable: durable})
			}
		}
	}
	return out
}

func run(ctx context.Context, cfg config) error {
	dir, done, err := machine.WorkDir(cfg.dir, "brokerbench", cfg.keep)
	if err != nil {
		return err
	}
	defer done()
	if cfg.fillCacheGB > 0 {
		fill := filepath.Join(dir, "page-cache-fill")
		fmt.Printf("filling the page cache: writing %d GB to %s\n", cfg.fillCacheGB, fill)
		if err := fillFile(fill, int64(cfg.fillCacheGB)<<30); err != nil {
			return fmt.Errorf("fill page cache: %w", err)
		}
		defer os.Remove(fill)
	}

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

	// Idle RSS first, while every process is fresh: what 1,000 partitions
	// cost, not what the runs before left on the heap.
	if cfg.idleParts > 0 {
		fmt.Printf("\nidle: %d partitions (NATS: streams) of one record each, then %v idle:\n", cfg.idleParts, cfg.idleWait)
		for _, s := range servers {
			if s.name == serverNATS && s.durable {
				continue // one NATS process stands for NATS here
			}
			r, err := measureIdle(ctx, s, cfg)
			if err != nil {
				return fmt.Errorf("%s idle: %w", s.label(), err)
			}
			rep.addIdle(r)
		}
	}

	runID := time.Now().Unix() % 1000000
	if cfg.warmup > 0 {
		fmt.Printf("\nwarm-up: %v of produce on each server, thrown away\n", cfg.warmup)
		for _, s := range servers {
			if err := warmUp(ctx, s, cfg, fmt.Sprintf("bb%d-warmup", runID)); err != nil {
				return fmt.Errorf("%s warm-up: %w", s.label(), err)
			}
			s.release()
		}
	}

	fmt.Println("\nruns:")
	all := cases(cfg)
	for g := 0; g < len(all); g += 2 {
		pair := all[g : g+2] // acks=1 and acks=all of one size and partition count
		runs := make([][][]result, len(pair))
		for k := range runs {
			runs[k] = make([][]result, len(servers))
		}
		for i := range cfg.repeat {
			for _, k := range pairOrder(i) {
				c := pair[k]
				for j, s := range servers {
					if !s.serves(c.durable) {
						continue
					}
					name := fmt.Sprintf("bb%d-%s", runID, c)
					if cfg.repeat > 1 {
						name = fmt.Sprintf("%s-r%d", name, i)
					}
					r, err := runCase(ctx, s, c, cfg, name)
					if err != nil {
						return fmt.Errorf("%s %s: %w", s.label(), c, err)
					}
					s.release()
					runs[k][j] = append(runs[k][j], r)
				}
			}
		}
		for k := range pair {
			for _, rs := range runs[k] {
				if len(rs) > 0 {
					rep.add(medianRun(rs))
				}
			}
		}
	}
	for _, s := range servers {
		if s.pid != 0 {
			if _, hwm, err := procstat.Mem(s.pid); err == nil {
				rep.FinalHWMMB[s.label()] = mb(hwm)
			}
		}
	}
	rep.printTables()
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

func mb(bytes int64) float64 { return float64(bytes) / 1e6 }

// fillFile writes size bytes of zeros to path, through the page cache.
func fillFile(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(buf)) {
		if _, err := f.Write(buf[:min(int64(len(buf)), left)]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// medianRun is the run of median msgs/s (the lower middle one of an even
// count): on a shared VM one run can be far off either way, and the median
// run keeps its own latency and read figures together.
func medianRun(rs []result) result {
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b result) int { return cmp.Compare(a.MsgsPerSec, b.MsgsPerSec) })
	return sorted[(len(sorted)-1)/2]
}

// runCase produces to a new log as fast as the in-flight window allows
// (measuring the server's CPU time and peak RSS meanwhile), reads it all
// back, produces again at half the rate reached, and deletes the log.
func runCase(ctx context.Context, s *server, c aCase, cfg config, name string) (result, error) {
	r := result{Server: s.name, Mode: s.mode(c.durable), Durable: c.durable, RecordBytes: c.recordBytes, Partitions: c.partitions}
	step := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, cfg.stepTimeout) }
	sctx, cancel := step()
	err := s.drv.createLog(sctx, name, c.partitions)
	cancel()
	if err != nil {
		return r, err
	}
	spec := loadSpec{recordBytes: c.recordBytes, partitions: c.partitions, durable: c.durable,
		duration: cfg.duration, records: cfg.records, inflight: cfg.inflight}
	if cfg.records > 0 {
		spec.duration = 0
	}
	var cpu0, cpu1 time.Duration
	if s.pid != 0 {
		cpu0, _ = procstat.CPU(s.pid)
	}
	sampler := procstat.StartSampler(s.pid, 100*time.Millisecond)
	sctx, cancel = step()
	lr, stored, err := s.drv.produce(sctx, name, spec)
	cancel()
	peak := sampler.Stop()
	if s.pid != 0 {
		cpu1, _ = procstat.CPU(s.pid)
	}
	if err != nil {
		return r, fmt.Errorf("produce: %w", err)
	}
	r.setProduce(lr, c.recordBytes)
	r.PeakRSSMB = mb(peak)
	if s.pid != 0 {
		r.CPUSeconds = (cpu1 - cpu0).Seconds()
		r.CPUPerMsgUs = r.CPUSeconds * 1e6 / float64(lr.records)
	}
	warnErrors(s, c, "produce", lr)

	sctx, cancel = step()
	cr, err := s.drv.consume(sctx, name, c.partitions, stored)
	cancel()
	if err != nil {
		return r, fmt.Errorf("consume: %w", err)
	}
	r.ConsumeRecords, r.ConsumeSeconds = cr.records, cr.elapsed.Seconds()
	r.ConsumeMBPerSec = float64(cr.bytes) / 1e6 / cr.elapsed.Seconds()

	if cfg.halfRate {
		spec.rate = r.MsgsPerSec / 2
		sctx, cancel = step()
		hr, _, err := s.drv.produce(sctx, name, spec)
		cancel()
		if err != nil {
			return r, fmt.Errorf("produce at half rate: %w", err)
		}
		r.HalfTargetRate = spec.rate
		r.HalfRate = float64(hr.records) / hr.elapsed.Seconds()
		r.HalfP50us, r.HalfP99us = us(hr.lat.P50), us(hr.lat.P99)
		r.HalfRequestP99us = us(hr.rtt.P99)
		r.HalfErrors = hr.errors
		warnErrors(s, c, "half-rate produce", hr)
	}

	sctx, cancel = step()
	if err := s.drv.deleteLog(sctx, name, c.partitions); err != nil {
		fmt.Fprintf(os.Stderr, "brokerbench: %s: delete %s: %v\n", s.label(), name, err)
	}
	cancel()
	return r, nil
}

// warmUp produces to a scratch log for cfg.warmup and deletes it: a
// fresh process first pays for growing its heap and faulting its memory
// in, which would fall on whichever case comes first.
func warmUp(ctx context.Context, s *server, cfg config, name string) error {
	parts := slices.Max(cfg.partitions)
	sctx, cancel := context.WithTimeout(ctx, cfg.stepTimeout)
	defer cancel()
	if err := s.drv.createLog(sctx, name, parts); err != nil {
		return err
	}
	spec := loadSpec{recordBytes: cfg.sizes[0], partitions: parts, durable: s.durable, duration: cfg.warmup, inflight: cfg.inflight}
	if _, _, err := s.drv.produce(sctx, name, spec); err != nil {
		return err
	}
	return s.drv.deleteLog(sctx, name, parts)
}

func warnErrors(s *server, c aCase, what string, lr loadResult) {
	if lr.errors > 0 {
		fmt.Fprintf(os.Stderr, "brokerbench: %s %s %s: %d errors (first: %v)\n", s.label(), c, what, lr.errors, lr.firstErr)
	}
}

// measureIdle reads the server's RSS before and after it takes on
// cfg.idleParts partitions of one record each and sits idle for
// cfg.idleWait, then removes them again.
func measureIdle(ctx context.Context, s *server, cfg config) (idleResult, error) {
	r := idleResult{Server: s.name, Partitions: cfg.idleParts, Unit: "partitions of one topic"}
	if !s.kafka() {
		r.Unit = "streams of one subject"
	}
	if s.pid != 0 {
		if rss, _, err := procstat.Mem(s.pid); err == nil {
			r.BaselineRSSMB = mb(rss)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, cfg.stepTimeout)
	defer cancel()
	start := time.Now()
	cleanup, err := s.drv.fillIdle(sctx, cfg.idleParts)
	r.CreateSeconds = time.Since(start).Seconds()
	if err == nil {
		select { // idling is the measurement
		case <-time.After(cfg.idleWait):
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err == nil && s.pid != 0 {
		if rss, _, perr := procstat.Mem(s.pid); perr == nil {
			r.IdleRSSMB = mb(rss)
		}
	}
	if cleanup != nil {
		if cerr := cleanup(sctx); cerr != nil {
			fmt.Fprintf(os.Stderr, "brokerbench: %s: removing the idle partitions: %v\n", s.label(), cerr)
		}
	}
	return r, err
}
