package persist

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// crashOpts: small preallocation chunks so that files grow (and pad) often.
var crashOpts = Options{PreAllocSize: 1024, TxnLogSizeLimit: 3000}

// model is what a workload knows it did.
type model struct {
	appended  int64          // last zxid appended, committed or not
	committed int64          // last zxid of a Commit that returned nil
	snaps     map[int64]bool // snapshots WriteSnapshot was asked to write (it may fail after the rename)
}

func snapOf(zxid int64) *jute.SnapshotData { return testSnapshot(int(zxid % 40)) }

// restoreChecked restores fs and checks it against m: a snapshot that was
// written, then every txn after it in order, with the content appended,
// covering every committed txn and inventing none. It returns the last
// zxid and the open SnapLog.
func restoreChecked(t *testing.T, fs vfs.FS, m *model, what string) (*SnapLog, int64) {
	t.Helper()
	sl, err := Open(fs, "/data", "/data", crashOpts)
	if err != nil {
		t.Fatalf("%s: open: %v", what, err)
	}
	var zxids []int64
	snap, snapZxid, last, err := sl.Restore(func(h *jute.TxnHeader, rec jute.Record, dg *jute.TxnDigest) error {
		e := jute.NewEncoder(nil)
		jute.EncodeTxn(e, h, rec, dg)
		if string(e.Bytes()) != string(testTxnBytes(h.Zxid)) {
			return fmt.Errorf("txn 0x%x: content differs", h.Zxid)
		}
		zxids = append(zxids, h.Zxid)
		return nil
	})
	switch {
	case err != nil:
		t.Fatalf("%s: restore: %v (model %+v)", what, err, *m)
	case snap == nil && m.committed > 0:
		t.Fatalf("%s: no snapshot restored", what)
	case snap != nil && (!m.snaps[snapZxid] || !reflect.DeepEqual(snap, snapOf(snapZxid))):
		t.Fatalf("%s: snapshot 0x%x was not written as read", what, snapZxid)
	case !slices.Equal(zxids, seq(snapZxid+1, last)):
		t.Fatalf("%s: replayed %x after snapshot 0x%x", what, zxids, snapZxid)
	case last < m.committed:
		t.Fatalf("%s: lost committed txns: last 0x%x, committed 0x%x", what, last, m.committed)
	case last > m.appended:
		t.Fatalf("%s: invented txns: last 0x%x, appended 0x%x", what, last, m.appended)
	}
	return sl, last
}

// workload runs steps random operations on sl and stops at the first error.
// Like a server, it first writes snapshot 0 if Restore found an empty
// directory (snap is what Restore returned).
func workload(sl *SnapLog, snap *jute.SnapshotData, m *model, rng *rand.Rand, steps int) error {
	l := sl.TxnLog()
	if snap == nil {
		m.snaps[0] = true
		if _, err := sl.WriteSnapshot(0, snapOf(0)); err != nil {
			return err
		}
	}
	for range steps {
		var err error
		switch r := rng.IntN(20); {
		case r < 12:
			for range 1 + rng.IntN(4) {
				z := l.LastZxid() + 1
				if err = l.Append(testTxn(z)); err != nil {
					return err
				}
				m.appended = z
			}
			if rng.IntN(3) > 0 {
				if err = l.Commit(); err == nil {
					m.committed = l.LastZxid()
				}
			}
		case r < 14:
			err = l.Roll()
		case r < 16:
			if err = l.Commit(); err == nil {
				m.committed = l.LastZxid()
			}
		case r < 19:
			z := m.committed
			m.snaps[z] = true
			_, err = sl.WriteSnapshot(z, snapOf(z))
		default:
			err = sl.Purge(3)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// TestCrashAnywhere runs random workloads, makes one operation fail (as if
// the process died there), crashes the filesystem keeping random parts of
// what was not synced (torn writes, lost renames), and restores; then does
// it again on what was left.
func TestCrashAnywhere(t *testing.T) {
	for seed := range uint64(100) {
		rng := rand.New(rand.NewPCG(seed, 99))
		fs := vfs.NewCrashableMem()
		m := &model{snaps: map[int64]bool{}}
		for round := range 3 {
			inj := vfs.OnIndex(int64(rng.IntN(400)), vfs.Mutating)
			sl, err := Open(vfs.WithErrors(fs, inj), "/data", "/data", crashOpts)
			if err == nil {
				snap, _, last, rerr := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil })
				if err = rerr; err == nil {
					m.appended = max(m.appended, last)
					err = workload(sl, snap, m, rng, 40)
				}
			}
			if err != nil && !errors.Is(err, vfs.ErrInjected) {
				t.Fatalf("seed %d round %d: %v", seed, round, err)
			}
			fs = fs.CrashCloneWith(vfs.CrashCloneCfg{
				UnsyncedDataPercent: rng.IntN(101),
				UnsyncedDirPercent:  rng.IntN(101),
				RNG:                 rng,
			})
			what := fmt.Sprintf("seed %d round %d (failed op %v)", seed, round, inj.Fired())
			sl, last := restoreChecked(t, fs, m, what)
			// What the restore left is all there is now.
			m.appended, m.committed = last, last
			sl.Close()
		}
	}
}

// TestErrorsNeverCorrupt fails each operation of a workload in turn (one
// per run). The owner reopens after an error, as a server restarts; at the
// end, a crash keeping only what was synced must still hold every txn
// committed.
func TestErrorsNeverCorrupt(t *testing.T) {
	run := func(inj vfs.Injector) (*vfs.CrashableMem, *model) {
		fs := vfs.NewCrashableMem()
		efs := vfs.WithErrors(fs, inj)
		rng := rand.New(rand.NewPCG(7, 7))
		m := &model{snaps: map[int64]bool{}}
		for range 4 { // a workload in parts, reopening after each error
			sl, err := Open(efs, "/data", "/data", crashOpts)
			if err != nil {
				continue
			}
			snap, _, last, err := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil })
			if err != nil {
				continue
			}
			if last < m.committed || last > m.appended {
				t.Fatalf("restore after an error: last 0x%x, model %+v", last, *m)
			}
			m.appended, m.committed = last, last
			if err := workload(sl, snap, m, rng, 15); err != nil {
				if !errors.Is(err, vfs.ErrInjected) {
					t.Fatal(err)
				}
				continue // abandon sl, as a crashed process would
			}
			if err := sl.Close(); err != nil && !errors.Is(err, vfs.ErrInjected) {
				t.Fatal(err)
			}
		}
		return fs, m
	}
	count := &vfs.Counter{}
	_, clean := run(count)
	t.Logf("%d operations, model %+v", count.Count(), *clean)
	if clean.committed < 30 {
		t.Fatalf("workload too small: %+v", *clean)
	}
	for k := range count.Count() {
		fs, m := run(vfs.OnIndex(k))
		sl, _ := restoreChecked(t, fs.CrashClone(), m, fmt.Sprintf("op %d failed", k))
		sl.Close()
	}
}

// TestCrashDuringTruncate crashes TruncateTo at each of its operations: a
// restore then finds the log as before, as after, or in between (a prefix
// of before), never with a hole.
func TestCrashDuringTruncate(t *testing.T) {
	build := func() *vfs.CrashableMem {
		fs := vfs.NewCrashableMem()
		sl := openRestored(t, fs, crashOpts)
		m := &model{snaps: map[int64]bool{}}
		if err := workload(sl, nil, m, rand.New(rand.NewPCG(1, 1)), 0); err != nil {
			t.Fatal(err)
		}
		for z := int64(1); z <= 60; z += 10 {
			appendTxns(t, sl.TxnLog(), z, z+9)
			sl.TxnLog().Roll()
			if z == 21 {
				sl.WriteSnapshot(30, snapOf(30))
			}
		}
		sl.Close()
		return fs
	}
	count := &vfs.Counter{}
	sl, err := Open(vfs.WithErrors(build(), count), "/data", "/data", crashOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := sl.TruncateTo(25); err != nil {
		t.Fatal(err)
	}
	for k := range count.Count() + 1 {
		fs := build()
		sl, err := Open(vfs.WithErrors(fs, vfs.OnIndex(k)), "/data", "/data", crashOpts)
		if err == nil {
			_ = sl.TruncateTo(25)
		}
		got, err := readRestored(t, fs.CrashClone())
		if err != nil {
			t.Fatalf("op %d: %v", k, err)
		}
		last := got[len(got)-1]
		if last < 25 || last > 60 || !slices.Equal(got, seq(got[0], last)) {
			t.Fatalf("op %d: restored %x", k, got)
		}
	}
}
