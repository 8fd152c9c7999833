package logmanager

import (
	"errors"
	"maps"
	"path/filepath"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

func mustRead(t testing.TB, fsys vfs.FS, path string) string {
	t.Helper()
	b, err := vfs.ReadFile(fsys, path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCheckpointFormats checks the files Close leaves, byte for byte in
// Kafka's formats.
func TestCheckpointFormats(t *testing.T) {
	filesystems(t, func(t *testing.T, fsys vfs.FS, root string) {
		dir := filepath.Join(root, "d")
		cfg := testConfig(dir)
		clock := newClock()
		m := mustOpen(t, cfg, testOptions(t, fsys, clock))
		for _, c := range []struct {
			tp TopicPartition
			n  int
		}{{tp("t", 0), 30}, {tp("t", 1), 7}, {tp("a", 10), 1}} {
			l, err := m.GetOrCreateLog(c.tp, cfg.Defaults, checkpoint.ZeroUuid)
			if err != nil {
				t.Fatal(err)
			}
			appendRecords(t, l, c.n, t0)
		}
		if _, err := mustGet(t, m, tp("t", 0)).IncrementLogStartOffset(20, 30); err != nil {
			t.Fatal(err)
		}
		if err := m.WriteHighWatermarks(map[TopicPartition]int64{tp("t", 0): 30, tp("t", 1): 5, tp("missing", 0): 9}); err != nil {
			t.Fatal(err)
		}
		if got, want := mustRead(t, fsys, filepath.Join(dir, "replication-offset-checkpoint")), "0\n2\nt 0 30\nt 1 5\n"; got != want {
			t.Fatalf("replication-offset-checkpoint = %q, want %q", got, want)
		}
		mustClose(t, m)
		for name, want := range map[string]string{
			"recovery-point-offset-checkpoint": "0\n3\na 10 1\nt 0 30\nt 1 7\n",
			"log-start-offset-checkpoint":      "0\n1\nt 0 20\n",
			"replication-offset-checkpoint":    "0\n2\nt 0 30\nt 1 5\n",
			"cleaner-offset-checkpoint":        "",
			".kafka_cleanshutdown":             `{"version":0,"brokerEpoch":-1}`,
		} {
			if got := mustRead(t, fsys, filepath.Join(dir, name)); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}

		m = mustOpen(t, cfg, testOptions(t, fsys, clock))
		defer mustClose(t, m)
		hws, err := m.ReadHighWatermarks()
		if err != nil || !maps.Equal(hws, map[TopicPartition]int64{tp("t", 0): 30, tp("t", 1): 5}) {
			t.Fatalf("ReadHighWatermarks = %v, %v", hws, err)
		}
		if ls := mustGet(t, m, tp("t", 0)).LogStartOffset(); ls != 20 {
			t.Fatalf("log start after reopen: %d", ls)
		}
	})
}

// TestPeriodicCheckpoints drives the checkpoint tasks with the clock.
func TestPeriodicCheckpoints(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := testConfig("/d")
	cfg.FlushOffsetCheckpointIntervalMs = 1000
	cfg.FlushStartOffsetCheckpointIntervalMs = 2000
	cfg.HighWatermarkCheckpointIntervalMs = 3000
	clock := newClock()
	o := testOptions(t, fsys, clock)
	hws := &fixedHWs{hw: map[TopicPartition]int64{tp("t", 0): 4}}
	o.Replication = hws
	m := mustOpen(t, cfg, o)
	defer mustClose(t, m)
	m.RunDue(clock.NowMs())
	l, _ := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid)
	appendRecords(t, l, 10, t0)
	if err := l.Flush(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if _, err := l.IncrementLogStartOffset(3, 10); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string { return mustRead(t, fsys, filepath.Join("/d", name)) }
	if got := read("recovery-point-offset-checkpoint"); got != "0\n0\n" {
		t.Fatalf("before the interval: %q", got)
	}
	m.RunDue(clock.advance(999))
	if got := read("recovery-point-offset-checkpoint"); got != "0\n0\n" {
		t.Fatalf("before the interval: %q", got)
	}
	m.RunDue(clock.advance(1))
	if got := read("recovery-point-offset-checkpoint"); got != "0\n1\nt 0 10\n" {
		t.Fatalf("after the interval: %q", got)
	}
	if got := read("log-start-offset-checkpoint"); got != "0\n0\n" {
		t.Fatalf("log start before its interval: %q", got)
	}
	m.RunDue(clock.advance(1000))
	if got := read("log-start-offset-checkpoint"); got != "0\n1\nt 0 3\n" {
		t.Fatalf("log start after its interval: %q", got)
	}
	if got := read("replication-offset-checkpoint"); got != "" {
		t.Fatalf("high watermarks before their interval: %q", got)
	}
	m.RunDue(clock.advance(1000))
	if got := read("replication-offset-checkpoint"); got != "0\n1\nt 0 4\n" {
		t.Fatalf("high watermarks after their interval: %q", got)
	}
}

// fixedHWs is a Replication with fixed high watermarks.
type fixedHWs struct{ hw map[TopicPartition]int64 }

func (f *fixedHWs) HighWatermark(p TopicPartition) (int64, bool) {
	hw, ok := f.hw[p]
	return hw, ok
}

func TestCleanerCheckpointUpdates(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := testConfig("/d")
	m := mustOpen(t, cfg, testOptions(t, fsys, newClock()))
	defer mustClose(t, m)
	l, _ := m.GetOrCreateLog(tp("c", 0), cfg.Defaults, checkpoint.ZeroUuid)
	appendRecords(t, l, 200, t0)
	if l.NumSegments() < 3 {
		t.Fatalf("%d segments", l.NumSegments())
	}
	m.GetOrCreateLog(tp("c", 1), cfg.Defaults, checkpoint.ZeroUuid)
	host := cleanerHost{m}
	if err := errors.Join(host.SetFirstDirtyOffset(tp("c", 0), 150), host.SetFirstDirtyOffset(tp("c", 1), 0),
		host.SetFirstDirtyOffset(tp("gone", 0), 7)); err != nil {
		t.Fatal(err)
	}
	if o, ok := host.FirstDirtyOffset(tp("c", 0)); !ok || o != 150 {
		t.Fatalf("FirstDirtyOffset: %d %v", o, ok)
	}
	if got := mustRead(t, fsys, "/d/cleaner-offset-checkpoint"); got != "0\n2\nc 0 150\nc 1 0\n" {
		t.Fatalf("cleaner checkpoint %q", got)
	}
	// A truncation below the active segment lowers the entry to the new
	// active segment's base; a deletion drops it.
	if err := m.TruncateTo(map[TopicPartition]int64{tp("c", 0): 60}); err != nil {
		t.Fatal(err)
	}
	base := l.ActiveSegment().BaseOffset()
	if base > 60 || base == 0 {
		t.Fatalf("active segment at %d", base)
	}
	if _, err := m.AsyncDelete(tp("c", 1)); err != nil {
		t.Fatal(err)
	}
	got, err := m.CleanerCheckpoint("/d")
	if err != nil || !maps.Equal(got, map[TopicPartition]int64{tp("c", 0): base}) {
		t.Fatalf("cleaner checkpoint %v %v, want c-0 at %d", got, err, base)
	}
	if _, err := m.CleanerCheckpoint("/nowhere"); err == nil {
		t.Fatal("an unknown directory has a cleaner checkpoint")
	}
}
