package partition

import (
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/vfs"
)

// filesystems runs a test on an in-memory filesystem and on a real
// directory.
func filesystems(t *testing.T, fn func(t *testing.T, fsys vfs.FS)) {
	t.Run("mem", func(t *testing.T) { fn(t, vfs.NewMem()) })
	t.Run("os", func(t *testing.T) { fn(t, vfs.Default) })
}

// With durability, acks=0 and acks=1 are answered after the append, but
// consumers see the records only once fsynced; acks=all is answered after
// the fsync.
func TestAcksSemanticsDurable(t *testing.T) {
	filesystems(t, func(t *testing.T, fsys vfs.FS) {
		g := newGate()
		e := newEnvWith(t, fsys, g, Config{}, Options{})
		t.Cleanup(g.release)
		e.lead("t", 1, 0)
		p := tp("t", 0)

		g.close()
		r1 := e.produce(p, 1, batch(t, -1, 0, 0, 3, "a"))
		if r1.ErrorCode != 0 || r1.BaseOffset != 0 || r1.LogAppendTime != -1 || r1.LogStartOffset != 0 {
			t.Fatalf("acks=1: %+v", r1)
		}
		r0 := e.produce(p, 0, batch(t, -1, 0, 0, 2, "b"))
		if r0.ErrorCode != 0 || r0.BaseOffset != 3 {
			t.Fatalf("acks=0: %+v", r0)
		}
		all := e.produceAsync(p, -1, 30000, batch(t, -1, 0, 0, 1, "c"))
		waitFor(t, "the fsync to start", func() bool { return g.waiting.Load() > 0 })
		noAnswer(t, all)
		if vals, res := e.consume(p, 0); len(vals) != 0 || res.HighWatermark != 0 {
			t.Fatalf("consumer saw %v (HW %d) before the fsync", vals, res.HighWatermark)
		}
		if lo := e.rm.ListOffsets(-1, ReadUncommitted, ListOffsetsPartition{TopicPartition: p, Timestamp: -1, CurrentLeaderEpoch: -1}); lo.Offset != 0 {
			t.Fatalf("latest offset %d before the fsync", lo.Offset)
		}
		g.release()
		ra := recv(t, all)
		if ra.ErrorCode != 0 || ra.BaseOffset != 5 {
			t.Fatalf("acks=all: %+v", ra)
		}
		if l := e.rm.mustLog(t, p); l.RecoveryPoint() < 6 {
			t.Fatalf("acks=all answered with recovery point %d", l.RecoveryPoint())
		}
		vals, res := e.consume(p, 0)
		if want := []string{"a-0", "a-1", "a-2", "b-0", "b-1", "c-0"}; !slices.Equal(vals, want) || res.HighWatermark != 6 {
			t.Fatalf("consumed %v (HW %d), want %v", vals, res.HighWatermark, want)
		}
	})
}

func (rm *ReplicaManager) mustLog(t testing.TB, p TopicPartition) *log.Log {
	t.Helper()
	l, ok := rm.logs.GetLog(p)
	if !ok {
		t.Fatalf("no log for %s", p)
	}
	return l
}

func TestAcksAllTimesOut(t *testing.T) {
	g := newGate()
	e := newEnvWith(t, vfs.NewMem(), g, Config{}, Options{})
	t.Cleanup(g.release)
	e.lead("t", 1, 0)
	g.close()
	ch := e.produceAsync(tp("t", 0), -1, 500, batch(t, -1, 0, 0, 1, "x"))
	e.clock.advance(499)
	e.rm.Tick(e.clock.NowMs())
	noAnswer(t, ch)
	e.clock.advance(1)
	e.rm.Tick(e.clock.NowMs())
	r := recv(t, ch)
	if r.ErrorCode != kerr.RequestTimedOut.Code || r.BaseOffset != 0 {
		t.Fatalf("timed out: %+v", r)
	}
	g.release()
}

// Kafka's mode: acks=all is answered once the ISR (here the leader) has
// the batch, with no fsync at all.
func TestAcksAllAsyncFlush(t *testing.T) {
	counter := &vfs.Counter{Filter: vfs.Kinds(vfs.OpFileSync)}
	e := newEnvWith(t, vfs.NewMem(), counter, Config{AsyncFlush: true}, Options{})
	e.lead("t", 1, 0)
	before := counter.Count()
	for i := 0; i < 10; i++ {
		if r := e.produce(tp("t", 0), -1, batch(t, -1, 0, 0, 1, "x")); r.ErrorCode != 0 || r.BaseOffset != int64(i) {
			t.Fatalf("append %d: %+v", i, r)
		}
	}
	if n := counter.Count() - before; n != 0 {
		t.Fatalf("%d fsyncs in Kafka's mode", n)
	}
	if vals, _ := e.consume(tp("t", 0), 0); len(vals) != 10 {
		t.Fatalf("consumed %d records", len(vals))
	}
}

// N concurrent acks=all producers share fsyncs: while one fsync runs,
// every append that arrives waits for the next, which covers them all.
func TestGroupCommit(t *testing.T) {
	g := newGate()
	// .log fsyncs (a roll adds its indexes and a producer snapshot)
	counter := &vfs.Counter{Filter: func(op vfs.Op) bool { return op.Kind == vfs.OpFileSync && filepath.Ext(op.Path) == ".log" }}
	e := newEnvWith(t, vfs.NewMem(), vfs.Any(g, counter), Config{}, Options{})
	t.Cleanup(g.release)
	e.lead("t", 1, 0)
	p := tp("t", 0)
	g.close()
	first := e.produceAsync(p, -1, 30000, batch(t, -1, 0, 0, 1, "first"))
	waitFor(t, "the first fsync", func() bool { return g.waiting.Load() > 0 })
	before := counter.Count()
	const n = 64
	var wg sync.WaitGroup
	results := make([]AppendResult, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.produce(p, -1, batch(t, -1, 0, 0, 1, "x"))
		}()
	}
	waitFor(t, "every append", func() bool { return e.rm.mustLog(t, p).LogEndOffset() == n+1 })
	g.release()
	wg.Wait()
	if r := recv(t, first); r.ErrorCode != 0 {
		t.Fatalf("first: %+v", r)
	}
	offsets := map[int64]bool{}
	for _, r := range results {
		if r.ErrorCode != 0 || offsets[r.BaseOffset] {
			t.Fatalf("result %+v", r)
		}
		offsets[r.BaseOffset] = true
	}
	// the blocked fsync, then one flush (or, racing, two) for the 64
	// appends, each syncing the segments it covers (the appends roll once)
	if syncs := counter.Count() - before; syncs > 5 {
		t.Fatalf("%d fsyncs for %d acks=all appends", syncs, n)
	}
	t.Logf("%d appends, %d fsyncs", n+1, counter.Count()-before+1)
}

func TestProduceErrors(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{}, Options{})
	e.lead("t", 1, 0)
	p := tp("t", 0)
	if r := e.produce(p, 1, batch(t, -1, 0, 0, 2, "ok")); r.ErrorCode != 0 {
		t.Fatalf("%+v", r)
	}
	corrupt := batch(t, -1, 0, 0, 1, "c")
	corrupt[len(corrupt)-1] ^= 0xff
	big := batch(t, -1, 0, 0, 1, string(make([]byte, 2<<20)))
	zeroBase := batch(t, -1, 0, 0, 1, "z")
	zeroBase[7] = 5 // base offset 5: a client must send 0
	for _, tc := range []struct {
		name       string
		p          TopicPartition
		acks       int16
		records    []byte
		code       int16
		logStart   int64
		internalOK bool
	}{
		{"unknown partition", tp("nope", 0), 1, batch(t, -1, 0, 0, 1, "x"), kerr.UnknownTopicOrPartition.Code, -1, false},
		{"invalid acks", p, 2, batch(t, -1, 0, 0, 1, "x"), kerr.InvalidRequiredAcks.Code, -1, false},
		{"internal topic", tp("__consumer_offsets", 0), 1, batch(t, -1, 0, 0, 1, "x"), kerr.InvalidTopicException.Code, -1, false},
		{"corrupt", p, 1, corrupt, kerr.CorruptMessage.Code, -1, false},
		{"too large", p, 1, big, kerr.MessageTooLarge.Code, -1, false},
		{"invalid record", p, 1, zeroBase, kerr.InvalidRecord.Code, 0, false},
	} {
		r := e.rm.Append(AppendRequest{Acks: tc.acks, TimeoutMs: 1000, InternalTopicsAllowed: tc.internalOK,
			Partitions: []AppendPartition{{TopicPartition: tc.p, Records: tc.records}}})[0]
		if r.ErrorCode != tc.code || r.BaseOffset != -1 || r.LogStartOffset != tc.logStart {
			t.Errorf("%s: %+v, want code %d log start %d", tc.name, r, tc.code, tc.logStart)
		}
	}
	if leo := e.rm.mustLog(t, p).LogEndOffset(); leo != 2 {
		t.Fatalf("failed appends changed the log end to %d", leo)
	}
	// the partition exists in the cluster but not here
	e2 := newEnv(t, vfs.NewMem(), Config{}, Options{Metadata: fakeMetadata{parts: map[TopicPartition]bool{tp("elsewhere", 0): true}}})
	if r := e2.produce(tp("elsewhere", 0), 1, batch(t, -1, 0, 0, 1, "x")); r.ErrorCode != kerr.NotLeaderForPartition.Code {
		t.Fatalf("hosted elsewhere: %+v", r)
	}
}

type fakeMetadata struct {
	parts map[TopicPartition]bool
	dead  map[int32]bool
}

func (m fakeMetadata) HasPartition(p TopicPartition) bool { return m.parts[p] }
func (m fakeMetadata) IsBrokerAlive(id int32) bool        { return !m.dead[id] }

func TestMinInsyncReplicas(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{}, Options{MinInsyncReplicas: func(string) int { return 2 }})
	e.lead("t", 1, 0)
	if r := e.produce(tp("t", 0), -1, batch(t, -1, 0, 0, 1, "x")); r.ErrorCode != kerr.NotEnoughReplicas.Code || r.LogStartOffset != 0 {
		t.Fatalf("acks=all with ISR 1 < 2: %+v", r)
	}
	if r := e.produce(tp("t", 0), 1, batch(t, -1, 0, 0, 1, "x")); r.ErrorCode != 0 || r.BaseOffset != 0 {
		t.Fatalf("acks=1: %+v", r)
	}
}

// Record-level failures carry the record errors and message; a storage
// failure takes the partition offline.
func TestProduceValidationAndStorageErrors(t *testing.T) {
	var fail atomic.Bool
	inj := vfs.InjectorFunc(func(op vfs.Op) error {
		if fail.Load() && op.Kind == vfs.OpFileWriteAt && filepath.Ext(op.Path) == ".log" {
			return vfs.ErrInjected
		}
		return nil
	})
	e := newEnvWith(t, vfs.NewMem(), inj, Config{}, Options{LogConfig: func(topic string) (log.Config, error) {
		cfg := log.DefaultConfig()
		cfg.SegmentBytes, cfg.SegmentIndexBytes = 4096, 1024
		switch topic {
		case "compacted":
			cfg.CleanupPolicy = log.CleanupCompact
		case "recent":
			cfg.MessageTimestampBeforeMaxMs = 1000
		}
		return cfg, nil
	}})
	e.lead("compacted", 1, 0)
	e.lead("recent", 1, 0)
	e.lead("t", 1, 0)
	// a compacted topic refuses records without a key
	r := e.produce(tp("compacted", 0), 1, batch(t, -1, 0, 0, 2, "no-key"))
	if r.ErrorCode != kerr.InvalidRecord.Code || len(r.RecordErrors) != 2 || r.ErrorMessage == "" || r.LogStartOffset != 0 {
		t.Fatalf("compacted without keys: %v %+v %q", r, r.RecordErrors, r.ErrorMessage)
	}
	// records stamped t0, the clock 5 s later: beyond message.timestamp.before.max.ms
	e.clock.advance(5000)
	if r := e.produce(tp("recent", 0), 1, batch(t, -1, 0, 0, 1, "old")); r.ErrorCode != kerr.InvalidTimestamp.Code || len(r.RecordErrors) != 1 {
		t.Fatalf("old timestamp: %v %+v", r, r.RecordErrors)
	}
	// larger than segment.bytes, within max.message.bytes
	if r := e.produce(tp("t", 0), 1, batch(t, -1, 0, 0, 1, string(make([]byte, 5000)))); r.ErrorCode != kerr.RecordListTooLarge.Code || r.LogStartOffset != -1 {
		t.Fatalf("larger than a segment: %v", r)
	}
	fail.Store(true)
	if r := e.produce(tp("t", 0), 1, batch(t, -1, 0, 0, 1, "x")); r.ErrorCode != kerr.KafkaStorageError.Code {
		t.Fatalf("failed write: %v", r)
	}
	fail.Store(false)
	if r := e.produce(tp("t", 0), 1, batch(t, -1, 0, 0, 1, "x")); r.ErrorCode != kerr.KafkaStorageError.Code {
		t.Fatalf("after the failure the partition is offline: %v", r)
	}
	if r := e.rm.Fetch(FetchRequest{ReplicaID: -1, MaxBytes: 100, Partitions: []FetchPartition{consumerFetch(tp("t", 0), 0, 100)}}); r[0].ErrorCode != kerr.KafkaStorageError.Code {
		t.Fatalf("fetch from an offline partition: %d", r[0].ErrorCode)
	}
}
