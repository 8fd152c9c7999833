package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wharf-project/wharf/bench/internal/machine"
	"github.com/wharf-project/wharf/bench/internal/output"
)

// result is one measured run.
type result struct {
	Server     string  `json:"server"`
	Workload   string  `json:"workload"`
	Workers    int     `json:"workers"`
	Conns      int     `json:"conns"`
	Ops        int64   `json:"ops"`
	Errors     int64   `json:"errors"`
	Seconds    float64 `json:"seconds"`
	OpsPerSec  float64 `json:"ops_per_s"`
	P50us      float64 `json:"p50_us"`
	P99us      float64 `json:"p99_us"`
	P999us     float64 `json:"p999_us"`
	MaxUs      float64 `json:"max_us"`
	CPUSeconds float64 `json:"server_cpu_s"`     // utime+stime of the server during the run
	CPUPerOpUs float64 `json:"server_cpu_us_op"` // 0 when the pid is unknown
	PeakRSSMiB float64 `json:"peak_rss_mib"`     // largest VmRSS sampled during the run
}

type targetResult struct {
	Name   string  `json:"name"`
	Want   string  `json:"want"`
	Ratio  float64 `json:"ratio"` // wharf / zookeeper; 0 when not measured
	Met    bool    `json:"met"`
	Absent string  `json:"absent,omitempty"` // why it could not be judged
}

type meta struct {
	machine.Info
	Java     string            `json:"java"`
	Settings map[string]string `json:"settings"`
}

type report struct {
	cfg         config
	Meta        meta                  `json:"meta"`
	Fsync       []machine.FsyncResult `json:"fsync"`
	Servers     []serverInfo          `json:"servers"`
	Results     []result              `json:"results"`
	FinalHWMMiB map[string]float64    `json:"final_peak_rss_mib"` // VmHWM at the end of the run
	Targets     []targetResult        `json:"targets"`
}

func newReport(cfg config, dir string) *report {
	m := meta{
		Info: machine.Describe(dir), Java: javaVersion(),
		Settings: map[string]string{
			"workloads": strings.Join(cfg.workloads, ","), "concurrent": fmt.Sprintf("%d workers/%d conns", cfg.workers, cfg.conns),
			"duration": cfg.duration.String(), "warmup": cfg.warmup.String(), "ops": fmt.Sprint(cfg.ops),
			"payload": fmt.Sprint(cfg.payload), "nodes": fmt.Sprint(cfg.nodes), "zk_heap": cfg.zkHeap,
			"forceSync": map[bool]string{false: "yes", true: "no"}[cfg.forceSyncOff],
		},
	}
	return &report{cfg: cfg, Meta: m, FinalHWMMiB: map[string]float64{}}
}

func (r *report) add(res result) {
	r.Results = append(r.Results, res)
	fmt.Printf("  %-9s %-7s %3d/%-2d  %9.0f ops/s  p50 %7.0fµs  p99 %7.0fµs\n",
		res.Server, res.Workload, res.Workers, res.Conns, res.OpsPerSec, res.P50us, res.P99us)
}

func (r *report) setFinalHWM(server string, hwm int64) {
	r.FinalHWMMiB[server] = float64(hwm) / (1 << 20)
}

func (r *report) printHeader() {
	m := r.Meta
	fmt.Printf("zkbench %s on %s: %d CPUs (%s), kernel %s, %s, %s\n", m.Time, m.Host, m.CPUs, m.CPUModel, m.Kernel, m.Go, m.Java)
	fmt.Printf("commit %s; data under %s (%s)\n", m.Commit, m.Dir, m.FsType)
	for _, w := range m.Warnings() {
		fmt.Println("WARNING: " + w)
	}
}

func (r *report) printServers() {
	fmt.Println("\nservers:")
	for _, s := range r.Servers {
		how := "started here, data " + s.DataDir
		if s.External {
			how = "already running"
		}
		fmt.Printf("  %-9s %s pid %d, %s, version %q\n", s.Name, s.Addr, s.PID, how, s.Version)
	}
	fmt.Println("\nruns (each after a throw-away warm-up):")
}

// table renders the results, a ratio row after each pair.
func (r *report) table() [][]string {
	rows := [][]string{{"workload", "workers/conns", "server", "ops/s", "p50 µs", "p99 µs", "p99.9 µs", "cpu µs/op", "peak RSS MiB", "errors"}}
	for i := 0; i < len(r.Results); i++ {
		a := r.Results[i]
		rows = append(rows, resultRow(a))
		if i+1 < len(r.Results) {
			b := r.Results[i+1]
			if b.Workload == a.Workload && b.Workers == a.Workers && a.Server == "zookeeper" && b.Server == "wharf" {
				rows = append(rows, resultRow(b))
				rows = append(rows, []string{"", "", "wharf/zk", output.Ratio(b.OpsPerSec, a.OpsPerSec), output.Ratio(b.P50us, a.P50us),
					output.Ratio(b.P99us, a.P99us), output.Ratio(b.P999us, a.P999us), output.Ratio(b.CPUPerOpUs, a.CPUPerOpUs), output.Ratio(b.PeakRSSMiB, a.PeakRSSMiB), ""})
				i++
			}
		}
	}
	return rows
}

func resultRow(x result) []string {
	cpu, rss := "n/a", "n/a"
	if x.CPUPerOpUs > 0 {
		cpu = fmt.Sprintf("%.1f", x.CPUPerOpUs)
	}
	if x.PeakRSSMiB > 0 {
		rss = fmt.Sprintf("%.0f", x.PeakRSSMiB)
	}
	return []string{x.Workload, fmt.Sprintf("%d/%d", x.Workers, x.Conns), x.Server, fmt.Sprintf("%.0f", x.OpsPerSec),
		fmt.Sprintf("%.0f", x.P50us), fmt.Sprintf("%.0f", x.P99us), fmt.Sprintf("%.0f", x.P999us), cpu, rss, fmt.Sprint(x.Errors)}
}

func (r *report) printTable() {
	fmt.Println()
	output.Text(os.Stdout, r.table())
	for _, name := range []string{"zookeeper", "wharf"} {
		if v, ok := r.FinalHWMMiB[name]; ok {
			fmt.Printf("peak RSS over the whole run (VmHWM), %s: %.0f MiB\n", name, v)
		}
	}
}

func (r *report) find(server, workload string, workers int) (result, bool) {
	for _, x := range r.Results {
		if x.Server == server && x.Workload == workload && x.Workers == workers {
			return x, true
		}
	}
	return result{}, false
}

// judge fills r.Targets: the goals Wharf is measured against.
func (r *report) judge() {
	r.Targets = nil
	add := func(name, want string, get func(x result) float64, workload string, workers int, ok func(float64) bool) {
		t := targetResult{Name: name, Want: want}
		zk, ok1 := r.find("zookeeper", workload, workers)
		wh, ok2 := r.find("wharf", workload, workers)
		switch {
		case !ok1 || !ok2:
			t.Absent = "needs both servers measured"
		case get(zk) <= 0 || get(wh) <= 0:
			t.Absent = "not measured (pid unknown?)"
		default:
			t.Ratio = get(wh) / get(zk)
			t.Met = ok(t.Ratio)
		}
		r.Targets = append(r.Targets, t)
	}
	ops := func(x result) float64 { return x.OpsPerSec }
	p50 := func(x result) float64 { return x.P50us }
	for _, name := range r.cfg.workloads {
		wl, _ := workloadByName(name)
		kind := "reads"
		if wl.write {
			kind = "writes"
		}
		add(fmt.Sprintf("%s throughput, %d workers/%d conns (%s)", name, r.cfg.workers, r.cfg.conns, kind),
			">= 1.5x", ops, name, r.cfg.workers, func(v float64) bool { return v >= 1.5 })
	}
	for _, name := range r.cfg.workloads {
		if wl, _ := workloadByName(name); wl.write {
			add(fmt.Sprintf("%s p50 latency, 1 worker", name), "<= 1.0x", p50, name, 1, func(v float64) bool { return v <= 1.0 })
		}
	}
	t := targetResult{Name: "peak RSS (VmHWM) over the run", Want: "<= 0.33x"}
	zk, ok1 := r.FinalHWMMiB["zookeeper"]
	wh, ok2 := r.FinalHWMMiB["wharf"]
	if ok1 && ok2 && zk > 0 {
		t.Ratio = wh / zk
		t.Met = t.Ratio <= 1.0/3
	} else {
		t.Absent = "needs both servers' pids"
	}
	r.Targets = append(r.Targets, t)
}

func (r *report) printTargets() {
	r.judge()
	fmt.Println("\ntargets (wharf / zookeeper):")
	for _, t := range r.Targets {
		fmt.Printf("  %-55s want %-8s %s\n", t.Name, t.Want, t.verdict())
	}
}

func (t targetResult) verdict() string {
	switch {
	case t.Absent != "":
		return "n/a: " + t.Absent
	case t.Met:
		return fmt.Sprintf("%.2fx  met", t.Ratio)
	}
	return fmt.Sprintf("%.2fx  NOT met", t.Ratio)
}

// write saves the report as JSON and markdown in dir.
func (r *report) write(dir string) ([]string, error) {
	return output.WriteFiles(dir, "zkbench", r, r.markdown)
}

func (r *report) markdown(w io.Writer) {
	m := r.Meta
	fmt.Fprintf(w, "# zkbench %s\n\n", m.Time)
	fmt.Fprintf(w, "%s: %d CPUs (%s), kernel %s, %s, %s, commit %s, data on %s, load average at start %s.\n\n",
		m.Host, m.CPUs, m.CPUModel, m.Kernel, m.Go, m.Java, m.Commit, m.FsType, m.LoadAvg)
	fmt.Fprintf(w, "Settings: %s.\n\n", output.Settings(m.Settings))
	machine.MarkdownFsync(w, r.Fsync)
	for _, s := range r.Servers {
		fmt.Fprintf(w, "- %s: %s, version %q\n", s.Name, s.Addr, s.Version)
	}
	fmt.Fprintln(w)
	output.Markdown(w, r.table())
	fmt.Fprintln(w, "\n| target | want | result |\n|---|---|---|")
	for _, t := range r.Targets {
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.Name, t.Want, t.verdict())
	}
}
