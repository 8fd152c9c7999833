package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/wharf-project/wharf/bench/internal/latency"
	"github.com/wharf-project/wharf/bench/internal/machine"
	"github.com/wharf-project/wharf/bench/internal/output"
)

// result is one case on one server: the peak produce run, the read-back,
// and the run at half the peak rate. MB = 10^6 bytes throughout; MB/s
// counts record values only (what the application sent), not protocol
// framing.
type result struct {
	Server      string  `json:"server"`
	Mode        string  `json:"mode"` // acks=1, acks=all; NATS: its sync setting
	Durable     bool    `json:"durable"`
	RecordBytes int     `json:"record_bytes"`
	Partitions  int     `json:"partitions"`
	Records     int64   `json:"records"` // acknowledged in the peak run
	Errors      int64   `json:"errors"`
	Seconds     float64 `json:"seconds"`
	MsgsPerSec  float64 `json:"msgs_per_s"`
	MBPerSec    float64 `json:"mb_per_s"`
	// Per record, from handing it to the client to its acknowledgement.
	P50us       float64 `json:"p50_us"`
	P99us       float64 `json:"p99_us"`
	P999us      float64 `json:"p999_us"`
	MaxUs       float64 `json:"max_us"`
	CPUSeconds  float64 `json:"server_cpu_s"`          // utime+stime of the server during the peak run
	CPUPerMsgUs float64 `json:"server_cpu_us_per_msg"` // 0 when the pid is unknown
	PeakRSSMB   float64 `json:"peak_rss_mb"`           // largest VmRSS sampled during the peak run

	ConsumeRecords  int64   `json:"consume_records"`
	ConsumeSeconds  float64 `json:"consume_seconds"`
	ConsumeMBPerSec float64 `json:"consume_mb_per_s"`

	HalfTargetRate float64 `json:"half_target_msgs_per_s"` // half of MsgsPerSec
	HalfRate       float64 `json:"half_msgs_per_s"`        // what the paced run reached
	HalfP50us      float64 `json:"half_p50_us"`            // from each record's scheduled send time
	HalfP99us      float64 `json:"half_p99_us"`
	// Kafka servers: p99 of the produce requests' round trips in the paced
	// run (written to response read), the server's part of the latency.
	HalfRequestP99us float64 `json:"half_request_p99_us,omitempty"`
	HalfErrors       int64   `json:"half_errors"`
}

func (r *result) setProduce(lr loadResult, recordBytes int) {
	r.Records, r.Errors, r.Seconds = lr.records, lr.errors, lr.elapsed.Seconds()
	r.MsgsPerSec = float64(lr.records) / r.Seconds
	r.MBPerSec = r.MsgsPerSec * float64(recordBytes) / 1e6
	r.P50us, r.P99us, r.P999us, r.MaxUs = us(lr.lat.P50), us(lr.lat.P99), us(lr.lat.P999), us(lr.lat.Max)
}

func us(d time.Duration) float64 { return latency.US(d) }

func (r result) sameCase(o result) bool {
	return r.RecordBytes == o.RecordBytes && r.Partitions == o.Partitions && r.Durable == o.Durable
}

type idleResult struct {
	Server        string  `json:"server"`
	Partitions    int     `json:"partitions"`
	Unit          string  `json:"unit"` // what a "partition" is on this server
	CreateSeconds float64 `json:"create_seconds"`
	BaselineRSSMB float64 `json:"baseline_rss_mb"` // before
	IdleRSSMB     float64 `json:"idle_rss_mb"`     // with them, after the idle wait
}

type targetResult struct {
	Name    string  `json:"name"`
	Want    string  `json:"want"`
	Value   float64 `json:"value"` // a ratio (Unit "x") or an absolute figure
	Unit    string  `json:"unit"`
	Met     bool    `json:"met"`
	Absent  string  `json:"absent,omitempty"`  // why it could not be judged
	Figures string  `json:"figures,omitempty"` // the same figure on every server, for reference
}

func (t targetResult) verdict() string {
	if t.Absent != "" {
		return "n/a: " + t.Absent
	}
	v := fmt.Sprintf("%.2fx", t.Value)
	if t.Unit != "x" {
		v = fmt.Sprintf("%.1f %s", t.Value, t.Unit)
	}
	if t.Met {
		return v + "  met"
	}
	return v + "  NOT met"
}

type meta struct {
	machine.Info
	Settings map[string]string `json:"settings"`
	Clients  map[string]string `json:"clients"`
}

type report struct {
	cfg        config
	Meta       meta                  `json:"meta"`
	Fsync      []machine.FsyncResult `json:"fsync"`
	Servers    []serverInfo          `json:"servers"`
	Idle       []idleResult          `json:"idle"`
	Results    []result              `json:"results"`
	FinalHWMMB map[string]float64    `json:"final_peak_rss_mb"` // VmHWM at the end, by server label
	Targets    []targetResult        `json:"targets"`
}

func newReport(cfg config, dir string) *report {
	ints := func(v []int) string { return strings.Trim(strings.Join(strings.Fields(fmt.Sprint(v)), ","), "[]") }
	m := meta{
		Info: machine.Describe(dir),
		Settings: map[string]string{
			"servers": strings.Join(cfg.only, ","), "duration": cfg.duration.String(), "records": fmt.Sprint(cfg.records),
			"sizes": ints(cfg.sizes), "partitions": ints(cfg.partitions), "inflight": fmt.Sprint(cfg.inflight),
			"linger": cfg.linger.String(), "half_rate": fmt.Sprint(cfg.halfRate),
			"idle_partitions": fmt.Sprint(cfg.idleParts), "idle_wait": cfg.idleWait.String(),
			"repeat": fmt.Sprint(cfg.repeat), "consume_fetch_max_bytes": fmt.Sprint(consumeFetchMaxBytes),
			"fill_page_cache_gb": fmt.Sprint(cfg.fillCacheGB),
		},
		Clients: map[string]string{
			"kgo":     moduleVersion("github.com/twmb/franz-go"),
			"nats.go": moduleVersion("github.com/nats-io/nats.go"),
		},
	}
	return &report{cfg: cfg, Meta: m, FinalHWMMB: map[string]float64{}}
}

func (r *report) add(res result) {
	r.Results = append(r.Results, res)
	half := ""
	if res.HalfTargetRate > 0 {
		half = fmt.Sprintf("  | at %.0f/s (half) p99 %.2fms", res.HalfRate, res.HalfP99us/1000)
		if res.HalfRequestP99us > 0 {
			half += fmt.Sprintf(", requests p99 %.2fms", res.HalfRequestP99us/1000)
		}
	}
	fmt.Printf("  %-6s %6s p%-2d %-17s %9.0f msgs/s %8.1f MB/s  p50 %7.2fms  p99 %7.2fms  | read %7.0f MB/s%s\n",
		res.Server, sizeName(res.RecordBytes), res.Partitions, res.Mode, res.MsgsPerSec, res.MBPerSec,
		res.P50us/1000, res.P99us/1000, res.ConsumeMBPerSec, half)
}

func (r *report) addIdle(res idleResult) {
	r.Idle = append(r.Idle, res)
	fmt.Printf("  %-6s %d %s created in %.1fs: RSS %s → %s MB\n", res.Server, res.Partitions, res.Unit,
		res.CreateSeconds, num(res.BaselineRSSMB, "%.0f"), num(res.IdleRSSMB, "%.0f"))
}

// sharedCPUsNote says what every figure includes: the client runs on the
// same CPUs as the server it measures (and as the servers not measured at
// that moment, idle then).
func sharedCPUsNote(cpus int) string {
	return fmt.Sprintf("The client (kgo or nats.go, in this process) and the servers share these %d CPUs: every figure includes the client's cost.", cpus)
}

func (r *report) printHeader() {
	m := r.Meta
	fmt.Printf("brokerbench %s on %s: %d CPUs (%s), kernel %s, %s\n", m.Time, m.Host, m.CPUs, m.CPUModel, m.Kernel, m.Go)
	fmt.Printf("commit %s; data under %s (%s); clients kgo %s, nats.go %s\n", m.Commit, m.Dir, m.FsType, m.Clients["kgo"], m.Clients["nats.go"])
	fmt.Printf("%s\n", sharedCPUsNote(m.CPUs))
	for _, w := range m.Warnings() {
		fmt.Println("WARNING: " + w)
	}
}

func (r *report) printServers() {
	fmt.Println("\nservers:")
	for _, s := range r.Servers {
		how := "started here"
		if s.External {
			how = "already running"
		}
		fmt.Printf("  %-33s %s pid %d, %s, %s\n", s.Label, s.Addr, s.PID, how, s.Version)
	}
}

// num formats v, or "n/a" when it was not measured.
func num(v float64, format string) string {
	if v <= 0 {
		return "n/a"
	}
	return fmt.Sprintf(format, v)
}

// table renders the results case by case, with Wharf's ratio to each peer
// after each case.
func (r *report) table() [][]string {
	rows := [][]string{{"record", "parts", "server", "mode", "msgs/s", "MB/s", "p50 ms", "p99 ms",
		"cpu µs/msg", "peak RSS MB", "read MB/s", "p99 @½ rate ms", "req p99 @½ ms", "errors"}}
	res := r.Results
	for i := 0; i < len(res); {
		j := i + 1
		for j < len(res) && res[j].sameCase(res[i]) {
			j++
		}
		group := res[i:j]
		for _, x := range group {
			rows = append(rows, []string{sizeName(x.RecordBytes), fmt.Sprint(x.Partitions), x.Server, x.Mode,
				fmt.Sprintf("%.0f", x.MsgsPerSec), fmt.Sprintf("%.1f", x.MBPerSec),
				fmt.Sprintf("%.2f", x.P50us/1000), fmt.Sprintf("%.2f", x.P99us/1000),
				num(x.CPUPerMsgUs, "%.2f"), num(x.PeakRSSMB, "%.0f"), fmt.Sprintf("%.0f", x.ConsumeMBPerSec),
				num(x.HalfP99us/1000, "%.2f"), num(x.HalfRequestP99us/1000, "%.2f"), fmt.Sprint(x.Errors + x.HalfErrors)})
		}
		if w := slices.IndexFunc(group, func(x result) bool { return x.Server == serverWharf }); w >= 0 {
			a := group[w]
			for _, b := range group {
				if b.Server == serverWharf {
					continue
				}
				rows = append(rows, []string{"", "", "wharf/" + b.Server, "",
					output.Ratio(a.MsgsPerSec, b.MsgsPerSec), output.Ratio(a.MBPerSec, b.MBPerSec),
					output.Ratio(a.P50us, b.P50us), output.Ratio(a.P99us, b.P99us),
					output.Ratio(a.CPUPerMsgUs, b.CPUPerMsgUs), output.Ratio(a.PeakRSSMB, b.PeakRSSMB),
					output.Ratio(a.ConsumeMBPerSec, b.ConsumeMBPerSec), output.Ratio(a.HalfP99us, b.HalfP99us), output.Ratio(a.HalfRequestP99us, b.HalfRequestP99us), ""})
			}
		}
		i = j
	}
	return rows
}

func (r *report) idleTable() [][]string {
	rows := [][]string{{"server", "idle set", "created in s", "RSS before MB", "RSS idle MB"}}
	for _, x := range r.Idle {
		rows = append(rows, []string{x.Server, fmt.Sprintf("%d %s", x.Partitions, x.Unit), fmt.Sprintf("%.1f", x.CreateSeconds),
			num(x.BaselineRSSMB, "%.0f"), num(x.IdleRSSMB, "%.0f")})
	}
	return rows
}

func sizeName(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

func (r *report) printTables() {
	fmt.Println()
	output.Text(os.Stdout, r.table())
	if len(r.Idle) > 0 {
		fmt.Println()
		output.Text(os.Stdout, r.idleTable())
	}
	if len(r.FinalHWMMB) > 0 {
		var hw []string
		for _, s := range r.Servers {
			if v, ok := r.FinalHWMMB[s.Label]; ok {
				hw = append(hw, fmt.Sprintf("%s %.0f MB", s.Label, v))
			}
		}
		fmt.Printf("\npeak RSS over the whole run (VmHWM): %s\n", strings.Join(hw, "; "))
	}
}

func (r *report) printTargets() {
	r.judge()
	fmt.Println("\ntargets (Wharf):")
	for _, t := range r.Targets {
		fmt.Printf("  %-62s want %-12s %s\n", t.Name, t.Want, t.verdict())
		if t.Figures != "" {
			fmt.Printf("  %-62s %s\n", "", t.Figures)
		}
	}
}

// write saves the report as JSON and markdown in dir.
func (r *report) write(dir string) ([]string, error) {
	return output.WriteFiles(dir, "brokerbench", r, r.markdown)
}

func (r *report) markdown(w io.Writer) {
	m := r.Meta
	fmt.Fprintf(w, "# brokerbench %s\n\n", m.Time)
	fmt.Fprintf(w, "%s: %d CPUs (%s), kernel %s, %s, commit %s, data on %s, load average at start %s; clients kgo %s, nats.go %s.\n\n",
		m.Host, m.CPUs, m.CPUModel, m.Kernel, m.Go, m.Commit, m.FsType, m.LoadAvg, m.Clients["kgo"], m.Clients["nats.go"])
	fmt.Fprintf(w, "Settings: %s. MB = 10^6 bytes; MB/s counts record values. %s\n\n", output.Settings(m.Settings), sharedCPUsNote(m.CPUs))
	machine.MarkdownFsync(w, r.Fsync)
	for _, s := range r.Servers {
		fmt.Fprintf(w, "- %s: %s, %s\n", s.Label, s.Addr, s.Version)
	}
	fmt.Fprintln(w)
	output.Markdown(w, r.table())
	if len(r.Idle) > 0 {
		fmt.Fprintln(w)
		output.Markdown(w, r.idleTable())
	}
	fmt.Fprintln(w, "\n| target | want | result | all servers |\n|---|---|---|---|")
	for _, t := range r.Targets {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", t.Name, t.Want, t.verdict(), t.Figures)
	}
}
