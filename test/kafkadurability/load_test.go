package kafkadurability

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// load is the producers' shared state.
type load struct {
	topic     string
	producers []*producer
	acked     atomic.Int64 // acknowledged records, all producers
	stop      atomic.Bool  // producers stop sending new records
	blocked   atomic.Bool  // producers cannot connect
	fatal     atomic.Pointer[string]

	mu   sync.Mutex
	loss []string // franz-go's data loss reports
}

func (l *load) dataLoss() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.loss)
}

// sent is what a producer sent as one sequence number.
type sent struct {
	partition int32
	pad       int // value length after the prefix
}

// ack is what the acknowledgement of one record reported.
type ack struct {
	partition int32
	offset    int64
	pid       int64
	epoch     int16
}

// producer is one franz-go client producing idempotently with acks=all.
// Its records are numbered 0, 1, 2, …; record seq's value is
// value(id, seq, pad) and goes to a random partition.
type producer struct {
	id  int
	l   *load
	cl  *kgo.Client
	rng *rand.Rand

	sent []sent // by seq; run's until it returns

	mu       sync.Mutex // the promises' (franz-go's goroutines)
	acks     map[int]ack
	failed   int
	firstErr error
}

func newProducer(t *testing.T, b kafkapeer.Broker, l *load, id int, rng *rand.Rand) *producer {
	p := &producer{id: id, l: l, rng: rng, acks: map[int]ack{}}
	p.cl = kafkapeer.Kgo(t, b,
		kgo.RequiredAcks(kgo.AllISRAcks()), // idempotent: franz-go's default
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MaxBufferedRecords(maxBuffered),
		kgo.UnknownTopicRetries(-1), // a restarting broker may not know the topic yet
		kgo.RetryBackoffFn(func(int) time.Duration { return 100 * time.Millisecond }),
		kgo.MetadataMinAge(100*time.Millisecond),
		kgo.Dialer(func(ctx context.Context, network, host string) (net.Conn, error) {
			if l.blocked.Load() {
				return nil, errors.New("blocked by the test")
			}
			var d net.Dialer
			return d.DialContext(ctx, network, host)
		}),
		kgo.ProducerOnDataLossDetected(func(topic string, partition int32) {
			l.mu.Lock()
			l.loss = append(l.loss, fmt.Sprintf("producer %d: %s/%d", id, topic, partition))
			l.mu.Unlock()
		}),
	)
	return p
}

// run produces until l.stop; Produce blocks while maxBuffered records are
// in flight, as they are while the broker is down.
func (p *producer) run() {
	for seq := 0; !p.l.stop.Load(); seq++ {
		s := sent{partition: int32(p.rng.IntN(numPartitions)), pad: p.rng.IntN(257)}
		p.sent = append(p.sent, s)
		r := &kgo.Record{Topic: p.l.topic, Partition: s.partition, Value: value(p.id, seq, s.pad)}
		p.cl.Produce(context.Background(), r, func(r *kgo.Record, err error) { p.done(seq, r, err) })
	}
}

func (p *producer) done(seq int, r *kgo.Record, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.failed++
		if p.firstErr == nil {
			p.firstErr = err
		}
		return
	}
	if _, dup := p.acks[seq]; dup {
		msg := fmt.Sprintf("producer %d: record %d acknowledged twice", p.id, seq)
		p.l.fatal.Store(&msg)
	}
	p.acks[seq] = ack{partition: r.Partition, offset: r.Offset, pid: r.ProducerID, epoch: r.ProducerEpoch}
	p.l.acked.Add(1)
}

// value is record seq's value: "p<id>-s<seq>-" then pad 'x's.
func value(id, seq, pad int) []byte {
	v := fmt.Appendf(nil, "p%d-s%d-", id, seq)
	return append(v, strings.Repeat("x", pad)...)
}

// parseValue returns the producer and sequence number a value names.
func parseValue(v []byte) (id, seq int, ok bool) {
	rest, ok := strings.CutPrefix(string(v), "p")
	if !ok {
		return 0, 0, false
	}
	ids, rest, ok1 := strings.Cut(rest, "-s")
	seqs, _, ok2 := strings.Cut(rest, "-")
	var err1, err2 error
	id, err1 = strconv.Atoi(ids)
	seq, err2 = strconv.Atoi(seqs)
	return id, seq, ok1 && ok2 && err1 == nil && err2 == nil && id >= 0 && seq >= 0
}

// readAll reads every partition of topic from its log start to its high
// watermark, and checks the log starts at 0.
func readAll(t *testing.T, b kafkapeer.Broker, topic string) [][]*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	adm := kafkapeer.Kadm(t, b)
	kafkapeer.WaitLeaders(t, adm, topic, numPartitions)
	// Leaders in the metadata may still be loading their logs.
	var ends, starts kadm.ListedOffsets
	var err error
	if !testutil.WaitFor(func() bool {
		if ends, err = adm.ListEndOffsets(ctx, topic); err == nil {
			err = ends.Error()
		}
		if err == nil {
			if starts, err = adm.ListStartOffsets(ctx, topic); err == nil {
				err = starts.Error()
			}
		}
		return err == nil
	}, loadTimeout) {
		t.Fatalf("list offsets: %v", err)
	}
	hw := make([]int64, numPartitions)
	todo := map[int32]kgo.Offset{}
	for p := range int32(numPartitions) {
		e, ok1 := ends.Lookup(topic, p)
		s, ok2 := starts.Lookup(topic, p)
		if !ok1 || !ok2 {
			t.Fatalf("%s/%d: no offsets listed", topic, p)
		}
		if s.Offset != 0 {
			t.Fatalf("%s/%d: log start offset %d, want 0", topic, p, s.Offset)
		}
		if hw[p] = e.Offset; hw[p] > 0 {
			todo[p] = kgo.NewOffset().AtStart()
		}
	}
	logs := make([][]*kgo.Record, numPartitions)
	if len(todo) == 0 {
		return logs
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: todo}),
		kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for len(todo) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: partitions %v not read to their high watermarks %v in %v", topic, slices.Sorted(maps.Keys(todo)), hw, loadTimeout)
		}
		fs.EachError(func(tp string, p int32, err error) { t.Fatalf("read %s/%d: %v", tp, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset < hw[r.Partition] {
				logs[r.Partition] = append(logs[r.Partition], r)
			}
			if r.Offset >= hw[r.Partition]-1 {
				delete(todo, r.Partition)
			}
		})
	}
	return logs
}

// verified is what verify counted.
type verified struct {
	records  int // in the log
	produced int // records the producers handed to franz-go
	acked    int
	failed   int
	extra    int // in the log though not acknowledged
	sessions []int
}

// verify checks the logs against the acknowledgements (see the package
// doc) and fails the test listing what differs.
func verify(t *testing.T, l *load, logs [][]*kgo.Record) verified {
	t.Helper()
	type key struct{ id, seq int }
	type pos struct {
		partition int32
		offset    int64
		r         *kgo.Record
	}
	var v verified
	var errs []string
	fail := func(format string, args ...any) {
		if len(errs) < 30 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	seen := map[key]pos{}
	for p, recs := range logs {
		last := map[int]int{} // producer -> last seq in this partition
		for i, r := range recs {
			v.records++
			where := fmt.Sprintf("%d/%d", p, r.Offset)
			if r.Offset != int64(i) {
				fail("%s: record %d of the partition has offset %d: offsets not dense", where, i, r.Offset)
			}
			id, seq, ok := parseValue(r.Value)
			if !ok || id >= len(l.producers) || seq >= len(l.producers[id].sent) {
				fail("%s: %.40q: invented (no producer sent it)", where, r.Value)
				continue
			}
			s := l.producers[id].sent[seq]
			if want := value(id, seq, s.pad); string(r.Value) != string(want) || int32(p) != s.partition {
				fail("%s: %.40q: sent to partition %d as %.40q", where, r.Value, s.partition, want)
			}
			k := key{id, seq}
			if prev, dup := seen[k]; dup {
				fail("%s: producer %d record %d duplicated (also at %d/%d)", where, id, seq, prev.partition, prev.offset)
				continue
			}
			seen[k] = pos{int32(p), r.Offset, r}
			if prev, ok := last[id]; ok && seq <= prev {
				fail("%s: producer %d record %d after its record %d: out of order", where, id, seq, prev)
			}
			last[id] = seq
		}
	}
	for _, pr := range l.producers {
		pr.mu.Lock()
		v.produced += len(pr.sent)
		v.failed += pr.failed
		if pr.failed > 0 {
			t.Logf("producer %d: %d records failed (may or may not be in the log), first: %v", pr.id, pr.failed, pr.firstErr)
		}
		sessions := map[[2]int64]bool{}
		for seq, a := range pr.acks {
			v.acked++
			sessions[[2]int64{a.pid, int64(a.epoch)}] = true
			got, ok := seen[key{pr.id, seq}]
			switch {
			case !ok:
				fail("producer %d record %d acknowledged at %d/%d: lost", pr.id, seq, a.partition, a.offset)
			case got.partition != a.partition || got.offset != a.offset:
				fail("producer %d record %d acknowledged at %d/%d: found at %d/%d", pr.id, seq, a.partition, a.offset, got.partition, got.offset)
			case got.r.ProducerID != a.pid || got.r.ProducerEpoch != a.epoch:
				fail("producer %d record %d acknowledged as producer id %d epoch %d: stored as %d epoch %d", pr.id, seq, a.pid, a.epoch, got.r.ProducerID, got.r.ProducerEpoch)
			}
		}
		// The broker recognises the producer's retries after a crash, so
		// franz-go never has to start a new producer session unless
		// records failed.
		if len(sessions) > 1 && pr.failed == 0 {
			fail("producer %d: acknowledged under %d producer ids/epochs %v though no record failed: the broker lost its producer state", pr.id, len(sessions), slices.Collect(maps.Keys(sessions)))
		}
		v.sessions = append(v.sessions, len(sessions))
		if done := len(pr.acks) + pr.failed; done != len(pr.sent) {
			fail("producer %d: %d records sent, %d acknowledged, %d failed: promises missing after Flush", pr.id, len(pr.sent), len(pr.acks), pr.failed)
		}
		pr.mu.Unlock()
	}
	v.extra = len(seen) - v.acked
	if v.acked == 0 {
		fail("no record acknowledged")
	}
	if len(errs) > 0 {
		t.Fatalf("%d records read, %d acknowledged; the log differs from the acknowledgements:\n  %s", v.records, v.acked, strings.Join(errs, "\n  "))
	}
	return v
}

// sameLogs fails the test unless two reads of the topic, before and after
// what, are the same:
// offsets, values, timestamps, producer ids and epochs.
func sameLogs(t *testing.T, what string, before, after [][]*kgo.Record) {
	t.Helper()
	for p := range before {
		if len(before[p]) != len(after[p]) {
			t.Fatalf("partition %d: %d records before %s, %d after", p, len(before[p]), what, len(after[p]))
		}
		for i, a := range before[p] {
			b := after[p][i]
			if a.Offset != b.Offset || string(a.Value) != string(b.Value) || !a.Timestamp.Equal(b.Timestamp) ||
				a.ProducerID != b.ProducerID || a.ProducerEpoch != b.ProducerEpoch || a.LeaderEpoch != b.LeaderEpoch {
				t.Fatalf("partition %d offset %d: %.30q (pid %d/%d, leader epoch %d, %v) before %s, %.30q (pid %d/%d, leader epoch %d, %v) after",
					p, a.Offset, a.Value, a.ProducerID, a.ProducerEpoch, a.LeaderEpoch, a.Timestamp, what,
					b.Value, b.ProducerID, b.ProducerEpoch, b.LeaderEpoch, b.Timestamp)
			}
		}
	}
}
