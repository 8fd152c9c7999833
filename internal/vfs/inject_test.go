package vfs

import (
	"errors"
	"io"
	"io/fs"
	"maps"
	"strings"
	"testing"
)

// workload is a small log-and-snapshot round in the style of persist: one
// filesystem operation per step, every OpKind at least once, stopping at the
// first error. before, if not nil, runs before each step.
func workload(fsys FS, before func(step int)) error {
	var f, g File
	steps := []func() error{
		func() error { return fsys.MkdirAll("/d/v", 0o755) },
		func() error { return fsys.SyncDir("/") },
		func() error { return fsys.SyncDir("/d") },
		func() (err error) { f, err = fsys.Create("/d/v/log.1"); return err },
		func() error { return fsys.SyncDir("/d/v") },
		func() error { return f.Preallocate(0, 1<<16) },
		func() error { _, err := f.Write([]byte("header")); return err },
		func() error { _, err := f.WriteAt([]byte("rec1"), 6); return err },
		func() error { _, err := f.Seek(0, io.SeekEnd); return err },
		func() error { _, err := f.Write([]byte("rec2")); return err },
		func() error { return f.Sync() },
		func() error { return f.Truncate(10) },
		func() error { _, err := f.Stat(); return err },
		func() error { return f.Close() },
		func() (err error) { g, err = fsys.OpenReadWrite("/d/v/snap.tmp"); return err },
		func() error { _, err := g.Write([]byte("snapshot")); return err },
		func() error { return g.Sync() },
		func() error { return g.Close() },
		func() error { return fsys.Rename("/d/v/snap.tmp", "/d/v/snap.1") },
		func() error { return fsys.SyncDir("/d/v") },
		func() (err error) { g, err = fsys.Open("/d/v/log.1"); return err },
		func() error { _, err := g.Read(make([]byte, 4)); return err },
		func() error { _, err := g.ReadAt(make([]byte, 4), 2); return err },
		func() error { return g.Close() },
		func() error { _, err := fsys.List("/d/v"); return err },
		func() error { _, err := fsys.Stat("/d/v/snap.1"); return err },
		func() error { return fsys.Remove("/d/v/log.1") },
		func() error { return fsys.RemoveAll("/d/v") },
	}
	for i, step := range steps {
		if before != nil {
			before(i)
		}
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

type state struct{ now, crash map[string]string }

func snapshot(t *testing.T, m *CrashableMem) state {
	return state{dump(t, m, "/"), dump(t, m.CrashClone(), "/")}
}

// TestFailEachOp fails each operation of the workload in turn and checks
// that the failure reaches the caller and that the filesystem, now and
// after a crash, is exactly as it was before the failed operation.
func TestFailEachOp(t *testing.T) {
	var count Counter
	kinds, steps := map[OpKind]bool{}, int64(0)
	must(t, workload(WithErrors(NewMem(), Any(&count, InjectorFunc(func(op Op) error {
		kinds[op.Kind] = true
		return nil
	}))), func(int) { steps++ }))
	if len(kinds) != int(numOpKinds) || count.Count() != steps {
		t.Fatalf("workload covers %v in %d ops, %d steps", kinds, count.Count(), steps)
	}
	for i := range steps {
		// The reference runs on the bare FS: op i is step i.
		ref, want := NewCrashableMem(), state{}
		must(t, workload(ref, func(step int) {
			if int64(step) == i {
				want = snapshot(t, ref)
			}
		}))
		m := NewCrashableMem()
		inj := OnIndex(i)
		err := workload(WithErrors(m, inj), nil)
		if !errors.Is(err, ErrInjected) || !inj.Fired() || !strings.Contains(err.Error(), "vfs: injected error") {
			t.Fatalf("op %d: workload returned %v", i, err)
		}
		if got := snapshot(t, m); !maps.Equal(got.now, want.now) || !maps.Equal(got.crash, want.crash) {
			t.Fatalf("op %d (%v): state %v, want %v", i, err, got, want)
		}
	}
}

func TestPartialWrite(t *testing.T) {
	m := NewMem()
	fsys := WithErrors(m, WritePrefix(3, OnIndex(1, Kinds(OpFileWrite, OpFileWriteAt))))
	f, err := fsys.Create("/f")
	must(t, err)
	_, err = f.Write([]byte("first"))
	must(t, err)
	n, err := f.WriteAt([]byte("second"), 5)
	var pw *PartialWrite
	if n != 3 || !errors.Is(err, ErrInjected) || !errors.As(err, &pw) {
		t.Fatalf("WriteAt = %d, %v", n, err)
	}
	if got := readFile(t, m, "/f"); got != "firstsec" {
		t.Fatalf("file holds %q", got)
	}
}

func TestInjectors(t *testing.T) {
	create := Op{Kind: OpCreate, Path: "/a"}
	sync := Op{Kind: OpFileSync, Path: "/a"}
	list := Op{Kind: OpList, Path: "/"}
	tests := []struct {
		name string
		inj  Injector
		ops  []Op
		fail []bool
	}{
		{"OnIndex counts every op", OnIndex(1), []Op{create, list, sync}, []bool{false, true, false}},
		{"OnIndex counts selected ops", OnIndex(1, Mutating), []Op{create, list, sync}, []bool{false, false, true}},
		{"OnOp fails every op of its kinds", OnOp(OpFileSync, OpList), []Op{create, list, sync, sync},
			[]bool{false, true, true, true}},
		{"Any counts on every injector", Any(OnIndex(0), OnIndex(1)), []Op{list, list, list},
			[]bool{true, true, false}},
		{"Toggle starts off", NewToggle(OnOp(OpCreate)), []Op{create}, []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, op := range tt.ops {
				if err := tt.inj.MaybeError(op); (err != nil) != tt.fail[i] {
					t.Fatalf("op %d (%v): %v", i, op.Kind, err)
				}
			}
		})
	}
	tg := NewToggle(OnOp(OpCreate))
	fsys := WithErrors(NewMem(), tg)
	tg.On()
	if _, err := fsys.Create("/x"); !errors.Is(err, ErrInjected) {
		t.Fatalf("Create with the toggle on: %v", err)
	}
	tg.Off()
	if _, err := fsys.Create("/x"); err != nil {
		t.Fatalf("Create with the toggle off: %v", err)
	}
	c := Counter{Filter: Kinds(OpFileSync)}
	must(t, workload(WithErrors(NewMem(), &c), nil))
	if c.Count() != 2 {
		t.Fatalf("counted %d syncs", c.Count())
	}
}

func TestFailedCloseStillCloses(t *testing.T) {
	m := NewMem()
	f, err := WithErrors(m, OnOp(OpFileClose)).Create("/f")
	must(t, err)
	mustFail(t, f.Close(), ErrInjected)
	_, err = f.Write([]byte("x"))
	mustFail(t, err, fs.ErrClosed)
}

// TestWriteFileAtomicUnderFailures fails each operation of WriteFileAtomic and
// checks the file holds the old or the new contents, now and after a crash,
// and that no temporary file is left behind.
func TestWriteFileAtomicUnderFailures(t *testing.T) {
	setup := func() *CrashableMem {
		m := NewCrashableMem()
		script(t, m, "mkdir:/d syncdir:/ create:/d/x write:/d/x:old sync:/d/x syncdir:/d")
		return m
	}
	var count Counter
	must(t, WriteFileAtomic(WithErrors(setup(), &count), "/d/x", []byte("new")))
	for i := range count.Count() {
		m := setup()
		err := WriteFileAtomic(WithErrors(m, OnIndex(i)), "/d/x", []byte("new"))
		mustFail(t, err, ErrInjected)
		for _, st := range []map[string]string{dump(t, m, "/"), dump(t, m.CrashClone(), "/")} {
			if len(st) != 2 || (st["d/x"] != "old" && st["d/x"] != "new") {
				t.Fatalf("op %d: state %v", i, st)
			}
		}
	}
}
