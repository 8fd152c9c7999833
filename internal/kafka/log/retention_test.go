package log

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

// retentionLog builds a log of segments of 4 batches (2 offsets each) with
// timestamps 1000 apart per segment: segment i holds offsets [8i, 8i+8)
// with max timestamp base+1000i+... .
func retentionLog(t *testing.T, cfg Config, segments int) *env {
	t.Helper()
	e := newEnv(t, vfs.NewMem(), cfg)
	for s := range segments {
		for b := range 4 {
			e.mustAppend(mkBatch(t, batchSpec{records: 2, valueSize: 20, ts: int64(100_000 + 1000*s + b)}, s*4+b))
		}
		if s < segments-1 {
			if err := e.log.Roll(); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.sched.RunDue() // the roll flushes
	return e
}

func TestRetentionByTime(t *testing.T) {
	cfg := testConfig()
	cfg.RetentionMs = 2500
	e := retentionLog(t, cfg, 5) // max timestamps 100003, 101003, ..., 104003
	l := e.log
	// now - largest > 2500: segments with max <= now-2501.
	n, err := l.DeleteOldSegments(103_504, l.LogEndOffset())
	if err != nil || n != 1 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	if got := segmentBases(l); !slices.Equal(got, []int64{8, 16, 24, 32}) || l.LogStartOffset() != 8 {
		t.Fatalf("segments %v, log start %d", got, l.LogStartOffset())
	}
	// The high watermark bounds deletion: nothing at or above it goes.
	n, _ = l.DeleteOldSegments(200_000, 23)
	if got := segmentBases(l); n != 1 || !slices.Equal(got, []int64{16, 24, 32}) {
		t.Fatalf("with hw 23: deleted %d, segments %v", n, got)
	}
	// Everything expired: the active segment is rolled first, the log
	// keeps an empty active segment at the log end.
	n, err = l.DeleteOldSegments(200_000, l.LogEndOffset())
	if err != nil || n != 3 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	if got := segmentBases(l); !slices.Equal(got, []int64{40}) || l.LogStartOffset() != 40 || l.LogEndOffset() != 40 {
		t.Fatalf("segments %v, %v", got, l)
	}
	// An empty active segment is never deleted.
	if n, _ := l.DeleteOldSegments(300_000, 40); n != 0 {
		t.Fatalf("deleted the empty active segment")
	}
	checkLog(t, l)
}

func TestRetentionBySize(t *testing.T) {
	cfg := testConfig()
	e := retentionLog(t, cfg, 5)
	l := e.log
	segSize := l.Segments()[0].Size()
	cfg.RetentionBytes = 2*segSize + segSize/2
	if err := l.UpdateConfig(cfg); err != nil {
		t.Fatal(err)
	}
	// 5 segments: delete while size - segment >= retention: 2 go.
	n, err := l.DeleteOldSegments(0, l.LogEndOffset())
	if err != nil || n != 2 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	if got := segmentBases(l); !slices.Equal(got, []int64{16, 24, 32}) {
		t.Fatalf("segments %v", got)
	}
	// Under the limit: nothing.
	if n, _ := l.DeleteOldSegments(0, l.LogEndOffset()); n != 0 {
		t.Fatalf("deleted %d under the limit", n)
	}
	// cleanup.policy=compact alone keeps size and time retention off.
	cfg.CleanupPolicy = CleanupCompact
	cfg.RetentionBytes = 0
	cfg.RetentionMs = 0
	if err := l.UpdateConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.DeleteOldSegments(1<<50, l.LogEndOffset()); n != 0 {
		t.Fatalf("compacted topic lost %d segments to retention", n)
	}
	checkLog(t, l)
}

func TestRetentionByLogStartOffset(t *testing.T) {
	cfg := testConfig()
	cfg.RetentionMs = -1
	e := retentionLog(t, cfg, 4)
	l := e.log
	if _, err := l.IncrementLogStartOffset(20, 19); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("past the bound: %v", err)
	}
	if _, err := l.IncrementLogStartOffset(33, 40); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("past the log end: %v", err)
	}
	moved, err := l.IncrementLogStartOffset(17, 20)
	if err != nil || !moved || l.LogStartOffset() != 17 {
		t.Fatalf("moved %v %v, log start %d", moved, err, l.LogStartOffset())
	}
	if moved, _ := l.IncrementLogStartOffset(10, 20); moved {
		t.Fatal("the log start offset moved back")
	}
	// Segments wholly below 17 go: [0,8) and [8,16); [16,24) holds 17.
	n, err := l.DeleteOldSegments(0, l.LogEndOffset())
	if err != nil || n != 2 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	if got := segmentBases(l); !slices.Equal(got, []int64{16, 24}) || l.LogStartOffset() != 17 {
		t.Fatalf("segments %v, log start %d", got, l.LogStartOffset())
	}
	checkLog(t, l)
}

func TestDeletedSegmentsLingerThenGo(t *testing.T) {
	cfg := testConfig()
	cfg.RetentionMs = 0
	cfg.FileDeleteDelayMs = 5000
	e := retentionLog(t, cfg, 3)
	l := e.log
	region, err := l.Read(0, 1000, 24, true)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := l.DeleteOldSegments(1<<40, 16); err != nil || n != 2 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	names := fileNames(t, e.fs, testDir)
	deleted := 0
	for _, n := range names {
		if strings.HasSuffix(n, DeletedFileSuffix) {
			deleted++
		}
	}
	if deleted != 6 {
		t.Fatalf("%d .deleted files: %v", deleted, names)
	}
	// A region read before the deletion stays readable until the delay.
	if _, err := region.AppendTo(nil); err != nil {
		t.Fatalf("reading a region of a deleted segment: %v", err)
	}
	e.clock.Add(4999)
	e.sched.RunDue()
	if got := fileNames(t, e.fs, testDir); !slices.Equal(got, names) {
		t.Fatalf("files removed before the delay: %v", got)
	}
	e.clock.Add(1)
	e.sched.RunDue()
	for _, n := range fileNames(t, e.fs, testDir) {
		if strings.HasSuffix(n, DeletedFileSuffix) {
			t.Fatalf("%s still there after the delay", n)
		}
	}
	// .deleted files left by a crash are removed by the next load.
	cfg.RetentionMs = 0
	if _, err := l.DeleteOldSegments(1<<40, l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	e.log.closeForTest()
	e.sched.Drop()
	e.open(Options{RecoveryPoint: e.log.RecoveryPoint()})
	for _, n := range fileNames(t, e.fs, testDir) {
		if strings.HasSuffix(n, DeletedFileSuffix) {
			t.Fatalf("%s survived a reload", n)
		}
	}
	checkLog(t, e.log)
}
