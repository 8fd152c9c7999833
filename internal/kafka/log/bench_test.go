package log

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// Benchmarks on the OS filesystem (the page cache): the throughput the
// log's own code allows. Disk-bound figures come from the programs in
// bench/, which compare with the disk's raw bandwidth.

func benchLog(b *testing.B, cfg Config) *Log {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "bench-0")
	l, err := Open(vfs.Default, dir, cfg, Options{Scheduler: &manualScheduler{clock: newClock(0)}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = l.Close() })
	return l
}

func benchAppend(b *testing.B, records, valueSize int, flushEvery int) {
	cfg := DefaultConfig()
	cfg.MaxMessageBytes = 16 << 20
	l := benchLog(b, cfg)
	batch := mkBatch(b, batchSpec{records: records, valueSize: valueSize, ts: 1}, 1)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		record.Batch(batch).SetBaseOffset(0)
		if _, err := l.AppendAsLeader(batch, 0, OriginClient); err != nil {
			b.Fatal(err)
		}
		if flushEvery > 0 && i%flushEvery == 0 {
			if err := l.Flush(l.LogEndOffset()); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkAppend1MiBBatch(b *testing.B)    { benchAppend(b, 16, 64<<10, 0) }
func BenchmarkAppend16KiBBatch(b *testing.B)   { benchAppend(b, 16, 1<<10, 0) }
func BenchmarkAppendSmallBatch(b *testing.B)   { benchAppend(b, 1, 100, 0) }
func BenchmarkAppendFlushEvery(b *testing.B)   { benchAppend(b, 16, 1<<10, 1) }
func BenchmarkAppendFlushEvery64(b *testing.B) { benchAppend(b, 16, 1<<10, 64) }

// BenchmarkReadPageCache reads 1 MiB fetches into a reused buffer.
func BenchmarkReadPageCache(b *testing.B) {
	cfg := DefaultConfig()
	l := benchLog(b, cfg)
	batch := mkBatch(b, batchSpec{records: 16, valueSize: 4 << 10, ts: 1}, 1)
	for range 2000 { // ~128 MiB
		record.Batch(batch).SetBaseOffset(0)
		if _, err := l.AppendAsLeader(batch, 0, OriginClient); err != nil {
			b.Fatal(err)
		}
	}
	leo := l.LogEndOffset()
	buf := make([]byte, 0, 2<<20)
	b.ReportAllocs()
	b.ResetTimer()
	var total int64
	off := int64(0)
	for range b.N {
		fd, err := l.Read(off, 1<<20, leo, true)
		if err != nil {
			b.Fatal(err)
		}
		buf, err = fd.AppendTo(buf[:0])
		fd.Release()
		if err != nil {
			b.Fatal(err)
		}
		total += int64(len(buf))
		off = record.Batch(buf[len(buf)-int(fd.Region.Len):]).BaseOffset() + int64(fd.Region.Len/int64(len(batch)))*16
		if off >= leo {
			off = 0
		}
	}
	b.SetBytes(total / int64(max(b.N, 1)))
}

// BenchmarkReadInactiveSegments reads 64 KiB fetches across 100 segments of
// 1 MiB, none of them active, round robin: every read of a segment finds its
// file and indexes in the cache (sized to hold them all) or, with a cache of
// 8 files and no index bytes, opens the file and reads the index again.
func BenchmarkReadInactiveSegments(b *testing.B) {
	for _, c := range []struct {
		name  string
		cache *FileCache
	}{{"cached", NewFileCache(128, 8<<20)}, {"evicting", NewFileCache(8, 0)}} {
		b.Run(c.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.SegmentBytes = 1 << 20
			dir := filepath.Join(b.TempDir(), "bench-0")
			l, err := Open(vfs.Default, dir, cfg, Options{Scheduler: &manualScheduler{clock: newClock(0)}, FileCache: c.cache})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = l.Close() })
			batch := mkBatch(b, batchSpec{records: 4, valueSize: 1 << 10, ts: 1}, 1)
			for l.NumSegments() < 101 {
				record.Batch(batch).SetBaseOffset(0)
				if _, err := l.AppendAsLeader(batch, 0, OriginClient); err != nil {
					b.Fatal(err)
				}
			}
			segs := l.Segments()[:100]
			buf := make([]byte, 0, 128<<10)
			b.ReportAllocs()
			b.ResetTimer()
			var total int64
			for i := range b.N {
				s := segs[i%len(segs)]
				off := s.BaseOffset() + int64(i/len(segs))%200
				fd, err := l.Read(off, 64<<10, l.LogEndOffset(), true)
				if err != nil {
					b.Fatal(err)
				}
				buf, err = fd.AppendTo(buf[:0])
				fd.Release()
				if err != nil {
					b.Fatal(err)
				}
				total += int64(len(buf))
			}
			b.SetBytes(total / int64(max(b.N, 1)))
		})
	}
}

// BenchmarkOpenPartitions opens many empty partition logs and reports the
// heap each costs (the 10,000-partition budget is 300 MB in all).
func BenchmarkOpenPartitions(b *testing.B) {
	const n = 1000
	cfg := DefaultConfig()
	for range b.N {
		root := b.TempDir()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		logs := make([]*Log, n)
		for i := range logs {
			l, err := Open(vfs.Default, filepath.Join(root, fmt.Sprintf("t-%d", i)), cfg,
				Options{Scheduler: &manualScheduler{clock: newClock(0)}})
			if err != nil {
				b.Fatal(err)
			}
			batch := mkBatch(b, batchSpec{records: 4, valueSize: 100, ts: 1}, i)
			if _, err := l.AppendAsLeader(batch, 0, OriginClient); err != nil {
				b.Fatal(err)
			}
			logs[i] = l
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/n, "heap-B/partition")
		for _, l := range logs {
			_ = l.Close()
		}
	}
}

// BenchmarkAppendFlushParallel is acks=all with durable logs: every
// producer appends and waits for its fsync; group commit shares them.
func BenchmarkAppendFlushParallel(b *testing.B) {
	cfg := DefaultConfig()
	l := benchLog(b, cfg)
	proto := mkBatch(b, batchSpec{records: 8, valueSize: 512, ts: 1}, 1)
	b.SetBytes(int64(len(proto)))
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		batch := append([]byte(nil), proto...)
		for pb.Next() {
			record.Batch(batch).SetBaseOffset(0)
			info, err := l.AppendAsLeader(batch, 0, OriginClient)
			if err != nil {
				b.Error(err)
				return
			}
			if err := l.Flush(info.LastOffset + 1); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
