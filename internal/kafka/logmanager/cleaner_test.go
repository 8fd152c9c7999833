package logmanager

import (
	"fmt"
	"maps"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// appendKeyed appends n records cycling over keys k0..k<keys-1>, ten per
// batch; the value says the key and the offset.
func appendKeyed(t *testing.T, l *log.Log, n, keys int) {
	t.Helper()
	for i := 0; i < n; i += 10 {
		bl := record.NewBuilder(0, record.CompressionNone)
		for j := i; j < min(i+10, n); j++ {
			o := l.LogEndOffset() + int64(j-i)
			k := fmt.Sprintf("k%d", int(o)%keys)
			if err := bl.Append(t0, []byte(k), []byte(fmt.Sprintf("%s=%d", k, o))); err != nil {
				t.Fatal(err)
			}
		}
		b, err := bl.Build()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.AppendAsLeader(b, 0, log.OriginClient); err != nil {
			t.Fatal(err)
		}
	}
}

func cleanerConfig(dirs ...string) Config {
	cfg := testConfig(dirs...)
	cfg.Cleaner.Enable = true
	cfg.Cleaner.DedupeBufferSize = 1 << 20
	cfg.Cleaner.IOBufferSize = 64 << 10
	return cfg
}

// TestCleanerHost: the manager builds the cleaner, which compacts a
// compacted topic's flushed segments and records its progress in the
// directory's cleaner-offset-checkpoint, read back after a restart;
// retention leaves compacted logs to the cleaner.
func TestCleanerHost(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := cleanerConfig("/d")
	cfg.RetentionCheckIntervalMs = 1000
	clock := newClock()
	m := mustOpen(t, cfg, testOptions(t, fsys, clock))
	if m.Cleaner() == nil {
		t.Fatal("no cleaner")
	}
	compact, _ := m.TopicConfig(map[string]string{"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"})
	lc, _ := m.GetOrCreateLog(tp("compact", 0), compact, checkpoint.ZeroUuid)
	appendKeyed(t, lc, 300, 5)
	if err := lc.Flush(lc.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	before := lc.Size()
	cleaned, err := m.Cleaner().CleanOnce()
	if err != nil || !cleaned {
		t.Fatalf("CleanOnce: %v %v", cleaned, err)
	}
	if lc.Size() >= before {
		t.Fatalf("not compacted: %d bytes, was %d", lc.Size(), before)
	}
	active := lc.ActiveSegment().BaseOffset()
	want := map[TopicPartition]int64{tp("compact", 0): active}
	if got, err := m.CleanerCheckpoint("/d"); err != nil || !maps.Equal(got, want) {
		t.Fatalf("cleaner checkpoint %v %v, want %v", got, err, want)
	}
	if got := mustRead(t, fsys, "/d/cleaner-offset-checkpoint"); got != fmt.Sprintf("0\n1\ncompact 0 %d\n", active) {
		t.Fatalf("cleaner-offset-checkpoint = %q", got)
	}

	// Retention by the manager pauses and resumes the logs it works on,
	// and leaves the compacted one alone.
	ld, _ := m.GetOrCreateLog(tp("delete", 0), cfg.Defaults, checkpoint.ZeroUuid)
	appendRecords(t, ld, 10, t0)
	m.RunDue(clock.NowMs())
	if m.Cleaner().CleaningPaused(tp("delete", 0)) || m.Cleaner().CleaningPaused(tp("compact", 0)) {
		t.Fatal("a log left paused by retention")
	}
	mustClose(t, m)

	m = mustOpen(t, cfg, testOptions(t, fsys, clock))
	defer mustClose(t, m)
	if got, err := m.CleanerCheckpoint("/d"); err != nil || !maps.Equal(got, want) {
		t.Fatalf("cleaner checkpoint after reopen %v %v", got, err)
	}
	if o, ok := (cleanerHost{m}).FirstDirtyOffset(tp("compact", 0)); !ok || o != active {
		t.Fatalf("FirstDirtyOffset after reopen: %d %v", o, ok)
	}
	// A truncation below the checkpointed offset lowers it; the partition
	// is not left paused.
	if err := m.TruncateTo(map[TopicPartition]int64{tp("compact", 0): 3}); err != nil {
		t.Fatal(err)
	}
	l := mustGet(t, m, tp("compact", 0))
	if o, _ := (cleanerHost{m}).FirstDirtyOffset(tp("compact", 0)); o != l.ActiveSegment().BaseOffset() || o > 3 {
		t.Fatalf("checkpoint %d after truncating to 3", o)
	}
	if m.Cleaner().CleaningPaused(tp("compact", 0)) {
		t.Fatal("left paused after the truncation")
	}
	// A deletion drops the entry.
	if _, err := m.AsyncDelete(tp("compact", 0)); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.CleanerCheckpoint("/d"); len(got) != 0 {
		t.Fatalf("cleaner checkpoint after the deletion: %v", got)
	}
}

// TestCleanerBounds: the cleaner sees the high watermarks replication gives.
func TestCleanerBounds(t *testing.T) {
	cfg := cleanerConfig("/d")
	o := testOptions(t, vfs.NewMem(), newClock())
	o.Replication = &fixedHWs{hw: map[TopicPartition]int64{tp("t", 0): 7}}
	m := mustOpen(t, cfg, o)
	defer mustClose(t, m)
	h := cleanerHost{m}
	if hw, lso := h.Bounds(tp("t", 0)); hw != 7 || lso != 7 {
		t.Fatalf("bounds %d %d", hw, lso)
	}
	if hw, lso := h.Bounds(tp("u", 0)); hw != 0 || lso != 0 {
		t.Fatalf("bounds of an unknown partition %d %d", hw, lso)
	}
	if len(h.Logs()) != 0 {
		t.Fatal("logs")
	}
	l, _ := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid)
	if logs := h.Logs(); len(logs) != 1 || logs[0] != l {
		t.Fatal("the host does not list the live log")
	}
}
