package kafkainterop

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// opTimeout bounds one Go client operation against the broker.
const opTimeout = 30 * time.Second

// msg is one record as every client reports it, so what one client wrote
// and another read compare with ==. Scripts print the same shape as JSON.
type msg struct {
	Partition int32       `json:"partition"`
	Offset    int64       `json:"offset"`
	Key       string      `json:"key"`
	Value     string      `json:"value"`
	Headers   [][2]string `json:"headers"`
	Timestamp int64       `json:"timestamp"` // ms since the epoch
}

func (m msg) String() string {
	return fmt.Sprintf("p%d@%d key=%q value=%.40q headers=%q ts=%d", m.Partition, m.Offset, m.Key, m.Value, m.Headers, m.Timestamp)
}

// sample returns n records for partition 0: distinct keys, compressible
// values, two headers each, and create times one second apart starting an
// hour ago (recent enough for any retention, old enough to be told from
// an append time). Offsets are left 0.
func sample(prefix string, n int) []msg {
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second).UnixMilli()
	out := make([]msg, n)
	for i := range out {
		out[i] = msg{
			Key:       fmt.Sprintf("%s-key-%03d", prefix, i),
			Value:     fmt.Sprintf("%s value %03d: %s", prefix, i, strings.Repeat("wharf ", 20)),
			Headers:   [][2]string{{"trace", fmt.Sprintf("t%d", i)}, {"src", prefix}},
			Timestamp: t0 + int64(i)*1000,
		}
	}
	return out
}

// withOffsets returns ms with partition p and consecutive offsets from
// first, as a single partition stores them.
func withOffsets(ms []msg, p int32, first int64) []msg {
	out := make([]msg, len(ms))
	for i, m := range ms {
		m.Partition, m.Offset = p, first+int64(i)
		out[i] = m
	}
	return out
}

// sameMsgs fails the test at the first difference between got and want.
func sameMsgs(t testing.TB, what string, got, want []msg) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if len(g.Headers) == 0 && len(w.Headers) == 0 {
			g.Headers, w.Headers = nil, nil
		}
		if g.String() != w.String() {
			t.Fatalf("%s: record %d:\n got %v\nwant %v", what, i, g, w)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: got %d records, want %d (first missing or extra: %v)", what, len(got), len(want), tail(got, want))
	}
}

func tail(got, want []msg) any {
	if len(got) > len(want) {
		return got[len(want)]
	}
	return want[len(got)]
}

var topicChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// topicName derives a topic name unique within the broker from the test's
// name.
func topicName(t testing.TB, suffix ...string) string {
	name := strings.Join(append([]string{t.Name()}, suffix...), ".")
	name = strings.Trim(topicChars.ReplaceAllString(name, "-"), "-")
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	return name
}

// createTopic creates a topic (kafkapeer.CreateTopic) and returns its name.
func createTopic(t testing.TB, b kafkapeer.Broker, name string, partitions int32, configs map[string]*string) string {
	t.Helper()
	kafkapeer.CreateTopic(t, b, name, partitions, configs)
	return name
}

// toRecords turns msgs into kgo records for topic.
func toRecords(topic string, ms []msg) []*kgo.Record {
	out := make([]*kgo.Record, len(ms))
	for i, m := range ms {
		r := &kgo.Record{Topic: topic, Partition: m.Partition, Key: []byte(m.Key), Value: []byte(m.Value), Timestamp: time.UnixMilli(m.Timestamp)}
		for _, h := range m.Headers {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: h[0], Value: []byte(h[1])})
		}
		out[i] = r
	}
	return out
}

// fromRecords turns kgo records into msgs.
func fromRecords(rs []*kgo.Record) []msg {
	out := make([]msg, len(rs))
	for i, r := range rs {
		m := msg{Partition: r.Partition, Offset: r.Offset, Key: string(r.Key), Value: string(r.Value), Timestamp: r.Timestamp.UnixMilli()}
		for _, h := range r.Headers {
			m.Headers = append(m.Headers, [2]string{h.Key, string(h.Value)})
		}
		out[i] = m
	}
	return out
}

// produce writes ms with franz-go (idempotent, acks=all, uncompressed
// unless opts say otherwise, each to its Partition) and returns them with
// the offsets the broker assigned.
func produce(t testing.TB, b kafkapeer.Broker, topic string, ms []msg, opts ...kgo.Opt) []msg {
	t.Helper()
	opts = append([]kgo.Opt{kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchCompression(kgo.NoCompression())}, opts...)
	cl := kafkapeer.Kgo(t, b, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rs := toRecords(topic, ms)
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
	return fromRecords(rs)
}

// consume reads n records of topic/partition from offset with franz-go
// (a direct partition consumer, no group).
func consume(t testing.TB, b kafkapeer.Broker, topic string, partition int32, offset int64, n int) []*kgo.Record {
	t.Helper()
	cl := kafkapeer.Kgo(t, b, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		topic: {partition: kgo.NewOffset().At(offset)},
	}))
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consume %s/%d from %d: got %d of %d records in %v", topic, partition, offset, len(out), n, opTimeout)
		}
		fs.EachError(func(tp string, p int32, err error) {
			t.Fatalf("consume %s/%d: %v", tp, p, err)
		})
		out = append(out, fs.Records()...)
	}
	if len(out) > n {
		t.Fatalf("consume %s/%d from %d: got %d records, want %d: extra %v", topic, partition, offset, len(out), n, fromRecords(out[n:]))
	}
	return out
}

// consumeMsgs is consume, as msgs.
func consumeMsgs(t testing.TB, b kafkapeer.Broker, topic string, partition int32, offset int64, n int) []msg {
	t.Helper()
	return fromRecords(consume(t, b, topic, partition, offset, n))
}

// decodeJSONLines decodes one JSON value per non-empty line of out.
func decodeJSONLines[T any](t testing.TB, out string) []T {
	t.Helper()
	var vs []T
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("decode %q: %v", line, err)
		}
		vs = append(vs, v)
	}
	return vs
}

// decodeJSON decodes a script's whole stdout.
func decodeJSON[T any](t testing.TB, out string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("decode script output %q: %v", out, err)
	}
	return v
}

// mustJSON encodes v as a script argument.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// topicExists reports whether the broker's metadata lists topic.
func topicExists(t testing.TB, adm *kadm.Client, topic string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	ts, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	return ts.Has(topic)
}

// waitTopicGone waits until the broker no longer lists topic (deletion is
// asynchronous in Kafka).
func waitTopicGone(t testing.TB, b kafkapeer.Broker, topic string) {
	t.Helper()
	adm := kafkapeer.Kadm(t, b)
	if !testutil.WaitFor(func() bool { return !topicExists(t, adm, topic) }, opTimeout) {
		t.Fatalf("topic %s still listed %v after its deletion", topic, opTimeout)
	}
}
