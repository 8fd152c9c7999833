package kafkainterop

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

const kafkaPythonScript = "testdata/kafka_python_client.py"

// kafkaPython runs one command of testdata/kafka_python_client.py and
// decodes its JSON answer.
func kafkaPython[T any](t testing.TB, b kafkapeer.Broker, command string, arg any) T {
	t.Helper()
	return decodeJSON[T](t, kafkapeer.RunPython(t, b, kafkaPythonScript, command, mustJSON(t, arg)).OK(t))
}

func TestKafkaPython(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		t.Run("admin", func(t *testing.T) { testKafkaPythonAdmin(t, b) })
		t.Run("producer_acks_all", func(t *testing.T) { testKafkaPythonProducer(t, b) })
		t.Run("consumer_assign_seek", func(t *testing.T) { testKafkaPythonConsumer(t, b) })
	})
}

// testKafkaPythonAdmin: KafkaAdminClient creates topics (error code 36,
// TOPIC_ALREADY_EXISTS, the second time) and deletes them (3,
// UNKNOWN_TOPIC_OR_PARTITION, for one that is gone).
func testKafkaPythonAdmin(t *testing.T, b kafkapeer.Broker) {
	topic := topicName(t)
	create := map[string]any{"topics": []map[string]any{{"name": topic, "partitions": 2, "config": map[string]string{"segment.bytes": "1048576"}}}}
	if res := kafkaPython[map[string]int](t, b, "create_topics", create); res[topic] != 0 {
		t.Fatalf("create_topics: %v", res)
	}
	kafkapeer.WaitLeaders(t, kafkapeer.Kadm(t, b), topic, 2)
	if res := kafkaPython[map[string]int](t, b, "create_topics", create); res[topic] != 36 {
		t.Fatalf("create_topics again: %v, want error 36 (TOPIC_ALREADY_EXISTS)", res)
	}
	del := map[string]any{"topics": []string{topic}}
	if res := kafkaPython[map[string]int](t, b, "delete_topics", del); res[topic] != 0 {
		t.Fatalf("delete_topics: %v", res)
	}
	waitTopicGone(t, b, topic)
	if res := kafkaPython[map[string]int](t, b, "delete_topics", del); res[topic] != 3 {
		t.Fatalf("delete_topics of a deleted topic: %v, want error 3 (UNKNOWN_TOPIC_OR_PARTITION)", res)
	}
}

// testKafkaPythonProducer: KafkaProducer(acks="all") with keys, headers
// and create times, gzip-compressed; franz-go reads exactly that back.
func testKafkaPythonProducer(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 1, nil)
	ms := sample("kafka-python", 15)
	res := kafkaPython[struct {
		APIVersion []int        `json:"api_version"`
		Reports    []pyDelivery `json:"reports"`
	}](t, b, "produce", map[string]any{"topic": topic, "messages": ms, "compression": "gzip"})
	t.Logf("kafka-python chose protocol %v", res.APIVersion)
	checkDeliveries(t, res.Reports, ms)
	recs := consume(t, b, topic, 0, 0, len(ms))
	if c := recs[0].Attrs.CompressionType(); c != 1 {
		t.Errorf("kafka-python's batch is stored with compression %d, want 1 (gzip)", c)
	}
	sameMsgs(t, "franz-go read of kafka-python's records", fromRecords(recs), withOffsets(ms, 0, 0))
}

// testKafkaPythonConsumer: KafkaConsumer with assign() and seek() (no
// group) reads franz-go's gzip-compressed records from the offset sought.
// (Snappy, franz-go's default, would need python3-snappy.)
func testKafkaPythonConsumer(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 1, nil)
	all := produce(t, b, topic, sample("seek", 10), kgo.ProducerBatchCompression(kgo.GzipCompression()))
	got := kafkaPython[[]msg](t, b, "consume", map[string]any{"topic": topic, "partition": 0, "offset": 4, "count": 6})
	sameMsgs(t, "kafka-python assign+seek(4)", got, all[4:])
}
