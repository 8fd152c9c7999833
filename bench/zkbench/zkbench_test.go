package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		line string
		want time.Duration
		bad  bool
	}{
		{line: "1234 (java) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0 100 0 0", want: 3 * time.Second},
		{line: "99 (a) b) (c) R 1 2 3 4 5 6 7 8 9 10 7 3 0 0", want: 100 * time.Millisecond},
		{line: "no parenthesis", bad: true},
		{line: "1 (x) S 1 2", bad: true},
		{line: "1 (x) S 1 2 3 4 5 6 7 8 9 10 u s", bad: true},
	}
	for _, tc := range tests {
		got, err := parseStatCPU([]byte(tc.line))
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseStatCPU(%q) = %v, %v; want %v (error %v)", tc.line, got, err, tc.want, tc.bad)
		}
	}
}

func TestParseStatusMem(t *testing.T) {
	rss, hwm, err := parseStatusMem(strings.NewReader("Name:\tjava\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t40\n"))
	if err != nil || rss != 100<<20 || hwm != 200<<20 {
		t.Errorf("got rss %d hwm %d err %v", rss, hwm, err)
	}
	if _, _, err := parseStatusMem(strings.NewReader("Name:\tkthread\n")); err == nil {
		t.Error("status without VmHWM accepted")
	}
	if _, _, err := parseStatusMem(strings.NewReader("VmHWM:\t12 MB\n")); err == nil {
		t.Error("unexpected unit accepted")
	}
}

func TestProcOfSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Error(err)
	}
	if rss, hwm, err := procMem(os.Getpid()); err != nil || rss <= 0 || hwm < rss {
		t.Errorf("rss %d hwm %d err %v", rss, hwm, err)
	}
}

func TestSummarize(t *testing.T) {
	var s []time.Duration
	for i := 1000; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Microsecond)
	}
	got := summarize(s)
	want := latencySummary{n: 1000, mean: 500500 * time.Nanosecond, p50: 500 * time.Microsecond,
		p99: 990 * time.Microsecond, p999: 999 * time.Microsecond, max: 1000 * time.Microsecond}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if (summarize(nil) != latencySummary{}) {
		t.Error("empty sample not zero")
	}
	if one := summarize([]time.Duration{7}); one.p50 != 7 || one.p99 != 7 || one.max != 7 {
		t.Errorf("single sample: %+v", one)
	}
}

func TestParseFlags(t *testing.T) {
	good := [][]string{
		nil,
		{"-only", "zk", "-duration", "1s"},
		{"-only", "zookeeper", "-workloads", "get, mix", "-workers", "4", "-conns", "4"},
		{"-ops", "1000", "-duration", "0"},
	}
	for _, args := range good {
		if _, err := parseFlags(args); err != nil {
			t.Errorf("parseFlags(%q): %v", args, err)
		}
	}
	bad := [][]string{
		{"-only", "kafka"},
		{"-workloads", "delete"},
		{"-workers", "4", "-conns", "8"},
		{"-duration", "0"},
		{"stray"},
	}
	for _, args := range bad {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}

func TestJudge(t *testing.T) {
	cfg, _ := parseFlags([]string{"-workloads", "create,get"})
	r := newReport(cfg, t.TempDir())
	r.Results = []result{
		{Server: "zookeeper", Workload: "create", Workers: 1, Conns: 1, OpsPerSec: 1000, P50us: 400},
		{Server: "wharf", Workload: "create", Workers: 1, Conns: 1, OpsPerSec: 1100, P50us: 500},
		{Server: "zookeeper", Workload: "create", Workers: 64, Conns: 8, OpsPerSec: 10000},
		{Server: "wharf", Workload: "create", Workers: 64, Conns: 8, OpsPerSec: 16000},
		{Server: "zookeeper", Workload: "get", Workers: 64, Conns: 8, OpsPerSec: 30000},
	}
	r.FinalHWMMiB = map[string]float64{"zookeeper": 300, "wharf": 90}
	r.judge()
	want := map[string]string{
		"create throughput, 64 workers/8 conns (writes)": "1.60x  met",
		"get throughput, 64 workers/8 conns (reads)":     "n/a: needs both servers measured",
		"create p50 latency, 1 worker":                   "1.25x  NOT met",
		"peak RSS (VmHWM) over the run":                  "0.30x  met",
	}
	if len(r.Targets) != len(want) {
		t.Fatalf("targets: %+v", r.Targets)
	}
	for _, tg := range r.Targets {
		if got := tg.verdict(); got != want[tg.Name] {
			t.Errorf("%s: %q, want %q", tg.Name, got, want[tg.Name])
		}
	}
	rows := r.table()
	if len(rows) != 1+3+3+1 { // header, pair+ratio, pair+ratio, lone zookeeper row
		t.Errorf("table has %d rows:\n%v", len(rows), rows)
	}
	if rows[3][2] != "wharf/zk" || rows[3][3] != "1.10x" {
		t.Errorf("ratio row = %v", rows[3])
	}
}

// TestRunAgainstApacheZK runs the whole program briefly against Apache
// ZooKeeper: once with -only zk (it starts the server itself), once with
// both sides pointed at one running server, which exercises the pairing,
// ratios and targets without needing Wharf.
func TestRunAgainstApacheZK(t *testing.T) {
	testutil.Slow(t)
	quick := []string{"-duration", "200ms", "-warmup", "50ms", "-fsync-n", "20", "-workers", "4", "-conns", "2", "-nodes", "20", "-create-ops", "200"}

	t.Run("only zk", func(t *testing.T) {
		testutil.RequirePeer(t, "Apache ZooKeeper 3.8", zkproc.ApacheAvailable() == nil)
		out := t.TempDir()
		cfg, err := parseFlags(append([]string{"-only", "zk", "-out", out, "-dir", t.TempDir()}, quick...))
		if err != nil {
			t.Fatal(err)
		}
		rep := runAndLoad(t, cfg, out)
		if len(rep.Results) != 8 || len(rep.Fsync) != 2 {
			t.Fatalf("%d results, %d fsync lines", len(rep.Results), len(rep.Fsync))
		}
		var cpu float64
		for _, r := range rep.Results {
			if r.Server != "zookeeper" || r.Ops == 0 || r.Errors != 0 || r.P50us <= 0 || r.PeakRSSMiB <= 0 {
				t.Errorf("implausible result %+v", r)
			}
			cpu += r.CPUSeconds // each run may be shorter than a clock tick
		}
		if cpu <= 0 {
			t.Error("no server CPU time measured")
		}
		if rep.FinalHWMMiB["zookeeper"] <= 0 {
			t.Error("no final VmHWM")
		}
	})

	t.Run("both servers", func(t *testing.T) {
		testutil.RequirePeer(t, "Apache ZooKeeper 3.8", zkproc.ApacheAvailable() == nil)
		out := t.TempDir()
		cfg, err := parseFlags(append([]string{"-workloads", "create,set", "-out", out, "-dir", t.TempDir(),
			"-wharf-bin", testutil.BuildWharf(t)}, quick...))
		if err != nil {
			t.Fatal(err)
		}
		rep := runAndLoad(t, cfg, out)
		if len(rep.Results) != 8 {
			t.Fatalf("%d results", len(rep.Results))
		}
		for _, r := range rep.Results {
			if r.Ops == 0 || r.Errors != 0 || r.P50us <= 0 || r.PeakRSSMiB <= 0 {
				t.Errorf("implausible result %+v", r)
			}
		}
		for _, tg := range rep.Targets {
			if tg.Absent != "" || tg.Ratio <= 0 {
				t.Errorf("target %q not judged: %+v", tg.Name, tg)
			}
		}
	})
}

func runAndLoad(t *testing.T, cfg config, out string) report {
	t.Helper()
	if err := run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "zkbench-*.json"))
	md, _ := filepath.Glob(filepath.Join(out, "zkbench-*.md"))
	if len(files) != 1 || len(md) != 1 {
		t.Fatalf("wrote %v %v", files, md)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}
