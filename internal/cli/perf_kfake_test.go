package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// perfBroker is the broker the perf tools are tested against: the one at
// WHARF_KAFKA_ADDR when set (any Kafka-compatible broker; the topics must
// exist or be auto-created), else franz-go's in-memory kfake cluster with
// the topics seeded, three partitions each.
func perfBroker(t *testing.T, topics ...string) string {
	t.Helper()
	if addr := os.Getenv("WHARF_KAFKA_ADDR"); addr != "" {
		return addr
	}
	return kfakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(3, topics...)).ListenAddrs()[0]
}

// uniqueTopic names a topic per test run, so a shared broker starts empty.
func uniqueTopic(t *testing.T) string {
	return strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())) + "-" + time.Now().Format("150405.000000")
}

var (
	numbers = regexp.MustCompile(`\d+(\.\d+)?|NaN|Infinity`)
	dates   = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}`)
)

// normalise replaces dates by D and other numbers by N, keeping the
// numbers' decimal places: "12.50" becomes "N.NN".
func normalise(s string) string {
	s = dates.ReplaceAllString(s, "D")
	return numbers.ReplaceAllStringFunc(s, func(n string) string {
		if i := strings.IndexByte(n, '.'); i >= 0 {
			return "N." + strings.Repeat("N", len(n)-i-1)
		}
		return "N"
	})
}

func TestPerfProduceThenConsumeThroughTheAliases(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)

	r := run("kafka-producer-perf-test.sh", "--topic", topic, "--num-records", "3000", "--record-size", "100",
		"--throughput", "-1", "--producer-props", "bootstrap.servers="+addr, "acks=all", "linger.ms=1")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("produce: exit %d, stderr %q, stdout %q", r.code, r.stderr, r.stdout)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "3000 records sent, ") {
		t.Errorf("summary %q", last)
	}
	diffText(t, "produce summary", normalise(last),
		"N records sent, N.NNNNNN records/sec (N.NN MB/sec), N.NN ms avg latency, N.NN ms max latency, N ms Nth, N ms Nth, N ms Nth, N ms N.Nth.")
	if !strings.HasSuffix(last, " ms 99.9th.") || !strings.Contains(last, " ms 50th, ") {
		t.Errorf("percentile labels: %q", last)
	}
	for _, l := range lines[:len(lines)-1] { // 5-second windows, if the run was that slow
		diffText(t, "produce window", normalise(l), "N records sent, N.N records/sec (N.NN MB/sec), N.N ms avg latency, N.N ms max latency.")
	}

	r = run("kafka-consumer-perf-test.sh", "--bootstrap-server", addr, "--topic", topic, "--messages", "3000", "--timeout", "10000")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("consume: exit %d, stderr %q, stdout %q", r.code, r.stderr, r.stdout)
	}
	out := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(out) != 2 {
		t.Fatalf("consume output %q", r.stdout)
	}
	diffText(t, "header", out[0], "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
	fields := strings.Split(out[1], ", ")
	if len(fields) != 10 || fields[2] != "0.2861" || fields[4] != "3000" {
		t.Errorf("values %q (want 0.2861 MB and 3000 messages)", out[1])
	}
	diffText(t, "values", normalise(out[1]), "D, D, N.NNNN, N.NNNN, N, N.NNNN, N, N, N.NNNN, N.NNNN")
}

func TestPerfConsumeDetailedStatsAndMetrics(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	if r := run("wharf", "perf", "produce", "--topic", topic, "--num-records", "500", "--payload-monotonic",
		"--throughput", "-1", "--print-metrics", "--producer-props", "bootstrap.servers="+addr); r.code != 0 || r.stderr != "" {
		t.Fatalf("produce: exit %d, stderr %q", r.code, r.stderr)
	} else {
		checkMetricTable(t, r.stdout, "producer-metrics:record-send-total:{client-id=perf-producer-client}", "500.000")
	}
	r := run("wharf", "perf", "consume", "--bootstrap-server", addr, "--topic", topic, "--messages", "500",
		"--show-detailed-stats", "--reporting-interval", "1", "--date-format", "yyyy-MM-dd HH:mm:ss:SSS", "--print-metrics",
		"--group", "g1")
	if r.code != 0 {
		t.Fatalf("consume: exit %d, stderr %q", r.code, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
	lines := strings.Split(r.stdout, "\n")
	diffText(t, "detailed header", lines[0], "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
	progress := 0
	for _, l := range lines[1:] {
		if l == "" {
			break
		}
		diffText(t, "progress", normalise(l), "D, N, N.NNNN, N.NNNN, N, N.NNNN, N, N, N.NNNN, N.NNNN")
		progress++
	}
	if progress == 0 {
		t.Error("no progress line with --show-detailed-stats --reporting-interval 1")
	}
	checkMetricTable(t, r.stdout, "consumer-fetch-manager-metrics:records-consumed-total:{client-id=perf-consumer-client}", "500.000")
}

// checkMetricTable finds the ToolsUtils.printMetrics table and one row.
func checkMetricTable(t *testing.T, out, name, value string) {
	t.Helper()
	i := strings.Index(out, "\nMetric Name ")
	if i < 0 {
		t.Fatalf("no metric table in %q", out)
	}
	rows := strings.Split(strings.TrimSpace(out[i:]), "\n")
	width := strings.Index(rows[0], "   Value")
	for _, row := range rows[1:] {
		if strings.Index(row, " : ") != width {
			t.Errorf("row not aligned to %d: %q", width, row)
		}
		if strings.TrimSpace(row[:width]) == name && row[width+3:] != value {
			t.Errorf("%s = %q, want %s", name, row[width+3:], value)
		}
	}
	if !strings.Contains(out, name+" ") {
		t.Errorf("no row %s", name)
	}
}

func TestPerfProducePayloadFile(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	dir := t.TempDir()
	file := filepath.Join(dir, "payloads.txt")
	if err := os.WriteFile(file, []byte("alpha|beta|gamma|"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run("kafka-producer-perf-test.sh", "--topic", topic, "--num-records", "30", "--payload-file", file,
		"--payload-delimiter", `\|`, "--throughput", "-1", "--producer-props", "bootstrap.servers="+addr)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "Reading payloads from: "+file+"\nNumber of messages read: 3\n30 records sent, ") {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestPerfThrottlesToTheTargetRate(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	start := time.Now()
	r := run("kafka-producer-perf-test.sh", "--topic", topic, "--num-records", "20000", "--record-size", "100",
		"--throughput", "10000", "--producer-props", "bootstrap.servers="+addr)
	elapsed := time.Since(start)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	// ThroughputThrottler lets the records of the first millisecond go
	// unthrottled (elapsed 0 s: no rate yet), then holds the rate. An
	// asynchronous send is fast enough that 3,000 records once all went in
	// that first millisecond, so the run is long enough that they cannot
	// (20,000 sends take several ms) and the rest need over a second at
	// 10,000/s (TestThrottlerAccuracy checks the arithmetic on a virtual
	// clock).
	if elapsed < time.Second || elapsed > 10*time.Second {
		t.Errorf("20000 records at 10000/s took %v", elapsed)
	}
}

func TestPerfUnreachableBrokerIsOneLineWithinTheTimeout(t *testing.T) {
	// port 1 on the loopback: nothing listens, connections are refused
	start := time.Now()
	r := run("kafka-producer-perf-test.sh", "--topic", "t", "--num-records", "10", "--record-size", "10",
		"--throughput", "-1", "--producer-props", "bootstrap.servers=127.0.0.1:1", "max.block.ms=1000")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 ||
		!strings.HasPrefix(r.stderr, "wharf perf produce: cannot reach any broker of bootstrap.servers=127.0.0.1:1 within 1000 ms (max.block.ms): ") {
		t.Errorf("produce: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run("kafka-consumer-perf-test.sh", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--messages", "10",
		"--timeout", "1000", "--hide-header")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" ||
		!strings.HasPrefix(r.stderr, "wharf perf consume: cannot reach any broker of 127.0.0.1:1 within 1000 ms (--timeout): ") {
		t.Errorf("consume: exit %d, stderr %q", r.code, r.stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestPerfConsumeTimesOutOnAnEmptyTopic(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	r := run("kafka-consumer-perf-test.sh", "--bootstrap-server", addr, "--topic", topic, "--messages", "10", "--timeout", "300")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 3 || lines[1] != "WARNING: Exiting before consuming the expected number of messages: timeout (300 ms) exceeded. You can use the --timeout option to increase the timeout." {
		t.Fatalf("stdout %q", r.stdout)
	}
	diffText(t, "values", normalise(lines[2]), "D, D, N.NNNN, N.NNNN, N, N.NNNN, N, N, N.NNNN, N.NNNN")
}

// kfakeCluster is franz-go's in-memory kfake cluster, closed when the
// test ends.
func kfakeCluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
