package kafkainterop

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// kcatMsg is one message of `kcat -C -J`. Headers alternate name, value.
type kcatMsg struct {
	Topic     string   `json:"topic"`
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	TSType    string   `json:"tstype"`
	TS        int64    `json:"ts"`
	Headers   []string `json:"headers"`
	Key       *string  `json:"key"`
	Payload   *string  `json:"payload"`
}

func (k kcatMsg) msg() msg {
	m := msg{Partition: k.Partition, Offset: k.Offset, Timestamp: k.TS}
	if k.Key != nil {
		m.Key = *k.Key
	}
	if k.Payload != nil {
		m.Value = *k.Payload
	}
	for i := 0; i+1 < len(k.Headers); i += 2 {
		m.Headers = append(m.Headers, [2]string{k.Headers[i], k.Headers[i+1]})
	}
	return m
}

// kcatConsume runs `kcat -C -J -e -q -t topic -p partition args…` and
// returns what it printed, checking each message's topic and that every
// timestamp is a create time.
func kcatConsume(t testing.TB, b kafkapeer.Broker, topic string, partition int32, args ...string) []msg {
	t.Helper()
	argv := append([]string{"-C", "-J", "-e", "-q", "-t", topic, "-p", fmt.Sprint(partition)}, args...)
	out := kafkapeer.RunKcat(t, b, argv...).OK(t)
	var ms []msg
	for _, k := range decodeJSONLines[kcatMsg](t, out) {
		if k.Topic != topic || k.TSType != "create" {
			t.Fatalf("kcat printed topic %q, timestamp type %q; want %q, create", k.Topic, k.TSType, topic)
		}
		ms = append(ms, k.msg())
	}
	return ms
}

// kcatInput renders ms as kcat -P -K: input, one key:value per line.
func kcatInput(ms []msg) string {
	var sb strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&sb, "%s:%s\n", m.Key, m.Value)
	}
	return sb.String()
}

func TestKcat(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		t.Run("produce_keys_headers", func(t *testing.T) { testKcatProduce(t, b) })
		t.Run("auto_create", func(t *testing.T) { testKcatAutoCreate(t, b) })
		for _, codec := range []string{"gzip", "snappy", "lz4", "zstd"} {
			t.Run("compression_"+codec, func(t *testing.T) { testKcatCompression(t, b, codec) })
		}
		t.Run("consume_offsets", func(t *testing.T) { testKcatConsumeOffsets(t, b) })
		t.Run("metadata", func(t *testing.T) { testKcatMetadata(t, b) })
		t.Run("query_offsets", func(t *testing.T) { testKcatQuery(t, b) })
	})
}

// testKcatProduce: kcat -P with per-line keys and fixed headers; franz-go
// and kcat read back keys, values, headers, offsets and create times.
func testKcatProduce(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 1, nil)
	ms := sample("kcat", 10)
	before := time.Now().UnixMilli()
	kafkapeer.RunKcatInput(t, b, kcatInput(ms), "-P", "-t", topic, "-p", "0", "-K", ":",
		"-H", "trace=abc", "-H", "src=kcat").OK(t)
	after := time.Now().UnixMilli()

	got := consumeMsgs(t, b, topic, 0, 0, len(ms))
	want := withOffsets(ms, 0, 0)
	for i := range want {
		want[i].Headers = [][2]string{{"trace", "abc"}, {"src", "kcat"}}
		if ts := got[i].Timestamp; ts < before || ts > after || (i > 0 && ts < got[i-1].Timestamp) {
			t.Fatalf("record %d: create time %d, want within [%d, %d] and not before the previous one", i, ts, before, after)
		}
		want[i].Timestamp = got[i].Timestamp
	}
	sameMsgs(t, "franz-go read of kcat's records", got, want)
	sameMsgs(t, "kcat read of kcat's records", kcatConsume(t, b, topic, 0, "-o", "beginning"), want)
}

// testKcatAutoCreate: producing to a topic that does not exist creates it
// with num.partitions (1) partitions, as log shippers rely on.
func testKcatAutoCreate(t *testing.T, b kafkapeer.Broker) {
	topic := topicName(t)
	kafkapeer.RunKcatInput(t, b, "k:first\n", "-P", "-t", topic, "-K", ":").OK(t)
	got := consumeMsgs(t, b, topic, 0, 0, 1)
	if got[0].Key != "k" || got[0].Value != "first" || got[0].Offset != 0 {
		t.Fatalf("auto-created topic holds %v", got[0])
	}
	md := kcatMetadata(t, b, topic)
	if len(md.Topics) != 1 || len(md.Topics[0].Partitions) != 1 {
		t.Fatalf("auto-created topic metadata %+v, want 1 topic with 1 partition", md.Topics)
	}
}

// testKcatCompression: a batch compressed by librdkafka is stored as sent
// (compression.type=producer) and decompresses for both readers.
func testKcatCompression(t *testing.T, b kafkapeer.Broker, codec string) {
	codes := map[string]uint8{"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
	topic := createTopic(t, b, topicName(t), 1, nil)
	ms := sample(codec, 200)
	// linger.ms lets all 200 lines form a few large batches, which compress
	// well; librdkafka sends a batch uncompressed if that is smaller.
	kafkapeer.RunKcatInput(t, b, kcatInput(ms), "-P", "-t", topic, "-p", "0", "-K", ":",
		"-z", codec, "-X", "linger.ms=50").OK(t)

	recs := consume(t, b, topic, 0, 0, len(ms))
	for i, r := range recs {
		if got := r.Attrs.CompressionType(); got != codes[codec] {
			t.Fatalf("record %d is in a batch with compression %d, want %d (%s)", i, got, codes[codec], codec)
		}
	}
	got := fromRecords(recs)
	want := withOffsets(ms, 0, 0)
	for i := range want {
		want[i].Headers, want[i].Timestamp = nil, got[i].Timestamp
	}
	sameMsgs(t, "franz-go read of "+codec, got, want)
	sameMsgs(t, "kcat read of "+codec, kcatConsume(t, b, topic, 0, "-o", "beginning"), want)
}

// testKcatConsumeOffsets: -o beginning, an absolute offset, an offset from
// the end, a start timestamp (s@), and -o end waiting for new data.
func testKcatConsumeOffsets(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 1, nil)
	all := produce(t, b, topic, sample("offsets", 10))
	for _, c := range []struct {
		name string
		args []string
		want []msg
	}{
		{"beginning", []string{"-o", "beginning"}, all},
		{"absolute", []string{"-o", "7"}, all[7:]},
		{"from_end", []string{"-o", "-3"}, all[7:]},
		{"timestamp", []string{"-o", fmt.Sprintf("s@%d", all[4].Timestamp)}, all[4:]},
		{"timestamp_between", []string{"-o", fmt.Sprintf("s@%d", all[4].Timestamp-500)}, all[4:]},
		{"stop_timestamp", []string{"-o", "beginning", "-o", fmt.Sprintf("e@%d", all[3].Timestamp)}, all[:3]},
		{"count", []string{"-o", "2", "-c", "3"}, all[2:5]},
	} {
		t.Run(c.name, func(t *testing.T) {
			sameMsgs(t, "kcat "+strings.Join(c.args, " "), kcatConsume(t, b, topic, 0, c.args...), c.want)
		})
	}

	t.Run("end", func(t *testing.T) {
		run := kafkapeer.StartKcat(t, b, "-C", "-J", "-t", topic, "-p", "0", "-o", "end", "-c", "1")
		if !run.WaitStderr("Reached end of topic "+topic+" [0] at offset 10", opTimeout) {
			res := run.Wait()
			t.Fatalf("kcat -o end did not reach offset 10\nstdout:\n%s\nstderr:\n%s", res.Stdout, res.Stderr)
		}
		next := produce(t, b, topic, sample("after-end", 1))
		res := run.Wait()
		res.OK(t)
		var got []msg
		for _, k := range decodeJSONLines[kcatMsg](t, res.Stdout) {
			got = append(got, k.msg())
		}
		sameMsgs(t, "kcat -o end", got, next)
	})
}

// kcatMetadataJSON is `kcat -L -J`.
type kcatMetadataJSON struct {
	ControllerID int32 `json:"controllerid"`
	Brokers      []struct {
		ID   int32  `json:"id"`
		Name string `json:"name"`
	} `json:"brokers"`
	Topics []struct {
		Topic      string          `json:"topic"`
		Error      string          `json:"error"`
		Partitions []kcatPartition `json:"partitions"`
	} `json:"topics"`
}

type kcatPartition struct {
	Partition int32                `json:"partition"`
	Leader    int32                `json:"leader"`
	Replicas  []struct{ ID int32 } `json:"replicas"`
	ISRs      []struct{ ID int32 } `json:"isrs"`
}

func kcatMetadata(t testing.TB, b kafkapeer.Broker, topic string) kcatMetadataJSON {
	t.Helper()
	return decodeJSON[kcatMetadataJSON](t, kafkapeer.RunKcat(t, b, "-L", "-J", "-t", topic).OK(t))
}

// testKcatMetadata: -L lists the broker at the address it was reached on,
// a controller, and every partition led by that broker with itself as the
// only replica and in-sync replica.
func testKcatMetadata(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 3, nil)
	md := kcatMetadata(t, b, topic)
	if len(md.Brokers) != 1 || md.Brokers[0].Name != b.Addr() {
		t.Fatalf("brokers %+v, want one at %s", md.Brokers, b.Addr())
	}
	id := md.Brokers[0].ID
	if md.ControllerID != id {
		t.Fatalf("controller %d, want the only broker %d", md.ControllerID, id)
	}
	if len(md.Topics) != 1 || md.Topics[0].Topic != topic || md.Topics[0].Error != "" {
		t.Fatalf("topics %+v, want just %s", md.Topics, topic)
	}
	ps := md.Topics[0].Partitions
	slices.SortFunc(ps, func(x, y kcatPartition) int { return cmp.Compare(x.Partition, y.Partition) })
	if len(ps) != 3 {
		t.Fatalf("%d partitions, want 3", len(ps))
	}
	for i, p := range ps {
		if p.Partition != int32(i) || p.Leader != id || len(p.Replicas) != 1 || p.Replicas[0].ID != id ||
			len(p.ISRs) != 1 || p.ISRs[0].ID != id {
			t.Fatalf("partition %+v, want number %d led by %d, the only replica and ISR", p, i, id)
		}
	}
}

// testKcatQuery: -Q looks offsets up by timestamp (the first offset whose
// timestamp is at or after it; -1 past the last), and -1/-2 give the end
// and start offsets.
func testKcatQuery(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 1, nil)
	all := produce(t, b, topic, sample("query", 6)) // create times t0, t0+1s, …, t0+5s
	t0 := all[0].Timestamp
	for _, c := range []struct {
		ts   int64
		want int64
	}{
		{t0 - 60_000, 0},
		{t0, 0},
		{t0 + 1, 1},
		{t0 + 2500, 3},
		{t0 + 5000, 5},
		{t0 + 60_000, -1},
		{-1, 6}, // latest
		{-2, 0}, // earliest
	} {
		out := kafkapeer.RunKcat(t, b, "-Q", "-t", fmt.Sprintf("%s:0:%d", topic, c.ts)).OK(t)
		if want := fmt.Sprintf("%s [0] offset %d", topic, c.want); strings.TrimSpace(out) != want {
			t.Errorf("kcat -Q %s:0:%d printed %q, want %q", topic, c.ts, out, want)
		}
	}
}
