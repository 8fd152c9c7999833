package log

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// A workload is a script of operations on a log, run against a model of
// what the log must hold, so that crash and fault tests can ask, at any
// point: what must a recovered log contain, and what may it contain?
//
//   - model.batches is the log's content if every step so far succeeded;
//   - model.history holds every batch ever handed to the log at each
//     offset: a recovered log may hold only those ("nothing invented");
//   - ckptRP and ckptLS are what the owner has checkpointed (after each
//     successful flush and truncation, as LogManager does): a crash
//     reopens with them;
//   - uncertainFrom marks where a failed step left the content unknown.
//
// To add a scenario, write a []step; runSteps drives it and records a
// snapshot after every step.

type model struct {
	batches       []record.Batch
	logStart      int64 // the log start offset after the last successful step
	maxLogStart   int64 // the highest log start offset ever asked for
	history       map[int64][][]byte
	uncertainFrom int64
}

func newModel() *model {
	return &model{history: map[int64][][]byte{}, uncertainFrom: math.MaxInt64}
}

func (m *model) clone() *model {
	c := *m
	c.batches = slices.Clone(m.batches)
	return &c
}

func (m *model) leo() int64 {
	if len(m.batches) == 0 {
		return m.logStart
	}
	return max(m.batches[len(m.batches)-1].NextOffset(), m.logStart)
}

func (m *model) remember(b []byte) {
	bt := record.Batch(b)
	m.history[bt.BaseOffset()] = append(m.history[bt.BaseOffset()], slices.Clone(b))
}

func (m *model) truncate(target int64) {
	i := slices.IndexFunc(m.batches, func(b record.Batch) bool { return b.LastOffset() >= target })
	if i >= 0 {
		m.batches = m.batches[:i]
	}
	m.logStart = min(m.logStart, target)
}

// runner drives a log through steps, updating the model.
type runner struct {
	t      testing.TB
	e      *env
	m      *model
	ckptRP int64
	ckptLS int64
	ops    func() int64 // the operations counted so far (a crashHook's)
}

// step is one scripted operation.
type step struct {
	name string
	do   func(r *runner) error
	// truncates marks a truncation to truncTo: a crash during it may have
	// removed the offsets from there.
	truncates bool
	truncTo   int64
	// startTo, for a log start increment, is its target.
	startTo int64
}

// snapshot is the model and checkpoints after a step, and the operation
// count when the step ended.
type snapshot struct {
	opsEnd         int64
	m              *model
	ckptRP, ckptLS int64
}

func appendStep(spec batchSpec, seed int) step {
	return step{name: fmt.Sprintf("append(%d×%dB)", spec.records, spec.valueSize), do: func(r *runner) error {
		b := mkBatch(r.t, spec, seed)
		leo := r.m.leo()
		_, err := r.e.log.AppendAsLeader(b, int32(seed/10), OriginClient)
		if err != nil {
			if record.Batch(b).BaseOffset() != 0 || leo == 0 { // offsets were assigned: it may be on disk
				r.m.remember(b)
				r.m.uncertainFrom = min(r.m.uncertainFrom, leo)
			}
			return err
		}
		r.m.remember(b)
		r.m.batches = append(r.m.batches, record.Batch(b))
		return nil
	}}
}

func flushStep() step {
	return step{name: "flush", do: func(r *runner) error {
		if err := r.e.log.Flush(r.e.log.LogEndOffset()); err != nil {
			return err
		}
		r.checkpoint()
		return nil
	}}
}

// checkpoint records what the owner would write to its checkpoint files.
func (r *runner) checkpoint() {
	r.ckptRP, r.ckptLS = r.e.log.RecoveryPoint(), r.e.log.LogStartOffset()
}

func rollStep() step { return step{name: "roll", do: func(r *runner) error { return r.e.log.Roll() }} }

func schedStep(advanceMs int64) step {
	return step{name: "scheduler", do: func(r *runner) error {
		r.e.clock.Add(advanceMs)
		r.e.sched.RunDue()
		if r.e.log.RecoveryPoint() > r.ckptRP && r.e.log.failureForTest() == nil {
			r.checkpoint() // a flush ran
		}
		return nil
	}}
}

// retentionStep moves the log start offset to the given fraction of the log
// and deletes the segments below it.
func retentionStep(offset int64) step {
	return step{name: fmt.Sprintf("retention(%d)", offset), startTo: offset, do: func(r *runner) error {
		r.m.maxLogStart = max(r.m.maxLogStart, offset)
		if _, err := r.e.log.IncrementLogStartOffset(offset, r.e.log.LogEndOffset()); err != nil {
			return err
		}
		_, err := r.e.log.DeleteOldSegments(r.e.clock.NowMs(), r.e.log.LogEndOffset())
		r.m.logStart = max(r.m.logStart, r.e.log.LogStartOffset())
		r.m.maxLogStart = max(r.m.maxLogStart, r.m.logStart)
		return err
	}}
}

func truncateStep(target int64) step {
	return step{name: fmt.Sprintf("truncate(%d)", target), truncates: true, truncTo: target, do: func(r *runner) error {
		_, err := r.e.log.TruncateTo(target)
		if err != nil {
			r.m.uncertainFrom = min(r.m.uncertainFrom, target)
			return err
		}
		r.m.truncate(target)
		r.checkpoint()
		return nil
	}}
}

// truncateFullyStep restarts the log, empty, at offset.
func truncateFullyStep(offset int64) step {
	return step{name: fmt.Sprintf("truncateFully(%d)", offset), truncates: true, startTo: offset, do: func(r *runner) error {
		r.m.maxLogStart = max(r.m.maxLogStart, offset)
		if err := r.e.log.TruncateFullyAndStartAt(offset); err != nil {
			r.m.uncertainFrom = 0
			return err
		}
		r.m.batches, r.m.logStart = nil, offset
		r.checkpoint()
		return nil
	}}
}

// cleanStep swaps a cleaned copy of the two oldest segments (every batch
// kept) in for them, as the cleaner does.
func cleanStep() step {
	return step{name: "clean", do: func(r *runner) error {
		segs := r.e.log.Segments()
		if len(segs) < 3 {
			return fmt.Errorf("clean step needs 3 segments, the log has %d", len(segs))
		}
		c, err := r.e.log.NewCleanedSegment(segs[0].BaseOffset())
		if err != nil {
			return err
		}
		for _, s := range segs[:2] {
			err := s.Batches(0, func(b record.Batch, _ int64) (bool, error) {
				if b.LastOffset() < r.e.log.LogStartOffset() {
					return true, nil
				}
				return true, c.AppendBatches(slices.Clone(b))
			})
			if err != nil {
				_ = c.Discard()
				return err
			}
		}
		if err := c.Seal(); err != nil {
			_ = c.Discard()
			return err
		}
		if err := r.e.log.ReplaceSegments([]*Segment{c}, segs[:2]); err != nil {
			return err
		}
		start := r.e.log.LogStartOffset()
		r.m.batches = slices.DeleteFunc(r.m.batches, func(b record.Batch) bool { return b.LastOffset() < start })
		return nil
	}}
}

// reopenStep closes the log cleanly and opens it again with the checkpoints.
func reopenStep() step {
	return step{name: "reopen", do: func(r *runner) error {
		l := r.e.log
		rp, ls := l.RecoveryPoint(), l.LogStartOffset()
		clean := l.Close() == nil
		r.e.sched.Drop()
		re, err := Open(r.e.fs, r.e.dir, r.e.cfg, r.e.options(Options{HadCleanShutdown: clean, RecoveryPoint: rp, LogStartOffset: ls}))
		if err != nil {
			return err
		}
		r.e.log = re
		r.checkpoint()
		return nil
	}}
}

// runSteps runs steps, ignoring their errors when tolerant (a fault test)
// and failing otherwise, and returns a snapshot after each.
func (r *runner) runSteps(steps []step, tolerant bool) []snapshot {
	r.t.Helper()
	snaps := make([]snapshot, 0, len(steps))
	for _, s := range steps {
		if err := s.do(r); err != nil && !tolerant {
			r.t.Fatalf("%s: %v", s.name, err)
		}
		snaps = append(snaps, snapshot{opsEnd: r.ops(), m: r.m.clone(), ckptRP: r.ckptRP, ckptLS: r.ckptLS})
	}
	return snaps
}

// checkRecovered verifies a log recovered from a crash or a fault against
// the model: it holds every batch of m.batches in [m.logStart, mustBelow)
// unchanged (below the log start, retention and cleaning may remove data
// at any time, whatever the recovered log start says), no batch that was
// never written at its offset, and a log start no higher than maxLogStart.
func checkRecovered(t testing.TB, l *Log, m *model, mustBelow, maxLogStart int64) {
	t.Helper()
	got := checkLog(t, l)
	if ls := l.LogStartOffset(); ls > maxLogStart {
		t.Fatalf("log start %d, but no more than %d was ever asked", ls, maxLogStart)
	}
	have := map[int64]record.Batch{}
	for _, b := range got {
		have[b.BaseOffset()] = b
		ok := slices.ContainsFunc(m.history[b.BaseOffset()], func(h []byte) bool { return bytes.Equal(h, b) })
		if !ok {
			t.Fatalf("batch [%d, %d] was never written (%d versions known)", b.BaseOffset(), b.LastOffset(), len(m.history[b.BaseOffset()]))
		}
	}
	for _, b := range m.batches {
		if b.LastOffset() >= mustBelow || b.LastOffset() < max(l.LogStartOffset(), m.logStart) {
			continue
		}
		if h, ok := have[b.BaseOffset()]; !ok || !bytes.Equal(h, b) {
			t.Fatalf("durable batch [%d, %d] lost (log %v, must hold below %d)", b.BaseOffset(), b.LastOffset(), l, mustBelow)
		}
	}
	if l.LogEndOffset() < min(mustBelow, m.leo()) {
		t.Fatalf("log ends at %d, before the durable %d", l.LogEndOffset(), min(mustBelow, m.leo()))
	}
}

// failureForTest returns the log's storage failure, if any.
func (l *Log) failureForTest() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failure
}

// crashHook counts mutating operations and, just before the target-th one
// runs, takes crash clones of the filesystem: what a power loss then leaves.
type crashHook struct {
	mem    *vfs.CrashableMem
	target int64
	count  atomic.Int64
	clones []*vfs.CrashableMem
	cfgs   []vfs.CrashCloneCfg
}

func (h *crashHook) MaybeError(op vfs.Op) error {
	if vfs.Mutating(op) && h.count.Add(1) == h.target {
		for _, c := range h.cfgs {
			h.clones = append(h.clones, h.mem.CrashCloneWith(c))
		}
	}
	return nil
}

// workloadConfig is smallConfig without time retention (the workload's
// timestamps are far behind the test clock): its retention steps delete by
// the log start offset only, which bounds what a crash may take.
func workloadConfig() Config {
	c := smallConfig()
	c.RetentionMs = -1
	return c
}

// standardWorkload appends, flushes, rolls (small segments), applies
// retention, truncates and keeps going: every kind of write the log does.
func standardWorkload() []step {
	var s []step
	seed := 0
	add := func(n int, records, size int) {
		for range n {
			s = append(s, appendStep(batchSpec{records: records, valueSize: size, ts: int64(10_000 + 10*seed)}, seed))
			seed++
		}
	}
	add(3, 2, 100)
	s = append(s, flushStep())
	add(6, 3, 250) // rolls at 4 KiB
	s = append(s, flushStep(), schedStep(0))
	add(4, 1, 400)
	s = append(s, retentionStep(12), schedStep(2000))
	add(3, 2, 80)
	s = append(s, flushStep(), truncateStep(30))
	add(3, 2, 300)
	s = append(s, rollStep(), flushStep())
	add(2, 5, 50)
	s = append(s, flushStep(), schedStep(2000))
	return s
}

// cleanerWorkload swaps cleaned segments in, reopens the log, and restarts
// it at a later offset (a follower behind a leader's log start).
func cleanerWorkload() []step {
	var s []step
	for i := range 16 {
		s = append(s, appendStep(batchSpec{records: 2, valueSize: 300, ts: int64(20_000 + i)}, i))
	}
	s = append(s, flushStep(), schedStep(0), retentionStep(3), cleanStep(), flushStep(), reopenStep())
	for i := range 4 {
		s = append(s, appendStep(batchSpec{records: 1, valueSize: 200, ts: int64(30_000 + i)}, 20+i))
	}
	s = append(s, flushStep(), truncateFullyStep(500))
	for i := range 3 {
		s = append(s, appendStep(batchSpec{records: 1, valueSize: 100, ts: int64(40_000 + i)}, 30+i))
	}
	s = append(s, flushStep(), schedStep(5000))
	return s
}
