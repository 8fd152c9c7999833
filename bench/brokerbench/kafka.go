package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/bench/internal/latency"
)

// kafkaDriver speaks the Kafka protocol through franz-go's kgo, the same
// client for Wharf and kfake.
type kafkaDriver struct {
	addr   string
	linger time.Duration
	admin  *kgo.Client
	adm    *kadm.Client
}

func newKafkaDriver(addr string, linger time.Duration) (*kafkaDriver, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return nil, err
	}
	return &kafkaDriver{addr: addr, linger: linger, admin: cl, adm: kadm.NewClient(cl)}, nil
}

func (d *kafkaDriver) close() { d.admin.Close() }

// kafkaReady reports whether a Kafka broker at addr answers a metadata
// request naming at least one broker.
func kafkaReady(addr string) bool {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTimeout(time.Second))
	if err != nil {
		return false
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	return err == nil && len(resp.Brokers) > 0
}

// createLog creates a topic of the given partitions (replication factor 1)
// and waits until each partition has a leader.
func (d *kafkaDriver) createLog(ctx context.Context, name string, partitions int) error {
	// A broker may answer metadata before its controller is elected:
	// retry what the protocol calls retriable. An earlier attempt may have
	// succeeded unseen, so "already exists" after a retry is success.
	for attempt := 0; ; attempt++ {
		_, err := d.adm.CreateTopic(ctx, int32(partitions), 1, nil, name)
		if err == nil || (attempt > 0 && errors.Is(err, kerr.TopicAlreadyExists)) {
			break
		}
		if !kerr.IsRetriable(err) {
			return fmt.Errorf("create topic %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create topic %s: %w (last error: %v)", name, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	for {
		md, err := d.adm.Metadata(ctx, name)
		if err == nil {
			if t, ok := md.Topics[name]; ok && t.Err == nil && len(t.Partitions) == partitions && allLed(t.Partitions) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topic %s: partitions without a leader: %w", name, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func allLed(ps kadm.PartitionDetails) bool {
	for _, p := range ps {
		if p.Leader < 0 || p.Err != nil {
			return false
		}
	}
	return true
}

func (d *kafkaDriver) deleteLog(ctx context.Context, name string, _ int) error {
	resp, err := d.adm.DeleteTopics(ctx, name)
	if err == nil {
		err = resp.Error()
	}
	return err
}

// producerOpts is the producer configuration of every Kafka run:
// uncompressed batches (kgo's default is snappy; NATS compresses nothing),
// records placed on partitions by the bench (record by record, round
// robin), acks=all with the idempotent producer (kgo's and Kafka's
// default, up to 5 requests in flight per broker) or acks=1 without it
// (and up to 5 in flight too, so the two differ only in acks).
func (d *kafkaDriver) producerOpts(topic string, durable bool, buffered int) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(d.addr), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProducerLinger(d.linger),
		kgo.MaxBufferedRecords(buffered),
	}
	if durable {
		return append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	}
	return append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(5))
}

type kafkaProducer struct {
	cl    *kgo.Client
	recs  []kgo.Record
	index map[*kgo.Record]int
	value []byte
	parts int64
	topic string
	cb    func(*kgo.Record, error)
}

// rttHook records the round trip of each produce request on the wire
// (kgo's BrokerE2E: from writing the request to having read its
// response): the server's share of a record's latency, without the time
// the record waited in the client for a request to carry it.
type rttHook struct {
	mu sync.Mutex
	d  []time.Duration
}

func (h *rttHook) OnBrokerE2E(_ kgo.BrokerMetadata, key int16, e kgo.BrokerE2E) {
	if key != int16(kmsg.Produce) || e.Err() != nil {
		return
	}
	h.mu.Lock()
	h.d = append(h.d, e.DurationE2E())
	h.mu.Unlock()
}

func (h *rttHook) summary() latency.Summary {
	h.mu.Lock()
	defer h.mu.Unlock()
	return latency.Summarize(h.d)
}

// produce runs spec against topic name. Before the clock starts, one
// record is produced synchronously to partition 0, so that connecting,
// fetching metadata and (with acks=all) getting a producer id are not
// timed; it is counted in stored.
func (d *kafkaDriver) produce(ctx context.Context, name string, spec loadSpec) (r loadResult, stored int64, err error) {
	value := payload(spec.recordBytes)
	var rtt rttHook
	r, err = runLoad(ctx, spec, func(done func(int, error)) (asyncProducer, error) {
		cl, err := kgo.NewClient(append(d.producerOpts(name, spec.durable, 2*spec.inflight+1), kgo.WithHooks(&rtt))...)
		if err != nil {
			return nil, err
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: name, Partition: 0, Value: value}).FirstErr(); err != nil {
			cl.Close()
			return nil, fmt.Errorf("first record: %w", err)
		}
		rtt.mu.Lock()
		rtt.d = rtt.d[:0]
		rtt.mu.Unlock()
		p := &kafkaProducer{cl: cl, recs: make([]kgo.Record, spec.inflight), index: make(map[*kgo.Record]int, spec.inflight),
			value: value, parts: int64(spec.partitions), topic: name}
		for i := range p.recs {
			p.index[&p.recs[i]] = i
		}
		p.cb = func(rec *kgo.Record, err error) { done(p.index[rec], err) }
		return p, nil
	})
	r.rtt = rtt.summary()
	return r, r.records + 1, err
}

func (p *kafkaProducer) send(slot int, seq int64) error {
	rec := &p.recs[slot]
	*rec = kgo.Record{Topic: p.topic, Partition: int32(seq % p.parts), Value: p.value}
	p.cl.Produce(context.Background(), rec, p.cb)
	return nil
}

func (p *kafkaProducer) close() { p.cl.Close() }

// consumeFetchMaxBytes is the consumer's fetch.max.bytes and
// max.partition.fetch.bytes: a throughput-tuned consumer asks for up to
// 16 MiB per fetch (kgo's defaults, 50 MiB and 1 MiB per partition, make
// a one-partition read a round trip per MiB).
const consumeFetchMaxBytes = 16 << 20

// consume reads every partition of name from the start, without a
// consumer group, until want records have arrived.
func (d *kafkaDriver) consume(ctx context.Context, name string, partitions int, want int64) (consumeResult, error) {
	offsets := make(map[int32]kgo.Offset, partitions)
	for p := range partitions {
		offsets[int32(p)] = kgo.NewOffset().AtStart()
	}
	start := time.Now()
	cl, err := kgo.NewClient(kgo.SeedBrokers(d.addr), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{name: offsets}),
		kgo.FetchMaxBytes(consumeFetchMaxBytes), kgo.FetchMaxPartitionBytes(consumeFetchMaxBytes))
	if err != nil {
		return consumeResult{}, err
	}
	defer cl.Close()
	var r consumeResult
	for r.records < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return r, fmt.Errorf("consumed %d of %d records: %w", r.records, want, ctx.Err())
		}
		if errs := fs.Errors(); len(errs) > 0 {
			return r, fmt.Errorf("fetch %s[%d]: %w", errs[0].Topic, errs[0].Partition, errs[0].Err)
		}
		fs.EachRecord(func(rec *kgo.Record) {
			r.records++
			r.bytes += int64(len(rec.Value))
		})
	}
	r.elapsed = time.Since(start)
	return r, nil
}

// fillIdle creates one topic of n partitions and produces one record of
// 100 B to each (acks=1), so each partition has a log with data in it.
func (d *kafkaDriver) fillIdle(ctx context.Context, n int) (cleanup func(context.Context) error, err error) {
	const topic = "brokerbench-idle"
	if err := d.createLog(ctx, topic, n); err != nil {
		return nil, err
	}
	cleanup = func(ctx context.Context) error { return d.deleteLog(ctx, topic, n) }
	cl, err := kgo.NewClient(d.producerOpts(topic, false, n+1)...)
	if err != nil {
		return cleanup, err
	}
	defer cl.Close()
	value := payload(100)
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Partition: int32(i), Value: value}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return cleanup, fmt.Errorf("produce to %d partitions: %w", n, err)
	}
	return cleanup, nil
}
