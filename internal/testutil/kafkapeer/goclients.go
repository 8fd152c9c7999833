package kafkapeer

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Kgo returns a franz-go client seeded with the broker's address, closed
// when the test ends. opts come after the seed.
func Kgo(t testing.TB, b Broker, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addr())}, opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// Kadm returns a franz-go admin client on its own Kgo client.
func Kadm(t testing.TB, b Broker, opts ...kgo.Opt) *kadm.Client {
	t.Helper()
	return kadm.NewClient(Kgo(t, b, opts...))
}

// FilebeatSaramaConfig is a Sarama config as Filebeat's Kafka output builds
// it with its defaults (libbeat/outputs/kafka): protocol version pinned to
// 1.0.0, client id "beats", acks=1, gzip at level 4, 1,000,000-byte
// messages, 10s broker timeout, 3 retries, metadata for the used topics
// only, retried 3 times 250ms apart, successes and errors returned.
// Sarama's default partitioner (hash of the key, random without one) is
// Filebeat's default too.
func FilebeatSaramaConfig() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V1_0_0_0
	c.ClientID = "beats"
	c.ChannelBufferSize = 256
	c.Net.DialTimeout = 30 * time.Second
	c.Metadata.Full = false
	c.Metadata.Retry.Max = 3
	c.Metadata.Retry.Backoff = 250 * time.Millisecond
	c.Metadata.RefreshFrequency = 10 * time.Minute
	c.Producer.RequiredAcks = sarama.WaitForLocal
	c.Producer.Compression = sarama.CompressionGZIP
	c.Producer.CompressionLevel = 4
	c.Producer.MaxMessageBytes = 1000000
	c.Producer.Timeout = 10 * time.Second
	c.Producer.Retry.Max = 3
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Consumer.Return.Errors = true
	return c
}

// SaramaSyncProducer returns a Sarama SyncProducer on the broker, closed
// when the test ends; cfg nil means FilebeatSaramaConfig.
func SaramaSyncProducer(t testing.TB, b Broker, cfg *sarama.Config) sarama.SyncProducer {
	t.Helper()
	if cfg == nil {
		cfg = FilebeatSaramaConfig()
	}
	p, err := sarama.NewSyncProducer([]string{b.Addr()}, cfg)
	if err != nil {
		t.Fatalf("sarama.NewSyncProducer: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// SaramaConsumer returns a Sarama Consumer (for PartitionConsumers; no
// group) on the broker, closed when the test ends; cfg nil means
// FilebeatSaramaConfig.
func SaramaConsumer(t testing.TB, b Broker, cfg *sarama.Config) sarama.Consumer {
	t.Helper()
	if cfg == nil {
		cfg = FilebeatSaramaConfig()
	}
	c, err := sarama.NewConsumer([]string{b.Addr()}, cfg)
	if err != nil {
		t.Fatalf("sarama.NewConsumer: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// KafkaGoWriter returns a kafka-go Writer to topic that waits for all
// in-sync replicas (RequireAll), does not create topics, and flushes every
// 10ms; closed when the test ends. Adjust its fields before the first
// write.
func KafkaGoWriter(t testing.TB, b Broker, topic string) *kafkago.Writer {
	t.Helper()
	w := &kafkago.Writer{
		Addr:         kafkago.TCP(b.Addr()),
		Topic:        topic,
		RequiredAcks: kafkago.RequireAll,
		BatchTimeout: 10 * time.Millisecond,
		Balancer:     &kafkago.LeastBytes{},
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// KafkaGoReader returns a kafka-go Reader on the broker (cfg.Brokers is
// set to it), closed when the test ends. Without cfg.GroupID it reads one
// partition directly.
func KafkaGoReader(t testing.TB, b Broker, cfg kafkago.ReaderConfig) *kafkago.Reader {
	t.Helper()
	cfg.Brokers = []string{b.Addr()}
	r := kafkago.NewReader(cfg)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// KafkaGoConn returns a kafka-go Conn to the broker's bootstrap address,
// closed when the test ends.
func KafkaGoConn(t testing.TB, b Broker) *kafkago.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := kafkago.DialContext(ctx, "tcp", b.Addr())
	if err != nil {
		t.Fatalf("kafka-go dial %s: %v", b.Addr(), err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// KafkaGoLeader returns a kafka-go Conn to the leader of topic/partition,
// closed when the test ends.
func KafkaGoLeader(t testing.TB, b Broker, topic string, partition int) *kafkago.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := kafkago.DialLeader(ctx, "tcp", b.Addr(), topic, partition)
	if err != nil {
		t.Fatalf("kafka-go dial leader of %s/%d: %v", topic, partition, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}
