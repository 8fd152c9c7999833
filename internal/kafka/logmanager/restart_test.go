package logmanager

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

// segmentIO is what an Open did to one partition's segment files, by base
// offset: whether a .log was read, and whether an index was written,
// truncated or resized.
type segmentIO struct {
	logRead    map[int64]bool
	indexWrite map[int64]bool
}

func observe(ops []vfs.Op, partitionDir string) segmentIO {
	io := segmentIO{logRead: map[int64]bool{}, indexWrite: map[int64]bool{}}
	for _, op := range ops {
		if filepath.Dir(op.Path) != partitionDir {
			continue
		}
		name := filepath.Base(op.Path)
		base, ok := log.OffsetFromFileName(name)
		if !ok {
			continue
		}
		switch {
		case strings.HasSuffix(name, log.LogFileSuffix) && (op.Kind == vfs.OpFileRead || op.Kind == vfs.OpFileReadAt):
			io.logRead[base] = true
		case (strings.HasSuffix(name, log.IndexFileSuffix) || strings.HasSuffix(name, log.TimeIndexFileSuffix)) &&
			(op.Kind == vfs.OpFileWrite || op.Kind == vfs.OpFileWriteAt || op.Kind == vfs.OpFileTruncate || op.Kind == vfs.OpCreate):
			io.indexWrite[base] = true
		}
	}
	return io
}

// restartSetup writes 200 flushed records (checkpointed) and 30 more not
// flushed to t-0, over many segments, on a crashable filesystem.
func restartSetup(t *testing.T) (*vfs.CrashableMem, *Manager, Config, int64) {
	mem := vfs.NewCrashableMem()
	cfg := testConfig("/d")
	m := mustOpen(t, cfg, testOptions(t, mem, newClock()))
	l, err := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid)
	if err != nil {
		t.Fatal(err)
	}
	appendRecords(t, l, 200, t0)
	if err := l.Flush(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if err := m.CheckpointRecoveryPoints(); err != nil {
		t.Fatal(err)
	}
	rp := l.RecoveryPoint()
	appendRecords(t, l, 30, t0)
	if l.NumSegments() < 4 {
		t.Fatalf("only %d segments", l.NumSegments())
	}
	return mem, m, cfg, rp
}

// reopenObserved opens fsys counting operations, and returns what the
// load did to t-0's segments.
func reopenObserved(t *testing.T, fsys vfs.FS, cfg Config) (*Manager, segmentIO) {
	c := &counter{}
	m := mustOpen(t, cfg, testOptions(t, vfs.WithErrors(fsys, c), newClock()))
	return m, observe(c.take(), "/d/t-0")
}

func bases(l *log.Log) []int64 {
	var out []int64
	for _, s := range l.Segments() {
		out = append(out, s.BaseOffset())
	}
	return out
}

// TestCleanRestartSkipsRecovery: after a clean shutdown no segment is
// rescanned (no .log read but the active segment's tail, no index
// rewritten but the active segment's, preallocated again).
func TestCleanRestartSkipsRecovery(t *testing.T) {
	mem, m, cfg, _ := restartSetup(t)
	mustClose(t, m)
	m, io := reopenObserved(t, mem, cfg)
	defer mustClose(t, m)
	if !m.HadCleanShutdown("/d") {
		t.Fatal("clean shutdown not seen")
	}
	l := mustGet(t, m, tp("t", 0))
	active := l.ActiveSegment().BaseOffset()
	for base := range io.logRead {
		if base != active {
			t.Errorf("segment %d was read after a clean shutdown", base)
		}
	}
	for base := range io.indexWrite {
		if base != active {
			t.Errorf("index of segment %d was rewritten after a clean shutdown", base)
		}
	}
	if l.LogEndOffset() != 230 || l.RecoveryPoint() != 230 {
		t.Fatalf("log end %d, recovery point %d", l.LogEndOffset(), l.RecoveryPoint())
	}
	checkRecords(t, l, 0, 230)
}

// TestUncleanRestartHonoursRecoveryPoints: after a crash, the segments
// below the checkpointed recovery point are not rescanned, every later one
// is, and every flushed record is there.
func TestUncleanRestartHonoursRecoveryPoints(t *testing.T) {
	mem, m, cfg, rp := restartSetup(t)
	clone := mem.CrashClone()
	mustClose(t, m)
	m, io := reopenObserved(t, clone, cfg)
	defer mustClose(t, m)
	if m.HadCleanShutdown("/d") {
		t.Fatal("a crash taken for a clean shutdown")
	}
	l := mustGet(t, m, tp("t", 0))
	if l.LogEndOffset() < rp {
		t.Fatalf("log end %d below the flushed %d", l.LogEndOffset(), rp)
	}
	checkRecords(t, l, 0, l.LogEndOffset())
	segs := bases(l)
	first := segs[0]
	for _, b := range segs {
		if b <= rp {
			first = b
		}
	}
	for _, b := range segs {
		switch {
		case b < first && (io.logRead[b] || io.indexWrite[b]):
			t.Errorf("segment %d below the recovery point %d was rescanned", b, rp)
		case b >= first && !io.logRead[b]:
			t.Errorf("segment %d at or above the recovery point %d was not rescanned", b, rp)
		}
	}
	if first == segs[0] {
		t.Fatalf("the recovery point %d is in the first segment: nothing shows it is honoured (%v)", rp, segs)
	}
}

// TestUncleanRestartWithoutCheckpointRescansAll: without a recovery point
// checkpoint every segment is recovered.
func TestUncleanRestartWithoutCheckpointRescansAll(t *testing.T) {
	mem, m, cfg, _ := restartSetup(t)
	clone := mem.CrashClone()
	mustClose(t, m)
	if err := vfs.WriteFileAtomic(clone, "/d/recovery-point-offset-checkpoint", []byte("0\n1\nt 0 garbage\n")); err != nil {
		t.Fatal(err)
	}
	m, io := reopenObserved(t, clone, cfg)
	defer mustClose(t, m)
	l := mustGet(t, m, tp("t", 0))
	for _, b := range bases(l) {
		if !io.logRead[b] {
			t.Errorf("segment %d not rescanned", b)
		}
	}
	checkRecords(t, l, 0, l.LogEndOffset())
}

// TestMarkerRemovedBeforeRecovery: the clean shutdown marker is gone, on
// disk, before any partition is touched, so a crash during the load is
// recovered as unclean.
func TestMarkerRemovedBeforeRecovery(t *testing.T) {
	mem, m, cfg, _ := restartSetup(t)
	mustClose(t, m)
	var once sync.Once
	var atFirstTouch *vfs.CrashableMem
	c := &counter{hook: func(op vfs.Op) {
		if strings.HasPrefix(op.Path, "/d/t-0/") {
			once.Do(func() { atFirstTouch = mem.CrashClone() })
		}
	}}
	m = mustOpen(t, cfg, testOptions(t, vfs.WithErrors(mem, c), newClock()))
	if !m.HadCleanShutdown("/d") {
		t.Fatal("clean shutdown not seen")
	}
	if atFirstTouch == nil {
		t.Fatal("the partition was never touched")
	}
	if exists(atFirstTouch, "/d/.kafka_cleanshutdown") {
		t.Fatal("the marker was still durable when the first partition was opened")
	}
	// Crash there: the next start recovers.
	m2 := mustOpen(t, cfg, testOptions(t, atFirstTouch, newClock()))
	if m2.HadCleanShutdown("/d") {
		t.Fatal("a crash during the load taken for a clean shutdown")
	}
	checkRecords(t, mustGet(t, m2, tp("t", 0)), 0, 230)
	mustClose(t, m2)
	mustClose(t, m)

	// If the marker cannot be removed, no log of the directory is opened.
	touched := false
	inj := vfs.InjectorFunc(func(op vfs.Op) error {
		if strings.HasPrefix(op.Path, "/d/t-0/") {
			touched = true
		}
		if op.Kind == vfs.OpRemove && filepath.Base(op.Path) == checkpoint.CleanShutdownFileName {
			return vfs.ErrInjected
		}
		return nil
	})
	if _, err := Open(cfg, testOptions(t, vfs.WithErrors(mem, inj), newClock())); err == nil || touched {
		t.Fatalf("Open with an unremovable marker: %v, partition touched: %v", err, touched)
	}
}
