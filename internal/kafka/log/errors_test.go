package log

import (
	"errors"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

// TestInjectedErrorsNeverCorrupt fails each mutating operation of the
// standard workload in turn (and, for writes, lets a prefix through first),
// lets the workload carry on, closes the log and reopens the files without
// faults: the log must be valid, hold every batch whose append succeeded
// (unless a later step removed it, or a failure left its fate unknown), and
// nothing never written. An error must come back as an error: the run is
// compared with a fault-free one.
func TestInjectedErrorsNeverCorrupt(t *testing.T) {
	for name, steps := range map[string][]step{"standard": standardWorkload(), "cleaner": cleanerWorkload()} {
		t.Run(name, func(t *testing.T) { injectAtEveryOperation(t, steps) })
	}
}

func injectAtEveryOperation(t *testing.T, steps []step) {
	hook, _, _ := crashRun(t, steps, 0, nil)
	total := hook.count.Load()
	for n := int64(0); n < total; n++ {
		for _, partial := range []bool{false, true} {
			mem := vfs.NewMem()
			var inj vfs.Injector = vfs.OnIndex(n, vfs.Mutating)
			if partial {
				inj = vfs.WritePrefix(7, inj)
			}
			clock := newClock(1_700_000_000_000)
			e := &env{t: t, fs: vfs.WithErrors(mem, inj), dir: testDir, cfg: workloadConfig(), clock: clock,
				sched: &manualScheduler{clock: clock}}
			l, err := Open(e.fs, e.dir, e.cfg, e.options(Options{}))
			r := &runner{t: t, e: e, m: newModel(), ops: func() int64 { return 0 }}
			clean := false
			if err == nil {
				e.log = l
				r.runSteps(steps, true)
				clean = l.Close() == nil
			} else if !errors.Is(err, vfs.ErrInjected) {
				t.Fatalf("op %d: Open failed with %v", n, err)
			}
			re := openOn(t, mem, workloadConfig(), Options{RecoveryPoint: r.ckptRP, LogStartOffset: r.ckptLS, HadCleanShutdown: clean})
			func() {
				defer func() {
					if t.Failed() {
						t.Logf("injected failure of mutating operation %d (partial %v), clean close %v", n, partial, clean)
					}
				}()
				checkRecovered(t, re.log, r.m, r.m.uncertainFrom, r.m.maxLogStart)
				re.mustAppend(simpleBatch(t, 1, 10, 1))
				checkLog(t, re.log)
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

// TestErrorsSurfaceAndFailTheLog checks what a caller sees: an append
// whose write fails returns ErrStorage and leaves the log usable (the bytes
// are cut back); a failed fsync fails the log for good.
func TestErrorsSurfaceAndFailTheLog(t *testing.T) {
	mem := vfs.NewMem()
	toggle := vfs.NewToggle(vfs.OnOp(vfs.OpFileWriteAt))
	e := openOn(t, vfs.WithErrors(mem, toggle), smallConfig(), Options{})
	e.mustAppend(simpleBatch(t, 2, 10, 1))
	toggle.On()
	_, err := e.log.AppendAsLeader(simpleBatch(t, 2, 10, 1), 0, OriginClient)
	if !errors.Is(err, ErrStorage) || !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("failed write: %v", err)
	}
	toggle.Off()
	if e.log.failureForTest() != nil {
		t.Fatal("an undone write failed the log")
	}
	e.mustAppend(simpleBatch(t, 1, 10, 1))
	if got := checkLog(t, e.log); len(got) != 2 || e.log.LogEndOffset() != 3 {
		t.Fatalf("%d batches, %v", len(got), e.log)
	}

	syncFail := vfs.NewToggle(vfs.OnOp(vfs.OpFileSync))
	e2 := openOn(t, vfs.WithErrors(vfs.NewMem(), syncFail), smallConfig(), Options{})
	e2.mustAppend(simpleBatch(t, 1, 10, 1))
	syncFail.On()
	if err := e2.log.Flush(1); !errors.Is(err, ErrStorage) {
		t.Fatalf("failed fsync: %v", err)
	}
	syncFail.Off()
	if err := e2.log.Flush(1); !errors.Is(err, ErrStorage) {
		t.Fatalf("a retried flush after a failed fsync: %v", err)
	}
	if _, err := e2.log.AppendAsLeader(simpleBatch(t, 1, 10, 1), 0, OriginClient); !errors.Is(err, ErrStorage) {
		t.Fatalf("append on a failed log: %v", err)
	}
	if err := e2.log.Close(); !errors.Is(err, ErrStorage) {
		t.Fatalf("Close of a failed log: %v", err)
	}
}
