package logmanager

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// TestConcurrentLifecycle runs creations, appends, flushes, truncations,
// deletions and checkpoints from several goroutines while the background
// scheduler and the cleaner run with short intervals (for the race
// detector and for deadlocks), then checks a clean restart.
func TestConcurrentLifecycle(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := cleanerConfig("/d1", "/d2")
	cfg.FlushOffsetCheckpointIntervalMs = 1
	cfg.FlushStartOffsetCheckpointIntervalMs = 1
	cfg.RetentionCheckIntervalMs = 1
	cfg.FlushSchedulerIntervalMs = 1
	cfg.HighWatermarkCheckpointIntervalMs = 1
	cfg.Cleaner.BackoffMs = 1
	cfg.Defaults.FileDeleteDelayMs = 1
	o := testOptions(t, fsys, nil)
	o.Clock, o.ManualSchedule = nil, false
	o.Replication = endOffsets{}
	m := mustOpen(t, cfg, o)
	compact, _ := m.TopicConfig(map[string]string{"cleanup.policy": "compact", "flush.ms": "1"})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				p := tp(fmt.Sprintf("w%d", w), int32(i%5))
				tc := cfg.Defaults
				if i%3 == 0 {
					tc = compact
				}
				l, err := m.GetOrCreateLog(p, tc, checkpoint.ZeroUuid)
				if err != nil {
					errs <- err
					return
				}
				appendRecordsTolerant(l, 20)
				switch i % 4 {
				case 0:
					if !l.Config().CleanupPolicy.Compact() {
						// (A truncation into a compaction gap leaves a log
						// end offset that a reopen does not reproduce.)
						_ = m.TruncateTo(map[TopicPartition]int64{p: l.LogEndOffset() / 2})
					}
				case 1:
					if _, err := m.AsyncDelete(p); err != nil {
						errs <- err
						return
					}
				case 2:
					_ = m.CheckpointRecoveryPoints()
				case 3:
					_ = m.WriteHighWatermarks(map[TopicPartition]int64{p: l.LogEndOffset()})
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		for _, d := range m.Failures().Offline() {
			t.Logf("%s: %v", d, m.Failures().Err(d))
		}
		t.Fatal(err)
	}
	if off := m.Failures().Offline(); len(off) > 0 {
		t.Fatalf("directories went offline: %v", off)
	}
	logs := m.AllLogs()
	ends := map[TopicPartition]int64{}
	for _, l := range logs {
		ends[l.TopicPartition()] = l.LogEndOffset()
	}
	mustClose(t, m)
	m = mustOpen(t, cfg, testOptions(t, fsys, newClock()))
	defer mustClose(t, m)
	if len(m.AllLogs()) != len(logs) {
		t.Fatalf("%d logs after restart, %d before", len(m.AllLogs()), len(logs))
	}
	for p, end := range ends {
		if got := mustGet(t, m, p).LogEndOffset(); got != end {
			t.Fatalf("%s ends at %d, was %d", p, got, end)
		}
	}
}

// appendRecordsTolerant appends keyed records, ignoring a log that was
// closed or deleted meanwhile.
func appendRecordsTolerant(l *log.Log, n int) {
	for range n {
		bl := record.NewBuilder(0, record.CompressionNone)
		k := []byte(fmt.Sprint(l.LogEndOffset() % 3))
		_ = bl.Append(t0, k, k)
		b, err := bl.Build()
		if err != nil {
			return
		}
		if _, err := l.AppendAsLeader(b, 0, log.OriginClient); errors.Is(err, log.ErrClosed) {
			return
		}
	}
}

// endOffsets is a Replication whose high watermarks are above every log
// end offset.
type endOffsets struct{}

func (endOffsets) HighWatermark(TopicPartition) (int64, bool) { return 1 << 62, true }
