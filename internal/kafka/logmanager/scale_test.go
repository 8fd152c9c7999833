package logmanager

import (
	"fmt"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

// TestManyPartitions creates 2000 partitions over two directories, closes
// and reopens them: both clean and unclean reopens must be quick, and the
// fewest-partitions rule must balance the directories.
func TestManyPartitions(t *testing.T) {
	const n = 2000
	mem := vfs.NewCrashableMem()
	cfg := testConfig("/d1", "/d2")
	manyPartitions(t, n, mem, mem.CrashClone, cfg)
}

// TestManyPartitionsOnDisk is the same with 500 partitions in real
// directories (each log holds three open files).
func TestManyPartitionsOnDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("fsyncs")
	}
	root := t.TempDir()
	cfg := testConfig(root+"/d1", root+"/d2")
	manyPartitions(t, 500, vfs.Default, nil, cfg)
}

func manyPartitions(t *testing.T, n int, fsys vfs.FS, crash func() *vfs.CrashableMem, cfg Config) {
	cfg.NumRecoveryThreadsPerDataDir = 4
	clock := newClock()
	m := mustOpen(t, cfg, testOptions(t, fsys, clock))
	start := time.Now()
	for i := range n {
		l, err := m.GetOrCreateLog(tp(fmt.Sprintf("topic%d", i%50), int32(i/50)), cfg.Defaults, checkpoint.ZeroUuid)
		if err != nil {
			t.Fatal(err)
		}
		appendRecords(t, l, 3, t0)
	}
	created := time.Since(start)
	perDir := map[string]int{}
	for _, l := range m.AllLogs() {
		d, _ := m.LogDirOf(l.TopicPartition())
		perDir[d]++
	}
	if perDir[cfg.LogDirs[0]] != n/2 || perDir[cfg.LogDirs[1]] != n/2 {
		t.Fatalf("per directory: %v", perDir)
	}
	var crashed vfs.FS
	if crash != nil {
		// Everything flushed, nothing checkpointed: a full recovery.
		for _, l := range m.AllLogs() {
			if err := l.Flush(l.LogEndOffset()); err != nil {
				t.Fatal(err)
			}
		}
		crashed = crash()
	}
	start = time.Now()
	mustClose(t, m)
	closed := time.Since(start)

	start = time.Now()
	m = mustOpen(t, cfg, testOptions(t, fsys, clock))
	clean := time.Since(start)
	if got := len(m.AllLogs()); got != n {
		t.Fatalf("%d logs after a clean reopen", got)
	}
	mustClose(t, m)

	var unclean time.Duration
	if crashed != nil {
		start = time.Now()
		m = mustOpen(t, cfg, testOptions(t, crashed, clock))
		unclean = time.Since(start)
		if got := len(m.AllLogs()); got != n || m.HadCleanShutdown(cfg.LogDirs[0]) {
			t.Fatalf("%d logs after an unclean reopen", got)
		}
		for _, l := range m.AllLogs() {
			checkRecords(t, l, 0, 3)
		}
		mustClose(t, m)
	}
	t.Logf("%d partitions: create %v, close %v, clean open %v, open after crash %v", n, created, closed, clean, unclean)
	if limit := 20 * time.Second; clean > limit || unclean > limit {
		t.Fatalf("opening %d partitions took %v (clean), %v (crash)", n, clean, unclean)
	}
}
