package persist

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestAppendCommitRead(t *testing.T) {
	fs := vfs.NewMem()
	sl := openRestored(t, fs, Options{PreAllocSize: 4 << 10})
	l := sl.TxnLog()
	appendTxns(t, l, 1, 40)
	if err := l.Roll(); err != nil {
		t.Fatal(err)
	}
	appendTxns(t, l, 41, 41)
	for z := int64(42); z <= 100; z++ { // many Appends, one Commit
		if err := l.Append(testTxn(z)); err != nil {
			t.Fatal(err)
		}
		if z == 70 {
			if err := l.Roll(); err != nil { // rolled before the commit
				t.Fatal(err)
			}
		}
	}
	if err := l.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, want := logNames(t, fs), []string{"log.1", "log.29", "log.47"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if err := sl.Close(); err != nil {
		t.Fatal(err)
	}
	for _, from := range []int64{0, 1, 2, 40, 41, 42, 70, 71, 100, 101} {
		got, err := readAll(t, fs, from)
		if err != nil {
			t.Fatal(err)
		}
		if want := seq(max(from, 1), 100); !slices.Equal(got, want) {
			t.Errorf("from %d: %v", from, got)
		}
	}
	_, last, zxids, err := restoreZxids(t, fs, Options{TrustEmptySnapshot: true})
	if err != nil || last != 100 || !slices.Equal(zxids, seq(1, 100)) {
		t.Errorf("restore: last %d, %v, %v", last, zxids, err)
	}
}

func TestPaddedSize(t *testing.T) {
	// FilePadding.calculateFileSizeWithPadding, as FilePaddingTest checks it.
	for _, c := range []struct{ pos, size, prealloc, want int64 }{
		{16, 16, 1000, 1016},          // a new file
		{100, 5000, 1000, 5000},       // far from the end
		{904, 5000, 1000, 6000},       // within 4 KiB of the end
		{5000, 5000, 1000, 6000},      // at the end
		{6500, 5000, 1000, 7000},      // past it: rounded to a multiple
		{6500, 5000, 0, 5000},         // preallocation off
		{62000, 65552, 65536, 131088}, // 64 KiB chunks after the header
		{70000, 65552, 65536, 131072},
	} {
		if got := paddedSize(c.pos, c.size, c.prealloc); got != c.want {
			t.Errorf("paddedSize(%d, %d, %d) = %d, want %d", c.pos, c.size, c.prealloc, got, c.want)
		}
	}
}

func TestPreallocation(t *testing.T) {
	for _, prealloc := range []int64{-1, 4096, 8192} {
		fs := vfs.NewMem()
		sl := openRestored(t, fs, Options{PreAllocSize: prealloc})
		l := sl.TxnLog()
		var pos, size int64 = fileHeaderSize, fileHeaderSize
		for z := int64(1); z <= 60; z++ {
			if prealloc > 0 {
				size = paddedSize(pos, size, prealloc)
			}
			appendTxns(t, l, z, z)
			pos += int64(entryHeaderSize + len(testTxnBytes(z)) + 1)
			want := max(pos, size)
			if got := fileSize(t, fs, "/data/version-2/log.1"); got != want {
				t.Fatalf("prealloc %d, after 0x%x: size %d, want %d", prealloc, z, got, want)
			}
		}
		sl.Close()
	}
}

func TestAppendRules(t *testing.T) {
	fs := vfs.NewMem()
	sl, err := Open(fs, "/data", "/data", Options{PreAllocSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	l := sl.TxnLog()
	if err := l.Append(testTxn(1)); !errors.Is(err, ErrNotRestored) {
		t.Errorf("append before restore: %v", err)
	}
	if _, _, _, err := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil }); err != nil {
		t.Fatal(err)
	}
	appendTxns(t, l, 5, 6)
	for _, z := range []int64{6, 3} {
		if err := l.Append(testTxn(z)); !errors.Is(err, ErrZxidOrder) {
			t.Errorf("append 0x%x after 0x6: %v", z, err)
		}
	}
	if err := l.AppendRaw([]byte{1, 2, 3}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("short raw txn: %v", err)
	}
	if n := int64(2*(entryHeaderSize+1) + len(testTxnBytes(5)) + len(testTxnBytes(6))); l.AppendedBytes() != n {
		t.Errorf("appended %d bytes, want %d", l.AppendedBytes(), n)
	}
	if l.LastZxid() != 6 || l.CurrentFile() != "log.5" {
		t.Errorf("last 0x%x, file %q", l.LastZxid(), l.CurrentFile())
	}
	if err := sl.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(testTxn(7)); !errors.Is(err, ErrClosed) {
		t.Errorf("append after close: %v", err)
	}
}

func TestLastSyncDuration(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		sl := openRestored(t, vfs.NewMem(), Options{PreAllocSize: 4096, NoSync: noSync})
		l := sl.TxnLog()
		if d := l.LastSyncDuration(); d != -1 {
			t.Errorf("before any commit: %v", d)
		}
		appendTxns(t, l, 1, 3)
		if d := l.LastSyncDuration(); noSync != (d == -1) || d < -1 {
			t.Errorf("noSync=%v: last sync %v", noSync, d)
		}
		sl.Close()
	}
}

func TestSlowFsyncWarns(t *testing.T) {
	h := &recordHandler{}
	slow := vfs.WithErrors(vfs.NewMem(), vfs.InjectorFunc(func(op vfs.Op) error {
		if op.Kind == vfs.OpFileSync {
			time.Sleep(3 * time.Millisecond) // a slow disk
		}
		return nil
	}))
	sl := openRestored(t, slow, Options{PreAllocSize: 4096, FsyncWarningThreshold: time.Millisecond, Logger: h.logger()})
	appendTxns(t, sl.TxnLog(), 1, 1)
	if d := sl.TxnLog().LastSyncDuration(); d < 3*time.Millisecond {
		t.Errorf("last sync %v", d)
	}
	if n := sl.TxnLog().FsyncThresholdExceeded(); n != 1 {
		t.Errorf("%d slow fsyncs counted", n)
	}
	if !h.has("fsync-ing the write ahead log took too long") {
		t.Errorf("no warning logged: %q", h.msgs)
	}
}

func TestTxnLogSizeLimit(t *testing.T) {
	fs := vfs.NewMem()
	sl := openRestored(t, fs, Options{PreAllocSize: 4096, TxnLogSizeLimit: 500})
	for z := int64(1); z <= 30; z++ {
		appendTxns(t, sl.TxnLog(), z, z)
	}
	sl.Close()
	if names := logNames(t, fs); len(names) < 4 {
		t.Errorf("files %q: the size limit did not roll", names)
	}
	if zxids, err := readAll(t, fs, 0); err != nil || !slices.Equal(zxids, seq(1, 30)) {
		t.Fatalf("%v %v", zxids, err)
	}
}

func TestReadLogFile(t *testing.T) {
	fs := vfs.NewMem()
	sl := openRestored(t, fs, Options{PreAllocSize: 4096})
	appendTxns(t, sl.TxnLog(), 3, 9)
	sl.Close()
	it := ReadLogFile(fs, "/data/version-2/log.3")
	var n int
	for it.Next() {
		n++
	}
	if it.Err() != nil || n != 7 {
		t.Errorf("%d txns, %v", n, it.Err())
	}
	it.Close()
}

// TestAppendDoesNotAllocate: Append encodes into a reused buffer.
func TestAppendDoesNotAllocate(t *testing.T) {
	sl := openRestored(t, vfs.NewMem(), Options{PreAllocSize: 4096})
	defer sl.Close()
	h, rec, dg := testTxn(7)
	z := int64(0)
	allocs := testing.AllocsPerRun(2000, func() {
		z++
		h.Zxid = z
		if err := sl.TxnLog().Append(h, rec, dg); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0.05 {
		t.Errorf("%.2f allocations per Append", allocs)
	}
}

// BenchmarkAppendCommit measures group commit on the real filesystem:
// b.N txns of about 100 bytes, committed in groups of 1 and 100.
func BenchmarkAppendCommit(b *testing.B) {
	for _, group := range []int{1, 100} {
		for _, noSync := range []bool{false, true} {
			name := "group=" + strconv.Itoa(group)
			if noSync {
				name += "/nosync"
			}
			b.Run(name, func(b *testing.B) {
				dir := b.TempDir()
				sl, err := Open(vfs.Default, dir, dir, Options{NoSync: noSync})
				if err != nil {
					b.Fatal(err)
				}
				if _, _, _, err := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil }); err != nil {
					b.Fatal(err)
				}
				defer sl.Close()
				l := sl.TxnLog()
				h := &jute.TxnHeader{ClientID: 1, Type: jute.OpSetData}
				rec := &jute.SetDataTxn{Path: "/bench/node", Data: make([]byte, 40)}
				dg := &jute.TxnDigest{Version: 2}
				b.SetBytes(100)
				z := int64(0)
				for b.Loop() {
					z++
					h.Zxid = z
					if err := l.Append(h, rec, dg); err != nil {
						b.Fatal(err)
					}
					if z%int64(group) == 0 {
						if err := l.Commit(); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}
