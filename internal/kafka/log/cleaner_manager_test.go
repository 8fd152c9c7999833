package log

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// checkGroups verifies groups cover segs in order.
func checkGroups(t *testing.T, groups [][]*Segment, segs []*Segment) {
	t.Helper()
	var flat []*Segment
	for _, g := range groups {
		if len(g) == 0 {
			t.Fatal("empty group")
		}
		flat = append(flat, g...)
	}
	if !slices.Equal(flat, segs) {
		t.Fatal("groups do not cover the segments in order")
	}
}

// TestSegmentGrouping is testSegmentGrouping.
func TestSegmentGrouping(t *testing.T) {
	cfg := compactConfig()
	cfg.SegmentBytes = 300
	cfg.IndexIntervalBytes = 1
	e := newCompactEnv(t, cfg)
	for e.log.NumSegments() < 10 {
		e.mustAppend(keyedBatch(t, batchOpts{}, kv{[]byte("hello"), []byte("hello")}))
	}
	segs := e.log.Segments()
	leo := e.log.LogEndOffset()
	groups := groupSegmentsBySize(segs, math.MaxInt32, math.MaxInt32, leo)
	checkGroups(t, groups, segs)
	if len(groups) != 1 {
		t.Fatalf("%d groups with no limits", len(groups))
	}
	for _, limits := range [][2]int64{{1, math.MaxInt32}, {math.MaxInt32, 1}} {
		groups = groupSegmentsBySize(segs, limits[0], limits[1], leo)
		checkGroups(t, groups, segs)
		if len(groups) != len(segs) {
			t.Fatalf("limits %v: %d groups, want singletons", limits, len(groups))
		}
	}
	const groupSize = 3
	var logSize, indexSize int64
	for _, s := range segs[:groupSize] {
		oi, _ := s.cleanerIndexSizes()
		logSize += s.Size()
		indexSize += oi
	}
	for _, limits := range [][2]int64{{logSize + 1, math.MaxInt32}, {math.MaxInt32, indexSize + 1}} {
		groups = groupSegmentsBySize(segs, limits[0], limits[1], leo)
		checkGroups(t, groups, segs)
		for _, g := range groups[:len(groups)-1] {
			if len(g) != groupSize {
				t.Fatalf("limits %v: a group of %d, want %d", limits, len(g), groupSize)
			}
		}
	}
}

// TestSegmentGroupingWithSparseOffsets is
// testSegmentGroupingWithSparseOffsetsAndEmptySegments: a group never spans
// more than 2^31 offsets, unless the segments joining it are empty; two
// segments cleaned empty merge at the next cleaning.
func TestSegmentGroupingWithSparseOffsets(t *testing.T) {
	cfg := compactConfig()
	cfg.SegmentBytes = DefaultSegmentBytes
	e := newCompactEnv(t, cfg)
	k := []byte("key")
	for i := range int64(3) {
		e.mustAppend(keyedBatch(t, batchOpts{}, kv{k, []byte("val")}))
		b := keyedBatch(t, batchOpts{}, kv{k, []byte("val")})
		record.Batch(b).SetBaseOffset((i+1)*(math.MaxInt32+1) - 1)
		if _, err := e.log.AppendAsFollower(b); err != nil {
			t.Fatal(err)
		}
		if n := e.log.NumSegments(); n != int(i+1) {
			t.Fatalf("%d segments", n)
		}
	}
	e.mustAppend(keyedBatch(t, batchOpts{}, kv{k, []byte("val")}))
	if n := e.log.NumSegments(); n != 4 {
		t.Fatalf("%d segments", n)
	}
	uncleanable := e.log.LogEndOffset() - 1
	segs := e.log.Segments()
	if g := groupSegmentsBySize(segs[:3], math.MaxInt32, math.MaxInt32, uncleanable); len(g) != 3 {
		t.Fatalf("%d groups of sparse segments, want 3", len(g))
	}
	w := testWorker(t, e, 1000)
	w.cleanRange(t, e.log, 0, uncleanable)
	segs = e.log.Segments()
	if len(segs) != 4 || segs[0].Size() != 0 || segs[1].Size() != 0 {
		t.Fatalf("%d segments, first sizes %d %d", len(segs), segs[0].Size(), segs[1].Size())
	}
	if g := groupSegmentsBySize(segs[:3], math.MaxInt32, math.MaxInt32, uncleanable); len(g) != 2 {
		t.Fatalf("%d groups after cleaning, want 2", len(g))
	}
	w.cleanRange(t, e.log, 0, uncleanable)
	if n := e.log.NumSegments(); n != 3 {
		t.Fatalf("%d segments after merging the empty ones", n)
	}
	if got := offsetsInLog(t, e.log); !slices.Equal(got, []int64{3*(math.MaxInt32+1) - 1, 3 * (math.MaxInt32 + 1)}) {
		t.Fatalf("offsets %v", got)
	}
}

// TestCleanableOffsets mirrors LogCleanerManagerTest's cleanableOffsets
// cases: no checkpoint, an invalid one, the last stable offset, the active
// segment, and min.compaction.lag.ms.
func TestCleanableOffsets(t *testing.T) {
	cfg := compactConfig()
	e := newCompactEnv(t, cfg)
	e.rollUntil(4, 10)
	l := e.log
	segs := l.Segments()
	now := e.clock.NowMs()
	for _, c := range []struct {
		name              string
		ckpt              int64
		has               bool
		upper             int64
		wantDirty, wantUn int64
		force             bool
	}{
		{"none", 0, false, math.MaxInt64, 0, activeBase(l), false},
		{"checkpoint", 5, true, math.MaxInt64, 5, activeBase(l), false},
		{"past the end", l.LogEndOffset() + 1, true, math.MaxInt64, 0, activeBase(l), true},
		{"last stable offset", 0, false, segs[1].BaseOffset() + 2, 0, segs[1].BaseOffset() + 2, false},
		{"below the checkpoint", 20, true, 3, 20, 20, false},
	} {
		got := cleanableOffsets(l, c.ckpt, c.has, c.upper, now)
		if got.firstDirtyOffset != c.wantDirty || got.firstUncleanableDirtyOffset != c.wantUn || got.forceUpdateCheckpoint != c.force {
			t.Fatalf("%s: %+v, want dirty %d, uncleanable %d, force %v", c.name, got, c.wantDirty, c.wantUn, c.force)
		}
	}
	// Unflushed segments are not cleaned: the bound is the recovery point.
	rp := l.RecoveryPoint()
	for l.NumSegments() < 6 {
		e.appendKV(1, 1)
	}
	if got := cleanableOffsets(l, 0, false, math.MaxInt64, now); got.firstUncleanableDirtyOffset != rp {
		t.Fatalf("unflushed: uncleanable %d, want the recovery point %d", got.firstUncleanableDirtyOffset, rp)
	}
	if ltc := newLogToClean(l.TopicPartition(), l, 0, rp, false); ltc.firstUncleanableOffset != segs[3].BaseOffset() {
		t.Fatalf("the cleanable range ends at %d, want the segment holding the recovery point (%d)", ltc.firstUncleanableOffset, segs[3].BaseOffset())
	}
	e.flush()
	if _, err := l.IncrementLogStartOffset(segs[1].BaseOffset()+1, l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if got := cleanableOffsets(l, 2, true, math.MaxInt64, now); got.firstDirtyOffset != segs[1].BaseOffset()+1 || !got.forceUpdateCheckpoint {
		t.Fatalf("below the log start: %+v", got)
	}

	// min.compaction.lag.ms: segments with records newer than now - lag
	// are not cleaned. Records have timestamps 1000 + offset: make the
	// third segment the first with a record newer than now - lag.
	lagged := cfg
	lagged.MinCompactionLagMs = 60_000
	if err := l.UpdateConfig(lagged); err != nil {
		t.Fatal(err)
	}
	got := cleanableOffsets(l, 0, false, math.MaxInt64, 1000+lagged.MinCompactionLagMs+segs[2].BaseOffset()+1)
	if got.firstUncleanableDirtyOffset != segs[2].BaseOffset() {
		t.Fatalf("min compaction lag: uncleanable %d, want the third segment %d", got.firstUncleanableDirtyOffset, segs[2].BaseOffset())
	}
	if got := cleanableOffsets(l, 0, false, math.MaxInt64, now); got.firstUncleanableDirtyOffset != activeBase(l) {
		t.Fatalf("old segments: uncleanable %d", got.firstUncleanableDirtyOffset)
	}
}

// multiEnv is several logs under one cleaner.
type multiEnv struct {
	envs  []*env
	host  *MemCleanerHost
	c     *Cleaner
	clock *manualClock
}

func newMultiEnv(t *testing.T, cfgs ...Config) *multiEnv {
	m := &multiEnv{host: NewMemCleanerHost(), clock: newClock(1_700_000_000_000)}
	fsys := vfs.NewMem()
	for i, cfg := range cfgs {
		e := &env{t: t, fs: fsys, dir: "/data/t" + string(rune('a'+i)) + "-0", cfg: cfg, clock: m.clock, sched: &manualScheduler{clock: m.clock}}
		e.open(Options{})
		t.Cleanup(func() { _ = e.log.Close() })
		m.envs = append(m.envs, e)
		m.host.Add(e.log)
	}
	c, err := NewCleaner(testCleanerConfig(), m.host, CleanerOptions{Clock: m.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	m.c = c
	return m
}

// TestGrabFilthiestLog: the dirtiest compacted log above its
// min.cleanable.dirty.ratio is cleaned first; logs below it, or not
// compacted, are not; max.compaction.lag.ms forces a cleaning whatever the
// ratio.
func TestGrabFilthiestLog(t *testing.T) {
	compact := compactConfig()
	del := compact
	del.CleanupPolicy = CleanupDelete
	m := newMultiEnv(t, compact, compact, del)
	a, b, d := m.envs[0], m.envs[1], m.envs[2]
	a.rollUntil(5, 3) // very dirty
	b.rollUntil(4, 1000)
	d.rollUntil(5, 1)
	// b: a clean head of two segments, then one dirty one.
	_ = m.host.SetFirstDirtyOffset(b.log.TopicPartition(), b.log.Segments()[2].BaseOffset())

	ltc, _ := m.c.grabFilthiestCompactedLog(m.clock.NowMs())
	if ltc == nil || ltc.log != a.log {
		t.Fatalf("chose %v, want the dirtiest log", ltc)
	}
	m.c.finish([]TopicPartition{ltc.tp})

	cleaned, err := m.c.CleanOnce()
	if err != nil || !cleaned {
		t.Fatalf("CleanOnce: %v, %v", cleaned, err)
	}
	if o, ok := m.host.FirstDirtyOffset(a.log.TopicPartition()); !ok || o != activeBase(a.log) {
		t.Fatalf("checkpoint of a: %d %v", o, ok)
	}
	// b's ratio is about 1/3, below the default 0.5.
	if ltc, _ := m.c.grabFilthiestCompactedLog(m.clock.NowMs()); ltc != nil {
		t.Fatalf("chose %s below its min.cleanable.dirty.ratio (ratio %f)", ltc.tp, ltc.cleanableRatio())
	}
	if r := m.c.Metrics().MaxDirtyRatio; r < 0.3 || r > 0.36 {
		t.Fatalf("max dirty ratio %f", r)
	}
	lower := compact
	lower.MinCleanableDirtyRatio = 0.3
	if err := b.log.UpdateConfig(lower); err != nil {
		t.Fatal(err)
	}
	if ltc, _ := m.c.grabFilthiestCompactedLog(m.clock.NowMs()); ltc == nil || ltc.log != b.log {
		t.Fatalf("chose %v, want b above its lowered ratio", ltc)
	} else {
		m.c.finish([]TopicPartition{ltc.tp})
	}
	if err := b.log.UpdateConfig(compact); err != nil {
		t.Fatal(err)
	}
	// max.compaction.lag.ms: b's dirty segment's first batch (timestamp
	// ~1000) is long overdue.
	lag := compact
	lag.MaxCompactionLagMs = 1000
	if err := b.log.UpdateConfig(lag); err != nil {
		t.Fatal(err)
	}
	ltc, _ = m.c.grabFilthiestCompactedLog(m.clock.NowMs())
	if ltc == nil || ltc.log != b.log || !ltc.needCompactionNow {
		t.Fatalf("chose %v, want b past its max compaction lag", ltc)
	}
	if m.c.Metrics().MaxCompactionDelayMs <= 0 {
		t.Fatal("no compaction delay reported")
	}
	m.c.finish([]TopicPartition{ltc.tp})
}

// TestAbortAndPauseDuringCleaning: an abort stops a cleaning in the
// middle of its recopy, waits for it, leaves the log as it was and writes
// no checkpoint; the log stays paused until resumed, then gets cleaned.
func TestAbortAndPauseDuringCleaning(t *testing.T) {
	e := newCompactEnv(t, compactConfig())
	e.rollUntil(12, 5)
	before := logRecords(t, e.log)
	cfg := testCleanerConfig()
	cfg.IOBufferSize = 8192
	c, host := newTestCleaner(t, e, cfg)
	tp := e.log.TopicPartition()
	started := make(chan struct{})
	var once sync.Once
	c.throttle.sleep = func(ctx context.Context, d time.Duration) error {
		if !slices.ContainsFunc(fileNames(t, e.fs, e.dir), func(n string) bool { return strings.HasSuffix(n, CleanedFileSuffix) }) {
			return nil
		}
		once.Do(func() { close(started) })
		<-ctx.Done()
		return context.Cause(ctx)
	}
	c.SetIOMaxBytesPerSecond(1)
	type result struct {
		cleaned bool
		err     error
	}
	done := make(chan result)
	go func() {
		cleaned, err := c.CleanOnce()
		done <- result{cleaned, err}
	}()
	<-started
	if !c.CleaningInProgress(tp) {
		t.Fatal("not in progress while cleaning")
	}
	c.AbortAndPauseCleaning(tp)
	if c.CleaningInProgress(tp) || !c.CleaningPaused(tp) {
		t.Fatal("after the abort: still in progress, or not paused")
	}
	r := <-done
	if r.err != nil || !r.cleaned {
		t.Fatalf("CleanOnce after an abort: %v %v", r.cleaned, r.err)
	}
	if host.Writes() != 0 {
		t.Fatal("an aborted cleaning wrote its checkpoint")
	}
	// The groups swapped in before the abort stay: a valid compaction.
	checkCompacted(t, before, logRecords(t, e.log), nil)
	if names := fileNames(t, e.fs, e.dir); slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, CleanedFileSuffix) }) {
		t.Fatalf("the aborted cleaning left files: %v", names)
	}
	// Paused: not chosen. Nested pauses need as many resumes.
	c.SetIOMaxBytesPerSecond(math.MaxFloat64)
	c.AbortAndPauseCleaning(tp)
	if cleaned, _ := c.CleanOnce(); cleaned {
		t.Fatal("cleaned a paused log")
	}
	if err := c.ResumeCleaning(tp); err != nil || !c.CleaningPaused(tp) {
		t.Fatalf("one resume of two pauses: %v, paused %v", err, c.CleaningPaused(tp))
	}
	if err := c.ResumeCleaning(tp); err != nil || c.CleaningPaused(tp) {
		t.Fatalf("second resume: %v", err)
	}
	if err := c.ResumeCleaning(tp); !errors.Is(err, ErrCleaningNotPaused) {
		t.Fatalf("resuming a log not paused: %v", err)
	}
	if cleaned, err := c.CleanOnce(); !cleaned || err != nil {
		t.Fatalf("after resuming: %v %v", cleaned, err)
	}
	if o, _ := host.FirstDirtyOffset(tp); o != activeBase(e.log) || host.Writes() != 1 {
		t.Fatalf("checkpoint %d after %d writes", o, host.Writes())
	}
	// AbortCleaning of an idle log leaves it cleanable.
	c.AbortCleaning(tp)
	if c.CleaningPaused(tp) {
		t.Fatal("AbortCleaning left the log paused")
	}
}

// TestCleanerAbortedByStop: stopping the cleaner aborts a cleaning in
// progress without swapping anything in.
func TestCleanerAbortedByStop(t *testing.T) {
	e := newCompactEnv(t, compactConfig())
	e.rollUntil(6, 3)
	before := logRecords(t, e.log)
	c, host := newTestCleaner(t, e, testCleanerConfig())
	started := make(chan struct{})
	var once sync.Once
	c.throttle.sleep = func(ctx context.Context, d time.Duration) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return context.Cause(ctx)
	}
	c.SetIOMaxBytesPerSecond(1)
	c.Start()
	<-started
	c.Stop()
	if host.Writes() != 0 || c.CleaningInProgress(e.log.TopicPartition()) {
		t.Fatal("a stopped cleaning completed")
	}
	checkCompacted(t, before, logRecords(t, e.log), nil)
}

// notifyHost reports each checkpoint on a channel.
type notifyHost struct {
	*MemCleanerHost
	ch chan int64
}

func (h notifyHost) SetFirstDirtyOffset(tp TopicPartition, o int64) error {
	err := h.MemCleanerHost.SetFirstDirtyOffset(tp, o)
	select {
	case h.ch <- o:
	default:
	}
	return err
}

// TestBackgroundCleaner: started threads clean a dirty log on their own
// and checkpoint it; CleanOnce refuses to run beside them.
func TestBackgroundCleaner(t *testing.T) {
	e := newCompactEnv(t, compactConfig())
	e.rollUntil(6, 4)
	host := notifyHost{NewMemCleanerHost(e.log), make(chan int64, 1)}
	cfg := testCleanerConfig()
	cfg.Threads = 2
	c, err := NewCleaner(cfg, host, CleanerOptions{Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	defer c.Stop()
	if _, err := c.CleanOnce(); !errors.Is(err, ErrCleanerRunning) {
		t.Fatalf("CleanOnce beside the threads: %v", err)
	}
	select {
	case o := <-host.ch:
		if o != activeBase(e.log) {
			t.Fatalf("checkpoint %d, want %d", o, activeBase(e.log))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the background cleaner did not clean")
	}
	c.Stop()
	if got := keysInLog(t, e.log); len(got) > 4+int(e.log.LogEndOffset()-activeBase(e.log)) {
		t.Fatalf("%d keys left", len(got))
	}
	if s := c.Metrics().LastStats; s[0].EndOffset == 0 && s[1].EndOffset == 0 {
		t.Fatalf("no stats recorded: %+v", s)
	}
}

// TestCompactDeleteRetention: with cleanup.policy=compact,delete the
// cleaner also applies retention.ms, and never to a log it is cleaning.
func TestCompactDeleteRetention(t *testing.T) {
	cfg := compactConfig()
	cfg.CleanupPolicy = CleanupCompact | CleanupDelete
	cfg.RetentionMs = 10_000
	e := newCompactEnv(t, cfg)
	e.rollUntil(4, 1000) // timestamps ~1000: far older than retention
	c, _ := newTestCleaner(t, e, testCleanerConfig())
	if _, err := c.CleanOnce(); err != nil {
		t.Fatal(err)
	}
	if n := e.log.NumSegments(); n != 1 || e.log.LogStartOffset() != e.log.LogEndOffset() {
		t.Fatalf("%d segments left, log start %d", n, e.log.LogStartOffset())
	}
	// A paused log gets no retention from the cleaner.
	e.rollUntil(3, 1000)
	tp := e.log.TopicPartition()
	c.AbortAndPauseCleaning(tp)
	if _, err := c.CleanOnce(); err != nil {
		t.Fatal(err)
	}
	if n := e.log.NumSegments(); n != 3 {
		t.Fatalf("retention ran on a paused log: %d segments", n)
	}
	if err := c.ResumeCleaning(tp); err != nil {
		t.Fatal(err)
	}
}

// TestPauseCleaningForNonCompacted hands the owner's retention the logs it
// may work on, paused.
func TestPauseCleaningForNonCompacted(t *testing.T) {
	del := compactConfig()
	del.CleanupPolicy = CleanupDelete
	m := newMultiEnv(t, compactConfig(), del, del)
	m.c.AbortAndPauseCleaning(m.envs[2].log.TopicPartition())
	got := m.c.PauseCleaningForNonCompacted()
	if len(got) != 1 || got[0] != m.envs[1].log {
		t.Fatalf("paused %d logs, want only the idle non-compacted one", len(got))
	}
	if !m.c.CleaningPaused(got[0].TopicPartition()) {
		t.Fatal("not paused")
	}
	if err := m.c.ResumeCleaning(got[0].TopicPartition(), m.envs[2].log.TopicPartition()); err != nil {
		t.Fatal(err)
	}
}

// TestUncleanableLog: a log whose cleaning fails (a corrupt batch) is left
// as it was, then skipped, until the owner stops listing it.
func TestUncleanableLog(t *testing.T) {
	e := newCompactEnv(t, compactConfig())
	e.rollUntil(4, 3)
	seg := e.log.Segments()[1]
	f, err := e.fs.OpenReadWrite(seg.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	b := []byte{0}
	if _, err := f.ReadAt(b, record.HeaderSize+5); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff // a record byte: the CRC no longer matches
	if _, err := f.WriteAt(b, record.HeaderSize+5); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	files := map[string][]byte{}
	for _, s := range e.log.Segments() {
		files[s.LogPath()] = readFile(t, e.fs, s.LogPath())
	}
	c, host := newTestCleaner(t, e, testCleanerConfig())
	if _, err := c.CleanOnce(); !errors.Is(err, ErrCorruptRecord) {
		t.Fatalf("cleaning a corrupt log: %v", err)
	}
	if c.Metrics().UncleanablePartitions != 1 || host.Writes() != 0 {
		t.Fatal("not marked uncleanable, or checkpointed")
	}
	if cleaned, err := c.CleanOnce(); cleaned || err != nil {
		t.Fatalf("an uncleanable log was chosen again: %v %v", cleaned, err)
	}
	if names := fileNames(t, e.fs, e.dir); slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, CleanedFileSuffix) }) {
		t.Fatalf("leftover files: %v", names)
	}
	// The first group, before the corrupt one, may have been swapped in.
	for i, s := range e.log.Segments()[1:] {
		if got, ok := files[s.LogPath()]; !ok || !slices.Equal(got, readFile(t, e.fs, s.LogPath())) {
			t.Fatalf("segment %d (%d) changed", i+1, s.BaseOffset())
		}
	}
	host.Remove(e.log)
	c.maintainUncleanable()
	if c.Metrics().UncleanablePartitions != 0 {
		t.Fatal("an unlisted log is still uncleanable")
	}
}

// TestCleanerConfigValidate checks the bounds.
func TestCleanerConfigValidate(t *testing.T) {
	if err := DefaultCleanerConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*CleanerConfig){
		"threads":     func(c *CleanerConfig) { c.Threads = -1 },
		"io buffer":   func(c *CleanerConfig) { c.IOBufferSize = -1 },
		"backoff":     func(c *CleanerConfig) { c.BackoffMs = -1 },
		"load factor": func(c *CleanerConfig) { c.DedupeBufferLoadFactor = 1.5 },
		"io rate":     func(c *CleanerConfig) { c.IOMaxBytesPerSecond = 0 },
		"tiny map":    func(c *CleanerConfig) { c.DedupeBufferSize = 30 },
		"expiration":  func(c *CleanerConfig) { c.ProducerIDExpirationMs = 0 },
	} {
		c := DefaultCleanerConfig()
		mut(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	c := DefaultCleanerConfig()
	c.Threads = 4
	if got := c.offsetMapSlots(); got != (128<<20)/4/offsetMapEntryBytes {
		t.Fatalf("slots per thread %d", got)
	}
}
