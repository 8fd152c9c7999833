package kafkainterop

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

func TestFranzGo(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		t.Run("idempotent_produce", func(t *testing.T) { testFranzProduce(t, b) })
		t.Run("admin", func(t *testing.T) { testFranzAdmin(t, b) })
		t.Run("consume_partitions", func(t *testing.T) { testFranzConsume(t, b) })
	})
}

// testFranzProduce: ProduceSync with idempotence on (franz-go's default)
// over three partitions, in two rounds; each partition holds its records in
// order, at consecutive offsets, from one producer id and epoch.
func testFranzProduce(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 3, nil)
	cl := kafkapeer.Kgo(t, b, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.RequiredAcks(kgo.AllISRAcks()))
	ms := sample("franz", 30)
	for i := range ms {
		ms[i].Partition = int32(i % 3)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var produced []*kgo.Record
	for _, round := range [][]msg{ms[:15], ms[15:]} {
		rs := toRecords(topic, round)
		if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
			t.Fatalf("ProduceSync: %v", err)
		}
		produced = append(produced, rs...)
	}
	pid, epoch := produced[0].ProducerID, produced[0].ProducerEpoch
	if pid < 0 || epoch < 0 {
		t.Fatalf("producer id %d epoch %d: not idempotent", pid, epoch)
	}
	for p := int32(0); p < 3; p++ {
		want := pick(fromRecords(produced), p)
		for i := range want {
			if want[i].Offset != int64(i) {
				t.Fatalf("partition %d: record %d was given offset %d", p, i, want[i].Offset)
			}
		}
		recs := consume(t, b, topic, p, 0, len(want))
		for _, r := range recs {
			if r.ProducerID != pid || r.ProducerEpoch != epoch {
				t.Fatalf("partition %d offset %d: producer %d/%d, want %d/%d", p, r.Offset, r.ProducerID, r.ProducerEpoch, pid, epoch)
			}
		}
		sameMsgs(t, "franz-go idempotent records", fromRecords(recs), want)
	}
}

// testFranzAdmin: kadm creates a topic with configs, describes them (value
// and source), alters them incrementally, lists start, end and by-time
// offsets, deletes records below an offset, and deletes the topic.
func testFranzAdmin(t *testing.T, b kafkapeer.Broker) {
	adm := kafkapeer.Kadm(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 2*opTimeout)
	defer cancel()
	topic := topicName(t)
	ms := "604800000"
	resp, err := adm.CreateTopic(ctx, 2, 1, map[string]*string{"retention.ms": &ms}, topic)
	if err != nil || resp.Err != nil || resp.NumPartitions != 2 {
		t.Fatalf("CreateTopic: %+v, %v", resp, err)
	}
	kafkapeer.WaitLeaders(t, adm, topic, 2)

	config := func(key string) kadm.Config {
		t.Helper()
		rc, err := adm.DescribeTopicConfigs(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		c, err := rc.On(topic, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range c.Configs {
			if e.Key == key {
				return e
			}
		}
		t.Fatalf("%s has no config %s", topic, key)
		return kadm.Config{}
	}
	if c := config("retention.ms"); deref(c.Value) != ms || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Fatalf("retention.ms = %s from %v, want %s from DYNAMIC_TOPIC_CONFIG", deref(c.Value), c.Source, ms)
	}
	if c := config("cleanup.policy"); deref(c.Value) != "delete" || c.Source == kmsg.ConfigSourceDynamicTopicConfig {
		t.Fatalf("cleanup.policy = %s from %v, want the default delete", deref(c.Value), c.Source)
	}
	compact := "compact,delete"
	alter := []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "cleanup.policy", Value: &compact}}
	if ar, err := adm.AlterTopicConfigs(ctx, alter, topic); err != nil {
		t.Fatal(err)
	} else if r, err := ar.On(topic, nil); err != nil || r.Err != nil {
		t.Fatalf("AlterTopicConfigs: %+v, %v", r, err)
	}
	if c := config("cleanup.policy"); deref(c.Value) != compact || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Fatalf("after the incremental alter cleanup.policy = %s from %v, want %s", deref(c.Value), c.Source, compact)
	}
	if c := config("retention.ms"); deref(c.Value) != ms { // incremental: the others stay
		t.Fatalf("after altering cleanup.policy, retention.ms = %s, want %s", deref(c.Value), ms)
	}

	all := produce(t, b, topic, sample("admin", 10))
	offset := func(lo kadm.ListedOffsets, err error) int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		o, ok := lo.Lookup(topic, 0)
		if !ok || o.Err != nil {
			t.Fatalf("no listed offset for %s/0: %+v", topic, o)
		}
		return o.Offset
	}
	if s, e := offset(adm.ListStartOffsets(ctx, topic)), offset(adm.ListEndOffsets(ctx, topic)); s != 0 || e != 10 {
		t.Fatalf("start, end offsets %d, %d; want 0, 10", s, e)
	}
	if o := offset(adm.ListOffsetsAfterMilli(ctx, all[7].Timestamp-1, topic)); o != 7 {
		t.Fatalf("offset after %d = %d, want 7", all[7].Timestamp-1, o)
	}

	var del kadm.Offsets
	del.AddOffset(topic, 0, 4, -1)
	dr, err := adm.DeleteRecords(ctx, del)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := dr.Lookup(topic, 0); !ok || r.Err != nil || r.LowWatermark != 4 {
		t.Fatalf("DeleteRecords below 4: %+v", r)
	}
	if s := offset(adm.ListStartOffsets(ctx, topic)); s != 4 {
		t.Fatalf("start offset after DeleteRecords = %d, want 4", s)
	}
	cl := kafkapeer.Kgo(t, b, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	fs := cl.PollFetches(ctx)
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	if rs := fs.Records(); len(rs) == 0 || rs[0].Offset != 4 {
		t.Fatalf("consuming from the start after DeleteRecords begins at %v, want offset 4", fromRecords(rs))
	}

	dt, err := adm.DeleteTopics(ctx, topic)
	if err == nil {
		err = dt.Error()
	}
	if err != nil {
		t.Fatalf("DeleteTopics: %v", err)
	}
	waitTopicGone(t, b, topic)
}

// testFranzConsume: a direct partition consumer (no group) over two
// partitions from exact offsets; then, at the end of the log, a record
// produced later arrives without waiting out the fetch's 5s max wait (the
// consumer's next fetch is already waiting at the broker when the record
// comes; if not yet, it is answered at once).
//
// Both start offsets are exact so that the first fetch asks for both
// partitions: with AtStart() franz-go first lists the start offset, and a
// fetch already waiting 5s on the other partition delays the second.
func testFranzConsume(t *testing.T, b kafkapeer.Broker) {
	topic := createTopic(t, b, topicName(t), 2, nil)
	ms := sample("direct", 10)
	for i := range ms {
		ms[i].Partition = int32(i % 2)
	}
	all := produce(t, b, topic, ms)
	cl := kafkapeer.Kgo(t, b, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		topic: {0: kgo.NewOffset().At(2), 1: kgo.NewOffset().At(0)},
	}), kgo.FetchMaxWait(5*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	got := map[int32][]msg{}
	poll := func(n int) {
		t.Helper()
		for total := 0; total < n; {
			fs := cl.PollFetches(ctx)
			if err := fs.Err(); err != nil {
				t.Fatalf("poll: %v (have %d of %d)", err, total, n)
			}
			for _, r := range fs.Records() {
				got[r.Partition] = append(got[r.Partition], fromRecords([]*kgo.Record{r})[0])
				total++
			}
		}
	}
	poll(3 + 5)
	sameMsgs(t, "partition 0 from offset 2", got[0], pick(all, 0)[2:])
	sameMsgs(t, "partition 1 from offset 0", got[1], pick(all, 1))

	late := sample("late", 1)
	late[0].Partition = 1
	start := time.Now()
	produce(t, b, topic, late)
	poll(1)
	if g := got[1][len(got[1])-1]; g.Offset != 5 || g.Key != late[0].Key {
		t.Fatalf("record produced while the fetch waited: %v, want %s at offset 5", g, late[0].Key)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("a record produced to a waiting fetch arrived after %v: the fetch waited out its max wait", d)
	}
}
