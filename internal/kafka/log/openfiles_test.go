package log

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

// openFilesUnder returns the targets of this process's descriptors
// (/proc/self/fd) that lie under root.
func openFilesUnder(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	var out []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.HasPrefix(target, root+string(filepath.Separator)) {
			out = append(out, target)
		}
	}
	return out
}

// TestManyIdlePartitionsHoldOneDescriptorEach opens thousands of partition
// logs on the OS filesystem, some of them rolled, flushed and read from
// their older segment, and counts the process's descriptors: an idle
// partition holds one, its active segment's .log; the older segments' files
// are open only within the shared cache's bound; no index file is open;
// nothing is left open once the logs are gone.
func TestManyIdlePartitionsHoldOneDescriptorEach(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	root := t.TempDir()
	openFilesUnder(t, root) // skips without /proc
	const cacheFiles = 16
	cache := NewFileCache(cacheFiles, 1<<20)
	clock := newClock(1_700_000_000_000)
	sched := &manualScheduler{clock: clock}
	cfg := DefaultConfig()
	logs := make([]*Log, n)
	defer func() {
		for _, l := range logs {
			if l != nil {
				_ = l.Delete()
			}
		}
	}()
	batch := simpleBatch(t, 2, 100, clock.NowMs())
	for i := range logs {
		dir := filepath.Join(root, fmt.Sprintf("topic-%d", i))
		if err := os.Mkdir(dir, 0o755); err != nil { // made durable by Open otherwise: slow
			t.Fatal(err)
		}
		l, err := Open(vfs.Default, dir, cfg, Options{Clock: clock, Scheduler: sched, FileCache: cache})
		if err != nil {
			t.Fatalf("opening partition %d: %v", i, err)
		}
		logs[i] = l
		if _, err := l.AppendAsLeader(append([]byte(nil), batch...), 0, OriginClient); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 { // an older segment too
			if err := l.Roll(); err != nil {
				t.Fatal(err)
			}
			if _, err := l.AppendAsLeader(append([]byte(nil), batch...), 0, OriginClient); err != nil {
				t.Fatal(err)
			}
		}
	}
	sched.RunDue() // the rolls' flushes open and sync the older segments
	for i := 0; i < n; i += 50 {
		fd, err := logs[i].Read(0, 1<<20, logs[i].LogEndOffset(), true)
		if err != nil {
			t.Fatal(err)
		}
		data, err := fd.AppendTo(nil)
		fd.Release()
		if err != nil || len(data) != len(batch) || fd.Start.SegmentBase != 0 {
			t.Fatalf("partition %d: read %d bytes from segment %d: %v", i, len(data), fd.Start.SegmentBase, err)
		}
		if _, found, err := logs[i].FetchOffsetByTimestamp(clock.NowMs()); err != nil || !found {
			t.Fatalf("partition %d: timestamp lookup: %v %v", i, found, err)
		}
	}

	open := openFilesUnder(t, root)
	perDir := map[string]int{}
	extra := 0
	for _, f := range open {
		if !strings.HasSuffix(f, LogFileSuffix) {
			t.Fatalf("%s is open", f)
		}
		if perDir[filepath.Dir(f)]++; perDir[filepath.Dir(f)] > 1 {
			extra++
		}
	}
	cached := cache.Stats().OpenFiles
	t.Logf("%d partitions: %d descriptors (%d partitions hold one, %d more in the cache)", n, len(open), len(perDir), cached)
	if len(perDir) != n || extra > cached || cached > cacheFiles || len(open) > n+cacheFiles {
		t.Fatalf("%d partitions hold %d descriptors in %d directories; the cache holds %d (bound %d)",
			n, len(open), len(perDir), cached, cacheFiles)
	}
	for i, l := range logs {
		if err := l.Delete(); err != nil {
			t.Fatalf("deleting partition %d: %v", i, err)
		}
		logs[i] = nil
	}
	if open := openFilesUnder(t, root); len(open) != 0 {
		t.Fatalf("%d descriptors left open, e.g. %s", len(open), open[0])
	}
}
