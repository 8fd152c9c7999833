package kafkainterop

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

const kafkajsScript = "testdata/kafkajs_client.js"

// kafkajs runs one command of testdata/kafkajs_client.js and decodes its
// JSON answer.
func kafkajs[T any](t testing.TB, b kafkapeer.Broker, command string, arg any) T {
	t.Helper()
	return decodeJSON[T](t, kafkapeer.RunKafkaJS(t, b, kafkajsScript, command, mustJSON(t, arg)).OK(t))
}

func TestKafkaJS(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		t.Run("admin", func(t *testing.T) { testKafkaJSAdmin(t, b) })
		t.Run("producer_gzip", func(t *testing.T) { testKafkaJSProducer(t, b) })
		t.Run("offsets_and_fetch", func(t *testing.T) { testKafkaJSFetch(t, b) })
	})
}

// onlyBroker returns the node id of the single broker behind b.
func onlyBroker(t testing.TB, b kafkapeer.Broker) int32 {
	t.Helper()
	md, err := kafkapeer.Kadm(t, b).BrokerMetadata(context.Background())
	if err != nil || len(md.Brokers) != 1 {
		t.Fatalf("broker metadata: %+v, %v; want one broker", md.Brokers, err)
	}
	return md.Brokers[0].NodeID
}

// testKafkaJSAdmin: admin.createTopics (true, then false for an existing
// topic) and admin.fetchTopicMetadata (partitions, leader, replicas, ISR);
// the config entries given at creation are the topic's.
func testKafkaJSAdmin(t *testing.T, b kafkapeer.Broker) {
	topic := topicName(t)
	create := map[string]any{"topics": []map[string]any{{"name": topic, "partitions": 3, "config": map[string]string{"retention.ms": "86400000"}}}}
	if res := kafkajs[struct{ Created bool }](t, b, "create_topics", create); !res.Created {
		t.Fatalf("createTopics(%s) = false, want true", topic)
	}
	if res := kafkajs[struct{ Created bool }](t, b, "create_topics", create); res.Created {
		t.Fatalf("createTopics of an existing topic = true, want false")
	}
	md := kafkajs[struct {
		Topics []struct {
			Name       string `json:"name"`
			Partitions []struct {
				PartitionErrorCode int     `json:"partitionErrorCode"`
				PartitionID        int32   `json:"partitionId"`
				Leader             int32   `json:"leader"`
				Replicas           []int32 `json:"replicas"`
				ISR                []int32 `json:"isr"`
			} `json:"partitions"`
		} `json:"topics"`
	}](t, b, "fetch_topic_metadata", map[string]any{"topics": []string{topic}})
	id := onlyBroker(t, b)
	if len(md.Topics) != 1 || md.Topics[0].Name != topic || len(md.Topics[0].Partitions) != 3 {
		t.Fatalf("fetchTopicMetadata: %+v, want %s with 3 partitions", md.Topics, topic)
	}
	seen := map[int32]bool{}
	for _, p := range md.Topics[0].Partitions {
		seen[p.PartitionID] = true
		if p.PartitionErrorCode != 0 || p.Leader != id || len(p.Replicas) != 1 || p.Replicas[0] != id || len(p.ISR) != 1 || p.ISR[0] != id {
			t.Fatalf("partition %+v, want leader, replica and ISR %d", p, id)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("partition ids %v, want 0, 1, 2", seen)
	}
	rc, err := kafkapeer.Kadm(t, b).DescribeTopicConfigs(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := rc.On(topic, nil); err != nil || !hasConfig(v.Configs, "retention.ms", "86400000") {
		t.Fatalf("configs of %s: %+v, %v; want retention.ms=86400000", topic, v.Configs, err)
	}
}

// testKafkaJSProducer: producer.send with gzip, acks=-1, keys, headers and
// create times, over two partitions; kcat and franz-go read it back (the
// kafkajs consumer needs groups).
func testKafkaJSProducer(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 2, nil)
	ms := sample("kafkajs", 16)
	for i := range ms {
		ms[i].Partition = int32(i % 2)
	}
	res := kafkajs[[]struct {
		TopicName  string `json:"topicName"`
		Partition  int32  `json:"partition"`
		ErrorCode  int    `json:"errorCode"`
		BaseOffset string `json:"baseOffset"`
	}](t, b, "produce", map[string]any{"topic": topic, "gzip": true, "messages": ms})
	if len(res) != 2 {
		t.Fatalf("send: %+v, want one result per partition", res)
	}
	for _, r := range res {
		if r.TopicName != topic || r.ErrorCode != 0 || r.BaseOffset != "0" {
			t.Fatalf("send result %+v, want base offset 0 and no error", r)
		}
	}
	for p := int32(0); p < 2; p++ {
		want := withOffsets(pick(ms, p), p, 0)
		sameMsgs(t, "kcat read of kafkajs's records", kcatConsume(t, b, topic, p, "-o", "beginning"), want)
		recs := consume(t, b, topic, p, 0, len(want))
		if c := recs[0].Attrs.CompressionType(); c != 1 {
			t.Errorf("kafkajs's batch is stored with compression %d, want 1 (gzip)", c)
		}
	}
}

// testKafkaJSFetch: admin.fetchTopicOffsets and fetchTopicOffsetsByTimestamp
// see franz-go's records; a Fetch through kafkajs's broker object returns
// them from the offset asked.
func testKafkaJSFetch(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 2, nil)
	all := produce(t, b, topic, sample("fetch", 10), kgo.ProducerBatchCompression(kgo.GzipCompression()))
	type offsets struct {
		Partition int32  `json:"partition"`
		Offset    string `json:"offset"`
		High      string `json:"high"`
		Low       string `json:"low"`
	}
	res := kafkajs[struct {
		Latest      []offsets `json:"latest"`
		ByTimestamp []offsets `json:"byTimestamp"`
	}](t, b, "fetch_topic_offsets", map[string]any{"topic": topic, "timestamp": all[6].Timestamp - 1})
	for _, o := range res.Latest {
		want := map[int32]string{0: "10", 1: "0"}[o.Partition]
		if o.Offset != want || o.High != want || o.Low != "0" {
			t.Fatalf("fetchTopicOffsets partition %d: %+v, want offset and high %s, low 0", o.Partition, o, want)
		}
	}
	for _, o := range res.ByTimestamp {
		if o.Partition == 0 && o.Offset != "6" {
			t.Fatalf("fetchTopicOffsetsByTimestamp(%d) partition 0: %+v, want offset 6", all[6].Timestamp-1, o)
		}
	}
	if len(res.Latest) != 2 || len(res.ByTimestamp) != 2 {
		t.Fatalf("offsets for %d and %d partitions, want 2", len(res.Latest), len(res.ByTimestamp))
	}
	got := kafkajs[[]msg](t, b, "fetch", map[string]any{"topic": topic, "partition": 0, "offset": 2, "count": 8})
	sameMsgs(t, "kafkajs fetch from offset 2", got, all[2:])
}
