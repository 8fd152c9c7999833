package log

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// Crash and fault tests of compaction. A compaction workload appends keyed
// records (tombstones, codecs, a producer), flushes, cleans, lets tombstones
// expire and reopens; its model is every record ever appended at each
// offset, and when. Whatever happens, the log must then hold
//
//   - only records appended at their offsets, unchanged (nothing
//     invented, offsets preserved);
//   - for every key, its newest durable record (below the checkpointed
//     recovery point) or a newer one; or nothing, when that record is a
//     tombstone old enough for its delete horizon to have passed.

// compactRunner drives a compacted log through a script.
type compactRunner struct {
	t      testing.TB
	e      *env
	host   *MemCleanerHost
	c      *Cleaner
	hist   map[int64][]rec // every version of the record at each offset, oldest first
	at     map[int64]int64 // when each offset was last appended
	ckptRP int64
	ckptLS int64
	ops    func() int64
	// ckptEvery makes the owner write its recovery point checkpoint only
	// at every ckptEvery-th flush, as Kafka's periodic checkpoint lags.
	ckptEvery int
	flushes   int
}

type cstep struct {
	name string
	do   func(r *compactRunner) error
}

// csnap is what the owner had checkpointed after a step.
type csnap struct {
	opsEnd         int64
	ckptRP, ckptLS int64
	cleanerCkpt    int64
	hasCleanerCkpt bool
	clock          int64 // the time during the step (ticks move it first)
}

func compactWorkloadConfig() Config {
	c := smallConfig()
	c.SegmentBytes = 1500
	c.CleanupPolicy = CleanupCompact
	c.RetentionMs = -1
	c.DeleteRetentionMs = 1000
	c.MinCleanableDirtyRatio = 0
	return c
}

func newCompactRunner(t testing.TB, e *env, ops func() int64) *compactRunner {
	r := &compactRunner{t: t, e: e, hist: map[int64][]rec{}, at: map[int64]int64{}, ops: ops}
	r.host = NewMemCleanerHost(e.log)
	c, err := NewCleaner(testCleanerConfig(), r.host, CleanerOptions{Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	r.c = c
	return r
}

// remember records the records of an appended batch (offsets assigned).
func (r *compactRunner) remember(b []byte) {
	for _, x := range batchRecords(r.t, []record.Batch{record.Batch(b)}) {
		r.hist[x.offset] = append(r.hist[x.offset], x)
		r.at[x.offset] = r.e.clock.NowMs()
	}
}

func (r *compactRunner) checkpoint() {
	r.ckptRP, r.ckptLS = r.e.log.RecoveryPoint(), r.e.log.LogStartOffset()
}

// flushed checkpoints after a flush, unless the checkpoint lags.
func (r *compactRunner) flushed() {
	r.flushes++
	if r.ckptEvery <= 1 || r.flushes%r.ckptEvery == 0 {
		r.checkpoint()
	}
}

func cAppend(seed int) cstep {
	return cstep{name: fmt.Sprintf("append(%d)", seed), do: func(r *compactRunner) error {
		n := 1 + seed%3
		recs := make([]kv, n)
		for i := range recs {
			k := (seed*7 + i*3) % 13
			if (seed+i)%5 == 0 {
				recs[i] = tomb(k)
			} else {
				recs[i] = kv{[]byte(fmt.Sprint(k)), []byte(fmt.Sprintf("v%d-%d-%0100d", seed, i, 0))}
			}
		}
		o := batchOpts{codec: []record.Compression{record.CompressionNone, record.CompressionGzip, record.CompressionZstd,
			record.CompressionLZ4}[seed%4], ts: r.e.clock.NowMs()}
		if seed%6 == 0 {
			o.producerID, o.sequence = 9, int32(seed)
		}
		b := keyedBatch(r.t, o, recs...)
		_, err := r.e.log.AppendAsLeader(b, 0, OriginClient)
		if err == nil || record.Batch(b).BaseOffset() != 0 || r.e.log.LogEndOffset() == 0 {
			r.remember(b)
		}
		return err
	}}
}

func cFlush() cstep {
	return cstep{name: "flush", do: func(r *compactRunner) error {
		if err := r.e.log.Flush(r.e.log.LogEndOffset()); err != nil {
			return err
		}
		r.flushed()
		return nil
	}}
}

func cRoll() cstep {
	return cstep{name: "roll", do: func(r *compactRunner) error { return r.e.log.Roll() }}
}

func cClean() cstep {
	return cstep{name: "clean", do: func(r *compactRunner) error {
		_, err := r.c.CleanOnce()
		return err
	}}
}

func cTick(ms int64) cstep {
	return cstep{name: fmt.Sprintf("tick(%d)", ms), do: func(r *compactRunner) error {
		r.e.clock.Add(ms)
		r.e.sched.RunDue()
		if r.e.log.RecoveryPoint() > r.ckptRP && r.e.log.failureForTest() == nil {
			r.flushed() // a scheduled flush ran
		}
		return nil
	}}
}

func cReopen() cstep {
	return cstep{name: "reopen", do: func(r *compactRunner) error {
		old := r.e.log
		rp, ls := old.RecoveryPoint(), old.LogStartOffset()
		clean := old.Close() == nil
		r.e.sched.Drop()
		l, err := Open(r.e.fs, r.e.dir, r.e.cfg, r.e.options(Options{HadCleanShutdown: clean, RecoveryPoint: rp, LogStartOffset: ls}))
		if err != nil {
			return err
		}
		r.e.log = l
		r.host.Replace(old, l)
		r.checkpoint()
		return nil
	}}
}

// compactWorkload is the script: five rounds of appends, a flush, a
// cleaning and time passing (rolled segments get flushed, deleted files
// removed), with a reopen and a roll between rounds, then tombstones expire
// and a last cleaning drops them.
func compactWorkload() []cstep {
	var s []cstep
	seed := 0
	for round := range 5 {
		for range 9 {
			s = append(s, cAppend(seed))
			seed++
		}
		// A cleaning before the rolled segments are flushed, one after.
		s = append(s, cClean(), cFlush(), cTick(10), cClean(), cTick(300))
		switch round {
		case 1:
			s = append(s, cReopen())
		case 3:
			s = append(s, cRoll())
		}
	}
	s = append(s, cTick(2000))
	for range 4 {
		s = append(s, cAppend(seed))
		seed++
	}
	s = append(s, cFlush(), cTick(10), cClean(), cFlush(), cTick(2000))
	return s
}

func (r *compactRunner) run(steps []cstep, tolerant bool) []csnap {
	r.t.Helper()
	snaps := make([]csnap, 0, len(steps))
	for _, s := range steps {
		if err := s.do(r); err != nil && !tolerant {
			r.t.Fatalf("%s: %v", s.name, err)
		}
		o, ok := r.host.FirstDirtyOffset(r.e.log.TopicPartition())
		snaps = append(snaps, csnap{opsEnd: r.ops(), ckptRP: r.ckptRP, ckptLS: r.ckptLS, cleanerCkpt: o, hasCleanerCkpt: ok,
			clock: r.e.clock.NowMs()})
	}
	return snaps
}

// checkCompactRecovered checks l against the model (see the top of the
// file): mustBelow is the offset below which records were durable, now the
// clock's time.
func (r *compactRunner) checkCompactRecovered(t testing.TB, l *Log, mustBelow, now int64) {
	t.Helper()
	got := logRecords(t, l)
	newest := map[string]int64{}
	for _, x := range got {
		if !slices.ContainsFunc(r.hist[x.offset], func(h rec) bool { return recEqual(h, x) }) {
			t.Fatalf("record at %d was never appended there: %+v", x.offset, x)
		}
		newest[x.key] = max(newest[x.key], x.offset+1)
	}
	durable := map[string]int64{}
	for o, vs := range r.hist {
		if o < mustBelow && o >= l.LogStartOffset() {
			k := vs[len(vs)-1].key
			durable[k] = max(durable[k], o+1)
		}
	}
	for k, o1 := range durable {
		o := o1 - 1
		switch {
		case newest[k] > o:
		case newest[k] == 0 && r.hist[o][len(r.hist[o])-1].tombstone() && now >= r.at[o]+compactWorkloadConfig().DeleteRetentionMs:
		default:
			t.Fatalf("key %s: newest durable record at %d, newest in the log at %d", k, o, newest[k]-1)
		}
	}
}

// TestCleanerWorkloadCompacts runs the workload without faults: it ends
// with every key once in the cleaned log, expired tombstones gone.
func TestCleanerWorkloadCompacts(t *testing.T) {
	e := openOn(t, vfs.NewMem(), compactWorkloadConfig(), Options{})
	defer func() { _ = e.log.Close() }()
	r := newCompactRunner(t, e, func() int64 { return 0 })
	// One more cleaning (of a batch without tombstones) drops the
	// tombstones whose horizon the last one set.
	r.run(append(compactWorkload(), cAppend(101), cRoll(), cFlush(), cTick(10), cClean()), false)
	r.checkCompactRecovered(t, e.log, e.log.LogEndOffset(), e.clock.NowMs())
	t.Logf("%d records left of %d appended", len(logRecords(t, e.log)), len(r.hist))
	ckpt, _ := r.host.FirstDirtyOffset(e.log.TopicPartition())
	seen := map[string]bool{}
	for _, x := range logRecords(t, e.log) {
		if x.offset >= ckpt {
			continue
		}
		if seen[x.key] || x.tombstone() {
			t.Fatalf("key %s at %d: repeated, or an expired tombstone, in the cleaned section [0, %d)", x.key, x.offset, ckpt)
		}
		seen[x.key] = true
	}
	if len(seen) == 0 {
		t.Fatal("nothing was cleaned")
	}
}

// TestCleanerCrashAtEveryWriteAndSync crashes the workload just before
// each of its mutating operations, under the strict model and two that
// keep random parts of what was not synced, and checks the recovered log
// against the model; the recovered log then takes appends and a cleaning.
func TestCleanerCrashAtEveryWriteAndSync(t *testing.T) {
	for _, every := range []int{1, 3} {
		t.Run(fmt.Sprintf("checkpoint-every-%d-flushes", every), func(t *testing.T) {
			if every > 1 {
				skipIfRecoveryDropsCompactedBatches(t)
			}
			crashCompactionAtEveryOperation(t, every)
		})
	}
}

func crashCompactionAtEveryOperation(t *testing.T, ckptEvery int) {
	steps := compactWorkload()
	run := func(target int64, cfgs []vfs.CrashCloneCfg) (*crashHook, []csnap, *compactRunner) {
		mem := vfs.NewCrashableMem()
		hook := &crashHook{mem: mem, target: target, cfgs: cfgs}
		e := openOn(t, vfs.WithErrors(mem, hook), compactWorkloadConfig(), Options{})
		r := newCompactRunner(t, e, hook.count.Load)
		r.ckptEvery = ckptEvery
		snaps := r.run(steps, false)
		if err := e.log.Close(); err != nil {
			t.Fatal(err)
		}
		return hook, snaps, r
	}
	hook, _, _ := run(0, nil)
	total := hook.count.Load()
	if total < 200 {
		t.Fatalf("only %d operations", total)
	}
	stride := int64(1)
	if testing.Short() {
		stride = 7
	}
	for n := int64(1); n <= total; n += stride {
		cfgs := []vfs.CrashCloneCfg{
			{},
			{UnsyncedDataPercent: 50, UnsyncedDirPercent: 50, RNG: rand.New(rand.NewPCG(uint64(n), 1))},
			{UnsyncedDataPercent: 100, UnsyncedDirPercent: 100, RNG: rand.New(rand.NewPCG(uint64(n), 2))},
		}
		hook, snaps, r := run(n, cfgs)
		k := slices.IndexFunc(snaps, func(s csnap) bool { return s.opsEnd >= n })
		prev := csnap{}
		now := snaps[len(snaps)-1].clock
		switch {
		case k > 0:
			prev, now = snaps[k-1], snaps[k].clock
		case k == 0:
			now = snaps[0].clock
		case k < 0:
			prev = snaps[len(snaps)-1]
		}
		for i, clone := range hook.clones {
			re := openOn(t, clone, compactWorkloadConfig(), Options{RecoveryPoint: prev.ckptRP, LogStartOffset: prev.ckptLS})
			re.clock.ms.Store(now)
			func() {
				defer func() {
					if t.Failed() {
						t.Logf("crash before operation %d of %d (step %d %s), clone %d", n, total, k, cstepName(steps, k), i)
					}
				}()
				r.checkCompactRecovered(t, re.log, prev.ckptRP, re.clock.NowMs())
				// The recovered log works: it takes appends, flushes
				// and cleans, and still holds what it must.
				rr := newCompactRunner(t, re, func() int64 { return 0 })
				for o, vs := range r.hist {
					rr.hist[o], rr.at[o] = slices.Clone(vs), r.at[o]
				}
				if prev.hasCleanerCkpt {
					_ = rr.host.SetFirstDirtyOffset(re.log.TopicPartition(), prev.cleanerCkpt)
				}
				rr.run([]cstep{cAppend(1000), cAppend(1001), cFlush(), cTick(10), cClean()}, false)
				rr.checkCompactRecovered(t, re.log, prev.ckptRP, re.clock.NowMs())
			}()
			if err := re.log.Close(); err != nil {
				t.Fatal(err)
			}
			if t.Failed() {
				return
			}
		}
	}
}

func cstepName(steps []cstep, k int) string {
	if k < 0 || k >= len(steps) {
		return "-"
	}
	return steps[k].name
}

// TestCleanerInjectedErrorsNeverCorrupt fails each mutating operation of
// the workload in turn (for writes, also after a prefix of the bytes), lets
// the workload carry on, reopens the files without faults and checks the
// log against the model. A cleaning that failed returned an error; a run
// where every step succeeded ends with the log the fault-free run has.
func TestCleanerInjectedErrorsNeverCorrupt(t *testing.T) {
	for _, every := range []int{1, 3} {
		t.Run(fmt.Sprintf("checkpoint-every-%d-flushes", every), func(t *testing.T) {
			if every > 1 {
				skipIfRecoveryDropsCompactedBatches(t)
			}
			injectIntoCompaction(t, every)
		})
	}
}

func injectIntoCompaction(t *testing.T, ckptEvery int) {
	steps := compactWorkload()
	counter := &vfs.Counter{Filter: vfs.Mutating}
	ref := openOn(t, vfs.WithErrors(vfs.NewMem(), counter), compactWorkloadConfig(), Options{})
	rr := newCompactRunner(t, ref, counter.Count)
	rr.run(steps, false)
	want := logRecords(t, ref.log)
	total := counter.Count()
	_ = ref.log.Close()

	stride := int64(1)
	if testing.Short() {
		stride = 5
	}
	for n := int64(0); n < total; n += stride {
		for _, partial := range []bool{false, true} {
			mem := vfs.NewMem()
			var inj vfs.Injector = vfs.OnIndex(n, vfs.Mutating)
			if partial {
				inj = vfs.WritePrefix(7, inj)
			}
			clock := newClock(1_700_000_000_000)
			e := &env{t: t, fs: vfs.WithErrors(mem, inj), dir: testDir, cfg: compactWorkloadConfig(), clock: clock,
				sched: &manualScheduler{clock: clock}}
			l, err := Open(e.fs, e.dir, e.cfg, e.options(Options{}))
			if err != nil {
				if !errors.Is(err, vfs.ErrInjected) {
					t.Fatalf("op %d: Open: %v", n, err)
				}
				continue
			}
			e.log = l
			r := newCompactRunner(t, e, func() int64 { return 0 })
			r.ckptEvery = ckptEvery
			failed := false
			for _, s := range steps {
				if err := s.do(r); err != nil {
					failed = true
				}
			}
			clean := l.Close() == nil
			re := openOn(t, mem, compactWorkloadConfig(), Options{RecoveryPoint: r.ckptRP, LogStartOffset: r.ckptLS, HadCleanShutdown: clean})
			re.clock.ms.Store(clock.NowMs())
			func() {
				defer func() {
					if t.Failed() {
						t.Logf("injected failure of mutating operation %d (partial %v), clean close %v", n, partial, clean)
					}
				}()
				r.checkCompactRecovered(t, re.log, r.ckptRP, re.clock.NowMs())
				if !failed && clean {
					if got := logRecords(t, re.log); !slices.EqualFunc(got, want, recEqual) {
						t.Fatalf("every step succeeded, yet the log differs from the fault-free run (%d records, want %d)", len(got), len(want))
					}
				}
			}()
			if err := re.log.Close(); err != nil {
				t.Fatal(err)
			}
			if t.Failed() {
				return
			}
		}
	}
}
