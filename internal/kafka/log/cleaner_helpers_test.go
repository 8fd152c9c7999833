package log

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// What the cleaner tests build on: keyed batches, the records a log holds,
// and a cleaner over a test log whose offset map can be made tiny (as
// LogCleanerTest's makeCleaner(capacity) with load factor 0.75).

// kv is one record of a test batch; a nil value is a tombstone.
type kv struct {
	key   []byte
	value []byte
}

func kvs(key, value int) kv {
	return kv{[]byte(strconv.Itoa(key)), []byte(strconv.Itoa(value))}
}

func tomb(key int) kv { return kv{key: []byte(strconv.Itoa(key))} }

// batchOpts are the batch-level settings of keyedBatch.
type batchOpts struct {
	codec         record.Compression
	ts            int64 // first record's timestamp; 0 means 1000
	producerID    int64 // 0: none
	epoch         int16
	sequence      int32
	transactional bool
	logAppendTime int64 // > 0: a LogAppendTime batch with this max timestamp
}

// keyedBatch builds a batch of records at offsets 0.. with timestamps
// ts, ts+1, ...
func keyedBatch(t testing.TB, o batchOpts, recs ...kv) []byte {
	t.Helper()
	bl := record.NewBuilder(0, o.codec)
	if o.producerID > 0 {
		bl.SetProducer(o.producerID, o.epoch, o.sequence).SetTransactional(o.transactional)
	}
	if o.logAppendTime > 0 {
		bl.SetLogAppendTime(o.logAppendTime)
	}
	ts := o.ts
	if ts == 0 {
		ts = 1000
	}
	for i, r := range recs {
		if err := bl.Append(ts+int64(i), r.key, r.value); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// markerBatch is a transaction marker of a producer.
func markerBatch(t testing.TB, producerID int64, epoch int16, commit bool, ts int64) []byte {
	t.Helper()
	bl := record.NewBuilder(0, record.CompressionNone).SetProducer(producerID, epoch, record.NoSequence).
		SetTransactional(true).SetControl(true)
	if err := bl.AppendEndTxnMarker(ts, commit, 0); err != nil {
		t.Fatal(err)
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// appendKV appends one record as leader, with timestamp 1000 + its
// offset, and returns its offset.
func (e *env) appendKV(key, value int) int64 {
	e.t.Helper()
	ts := 1000 + e.log.LogEndOffset()
	return e.mustAppend(keyedBatch(e.t, batchOpts{ts: ts}, kvs(key, value))).FirstOffset
}

// checkCompacted checks that after is a compaction of before: every record
// of after is the record before held at its offset, and every key keeps
// its last record (unless it is a tombstone and mayDrop says it may go).
func checkCompacted(t testing.TB, before, after []rec, mayDrop func(r rec) bool) {
	t.Helper()
	at := map[int64]rec{}
	last := map[string]rec{}
	for _, r := range before {
		at[r.offset] = r
		last[r.key] = r
	}
	newest := map[string]int64{}
	for _, r := range after {
		b, ok := at[r.offset]
		if !ok || !recEqual(b, r) {
			t.Fatalf("record at %d was not there before: %+v", r.offset, r)
		}
		newest[r.key] = max(newest[r.key], r.offset+1)
	}
	for k, r := range last {
		if newest[k] == r.offset+1 {
			continue
		}
		if newest[k] != 0 || !r.tombstone() || mayDrop == nil || !mayDrop(r) {
			t.Fatalf("key %q lost its last record at %d (newest kept: %d)", k, r.offset, newest[k]-1)
		}
	}
}

// rec is a record as the log holds it.
type rec struct {
	offset int64
	key    string
	value  []byte // nil: tombstone
	ts     int64
}

func (r rec) tombstone() bool { return r.value == nil }

// batchRecords decodes the records of batches.
func batchRecords(t testing.TB, batches []record.Batch) []rec {
	t.Helper()
	var out []rec
	for _, b := range batches {
		data, err := b.RecordData(nil, 0)
		if err != nil {
			t.Fatalf("batch at %d: %v", b.BaseOffset(), err)
		}
		it := b.Iter(data)
		var r record.Record
		for it.Next(&r) {
			out = append(out, rec{offset: r.Offset, key: string(r.Key), value: slices.Clone(r.Value), ts: r.Timestamp})
		}
		if it.Err() != nil {
			t.Fatalf("batch at %d: %v", b.BaseOffset(), it.Err())
		}
	}
	return out
}

// logRecords checks the log and returns its records, data batches only.
func logRecords(t testing.TB, l *Log) []rec {
	t.Helper()
	var data []record.Batch
	for _, b := range checkLog(t, l) {
		if !b.IsControl() {
			data = append(data, b)
		}
	}
	return batchRecords(t, data)
}

// keysInLog lists the keys of the records with a value (LogTestUtils.keysInLog).
func keysInLog(t testing.TB, l *Log) []string {
	var out []string
	for _, r := range logRecords(t, l) {
		if !r.tombstone() {
			out = append(out, r.key)
		}
	}
	return out
}

// offsetsInLog lists the offsets of the records with a key and a value.
func offsetsInLog(t testing.TB, l *Log) []int64 {
	var out []int64
	for _, r := range logRecords(t, l) {
		if !r.tombstone() && r.key != "" {
			out = append(out, r.offset)
		}
	}
	return out
}

// lastOffsetsPerBatch lists the batches' last offsets.
func lastOffsetsPerBatch(t testing.TB, l *Log) []int64 {
	var out []int64
	for _, b := range checkLog(t, l) {
		out = append(out, b.LastOffset())
	}
	return out
}

// lastSequences maps each producer to its last batch's last sequence.
func lastSequences(t testing.TB, l *Log) map[int64]int32 {
	out := map[int64]int32{}
	for _, b := range checkLog(t, l) {
		if !b.IsControl() && b.HasProducerID() {
			out[b.ProducerID()] = b.LastSequence()
		}
	}
	return out
}

// compactConfig is a compacted topic with 1 KiB segments.
func compactConfig() Config {
	c := testConfig()
	c.SegmentBytes = 1024
	c.SegmentIndexBytes = 1024
	c.CleanupPolicy = CleanupCompact
	c.FileDeleteDelayMs = 0
	return c
}

func newCompactEnv(t testing.TB, cfg Config) *env {
	return newEnv(t, vfs.NewMem(), cfg)
}

// testCleanerConfig is Kafka's defaults with a small dedupe buffer.
func testCleanerConfig() CleanerConfig {
	c := DefaultCleanerConfig()
	c.DedupeBufferSize = 1 << 20
	c.IOBufferSize = 64 << 10
	c.BackoffMs = 10
	return c
}

// newTestCleaner returns a cleaner of e's log with the env's clock.
func newTestCleaner(t testing.TB, e *env, cfg CleanerConfig) (*Cleaner, *MemCleanerHost) {
	t.Helper()
	host := NewMemCleanerHost(e.log)
	c, err := NewCleaner(cfg, host, CleanerOptions{Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c, host
}

// worker returns a cleaner thread whose offset map holds slots keys at
// load factor 0.75 (Kafka's makeCleaner(capacity)).
func testWorker(t testing.TB, e *env, slots int) *cleanerWorker {
	t.Helper()
	cfg := testCleanerConfig()
	cfg.DedupeBufferLoadFactor = 0.75
	w := newCleanerWorker(0, cfg, newThrottler(cfg.IOMaxBytesPerSecond), e.clock, e.log.logger)
	w.offsets = newOffsetMap(slots)
	return w
}

// cleanRange cleans e's log as Cleaner.clean(LogToClean(tp, log,
// firstDirty, uncleanable)) does, at the env's time.
func (w *cleanerWorker) cleanRange(t testing.TB, l *Log, firstDirty, uncleanable int64) (int64, CleanerStats) {
	t.Helper()
	end, stats, err := w.clean(context.Background(), newLogToClean(l.TopicPartition(), l, firstDirty, uncleanable, false), w.clock.NowMs())
	if err != nil {
		t.Fatalf("clean [%d, %d): %v", firstDirty, uncleanable, err)
	}
	return end, stats
}

// activeBase is the active segment's base offset.
func activeBase(l *Log) int64 { return l.ActiveSegment().BaseOffset() }

// rollUntil appends key i%keys, value i, until the log has n segments,
// and flushes it (the cleaner stays below the recovery point).
func (e *env) rollUntil(n, keys int) {
	e.t.Helper()
	for e.log.NumSegments() < n {
		o := e.log.LogEndOffset()
		e.appendKV(int(o)%keys, int(o))
	}
	e.flush()
}

func (e *env) flush() {
	e.t.Helper()
	if err := e.log.Flush(e.log.LogEndOffset()); err != nil {
		e.t.Fatal(err)
	}
}
