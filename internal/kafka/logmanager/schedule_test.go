package logmanager

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

func TestSchedulerManual(t *testing.T) {
	clock := newClock()
	s := newScheduler(clock, testLogger(t), true, 1)
	var got []string
	rec := func(name string) func() { return func() { got = append(got, name) } }
	s.ScheduleOnce("b", 20, rec("b"))
	s.ScheduleOnce("a", 10, rec("a"))
	s.ScheduleOnce("a2", 10, rec("a2"))
	s.schedulePeriodic("p", 5, 10, rec("p"))
	s.ScheduleOnce("never", 1<<62, rec("never"))
	s.schedulePeriodic("max", 0, 1<<63-1, rec("max"))
	if n := s.RunDue(t0 + 4); n != 1 || !slices.Equal(got, []string{"max"}) {
		t.Fatalf("at +4: %d %v", n, got)
	}
	got = nil
	s.RunDue(t0 + 10)
	if !slices.Equal(got, []string{"p", "a", "a2"}) {
		t.Fatalf("at +10: %v", got)
	}
	got = nil
	// Far behind: the periodic task runs once, not once per missed period.
	clock.ms.Store(t0 + 100)
	s.RunDue(t0 + 100)
	if !slices.Equal(got, []string{"p", "b"}) {
		t.Fatalf("at +100: %v", got)
	}
	got = nil
	s.RunDue(t0 + 109)
	if len(got) != 0 {
		t.Fatalf("at +109: %v", got)
	}
	s.RunDue(t0 + 110)
	if !slices.Equal(got, []string{"p"}) {
		t.Fatalf("at +110: %v", got)
	}
	// A task scheduling another due at once: run in the same RunDue.
	got = nil
	s.ScheduleOnce("outer", 0, func() { got = append(got, "outer"); s.ScheduleOnce("inner", 0, rec("inner")) })
	s.RunDue(clock.NowMs())
	if !slices.Equal(got, []string{"outer", "inner"}) {
		t.Fatalf("nested: %v", got)
	}
	s.stop()
	s.ScheduleOnce("late", 0, rec("late"))
	if s.RunDue(1<<62) != 0 {
		t.Fatal("tasks ran after stop")
	}
}

// TestSchedulerBackground runs tasks on the wall clock: due ones run,
// periodic ones repeat without overlapping themselves, stop waits for the
// running ones and drops the rest.
func TestSchedulerBackground(t *testing.T) {
	s := newScheduler(log.SystemClock{}, testLogger(t), false, 2)
	s.start()
	ran := make(chan string, 10)
	s.ScheduleOnce("later", 3_600_000, func() { ran <- "later" })
	s.ScheduleOnce("now", 0, func() { ran <- "now" })
	s.ScheduleOnce("soon", 5, func() { ran <- "soon" })
	if a, b := <-ran, <-ran; a != "now" || b != "soon" {
		t.Fatalf("ran %s then %s", a, b)
	}
	var mu sync.Mutex
	running, overlaps, runs := 0, 0, 0
	tick := make(chan struct{}, 100)
	s.schedulePeriodic("periodic", 0, 1, func() {
		mu.Lock()
		running++
		if running > 1 {
			overlaps++
		}
		runs++
		mu.Unlock()
		time.Sleep(2 * time.Millisecond) // longer than the period
		mu.Lock()
		running--
		mu.Unlock()
		tick <- struct{}{}
	})
	for range 5 {
		<-tick
	}
	block := make(chan struct{})
	started := make(chan struct{})
	s.ScheduleOnce("blocking", 0, func() { close(started); <-block })
	<-started
	stopped := make(chan struct{})
	go func() { s.stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("stop did not wait for the running task")
	case <-time.After(20 * time.Millisecond):
	}
	close(block)
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	if overlaps != 0 || runs < 5 {
		t.Fatalf("periodic task: %d runs, %d overlaps", runs, overlaps)
	}
	select {
	case r := <-ran:
		t.Fatalf("%s ran", r)
	default:
	}
}

// TestRetention: the retention task deletes old segments by time and by
// size, never at or above the high watermark, and their files go after
// file.delete.delay.ms.
func TestRetention(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := testConfig("/d")
	cfg.RetentionCheckIntervalMs = 1000
	cfg.Defaults.FileDeleteDelayMs = 5000
	clock := newClock()
	hws := &fixedHWs{hw: map[TopicPartition]int64{}}
	o := testOptions(t, fsys, clock)
	o.Replication = hws
	m := mustOpen(t, cfg, o)
	defer mustClose(t, m)

	byTime, _ := m.TopicConfig(map[string]string{"retention.ms": "60000"})
	bySize, _ := m.TopicConfig(map[string]string{"retention.bytes": "2048", "retention.ms": "-1"})
	compact, _ := m.TopicConfig(map[string]string{"cleanup.policy": "compact", "retention.ms": "1"})
	lt, _ := m.GetOrCreateLog(tp("time", 0), byTime, checkpoint.ZeroUuid)
	ls, _ := m.GetOrCreateLog(tp("size", 0), bySize, checkpoint.ZeroUuid)
	lc, _ := m.GetOrCreateLog(tp("compact", 0), compact, checkpoint.ZeroUuid)
	lu, _ := m.GetOrCreateLog(tp("unknown", 0), byTime, checkpoint.ZeroUuid)
	for _, l := range []*log.Log{lt, ls, lc, lu} {
		appendRecords(t, l, 200, t0)
	}
	segs := lt.NumSegments()
	compactSegs := lc.NumSegments()
	if segs < 4 {
		t.Fatalf("%d segments", segs)
	}
	// High watermarks: time at 95, size at its end, compact at its end,
	// unknown: none.
	hws.hw[tp("time", 0)] = 95
	hws.hw[tp("size", 0)] = ls.LogEndOffset()
	hws.hw[tp("compact", 0)] = lc.LogEndOffset()

	m.RunDue(clock.NowMs())
	if lt.NumSegments() != segs || lt.LogStartOffset() != 0 {
		t.Fatal("segments younger than retention.ms deleted")
	}
	if ls.Size() > 2048+1024 || ls.LogStartOffset() == 0 {
		t.Fatalf("retention.bytes: %d bytes left, log start %d", ls.Size(), ls.LogStartOffset())
	}
	m.RunDue(clock.advance(60_001))
	if lt.LogStartOffset() == 0 || lt.LogStartOffset() > 95 {
		t.Fatalf("retention.ms: log start %d (high watermark 95)", lt.LogStartOffset())
	}
	for _, s := range lt.Segments()[:1] {
		if s.BaseOffset() > 95 {
			t.Fatal("deleted past the high watermark")
		}
	}
	if lc.LogStartOffset() != 0 || lc.NumSegments() != compactSegs {
		t.Fatal("a compacted topic lost segments to time retention")
	}
	if lu.LogStartOffset() != 0 {
		t.Fatal("a log without a known high watermark was retained")
	}
	checkRecords(t, lt, lt.LogStartOffset(), lt.LogEndOffset())

	// The deleted segments' files linger as .deleted for file.delete.delay.ms.
	names, _ := fsys.List(lt.Dir())
	if !hasSuffix(names, log.DeletedFileSuffix) {
		t.Fatalf("no .deleted files: %v", names)
	}
	m.RunDue(clock.advance(4000))
	if names, _ = fsys.List(lt.Dir()); !hasSuffix(names, log.DeletedFileSuffix) {
		t.Fatal(".deleted files removed before file.delete.delay.ms")
	}
	m.RunDue(clock.advance(1000))
	if names, _ = fsys.List(lt.Dir()); hasSuffix(names, log.DeletedFileSuffix) {
		t.Fatalf(".deleted files still there: %v", names)
	}
}

func hasSuffix(names []string, suffix string) bool {
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// TestRetentionWithoutReplication treats the log end as the high
// watermark, and retains compacted topics too when there is no cleaner.
func TestRetentionWithoutReplication(t *testing.T) {
	cfg := testConfig("/d")
	cfg.RetentionCheckIntervalMs = 1000
	clock := newClock()
	m := mustOpen(t, cfg, testOptions(t, vfs.NewMem(), clock))
	defer mustClose(t, m)
	both, _ := m.TopicConfig(map[string]string{"cleanup.policy": "compact,delete", "retention.ms": "1000"})
	l, _ := m.GetOrCreateLog(tp("t", 0), both, checkpoint.ZeroUuid)
	appendRecords(t, l, 200, t0)
	m.RunDue(clock.advance(5000))
	if l.LogStartOffset() != l.LogEndOffset() || l.NumSegments() != 1 {
		t.Fatalf("log start %d of %d, %d segments", l.LogStartOffset(), l.LogEndOffset(), l.NumSegments())
	}
}

// TestFlushScheduling: the flusher flushes a log once its flush.ms has
// passed since its last flush, checking every
// log.flush.scheduler.interval.ms.
func TestFlushScheduling(t *testing.T) {
	cfg := testConfig("/d")
	cfg.FlushSchedulerIntervalMs = 100
	clock := newClock()
	m := mustOpen(t, cfg, testOptions(t, vfs.NewMem(), clock))
	defer mustClose(t, m)
	fast, _ := m.TopicConfig(map[string]string{"flush.ms": "500"})
	lf, _ := m.GetOrCreateLog(tp("fast", 0), fast, checkpoint.ZeroUuid)
	ln, _ := m.GetOrCreateLog(tp("never", 0), cfg.Defaults, checkpoint.ZeroUuid)
	m.RunDue(clock.NowMs())
	appendRecords(t, lf, 5, t0)
	appendRecords(t, ln, 5, t0)
	m.RunDue(clock.advance(400))
	if lf.RecoveryPoint() != 0 {
		t.Fatal("flushed before flush.ms")
	}
	m.RunDue(clock.advance(100))
	if lf.RecoveryPoint() != 5 {
		t.Fatalf("not flushed after flush.ms: recovery point %d", lf.RecoveryPoint())
	}
	if ln.RecoveryPoint() != 0 {
		t.Fatal("a log without flush.ms flushed")
	}
}

// TestBackgroundManager runs a manager on the wall clock with short
// intervals and waits for the recovery point checkpoint to show a flush;
// Close stops the scheduler and the cleaner's threads.
func TestBackgroundManager(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := cleanerConfig("/d") // with the cleaner's threads
	cfg.FlushOffsetCheckpointIntervalMs = 1
	o := testOptions(t, fsys, nil)
	o.Clock, o.ManualSchedule = nil, false
	var seen sync.Once
	done := make(chan struct{})
	o.FS = vfs.WithErrors(fsys, vfs.InjectorFunc(func(op vfs.Op) error {
		if op.Kind == vfs.OpRename && strings.HasSuffix(op.NewPath, "/recovery-point-offset-checkpoint") {
			if b, err := vfs.ReadFile(fsys, op.Path); err == nil && string(b) == "0\n1\nt 0 5\n" {
				seen.Do(func() { close(done) })
			}
		}
		return nil
	}))
	m := mustOpen(t, cfg, o)
	l, _ := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid)
	appendRecords(t, l, 5, time.Now().UnixMilli())
	if err := l.Flush(5); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no checkpoint written in the background")
	}
	mustClose(t, m)
}
