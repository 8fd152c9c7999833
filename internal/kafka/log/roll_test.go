package log

import (
	"errors"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

func segmentBases(l *Log) []int64 {
	var out []int64
	for _, s := range l.Segments() {
		out = append(out, s.BaseOffset())
	}
	return out
}

func TestRollBySegmentBytes(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1000
	e := newEnv(t, vfs.NewMem(), cfg)
	b := simpleBatch(t, 1, 200, 1000) // 61 + record
	size := int64(len(b))
	perSegment := (1000 - size) / size // appended while size <= 1000 - size
	for range 10 {
		e.mustAppend(b)
	}
	segs := e.log.Segments()
	if len(segs) < 3 {
		t.Fatalf("%d segments", len(segs))
	}
	for _, s := range segs[:len(segs)-1] {
		if s.Size() > 1000 || s.Size() != (perSegment+1)*size {
			t.Fatalf("segment %d holds %d bytes (batch %d)", s.BaseOffset(), s.Size(), size)
		}
	}
	// An append larger than a segment can never fit.
	big := simpleBatch(t, 1, 1000, 1)
	cfg2 := cfg
	cfg2.MaxMessageBytes = 1 << 20
	if err := e.log.UpdateConfig(cfg2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.log.AppendAsLeader(big, 0, OriginClient); !errors.Is(err, ErrRecordBatchTooLarge) {
		t.Fatalf("oversized append: %v", err)
	}
	checkLog(t, e.log)
}

func TestRollBySegmentMsWithJitter(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentMs = 1000
	cfg.SegmentJitterMs = 400
	e := newEnv(t, vfs.NewMem(), cfg) // jitter draws n/2: 200 ms
	if j := e.log.ActiveSegment().rollJitter; j != 200 {
		t.Fatalf("jitter %d", j)
	}
	e.mustAppend(simpleBatch(t, 1, 10, 10_000))
	// The segment's age is the new batch's timestamp minus the first's.
	e.mustAppend(simpleBatch(t, 1, 10, 10_000+800)) // 800 > 1000-200? no
	if e.log.NumSegments() != 1 {
		t.Fatalf("rolled at 800 ms")
	}
	e.mustAppend(simpleBatch(t, 1, 10, 10_000+801)) // 801 > 800: roll
	if got := segmentBases(e.log); !slices.Equal(got, []int64{0, 2}) {
		t.Fatalf("segments %v", got)
	}
	// Batches without timestamps age by the clock from the segment's creation.
	e.mustAppend(mkBatch(t, batchSpec{records: 1, valueSize: 10, ts: record.NoTimestamp}, 1))
	e.clock.Add(800)
	e.mustAppend(mkBatch(t, batchSpec{records: 1, valueSize: 10, ts: record.NoTimestamp}, 2))
	if e.log.NumSegments() != 2 {
		t.Fatal("rolled by the clock too early")
	}
	// The first batch of segment 2 had a timestamp; roll a fresh one to
	// get a segment whose first batch has none.
	if err := e.log.Roll(); err != nil {
		t.Fatal(err)
	}
	e.mustAppend(mkBatch(t, batchSpec{records: 1, valueSize: 10, ts: record.NoTimestamp}, 3))
	e.clock.Add(801)
	e.mustAppend(mkBatch(t, batchSpec{records: 1, valueSize: 10, ts: record.NoTimestamp}, 4))
	if got := segmentBases(e.log); !slices.Equal(got, []int64{0, 2, 5, 6}) {
		t.Fatalf("segments %v", got)
	}
	// An empty segment never rolls by time.
	e.clock.Add(10_000)
	if err := e.log.Roll(); err != nil {
		t.Fatal(err)
	}
	e.mustAppend(simpleBatch(t, 1, 10, 10_000))
	if got := segmentBases(e.log); !slices.Equal(got, []int64{0, 2, 5, 6, 7}) {
		t.Fatalf("segments %v", got)
	}
	// compaction: max.compaction.lag.ms caps segment.ms.
	cfg.CleanupPolicy = CleanupCompact
	cfg.MaxCompactionLagMs = 100
	if err := e.log.UpdateConfig(cfg); err != nil {
		t.Fatal(err)
	}
	e.mustAppend(mkBatch(t, batchSpec{records: 1, valueSize: 10, ts: 10_101, key: true}, 1))
	if e.log.NumSegments() != 6 {
		t.Fatalf("max.compaction.lag.ms did not roll: %v", segmentBases(e.log))
	}
	checkLog(t, e.log)
}

func TestRollWhenAnIndexIsFull(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentIndexBytes = 36 // 4 offset entries, 3 time entries (one kept for the roll)
	cfg.IndexIntervalBytes = 0 // an entry for every batch after the first
	e := newEnv(t, vfs.NewMem(), cfg)
	for i := range 12 {
		e.mustAppend(simpleBatch(t, 1, 10, int64(1000+i)))
	}
	segs := e.log.Segments()
	if len(segs) < 3 {
		t.Fatalf("%d segments: the index never filled", len(segs))
	}
	for _, s := range segs[:len(segs)-1] {
		if n := s.ti.entries(); n > 3 {
			t.Fatalf("segment %d: %d time index entries", s.BaseOffset(), n)
		}
		if s.oi.entries() == 0 {
			t.Fatalf("segment %d has no offset index entry", s.BaseOffset())
		}
	}
	checkLog(t, e.log)
}

func TestRollOnRelativeOffsetOverflow(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), testConfig())
	at := func(base int64) []byte {
		b := simpleBatch(t, 1, 10, 100)
		record.Batch(b).SetBaseOffset(base)
		return b
	}
	if _, err := e.log.AppendAsFollower(at(5)); err != nil {
		t.Fatal(err)
	}
	far := int64(5 + 1<<31 + 10)
	if _, err := e.log.AppendAsFollower(at(far)); err != nil {
		t.Fatal(err)
	}
	if got := segmentBases(e.log); !slices.Equal(got, []int64{0, far}) {
		t.Fatalf("segments %v", got)
	}
	checkLog(t, e.log)
}

func TestRollFinishesTheOldSegment(t *testing.T) {
	fsys := vfs.NewMem()
	e := newEnv(t, fsys, smallConfig())
	buildLog(t, e, 6, 2, 100, 5000)
	old := e.log.ActiveSegment()
	maxTs := old.MaxTimestampSoFar()
	if err := e.log.Roll(); err != nil {
		t.Fatal(err)
	}
	// The final time index entry holds the max timestamp; both indexes
	// are trimmed to their entries.
	ti := DecodeTimeIndex(readFile(t, fsys, old.TimeIndexPath()), 0)
	if len(ti) == 0 || ti[len(ti)-1] != maxTs {
		t.Fatalf("time index %v, max %v", ti, maxTs)
	}
	if n := int64(len(readFile(t, fsys, old.IndexPath()))); n != old.oi.sizeInBytes() || n == 0 {
		t.Fatalf("index file %d bytes, %d entries", n, old.oi.entries())
	}
	// A flush of the old segment was scheduled.
	if e.sched.Pending("flush-log") != 1 {
		t.Fatalf("%d flush tasks", e.sched.Pending("flush-log"))
	}
	e.sched.RunDue()
	if rp := e.log.RecoveryPoint(); rp != 12 {
		t.Fatalf("recovery point %d after the roll flush", rp)
	}
	// Rolling an empty active segment at the same offset replaces it.
	if err := e.log.Roll(); err != nil {
		t.Fatal(err)
	}
	if got := segmentBases(e.log); !slices.Equal(got, []int64{0, 12}) {
		t.Fatalf("segments %v", got)
	}
	checkLog(t, e.log)
}
