package kafkainterop

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

const confluentScript = "testdata/confluent_client.py"

// confluent runs one command of testdata/confluent_client.py and decodes
// its JSON answer.
func confluent[T any](t testing.TB, b kafkapeer.Broker, command string, arg any) T {
	t.Helper()
	return decodeJSON[T](t, kafkapeer.RunPython(t, b, confluentScript, command, mustJSON(t, arg)).OK(t))
}

// pyConfigEntry is one entry of confluent_client.py describe_configs.
type pyConfigEntry struct {
	Value     *string `json:"value"`
	Source    int     `json:"source"` // Kafka's ConfigSource: 1 dynamic topic, 4 static broker, 5 default
	IsDefault bool    `json:"is_default"`
	ReadOnly  bool    `json:"read_only"`
}

// pyDelivery is one delivery report of a Python producer.
type pyDelivery struct {
	Error     *string `json:"error"`
	Partition int32   `json:"partition"`
	Offset    int64   `json:"offset"`
	Key       string  `json:"key"`
	Timestamp int64   `json:"timestamp"`
}

func TestConfluentKafkaPython(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		t.Run("admin", func(t *testing.T) { testConfluentAdmin(t, b) })
		t.Run("idempotent_producer", func(t *testing.T) { testConfluentProducer(t, b) })
		t.Run("consumer_assign", func(t *testing.T) { testConfluentConsumer(t, b) })
	})
}

// testConfluentAdmin: create_topics (and its TOPIC_ALREADY_EXISTS and
// INVALID_CONFIG errors), describe_configs, alter_configs (which replaces
// the whole set of dynamic configs) and delete_topics, each checked
// through franz-go's admin client as well.
func testConfluentAdmin(t *testing.T, b kafkapeer.Broker) {
	topic := topicName(t)
	adm := kafkapeer.Kadm(t, b)
	ctx := context.Background()

	created := confluent[map[string]*string](t, b, "create_topics", map[string]any{"topics": []map[string]any{{
		"name": topic, "partitions": 3,
		"config": map[string]string{"retention.ms": "3600000", "max.message.bytes": "200000"},
	}}})
	if err, ok := created[topic]; !ok || err != nil {
		t.Fatalf("create_topics: %v", created)
	}
	kafkapeer.WaitLeaders(t, adm, topic, 3)
	again := confluent[map[string]*string](t, b, "create_topics", map[string]any{"topics": []map[string]any{{"name": topic, "partitions": 1}}})
	if err := again[topic]; err == nil || *err != "TOPIC_ALREADY_EXISTS" {
		t.Fatalf("creating %s twice: %v, want TOPIC_ALREADY_EXISTS", topic, again)
	}
	if b.Kind() != kafkapeer.KindKfake { // kfake stores any value
		bad := topicName(t, "bad")
		res := confluent[map[string]*string](t, b, "create_topics", map[string]any{"topics": []map[string]any{{
			"name": bad, "partitions": 1, "config": map[string]string{"retention.ms": "soon"},
		}}})
		if err := res[bad]; err == nil || *err != "INVALID_CONFIG" {
			t.Fatalf("retention.ms=soon: %v, want INVALID_CONFIG", res)
		}
	}

	configs := func() map[string]pyConfigEntry {
		t.Helper()
		return confluent[map[string]pyConfigEntry](t, b, "describe_configs", map[string]string{"topic": topic})
	}
	want := func(cs map[string]pyConfigEntry, key, value string, dynamic bool) {
		t.Helper()
		e, ok := cs[key]
		if !ok || e.Value == nil || *e.Value != value || dynamic != (e.Source == 1) || dynamic == e.IsDefault && e.Source == 5 {
			t.Fatalf("describe_configs %s = %+v (value %v), want %q, dynamic topic config %v", key, e, deref(e.Value), value, dynamic)
		}
	}
	cs := configs()
	want(cs, "retention.ms", "3600000", true)
	want(cs, "max.message.bytes", "200000", true)
	want(cs, "cleanup.policy", "delete", false)

	// AlterConfigs (not incremental) sets exactly the configs it names:
	// max.message.bytes goes back to its default.
	if err := confluent[*string](t, b, "alter_configs", map[string]any{"topic": topic, "set": map[string]string{"retention.ms": "7200000"}}); err != nil {
		t.Fatalf("alter_configs: %s", *err)
	}
	cs = configs()
	want(cs, "retention.ms", "7200000", true)
	want(cs, "max.message.bytes", "1048588", false)
	rc, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := rc.On(topic, nil); err != nil || !hasConfig(v.Configs, "retention.ms", "7200000") {
		t.Fatalf("franz-go sees %s configs %+v, %v; want retention.ms=7200000", topic, v.Configs, err)
	}

	deleted := confluent[map[string]*string](t, b, "delete_topics", map[string]any{"topics": []string{topic}})
	if err, ok := deleted[topic]; !ok || err != nil {
		t.Fatalf("delete_topics: %v", deleted)
	}
	waitTopicGone(t, b, topic)
	md := confluent[struct {
		Topics map[string]any `json:"topics"`
	}](t, b, "list_topics", map[string]any{})
	if _, ok := md.Topics[topic]; ok {
		t.Fatalf("list_topics still shows %s after delete_topics", topic)
	}
}

func hasConfig(cs []kadm.Config, key, value string) bool {
	for _, c := range cs {
		if c.Key == key && c.Value != nil && *c.Value == value {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// testConfluentProducer: an idempotent librdkafka producer's records, with
// their keys, headers and create times, land in order at the offsets its
// delivery reports name, written by one producer id.
func testConfluentProducer(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 2, nil)
	ms := sample("confluent", 20)
	for i := range ms {
		ms[i].Partition = int32(i % 2)
	}
	res := confluent[struct {
		Undelivered int          `json:"undelivered"`
		Reports     []pyDelivery `json:"reports"`
	}](t, b, "produce", map[string]any{"topic": topic, "idempotent": true, "messages": ms})
	if res.Undelivered != 0 || len(res.Reports) != len(ms) {
		t.Fatalf("produce: %d undelivered, %d reports for %d messages", res.Undelivered, len(res.Reports), len(ms))
	}
	checkDeliveries(t, res.Reports, ms)

	for p := int32(0); p < 2; p++ {
		want := pick(ms, p)
		recs := consume(t, b, topic, p, 0, len(want))
		for _, r := range recs {
			if r.ProducerID < 0 || r.ProducerID != recs[0].ProducerID || r.ProducerEpoch < 0 {
				t.Fatalf("record at %d has producer id %d epoch %d; want one idempotent producer (id %d)", r.Offset, r.ProducerID, r.ProducerEpoch, recs[0].ProducerID)
			}
		}
		sameMsgs(t, "franz-go read of an idempotent librdkafka producer", fromRecords(recs), withOffsets(want, p, 0))
	}
}

// checkDeliveries checks a script's delivery reports against the messages
// it sent: each partition's offsets count up from 0 in send order, and the
// create time given was kept.
func checkDeliveries(t testing.TB, reports []pyDelivery, sent []msg) {
	t.Helper()
	byKey := map[string]msg{}
	for _, m := range sent {
		byKey[m.Key] = m
	}
	next := map[int32]int64{}
	for _, r := range reports {
		m, ok := byKey[r.Key]
		if r.Error != nil || !ok || r.Partition != m.Partition || r.Offset != next[r.Partition] || r.Timestamp != m.Timestamp {
			t.Fatalf("delivery report %+v (error %s) for %v; want partition %d offset %d", r, deref(r.Error), m, m.Partition, next[r.Partition])
		}
		next[r.Partition]++
	}
}

// testConfluentConsumer: a librdkafka consumer that assigns itself a
// partition and an offset reads franz-go's records from there.
func testConfluentConsumer(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 2, nil)
	ms := sample("assign", 12)
	for i := range ms {
		ms[i].Partition = 1
	}
	all := produce(t, b, topic, ms)
	got := confluent[[]msg](t, b, "consume", map[string]any{"topic": topic, "partition": 1, "offset": 3, "count": 9})
	sameMsgs(t, "confluent_kafka assign(partition 1, offset 3)", got, all[3:])
}
