package log

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// This file holds what every test here (and the crash and model tests
// others will add) builds on: a manual clock and scheduler, batch
// builders, and checkLog, which verifies every invariant of a log from its
// files and its published state.

const testDir = "/data/topic-0"

// manualClock is a Clock tests move by hand.
type manualClock struct{ ms atomic.Int64 }

func newClock(ms int64) *manualClock { c := &manualClock{}; c.ms.Store(ms); return c }
func (c *manualClock) NowMs() int64  { return c.ms.Load() }
func (c *manualClock) Add(ms int64)  { c.ms.Add(ms) }

// manualScheduler queues tasks; the test runs them.
type manualScheduler struct {
	mu    sync.Mutex
	clock *manualClock
	tasks []schedTask
}

type schedTask struct {
	name string
	due  int64
	fn   func()
}

func (s *manualScheduler) ScheduleOnce(name string, delayMs int64, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks = append(s.tasks, schedTask{name, s.clock.NowMs() + delayMs, fn})
}

// RunDue runs the tasks due by now, in order, including those they schedule.
func (s *manualScheduler) RunDue() int {
	n := 0
	for {
		s.mu.Lock()
		i := slices.IndexFunc(s.tasks, func(t schedTask) bool { return t.due <= s.clock.NowMs() })
		if i < 0 {
			s.mu.Unlock()
			return n
		}
		t := s.tasks[i]
		s.tasks = slices.Delete(s.tasks, i, i+1)
		s.mu.Unlock()
		t.fn()
		n++
	}
}

// Pending counts queued tasks named name ("" for all).
func (s *manualScheduler) Pending(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.tasks {
		if name == "" || t.name == name {
			n++
		}
	}
	return n
}

// Drop forgets every queued task (a crash).
func (s *manualScheduler) Drop() {
	s.mu.Lock()
	s.tasks = nil
	s.mu.Unlock()
}

// env is a log under test with its clock, scheduler and filesystem.
type env struct {
	t     testing.TB
	fs    vfs.FS
	dir   string
	cfg   Config
	clock *manualClock
	sched *manualScheduler
	log   *Log
}

// testConfig is Kafka's defaults with a 64 KiB index (in-memory files
// preallocated to 10 MiB make tests slow).
func testConfig() Config {
	c := DefaultConfig()
	c.SegmentIndexBytes = 64 << 10
	return c
}

// smallConfig has sizes that make rolls and index entries frequent.
func smallConfig() Config {
	c := DefaultConfig()
	c.SegmentBytes = 4096
	c.SegmentIndexBytes = 1024
	c.IndexIntervalBytes = 256
	c.FileDeleteDelayMs = 1000
	return c
}

func newEnv(t testing.TB, fsys vfs.FS, cfg Config) *env {
	t.Helper()
	clock := newClock(1_700_000_000_000)
	e := &env{t: t, fs: fsys, dir: testDir, cfg: cfg, clock: clock, sched: &manualScheduler{clock: clock}}
	e.open(Options{})
	t.Cleanup(func() {
		if e.log != nil {
			_ = e.log.Close()
		}
	})
	return e
}

func (e *env) options(o Options) Options {
	o.Clock, o.Scheduler = e.clock, e.sched
	if o.Jitter == nil {
		o.Jitter = func(n int64) int64 { return n / 2 }
	}
	return o
}

// open opens the log in e.dir with o (clock, scheduler and jitter filled in).
func (e *env) open(o Options) {
	e.t.Helper()
	l, err := Open(e.fs, e.dir, e.cfg, e.options(o))
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	e.log = l
}

// reopen closes the log cleanly and opens it again, trusting its files.
func (e *env) reopen() {
	e.t.Helper()
	rp, ls := e.log.RecoveryPoint(), e.log.LogStartOffset()
	if err := e.log.Close(); err != nil {
		e.t.Fatalf("Close: %v", err)
	}
	e.open(Options{HadCleanShutdown: true, RecoveryPoint: rp, LogStartOffset: ls})
}

// batchSpec describes a test batch.
type batchSpec struct {
	records   int
	valueSize int
	ts        int64 // first record's timestamp; records i gets ts+i
	codec     record.Compression
	key       bool
}

// mkBatch builds a v2 batch at base offset 0, records with increasing
// timestamps from ts and values derived from seed.
func mkBatch(t testing.TB, spec batchSpec, seed int) []byte {
	t.Helper()
	n := max(spec.records, 1)
	bl := record.NewBuilder(0, spec.codec)
	for i := range n {
		v := bytes.Repeat([]byte{byte(seed + i)}, spec.valueSize)
		var key []byte
		if spec.key {
			key = []byte(fmt.Sprintf("k%d", (seed+i)%7))
		}
		if err := bl.Append(spec.ts+int64(i), key, v); err != nil {
			t.Fatalf("building batch: %v", err)
		}
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatalf("building batch: %v", err)
	}
	return b
}

// simpleBatch is a batch of n records of size bytes each at timestamp ts.
func simpleBatch(t testing.TB, n, size int, ts int64) []byte {
	return mkBatch(t, batchSpec{records: n, valueSize: size, ts: ts}, n+size)
}

// mustAppend appends a copy of b as leader in epoch 0.
func (e *env) mustAppend(b []byte) AppendInfo {
	e.t.Helper()
	info, err := e.log.AppendAsLeader(slices.Clone(b), 0, OriginClient)
	if err != nil {
		e.t.Fatalf("AppendAsLeader: %v", err)
	}
	return info
}

// readAll returns every batch of the log from offset from, reading through
// Read with a modest fetch size.
func readAll(t testing.TB, l *Log, from int64) []record.Batch {
	t.Helper()
	var out []record.Batch
	for off := from; off < l.LogEndOffset(); {
		fd, err := l.Read(off, 1000, l.LogEndOffset(), true)
		if err != nil {
			t.Fatalf("Read(%d): %v", off, err)
		}
		data, err := fd.AppendTo(nil)
		if err != nil {
			t.Fatalf("reading region: %v", err)
		}
		if len(data) == 0 {
			break
		}
		it := record.Iterate(data)
		for {
			b, _, ok := it.Next()
			if !ok {
				break
			}
			out = append(out, slices.Clone(b))
			off = b.NextOffset()
		}
		if it.Err() != nil {
			t.Fatalf("Read(%d) returned a partial batch: %v", off, it.Err())
		}
	}
	return out
}

// checkLog verifies the log's invariants from its files and published
// state: segments sorted and within their ranges, batches valid with
// increasing offsets, the log end offset after the last batch, indexes
// pointing at batch starts and ordered, the epoch cache ordered and within
// the log. It returns every batch, oldest first.
func checkLog(t testing.TB, l *Log) []record.Batch {
	t.Helper()
	segs := l.Segments()
	if len(segs) == 0 {
		t.Fatalf("log has no segment")
	}
	ls, leo := l.LogStartOffset(), l.LogEndOffset()
	if ls < segs[0].BaseOffset() || ls > leo {
		t.Fatalf("log start %d outside [first base %d, end %d]", ls, segs[0].BaseOffset(), leo)
	}
	if rp := l.RecoveryPoint(); rp > leo {
		t.Fatalf("recovery point %d above log end %d", rp, leo)
	}
	var all []record.Batch
	next := int64(-1)
	for i, s := range segs {
		if i > 0 && s.BaseOffset() <= segs[i-1].BaseOffset() {
			t.Fatalf("segments out of order: %d after %d", s.BaseOffset(), segs[i-1].BaseOffset())
		}
		limit := int64(1<<63 - 1)
		if i+1 < len(segs) {
			limit = segs[i+1].BaseOffset()
		}
		starts := map[int64]int64{} // position -> last offset
		err := s.Batches(0, func(b record.Batch, pos int64) (bool, error) {
			if err := checkStored(b); err != nil {
				t.Fatalf("segment %d position %d: %v", s.BaseOffset(), pos, err)
			}
			if b.BaseOffset() < s.BaseOffset() || b.LastOffset() >= limit || b.BaseOffset() <= next {
				t.Fatalf("segment %d: batch [%d, %d] out of place (previous end %d, limit %d)",
					s.BaseOffset(), b.BaseOffset(), b.LastOffset(), next, limit)
			}
			next = b.LastOffset()
			starts[pos] = b.LastOffset()
			all = append(all, slices.Clone(b))
			return true, nil
		})
		if err != nil {
			t.Fatalf("segment %d: %v", s.BaseOffset(), err)
		}
		checkIndexes(t, s, starts)
	}
	if len(all) > 0 && all[len(all)-1].NextOffset() > leo {
		t.Fatalf("last batch ends at %d, after the log end offset %d", all[len(all)-1].NextOffset(), leo)
	}
	entries := l.EpochCache().Entries()
	for i, e := range entries {
		if i > 0 && (e.Epoch <= entries[i-1].Epoch || e.StartOffset <= entries[i-1].StartOffset) {
			t.Fatalf("epoch cache out of order: %v", entries)
		}
		// An entry may sit at the log end only as the log start's epoch
		// of an emptied log (truncateFromStart keeps it).
		if e.StartOffset > leo || (e.StartOffset == leo && e.StartOffset != ls) {
			t.Fatalf("epoch entry %v at or past the log end %d", e, leo)
		}
	}
	return all
}

// checkIndexes verifies a segment's indexes against its batch starts.
func checkIndexes(t testing.TB, s *Segment, starts map[int64]int64) {
	t.Helper()
	oi := readIndexEntries(t, s.oi.index)
	prev := OffsetPosition{Offset: -1, Position: -1}
	for _, e := range DecodeOffsetIndex(oi, s.BaseOffset()) {
		last, ok := starts[e.Position]
		if !ok || last != e.Offset {
			t.Fatalf("segment %d: index entry %+v is not a batch start (batch there ends at %d, %v)", s.BaseOffset(), e, last, ok)
		}
		if e.Offset <= prev.Offset || e.Position <= prev.Position {
			t.Fatalf("segment %d: index entries out of order: %+v after %+v", s.BaseOffset(), e, prev)
		}
		prev = e
	}
	ti := readIndexEntries(t, s.ti.index)
	var prevT TimestampOffset
	for i, e := range DecodeTimeIndex(ti, s.BaseOffset()) {
		if i > 0 && (e.Timestamp < prevT.Timestamp || e.Offset < prevT.Offset) {
			t.Fatalf("segment %d: time index out of order: %+v after %+v", s.BaseOffset(), e, prevT)
		}
		prevT = e
	}
}

// readIndexEntries returns the valid entries of an index, from memory or
// its file.
func readIndexEntries(t testing.TB, x *index) []byte {
	t.Helper()
	b, err := x.allEntries()
	if err != nil {
		t.Fatalf("reading index %s: %v", x.filePath(), err)
	}
	return b
}

// batchOffsets lists the base offsets of batches.
func batchOffsets(bs []record.Batch) []int64 {
	out := make([]int64, len(bs))
	for i, b := range bs {
		out[i] = b.BaseOffset()
	}
	return out
}

// fileNames lists a directory, sorted.
func fileNames(t testing.TB, fsys vfs.FS, dir string) []string {
	t.Helper()
	names, err := fsys.List(dir)
	if err != nil {
		t.Fatalf("List(%s): %v", dir, err)
	}
	sort.Strings(names)
	return names
}

func readFile(t testing.TB, fsys vfs.FS, name string) []byte {
	t.Helper()
	b, err := vfs.ReadFile(fsys, name)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return b
}
