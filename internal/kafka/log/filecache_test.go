package log

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// countingFS counts the files open on an FS: every handle opened and not
// yet closed, by path, and the most ever open at once.
type countingFS struct {
	vfs.FS
	mu   sync.Mutex
	open map[*countedFile]string
	peak int
}

func newCountingFS(fsys vfs.FS) *countingFS {
	return &countingFS{FS: fsys, open: map[*countedFile]string{}}
}

type countedFile struct {
	vfs.File
	c *countingFS
}

func (c *countingFS) track(f vfs.File, name string, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	cf := &countedFile{File: f, c: c}
	c.mu.Lock()
	c.open[cf] = name
	c.peak = max(c.peak, len(c.open))
	c.mu.Unlock()
	return cf, nil
}

func (c *countingFS) Create(name string) (vfs.File, error) {
	f, err := c.FS.Create(name)
	return c.track(f, name, err)
}

func (c *countingFS) Open(name string) (vfs.File, error) {
	f, err := c.FS.Open(name)
	return c.track(f, name, err)
}

func (c *countingFS) OpenReadWrite(name string) (vfs.File, error) {
	f, err := c.FS.OpenReadWrite(name)
	return c.track(f, name, err)
}

func (f *countedFile) Close() error {
	f.c.mu.Lock()
	_, ok := f.c.open[f]
	delete(f.c.open, f)
	f.c.mu.Unlock()
	if !ok {
		return errors.New("closed twice")
	}
	return f.File.Close()
}

// openNames lists the files open now, sorted.
func (c *countingFS) openNames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var names []string
	for _, n := range c.open {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (c *countingFS) resetPeak() {
	c.mu.Lock()
	c.peak = len(c.open)
	c.mu.Unlock()
}

// manySegments is a log of about 12 segments whose rolled segments were
// flushed (their files were opened and synced).
func manySegments(t *testing.T, fsys vfs.FS, cache *FileCache) *env {
	t.Helper()
	e := openOn(t, fsys, smallConfig(), Options{FileCache: cache})
	varied(t, e, 100)
	if err := e.log.Flush(e.log.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	e.sched.RunDue()
	if e.log.NumSegments() < 8 {
		t.Fatalf("only %d segments", e.log.NumSegments())
	}
	return e
}

// TestOnlyTheActiveSegmentStaysOpen: a log holds its active segment's .log
// open and nothing else once the cache lets go; reads, timestamp lookups,
// flushes and rolls open files on demand, within the cache's bound; Close
// closes everything.
func TestOnlyTheActiveSegmentStaysOpen(t *testing.T) {
	fsys := newCountingFS(vfs.NewMem())
	cache := NewFileCache(2, 1<<20)
	e := manySegments(t, fsys, cache)
	l := e.log
	active := l.ActiveSegment().LogPath()
	check := func(when string) {
		t.Helper()
		names := fsys.openNames()
		if !slices.Contains(names, active) || len(names) > 1+cache.Stats().OpenFiles || cache.Stats().OpenFiles > 2 {
			t.Fatalf("%s: open files %v (cache %+v)", when, names, cache.Stats())
		}
		for _, n := range names {
			if !strings.HasSuffix(n, LogFileSuffix) {
				t.Fatalf("%s: %s is open", when, n)
			}
		}
	}
	check("after the flushes")
	// Every batch read back through Read, region released each time.
	var got int
	for off := l.LogStartOffset(); off < l.LogEndOffset(); {
		fd, err := l.Read(off, 700, l.LogEndOffset(), true)
		if err != nil {
			t.Fatal(err)
		}
		data, err := fd.AppendTo(nil)
		fd.Release()
		if err != nil || len(data) == 0 {
			t.Fatalf("Read(%d): %d bytes, %v", off, len(data), err)
		}
		bs := batchesOf(t, data)
		got += len(bs)
		off = bs[len(bs)-1].NextOffset()
	}
	if got != 100 {
		t.Fatalf("read %d batches", got)
	}
	check("after reading everything")
	for _, ts := range []int64{10_000, 11_000, 12_000, MaxTimestamp} {
		if _, _, err := l.FetchOffsetByTimestamp(ts); err != nil {
			t.Fatal(err)
		}
	}
	checkLog(t, l)
	check("after timestamp lookups and a full check")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if names := fsys.openNames(); len(names) != 0 {
		t.Fatalf("open after Close: %v", names)
	}
	if s := cache.Stats(); s.OpenFiles != 0 || s.IndexBytes != 0 {
		t.Fatalf("the cache still holds %+v after Close", s)
	}
}

// TestPinnedRegionOutlivesEviction: a region keeps its file open while the
// cache churns through other segments, reads after its release fail, and
// a region of a segment truncated and made active meanwhile keeps its own
// read-only handle until released.
func TestPinnedRegionOutlivesEviction(t *testing.T) {
	fsys := newCountingFS(vfs.NewMem())
	cache := NewFileCache(1, 0) // one file, no index kept
	e := manySegments(t, fsys, cache)
	l := e.log
	segs := l.Segments()
	pinned, err := l.Read(segs[0].BaseOffset(), 300, l.LogEndOffset(), true)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pinned.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs[1 : len(segs)-1] {
		fd, err := l.Read(s.BaseOffset(), 300, l.LogEndOffset(), true)
		if err != nil {
			t.Fatal(err)
		}
		fd.Release()
	}
	if got, err := pinned.AppendTo(nil); err != nil || !slices.Equal(got, want) {
		t.Fatalf("pinned region after eviction churn: %v", err)
	}
	if n := cache.Stats().OpenFiles; n > 2 {
		t.Fatalf("%d files in a cache of one (one pinned)", n)
	}
	// Truncating inside the pinned segment makes it active: it is reopened
	// read-write, and the pinned read-only handle stays until released.
	target := segs[0].BaseOffset() + 4
	if _, err := l.TruncateTo(target); err != nil {
		t.Fatal(err)
	}
	if got, err := pinned.AppendTo(nil); err != nil || len(got) == 0 {
		t.Fatalf("pinned region after the truncation: %d bytes, %v", len(got), err)
	}
	first := l.ActiveSegment().LogPath()
	if n := countOf(fsys.openNames(), first); n != 2 {
		t.Fatalf("%d handles of %s open, want the pinned one and the writer's", n, first)
	}
	pinned.Release()
	if n := countOf(fsys.openNames(), first); n != 1 {
		t.Fatalf("%d handles of %s open after the release", n, first)
	}
	if _, err := pinned.AppendTo(nil); err == nil {
		t.Fatal("a released region was read")
	}
	e.mustAppend(simpleBatch(t, 2, 10, 1))
	checkLog(t, l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if names := fsys.openNames(); len(names) != 0 {
		t.Fatalf("open after Close: %v", names)
	}
}

// TestWorkloadsLeakNoFile runs the crash tests' workloads (appends, rolls,
// flushes, retention, truncation, cleaner swaps, reopen) on a one-file
// cache: at no point are more than a handful of files open, and none is
// left after Close.
func TestWorkloadsLeakNoFile(t *testing.T) {
	for name, steps := range map[string][]step{"standard": standardWorkload(), "cleaner": cleanerWorkload()} {
		t.Run(name, func(t *testing.T) {
			fsys := newCountingFS(vfs.NewMem())
			cache := NewFileCache(1, 0)
			clock := newClock(1_700_000_000_000)
			e := &env{t: t, fs: fsys, dir: testDir, cfg: workloadConfig(), clock: clock, sched: &manualScheduler{clock: clock}}
			e.open(Options{FileCache: cache})
			r := &runner{t: t, e: e, m: newModel(), ops: func() int64 { return 0 }}
			for _, s := range steps {
				if s.name == "reopen" { // keep the cache across the reopen
					s = reopenWith(cache)
				}
				if err := s.do(r); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				// The active .log, the cache's one file, and at most one
				// segment or index file being written or read.
				if n := len(fsys.openNames()); n > 2 {
					t.Fatalf("after %s: open %v", s.name, fsys.openNames())
				}
			}
			if fsys.peak > 4 {
				t.Fatalf("%d files open at once", fsys.peak)
			}
			if err := e.log.Close(); err != nil {
				t.Fatal(err)
			}
			e.sched.RunDue()
			if names := fsys.openNames(); len(names) != 0 {
				t.Fatalf("open after Close: %v", names)
			}
		})
	}
}

func reopenWith(cache *FileCache) step {
	return step{name: "reopen", do: func(r *runner) error {
		l := r.e.log
		rp, ls := l.RecoveryPoint(), l.LogStartOffset()
		clean := l.Close() == nil
		r.e.sched.Drop()
		re, err := Open(r.e.fs, r.e.dir, r.e.cfg, r.e.options(Options{HadCleanShutdown: clean, RecoveryPoint: rp, LogStartOffset: ls, FileCache: cache}))
		if err != nil {
			return err
		}
		r.e.log = re
		r.checkpoint()
		return nil
	}}
}

func countOf(names []string, name string) int {
	n := 0
	for _, x := range names {
		if x == name {
			n++
		}
	}
	return n
}

func batchesOf(t *testing.T, data []byte) []record.Batch {
	t.Helper()
	var out []record.Batch
	it := record.Iterate(data)
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		out = append(out, b)
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	return out
}
