package log

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// syncGate counts file syncs and, once armed, holds the first one until
// released.
type syncGate struct {
	armed   atomic.Bool
	syncs   atomic.Int64
	started chan struct{}
	release chan struct{}
}

func newSyncGate() *syncGate {
	return &syncGate{started: make(chan struct{}), release: make(chan struct{})}
}

func (g *syncGate) MaybeError(op vfs.Op) error {
	if op.Kind == vfs.OpFileSync && g.armed.Load() {
		if g.syncs.Add(1) == 1 {
			close(g.started)
			<-g.release
		}
	}
	return nil
}

func (l *Log) waitingFlushers() int {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	return l.flushWaiters
}

// waitFor polls cond, failing the test after a generous bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

func TestGroupCommitSharesOneFsync(t *testing.T) {
	gate := newSyncGate()
	e := openOn(t, vfs.WithErrors(vfs.NewMem(), gate), testConfig(), Options{})
	defer e.log.Close()
	l := e.log
	appendOne := func() int64 {
		info, err := l.AppendAsLeader(simpleBatch(t, 1, 100, 1), -1, OriginClient)
		if err != nil {
			t.Error(err)
		}
		return info.LastOffset + 1
	}
	gate.armed.Store(true)
	first := appendOne()
	done := make(chan error, 20)
	go func() { done <- l.Flush(first) }()
	<-gate.started // the first flush is inside its fsync

	const waiters = 8
	var wg sync.WaitGroup
	for range waiters {
		upTo := appendOne() // appends proceed during the fsync
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := l.Flush(upTo)
			if err == nil && l.RecoveryPoint() < upTo {
				err = errors.New("returned before its offset was durable")
			}
			done <- err
		}()
	}
	waitFor(t, "the flushers to queue", func() bool { return l.waitingFlushers() == waiters })
	close(gate.release)
	wg.Wait()
	for range waiters + 1 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// One fsync for the first flush, one for the eight waiting behind it.
	if n := gate.syncs.Load(); n != 2 {
		t.Fatalf("%d file syncs for %d flushes", n, waiters+1)
	}
	if rp := l.RecoveryPoint(); rp != waiters+1 {
		t.Fatalf("recovery point %d", rp)
	}
}

func TestFlushMessagesAndFlushMs(t *testing.T) {
	cfg := testConfig()
	cfg.FlushMessages = 3
	e := openOn(t, vfs.NewMem(), cfg, Options{})
	defer e.log.Close()
	l := e.log
	e.mustAppend(simpleBatch(t, 1, 10, 1))
	e.mustAppend(simpleBatch(t, 1, 10, 1))
	if rp := l.RecoveryPoint(); rp != 0 {
		t.Fatalf("flushed after 2 of 3 messages: rp %d", rp)
	}
	e.mustAppend(simpleBatch(t, 1, 10, 1))
	if rp := l.RecoveryPoint(); rp != 3 {
		t.Fatalf("rp %d after 3 messages", rp)
	}
	e.mustAppend(simpleBatch(t, 5, 10, 1)) // one batch past the limit
	if rp := l.RecoveryPoint(); rp != 8 {
		t.Fatalf("rp %d after a 5-record batch", rp)
	}

	cfg = testConfig()
	cfg.FlushMs = 1000
	if err := l.UpdateConfig(cfg); err != nil {
		t.Fatal(err)
	}
	e.mustAppend(simpleBatch(t, 1, 10, 1))
	last := l.LastFlushTime()
	if err := l.FlushIfDue(last + 999); err != nil || l.RecoveryPoint() != 8 {
		t.Fatalf("flushed early: %v rp %d", err, l.RecoveryPoint())
	}
	e.clock.Add(1000)
	if err := l.FlushIfDue(e.clock.NowMs()); err != nil || l.RecoveryPoint() != 9 {
		t.Fatalf("not flushed when due: %v rp %d", err, l.RecoveryPoint())
	}
	if l.LastFlushTime() != e.clock.NowMs() || l.UnflushedMessages() != 0 {
		t.Fatalf("last flush %d, unflushed %d", l.LastFlushTime(), l.UnflushedMessages())
	}
}

// TestConcurrentReadsSeeOnlyWholeBatches runs readers against a writer
// that appends, rolls, applies retention and renames the directory: every
// read returns whole, valid batches holding the requested offset (run with
// -race). With a cache of one file and no index bytes, reads of older
// segments reopen files and reload indexes while they are renamed,
// deleted and evicted under them.
func TestConcurrentReadsSeeOnlyWholeBatches(t *testing.T) {
	for name, cache := range map[string]*FileCache{"default cache": nil, "one-file cache": NewFileCache(1, 0)} {
		t.Run(name, func(t *testing.T) { concurrentReads(t, cache) })
	}
}

func concurrentReads(t *testing.T, cache *FileCache) {
	cfg := smallConfig()
	cfg.FileDeleteDelayMs = 0
	e := openOn(t, vfs.NewMem(), cfg, Options{FileCache: cache})
	defer e.log.Close()
	l := e.log
	const batches = 400
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			for !stop.Load() {
				leo, ls := l.LogEndOffset(), l.LogStartOffset()
				if leo <= ls {
					continue
				}
				off := ls + rng.Int64N(leo-ls)
				fd, err := l.Read(off, rng.IntN(3000), leo, rng.IntN(2) == 0)
				if errors.Is(err, ErrOffsetOutOfRange) {
					continue // retention moved the log start meanwhile
				}
				if err != nil {
					errs <- err
					return
				}
				if rng.IntN(4) == 0 {
					runtime.Gosched() // hold the region a while
				}
				data, err := fd.AppendTo(nil)
				fd.Release()
				if err != nil || len(data) == 0 || fd.FirstBatchIncomplete {
					continue // a deleted segment's region, or a batch too large for maxBytes
				}
				it := record.Iterate(data)
				for i := 0; ; i++ {
					b, _, ok := it.Next()
					if !ok {
						break
					}
					if checkStored(b) != nil || (i == 0 && (b.BaseOffset() > off || b.LastOffset() < off)) {
						errs <- errors.New("read returned a bad or misplaced batch")
						return
					}
				}
				if it.Err() != nil {
					errs <- it.Err()
					return
				}
			}
		}()
	}
	for i := range batches {
		b := mkBatch(t, batchSpec{records: 1 + i%3, valueSize: 50 + i%200, ts: int64(i)}, i)
		if _, err := l.AppendAsLeader(b, 0, OriginClient); err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 {
			if _, err := l.IncrementLogStartOffset(l.LogEndOffset()/2, l.LogEndOffset()); err != nil {
				t.Fatal(err)
			}
			if _, err := l.DeleteOldSegments(0, l.LogEndOffset()); err != nil {
				t.Fatal(err)
			}
			e.sched.RunDue()
		}
		if i%7 == 0 {
			go func() { _ = l.Flush(l.LogEndOffset()) }()
		}
		if i%60 == 59 {
			name := DirName(TopicPartition{"topic", 0})
			if l.DirKind() == DirLive {
				name = FutureDirName(TopicPartition{"topic", 0})
			}
			if err := l.RenameDir(name); err != nil {
				t.Fatal(err)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := l.Flush(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	checkLog(t, l)
}

func TestRegionOfTruncatedDataReadsShort(t *testing.T) {
	e := openOn(t, vfs.NewMem(), testConfig(), Options{})
	defer e.log.Close()
	buildLogN(t, e, 10)
	fd, err := e.log.Read(10, 1<<20, 20, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.log.TruncateTo(5); err != nil {
		t.Fatal(err)
	}
	if _, err := fd.AppendTo(nil); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("reading a truncated region: %v", err)
	}
	buf := []byte("keep")
	out, _ := fd.AppendTo(buf)
	if !bytes.Equal(out, buf) {
		t.Fatal("a short read changed dst")
	}
}

// buildLogN appends n batches of 2 records.
func buildLogN(t *testing.T, e *env, n int) {
	t.Helper()
	for i := range n {
		e.mustAppend(mkBatch(t, batchSpec{records: 2, valueSize: 40, ts: int64(i)}, i))
	}
}

// TestRollDuringFlushKeepsRecoveryHonest: a flush that synced the active
// segment without its indexes must not move the recovery point past that
// segment if it was rolled meanwhile (its indexes are final only now);
// the flush the roll scheduled makes them durable.
func TestRollDuringFlushKeepsRecoveryHonest(t *testing.T) {
	mem := vfs.NewCrashableMem()
	gate := newSyncGate()
	e := openOn(t, vfs.WithErrors(mem, gate), smallConfig(), Options{})
	defer e.log.Close()
	l := e.log
	buildLogN(t, e, 10)
	leo := l.LogEndOffset()
	gate.armed.Store(true)
	done := make(chan error, 1)
	go func() { done <- l.Flush(leo) }()
	<-gate.started
	if err := l.Roll(); err != nil {
		t.Fatal(err)
	}
	close(gate.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rp := l.RecoveryPoint(); rp != 0 {
		t.Fatalf("recovery point %d: moved past a segment whose indexes are not durable", rp)
	}
	e.sched.RunDue() // the roll's flush
	if rp := l.RecoveryPoint(); rp != leo {
		t.Fatalf("recovery point %d after the roll's flush, want %d", rp, leo)
	}
	// A crash now: the first segment is trusted, and its indexes are the
	// final ones.
	seg := l.Segments()[0]
	want := readFile(t, mem, seg.IndexPath())
	crashed := mem.CrashClone()
	if got := readFile(t, crashed, seg.IndexPath()); !bytes.Equal(got, want) || len(got) == 0 {
		t.Fatalf("index after the crash: %d bytes, want %d", len(got), len(want))
	}
}
