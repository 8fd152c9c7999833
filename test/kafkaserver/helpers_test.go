package kafkaserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// opTimeout bounds one client operation.
const opTimeout = 30 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	t.Cleanup(cancel)
	return ctx
}

// createTopic creates a topic with one replica and fails the test on error.
func createTopic(t testing.TB, adm *kadm.Client, topic string, partitions int32, configs map[string]*string) kadm.CreateTopicResponse {
	t.Helper()
	resp, err := adm.CreateTopic(ctxT(t), partitions, 1, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	return resp
}

// produce writes n records with values "<prefix>-<i>" round-robin over the
// partitions, with acks=all, and returns them as acknowledged (offsets set).
func produce(t testing.TB, b kafkapeer.Broker, topic string, partitions int32, prefix string, n int) []*kgo.Record {
	t.Helper()
	cl := kafkapeer.Kgo(t, b, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Partition: int32(i) % partitions,
			Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "%s-%d %s", prefix, i, strings.Repeat("x", 50))}
	}
	if err := cl.ProduceSync(ctxT(t), recs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
	return recs
}

// consume reads every partition of topic from the start until it has want
// records, and returns them ordered by partition then offset.
func consume(t testing.TB, b kafkapeer.Broker, topic string, partitions int32, want int) []*kgo.Record {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for p := range partitions {
		offsets[p] = kgo.NewOffset().AtStart()
	}
	cl := kafkapeer.Kgo(t, b, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}))
	ctx := ctxT(t)
	var got []*kgo.Record
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consume %s: %d of %d records before the timeout", topic, len(got), want)
		}
		for _, e := range fs.Errors() {
			t.Fatalf("consume %s: partition %d: %v", topic, e.Partition, e.Err)
		}
		got = append(got, fs.Records()...)
	}
	slices.SortStableFunc(got, func(a, b *kgo.Record) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return got
}

// sameRecords fails the test unless got and want hold the same
// partitions, offsets, keys and values.
func sameRecords(t testing.TB, what string, got, want []*kgo.Record) {
	t.Helper()
	str := func(r *kgo.Record) string {
		return fmt.Sprintf("p%d@%d %s=%s", r.Partition, r.Offset, r.Key, r.Value)
	}
	want = slices.Clone(want)
	slices.SortStableFunc(want, func(a, b *kgo.Record) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
	}
	for i := range got {
		if str(got[i]) != str(want[i]) {
			t.Fatalf("%s: record %d is %s, want %s", what, i, str(got[i]), str(want[i]))
		}
	}
}

// metrics is one /metrics scrape: each sample's value by its series as
// the text format prints it, name{label="value",...} with labels sorted.
type metrics map[string]float64

// series names a sample: name and label pairs ("topic", "t", ...).
func series(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	type kv struct{ k, v string }
	var kvs []kv
	for i := 0; i+1 < len(labels); i += 2 {
		kvs = append(kvs, kv{labels[i], labels[i+1]})
	}
	slices.SortFunc(kvs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	parts := make([]string, len(kvs))
	for i, p := range kvs {
		parts[i] = fmt.Sprintf("%s=%q", p.k, p.v)
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// get returns a sample's value and fails the test when it is absent.
func (m metrics) get(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	s := series(name, labels...)
	v, ok := m[s]
	if !ok {
		t.Fatalf("/metrics has no sample %s", s)
	}
	return v
}

// sum adds the samples of a family whose labels include all of labels.
func (m metrics) sum(name string, labels ...string) (total float64, n int) {
	for s, v := range m {
		fam, rest, _ := strings.Cut(s, "{")
		if fam != name {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			ok = ok && strings.Contains(rest, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
		}
		if ok {
			total += v
			n++
		}
	}
	return total, n
}

// scrape GETs http://addr/metrics and parses the Prometheus text format,
// checking that every family has # HELP and # TYPE lines.
func scrape(t testing.TB, addr string) metrics {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: Content-Type %q, want Prometheus text (text/plain; version=0.0.4)", ct)
	}
	return parseMetrics(t, resp.Body)
}

func parseMetrics(t testing.TB, r io.Reader) metrics {
	t.Helper()
	m := metrics{}
	typed, helped := map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			typed[strings.Fields(f)[0]] = true
			continue
		}
		if f, ok := strings.CutPrefix(line, "# HELP "); ok {
			helped[strings.Fields(f)[0]] = true
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("/metrics: bad line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics: bad value in %q: %v", line, err)
		}
		m[line[:i]] = v
		fam, _, _ := strings.Cut(line[:i], "{")
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(fam, "_bucket"), "_sum"), "_count")
		if !typed[fam] && !typed[base] {
			t.Fatalf("/metrics: sample %q before its # TYPE line", line)
		}
		if !helped[fam] && !helped[base] {
			t.Fatalf("/metrics: sample %q without a # HELP line", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	return m
}

// zkJSON reads a znode and decodes its JSON data into a map.
func zkJSON(t testing.TB, conn *zk.Conn, path string) (map[string]any, *zk.Stat) {
	t.Helper()
	data, st, err := conn.Get(path)
	if err != nil {
		t.Fatalf("get %s: %v", path, err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s holds %q, not a JSON object: %v", path, data, err)
	}
	return m, st
}

// keys returns a JSON object's keys, sorted.
func keys(m map[string]any) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
}

// asJSON re-encodes v compactly with sorted keys, to compare JSON values.
func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// waitFor fails the test if cond does not hold within timeout.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	if !testutil.WaitFor(cond, timeout) {
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}
