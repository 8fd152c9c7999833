package kafkainterop

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

func TestKafkaGo(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		t.Run("create_topics", func(t *testing.T) { testKafkaGoCreate(t, b) })
		t.Run("writer_require_all", func(t *testing.T) { testKafkaGoWriter(t, b) })
		t.Run("conn_read_batch", func(t *testing.T) { testKafkaGoReadBatch(t, b) })
		t.Run("reader", func(t *testing.T) { testKafkaGoReader(t, b) })
	})
}

// testKafkaGoCreate: Conn.CreateTopics on the controller creates a topic
// with its partitions and configs; creating it again changes nothing (kafka-go
// swallows TOPIC_ALREADY_EXISTS).
func testKafkaGoCreate(t *testing.T, b kafkapeer.Broker) {
	conn := kafkapeer.KafkaGoConn(t, b)
	ctrl, err := conn.Controller()
	if err != nil {
		t.Fatalf("Controller: %v", err)
	}
	cc, err := kafkago.Dial("tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		t.Fatalf("dial controller %+v: %v", ctrl, err)
	}
	defer cc.Close()
	topic := topicName(t)
	cfg := kafkago.TopicConfig{Topic: topic, NumPartitions: 4, ReplicationFactor: 1,
		ConfigEntries: []kafkago.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}}
	for range 2 {
		if err := cc.CreateTopics(cfg); err != nil {
			t.Fatalf("CreateTopics: %v", err)
		}
	}
	kafkapeer.WaitLeaders(t, kafkapeer.Kadm(t, b), topic, 4)
	ps, err := conn.ReadPartitions(topic)
	if err != nil || len(ps) != 4 {
		t.Fatalf("ReadPartitions: %d partitions, %v; want 4", len(ps), err)
	}
	for _, p := range ps {
		if p.Leader.ID != ctrl.ID || p.Leader.Host != ctrl.Host || p.Leader.Port != ctrl.Port {
			t.Fatalf("partition %d led by %+v, want the only broker %+v", p.ID, p.Leader, ctrl)
		}
	}
	rc, err := kafkapeer.Kadm(t, b).DescribeTopicConfigs(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := rc.On(topic, nil); err != nil || !hasConfig(v.Configs, "cleanup.policy", "compact") {
		t.Fatalf("configs of %s: %+v, %v; want cleanup.policy=compact", topic, v.Configs, err)
	}
}

// testKafkaGoWriter: a Writer with RequiredAcks=RequireAll and lz4 writes
// keys, values, headers and create times that read back in order.
func testKafkaGoWriter(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 1, nil)
	w := kafkapeer.KafkaGoWriter(t, b, topic)
	w.Compression = kafkago.Lz4
	ms := sample("kafka-go", 20)
	kms := make([]kafkago.Message, len(ms))
	for i, m := range ms {
		kms[i] = kafkago.Message{Key: []byte(m.Key), Value: []byte(m.Value), Time: time.UnixMilli(m.Timestamp)}
		for _, h := range m.Headers {
			kms[i].Headers = append(kms[i].Headers, kafkago.Header{Key: h[0], Value: []byte(h[1])})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := w.WriteMessages(ctx, kms...); err != nil {
		t.Fatalf("WriteMessages: %v", err)
	}
	recs := consume(t, b, topic, 0, 0, len(ms))
	if c := recs[0].Attrs.CompressionType(); c != 3 {
		t.Errorf("kafka-go's batch is stored with compression %d, want 3 (lz4)", c)
	}
	sameMsgs(t, "franz-go read of kafka-go's Writer", fromRecords(recs), withOffsets(ms, 0, 0))
}

// testKafkaGoReadBatch: on a leader Conn, offsets by time and the first and
// last offsets agree with what franz-go wrote (zstd), and Seek + ReadBatch
// return its records from the offset sought.
func testKafkaGoReadBatch(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 1, nil)
	all := produce(t, b, topic, sample("batch", 12), kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	conn := kafkapeer.KafkaGoLeader(t, b, topic, 0)
	if first, last, err := conn.ReadOffsets(); err != nil || first != 0 || last != 12 {
		t.Fatalf("ReadOffsets = %d, %d, %v; want 0, 12", first, last, err)
	}
	if off, err := conn.ReadOffset(time.UnixMilli(all[5].Timestamp)); err != nil || off != 5 {
		t.Fatalf("ReadOffset(time of record 5) = %d, %v; want 5", off, err)
	}
	if _, err := conn.Seek(3, kafkago.SeekAbsolute); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(opTimeout)); err != nil {
		t.Fatal(err)
	}
	batch := conn.ReadBatch(1, 10<<20)
	var got []msg
	for len(got) < len(all)-3 {
		m, err := batch.ReadMessage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("ReadMessage after %d: %v", len(got), err)
		}
		got = append(got, kafkaGoMsg(m))
	}
	if err := batch.Close(); err != nil {
		t.Fatalf("batch: %v", err)
	}
	sameMsgs(t, "kafka-go Seek(3)+ReadBatch", got, all[3:])
}

func kafkaGoMsg(m kafkago.Message) msg {
	g := msg{Partition: int32(m.Partition), Offset: m.Offset, Key: string(m.Key), Value: string(m.Value), Timestamp: m.Time.UnixMilli()}
	for _, h := range m.Headers {
		g.Headers = append(g.Headers, [2]string{h.Key, string(h.Value)})
	}
	return g
}

// testKafkaGoReader: a Reader on one partition (no group), started at an
// offset, reads the records from there.
func testKafkaGoReader(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 1, nil)
	all := produce(t, b, topic, sample("reader", 8))
	r := kafkapeer.KafkaGoReader(t, b, kafkago.ReaderConfig{Topic: topic, Partition: 0, MaxWait: 100 * time.Millisecond})
	if err := r.SetOffset(2); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var got []msg
	for len(got) < len(all)-2 {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("ReadMessage after %d: %v", len(got), err)
		}
		got = append(got, kafkaGoMsg(m))
	}
	sameMsgs(t, "kafka-go Reader from offset 2", got, all[2:])
}
