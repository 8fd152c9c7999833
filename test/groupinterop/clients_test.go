package groupinterop

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// groupConsumer runs one client's group consumer: join group, consume
// count records of topic from the committed offsets (the earliest when
// none), commit, leave; it returns the values consumed.
type groupConsumer func(t *testing.T, b kafkapeer.Broker, group, topic string, count int) []string

// TestClientGroups: each client's own group consumer consumes a topic in a
// group, commits and leaves; the group is then Empty with the offsets
// committed; after more records arrive, the client's next run in the same
// group resumes exactly there.
func TestClientGroups(t *testing.T) {
	clients := []struct {
		name string
		run  groupConsumer
	}{
		{"kafka-python", scriptConsumer(func(t *testing.T, b kafkapeer.Broker, args ...string) kafkapeer.Result {
			return kafkapeer.RunPython(t, b, "testdata/kafka_python_group.py", args...)
		})},
		{"confluent-kafka-python", scriptConsumer(func(t *testing.T, b kafkapeer.Broker, args ...string) kafkapeer.Result {
			return kafkapeer.RunPython(t, b, "testdata/confluent_group.py", args...)
		})},
		{"kafkajs", scriptConsumer(func(t *testing.T, b kafkapeer.Broker, args ...string) kafkapeer.Result {
			return kafkapeer.RunKafkaJS(t, b, "testdata/kafkajs_group.js", args...)
		})},
		{"sarama", saramaGroup},
		{"kafka-go", kafkaGoGroup},
	}
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		for _, c := range clients {
			t.Run(c.name, func(t *testing.T) { testClientGroup(t, b, c.run) })
		}
	})
}

func testClientGroup(t *testing.T, b kafkapeer.Broker, run groupConsumer) {
	const parts = 3
	topic, group := name(t, "topic"), name(t, "group")
	kafkapeer.CreateTopic(t, b, topic, parts, nil)
	produceEach(t, b, topic, parts, 10, "a")
	checkValues(t, run(t, b, group, topic, parts*10), "a", parts, 10)
	waitCommitted(t, b, group, topic, parts, 10)
	adm := kafkapeer.Kadm(t, b)
	if g, err := describe(t, adm, group, topic); err != nil || g.State != "Empty" || len(g.Members) != 0 {
		t.Errorf("group after the consumer left: %+v, %v; want Empty with no members", g, err)
	}
	produceEach(t, b, topic, parts, 10, "b")
	checkValues(t, run(t, b, group, topic, parts*10), "b", parts, 10)
	waitCommitted(t, b, group, topic, parts, 20)
}

// checkValues wants exactly the values "<tag>-<p>-<i>" of n partitions ×
// per records, in order within each partition.
func checkValues(t *testing.T, got []string, tag string, n, per int) {
	t.Helper()
	next := make([]int, n)
	for _, v := range got {
		var p, i int
		var gotTag string
		if k, err := fmt.Sscanf(v, "%1s-%d-%d", &gotTag, &p, &i); err != nil || k != 3 || gotTag != tag || p < 0 || p >= n || i != next[p] {
			t.Fatalf("consumed %q out of place (want %s-<partition>-%d…); all: %q", v, tag, next[max(0, min(p, n-1))], got)
		}
		next[p]++
	}
	for p, c := range next {
		if c != per {
			t.Fatalf("partition %d: consumed %d records of %q, want %d; all: %q", p, c, tag, per, got)
		}
	}
}

// scriptConsumer runs a script that prints the values as a JSON list.
func scriptConsumer(run func(t *testing.T, b kafkapeer.Broker, args ...string) kafkapeer.Result) groupConsumer {
	return func(t *testing.T, b kafkapeer.Broker, group, topic string, count int) []string {
		t.Helper()
		out := run(t, b, group, topic, strconv.Itoa(count)).OK(t)
		var values []string
		if err := json.Unmarshal([]byte(out), &values); err != nil {
			t.Fatalf("script output %q: %v", out, err)
		}
		return values
	}
}

// saramaGroup is Sarama's ConsumerGroup (protocol 1.0.0, as Filebeat's
// Sarama speaks): it marks each message and commits on Close.
func saramaGroup(t *testing.T, b kafkapeer.Broker, group, topic string, count int) []string {
	t.Helper()
	cfg := kafkapeer.FilebeatSaramaConfig()
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.Group.Session.Timeout = 10 * time.Second
	cfg.Consumer.Group.Heartbeat.Interval = time.Second
	cg, err := sarama.NewConsumerGroup([]string{b.Addr()}, group, cfg)
	if err != nil {
		t.Fatalf("sarama.NewConsumerGroup: %v", err)
	}
	h := &saramaHandler{want: count, done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{topic}, h); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	select {
	case <-h.done:
	case <-ctx.Done():
		t.Fatalf("sarama consumed %d of %d records in %v", len(h.values()), count, opTimeout)
	}
	cancel()
	if err := <-errc; err != nil && err != context.Canceled {
		t.Fatalf("sarama Consume: %v", err)
	}
	if err := cg.Close(); err != nil {
		t.Fatalf("sarama Close: %v", err)
	}
	return h.values()
}

type saramaHandler struct {
	mu   sync.Mutex
	got  []string
	want int
	once sync.Once
	done chan struct{}
}

func (h *saramaHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *saramaHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *saramaHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		h.mu.Lock()
		if len(h.got) < h.want {
			h.got = append(h.got, string(m.Value))
			s.MarkMessage(m, "")
		}
		full := len(h.got) >= h.want
		h.mu.Unlock()
		if full {
			s.Commit()
			h.once.Do(func() { close(h.done) })
		}
	}
	return nil
}

func (h *saramaHandler) values() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.got...)
}

// kafkaGoGroup is segmentio/kafka-go's Reader with a GroupID: ReadMessage
// commits each message (synchronous commits, CommitInterval 0).
func kafkaGoGroup(t *testing.T, b kafkapeer.Broker, group, topic string, count int) []string {
	t.Helper()
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{b.Addr()}, GroupID: group, Topic: topic,
		StartOffset: kafkago.FirstOffset, SessionTimeout: 10 * time.Second, HeartbeatInterval: time.Second,
		MaxWait: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var values []string
	for len(values) < count {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("kafka-go ReadMessage after %d of %d records: %v", len(values), count, err)
		}
		values = append(values, string(m.Value))
	}
	if err := r.Close(); err != nil {
		t.Fatalf("kafka-go Close: %v", err)
	}
	return values
}
