package log

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

// openOn opens the test directory of fsys with a fresh clock and scheduler.
func openOn(t testing.TB, fsys vfs.FS, cfg Config, o Options) *env {
	t.Helper()
	clock := newClock(1_700_000_000_000)
	e := &env{t: t, fs: fsys, dir: testDir, cfg: cfg, clock: clock, sched: &manualScheduler{clock: clock}}
	e.open(o)
	return e
}

// crashRun runs steps on a crashable filesystem, taking crash clones just
// before the target-th mutating operation (none when target is 0), and
// returns the hook, the snapshots and the final model.
func crashRun(t *testing.T, steps []step, target int64, cfgs []vfs.CrashCloneCfg) (*crashHook, []snapshot, *model) {
	t.Helper()
	mem := vfs.NewCrashableMem()
	hook := &crashHook{mem: mem, target: target, cfgs: cfgs}
	e := openOn(t, vfs.WithErrors(mem, hook), workloadConfig(), Options{})
	r := &runner{t: t, e: e, m: newModel(), ops: hook.count.Load}
	snaps := r.runSteps(steps, false)
	if err := e.log.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return hook, snaps, r.m
}

// TestCrashAtEveryWriteAndSync crashes the standard workload just before
// each of its mutating operations (every write, sync, rename, truncation,
// creation and removal), under the strict model and two random ones that
// keep torn parts of unsynced writes, and checks that the recovered log
// holds every batch that was durable (below the checkpointed recovery
// point), nothing that was never written, and works afterwards.
func TestCrashAtEveryWriteAndSync(t *testing.T) {
	for name, steps := range map[string][]step{"standard": standardWorkload(), "cleaner": cleanerWorkload()} {
		t.Run(name, func(t *testing.T) { crashAtEveryOperation(t, steps) })
	}
}

func crashAtEveryOperation(t *testing.T, steps []step) {
	hook, _, _ := crashRun(t, steps, 0, nil)
	total := hook.count.Load()
	if total < 100 {
		t.Fatalf("only %d operations: the workload does too little", total)
	}
	for n := int64(1); n <= total; n++ {
		cfgs := []vfs.CrashCloneCfg{
			{},
			{UnsyncedDataPercent: 50, UnsyncedDirPercent: 50, RNG: rand.New(rand.NewPCG(uint64(n), 1))},
			{UnsyncedDataPercent: 100, UnsyncedDirPercent: 100, RNG: rand.New(rand.NewPCG(uint64(n), 2))},
		}
		hook, snaps, final := crashRun(t, steps, n, cfgs)
		k := slices.IndexFunc(snaps, func(s snapshot) bool { return s.opsEnd >= n })
		prev := snapshot{m: newModel()}
		switch {
		case k > 0:
			prev = snaps[k-1]
		case k < 0: // during the final Close
			prev = snaps[len(snaps)-1]
		}
		mustBelow := prev.ckptRP
		maxLogStart := prev.m.maxLogStart
		if k >= 0 {
			if steps[k].truncates {
				mustBelow = min(mustBelow, steps[k].truncTo)
			}
			maxLogStart = max(maxLogStart, steps[k].startTo)
		}
		m := &model{batches: prev.m.batches, logStart: prev.m.logStart, history: final.history}
		for i, clone := range hook.clones {
			e := openOn(t, clone, workloadConfig(), Options{RecoveryPoint: prev.ckptRP, LogStartOffset: prev.ckptLS})
			func() {
				defer func() {
					if t.Failed() {
						t.Logf("crash before operation %d of %d (step %d %q), clone %d", n, total, k, stepName(steps, k), i)
					}
				}()
				checkRecovered(t, e.log, m, mustBelow, maxLogStart)
				// The recovered log takes appends and flushes.
				e.mustAppend(simpleBatch(t, 2, 10, 99))
				if err := e.log.Flush(e.log.LogEndOffset()); err != nil {
					t.Fatal(err)
				}
				checkLog(t, e.log)
			}()
			if err := e.log.Close(); err != nil {
				t.Fatal(err)
			}
			if t.Failed() {
				return
			}
		}
	}
}

func stepName(steps []step, k int) string {
	if k < 0 || k >= len(steps) {
		return "-"
	}
	return steps[k].name
}

// TestFlushedDataSurvivesCrash is the contract in its simplest form: what
// Flush covered is there after a power loss, and the recovery point says so.
func TestFlushedDataSurvivesCrash(t *testing.T) {
	mem := vfs.NewCrashableMem()
	e := openOn(t, mem, smallConfig(), Options{})
	defer e.log.closeForTest()
	varied(t, e, 40)
	if err := e.log.Flush(e.log.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	durable := e.log.RecoveryPoint()
	want := checkLog(t, e.log)
	varied(t, e, 10) // not flushed
	re := openOn(t, mem.CrashClone(), smallConfig(), Options{RecoveryPoint: durable})
	defer re.log.closeForTest()
	got := checkLog(t, re.log)
	if len(got) < len(want) || re.log.LogEndOffset() < durable {
		t.Fatalf("after the crash: %d batches (flushed %d), log end %d < %d", len(got), len(want), re.log.LogEndOffset(), durable)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("batch %d changed", i)
		}
	}
}
