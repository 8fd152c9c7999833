package kafkainterop

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// Sarama pinned to protocol 1.0.0 with Filebeat's defaults
// (kafkapeer.FilebeatSaramaConfig): what Filebeat's Kafka output sends.
func TestSarama(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		t.Run("sync_producer", func(t *testing.T) { testSaramaProducer(t, b) })
		t.Run("partition_consumer", func(t *testing.T) { testSaramaConsumer(t, b) })
	})
}

// testSaramaProducer: a SyncProducer configured as Filebeat configures its
// client (gzip, acks=1, hash partitioner) sends keyed and unkeyed events,
// one at a time and as a batch; every record is where Sarama was told it
// is, keyed records of one key share a partition, unkeyed records keep a
// null key, and keys, values, headers and create times read back intact.
func testSaramaProducer(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 3, nil)
	p := kafkapeer.SaramaSyncProducer(t, b, nil)
	t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	event := func(i int, key string) *sarama.ProducerMessage {
		m := &sarama.ProducerMessage{
			Topic:     topic,
			Value:     sarama.StringEncoder(fmt.Sprintf(`{"@timestamp":"%s","message":"event %d"}`, t0.Add(time.Duration(i)*time.Second).UTC().Format(time.RFC3339Nano), i)),
			Headers:   []sarama.RecordHeader{{Key: []byte("beat"), Value: []byte("filebeat")}},
			Timestamp: t0.Add(time.Duration(i) * time.Second),
		}
		if key != "" {
			m.Key = sarama.StringEncoder(key)
		}
		return m
	}
	var sent []*sarama.ProducerMessage
	for i := range 12 {
		key := ""
		if i%4 != 3 {
			key = fmt.Sprintf("host-%d", i%3)
		}
		m := event(i, key)
		part, off, err := p.SendMessage(m)
		if err != nil {
			t.Fatalf("SendMessage %d: %v", i, err)
		}
		if part != m.Partition || off != m.Offset {
			t.Fatalf("SendMessage returned %d/%d but the message says %d/%d", part, off, m.Partition, m.Offset)
		}
		sent = append(sent, m)
	}
	batch := make([]*sarama.ProducerMessage, 8)
	for i := range batch {
		batch[i] = event(12+i, fmt.Sprintf("host-%d", i%3))
	}
	if err := p.SendMessages(batch); err != nil {
		t.Fatalf("SendMessages: %v", err)
	}
	sent = append(sent, batch...)

	keyPart := map[string]int32{}
	byPart := map[int32][]*sarama.ProducerMessage{}
	for _, m := range sent {
		if m.Key != nil {
			k := string(must(m.Key.Encode()))
			if p, ok := keyPart[k]; ok && p != m.Partition {
				t.Fatalf("key %s went to partitions %d and %d", k, p, m.Partition)
			}
			keyPart[k] = m.Partition
		}
		byPart[m.Partition] = append(byPart[m.Partition], m)
	}
	for part, ms := range byPart {
		recs := consume(t, b, topic, part, 0, len(ms))
		for i, r := range recs {
			m := ms[i]
			var key []byte
			if m.Key != nil {
				key = must(m.Key.Encode())
			}
			if r.Offset != m.Offset || string(r.Value) != string(must(m.Value.Encode())) ||
				(key == nil) != (r.Key == nil) || string(r.Key) != string(key) ||
				!r.Timestamp.Equal(m.Timestamp) || len(r.Headers) != 1 || r.Headers[0].Key != "beat" ||
				string(r.Headers[0].Value) != "filebeat" {
				t.Fatalf("partition %d record %d: %v (null key %v)\nwant offset %d key %q value %s at %v",
					part, i, fromRecords(recs[i : i+1])[0], r.Key == nil, m.Offset, key, must(m.Value.Encode()), m.Timestamp)
			}
			if c := r.Attrs.CompressionType(); c != 1 {
				t.Fatalf("partition %d record %d: compression %d, want 1 (gzip, Filebeat's default)", part, i, c)
			}
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// testSaramaConsumer: a PartitionConsumer from the oldest offset and from
// an absolute one reads franz-go's (snappy) records with keys, values,
// headers, offsets and create times; the client's offset lookups agree.
func testSaramaConsumer(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 1, nil)
	all := produce(t, b, topic, sample("sarama", 10))

	cfg := kafkapeer.FilebeatSaramaConfig()
	client, err := sarama.NewClient([]string{b.Addr()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for _, c := range []struct {
		at, want int64
	}{{sarama.OffsetNewest, 10}, {sarama.OffsetOldest, 0}, {all[3].Timestamp, 3}} {
		if got, err := client.GetOffset(topic, 0, c.at); err != nil || got != c.want {
			t.Fatalf("GetOffset(%d) = %d, %v; want %d", c.at, got, err, c.want)
		}
	}

	consumer := kafkapeer.SaramaConsumer(t, b, cfg)
	for _, from := range []int64{sarama.OffsetOldest, 6} {
		pc, err := consumer.ConsumePartition(topic, 0, from)
		if err != nil {
			t.Fatalf("ConsumePartition(%d): %v", from, err)
		}
		want := all
		if from >= 0 {
			want = all[from:]
		}
		sameMsgs(t, fmt.Sprintf("Sarama PartitionConsumer from %d", from), readPartition(t, pc, len(want)), want)
		if err := pc.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func readPartition(t testing.TB, pc sarama.PartitionConsumer, n int) []msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var out []msg
	for len(out) < n {
		select {
		case m := <-pc.Messages():
			g := msg{Partition: m.Partition, Offset: m.Offset, Key: string(m.Key), Value: string(m.Value), Timestamp: m.Timestamp.UnixMilli()}
			for _, h := range m.Headers {
				g.Headers = append(g.Headers, [2]string{string(h.Key), string(h.Value)})
			}
			out = append(out, g)
		case err := <-pc.Errors():
			t.Fatalf("PartitionConsumer: %v", err)
		case <-ctx.Done():
			t.Fatalf("PartitionConsumer: %d of %d messages after %v", len(out), n, opTimeout)
		}
	}
	return out
}
