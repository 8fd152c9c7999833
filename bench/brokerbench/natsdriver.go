package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsDriver speaks to NATS JetStream through nats.go's jetstream API.
// A Kafka topic of P partitions is one stream of P subjects
// (<stream>.0 … <stream>.P-1) in file storage with one replica.
type natsDriver struct {
	url string
	nc  *nats.Conn
	js  jetstream.JetStream
}

func newNATSDriver(addr string) (*natsDriver, error) {
	url := "nats://" + addr
	nc, err := nats.Connect(url, nats.MaxReconnects(0))
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &natsDriver{url: url, nc: nc, js: js}, nil
}

func (d *natsDriver) close() { d.nc.Close() }

// natsReady reports whether a NATS server at addr has JetStream enabled
// and answering.
func natsReady(addr string) bool {
	nc, err := nats.Connect("nats://"+addr, nats.Timeout(time.Second), nats.MaxReconnects(0))
	if err != nil {
		return false
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err == nil
}

func (d *natsDriver) createLog(ctx context.Context, name string, _ int) error {
	_, err := d.js.CreateStream(ctx, jetstream.StreamConfig{
		Name: name, Subjects: []string{name + ".*"},
		Storage: jetstream.FileStorage, Replicas: 1,
		Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardOld,
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", name, err)
	}
	return nil
}

func (d *natsDriver) deleteLog(ctx context.Context, name string, _ int) error {
	return d.js.DeleteStream(ctx, name)
}

type natsProducer struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	msgs  []nats.Msg
	index map[*nats.Msg]int
	subj  []string
	value []byte
}

// produce runs spec against stream name on a connection of its own,
// publishing asynchronously. One message is published synchronously
// first, outside the clock, and counted in stored.
func (d *natsDriver) produce(ctx context.Context, name string, spec loadSpec) (r loadResult, stored int64, err error) {
	value := payload(spec.recordBytes)
	subj := make([]string, spec.partitions)
	for i := range subj {
		subj[i] = name + "." + strconv.Itoa(i)
	}
	r, err = runLoad(ctx, spec, func(done func(int, error)) (asyncProducer, error) {
		p := &natsProducer{msgs: make([]nats.Msg, spec.inflight), index: make(map[*nats.Msg]int, spec.inflight), subj: subj, value: value}
		for i := range p.msgs {
			p.index[&p.msgs[i]] = i
		}
		nc, err := nats.Connect(d.url, nats.MaxReconnects(0))
		if err != nil {
			return nil, err
		}
		js, err := jetstream.New(nc,
			jetstream.WithPublishAsyncMaxPending(2*spec.inflight+1),
			jetstream.WithPublishAsyncAckHandler(func(_ jetstream.JetStream, m *nats.Msg, _ *jetstream.PubAck) { done(p.index[m], nil) }),
			jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) { done(p.index[m], err) }))
		if err == nil {
			_, err = js.Publish(ctx, subj[0], value)
		}
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("first message: %w", err)
		}
		p.nc, p.js = nc, js
		return p, nil
	})
	return r, r.records + 1, err
}

func (p *natsProducer) send(slot int, seq int64) error {
	m := &p.msgs[slot]
	*m = nats.Msg{Subject: p.subj[seq%int64(len(p.subj))], Data: p.value}
	_, err := p.js.PublishMsgAsync(m)
	return err
}

func (p *natsProducer) close() { p.nc.Close() }

// consume reads the whole stream through an ephemeral pull consumer that
// needs no acknowledgements (AckNone: like a Kafka consumer without a
// group, it keeps its position itself), until want messages have arrived.
// The pull settings are nats.go's defaults (500 messages buffered), as
// kgo's are on the Kafka side: larger pulls (16 MiB, 10,000 messages)
// measured no faster here.
func (d *natsDriver) consume(ctx context.Context, name string, _ int, want int64) (consumeResult, error) {
	start := time.Now()
	nc, err := nats.Connect(d.url, nats.MaxReconnects(0))
	if err != nil {
		return consumeResult{}, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return consumeResult{}, err
	}
	cons, err := js.CreateConsumer(ctx, name, jetstream.ConsumerConfig{
		AckPolicy: jetstream.AckNonePolicy, DeliverPolicy: jetstream.DeliverAllPolicy, InactiveThreshold: time.Minute,
	})
	if err != nil {
		return consumeResult{}, err
	}
	it, err := cons.Messages()
	if err != nil {
		return consumeResult{}, err
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	var r consumeResult
	for r.records < want {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return r, fmt.Errorf("consumed %d of %d messages: %w", r.records, want, err)
		}
		r.records++
		r.bytes += int64(len(m.Data()))
	}
	r.elapsed = time.Since(start)
	return r, nil
}

// fillIdle creates n streams of one subject each and publishes one 100 B
// message to each: a stream is NATS's unit of storage with its own
// directory and files, as a partition is Kafka's (subjects inside one
// stream are labels on its messages and cost next to nothing).
func (d *natsDriver) fillIdle(ctx context.Context, n int) (cleanup func(context.Context) error, err error) {
	name := func(i int) string { return "brokerbench-idle-" + strconv.Itoa(i) }
	created := 0
	cleanup = func(ctx context.Context) error {
		var first error
		for i := range created {
			if err := d.deleteLog(ctx, name(i), 1); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	value := payload(100)
	for i := range n {
		if err := d.createLog(ctx, name(i), 1); err != nil {
			return cleanup, err
		}
		created++
		if _, err := d.js.Publish(ctx, name(i)+".0", value); err != nil {
			return cleanup, err
		}
	}
	return cleanup, nil
}
