package checkpoint

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/vfs"
)

// testTime is the date written into meta.properties by the tests.
var testTime = time.Date(2026, time.November, 21, 9, 49, 22, 0, time.UTC)

// mkdirs creates dirs durably on a crashable FS (each level's parent synced).
func mkdirs(t *testing.T, fsys vfs.FS, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		if err := mkdirDurable(fsys, dir); err != nil {
			t.Fatal(err)
		}
	}
}

func mustRead(t *testing.T, fsys vfs.FS, path string) []byte {
	t.Helper()
	b, err := vfs.ReadFile(fsys, path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return b
}

func mustWrite(t *testing.T, fsys vfs.FS, path string, data string) {
	t.Helper()
	if err := vfs.WriteFileAtomic(fsys, path, []byte(data)); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

// stopAt fails every operation from the n-th on (counted from 0): the
// process has died there, nothing it does afterwards reaches the disk.
type stopAt struct {
	n    int64
	seen atomic.Int64
}

func (s *stopAt) MaybeError(vfs.Op) error {
	if s.seen.Add(1)-1 >= s.n {
		return vfs.ErrInjected
	}
	return nil
}

// writeCase is one crash-safe write to check: setup leaves the old state
// durable on fsys (maybe no file at all), write performs the change, and
// file is the path whose content must be either old or new.
type writeCase struct {
	name  string
	file  string
	setup func(t *testing.T, fsys vfs.FS)
	write func(fsys vfs.FS) error
	// emptyIsAbsent: an empty file means no file (OpenFile creates
	// checkpoints empty, without making that durable).
	emptyIsAbsent bool
}

func (c writeCase) read(t *testing.T, fsys vfs.FS) state {
	t.Helper()
	s := readState(t, fsys, c.file)
	if c.emptyIsAbsent && s.exists && len(s.data) == 0 {
		return state{}
	}
	return s
}

// state is a file's content, or absent.
type state struct {
	exists bool
	data   []byte
}

func (s state) String() string {
	if !s.exists {
		return "<absent>"
	}
	return string(s.data)
}

func readState(t *testing.T, fsys vfs.FS, path string) state {
	t.Helper()
	b, err := vfs.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return state{}
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return state{true, b}
}

func (s state) equal(o state) bool { return s.exists == o.exists && bytes.Equal(s.data, o.data) }

// oldAndNew runs the case without faults and returns the file before and after.
func (c writeCase) oldAndNew(t *testing.T) (state, state) {
	t.Helper()
	fsys := vfs.NewCrashableMem()
	c.setup(t, fsys)
	before := c.read(t, fsys)
	if err := c.write(fsys); err != nil {
		t.Fatalf("%s: write without faults: %v", c.name, err)
	}
	after := c.read(t, fsys.CrashClone())
	if before.equal(after) {
		t.Fatalf("%s: the write changes nothing: %v", c.name, after)
	}
	return before, after
}

// checkCrashes crashes the write at each of its operations in turn, and
// checks that the file after the crash is the old one or the new one, under
// the strict model and with random parts of the unsynced state kept. A write
// that returned nil must have left the new file durable.
func checkCrashes(t *testing.T, c writeCase) {
	t.Helper()
	old, neu := c.oldAndNew(t)
	for n := int64(0); ; n++ {
		base := vfs.NewCrashableMem()
		c.setup(t, base)
		stop := &stopAt{n: n}
		err := c.write(vfs.WithErrors(base, stop))
		for seed := uint64(0); seed < 8; seed++ {
			cfg := vfs.CrashCloneCfg{}
			if seed > 0 {
				cfg = vfs.CrashCloneCfg{UnsyncedDataPercent: 60, UnsyncedDirPercent: 60, RNG: rand.New(rand.NewPCG(seed, uint64(n)))}
			}
			got := c.read(t, base.CrashCloneWith(cfg))
			if !got.equal(old) && !got.equal(neu) {
				t.Fatalf("%s: crash at operation %d (seed %d): file is %q, want old %q or new %q",
					c.name, n, seed, got, old, neu)
			}
			if err == nil && !got.equal(neu) {
				t.Fatalf("%s: write returned nil but after a crash (seed %d) the file is %q, want %q", c.name, seed, got, neu)
			}
		}
		if err == nil {
			if n == 0 {
				t.Fatalf("%s: the write does no I/O", c.name)
			}
			return
		}
	}
}

// checkErrors fails each operation of the write in turn, alone: the write
// must report an error, leave the file old (or new, if only the final
// directory sync failed), and leave no .tmp behind.
func checkErrors(t *testing.T, c writeCase) {
	t.Helper()
	old, neu := c.oldAndNew(t)
	counter := &vfs.Counter{}
	{
		fsys := vfs.NewMem()
		c.setup(t, fsys)
		if err := c.write(vfs.WithErrors(fsys, counter)); err != nil {
			t.Fatal(err)
		}
	}
	for n := range counter.Count() {
		fsys := vfs.NewMem()
		c.setup(t, fsys)
		var failed vfs.Op
		inj := vfs.OnIndex(n)
		err := c.write(vfs.WithErrors(fsys, vfs.InjectorFunc(func(op vfs.Op) error {
			e := inj.MaybeError(op)
			if e != nil {
				failed = op
			}
			return e
		})))
		if err == nil {
			t.Fatalf("%s: operation %d (%v) failed but the write returned nil", c.name, n, failed.Kind)
		}
		if !errors.Is(err, vfs.ErrInjected) {
			t.Fatalf("%s: operation %d (%v): error %v does not wrap the injected one", c.name, n, failed.Kind, err)
		}
		if !strings.HasPrefix(err.Error(), "checkpoint: ") {
			t.Fatalf("%s: error %q lacks the package prefix", c.name, err)
		}
		got := c.read(t, fsys)
		switch {
		case got.equal(old):
		case got.equal(neu) && failed.Kind == vfs.OpSyncDir:
		default:
			t.Fatalf("%s: operation %d (%v) failed: file is %q, want old %q", c.name, n, failed.Kind, got, old)
		}
		if tmp := readState(t, fsys, c.file+".tmp"); tmp.exists {
			t.Fatalf("%s: operation %d (%v) failed: %s.tmp left behind", c.name, n, failed.Kind, filepath.Base(c.file))
		}
	}
}
