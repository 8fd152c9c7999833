package main

import (
	"context"
	"testing"

	"github.com/wharf-project/wharf/bench/internal/output"
	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

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
	var rep report
	if err := output.ReadFiles(out, "zkbench", &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}
