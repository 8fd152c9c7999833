package log

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// varied appends batches of varied sizes and timestamps (some going back
// in time), so that index entries fall irregularly.
func varied(t *testing.T, e *env, n int) {
	t.Helper()
	for i := range n {
		ts := int64(10_000 + 37*i)
		if i%5 == 3 {
			ts -= 500 // older than the max so far: no time index entry
		}
		e.mustAppend(mkBatch(t, batchSpec{records: 1 + i%4, valueSize: 30 + (i*53)%170, ts: ts}, i))
	}
}

func TestRebuiltIndexesEqualWrittenOnes(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := smallConfig()
	e := newEnv(t, fsys, cfg)
	varied(t, e, 150)
	if err := e.log.Close(); err != nil { // finishes the active segment too
		t.Fatal(err)
	}
	segs := e.log.Segments()
	e.log = nil
	if len(segs) < 4 {
		t.Fatalf("only %d segments", len(segs))
	}
	for _, s := range segs {
		base := s.BaseOffset()
		idx := readFile(t, fsys, filepath.Join(testDir, IndexFileName(base)))
		tidx := readFile(t, fsys, filepath.Join(testDir, TimeIndexFileName(base)))
		if len(idx) == 0 || len(tidx) == 0 {
			t.Fatalf("segment %d: empty indexes (%d, %d bytes)", base, len(idx), len(tidx))
		}
		// Rebuild from nothing: remove the indexes first.
		for _, name := range []string{IndexFileName(base), TimeIndexFileName(base)} {
			if err := fsys.Remove(filepath.Join(testDir, name)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := RebuildIndexes(fsys, testDir, base, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if res.TruncatedBytes != 0 || res.Batches == 0 {
			t.Fatalf("segment %d: %+v", base, res)
		}
		if got := readFile(t, fsys, filepath.Join(testDir, IndexFileName(base))); !bytes.Equal(got, idx) {
			t.Fatalf("segment %d: rebuilt offset index differs:\n got %v\nwant %v",
				base, DecodeOffsetIndex(got, base), DecodeOffsetIndex(idx, base))
		}
		if got := readFile(t, fsys, filepath.Join(testDir, TimeIndexFileName(base))); !bytes.Equal(got, tidx) {
			t.Fatalf("segment %d: rebuilt time index differs:\n got %v\nwant %v",
				base, DecodeTimeIndex(got, base), DecodeTimeIndex(tidx, base))
		}
	}
}

func TestRecoveryCutsATornTail(t *testing.T) {
	fsys := vfs.NewMem()
	e := newEnv(t, fsys, smallConfig())
	varied(t, e, 60)
	all := checkLog(t, e.log)
	last := e.log.ActiveSegment()
	logPath := last.LogPath()
	e.log.closeForTest()
	// A torn write: half a batch after the last whole one, plus zeros.
	data := readFile(t, fsys, logPath)
	torn := append(slices.Clone(data), all[len(all)-1][:40]...)
	torn = append(torn, make([]byte, 100)...)
	if err := vfs.WriteFileAtomic(fsys, logPath, torn); err != nil {
		t.Fatal(err)
	}
	e.open(Options{RecoveryPoint: 0})
	got := checkLog(t, e.log)
	if len(got) != len(all) || e.log.LogEndOffset() != all[len(all)-1].NextOffset() {
		t.Fatalf("recovered %d batches (want %d), %v", len(got), len(all), e.log)
	}
	if n := len(readFile(t, fsys, logPath)); n != len(data) {
		t.Fatalf("log file %d bytes after recovery, want %d", n, len(data))
	}
}

func TestRecoveryDropsEverythingAfterACorruptBatch(t *testing.T) {
	fsys := vfs.NewMem()
	e := newEnv(t, fsys, smallConfig())
	varied(t, e, 100)
	all := checkLog(t, e.log)
	segs := e.log.Segments()
	victim := segs[1]
	e.log.closeForTest()
	// Flip a byte inside the third batch of the second segment.
	data := readFile(t, fsys, victim.LogPath())
	var pos int64
	it := record.Iterate(data)
	for i := 0; i < 3; i++ {
		_, p, _ := it.Next()
		pos = int64(p)
	}
	data[pos+70] ^= 0x55
	if err := vfs.WriteFileAtomic(fsys, victim.LogPath(), data); err != nil {
		t.Fatal(err)
	}
	// Recovery from the victim's segment onward (the recovery point in it).
	e.open(Options{RecoveryPoint: victim.BaseOffset() + 1})
	got := checkLog(t, e.log)
	if e.log.NumSegments() != 2 {
		t.Fatalf("%d segments after recovery, want the first two", e.log.NumSegments())
	}
	for i, b := range got {
		if !bytes.Equal(b, all[i]) {
			t.Fatalf("batch %d differs", i)
		}
	}
	if want := b2(got).NextOffset(); e.log.LogEndOffset() != want || len(got) >= len(all) {
		t.Fatalf("log end %d, want %d (%d batches of %d)", e.log.LogEndOffset(), want, len(got), len(all))
	}
	e.sched.RunDue()
	e.clock.Add(1 << 20)
	e.sched.RunDue()
	for _, n := range fileNames(t, fsys, testDir) {
		if strings.HasPrefix(n, FilenamePrefix(segs[2].BaseOffset())) {
			t.Fatalf("%s survived", n)
		}
	}
}

func b2(bs []record.Batch) record.Batch { return bs[len(bs)-1] }

func TestLoadRebuildsMissingOrCorruptIndexesEvenAfterCleanShutdown(t *testing.T) {
	fsys := vfs.NewMem()
	e := newEnv(t, fsys, smallConfig())
	varied(t, e, 80)
	want := checkLog(t, e.log)
	segs := e.log.Segments()
	if err := e.log.Close(); err != nil {
		t.Fatal(err)
	}
	// Segment 0 loses its offset index, segment 1 gets garbage in it,
	// segment 2 loses its time index.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(fsys.Remove(segs[0].IndexPath()))
	garbage := readFile(t, fsys, segs[1].IndexPath())
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	must(vfs.WriteFileAtomic(fsys, segs[1].IndexPath(), garbage))
	must(fsys.Remove(segs[2].TimeIndexPath()))
	// An orphaned index is removed.
	must(vfs.WriteFileAtomic(fsys, filepath.Join(testDir, IndexFileName(999999)), make([]byte, 16)))
	e.open(Options{HadCleanShutdown: true, RecoveryPoint: e.log.LogEndOffset()})
	got := checkLog(t, e.log)
	if len(got) != len(want) {
		t.Fatalf("%d batches, want %d", len(got), len(want))
	}
	if slices.Contains(fileNames(t, fsys, testDir), IndexFileName(999999)) {
		t.Fatal("orphaned index kept")
	}
	// Lookups work through the rebuilt indexes.
	for _, b := range want {
		fd, err := e.log.Read(b.LastOffset(), 1, e.log.LogEndOffset(), true)
		if err != nil {
			t.Fatal(err)
		}
		if fd.Start.Position < 0 {
			t.Fatal("no position")
		}
		data, _ := fd.AppendTo(nil)
		if !bytes.Equal(data, b) {
			t.Fatalf("read of offset %d returned another batch", b.LastOffset())
		}
	}
}

func TestLoadCompletesOrAbandonsSwaps(t *testing.T) {
	cfg := smallConfig()
	build := func(t *testing.T) (*env, []*Segment) {
		e := newEnv(t, vfs.NewMem(), cfg)
		varied(t, e, 80)
		return e, e.log.Segments()
	}
	// cleanedCopy writes a "cleaned" copy of segs[0..1] (every batch
	// kept) as one segment with the given suffix.
	cleanedCopy := func(t *testing.T, e *env, segs []*Segment) *Segment {
		c, err := e.log.NewCleanedSegment(segs[0].BaseOffset())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range segs[:2] {
			err := s.Batches(0, func(b record.Batch, _ int64) (bool, error) {
				return true, c.AppendBatches(slices.Clone(b))
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Seal(); err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("swap completed by ReplaceSegments", func(t *testing.T) {
		e, segs := build(t)
		want := checkLog(t, e.log)
		c := cleanedCopy(t, e, segs)
		if err := e.log.ReplaceSegments([]*Segment{c}, segs[:2]); err != nil {
			t.Fatal(err)
		}
		got := checkLog(t, e.log)
		if len(got) != len(want) || e.log.NumSegments() != len(segs)-1 {
			t.Fatalf("%d batches, %d segments", len(got), e.log.NumSegments())
		}
		e.reopen()
		checkLog(t, e.log)
	})
	t.Run("crash with every .swap in place: completed on load", func(t *testing.T) {
		e, segs := build(t)
		want := checkLog(t, e.log)
		c := cleanedCopy(t, e, segs)
		if err := c.changeSuffix(CleanedFileSuffix, SwapFileSuffix); err != nil {
			t.Fatal(err)
		}
		c.closeFiles()
		e.log.closeForTest()
		e.open(Options{RecoveryPoint: e.log.LogEndOffset()})
		got := checkLog(t, e.log)
		if len(got) != len(want) || e.log.NumSegments() != len(segs)-1 {
			t.Fatalf("%d batches, %d segments (was %d)", len(got), e.log.NumSegments(), len(segs))
		}
		for _, n := range fileNames(t, e.fs, testDir) {
			if strings.HasSuffix(n, SwapFileSuffix) || strings.HasPrefix(n, FilenamePrefix(segs[1].BaseOffset())) {
				t.Fatalf("%s left after completing the swap", n)
			}
		}
	})
	t.Run("crash before the swap: abandoned on load", func(t *testing.T) {
		e, segs := build(t)
		want := checkLog(t, e.log)
		c := cleanedCopy(t, e, segs)
		c.closeFiles()
		e.log.closeForTest()
		e.open(Options{RecoveryPoint: e.log.LogEndOffset()})
		got := checkLog(t, e.log)
		if len(got) != len(want) || e.log.NumSegments() != len(segs) {
			t.Fatalf("%d batches, %d segments", len(got), e.log.NumSegments())
		}
		for _, n := range fileNames(t, e.fs, testDir) {
			if strings.HasSuffix(n, CleanedFileSuffix) {
				t.Fatalf("%s left", n)
			}
		}
	})
}
