package log

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// validPrefix returns the batches recovery must keep from a .log's bytes:
// every valid batch up to the first invalid byte.
func validPrefix(data []byte, base int64) []record.Batch {
	var out []record.Batch
	next := base
	for len(data) > 0 {
		b, n, err := record.Parse(data)
		if err != nil || checkStored(b) != nil || b.BaseOffset() < next || b.LastOffset()-base > 1<<31-1 {
			break
		}
		out = append(out, b)
		next = b.NextOffset()
		data = data[n:]
	}
	return out
}

// FuzzRecovery feeds arbitrary bytes as a segment's .log, .index and
// .timeindex (followed by a valid second segment) to Open. It must never
// panic; an unclean open must recover exactly the valid prefix of the
// first segment and, if nothing was cut there, keep the second; a clean
// open trusts the data but must still serve reads without panicking.
func FuzzRecovery(f *testing.F) {
	mem := vfs.NewMem()
	e := openOn(f, mem, smallConfig(), Options{})
	for i := range 12 {
		e.mustAppend(mkBatch(f, batchSpec{records: 1 + i%3, valueSize: 40 + 30*i, ts: int64(1000 + i)}, i))
	}
	if err := e.log.Close(); err != nil {
		f.Fatal(err)
	}
	segs := e.log.Segments()
	seg0 := segs[0]
	logB := readFile(f, mem, seg0.LogPath())
	idxB := readFile(f, mem, seg0.IndexPath())
	tidxB := readFile(f, mem, seg0.TimeIndexPath())
	f.Add(logB, idxB, tidxB, false)
	f.Add(logB, idxB, tidxB, true)
	f.Add(logB[:len(logB)-7], idxB, tidxB, false)
	f.Add(append(bytes.Clone(logB), 0, 0, 0, 0), make([]byte, 80), []byte{1, 2, 3}, false)
	flipped := bytes.Clone(logB)
	flipped[len(flipped)/2] ^= 0x10
	f.Add(flipped, idxB, tidxB, true)
	f.Add([]byte{}, []byte{}, []byte{}, false)
	second := seg0.BaseOffset() + 1000

	f.Fuzz(func(t *testing.T, logData, idx, tidx []byte, clean bool) {
		fsys := vfs.NewMem()
		if err := fsys.MkdirAll(testDir, 0o755); err != nil {
			t.Fatal(err)
		}
		write := func(name string, b []byte) {
			if err := vfs.WriteFileAtomic(fsys, filepath.Join(testDir, name), b); err != nil {
				t.Fatal(err)
			}
		}
		write(LogFileName(0), logData)
		write(IndexFileName(0), idx)
		write(TimeIndexFileName(0), tidx)
		// A valid later segment: kept only if nothing before it was cut.
		tail := mkBatch(t, batchSpec{records: 2, valueSize: 10, ts: 5}, 1)
		record.Batch(tail).SetBaseOffset(second)
		write(LogFileName(second), tail)
		write(IndexFileName(second), nil)
		write(TimeIndexFileName(second), nil)

		re := openOn(t, fsys, smallConfig(), Options{HadCleanShutdown: clean})
		defer re.log.closeForTest()
		l := re.log
		for off := l.LogStartOffset(); off <= l.LogEndOffset() && off < l.LogStartOffset()+50; off++ {
			fd, err := l.Read(off, 300, l.LogEndOffset(), off%2 == 0)
			if err != nil {
				t.Fatalf("Read(%d): %v", off, err)
			}
			if _, err := fd.AppendTo(nil); err != nil {
				t.Fatalf("reading region: %v", err)
			}
		}
		_, _, _ = l.FetchOffsetByTimestamp(1003)
		if clean {
			return
		}
		got := checkLog(t, l)
		want := validPrefix(logData, 0)
		cut := len(want) == 0 && len(logData) > 0
		if len(want) > 0 {
			last := want[len(want)-1]
			end := int(last.NextOffset())
			_ = end
			total := 0
			for _, b := range want {
				total += len(b)
			}
			cut = total < len(logData) || last.LastOffset() >= second
		}
		if len(want) > 0 && want[len(want)-1].LastOffset() >= second {
			// The first segment overlaps the second: recovery keeps its
			// valid data and drops the second.
			cut = true
		}
		if cut {
			if len(got) != len(want) {
				t.Fatalf("recovered %d batches, the valid prefix has %d", len(got), len(want))
			}
		} else if len(got) != len(want)+1 {
			t.Fatalf("recovered %d batches, want the %d valid ones and the next segment's", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("batch %d differs from the input", i)
			}
		}
	})
}

// FuzzAppend feeds arbitrary bytes to both append paths: they must never
// panic, and whatever they accept must leave a valid log that reads back.
func FuzzAppend(f *testing.F) {
	b := mkBatch(f, batchSpec{records: 3, valueSize: 20, ts: 100}, 1)
	f.Add(b, false)
	f.Add(b, true)
	f.Add(append(bytes.Clone(b), b...), true)
	f.Add(b[:40], true)
	gz := mkBatch(f, batchSpec{records: 4, valueSize: 50, ts: 100, codec: record.CompressionGzip}, 2)
	f.Add(gz, false)
	f.Fuzz(func(t *testing.T, data []byte, follower bool) {
		e := openOn(t, vfs.NewMem(), smallConfig(), Options{})
		defer e.log.closeForTest()
		var err error
		if follower {
			_, err = e.log.AppendAsFollower(bytes.Clone(data))
		} else {
			_, err = e.log.AppendAsLeader(bytes.Clone(data), 1, OriginClient)
		}
		got := checkLog(t, e.log)
		if err != nil && len(got) != 0 {
			t.Fatalf("a refused append wrote %d batches: %v", len(got), err)
		}
		readAll(t, e.log, e.log.LogStartOffset())
	})
}
