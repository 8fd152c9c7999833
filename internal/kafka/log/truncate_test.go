package log

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// epochLog builds a log of 60 batches of 2 offsets over several segments,
// written in epochs 0, 1, 2 (20 batches each).
func epochLog(t *testing.T, fsys vfs.FS) *env {
	t.Helper()
	e := newEnv(t, fsys, smallConfig())
	for i := range 60 {
		b := mkBatch(t, batchSpec{records: 2, valueSize: 60, ts: int64(1000 + i)}, i)
		if _, err := e.log.AppendAsLeader(b, int32(i/20), OriginClient); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func TestTruncateToMidLog(t *testing.T) {
	fsys := vfs.NewCrashableMem()
	e := epochLog(t, fsys)
	l := e.log
	if err := l.Flush(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	before := checkLog(t, l)
	nsegs := l.NumSegments()
	target := int64(51) // inside the batch [50, 51]
	done, err := l.TruncateTo(target)
	if err != nil || !done {
		t.Fatalf("TruncateTo: %v %v", done, err)
	}
	if l.LogEndOffset() != target || l.RecoveryPoint() != target {
		t.Fatalf("%v rp %d", l, l.RecoveryPoint())
	}
	after := checkLog(t, l)
	// The batch holding the target goes with everything after it.
	if len(after) != 25 || after[24].LastOffset() != 49 {
		t.Fatalf("%d batches left, last ends at %d", len(after), after[len(after)-1].LastOffset())
	}
	for i := range after {
		if !slices.Equal(after[i], before[i]) {
			t.Fatalf("batch %d changed", i)
		}
	}
	if l.NumSegments() >= nsegs {
		t.Fatalf("%d segments, was %d", l.NumSegments(), nsegs)
	}
	if got := l.EpochCache().Entries(); !slices.Equal(got, entries(0, 0, 1, 40)) {
		t.Fatalf("epochs %v", got)
	}
	// The truncation is durable at once: a crash now cannot bring the
	// removed batches back.
	crashed := fsys.CrashClone()
	re, err := Open(crashed, testDir, e.cfg, e.options(Options{RecoveryPoint: l.RecoveryPoint()}))
	if err != nil {
		t.Fatal(err)
	}
	if re.LogEndOffset() != 50 {
		t.Fatalf("after a crash the log ends at %d", re.LogEndOffset())
	}
	checkLog(t, re)
	re.closeForTest()
	// Appends continue from the target.
	info := e.mustAppend(simpleBatch(t, 3, 10, 5000))
	if info.FirstOffset != target {
		t.Fatalf("next append at %d", info.FirstOffset)
	}
	checkLog(t, l)
}

func TestTruncateToEndOrBeyondOnlyTrimsEpochs(t *testing.T) {
	e := epochLog(t, vfs.NewMem())
	l := e.log
	// An epoch entry at the log end (a leader that never wrote in it).
	if err := l.EpochCache().Assign(7, l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	done, err := l.TruncateTo(l.LogEndOffset() + 10)
	if err != nil || done {
		t.Fatalf("TruncateTo beyond the end: %v %v", done, err)
	}
	if latest, _ := l.EpochCache().LatestEpoch(); latest != 2 {
		t.Fatalf("latest epoch %d", latest)
	}
	if l.LogEndOffset() != 120 {
		t.Fatalf("log end %d", l.LogEndOffset())
	}
}

func TestTruncateBelowFirstSegmentRestarts(t *testing.T) {
	e := epochLog(t, vfs.NewMem())
	l := e.log
	if _, err := l.IncrementLogStartOffset(90, 120); err != nil {
		t.Fatal(err)
	}
	if _, err := l.DeleteOldSegments(0, 120); err != nil {
		t.Fatal(err)
	}
	first := l.Segments()[0].BaseOffset()
	if first == 0 {
		t.Fatal("no segment was deleted")
	}
	done, err := l.TruncateTo(first - 1)
	if err != nil || !done {
		t.Fatal(err)
	}
	if l.LogStartOffset() != first-1 || l.LogEndOffset() != first-1 || l.NumSegments() != 1 {
		t.Fatalf("%v, %d segments", l, l.NumSegments())
	}
	if n := len(l.EpochCache().Entries()); n != 0 {
		t.Fatalf("%d epoch entries left", n)
	}
	checkLog(t, l)
}

func TestTruncateFullyAndStartAt(t *testing.T) {
	e := epochLog(t, vfs.NewMem())
	l := e.log
	if err := l.TruncateFullyAndStartAt(1000); err != nil {
		t.Fatal(err)
	}
	if l.LogStartOffset() != 1000 || l.LogEndOffset() != 1000 || l.NumSegments() != 1 || l.Size() != 0 {
		t.Fatalf("%v", l)
	}
	b := simpleBatch(t, 1, 10, 1)
	record.Batch(b).SetBaseOffset(1000)
	if _, err := l.AppendAsFollower(b); err != nil {
		t.Fatal(err)
	}
	// Restarting at the active segment's own base replaces it.
	if err := l.TruncateFullyAndStartAt(1000); err != nil {
		t.Fatal(err)
	}
	if l.LogEndOffset() != 1000 || l.Size() != 0 {
		t.Fatalf("%v", l)
	}
	e.sched.RunDue()
	e.reopen()
	if e.log.LogStartOffset() != 1000 || e.log.LogEndOffset() != 1000 {
		t.Fatalf("reopened: %v", e.log)
	}
	checkLog(t, e.log)
}

func TestEndOffsetForEpoch(t *testing.T) {
	e := epochLog(t, vfs.NewMem())
	for _, c := range []struct {
		epoch, wantEpoch int32
		wantEnd          int64
		ok               bool
	}{{0, 0, 40, true}, {1, 1, 80, true}, {2, 2, 120, true}, {5, -1, -1, false}, {UndefinedEpoch, -1, -1, false}} {
		ep, end, ok := e.log.EndOffsetForEpoch(c.epoch)
		if ep != c.wantEpoch || end != c.wantEnd || ok != c.ok {
			t.Errorf("EndOffsetForEpoch(%d) = %d %d %v", c.epoch, ep, end, ok)
		}
	}
}

func TestRenameDirKeepsTheLogWorking(t *testing.T) {
	mem := vfs.NewCrashableMem()
	e := openOn(t, mem, smallConfig(), Options{})
	buildLogN(t, e, 30)
	if err := e.log.Flush(e.log.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	name := DeleteDirName(TopicPartition{"topic", 0})
	if err := e.log.RenameDir(name); err != nil {
		t.Fatal(err)
	}
	newDir := "/data/" + name
	if e.log.Dir() != newDir || e.log.DirKind() != DirDelete {
		t.Fatalf("dir %s kind %v", e.log.Dir(), e.log.DirKind())
	}
	if _, err := mem.Stat(testDir); err == nil {
		t.Fatal("the old directory is still there")
	}
	// Everything keeps working in the new place: appends (a new epoch
	// writes the checkpoint there), rolls, retention, truncation, flushes.
	for i := range 30 {
		b := mkBatch(t, batchSpec{records: 2, valueSize: 40, ts: int64(100 + i)}, i)
		if _, err := e.log.AppendAsLeader(b, 3, OriginClient); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.log.IncrementLogStartOffset(30, e.log.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.log.DeleteOldSegments(0, e.log.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.log.TruncateTo(110); err != nil {
		t.Fatal(err)
	}
	if err := e.log.Flush(e.log.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(1 << 20)
	e.sched.RunDue()
	want := checkLog(t, e.log)
	for _, n := range fileNames(t, mem, newDir) {
		if strings.HasSuffix(n, DeletedFileSuffix) {
			t.Fatalf("%s not removed", n)
		}
	}
	rp, ls := e.log.RecoveryPoint(), e.log.LogStartOffset()
	e.log.closeForTest()
	re, err := Open(mem.CrashClone(), newDir, smallConfig(), e.options(Options{RecoveryPoint: rp, LogStartOffset: ls}))
	if err != nil {
		t.Fatal(err)
	}
	defer re.closeForTest()
	if got := checkLog(t, re); len(got) != len(want) {
		t.Fatalf("after a crash in the renamed directory: %d batches, want %d", len(got), len(want))
	}
	if latest, _ := re.EpochCache().LatestEpoch(); latest != 3 {
		t.Fatalf("latest epoch %d: the checkpoint was not written in the new directory", latest)
	}
	if err := re.RenameDir("not a partition"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad name: %v", err)
	}
}
