package log

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// TestModelRandomOperations drives a log with random appends (leader and
// follower), reads, rolls, truncations, retention, flushes, timestamp
// lookups and clean or unclean reopens, and compares it after every step
// with a plain slice of batches.
func TestModelRandomOperations(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4}
	steps := 1500
	if testing.Short() {
		seeds, steps = seeds[:1], 400
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runModel(t, seed, steps) })
	}
}

type modelRun struct {
	t       *testing.T
	rng     *rand.Rand
	e       *env
	batches []record.Batch // every batch the log's files hold, oldest first
	end     int64          // the log end offset
	ts      int64
	seed    int
}

func runModel(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	cfg := smallConfig()
	cfg.SegmentBytes = int32(2000 + rng.IntN(6000))
	cfg.IndexIntervalBytes = int32(rng.IntN(700))
	cfg.SegmentIndexBytes = int32(120 + rng.IntN(400))
	cfg.RetentionMs = -1
	cfg.FileDeleteDelayMs = 0
	m := &modelRun{t: t, rng: rng, e: openOn(t, vfs.NewMem(), cfg, Options{}), ts: 1000}
	defer func() { _ = m.e.log.Close() }()
	for i := range steps {
		op := m.step()
		got := checkLog(t, m.e.log)
		if len(got) != len(m.batches) {
			t.Fatalf("step %d (%s): log holds %d batches, model %d", i, op, len(got), len(m.batches))
		}
		for j := range got {
			if !bytes.Equal(got[j], m.batches[j]) {
				t.Fatalf("step %d (%s): batch %d differs (log [%d, %d], model [%d, %d])", i, op, j,
					got[j].BaseOffset(), got[j].LastOffset(), m.batches[j].BaseOffset(), m.batches[j].LastOffset())
			}
		}
		if want := m.leo(); m.e.log.LogEndOffset() != want {
			t.Fatalf("step %d (%s): log end %d, model %d", i, op, m.e.log.LogEndOffset(), want)
		}
	}
}

func (m *modelRun) leo() int64 { return m.end }

// reopened takes the log end offset a reload computes: after the last
// batch, or the last segment's base when it is empty (a truncation inside a
// batch leaves the end above the data, as in Kafka, until a reload).
func (m *modelRun) reopened(before, logStart int64) {
	end := m.e.log.LogEndOffset()
	lastNext := m.e.log.LogStartOffset()
	if len(m.batches) > 0 {
		lastNext = m.batches[len(m.batches)-1].NextOffset()
		if lastNext < logStart {
			// The data ends below the log start offset: the loader
			// empties the log and restarts it at the log start.
			m.batches, lastNext = nil, logStart
		}
	}
	if end > before || end < lastNext {
		m.t.Fatalf("reopened log ends at %d (was %d, data ends at %d)", end, before, lastNext)
	}
	m.end = end
}

func (m *modelRun) step() string {
	l := m.e.log
	switch r := m.rng.IntN(100); {
	case r < 40:
		return m.appendLeader()
	case r < 48:
		return m.appendFollower()
	case r < 70:
		m.read()
		return "read"
	case r < 75:
		m.timestamps()
		return "timestamps"
	case r < 78:
		if err := l.Roll(); err != nil {
			m.t.Fatal(err)
		}
		return "roll"
	case r < 83:
		target := l.LogStartOffset() + m.rng.Int64N(m.leo()-l.LogStartOffset()+3)
		if _, err := l.TruncateTo(target); err != nil {
			m.t.Fatal(err)
		}
		if target < m.end {
			m.end = target
		}
		if first := l.Segments()[0].BaseOffset(); target < first {
			m.batches = nil
		} else if i := slices.IndexFunc(m.batches, func(b record.Batch) bool { return b.LastOffset() >= target }); i >= 0 {
			m.batches = m.batches[:i]
		}
		return fmt.Sprintf("truncate(%d)", target)
	case r < 87:
		leo := m.leo()
		start := l.LogStartOffset() + m.rng.Int64N(leo-l.LogStartOffset()+1)
		if _, err := l.IncrementLogStartOffset(start, leo); err != nil {
			m.t.Fatal(err)
		}
		if _, err := l.DeleteOldSegments(m.e.clock.NowMs(), leo); err != nil {
			m.t.Fatal(err)
		}
		m.e.sched.RunDue()
		first := l.Segments()[0].BaseOffset()
		m.batches = slices.DeleteFunc(m.batches, func(b record.Batch) bool { return b.LastOffset() < first })
		return fmt.Sprintf("retention(%d)", start)
	case r < 93:
		if err := l.Flush(l.LogEndOffset()); err != nil {
			m.t.Fatal(err)
		}
		m.e.sched.RunDue()
		return "flush"
	case r < 96:
		m.e.sched.RunDue()
		ls := l.LogStartOffset()
		m.e.reopen()
		m.reopened(m.end, ls)
		return "reopen"
	default:
		// A crash of the process (no power loss: the page cache keeps
		// every write) and an unclean reopen.
		rp, ls := l.RecoveryPoint(), l.LogStartOffset()
		l.closeForTest()
		m.e.sched.Drop()
		m.e.open(Options{RecoveryPoint: rp, LogStartOffset: ls})
		m.reopened(m.end, ls)
		return "crash"
	}
}

func (m *modelRun) nextTs() int64 {
	m.ts += m.rng.Int64N(20)
	if m.rng.IntN(10) == 0 {
		return m.ts - m.rng.Int64N(300) // out of order
	}
	return m.ts
}

func (m *modelRun) appendLeader() string {
	spec := batchSpec{records: 1 + m.rng.IntN(5), valueSize: m.rng.IntN(500), ts: m.nextTs()}
	m.seed++
	b := mkBatch(m.t, spec, m.seed)
	info, err := m.e.log.AppendAsLeader(b, int32(m.seed/50), OriginClient)
	if err != nil {
		m.t.Fatal(err)
	}
	if info.FirstOffset != record.Batch(b).BaseOffset() {
		m.t.Fatalf("append info %+v for batch at %d", info, record.Batch(b).BaseOffset())
	}
	m.batches = append(m.batches, record.Batch(b))
	m.end = info.LastOffset + 1
	return "append"
}

func (m *modelRun) appendFollower() string {
	spec := batchSpec{records: 1 + m.rng.IntN(3), valueSize: m.rng.IntN(300), ts: m.nextTs()}
	m.seed++
	b := mkBatch(m.t, spec, m.seed)
	base := m.leo() + m.rng.Int64N(3) // compacted leaders leave gaps
	record.Batch(b).SetBaseOffset(base)
	latest, _ := m.e.log.EpochCache().LatestEpoch()
	record.Batch(b).SetPartitionLeaderEpoch(max(latest, 0) + int32(m.rng.IntN(2)))
	if _, err := m.e.log.AppendAsFollower(b); err != nil {
		m.t.Fatal(err)
	}
	m.batches = append(m.batches, record.Batch(b))
	m.end = record.Batch(b).NextOffset()
	return "follower"
}

// read checks a random Read against the model: whole batches from the one
// holding the offset, consecutive, below the bound, within maxBytes (the
// first may exceed it with minOneBatch), and stopping early only at a
// segment's end.
func (m *modelRun) read() {
	l := m.e.log
	ls, leo := l.LogStartOffset(), m.leo()
	start := ls + m.rng.Int64N(leo-ls+1)
	maxBytes := m.rng.IntN(2500)
	bound := start - 2 + m.rng.Int64N(leo-start+5)
	minOne := m.rng.IntN(2) == 0
	fd, err := l.Read(start, maxBytes, bound, minOne)
	if err != nil {
		m.t.Fatalf("Read(%d, %d, %d, %v): %v", start, maxBytes, bound, minOne, err)
	}
	data, err := fd.AppendTo(nil)
	if err != nil {
		m.t.Fatal(err)
	}
	i := slices.IndexFunc(m.batches, func(b record.Batch) bool { return b.LastOffset() >= start })
	var want []record.Batch
	if i >= 0 {
		for _, b := range m.batches[i:] {
			if b.LastOffset() >= min(bound, leo) {
				break
			}
			want = append(want, b)
		}
	}
	if fd.FirstBatchIncomplete {
		if minOne || len(want) == 0 || len(want[0]) <= maxBytes || !bytes.Equal(data, want[0][:maxBytes]) {
			m.t.Fatalf("Read(%d, %d, %d, %v): bad partial batch", start, maxBytes, bound, minOne)
		}
		return
	}
	var got []record.Batch
	it := record.Iterate(data)
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		got = append(got, b)
	}
	if it.Err() != nil || len(got) > len(want) {
		m.t.Fatalf("Read(%d, %d, %d, %v): %d batches (want at most %d), %v", start, maxBytes, bound, minOne, len(got), len(want), it.Err())
	}
	for j := range got {
		if !bytes.Equal(got[j], want[j]) {
			m.t.Fatalf("Read(%d, %d, %d, %v): batch %d differs", start, maxBytes, bound, minOne, j)
		}
	}
	if len(data) > maxBytes && !(minOne && len(got) == 1) {
		m.t.Fatalf("Read(%d, %d, %d, %v): %d bytes", start, maxBytes, bound, minOne, len(data))
	}
	if len(got) < len(want) {
		next := want[len(got)]
		fits := len(data)+len(next) <= maxBytes || (len(got) == 0 && minOne)
		if fits && !m.segmentStartsAt(next.BaseOffset(), got) {
			m.t.Fatalf("Read(%d, %d, %d, %v): stopped after %d batches though batch [%d, %d] fits",
				start, maxBytes, bound, minOne, len(got), next.BaseOffset(), next.LastOffset())
		}
	}
}

// segmentStartsAt reports whether next lies in a later segment than the
// batches read (a read never crosses a segment).
func (m *modelRun) segmentStartsAt(next int64, got []record.Batch) bool {
	segs := m.e.log.Segments()
	if len(got) == 0 {
		return true // the whole first batch did not fit
	}
	return floorSegment(segs, next) != floorSegment(segs, got[0].BaseOffset())
}

// timestamps checks FetchOffsetByTimestamp against the model.
func (m *modelRun) timestamps() {
	l := m.e.log
	target := m.ts - 400 + m.rng.Int64N(500)
	got, found, err := l.FetchOffsetByTimestamp(target)
	if err != nil {
		m.t.Fatal(err)
	}
	// Kafka's rule: the first segment whose largest timestamp is >= target,
	// then the first record there at or after the log start with a
	// timestamp >= target.
	segs := l.Segments()
	segMax := make([]int64, len(segs))
	for i := range segMax {
		segMax[i] = record.NoTimestamp
	}
	for _, b := range m.batches {
		i := floorSegment(segs, b.BaseOffset())
		segMax[i] = max(segMax[i], b.MaxTimestamp())
	}
	var want TimestampAndOffset
	wantFound := false
	if si := slices.IndexFunc(segMax, func(ts int64) bool { return ts >= target }); si >= 0 {
		for _, b := range m.batches {
			if floorSegment(segs, b.BaseOffset()) != si || wantFound {
				continue
			}
			for k := range b.RecordCount() {
				off, ts := b.BaseOffset()+int64(k), b.BaseTimestamp()+int64(k)
				if ts >= target && off >= l.LogStartOffset() {
					want, wantFound = TimestampAndOffset{ts, off, b.PartitionLeaderEpoch()}, true
					break
				}
			}
		}
	}
	if found != wantFound || (found && got != want) {
		m.t.Fatalf("FetchOffsetByTimestamp(%d) = %+v %v, want %+v %v", target, got, found, want, wantFound)
	}
}
