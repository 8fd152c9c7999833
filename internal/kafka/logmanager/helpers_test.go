package logmanager

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

const t0 = int64(1_700_000_000_000)

// fakeClock is a clock the test moves.
type fakeClock struct{ ms atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ms.Store(t0)
	return c
}

func (c *fakeClock) NowMs() int64           { return c.ms.Load() }
func (c *fakeClock) advance(ms int64) int64 { return c.ms.Add(ms) }

// testConfig is small enough for in-memory filesystems: 1 KiB segments,
// 1 KiB indexes, periodic tasks starting at once, no cleaner.
func testConfig(dirs ...string) Config {
	c := DefaultConfig()
	c.LogDirs = dirs
	c.InitialTaskDelayMs = 0
	c.Defaults.SegmentBytes = 1024
	c.Defaults.SegmentIndexBytes = 1024
	c.Defaults.IndexIntervalBytes = 128
	c.Cleaner.Enable = false
	return c
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testOptions schedules manually on clock, as broker 1 of cluster "wharf-test".
func testOptions(t testing.TB, fsys vfs.FS, clock *fakeClock) Options {
	return Options{FS: fsys, Clock: clock, Logger: testLogger(t), ClusterID: "wharf-test", BrokerID: 1, ManualSchedule: true}
}

func mustOpen(t testing.TB, cfg Config, opts Options) *Manager {
	t.Helper()
	m, err := Open(cfg, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return m
}

func mustClose(t testing.TB, m *Manager) {
	t.Helper()
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func tp(topic string, p int32) TopicPartition { return TopicPartition{Topic: topic, Partition: p} }

// value is the value of the record at offset o of tp in every test.
func value(p TopicPartition, o int64) string { return fmt.Sprintf("%s@%d", p, o) }

// appendRecords appends n records, one batch of at most 10, to l as
// leader; the keys and values say their partition and offset.
func appendRecords(t testing.TB, l *log.Log, n int, ts int64) {
	t.Helper()
	p := l.TopicPartition()
	for n > 0 {
		k := min(n, 10)
		next := l.LogEndOffset()
		bl := record.NewBuilder(0, record.CompressionNone)
		for i := range k {
			v := []byte(value(p, next+int64(i)))
			if err := bl.Append(ts, v, v); err != nil {
				t.Fatal(err)
			}
		}
		b, err := bl.Build()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.AppendAsLeader(b, 0, log.OriginClient); err != nil {
			t.Fatalf("append to %s: %v", p, err)
		}
		n -= k
	}
}

// readValues returns the values of every record in [log start, log end).
// Offsets may be missing: a power loss can drop unflushed batches at the
// end of a segment while a later segment survives (see package log).
func readValues(t testing.TB, l *log.Log) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	leo := l.LogEndOffset()
	for o := l.LogStartOffset(); o < leo; {
		fd, err := l.Read(o, 1<<20, leo, true)
		if err != nil {
			t.Fatalf("read %s at %d: %v", l.TopicPartition(), o, err)
		}
		data, err := fd.AppendTo(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			if fd.Start.Offset <= o {
				t.Fatalf("read %s at %d: nothing below %d", l.TopicPartition(), o, leo)
			}
			o = fd.Start.Offset // a gap
			continue
		}
		it := record.Iterate(data)
		for {
			b, _, ok := it.Next()
			if !ok {
				break
			}
			ri := b.Iter(b.Records())
			var r record.Record
			for ri.Next(&r) {
				if r.Offset >= o {
					out[r.Offset] = string(r.Value)
				}
			}
			if err := ri.Err(); err != nil {
				t.Fatal(err)
			}
			o = b.NextOffset()
		}
		if err := it.Err(); err != nil {
			t.Fatalf("read %s: %v", l.TopicPartition(), err)
		}
	}
	return out
}

// checkRecords checks that every record of l is the one written at its
// offset, and that none is missing in [from, contiguousTo).
func checkRecords(t testing.TB, l *log.Log, from, contiguousTo int64) {
	t.Helper()
	got := readValues(t, l)
	p := l.TopicPartition()
	for o, v := range got {
		if v != value(p, o) {
			t.Fatalf("%s offset %d: %q, want %q", p, o, v, value(p, o))
		}
	}
	for o := from; o < contiguousTo; o++ {
		if _, ok := got[o]; !ok {
			t.Fatalf("%s offset %d missing (log %d..%d)", p, o, l.LogStartOffset(), l.LogEndOffset())
		}
	}
}

// counter counts the operations of a vfs.WithErrors filesystem, and can
// run a hook before each.
type counter struct {
	mu   sync.Mutex
	ops  []vfs.Op
	hook func(vfs.Op)
}

func (c *counter) MaybeError(op vfs.Op) error {
	c.mu.Lock()
	c.ops = append(c.ops, op)
	hook := c.hook
	c.mu.Unlock()
	if hook != nil {
		hook(op)
	}
	return nil
}

func (c *counter) take() []vfs.Op {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := c.ops
	c.ops = nil
	return ops
}

// mutating reports whether op changes the filesystem.
func mutating(op vfs.Op) bool {
	switch op.Kind {
	case vfs.OpCreate, vfs.OpOpenReadWrite, vfs.OpRemove, vfs.OpRemoveAll, vfs.OpRename, vfs.OpMkdirAll,
		vfs.OpSyncDir, vfs.OpFileWrite, vfs.OpFileWriteAt, vfs.OpFileSync, vfs.OpFileTruncate, vfs.OpFilePreallocate:
		return true
	}
	return false
}

// listTree returns every path under root, for failure messages.
func listTree(fsys vfs.FS, root string) []string {
	var out []string
	var walk func(string)
	walk = func(dir string) {
		names, err := fsys.List(dir)
		if err != nil {
			return
		}
		for _, n := range names {
			p := filepath.Join(dir, n)
			out = append(out, p)
			if st, err := fsys.Stat(p); err == nil && st.IsDir() {
				walk(p)
			}
		}
	}
	walk(root)
	return out
}

func exists(fsys vfs.FS, path string) bool {
	_, err := fsys.Stat(path)
	return err == nil
}

func hasPrefix(names []string, prefix string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}
