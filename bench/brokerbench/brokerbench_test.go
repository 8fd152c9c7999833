package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/wharf-project/wharf/bench/internal/output"
	"github.com/wharf-project/wharf/internal/testutil"
)

// TestMain lets the test binary host kfake and nats-server children, as
// the program does.
func TestMain(m *testing.M) {
	if code, hosted := childMain(); hosted {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func TestParseFlags(t *testing.T) {
	good := map[string][]string{
		"defaults":   nil,
		"peers":      {"-only", "kfake, nats", "-duration", "1s"},
		"records":    {"-records", "1000", "-duration", "0"},
		"external":   {"-only", "wharf", "-wharf-addr", "127.0.0.1:9092", "-wharf-pid", "42"},
		"dup server": {"-only", "nats,nats", "-sizes", "512", "-partitions", "4"},
	}
	for name, args := range good {
		c, err := parseFlags(args)
		if err != nil {
			t.Errorf("%s: parseFlags(%q): %v", name, args, err)
		}
		if name == "dup server" && (len(c.only) != 1 || c.sizes[0] != 512 || c.partitions[0] != 4) {
			t.Errorf("%s: %+v", name, c)
		}
		if name == "defaults" && (len(c.only) != 3 || len(cases(c)) != 8 || c.idleParts != 1000) {
			t.Errorf("defaults: %+v, %d cases", c, len(cases(c)))
		}
	}
	bad := [][]string{
		{"-only", "kafka"},
		{"-sizes", "0"},
		{"-partitions", "x"},
		{"-duration", "0"},
		{"-warmup", "-1s"},
		{"-inflight", "0"},
		{"-wharf-pid", "7"},
		{"stray"},
	}
	for _, args := range bad {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}

func TestNATSConfig(t *testing.T) {
	dir := t.TempDir()
	for _, always := range []bool{false, true} {
		conf := filepath.Join(dir, fmt.Sprintf("nats-%v.conf", always))
		text := natsConfig("127.0.0.1:4999", filepath.Join(dir, "store"), always)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		opts, err := natsserver.ProcessConfigFile(conf)
		if err != nil {
			t.Fatalf("%s:\n%s\n%v", conf, text, err)
		}
		if !opts.JetStream || opts.Host != "127.0.0.1" || opts.Port != 4999 || opts.StoreDir != filepath.Join(dir, "store") {
			t.Errorf("always=%v: opts %+v", always, opts)
		}
		if opts.SyncAlways != always {
			t.Errorf("always=%v: SyncAlways %v\n%s", always, opts.SyncAlways, text)
		}
	}
}

// fakeProducer acknowledges each record from another goroutine after a
// delay, failing every failEvery'th, and tracks the records in flight.
type fakeProducer struct {
	done      func(int, error)
	delay     time.Duration
	failEvery int64
	inflight  atomic.Int64
	maxSeen   atomic.Int64
	seqs      sync.Map
	wg        sync.WaitGroup
}

func (f *fakeProducer) send(slot int, seq int64) error {
	if _, dup := f.seqs.LoadOrStore(seq, true); dup {
		return fmt.Errorf("seq %d sent twice", seq)
	}
	n := f.inflight.Add(1)
	for m := f.maxSeen.Load(); n > m && !f.maxSeen.CompareAndSwap(m, n); m = f.maxSeen.Load() {
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		time.Sleep(f.delay)
		f.inflight.Add(-1)
		var err error
		if f.failEvery > 0 && seq%f.failEvery == 0 {
			err = errors.New("fake failure")
		}
		f.done(slot, err)
	}()
	return nil
}

func (f *fakeProducer) close() { f.wg.Wait() }

func TestRunLoad(t *testing.T) {
	t.Run("records, bounded window, errors", func(t *testing.T) {
		f := &fakeProducer{delay: time.Millisecond, failEvery: 100}
		r, err := runLoad(context.Background(), loadSpec{records: 1000, inflight: 16},
			func(done func(int, error)) (asyncProducer, error) { f.done = done; return f, nil })
		if err != nil {
			t.Fatal(err)
		}
		if r.records != 990 || r.errors != 10 || r.firstErr == nil || r.lat.N != 990 {
			t.Errorf("result %+v", r)
		}
		if m := f.maxSeen.Load(); m > 16 || m < 2 {
			t.Errorf("max in flight %d, window 16", m)
		}
		if r.lat.P50 < time.Millisecond || r.elapsed <= 0 {
			t.Errorf("latency %+v elapsed %v: below the fake's delay", r.lat, r.elapsed)
		}
	})
	t.Run("duration", func(t *testing.T) {
		f := &fakeProducer{}
		start := time.Now()
		r, err := runLoad(context.Background(), loadSpec{duration: 50 * time.Millisecond, inflight: 4},
			func(done func(int, error)) (asyncProducer, error) { f.done = done; return f, nil })
		// elapsed ends at the last acknowledgement, which may come before the
		// duration when the sending loop was descheduled at its end; the run
		// itself lasts the duration.
		if took := time.Since(start); err != nil || r.records == 0 || r.elapsed <= 0 || r.elapsed > took || took < 50*time.Millisecond {
			t.Errorf("result %+v, %v after %v", r, err, took)
		}
	})
	t.Run("paced", func(t *testing.T) {
		f := &fakeProducer{}
		start := time.Now()
		r, err := runLoad(context.Background(), loadSpec{records: 200, rate: 1000, inflight: 100},
			func(done func(int, error)) (asyncProducer, error) { f.done = done; return f, nil })
		took := time.Since(start)
		if err != nil || r.records != 200 {
			t.Fatalf("result %+v, %v", r, err)
		}
		if took < 190*time.Millisecond {
			t.Errorf("200 records at 1000/s took %v", took)
		}
	})
	t.Run("all fail", func(t *testing.T) {
		f := &fakeProducer{failEvery: 1}
		_, err := runLoad(context.Background(), loadSpec{records: 10, inflight: 2},
			func(done func(int, error)) (asyncProducer, error) { f.done = done; return f, nil })
		if !errors.Is(err, errNoProgress) {
			t.Errorf("err %v, want errNoProgress", err)
		}
	})
	t.Run("bad spec", func(t *testing.T) {
		if _, err := runLoad(context.Background(), loadSpec{inflight: 1}, nil); err == nil {
			t.Error("a spec without duration or records accepted")
		}
	})
}

// judgeFixture is a run of all three servers at 100 B and 1 KiB on 1
// partition.
func judgeFixture(t *testing.T) *report {
	cfg, err := parseFlags([]string{"-partitions", "1"})
	if err != nil {
		t.Fatal(err)
	}
	r := newReport(cfg, t.TempDir())
	r.Results = []result{
		{Server: "wharf", Mode: "acks=1", RecordBytes: 100, Partitions: 1, MsgsPerSec: 1_200_000, P50us: 900, CPUPerMsgUs: 1, HalfP99us: 2000, ConsumeMBPerSec: 900},
		{Server: "kfake", Mode: "acks=1", RecordBytes: 100, Partitions: 1, MsgsPerSec: 1_000_000, P50us: 1000, CPUPerMsgUs: 2, HalfP99us: 3000},
		{Server: "nats", Mode: "sync 2m (default)", RecordBytes: 100, Partitions: 1, MsgsPerSec: 200_000, HalfP99us: 9000},
		{Server: "wharf", Mode: "acks=all", Durable: true, RecordBytes: 1024, Partitions: 1, MBPerSec: 450, HalfP99us: 6000},
		{Server: "kfake", Mode: "acks=all", Durable: true, RecordBytes: 1024, Partitions: 1, MBPerSec: 700},
		{Server: "wharf", Mode: "acks=1", RecordBytes: 1024, Partitions: 1, MBPerSec: 800, ConsumeMBPerSec: 1500, HalfP99us: 1000},
	}
	r.Idle = []idleResult{{Server: "wharf", Partitions: 1000, IdleRSSMB: 120}, {Server: "nats", Partitions: 1000, IdleRSSMB: 300}}
	r.judge()
	return r
}

func TestJudge(t *testing.T) {
	r := judgeFixture(t)
	want := map[string]string{
		"acks=1 produce, 100 B, 1 partition: msgs/s vs kfake":   "1.20x  met",
		"acks=1 produce, 100 B, 1 partition: msgs/s vs NATS":    "6.00x  met",
		"acks=all (durable) produce, 1 KiB, 1 partition":        "450.0 MB/s  NOT met",
		"consume, 1 KiB, 1 partition":                           "1500.0 MB/s  met",
		"p99 produce latency at half the peak rate, worst case": "6.0 ms  NOT met",
		"RSS with 1000 idle partitions":                         "120.0 MB  met",
	}
	if len(r.Targets) != len(want) {
		t.Fatalf("targets: %+v", r.Targets)
	}
	for _, tg := range r.Targets {
		if got := tg.verdict(); got != want[tg.Name] {
			t.Errorf("%s: %q, want %q", tg.Name, got, want[tg.Name])
		}
	}
	if f := r.Targets[0].Figures; !strings.Contains(f, "kfake (acks=1) 1000000 msgs/s") || !strings.Contains(f, "nats (sync 2m (default)) 200000") {
		t.Errorf("figures %q", f)
	}
	if f := r.Targets[4].Figures; !strings.Contains(f, "wharf 6.00 ms (1 KiB, 1 partition, acks=all)") || !strings.Contains(f, "nats 9.00 ms") {
		t.Errorf("latency figures %q", f)
	}

	// Without Wharf every target is absent, with the peers' figures kept.
	r.Results = r.Results[1:3]
	r.Idle = r.Idle[1:]
	r.judge()
	for _, tg := range r.Targets {
		if tg.Absent == "" || tg.Met {
			t.Errorf("%s judged without wharf: %+v", tg.Name, tg)
		}
	}
	if r.Targets[0].Figures == "" {
		t.Error("peer figures dropped")
	}
}

func TestIdleTargetNeedsThousand(t *testing.T) {
	r := judgeFixture(t)
	r.cfg.idleParts = 20
	r.Idle = []idleResult{{Server: "wharf", Partitions: 20, IdleRSSMB: 30}}
	if tg := r.idleTarget(); tg.Absent == "" {
		t.Errorf("20 partitions judged against the 1,000-partition target: %+v", tg)
	}
	r.Idle = []idleResult{{Server: "wharf", Partitions: 1000}}
	if tg := r.idleTarget(); !strings.Contains(tg.Absent, "pid") {
		t.Errorf("unknown RSS judged: %+v", tg)
	}
}

func TestTable(t *testing.T) {
	r := judgeFixture(t)
	rows := r.table()
	// header; case 100 B acks=1: 3 rows + 2 ratio rows; 1 KiB acks=all: 2 + 1; 1 KiB acks=1: 1 + 0.
	if len(rows) != 1+5+3+1 {
		t.Fatalf("%d rows:\n%v", len(rows), rows)
	}
	if rows[4][2] != "wharf/kfake" || rows[4][4] != "1.20x" || rows[4][6] != "0.90x" || rows[4][8] != "0.50x" {
		t.Errorf("ratio row %v", rows[4])
	}
	if rows[5][2] != "wharf/nats" || rows[5][4] != "6.00x" || rows[5][8] != "n/a" {
		t.Errorf("ratio row %v", rows[5])
	}
	if rows[6][0] != "1 KiB" || rows[6][3] != "acks=all" {
		t.Errorf("row %v", rows[6])
	}
	var md strings.Builder
	r.markdown(&md)
	if !strings.Contains(md.String(), "| 100 B | 1 | wharf | acks=1 |") || !strings.Contains(md.String(), "| RSS with 1000 idle partitions | < 200 MB | 120.0 MB  met |") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

// quickArgs keep an end-to-end run to a few seconds.
var quickArgs = []string{"-duration", "150ms", "-sizes", "100", "-partitions", "1,3", "-inflight", "500",
	"-idle-partitions", "10", "-idle-wait", "10ms", "-fsync-n", "5", "-step-timeout", "30s", "-warmup", "50ms"}

func runAndLoad(t *testing.T, args ...string) report {
	t.Helper()
	out := t.TempDir()
	cfg, err := parseFlags(append(append([]string{"-out", out, "-dir", t.TempDir()}, quickArgs...), args...))
	if err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := output.ReadFiles(out, "brokerbench", &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func checkResults(t *testing.T, rep report, servers map[string]int) {
	t.Helper()
	got := map[string]int{}
	for _, r := range rep.Results {
		got[r.Server]++
		if r.Records == 0 || r.Errors != 0 || r.MsgsPerSec <= 0 || r.P50us <= 0 || r.P99us < r.P50us {
			t.Errorf("implausible produce result %+v", r)
		}
		// Everything acknowledged is read back, plus the record sent before the clock.
		if r.ConsumeRecords < r.Records+1 || r.ConsumeMBPerSec <= 0 {
			t.Errorf("%s %s p%d: read %d of %d records", r.Server, r.Mode, r.Partitions, r.ConsumeRecords, r.Records+1)
		}
		if r.HalfTargetRate != r.MsgsPerSec/2 || r.HalfRate <= 0 || r.HalfP99us <= 0 || r.HalfErrors != 0 {
			t.Errorf("implausible half-rate result %+v", r)
		}
		if r.PeakRSSMB <= 0 && r.Server != serverWharf {
			t.Errorf("no RSS for %+v", r)
		}
	}
	for s, n := range servers {
		if got[s] != n {
			t.Errorf("%s: %d results, want %d (%v)", s, got[s], n, got)
		}
	}
}

func TestRunPeers(t *testing.T) {
	testutil.Slow(t)
	rep := runAndLoad(t, "-only", "kfake,nats")
	checkResults(t, rep, map[string]int{"kfake": 4, "nats": 4})
	if len(rep.Servers) != 3 || len(rep.Idle) != 2 || len(rep.Fsync) != 2 {
		t.Fatalf("servers %+v idle %+v fsync %+v", rep.Servers, rep.Idle, rep.Fsync)
	}
	for _, x := range rep.Idle {
		if x.IdleRSSMB <= 0 || x.BaselineRSSMB <= 0 || x.Partitions != 10 {
			t.Errorf("idle %+v", x)
		}
	}
	for _, r := range rep.Results {
		if r.Server == "nats" && r.Mode != map[bool]string{false: "sync 2m (default)", true: "sync always"}[r.Durable] {
			t.Errorf("nats result from the wrong process: %+v", r)
		}
		if r.CPUSeconds < 0 {
			t.Errorf("negative CPU %+v", r)
		}
	}
	for _, tg := range rep.Targets {
		if tg.Absent == "" {
			t.Errorf("target %q judged without wharf", tg.Name)
		}
	}
}

// TestRunWharfSide runs the Wharf side against stand-ins: a "wharf"
// binary that takes `wharf server`'s flags and hosts kfake on the
// --kafka-addr it is given (so the start-up, readiness wait and every
// Wharf/peer ratio and target are exercised), then an already-running
// broker given by -wharf-addr.
func TestRunWharfSide(t *testing.T) {
	testutil.Slow(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "wharf")
	script := `#!/bin/sh
if [ "$1" = version ]; then echo "wharf stand-in"; exit 0; fi
[ "$1" = server ] || exit 2; shift
while [ $# -gt 0 ]; do
  case "$1" in
    --kafka-addr) addr=$2; shift ;;
    --data-dir|--zk-addr|--http-addr) [ -n "$2" ] || exit 2; shift ;;
    *) exit 2 ;;
  esac
  shift
done
` + envServe + `=kfake ` + envAddr + `=$addr exec "` + self + `"
`
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	t.Run("started here", func(t *testing.T) {
		rep := runAndLoad(t, "-only", "wharf,kfake", "-wharf-bin", bin, "-partitions", "1", "-idle-partitions", "1000")
		checkResults(t, rep, map[string]int{"wharf": 2, "kfake": 2})
		if rep.Servers[0].Version != "wharf stand-in" || rep.Servers[0].PID == 0 {
			t.Errorf("wharf server %+v", rep.Servers[0])
		}
		judged := 0
		for _, tg := range rep.Targets {
			if tg.Absent == "" {
				judged++
			}
		}
		// vs kfake at 100 B, the latency and the idle RSS (no NATS, no 1 KiB runs).
		if judged != 3 {
			t.Errorf("%d targets judged: %+v", judged, rep.Targets)
		}
	})

	t.Run("already running", func(t *testing.T) {
		k, err := startKfake(config{}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer k.proc.Stop(stopTimeout)
		rep := runAndLoad(t, "-only", "wharf", "-wharf-addr", k.addr, "-partitions", "1")
		checkResults(t, rep, map[string]int{"wharf": 2})
		if !rep.Servers[0].External || rep.Results[0].CPUSeconds != 0 || rep.Idle[0].IdleRSSMB != 0 {
			t.Errorf("external server without a pid measured: %+v %+v %+v", rep.Servers[0], rep.Results[0], rep.Idle[0])
		}
	})
}
