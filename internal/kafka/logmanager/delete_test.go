package logmanager

import (
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

func deleteDirs(t *testing.T, fsys vfs.FS, dir string) []string {
	t.Helper()
	names, err := fsys.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, log.DeleteDirSuffix) {
			out = append(out, n)
		}
	}
	return out
}

// TestAsyncDelete: the log leaves at once, its directory is renamed
// -delete durably and removed after file.delete.delay.ms, and the
// checkpoints forget it.
func TestAsyncDelete(t *testing.T) {
	mem := vfs.NewCrashableMem()
	cfg := testConfig("/d")
	cfg.Defaults.FileDeleteDelayMs = 1000
	clock := newClock()
	m := mustOpen(t, cfg, testOptions(t, mem, clock))
	for _, p := range []TopicPartition{tp("t", 0), tp("t", 1)} {
		l, err := m.GetOrCreateLog(p, cfg.Defaults, checkpoint.RandomUuid())
		if err != nil {
			t.Fatal(err)
		}
		appendRecords(t, l, 50, t0)
		if err := l.Flush(50); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.CheckpointRecoveryPoints(); err != nil {
		t.Fatal(err)
	}
	l0 := mustGet(t, m, tp("t", 0))
	if ok, err := m.AsyncDelete(tp("t", 0)); !ok || err != nil {
		t.Fatalf("AsyncDelete: %v %v", ok, err)
	}
	if ok, err := m.AsyncDelete(tp("t", 0)); ok || err != nil {
		t.Fatalf("second AsyncDelete: %v %v", ok, err)
	}
	if _, ok := m.GetLog(tp("t", 0)); ok {
		t.Fatal("deleted log still served")
	}
	if exists(mem, "/d/t-0") || len(deleteDirs(t, mem, "/d")) != 1 {
		t.Fatalf("after AsyncDelete: %v", listTree(mem, "/d"))
	}
	if got := mustRead(t, mem, "/d/recovery-point-offset-checkpoint"); got != "0\n1\nt 1 50\n" {
		t.Fatalf("recovery points after the deletion: %q", got)
	}
	// The rename is durable: a crash now does not bring t-0 back.
	crashed := mem.CrashClone()
	if exists(crashed, "/d/t-0") || len(deleteDirs(t, crashed, "/d")) != 1 {
		t.Fatalf("after a crash: %v", listTree(crashed, "/d"))
	}
	// The log is readable until its removal.
	checkRecords(t, l0, 0, 50)
	m.RunDue(clock.advance(999))
	if len(deleteDirs(t, mem, "/d")) != 1 {
		t.Fatal("removed before file.delete.delay.ms")
	}
	m.RunDue(clock.advance(1))
	if len(deleteDirs(t, mem, "/d")) != 0 {
		t.Fatalf("not removed after file.delete.delay.ms: %v", listTree(mem, "/d"))
	}

	// A new incarnation of the partition starts empty.
	l, err := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.RandomUuid())
	if err != nil || l.LogEndOffset() != 0 {
		t.Fatalf("recreated: %v, log end %d", err, l.LogEndOffset())
	}
	mustClose(t, m)

	// Restart from the crash: the -delete directory is not reopened as a
	// partition, and is removed after file.delete.delay.ms.
	clock2 := newClock()
	m = mustOpen(t, cfg, testOptions(t, crashed, clock2))
	defer mustClose(t, m)
	if _, ok := m.GetLog(tp("t", 0)); ok || len(m.AllLogs()) != 1 {
		t.Fatalf("logs after the restart: %d", len(m.AllLogs()))
	}
	checkRecords(t, mustGet(t, m, tp("t", 1)), 0, 50)
	if len(deleteDirs(t, crashed, "/d")) != 1 {
		t.Fatal("the -delete directory vanished at once")
	}
	m.RunDue(clock2.advance(1000))
	if len(deleteDirs(t, crashed, "/d")) != 0 {
		t.Fatalf("-delete directory not removed: %v", listTree(crashed, "/d"))
	}
}

// TestAsyncDeleteThenClose: Close removes the logs still waiting.
func TestAsyncDeleteThenClose(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := testConfig("/d")
	m := mustOpen(t, cfg, testOptions(t, fsys, newClock()))
	l, _ := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid)
	appendRecords(t, l, 10, t0)
	if _, err := m.AsyncDelete(tp("t", 0)); err != nil {
		t.Fatal(err)
	}
	mustClose(t, m)
	if d := deleteDirs(t, fsys, "/d"); len(d) != 0 {
		t.Fatalf("left behind: %v", d)
	}
	m = mustOpen(t, cfg, testOptions(t, fsys, newClock()))
	defer mustClose(t, m)
	if len(m.AllLogs()) != 0 {
		t.Fatal("the deleted log came back")
	}
}

// TestTruncateFullyAndStartAt restarts a log at an offset and checkpoints.
func TestTruncateFullyAndStartAt(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := testConfig("/d")
	m := mustOpen(t, cfg, testOptions(t, fsys, newClock()))
	l, _ := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid)
	appendRecords(t, l, 30, t0)
	if err := m.TruncateFullyAndStartAt(tp("t", 0), 1000); err != nil {
		t.Fatal(err)
	}
	if l.LogStartOffset() != 1000 || l.LogEndOffset() != 1000 {
		t.Fatalf("log %d..%d", l.LogStartOffset(), l.LogEndOffset())
	}
	if got := mustRead(t, fsys, "/d/recovery-point-offset-checkpoint"); got != "0\n1\nt 0 0\n" {
		t.Fatalf("recovery points: %q", got)
	}
	if err := m.TruncateFullyAndStartAt(tp("none", 0), 5); err != nil {
		t.Fatalf("unknown partition: %v", err)
	}
	mustClose(t, m)
	m = mustOpen(t, cfg, testOptions(t, fsys, newClock()))
	defer mustClose(t, m)
	if l := mustGet(t, m, tp("t", 0)); l.LogStartOffset() != 1000 || l.LogEndOffset() != 1000 {
		t.Fatalf("after reopen: %d..%d", l.LogStartOffset(), l.LogEndOffset())
	}
	if err := m.TruncateTo(map[TopicPartition]int64{tp("nope", 1): 3}); err != nil {
		t.Fatalf("truncating an unknown partition: %v", err)
	}
	if _, err := m.AsyncDelete(tp("t", 0)); err != nil {
		t.Fatal(err)
	}
	if names, _ := fsys.List("/d"); !hasPrefix(names, "t-0.") {
		t.Fatalf("no -delete directory: %v", names)
	}
}
