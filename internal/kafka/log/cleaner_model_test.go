package log

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/vfs"
)

// TestCleanerModelRandomOperations drives a compacted log with random
// appends (keys from a small set, tombstones, every codec, producers),
// flushes, rolls, cleanings, time passing, a high watermark moving up,
// truncations above it (with the cleaner paused around them, as the owner
// must), reads and clean or crashed reopens, and checks it after every
// step against a model of compaction: the record at every offset as
// appended, and, per key, the newest. Crashed reopens are left out while
// recovery drops compacted batches (recoveryDropsCompactedBatches).
func TestCleanerModelRandomOperations(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4}
	steps := 700
	if testing.Short() {
		seeds, steps = seeds[:1], 250
	}
	crashes := !recoveryDropsCompactedBatches(t)
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runCleanerModel(t, seed, steps, crashes) })
	}
}

type cleanerModel struct {
	t       *testing.T
	rng     *rand.Rand
	e       *env
	host    *MemCleanerHost
	c       *Cleaner
	cur     map[int64]rec   // the record at each offset below the log end, as appended
	at      map[int64]int64 // when
	last    map[int64]int64 // the last offset of the batch holding each offset
	seq     map[int64]int32 // next sequence of each producer
	hw      int64           // the high watermark: replicas agree below it, so it is never truncated
	crashes bool
	seed    int
}

func runCleanerModel(t *testing.T, seed uint64, steps int, crashes bool) {
	rng := rand.New(rand.NewPCG(seed, 7))
	cfg := compactConfig()
	cfg.SegmentBytes = int32(600 + rng.IntN(1500))
	cfg.IndexIntervalBytes = int32(rng.IntN(300))
	cfg.DeleteRetentionMs = 1000
	cfg.MinCleanableDirtyRatio = rng.Float64() / 2
	m := &cleanerModel{t: t, rng: rng, e: openOn(t, vfs.NewMem(), cfg, Options{}), cur: map[int64]rec{},
		at: map[int64]int64{}, last: map[int64]int64{}, seq: map[int64]int32{}, crashes: crashes}
	defer func() { _ = m.e.log.Close() }()
	m.host = NewMemCleanerHost(m.e.log)
	m.host.SetBounds(m.e.log.TopicPartition(), 0, 0)
	ccfg := testCleanerConfig()
	ccfg.DedupeBufferSize = int64(offsetMapEntryBytes * (4 + rng.IntN(40))) // sometimes too small for one pass
	c, err := NewCleaner(ccfg, m.host, CleanerOptions{Clock: m.e.clock})
	if err != nil {
		t.Fatal(err)
	}
	m.c = c
	for i := range steps {
		op := m.step()
		func() {
			defer func() {
				if t.Failed() {
					t.Logf("step %d: %s", i, op)
				}
			}()
			m.check()
		}()
		if t.Failed() {
			return
		}
	}
	if m.c.Metrics().LastStats[0].EndOffset == 0 {
		t.Fatal("the cleaner never cleaned")
	}
}

func (m *cleanerModel) step() string {
	l := m.e.log
	switch r := m.rng.IntN(100); {
	case r < 45:
		return m.appendBatch()
	case r < 55:
		if err := l.Flush(l.LogEndOffset()); err != nil {
			m.t.Fatal(err)
		}
		return "flush"
	case r < 70:
		if _, err := m.c.CleanOnce(); err != nil {
			m.t.Fatal(err)
		}
		return "clean"
	case r < 75:
		if err := l.Roll(); err != nil {
			m.t.Fatal(err)
		}
		return "roll"
	case r < 83:
		d := m.rng.Int64N(1500)
		m.e.clock.Add(d)
		m.e.sched.RunDue()
		return fmt.Sprintf("tick(%d)", d)
	case r < 86:
		// Replication catches up: the high watermark (and last stable
		// offset) moves to the log end. The cleaner stays below it.
		m.hw = l.LogEndOffset()
		m.host.SetBounds(l.TopicPartition(), m.hw, m.hw)
		return fmt.Sprintf("hw(%d)", m.hw)
	case r < 89:
		// A follower's truncation, above the high watermark.
		target := m.hw + m.rng.Int64N(l.LogEndOffset()-m.hw+1)
		tp := l.TopicPartition()
		m.c.AbortAndPauseCleaning(tp)
		if _, err := l.TruncateTo(target); err != nil {
			m.t.Fatal(err)
		}
		m.host.MaybeTruncateCheckpoint(tp, target)
		if err := m.c.ResumeCleaning(tp); err != nil {
			m.t.Fatal(err)
		}
		// Whole batches go: those ending at or above the target.
		for o := range m.cur {
			if m.last[o] >= target {
				delete(m.cur, o)
			}
		}
		return fmt.Sprintf("truncate(%d)", target)
	case r < 93:
		m.read()
		return "read"
	case r < 97 || !m.crashes:
		m.e.sched.RunDue()
		old := l
		m.e.reopen()
		m.host.Replace(old, m.e.log)
		return "reopen"
	default:
		// A process crash: the files keep every write; the log reopens
		// without the clean shutdown marker and rescans.
		rp, ls := l.RecoveryPoint(), l.LogStartOffset()
		l.closeForTest()
		m.e.sched.Drop()
		m.e.open(Options{RecoveryPoint: rp, LogStartOffset: ls})
		m.host.Replace(l, m.e.log)
		return "crash"
	}
}

func (m *cleanerModel) appendBatch() string {
	n := 1 + m.rng.IntN(4)
	recs := make([]kv, n)
	for i := range recs {
		k := m.rng.IntN(9)
		if m.rng.IntN(7) == 0 {
			recs[i] = tomb(k)
		} else {
			m.seed++
			recs[i] = kv{[]byte(fmt.Sprint(k)), []byte(fmt.Sprintf("v%d", m.seed))}
		}
	}
	o := batchOpts{codec: record.Compression(m.rng.IntN(5)), ts: m.e.clock.NowMs()}
	if m.rng.IntN(4) == 0 {
		o.producerID = 1 + m.rng.Int64N(2)
		o.sequence = m.seq[o.producerID]
		m.seq[o.producerID] += int32(n)
	}
	b := keyedBatch(m.t, o, recs...)
	if _, err := m.e.log.AppendAsLeader(b, 0, OriginClient); err != nil {
		m.t.Fatal(err)
	}
	for _, x := range batchRecords(m.t, []record.Batch{record.Batch(b)}) {
		m.cur[x.offset] = x
		m.at[x.offset] = m.e.clock.NowMs()
		m.last[x.offset] = record.Batch(b).LastOffset()
	}
	return fmt.Sprintf("append(%d, %s)", n, o.codec)
}

// read checks a Read from a random offset: whole batches, the first
// holding an offset at or after it, records as appended.
func (m *cleanerModel) read() {
	l := m.e.log
	start := m.rng.Int64N(l.LogEndOffset() + 1)
	fd, err := l.Read(start, 1+m.rng.IntN(3000), l.LogEndOffset(), true)
	if err != nil {
		m.t.Fatalf("Read(%d): %v", start, err)
	}
	data, err := fd.AppendTo(nil)
	if err != nil {
		m.t.Fatal(err)
	}
	var bs []record.Batch
	it := record.Iterate(data)
	for b, _, ok := it.Next(); ok; b, _, ok = it.Next() {
		bs = append(bs, b)
	}
	if it.Err() != nil || (len(bs) > 0 && bs[0].LastOffset() < start) {
		m.t.Fatalf("Read(%d): %v, first batch ends before the offset", start, it.Err())
	}
	for _, x := range batchRecords(m.t, bs) {
		if want, ok := m.cur[x.offset]; !ok || !recEqual(want, x) {
			m.t.Fatalf("Read(%d): record at %d was not appended there", start, x.offset)
		}
	}
}

// check compares the log with the model.
func (m *cleanerModel) check() {
	l := m.e.log
	got := logRecords(m.t, l)
	newest := map[string]int64{}
	for _, x := range got {
		if want, ok := m.cur[x.offset]; !ok || !recEqual(want, x) {
			m.t.Fatalf("record at %d: %+v, appended %+v (%v)", x.offset, x, want, ok)
		}
		newest[x.key] = max(newest[x.key], x.offset+1)
	}
	last := map[string]int64{}
	for o, x := range m.cur {
		last[x.key] = max(last[x.key], o+1)
	}
	now := m.e.clock.NowMs()
	for k, o1 := range last {
		o := o1 - 1
		x := m.cur[o]
		switch {
		case newest[k] == o1:
		case newest[k] == 0 && x.tombstone() && now >= m.at[o]+l.Config().DeleteRetentionMs:
		default:
			m.t.Fatalf("key %s: last appended at %d (tombstone %v), newest in the log at %d", k, o, x.tombstone(), newest[k]-1)
		}
	}
	// The cleaned section holds each key at most once.
	ckpt, _ := m.host.FirstDirtyOffset(l.TopicPartition())
	seen := map[string]bool{}
	for _, x := range got {
		if x.offset >= ckpt {
			break
		}
		if seen[x.key] {
			m.t.Fatalf("key %s twice below the first dirty offset %d", x.key, ckpt)
		}
		seen[x.key] = true
	}
}

// TestCleanerConcurrentWithAppends runs two cleaner threads against a log
// that is appended to, flushed, committed, truncated (with the abort and
// pause protocol) and read at the same time; the result is then checked
// against the model. Run with -race.
func TestCleanerConcurrentWithAppends(t *testing.T) {
	cfg := compactConfig()
	cfg.SegmentBytes = 2048
	cfg.MinCleanableDirtyRatio = 0.01
	cfg.DeleteRetentionMs = 50
	m := &cleanerModel{t: t, rng: rand.New(rand.NewPCG(5, 5)), e: openOn(t, vfs.NewMem(), cfg, Options{}), cur: map[int64]rec{},
		at: map[int64]int64{}, last: map[int64]int64{}, seq: map[int64]int32{}}
	defer func() { _ = m.e.log.Close() }()
	tp := m.e.log.TopicPartition()
	m.host = NewMemCleanerHost(m.e.log)
	m.host.SetBounds(tp, 0, 0)
	ccfg := testCleanerConfig()
	ccfg.Threads, ccfg.BackoffMs = 2, 1
	c, err := NewCleaner(ccfg, m.host, CleanerOptions{Clock: m.e.clock})
	if err != nil {
		t.Fatal(err)
	}
	m.c = c
	c.Start()
	defer c.Stop()

	done := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		rng := rand.New(rand.NewPCG(9, 9))
		for {
			select {
			case <-done:
				readErr <- nil
				return
			default:
			}
			l := m.e.log
			leo := l.LogEndOffset()
			fd, err := l.Read(rng.Int64N(leo+1), 4096, leo, true)
			if err != nil && !errors.Is(err, ErrOffsetOutOfRange) {
				readErr <- err
				return
			}
			data, _ := fd.AppendTo(nil) // a truncation may cut it short
			it := record.Iterate(data)
			for b, _, ok := it.Next(); ok; b, _, ok = it.Next() {
				if err := checkStored(b); err != nil {
					readErr <- err
					return
				}
			}
		}
	}()
	n := 1500
	if testing.Short() {
		n = 400
	}
	for i := range n {
		m.appendBatch()
		switch {
		case i%40 == 39:
			if err := m.e.log.Flush(m.e.log.LogEndOffset()); err != nil {
				t.Fatal(err)
			}
			m.hw = m.e.log.LogEndOffset()
			m.host.SetBounds(tp, m.hw, m.hw)
			m.e.clock.Add(20)
		case i%250 == 249:
			target := m.hw + (m.e.log.LogEndOffset()-m.hw)/2
			c.AbortAndPauseCleaning(tp)
			if _, err := m.e.log.TruncateTo(target); err != nil {
				t.Fatal(err)
			}
			m.host.MaybeTruncateCheckpoint(tp, target)
			if err := c.ResumeCleaning(tp); err != nil {
				t.Fatal(err)
			}
			for o := range m.cur {
				if m.last[o] >= target {
					delete(m.cur, o)
				}
			}
		}
	}
	// The threads clean in the background: on a loaded machine the loop
	// above can end before either was scheduled, so give them time to.
	cleaned := func() bool { s := c.Metrics().LastStats; return s[0].EndOffset != 0 || s[1].EndOffset != 0 }
	testutil.WaitFor(cleaned, 20*time.Second)
	close(done)
	if err := <-readErr; err != nil {
		t.Fatalf("a concurrent read: %v", err)
	}
	c.Stop()
	if !cleaned() {
		t.Fatal("the threads never cleaned")
	}
	m.check()
	if _, err := c.CleanOnce(); err != nil {
		t.Fatal(err)
	}
	m.check()
}
